"""The FHIR interface's routes (V3): ``metadata``, ``Practitioner`` and ``PractitionerRole``
(search and read). Every answer is ``application/fhir+json``; every refusal an
OperationOutcome with its 4xx (an unknown search parameter 400, a wrong or revoked key 401, an
unknown id 404, over the limit 429), never an HTML page and never a 500."""

from __future__ import annotations

from flask import current_app, g, request, url_for
from flask_babel import gettext as _
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import parse
from werkzeug.exceptions import HTTPException

from portal.accounts.api_keys import find_key
from portal.columns import local_today
from portal.extensions import limiter
from portal.public.fhir import bp, codes
from portal.public.fhir.answers import answer, refusal
from portal.public.fhir.capability import statement
from portal.public.fhir.resources import practitioner, practitioner_role, searchset
from portal.public.forms import MAX_DIGITS
from portal.public.models import count_lookup
from portal.web import retry_after
from portal.workflow import api_keys
from portal.workflow.register import find_by_name, find_registration, public_entry

#: ``_format`` values that ask for what the interface answers (JSON only)
JSON_FORMATS = {"json", "application/json", "application/fhir+json"}


class Refused(Exception):
    """A request the interface answers with an OperationOutcome and ``status``."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@bp.errorhandler(Refused)
def _refused(exc: Refused):
    return refusal(exc.status, exc.message)


@bp.errorhandler(RateLimitExceeded)
def _too_many(exc: RateLimitExceeded):
    response = refusal(429, _("Too many requests. Please wait a moment and try again."))
    response.headers["Retry-After"] = str(retry_after(exc))
    return response


@bp.errorhandler(HTTPException)
def _http(exc: HTTPException):
    return refusal(exc.code or 400, exc.description or "")


# ---- who asks: an API key, or anyone ------------------------------------------------------------


def presented_key() -> str | None:
    """The key sent as ``Authorization: Bearer <key>`` or ``X-API-Key``; "" for an
    Authorization header of another kind (refused like a wrong key); None when none is sent."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _sep, value = header.strip().partition(" ")
        return value.strip() if scheme.lower() == "bearer" else ""
    key = request.headers.get("X-API-Key")
    return key.strip() if key is not None else None


@bp.before_request
def _authenticate():
    g.api_key = None
    key = presented_key()
    if key is None:
        return
    row = find_key(key) if key else None
    if row is None or not row.active:
        _wrong_key()
    g.api_key = row
    api_keys.used(row)


def _wrong_key():
    """401; and wrong keys from one address count against the anonymous limit, apart, so that
    guessing keys is as slow as looking up numbers (429 once over it)."""
    prefix = current_app.config.get("RATELIMIT_KEY_PREFIX", "")
    try:
        allowed = limiter.limiter.hit(
            parse(_anonymous_limit()), prefix, "fhir-wrong-key", get_remote_address()
        )
    except (
        Exception
    ):  # the store (Redis) down: refuse the key all the same, as RATELIMIT_SWALLOW_ERRORS does
        allowed = True
    if not allowed:
        raise Refused(429, _("Too many requests. Please wait a moment and try again."))
    raise Refused(401, _("The API key is not valid or was revoked."))


def _anonymous_limit() -> str:
    return current_app.config["VERIFY_RATE_LIMIT"]


def _key_limit() -> str:
    return current_app.config["FHIR_KEY_RATE_LIMIT"]


def _per_key() -> str:
    return f"api-key:{g.api_key.id}"


def limited(view):
    """Anonymous use: the public check's limit per client address (L8), counted over the
    whole interface; with a key: the key's own, higher limit, wherever it is used from."""
    view = limiter.shared_limit(
        _anonymous_limit, scope="fhir-anonymous", exempt_when=lambda: g.api_key is not None
    )(view)
    return limiter.shared_limit(
        _key_limit, scope="fhir-key", key_func=_per_key, exempt_when=lambda: g.api_key is None
    )(view)


# ---- parameters ---------------------------------------------------------------------------------


def _params(allowed: set[str]) -> dict[str, str]:
    """The query's parameters, each once; an unknown one (or a modifier such as ``name:exact``),
    or one given twice, is refused with 400."""
    out = {}
    for name in request.args:
        values = request.args.getlist(name)
        if name not in allowed | {"_format"}:
            raise Refused(400, _("Unknown search parameter: %(name)s.", name=name[:40]))
        if len(values) > 1:
            raise Refused(400, _("Give the parameter %(name)s once.", name=name))
        if not values[0].strip():
            raise Refused(400, _("The parameter %(name)s is empty.", name=name))
        out[name] = values[0].strip()
    fmt = out.pop("_format", None)
    # "application/fhir+json" unencoded in a query string arrives with a space for its "+"
    if fmt is not None and fmt.replace(" ", "+") not in JSON_FORMATS:
        raise Refused(406, _("This interface answers in JSON only (application/fhir+json)."))
    return out


def _number(value: str) -> str:
    if not (value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS):
        raise Refused(400, _("A certificate number has digits only, e.g. 114205250000001."))
    return value


def _identifier(token: str) -> str | None:
    """The number of an ``identifier`` token (``number`` or ``system|number``); None when the
    system is another than the certificate number's (nothing then matches)."""
    system, bar, value = token.rpartition("|")
    if bar and system != codes.CERTIFICATE_NO:
        return None
    return _number(value)


def _base() -> str:
    return url_for("fhir.metadata", _external=True).rsplit("/", 1)[0]


def _issuer() -> str:
    return f"{g.tenant.name}卫生健康委员会"


def _entries(numbers_or_apps) -> list:
    today = local_today()
    return [public_entry(a, today) for a in numbers_or_apps if a is not None]


def _searched(resources: list):
    response = answer(searchset(resources, request.url, _base()))
    count_lookup(local_today())  # V1: every check is counted (after the answer is made, P6)
    return response


# ---- routes -------------------------------------------------------------------------------------


@bp.get("/metadata")
def metadata():
    _params({"mode"})  # R4's metadata?mode=full|normative|terminology: the one statement
    return answer(statement(g.tenant.name, _base()))


@bp.get("/Practitioner")
@limited
def practitioners():
    params = _params({"identifier", "name", "institution"})
    name, institution = params.get("name"), params.get("institution")
    if "identifier" in params:
        number = _identifier(params["identifier"])
        entries = _entries([find_registration(number)] if number else [])
        if name:
            entries = [e for e in entries if e.real_name == name]
        if institution:
            entries = [e for e in entries if e.institution.startswith(institution)]
    elif name and institution:
        entries = _entries(find_by_name(name[:40], institution[:100]))
    else:
        raise Refused(
            400,
            _(
                "Search by identifier (the certificate number), or by name and institution together."
            ),
        )
    issuer = _issuer()
    return _searched([practitioner(e, issuer) for e in entries])


@bp.get("/Practitioner/<fhir_id>")
@limited
def practitioner_read(fhir_id: str):
    _params(set())
    return _read(fhir_id, lambda e: practitioner(e, _issuer()))


@bp.get("/PractitionerRole")
@limited
def roles():
    params = _params({"practitioner", "identifier"})
    if not params:
        raise Refused(400, _("Search by practitioner or by identifier (the certificate number)."))
    numbers = set()
    if "practitioner" in params:
        reference = params["practitioner"]
        numbers.add(_number(reference.removeprefix("Practitioner/")))
    if "identifier" in params:
        numbers.add(_identifier(params["identifier"]))
    number = numbers.pop() if len(numbers) == 1 else None
    entries = _entries([find_registration(number)] if number else [])
    return _searched([practitioner_role(e) for e in entries])


@bp.get("/PractitionerRole/<fhir_id>")
@limited
def role_read(fhir_id: str):
    _params(set())
    return _read(fhir_id, practitioner_role)


def _read(fhir_id: str, build):
    found = None
    if fhir_id.isascii() and fhir_id.isdigit() and len(fhir_id) <= MAX_DIGITS:
        found = find_registration(fhir_id)
    if found is None:
        count_lookup(local_today())
        raise Refused(
            404, _("No registration in %(province)s has this id.", province=g.tenant.name)
        )
    response = answer(build(public_entry(found, local_today())))
    count_lookup(local_today())
    return response
