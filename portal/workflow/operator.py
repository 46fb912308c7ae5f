"""``flask accounts``: the operator's commands for the province's own accounts (T5, issue 12):
its first administrator, officers, and a new start for one of them, by SMS or by a one-time
set-up link. The accounts themselves are made by ``portal.workflow.provisioning``."""

from __future__ import annotations

import re

import click
from flask import current_app
from flask.cli import AppGroup

from portal.accounts.models import Role, User
from portal.extensions import db
from portal.tenants.hosts import public_place
from portal.tenants.models import Region, Tenant
from portal.tenants.scope import tenant_context
from portal.workflow.commission_accounts import (
    SETUP_LINK_MAX_AGE,
    UsernameTaken,
    provision_commission_account,
    reset_commission_account,
    setup_token,
)

accounts_cli = AppGroup("accounts", help="The province's administrator and officer accounts (T5).")

_USERNAME = re.compile(r"[a-z0-9][a-z0-9_.-]{2,39}")
_MOBILE = re.compile(r"1\d{10}")


def sms_gateway_configured() -> bool:
    return current_app.config.get("SMS_GATEWAY") == "http" and bool(
        current_app.config.get("SMS_GATEWAY_URL")
    )


def setup_link(user: User, tenant: Tenant) -> str:
    scheme = "https" if current_app.config.get("FORCE_HTTPS") else "http"
    return f"{scheme}://" + public_place(current_app, tenant.slug, f"/setup/{setup_token(user)}")


def _create_command(
    role: Role,
    tenant_slug: str,
    username: str,
    name: str,
    phone: str,
    region: str | None,
    link: bool,
):
    tenant = db.session.execute(db.select(Tenant).filter_by(slug=tenant_slug)).scalar_one_or_none()
    if tenant is None:
        raise click.BadParameter(
            f"no tenant {tenant_slug!r} (flask tenants list)", param_hint="--tenant"
        )
    if not _USERNAME.fullmatch(username):
        raise click.BadParameter(
            "3 to 40 lower-case letters, digits, '.', '_' or '-', starting with a letter or digit",
            param_hint="--username",
        )
    name = name.strip()
    if not name or len(name) > 40:
        raise click.BadParameter("1 to 40 characters", param_hint="--name")
    if not _MOBILE.fullmatch(phone):
        raise click.BadParameter(
            "an 11-digit mainland mobile number, e.g. 13800000000", param_hint="--phone"
        )
    by_sms = sms_gateway_configured() and not link
    with tenant_context(tenant.id):
        region_id = None
        if region:
            found = db.session.execute(
                db.select(Region).filter_by(code=region)
            ).scalar_one_or_none()
            if found is None:
                raise click.BadParameter(
                    f"no city or county {region!r} in {tenant.slug}", param_hint="--region"
                )
            region_id = found.id
        try:
            user = provision_commission_account(
                tenant, role, username, name, phone, region_id=region_id, by_sms=by_sms
            )
        except UsernameTaken:
            raise click.BadParameter(
                f"{username!r} is taken in {tenant.slug}", param_hint="--username"
            ) from None
        if by_sms:
            click.echo(
                f"created {role.value} {username} in {tenant.slug}: "
                f"the user name and first password go to {phone} by SMS"
            )
        else:
            click.echo(
                f"created {role.value} {username} in {tenant.slug}. No SMS gateway: give them this one-time"
            )
            click.echo(
                f"set-up link (valid {SETUP_LINK_MAX_AGE // 3600} hours, for one use), in person or sealed:"
            )
            click.echo(setup_link(user, tenant))


_common = [
    click.option("--tenant", "tenant_slug", required=True, help="The tenant's slug, e.g. hubei."),
    click.option("--username", required=True, help="The log-in name, e.g. hb-admin."),
    click.option("--name", required=True, help="The person's real name."),
    click.option(
        "--phone", required=True, help="Their mobile number: the credentials go there by SMS."
    ),
    click.option(
        "--link", is_flag=True, help="Print a one-time set-up link even when SMS can be sent."
    ),
]


def _with_common(f):
    for option in reversed(_common):
        f = option(f)
    return f


@accounts_cli.command("create-admin")
@_with_common
def create_admin_command(
    tenant_slug: str, username: str, name: str, phone: str, link: bool
) -> None:
    """The province's (first) administrator: set-up credentials by SMS, or a one-time set-up
    link when no SMS gateway is configured; TOTP enrolment at the first log-in (I1). Audited."""
    _create_command(Role.ADMIN, tenant_slug, username, name, phone, None, link)


@accounts_cli.command("create-officer")
@_with_common
@click.option(
    "--region", metavar="CODE", help="The officer's city or county (its code); none: the province."
)
def create_officer_command(
    tenant_slug: str, username: str, name: str, phone: str, link: bool, region: str | None
) -> None:
    """A health-commission officer of the province, a city or a county (A1), as create-admin."""
    _create_command(Role.OFFICER, tenant_slug, username, name, phone, region, link)


@accounts_cli.command("reset")
@click.option("--tenant", "tenant_slug", required=True, help="The tenant's slug, e.g. hubei.")
@click.option("--username", required=True, help="The administrator's or officer's log-in name.")
@click.option(
    "--link", is_flag=True, help="Print a one-time set-up link even when SMS can be sent."
)
def reset_command(tenant_slug: str, username: str, link: bool) -> None:
    """An administrator or officer who lost their password, authenticator or set-up link
    starts again: new credentials by SMS, or a new one-time set-up link (T5, I1). Audited."""
    tenant = db.session.execute(db.select(Tenant).filter_by(slug=tenant_slug)).scalar_one_or_none()
    if tenant is None:
        raise click.BadParameter(
            f"no tenant {tenant_slug!r} (flask tenants list)", param_hint="--tenant"
        )
    by_sms = sms_gateway_configured() and not link
    with tenant_context(tenant.id):
        # issue 14: a doctor may hold the same user name; administrator and officer names are
        # unique among staff, officers and administrators (migration 0028's partial index)
        user = db.session.execute(
            db.select(User).where(
                User.username == username, User.role.in_((Role.ADMIN, Role.OFFICER))
            )
        ).scalar_one_or_none()
        if user is None:
            raise click.BadParameter(
                f"no administrator or officer {username!r} in {tenant.slug}",
                param_hint="--username",
            )
        reset_commission_account(tenant, user, by_sms=by_sms)
        if by_sms:
            click.echo(
                f"reset {username} in {tenant.slug}: new credentials go to {user.phone} by SMS"
            )
        else:
            click.echo(
                f"reset {username} in {tenant.slug}. One-time set-up link (valid {SETUP_LINK_MAX_AGE // 3600} hours):"
            )
            click.echo(setup_link(user, tenant))
