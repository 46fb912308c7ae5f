"""Officer accounts (A1, I1, A8; issue 12): the province's administrator, and an officer for
the levels below their own (``portal.rules.offices.manageable_levels``), creates officers of
the province, a city or a county, each bound to its region; disables and re-enables them;
resets their credentials after checking their identity in person; sends the set-up
credentials again to an account that has not logged in yet.

A new or reset account gets a user name and a first password by SMS (and e-mail when it has
an address) through the outbox, and at the first log-in must choose its own password and enrol
TOTP (``portal.signin.first_login``), as institution accounts do. Each change: the row, its
audit row (A8) and its messages (SEC7) in one transaction; passwords never reach the audit log.
Disabling is ``provisioning.set_disabled``, shared with institution staff."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _

from portal.accounts.models import Role, User
from portal.extensions import db
from portal.notify.services import queue
from portal.notify.sms import sms
from portal.tenants.models import Region, Tenant
from portal.workflow.audit import audit
from portal.workflow.locks import lock_unless
from portal.workflow.provisioning import (
    login_place,
    new_account,
    new_first_password,
    next_username,
    renew_credentials,
)


@dataclass
class IdentityCheck:
    """A8: before new credentials are sent, the officer's ID card was seen in person: by
    whom, on what day (recorded in the audit row)."""

    checked_by: str
    checked_on: date


def _prefix(region: Region | None) -> str:
    """``wj<region code>-`` (wj: 卫健), ``wj00-`` for the province."""
    return f"wj{region.code if region is not None else '00'}-"


def _send(user: User, tenant: Tenant, password: str, *, reset: bool) -> None:
    office = user.region.name if user.region is not None else tenant.name
    args = {
        "tenant": tenant.name,
        "office": office,
        "user": user.username,
        "password": password,
        "place": login_place(tenant),
    }
    if reset:
        body = _(
            "Your officer account at the health commission of %(office)s "
            "was given new credentials. User name: %(user)s First password: %(password)s Log in at %(place)s, "
            "choose your own password and set up your authenticator app again. Do not tell anyone this password.",
            **args,
        )
    else:
        body = _(
            "An officer account at the health commission of %(office)s "
            "was opened for you. User name: %(user)s First password: %(password)s Log in at %(place)s, choose "
            "your own password and set up an authenticator app. Do not tell anyone this password.",
            **args,
        )
    text = sms(
        "commission_account_reset" if reset else "commission_account",
        office=office,
        user=user.username,
        password=password,
    )
    queue("sms", user.phone, text, user_id=user.id, locale=user.locale)
    if user.email:
        queue(
            "email",
            user.email,
            body,
            subject=_("Your officer account on the physician registration portal"),
            user_id=user.id,
            locale=user.locale,
        )


def create_officer(
    by: User,
    tenant: Tenant,
    real_name: str,
    mobile: str,
    email: str,
    region: Region | None,
) -> User:
    """A1: an officer of ``region`` (None: the province), whose user name and first password
    are sent by SMS and e-mail. The caller checked that ``by`` may create it."""
    user, password = new_account(
        next_username(_prefix(region)),
        Role.OFFICER,
        real_name,
        mobile,
        email,
        region_id=region.id if region is not None else None,
    )
    audit(
        "user",
        user.id,
        "create_officer",
        by,
        {},
        {
            "username": user.username,
            "region_id": user.region_id,
            "real_name": real_name,
        },
    )
    _send(user, tenant, password, reset=False)
    db.session.commit()
    return user


def reset_officer(user: User, by: User, tenant: Tenant, check: IdentityCheck) -> User:
    """Lost phone or password: a new first password by SMS; the authenticator app is set up
    again and every open session ends. The identity check in person is in the audit row."""
    password = renew_credentials(
        user,
        by,
        {
            "id_card_seen": True,
            "checked_by": check.checked_by,
            "checked_on": check.checked_on.isoformat(),
        },
    )
    _send(user, tenant, password, reset=True)
    db.session.commit()
    return user


def resend_setup(user: User, by: User, tenant: Tenant) -> User:
    """The set-up message again (lost, or the number was mistyped and corrected): a new first
    password replaces the old one. Only for an account that has not chosen its password yet:
    ``Decided`` otherwise (a set-up account is reset, after the identity check)."""
    lock_unless(user, lambda u: not u.must_change_password, "the account is already set up")
    before, password = new_first_password(user)
    audit(
        "user",
        user.id,
        "resend_credentials",
        by,
        before,
        {"session_version": user.session_version, "must_change_password": True},
    )
    _send(user, tenant, password, reset=False)
    db.session.commit()
    return user
