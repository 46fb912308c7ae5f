"""SEC1: a doctor changes the password, the mobile number or the email address on the
Account page, having typed the current password again (the view checks it). A new number or
address replaces the old one only once the code sent to it is entered: the pending value
travels in the code's row (``OneTimeCode.destination``), so the old one stays in force until
then. Each: the change, the audit row (values masked, SEC5) and the messages in one transaction."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.accounts.codes import issue, verify
from portal.accounts.models import CodePurpose, User, mask_email, mask_phone
from portal.accounts.passwords import hash_password
from portal.columns import utcnow
from portal.extensions import db
from portal.notify.services import queue
from portal.notify.sms import sms
from portal.tenants import rules_for
from portal.tenants.models import Tenant
from portal.workflow import usernames
from portal.workflow.audit import audit
from portal.workflow.codes import queue_verification_code
from portal.workflow.locks import lock

#: channel -> (purpose of the code, the user's field, its "verified at" field, the masking)
CONTACTS = {
    "sms": (CodePurpose.CHANGE_PHONE, "phone", "phone_verified_at", mask_phone),
    "email": (CodePurpose.CHANGE_EMAIL, "email", "email_verified_at", mask_email),
}


def log_out(user: User) -> None:
    """Issue 14: log-out ends the session on the server, not only in this browser: the
    session version moves on, so a copy of the cookie taken before opens nothing (every
    device of the account is logged out, as a password change does)."""
    lock(user)
    user.session_version += 1
    db.session.commit()


def change_password(user: User, password: str, tenant: Tenant) -> str | None:
    """Set a new password and end every other session: the session version moves on (the caller
    starts a fresh session for the device that asked). The owner is told on phone and email.
    Issue 14: when the new password opens another account holding the user name, the account
    gets a variant of it (``workflow.usernames``); the name it left is returned."""
    lock(user)
    before = {"session_version": user.session_version}
    user.password_hash = hash_password(password)
    left = usernames.rename_if_shared(user, password)
    user.session_version += 1
    audit(
        "user", user.id, "change_password", user, before, {"session_version": user.session_version}
    )
    _tell(
        user,
        _(
            "The password of your account %(user)s was changed. If you "
            "did not do this, contact the health commission (%(phone)s) at once.",
            user=user.username,
            phone=tenant.contact_phone,
        ),
        _("Your password was changed"),
        sms("password_changed", user=user.username, phone=tenant.contact_phone),
    )
    db.session.commit()
    return left


def request_contact_change(user: User, channel: str, new_value: str, tenant: Tenant) -> int:
    """Send a code to the NEW number or address. Returns the seconds before another may be asked
    for; raises CodeError when a send limit refuses it. Nothing of the account changes yet."""
    purpose, field, _verified, mask = CONTACTS[channel]
    rules = rules_for(tenant)["codes"]
    issued = issue(user, purpose, channel, new_value, rules)
    queue_verification_code(user, channel, new_value, issued.code, rules["otp_minutes"], tenant)
    audit(
        "user",
        user.id,
        f"request_{field}_change",
        user,
        {field: mask(getattr(user, field))},
        {field: mask(new_value)},
    )
    db.session.commit()
    return rules["otp_resend_seconds"]


def confirm_contact_change(user: User, channel: str, code: str, tenant: Tenant) -> str:
    """The code sent to the new number or address was entered: it replaces the old one (now
    verified). The old one is told. Returns the new value; raises CodeError (failure counted)."""
    purpose, field, verified, mask = CONTACTS[channel]
    row = verify(user, purpose, code, rules_for(tenant)["codes"])
    old = getattr(user, field)
    setattr(user, field, row.destination)
    setattr(user, verified, utcnow())
    audit(
        "user", user.id, f"change_{field}", user, {field: mask(old)}, {field: mask(row.destination)}
    )
    if old:
        body = (
            _(
                "The mobile number of your account %(user)s was changed to "
                "%(new)s. If you did not do this, contact the health commission (%(phone)s) at once.",
                user=user.username,
                new=mask(row.destination),
                phone=tenant.contact_phone,
            )
            if channel == "sms"
            else _(
                "The email address of your account %(user)s was changed to "
                "%(new)s. If you did not do this, contact the health commission (%(phone)s) at once.",
                user=user.username,
                new=mask(row.destination),
                phone=tenant.contact_phone,
            )
        )
        if channel == "sms":
            body = sms(
                "phone_changed",
                user=user.username,
                new=mask(row.destination),
                phone=tenant.contact_phone,
            )
        queue(channel, old, body, subject=_("Your contact details were changed"), user_id=user.id)
    db.session.commit()
    return row.destination


def _tell(user: User, body: str, subject: str, text) -> None:
    if user.phone and user.phone_verified_at:
        queue("sms", user.phone, text, user_id=user.id)
    if user.email and user.email_verified_at:
        queue("email", user.email, body, subject=subject, user_id=user.id)
