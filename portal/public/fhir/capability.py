"""The CapabilityStatement at ``/<tenant>/fhir/metadata`` (V3): what the interface answers, for
clients that discover a server by it. Built with the R4B model; ``fhirVersion`` says 4.0.1,
since every resource served is R4's (see ``resources``)."""

from __future__ import annotations

from datetime import date

from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from portal.public.fhir import codes

#: the day this statement last changed (a CapabilityStatement's ``date``)
CHANGED = date(2026, 12, 7)


def _param(name: str, kind: str, documentation: str) -> dict:
    return {"name": name, "type": kind, "documentation": documentation}


def statement(province: str, base: str) -> CapabilityStatement:
    return CapabilityStatement(
        status="active",
        date=CHANGED,
        publisher=f"{province}卫生健康委员会",
        kind="instance",
        name="PhysicianRegisterVerification",
        title=f"{province}医师执业注册公开查询接口",
        description=(
            "Read-only FHIR R4 interface to the public register of physicians' practice "
            "registrations: only what the public check shows (name, certificate number, level, "
            "category, practice scopes, main institution, status, valid-until, the day a "
            "cancelled registration was cancelled)."
        ),
        software={"name": "Physician e-registration portal"},
        implementation={"description": f"{province} public register", "url": base},
        fhirVersion="4.0.1",
        format=["application/fhir+json", "json"],
        rest=[
            {
                "mode": "server",
                "security": {
                    "description": (
                        "Anonymous use is allowed, limited per client address as the public "
                        "check is. Institutions and platforms send an API key issued by the "
                        "health commission as 'Authorization: Bearer <key>' or 'X-API-Key', for "
                        "a higher limit per key. A wrong or revoked key is refused (401)."
                    )
                },
                "resource": [
                    {
                        "type": "Practitioner",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [
                            _param(
                                "identifier",
                                "token",
                                "The certificate number, alone or as "
                                f"{codes.CERTIFICATE_NO}|<number>.",
                            ),
                            _param(
                                "name",
                                "string",
                                "The doctor's full name (exact); with institution.",
                            ),
                            _param(
                                "institution",
                                "string",
                                "The start of the main institution's name; with name.",
                            ),
                        ],
                    },
                    {
                        "type": "PractitionerRole",
                        "interaction": [{"code": "read"}, {"code": "search-type"}],
                        "searchParam": [
                            _param(
                                "practitioner",
                                "reference",
                                "Practitioner/<certificate number>, or the number alone.",
                            ),
                            _param("identifier", "token", "The certificate number."),
                        ],
                    },
                ],
            }
        ],
    )
