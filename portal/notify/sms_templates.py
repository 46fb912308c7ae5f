"""The SMS templates (issue 12 "Real SMS"): one per kind of SMS the portal sends, with its
text in each language (the text a province registers with its provider under its signature),
its variables and their kinds (``portal.notify.sms`` fits values to the providers' rules), and
the label an officer reads in the list of messages sent to a doctor."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l


@dataclass(frozen=True)
class Template:
    name: str
    #: the text after the signature; %(var)s for each variable
    text: object
    #: variable -> kind, in the order a positional provider (Tencent: {1}, {2} …) numbers them
    params: dict[str, str]
    #: a verification code: the text ends with the origin-bound line ``@host #code`` (D3),
    #: the host being fixed text of the registered template, not a variable
    origin: bool = False
    #: what an officer reads in the list of messages sent to a doctor
    label: object = ""


def _t(name, text, params, label, origin=False) -> Template:
    return Template(name, text, params, origin, label)


TEMPLATES: dict[str, Template] = {
    t.name: t
    for t in (
        _t(
            "verification_code",
            _l(
                "Your verification code is %(code)s, valid for %(minutes)s minutes. Do not tell anyone."
            ),
            {"code": "code", "minutes": "number"},
            _l("Verification code"),
            origin=True,
        ),
        _t(
            "reset_code",
            _l(
                "Your password reset code is %(code)s, valid for %(minutes)s minutes. If you did not ask "
                "for it, ignore this message and do not tell anyone the code."
            ),
            {"code": "code", "minutes": "number"},
            _l("Password reset code"),
            origin=True,
        ),
        _t(
            "password_changed",
            _l(
                "The password of your account %(user)s was changed. If you did not do this, contact the "
                "health commission (%(phone)s) at once."
            ),
            {"user": "text", "phone": "text"},
            _l("Password changed"),
        ),
        _t(
            "phone_changed",
            _l(
                "The mobile number of your account %(user)s was changed to %(new)s. If you did not do this, "
                "contact the health commission (%(phone)s) at once."
            ),
            {"user": "text", "new": "text", "phone": "text"},
            _l("Mobile number changed"),
        ),
        _t(
            "email_changed",
            _l(
                "The email address of your account %(user)s was changed to %(new)s. If you did not do this, "
                "contact the health commission (%(phone)s) at once."
            ),
            {"user": "text", "new": "text", "phone": "text"},
            _l("Email address changed"),
        ),
        _t(
            "duplicate_signup",
            _l(
                "Someone who holds %(contact)s tried to sign up with your ID number. Your user name is "
                "%(user)s. If it was not you, contact the health commission (%(phone)s)."
            ),
            {"contact": "text", "user": "text", "phone": "text"},
            _l("Sign-up with your ID number"),
        ),
        _t(
            "codes_unlocked",
            _l(
                "The health commission unlocked code entry for your account. You can ask for a new code."
            ),
            {},
            _l("Code entry unlocked"),
        ),
        _t(
            "activation_code",
            _l(
                "%(inst)s sent you an activation code: %(code)s. It is valid for %(hours)s hours. Enter it "
                'on the portal and press "Activate my account".'
            ),
            {"inst": "text", "code": "number", "hours": "number"},
            _l("Activation code"),
        ),
        _t(
            "staff_account",
            _l(
                "An institution-end account was opened for you at %(inst)s. User name: %(user)s First "
                "password: %(password)s Log in on the portal, choose your own password and set up an "
                "authenticator app. Do not tell anyone this password."
            ),
            {"inst": "text", "user": "text", "password": "number"},
            _l("Institution account opened"),
        ),
        _t(
            "staff_account_reset",
            _l(
                "The health commission reset the account of %(inst)s. User name: %(user)s First password: "
                "%(password)s Log in on the portal, choose your own password and set up your authenticator "
                "app again. Do not tell anyone this password."
            ),
            {"inst": "text", "user": "text", "password": "number"},
            _l("Institution account reset"),
        ),
        _t(
            "commission_account",
            _l(
                "A health-commission account of %(office)s was opened for you. User name: %(user)s "
                "First password: %(password)s Log in on the portal, choose your own password and set up "
                "an authenticator app. Do not tell anyone this password."
            ),
            {"office": "text", "user": "text", "password": "number"},
            _l("Commission account opened"),
        ),
        _t(
            "commission_account_reset",
            _l(
                "Your health-commission account of %(office)s was given new credentials. User name: "
                "%(user)s First password: %(password)s Log in on the portal, choose your own password and "
                "set up your authenticator app again. Do not tell anyone this password."
            ),
            {"office": "text", "user": "text", "password": "number"},
            _l("Commission account reset"),
        ),
        _t(
            "record_corrected",
            _l(
                "The health commission corrected your registration from before the portal: you are "
                "registered at %(inst)s. Activate your account with this institution."
            ),
            {"inst": "text"},
            _l("Registration record corrected"),
        ),
        _t(
            "account_activated",
            _l(
                "Your account on the physician registration portal is activated. You can now apply for "
                "registration."
            ),
            {},
            _l("Account activated"),
        ),
        _t(
            "identity_verified",
            _l(
                "Your identity was verified by the health commission: your account is linked to "
                "qualification %(no)s."
            ),
            {"no": "text"},
            _l("Identity verified"),
        ),
        _t(
            "identity_closed",
            _l("The health commission closed the check of your identity. Reason: %(reason)s"),
            {"reason": "text"},
            _l("Identity check closed"),
        ),
        _t(
            "application_submitted",
            _l("Your registration application was submitted to %(inst)s for confirmation."),
            {"inst": "text"},
            _l("Application submitted"),
        ),
        _t(
            "application_confirmed",
            _l(
                "%(inst)s confirmed your registration application. Please bring the paper materials to "
                "the health commission."
            ),
            {"inst": "text"},
            _l("Application confirmed"),
        ),
        _t(
            "application_returned",
            _l("%(inst)s returned your registration application. Reason: %(reason)s"),
            {"inst": "text", "reason": "text"},
            _l("Application returned by the institution"),
        ),
        _t(
            "commission_returned",
            _l(
                "The health commission returned your registration application for correction. "
                "Reason: %(reason)s"
            ),
            {"reason": "text"},
            _l("Application returned by the health commission"),
        ),
        _t(
            "registration_approved",
            _l("Your practice registration is approved. Certificate number: %(no)s."),
            {"no": "text"},
            _l("Registration approved"),
        ),
        _t(
            "change_approved",
            _l("The change of your practice registration %(no)s is approved."),
            {"no": "text"},
            _l("Change approved"),
        ),
        _t(
            "reregistration_approved",
            _l("Your re-registration is approved: registration %(no)s is in force again."),
            {"no": "text"},
            _l("Re-registration approved"),
        ),
        _t(
            "registration_cancelled",
            _l("Your practice registration %(no)s is cancelled."),
            {"no": "text"},
            _l("Registration cancelled"),
        ),
        _t(
            "cancellation_reported",
            _l(
                "%(inst)s reported a ground for cancelling your practice registration %(no)s: "
                "%(ground)s. The health commission will decide."
            ),
            {"inst": "text", "no": "text", "ground": "text"},
            _l("Cancellation ground reported"),
        ),
        _t(
            "registration_cancelled_by_commission",
            _l(
                "The health commission cancelled your practice registration %(no)s "
                "(Practitioners' Law art. 17). Ground: %(ground)s. Reference: %(reference)s"
            ),
            {"no": "text", "ground": "text", "reference": "text"},
            _l("Registration cancelled by the commission"),
        ),
        _t(
            "registration_cancelled_staff",
            _l("The health commission cancelled the practice registration %(no)s of %(doctor)s."),
            {"no": "text", "doctor": "text"},
            _l("Registration cancelled (institution)"),
        ),
        _t(
            "cancellation_dismissed",
            _l(
                "The health commission decided not to cancel your practice registration %(no)s: it "
                "stays in force. Reason: %(reason)s"
            ),
            {"no": "text", "reason": "text"},
            _l("Registration not cancelled"),
        ),
        _t(
            "cancellation_dismissed_staff",
            _l(
                "The health commission decided not to cancel the practice registration %(no)s of "
                "%(doctor)s that you reported."
            ),
            {"no": "text", "doctor": "text"},
            _l("Registration not cancelled (institution)"),
        ),
        _t(
            "registration_refused",
            _l(
                "Your registration application is refused (Practitioners' Law art. 16). Ground: "
                "%(ground)s"
            ),
            {"ground": "text"},
            _l("Registration refused"),
        ),
        _t(
            "registration_refused_staff",
            _l(
                "The registration application of %(doctor)s is refused (Practitioners' Law art. 16). "
                "Ground: %(ground)s"
            ),
            {"doctor": "text", "ground": "text"},
            _l("Registration refused (institution)"),
        ),
        _t(
            "modification_sent",
            _l(
                "Your request to modify your registered information was sent to %(inst)s. Your "
                "registered details stay as they are until it is approved."
            ),
            {"inst": "text"},
            _l("Modification request sent"),
        ),
        _t(
            "modification_approved",
            _l(
                "%(inst)s approved the modification of your registered information: the new details "
                "are now in force."
            ),
            {"inst": "text"},
            _l("Modification approved"),
        ),
        _t(
            "modification_rejected",
            _l(
                "%(inst)s rejected the modification of your registered information. Reason: %(reason)s"
            ),
            {"inst": "text", "reason": "text"},
            _l("Modification rejected"),
        ),
        _t(
            "filing_sent",
            _l(
                "Your filing of %(inst)s as an additional practice site was sent to that institution for "
                "confirmation."
            ),
            {"inst": "text"},
            _l("Practice site filing sent"),
        ),
        _t(
            "filing_confirmed",
            _l("%(inst)s confirmed your filing: it is now one of your practice sites."),
            {"inst": "text"},
            _l("Practice site confirmed"),
        ),
        _t(
            "filing_rejected",
            _l("%(inst)s rejected your filing as an additional practice site. Reason: %(reason)s"),
            {"inst": "text", "reason": "text"},
            _l("Practice site rejected"),
        ),
        _t(
            "filing_withdrawn",
            _l("You withdrew the filing of %(inst)s as an additional practice site."),
            {"inst": "text"},
            _l("Practice site withdrawn"),
        ),
        _t(
            "registration_reminder",
            _l(
                "Your practice registration %(no)s is valid until %(date)s. To keep practising after that "
                "day, apply for re-registration on the portal in time."
            ),
            {"no": "text", "date": "text"},
            _l("Registration reminder"),
        ),
        _t(
            "draft_reminder",
            _l(
                "Your draft registration application will expire on %(date)s. Log in to the portal to "
                "continue it and submit it."
            ),
            {"date": "text"},
            _l("Draft reminder"),
        ),
        _t(
            "activation_reminder",
            _l(
                "Your account activation code expires at %(time)s. If you no longer have it, ask your "
                "institution for a new code."
            ),
            {"time": "text"},
            _l("Activation code reminder"),
        ),
    )
}
