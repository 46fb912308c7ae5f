"""The open verification interface (V3): read-only FHIR R4 over the public register, under
``/<tenant>/fhir/``, for anyone (limited per address as the public check is) and for
institutions and platforms with an API key (limited per key, higher). Part of the public end:
it shows what the public check shows (V1, L8) and nothing else. docs/verification.md."""

from flask import Blueprint

bp = Blueprint("fhir", __name__, url_prefix="/<tenant>/fhir")

from portal.public.fhir import views  # noqa: E402,F401
