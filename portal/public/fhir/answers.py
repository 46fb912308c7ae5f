"""An answer of the FHIR interface (V3): the resource as ``application/fhir+json``, or a refusal
as an OperationOutcome with its 4xx. Also used by ``portal.web`` for the URLs under
``/<tenant>/fhir/`` that match no route or method."""

from __future__ import annotations

from flask import make_response

from portal.public.fhir.resources import outcome

FHIR_JSON = "application/fhir+json"


def answer(resource, status: int = 200):
    response = make_response(resource.model_dump_json(), status)
    response.headers["Content-Type"] = f"{FHIR_JSON}; charset=utf-8"
    # a registration's state can change at any time, and each lookup is counted (V1)
    response.headers["Cache-Control"] = "no-cache"
    return response


def refusal(status: int, message: str):
    response = answer(outcome(status, message), status)
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="fhir"'
    return response
