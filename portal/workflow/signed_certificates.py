"""The signed e-certificate (V2): a compact JWS (RFC 7515) over the registration's public facts,
signed with the province's Ed25519 key, and the 30-second presentation code bound to it.
docs/verification.md is the format's reference for anyone verifying without the portal.

A certificate token's payload (UTF-8 JSON, short names to keep the QR code small)::

    {"iss": "hubei", "no": "114205250000001", "nm": "李明华", "lv": "practitioner",
     "ct": "clinical", "sc": ["internal"], "in": "远安县人民医院（演示）",
     "rd": "2026-03-10", "vu": "2028-03-09", "iat": 1773115200}

A presentation code's payload: ``{"iss": "hubei", "no": "114205250000001", "ts": 59103840}``,
``ts`` the 30-second step (Unix time // 30) it was shown in. Both carry ``kid`` and
``alg: Ed25519`` in the protected header."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime

from joserfc import jws
from joserfc.errors import JoseError

from portal.registry.records import Category, Level
from portal.rules.catalogue import scope_name
from portal.workflow.models import Application
from portal.workflow.register import PublicEntry
from portal.workflow.signing_keys import ALG, KeyMissing, current_key, find_key

#: the presentation code's time step, in seconds (as a TOTP's)
STEP = 30
#: a code shown in the step before the current one still counts as current: the seconds between
#: a phone showing it and the scanner's page opening
GRACE_STEPS = 1
#: longer than any token the portal makes: anything longer is refused unread
MAX_TOKEN = 2000


class Refused(Exception):
    """A token that does not verify; ``reason`` says why (see ``REASONS`` in the public end)."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Signed:
    """A certificate token that verified: what it says, and by which key."""

    kid: str
    issued_at: datetime
    entry: PublicEntry
    registered_on: date
    claims: dict


@dataclass(frozen=True)
class Presented:
    """A presentation code that verified; ``current`` when shown in this 30-second step."""

    kid: str
    certificate_no: str
    shown_from: datetime
    shown_until: datetime
    current: bool


def _dump(payload: dict) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode()


def _sign(slug: str, payload: dict) -> str:
    key = current_key(slug)
    return jws.serialize_compact(
        {"alg": ALG, "kid": key.kid}, _dump(payload), key.key, algorithms=[ALG]
    )


def certificate_claims(slug: str, app: Application, now: float | None = None) -> dict:
    return {
        "iss": slug,
        "no": app.certificate_no,
        "nm": app.doctor.real_name,
        "lv": app.level.value,
        "ct": app.category.value,
        "sc": list(app.scopes or []),
        "in": app.institution.name if app.institution else "",
        "rd": app.registered_on.isoformat(),
        "vu": app.valid_until.isoformat(),
        "iat": int(time.time() if now is None else now),
    }


def certificate_token(slug: str, app: Application) -> str:
    """The registration's signed certificate, as issued now."""
    return _sign(slug, certificate_claims(slug, app))


def presentation_step(now: float | None = None) -> int:
    return int((time.time() if now is None else now) // STEP)


def presentation_token(slug: str, certificate_no: str, step: int) -> str:
    return _sign(slug, {"iss": slug, "no": certificate_no, "ts": step})


def step_times(step: int) -> tuple[datetime, datetime]:
    """When a step begins and ends (aware, UTC)."""
    return (
        datetime.fromtimestamp(step * STEP, UTC),
        datetime.fromtimestamp((step + 1) * STEP, UTC),
    )


def _verified(slug: str, token: str) -> tuple[str, dict]:
    """The key id and the payload of a token signed by one of the tenant's published keys."""
    token = (token or "").strip()
    if not token or len(token) > MAX_TOKEN or token.count(".") != 2:
        raise Refused("malformed")
    try:
        header = jws.extract_compact(token.encode("ascii")).headers()
    except (JoseError, ValueError, UnicodeError, TypeError):
        raise Refused("malformed") from None
    if (
        not isinstance(header, dict)
        or header.get("alg") != ALG
        or not isinstance(header.get("kid"), str)
    ):
        raise Refused("malformed")
    try:
        key = find_key(slug, header["kid"])
    except KeyMissing:
        raise Refused("unknown_key") from None
    if key is None:
        raise Refused("unknown_key")
    try:
        payload = jws.deserialize_compact(token, key.key, algorithms=[ALG]).payload
        claims = json.loads(payload.decode("utf-8"))
    except (JoseError, ValueError, UnicodeError):
        raise Refused("bad_signature") from None
    if not isinstance(claims, dict):
        raise Refused("malformed")
    if claims.get("iss") != slug:  # signed by this province, for another: never its own
        raise Refused("other_tenant")
    return key.kid, claims


def verify_certificate(slug: str, token: str) -> Signed:
    kid, c = _verified(slug, token)
    try:
        entry = PublicEntry(
            certificate_no=str(c["no"]),
            real_name=str(c["nm"]),
            level=Level(c["lv"]),
            category=Category(c["ct"]),
            scopes=[scope_name(str(k)) for k in c["sc"]],
            institution=str(c["in"]),
            status="registered",
            valid_until=date.fromisoformat(c["vu"]),
        )
        registered_on = date.fromisoformat(c["rd"])
        issued_at = datetime.fromtimestamp(int(c["iat"]), UTC)
        if not isinstance(c["sc"], list):
            raise TypeError("sc")
    except (KeyError, ValueError, TypeError, OverflowError, OSError):
        raise Refused("malformed") from None
    return Signed(kid, issued_at, entry, registered_on, c)


def verify_presentation(slug: str, token: str, now: float | None = None) -> Presented:
    kid, c = _verified(slug, token)
    step, number = c.get("ts"), c.get("no")
    if not isinstance(step, int) or isinstance(step, bool) or not isinstance(number, str):
        raise Refused("malformed")
    try:
        shown_from, shown_until = step_times(step)
    except (ValueError, OverflowError, OSError):
        raise Refused("malformed") from None
    delta = presentation_step(now) - step
    return Presented(kid, number, shown_from, shown_until, 0 <= delta <= GRACE_STEPS)


#: the facts a certificate signs that the register may have changed since (V2)
COMPARED = ("real_name", "level", "category", "scopes", "institution", "valid_until")


def changed_since(signed: Signed, live: PublicEntry) -> list[str]:
    """The facts of the signed certificate that differ from the register's entry now."""
    return [f for f in COMPARED if getattr(signed.entry, f) != getattr(live, f)]
