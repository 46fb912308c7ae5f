"""``flask certificates``: the operator's commands for the signed e-certificate (V2): a new
signing key for a province (the old ones stay published), and a token verified from the
command line, as the public check does."""

from __future__ import annotations

import json

import click
from flask.cli import AppGroup

from portal.columns import local_today
from portal.extensions import db
from portal.tenants.models import Tenant
from portal.tenants.scope import tenant_context
from portal.workflow.register import find_registration, public_entry
from portal.workflow.signed_certificates import Refused, verify_certificate, verify_presentation
from portal.workflow.signing_keys import KeyMissing, rotate, tenant_keys

certificates_cli = AppGroup("certificates", help="Signed e-certificates and their keys (V2).")


def _tenant(slug: str) -> Tenant:
    tenant = db.session.execute(db.select(Tenant).filter_by(slug=slug)).scalar_one_or_none()
    if tenant is None:
        raise click.BadParameter(f"no tenant {slug!r} (flask tenants list)", param_hint="--tenant")
    return tenant


@certificates_cli.command("rotate-key")
@click.option("--tenant", "slug", required=True, help="The tenant's slug, e.g. hubei.")
def rotate_key_command(slug: str) -> None:
    """Make a new signing key for the tenant (written to CERT_SIGNING_KEYS); it signs from now
    on, every older key stays in the JWKS. Restart nothing: the app servers read the folder."""
    tenant = _tenant(slug)
    try:
        key = rotate(tenant)
    except KeyMissing as err:
        raise click.ClickException(str(err)) from None
    click.echo(f"{slug}: new signing key {key.kid}; published keys: {len(tenant_keys(slug))}")


@certificates_cli.command("verify")
@click.argument("token")
@click.option("--tenant", "slug", default=None, help="The tenant (default: the token's iss).")
def verify_command(token: str, slug: str | None) -> None:
    """Verify a certificate token (or a presentation code) with the tenant's published keys
    and print what it says and the register's state now. Exit status 1 when refused."""
    token = token.strip()
    if "?" in token:  # the whole address of a QR code
        token = token.rsplit("=", 1)[-1]
    slug = slug or _issuer(token)
    tenant = _tenant(slug)
    with tenant_context(tenant.id):
        try:
            signed = verify_certificate(slug, token)
            no, out = signed.entry.certificate_no, {"valid": True, "kid": signed.kid}
            out["claims"] = signed.claims
        except Refused as err:
            try:
                shown = verify_presentation(slug, token)
            except Refused:
                click.echo(json.dumps({"valid": False, "reason": err.reason}))
                raise SystemExit(1) from None
            no = shown.certificate_no
            out = {"valid": True, "kid": shown.kid, "presented": shown.shown_from.isoformat()}
            out["current"] = shown.current
        app = find_registration(no)
        out["register_now"] = "none" if app is None else public_entry(app, local_today()).status
    click.echo(json.dumps(out, ensure_ascii=False, indent=1))


def _issuer(token: str) -> str:
    """The unverified ``iss`` of a token: only to pick whose keys verify it."""
    import base64

    try:
        part = token.split(".")[1]
        claims = json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))
        return str(claims["iss"])
    except (IndexError, ValueError, KeyError, TypeError):
        raise click.BadParameter("not a certificate token; give --tenant") from None
