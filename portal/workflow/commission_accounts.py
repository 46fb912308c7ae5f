"""The province's own accounts (T5, issue 12): its first administrator and its officers,
made by the operator (``flask accounts``) or the administrator (the officers tab), each with a
one-time set-up link or a first password by SMS; institution accounts are
``portal.workflow.provisioning``, whose helpers these share."""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError

from portal.accounts.models import Role, User
from portal.extensions import db
from portal.notify.services import queue
from portal.notify.sms import sms
from portal.tenants.models import Tenant
from portal.workflow.audit import audit
from portal.workflow.locks import WrongState, lock, lock_unless
from portal.workflow.provisioning import (
    new_account,
    new_first_password,
)

#: a set-up link stays valid this long, and for one use (the account's session_version)
SETUP_LINK_MAX_AGE = 72 * 3600
_SETUP_SALT = "account-setup-link"


class UsernameTaken(Exception):
    """The tenant has an account of this user name already."""


def _setup_serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=_SETUP_SALT)


def setup_token(user: User) -> str:
    """A one-time set-up link's token for ``user``: it logs them in once, to choose a password
    and enrol TOTP; using it, or any new password, ends it."""
    return _setup_serializer().dumps([user.tenant_id, user.id, user.session_version])


def user_of_setup_token(token: str) -> User | None:
    """The account a set-up token (still valid, never used) is for, else None. Reads in the
    current tenant only (T3): another tenant's token names nobody here."""
    try:
        tenant_id, user_id, version = _setup_serializer().loads(token, max_age=SETUP_LINK_MAX_AGE)
    except (BadSignature, ValueError, TypeError):
        return None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if (
        user is None
        or user.tenant_id != tenant_id
        or user.session_version != version
        or user.disabled
        or not user.must_change_password
    ):
        return None
    return user


def use_setup_link(user: User) -> None:
    """The link is used: it stops working (session_version moves on) and the caller starts
    the account's session, which must choose a password and enrol TOTP (I1). Two presses at
    the same moment: one wins, the other gets ``Decided`` (the link was used meanwhile)."""
    version = user.session_version  # as the token named it (``user_of_setup_token``)
    lock_unless(
        user,
        lambda u: not u.must_change_password or u.session_version != version,
        "the set-up link was used already",
    )
    user.session_version += 1
    audit(
        "user",
        user.id,
        "use_setup_link",
        user,
        {"session_version": version},
        {"session_version": user.session_version},
    )
    db.session.commit()


def _send_setup_password(user: User, password: str, tenant: Tenant, *, reset: bool) -> None:
    """The user name and first password by SMS, as the provider's template (issue 12)."""
    text = sms(
        "commission_account_reset" if reset else "commission_account",
        office=user.region.name if user.region is not None else tenant.name,
        user=user.username,
        password=password,
    )
    queue("sms", user.phone, text, user_id=user.id, locale=user.locale)


def provision_commission_account(
    tenant: Tenant,
    role: Role,
    username: str,
    real_name: str,
    mobile: str,
    *,
    region_id: int | None = None,
    by: User | None = None,
    by_sms: bool = True,
) -> User:
    """T5, A1: an administrator or officer account of the current tenant (``region_id``: the
    officer's city or county, None for the province). Its user name and a first password go
    to ``mobile`` by SMS (``by_sms``), or nobody knows the first password and the operator
    hands over a set-up link (``setup_token``); either way the first log-in chooses a password
    and enrols TOTP (I1). ``by``: the administrator who made it, None for the operator's
    command. Audited; raises UsernameTaken (nothing written)."""
    if role not in (Role.ADMIN, Role.OFFICER):
        raise ValueError(role)
    if db.session.execute(db.select(User.id).filter_by(username=username)).first() is not None:
        raise UsernameTaken(username)
    try:
        user, password = new_account(username, role, real_name, mobile, region_id=region_id)
    except IntegrityError:  # the same user name, made meanwhile
        db.session.rollback()
        raise UsernameTaken(username) from None
    audit(
        "user",
        user.id,
        f"create_{role.value}",
        by,
        {},
        {
            "username": username,
            "role": role.value,
            "region_id": region_id,
            "credentials": "sms" if by_sms else "link",
        },
    )
    if by_sms:
        _send_setup_password(user, password, tenant, reset=False)
    db.session.commit()
    return user


def reset_commission_account(
    tenant: Tenant,
    user: User,
    *,
    by: User | None = None,
    by_sms: bool = True,
) -> User:
    """A new start for an administrator or officer account (T5): a new first password (by
    SMS, or none and a new set-up link), TOTP cleared, every open session and earlier link
    ended; the next log-in sets the account up again (I1). Audited."""
    if user.role not in (Role.ADMIN, Role.OFFICER):
        raise WrongState("not a health-commission account")
    lock(user)
    before, password = new_first_password(user)
    audit(
        "user",
        user.id,
        "reset_credentials",
        by,
        before,
        {
            "session_version": user.session_version,
            "totp": False,
            "credentials": "sms" if by_sms else "link",
        },
    )
    if by_sms:
        _send_setup_password(user, password, tenant, reset=True)
    db.session.commit()
    return user
