"""Sending one-time codes: the code (SEC2), the message in the outbox (SEC7) and, for
activation codes, the audit row (A8), committed together."""

from __future__ import annotations

from flask_babel import gettext as _

from portal.accounts.codes import issue
from portal.accounts.models import CodePurpose, User
from portal.extensions import db
from portal.notify.services import queue
from portal.tenants import rules_for
from portal.tenants.models import Tenant
from portal.workflow import audit


def send_contact_code(user: User, channel: str, tenant: Tenant, host: str) -> int:
    """D3: a code to the user's phone ("sms") or email. Returns the seconds before another
    may be asked for; raises CodeError when a limit refuses it."""
    rules = rules_for(tenant)["codes"]
    destination = user.phone if channel == "sms" else user.email
    purpose = CodePurpose.VERIFY_PHONE if channel == "sms" else CodePurpose.VERIFY_EMAIL
    issued = issue(user, purpose, channel, destination, rules)
    minutes = rules["otp_minutes"]
    if channel == "sms":
        body = _("[%(tenant)s physician registration] Your verification code is %(code)s, valid for %(n)s minutes. "
                 "Do not tell anyone.", tenant=tenant.name, code=issued.code, n=minutes)
        # D3: the origin-bound line lets the phone offer the code in the form
        body += f"\n\n@{host.split(':')[0]} #{issued.code}"
        queue("sms", destination, body, user_id=user.id)
    else:
        queue("email", destination, _("Your verification code is %(code)s, valid for %(n)s minutes.",
                                      code=issued.code, n=minutes),
              subject=_("Your verification code"), user_id=user.id)
    db.session.commit()
    return rules["otp_resend_seconds"]


def send_activation_code(doctor: User, staff: User, channel: str, tenant: Tenant) -> str:
    """D4/I3: the institution sends the doctor an activation code. Returns where it went
    (masked); raises CodeError when a limit refuses it."""
    rules = rules_for(tenant)["codes"]
    destination = doctor.email if channel == "email" else doctor.phone
    issued = issue(doctor, CodePurpose.ACTIVATION, channel, destination, rules, issued_by=staff)
    body = _("[%(tenant)s physician registration] %(inst)s sent you an activation code: %(code)s. It is valid "
             "for %(n)s hours. Enter it on the portal and press \"Activate my account\".",
             tenant=tenant.name, inst=staff.institution.name, code=issued.code, n=rules["activation_hours"])
    queue(channel, destination, body, subject=_("Your activation code"), user_id=doctor.id)
    audit("user", doctor.id, "send_activation_code", staff, {}, {"channel": channel})
    db.session.commit()
    return doctor.masked_phone if channel == "sms" else doctor.email
