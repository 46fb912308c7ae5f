"""Sending one-time codes: the code (SEC2), the message in the outbox (SEC7) and, for
activation codes, the audit row (A8), committed together. Password reset (D6)."""

from __future__ import annotations

import secrets

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import update

from portal.accounts import holders
from portal.accounts.codes import CodeError, _digest, check_send_limits, issue, matches, verify
from portal.accounts.models import CodePurpose, Role, User
from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.notify.services import queue
from portal.notify.sms import sms
from portal.tenants import rules_for
from portal.tenants.hosts import origin_host
from portal.tenants.models import Tenant
from portal.workflow import usernames
from portal.workflow.audit import audit


def send_contact_code(user: User, channel: str, tenant: Tenant) -> int:
    """D3: a code to the user's phone ("sms") or email. Returns the seconds before another
    may be asked for; raises CodeError when a limit refuses it."""
    rules = rules_for(tenant)["codes"]
    destination = user.phone if channel == "sms" else user.email
    purpose = CodePurpose.VERIFY_PHONE if channel == "sms" else CodePurpose.VERIFY_EMAIL
    issued = issue(user, purpose, channel, destination, rules)
    queue_verification_code(user, channel, destination, issued.code, rules["otp_minutes"], tenant)
    db.session.commit()
    return rules["otp_resend_seconds"]


def queue_verification_code(
    user: User, channel: str, destination: str, code: str, minutes: int, tenant: Tenant
) -> None:
    """The message carrying a verification code (D3) to ``destination``, in the caller's
    transaction. By SMS it ends with the origin-bound line, so the phone offers the code."""
    if channel == "sms":
        host = origin_host(current_app, tenant.slug)
        text = sms("verification_code", host=host, code=code, minutes=minutes)
        queue("sms", destination, text, user_id=user.id)
    else:
        queue(
            "email",
            destination,
            _("Your verification code is %(code)s, valid for %(n)s minutes.", code=code, n=minutes),
            subject=_("Your verification code"),
            user_id=user.id,
        )


def send_activation_code(doctor: User, staff: User, channel: str, tenant: Tenant) -> str:
    """D4/I3: the institution sends the doctor an activation code. Returns where it went
    (masked); raises CodeError when a limit refuses it."""
    rules = rules_for(tenant)["codes"]
    destination = doctor.email if channel == "email" else doctor.phone
    issued = issue(doctor, CodePurpose.ACTIVATION, channel, destination, rules, issued_by=staff)
    body = _l(
        "%(inst)s sent you an activation code: %(code)s. It is valid "
        'for %(n)s hours. Enter it on the portal and press "Activate my account".',
        inst=staff.institution.name,
        code=issued.code,
        n=rules["activation_hours"],
    )
    if channel == "sms":
        body = sms(
            "activation_code",
            inst=staff.institution.name,
            code=issued.code,
            hours=rules["activation_hours"],
        )
    queue(
        channel,
        destination,
        body,
        subject=_l("Your activation code"),
        user_id=doctor.id,
        locale=doctor.locale,
    )
    audit("user", doctor.id, "send_activation_code", staff, {}, {"channel": channel})
    db.session.commit()
    return doctor.masked_phone if channel == "sms" else doctor.email


# ---- D6: password reset ------------------------------------------------------------------
#
# Nothing the answer holds may tell whether a user name exists: the views answer the same
# page, status and message in every case, and these functions do the same work for an
# unknown user name (the same queries, on a stand-in) as for a known one. A send limit
# (SEC2) that refuses a code is silent for the same reason, and so is the consecutive-failure
# lock: a locked user asking for a code gets a message saying so instead, on their own phone
# or email, never on the page.

#: a destination no code is ever sent to: the stand-in queries for an unknown user name
_NOWHERE = "-"


class ResetRefused(Exception):
    """The user name, the code or the account did not allow a reset (which one is not said)."""


def reset_destination(user: User | None, channel: str) -> str | None:
    """Where a reset code for ``user`` may go by ``channel`` ("sms" or "email"), or None.

    A doctor's phone or email counts only once verified (D3, D6). Staff, officers and
    administrators never verify theirs: their phone and email were entered by the
    health-commission officer who created the account, so one on record is used as it is
    (they still need their TOTP code at log-in afterwards, SEC3)."""
    if user is None or user.disabled:
        return None
    value, verified_at = (
        (user.phone, user.phone_verified_at)
        if channel == "sms"
        else (user.email, user.email_verified_at)
    )
    if not value or (user.role is Role.DOCTOR and verified_at is None):
        return None
    return value


def _stand_in_send(rules: dict) -> None:
    """What ``issue`` does, on no row: the limit queries, a code and its digest, the UPDATE."""
    try:
        check_send_limits(_NOWHERE, CodePurpose.RESET_PASSWORD, rules)
    except CodeError:
        pass
    digits = rules["otp_digits"]
    _digest(0, CodePurpose.RESET_PASSWORD.value, f"{secrets.randbelow(10**digits):0{digits}d}")
    db.session.execute(update(User).where(User.id == -1).values(code_failures=User.code_failures))
    db.session.commit()


def request_password_reset(username: str, channel: str, tenant: Tenant) -> None:
    """D6, step 1: send a reset code to the (verified) phone or email of each account holding
    the user name (issue 14: a doctor's need not be unique; at most ``HOLDERS``), if no limit
    refuses it. Says nothing about which happened, and does the same work for ``HOLDERS``
    accounts whatever their number (a stand-in for each missing one)."""
    rules = rules_for(tenant)["codes"]
    found = holders.confirmed_holders(username.strip())
    for i in range(holders.HOLDERS):
        user = found[i] if i < len(found) else None
        destination = reset_destination(user, channel)
        if user is None or destination is None:
            _stand_in_send(rules)
        else:
            _send_reset_code(user, channel, destination, rules, tenant)


def _send_reset_code(user: User, channel: str, destination: str, rules: dict, tenant: Tenant):
    try:
        issued = issue(user, CodePurpose.RESET_PASSWORD, channel, destination, rules)
    except CodeError:  # cool-down, hourly cap or lock (SEC2): silently no message
        db.session.rollback()
        return
    body = _(
        "Your password reset code is %(code)s, valid for %(n)s minutes. "
        "If you did not ask for it, ignore this message and do not tell anyone the code.",
        code=issued.code,
        n=rules["otp_minutes"],
    )
    # D3: the origin-bound line, with the configured host and never the request's Host
    # header (anyone can ask for a reset code, with any Host header)
    text = sms(
        "reset_code",
        host=origin_host(current_app, tenant.slug),
        code=issued.code,
        minutes=rules["otp_minutes"],
    )
    subject = _("Your password reset code")
    queue(
        channel, destination, text if channel == "sms" else body, subject=subject, user_id=user.id
    )
    audit("user", user.id, "request_password_reset", None, {}, {"channel": channel})
    db.session.commit()


def _stand_in_verify() -> None:
    """What ``verify`` does for a wrong code, on no row."""
    db.session.execute(db.select(User.code_locked_until).where(User.id == -1)).first()
    db.session.execute(
        update(User).where(User.id == -1).values(code_failures=User.code_failures + 1)
    )
    db.session.commit()


def reset_password(
    username: str, code: str, password: str, tenant: Tenant
) -> tuple[str, str] | None:
    """D6, step 2: the code sent in step 1 sets a new password and ends every open session
    of the account it was sent to (of the accounts holding the user name, issue 14). Raises
    ResetRefused, whatever the reason (unknown user name, wrong, expired or used code, too
    many tries, the lock): the failure is counted, nothing else changes. Returns the user
    name the account left and its variant (``workflow.usernames.rename_if_shared``), or None."""
    rules = rules_for(tenant)["codes"]
    new_hash = hash_password(password)  # first, for every user name: the same argon2 work
    found = holders.confirmed_holders(username.strip())
    # issue 14: the code tells which of the accounts holding the name it was sent to
    user = next((u for u in found if matches(u, CodePurpose.RESET_PASSWORD, code)), None)
    if user is None:
        # a wrong code counts on every account holding the name (SEC2), as it did on the one
        for i in range(holders.HOLDERS):
            if i < len(found):
                try:
                    verify(found[i], CodePurpose.RESET_PASSWORD, code, rules)
                except CodeError:
                    db.session.commit()
            else:
                _stand_in_verify()
        raise ResetRefused
    try:
        used = verify(user, CodePurpose.RESET_PASSWORD, code, rules)
    except CodeError as err:  # the lock, or too many tries on this code
        db.session.commit()
        raise ResetRefused from err
    before = {"session_version": user.session_version}
    user.password_hash = new_hash
    # issue 14: a doctor whose new password opens another account holding the name gets a
    # variant of it (workflow.usernames); the message below and the log-in page name it
    left = usernames.rename_if_shared(user, password)
    user.session_version += 1  # every open session of the account ends (and a pending TOTP step)
    audit(
        "user",
        user.id,
        "reset_password",
        user,
        before,
        {"session_version": user.session_version, "channel": used.channel},
    )
    body = _(
        "The password of your account %(user)s was changed. If you did "
        "not do this, contact the health commission (%(phone)s) at once.",
        user=user.username,
        phone=tenant.contact_phone,
    )
    for channel in ("sms", "email"):
        destination = reset_destination(user, channel)
        if destination:
            text = sms("password_changed", user=user.username, phone=tenant.contact_phone)
            queue(
                channel,
                destination,
                text if channel == "sms" else body,
                subject=_("Your password was changed"),
                user_id=user.id,
            )
    db.session.commit()
    return (left, user.username) if left else None
