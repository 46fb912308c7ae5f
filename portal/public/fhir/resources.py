"""The public register as FHIR R4 resources (V3), built with the ``fhir.resources`` models (their
``R4B`` package: fhir.resources 8 carries R5, R4B and STU3, not R4, and the R4B Practitioner,
PractitionerRole, Bundle, OperationOutcome and CapabilityStatement are R4's, element for
element; docs/verification.md). Only what the public check shows (V1, L8, SEC5): name,
certificate number, level, category, scopes, institution, status, valid-until and the day a
cancelled registration was cancelled; never an ID number, phone, e-mail, address or date of
birth (the models could carry them: nothing here fills them).

Logical ids are certificate numbers: ``Practitioner/<number>`` and ``PractitionerRole/<number>``
(one role: the main institution, as the public check shows it)."""

from __future__ import annotations

from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.practitioner import Practitioner
from fhir.resources.R4B.practitionerrole import PractitionerRole

from portal.public.fhir import codes
from portal.rules.catalogue import scope_name
from portal.workflow.register import PublicEntry


def _identifier(entry: PublicEntry) -> dict:
    return {"use": "official", "system": codes.CERTIFICATE_NO, "value": entry.certificate_no}


def _coding(system: str, code: str, display: str) -> dict:
    return {"system": system, "code": code, "display": display}


def _scope(key: str) -> dict:
    name = scope_name(key)
    return {"coding": [_coding(codes.SCOPE, key, name)], "text": name}


def _end(entry: PublicEntry):
    return entry.cancelled_on if entry.status == "cancelled" else entry.valid_until


def practitioner(entry: PublicEntry, issuer: str) -> Practitioner:
    category = codes.CATEGORY_DISPLAY[entry.category]
    level = codes.LEVEL_DISPLAY[entry.level]
    extensions = [
        {"url": codes.EXT_LEVEL, "valueCoding": _coding(codes.LEVEL, entry.level.value, level)},
        *({"url": codes.EXT_SCOPE, "valueCodeableConcept": _scope(k)} for k in entry.scope_keys),
        {
            "url": codes.EXT_STATUS,
            "valueCoding": _coding(codes.STATUS, entry.status, codes.STATUS_DISPLAY[entry.status]),
        },
    ]
    if entry.cancelled_on:
        extensions.append({"url": codes.EXT_CANCELLED_ON, "valueDate": entry.cancelled_on})
    end = _end(entry)
    return Practitioner(
        id=entry.certificate_no,
        identifier=[_identifier(entry)],
        active=entry.status == "registered",
        name=[{"use": "official", "text": entry.real_name}],
        qualification=[
            {
                "extension": extensions,
                "identifier": [_identifier(entry)],
                "code": {
                    "coding": [_coding(codes.CATEGORY, entry.category.value, category)],
                    "text": f"{level}（{category}）",
                },
                **({"period": {"end": end}} if end else {}),
                "issuer": {"display": issuer},
            }
        ],
    )


def practitioner_role(entry: PublicEntry) -> PractitionerRole:
    end = _end(entry)
    level = codes.LEVEL_DISPLAY[entry.level]
    return PractitionerRole(
        id=entry.certificate_no,
        identifier=[_identifier(entry)],
        active=entry.status == "registered",
        **({"period": {"end": end}} if end else {}),
        practitioner={
            "reference": f"Practitioner/{entry.certificate_no}",
            "identifier": _identifier(entry),
            "display": entry.real_name,
        },
        organization={"display": entry.institution} if entry.institution else None,
        code=[{"coding": [_coding(codes.LEVEL, entry.level.value, level)], "text": level}],
        specialty=[_scope(k) for k in entry.scope_keys],
    )


def searchset(resources: list, self_url: str, base: str) -> Bundle:
    return Bundle(
        type="searchset",
        total=len(resources),
        link=[{"relation": "self", "url": self_url}],
        entry=[
            {
                "fullUrl": f"{base}/{r.get_resource_type()}/{r.id}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in resources
        ],
    )


#: an OperationOutcome's issue type per HTTP status (R4 IssueType)
ISSUE_TYPE = {
    400: "invalid",
    401: "login",
    403: "forbidden",
    404: "not-found",
    405: "not-supported",
    406: "not-supported",
    429: "throttled",
}


def outcome(status: int, message: str) -> OperationOutcome:
    return OperationOutcome(
        issue=[
            {
                "severity": "error",
                "code": ISSUE_TYPE.get(status, "processing"),
                "diagnostics": message,
            }
        ]
    )
