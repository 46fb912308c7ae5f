"""The signed e-certificate on the public check (V2): a scanned certificate (``?t=``) or
presentation code (``?p=``) is verified against the tenant's published keys, and shown beside
the register's live entry; the keys themselves at ``/<tenant>/.well-known/jwks.json``."""

from __future__ import annotations

from flask import g, jsonify
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from portal.columns import local_today
from portal.htmx import is_partial_request, render
from portal.public import bp
from portal.public.forms import VerifyForm
from portal.workflow.register import find_registration, public_entry
from portal.workflow.signed_certificates import (
    Refused,
    changed_since,
    verify_certificate,
    verify_presentation,
)
from portal.workflow.signing_keys import jwks

#: why a token is refused, as the visitor reads it
REASONS = {
    "malformed": _l(
        "This code is not a certificate of this portal, or it was cut short. Scan it again."
    ),
    "unknown_key": _l(
        "This code was not signed with a key %(province)s publishes: it was issued by another "
        "province or the key was withdrawn. Do not rely on it."
    ),
    "bad_signature": _l(
        "The signature does not match the data: this certificate was altered or forged. Do not "
        "rely on it."
    ),
    "other_tenant": _l(
        "This code was issued for another province's register. Check it on that province's portal."
    ),
}

#: the labels of the facts a registration may have changed since the certificate was signed
FACTS = {
    "real_name": _l("Name"),
    "level": _l("Qualification level"),
    "category": _l("Category"),
    "scopes": _l("Practice scope"),
    "institution": _l("Institution"),
    "valid_until": _l("Valid until"),
}


def issuer() -> str:
    return _("the health commission of %(region)s", region=g.tenant.name)


def _answer(status: int = 200, **context):
    if status >= 400 and is_partial_request():
        status = 200  # htmx swaps in only a success (base.html's responseHandling)
    return render(
        "public/verify.html",
        "verify_block",
        status=status,
        form=VerifyForm(formdata=None),
        entry=None,
        asked=False,
        message="",
        issuer=issuer(),
        facts=FACTS,
        **context,
    )


def _refused(err: Refused):
    message = str(REASONS.get(err.reason, REASONS["malformed"])) % {"province": g.tenant.name}
    return _answer(422, refused=message)


def _live(certificate_no: str):
    app = find_registration(certificate_no)
    return public_entry(app, local_today()) if app is not None else None


def check(token: str | None, code: str | None):
    """The answer to a scanned QR code: the certificate's signed facts, or the presentation
    code's moment, with the live register entry; a clear refusal otherwise (never a 500)."""
    try:
        if token is not None:
            signed = verify_certificate(g.tenant.slug, token)
            live = _live(signed.entry.certificate_no)
            changed = changed_since(signed, live) if live is not None else []
            return _answer(signed=signed, live=live, changed=changed)
        presented = verify_presentation(g.tenant.slug, code or "")
    except Refused as err:
        return _refused(err)
    return _answer(presented=presented, live=_live(presented.certificate_no))


@bp.get("/<tenant>/.well-known/jwks.json")
def jwks_json():
    """Every public key of the province, current and older (RFC 7517): to verify a certificate
    without the portal (docs/verification.md). The same for everyone: cached an hour."""
    response = jsonify(jwks(g.tenant.slug))
    response.mimetype = "application/jwk-set+json"
    response.headers["Cache-Control"] = "public, max-age=3600"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response
