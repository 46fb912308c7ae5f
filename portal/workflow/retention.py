"""Issue 14 (PIPL art. 19, 47; the notice at sign-up says so): personal information is kept
no longer than needed. ``flask accounts purge``, run daily from cron like ``flask notify
remind``, in every tenant, on the tenant's ``[retention]`` rules (config/rules.toml):

- a doctor's account whose mobile number or email was never confirmed, ``unverified_account_days``
  after sign-up: its name, ID number, phone, email and password are wiped, the account
  disabled and marked erased; its one-time codes, its messages (outbox) and its identity case
  are deleted. The row itself stays (with no personal information left): the append-only audit
  rows (SEC8) name it as their actor. Only accounts with no application and no upload.
- an expired draft application (D20), ``expired_draft_days`` after it expired: deleted, unless
  another application or request refers to it.

Each deletion is audited with counts and ids only, never an ID number, a name or a phone."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

import click
from flask.cli import with_appcontext
from sqlalchemy import exists
from sqlalchemy.orm import aliased

from portal.accounts.models import OneTimeCode, Role, User
from portal.columns import utcnow
from portal.extensions import db
from portal.notify.models import OutboxMessage
from portal.registry.records import IdentityCase
from portal.tenants import rules_for
from portal.tenants.models import Tenant
from portal.tenants.scope import tenant_context
from portal.workflow.audit import audit
from portal.workflow.locks import lock
from portal.workflow.models import Application, Document, ModificationRequest, SiteFiling, State

DAY = timedelta(days=1)


@dataclass
class Purged:
    accounts: int = 0
    drafts: int = 0

    def line(self, slug: str) -> str:
        return f"{slug}: {self.accounts} unconfirmed accounts erased, {self.drafts} expired drafts deleted"


def unconfirmed_accounts(signed_up_before: datetime) -> list[int]:
    """Doctors who never confirmed a contact, signed up before the cutoff, with nothing filed."""
    return list(
        db.session.execute(
            db.select(User.id)
            .where(
                User.role == Role.DOCTOR,
                User.erased_at.is_(None),
                User.phone_verified_at.is_(None),
                User.email_verified_at.is_(None),
                User.activated_at.is_(None),
                User.created_at <= signed_up_before,
                ~exists().where(Application.doctor_id == User.id),
                ~exists().where(Document.owner_id == User.id),
            )
            .order_by(User.id)
        ).scalars()
    )


def erase_account(user_id: int, signed_up_before: datetime) -> bool:
    """Erase one unconfirmed account (checked again under the row lock: it may have been
    confirmed meanwhile). One transaction, with its audit row."""
    user = db.session.get(User, user_id)
    if user is None:
        return False
    lock(user)
    if (
        user.erased_at is not None
        or user.contact_verified
        or user.created_at > signed_up_before
        or db.session.execute(db.select(exists().where(Application.doctor_id == user.id))).scalar()
    ):
        db.session.rollback()
        return False
    counts = {}
    for name, model, column in (
        ("codes", OneTimeCode, OneTimeCode.user_id),
        ("messages", OutboxMessage, OutboxMessage.user_id),
        ("identity_cases", IdentityCase, IdentityCase.user_id),
    ):
        counts[name] = db.session.execute(
            db.delete(model).where(column == user.id).execution_options(synchronize_session=False)
        ).rowcount
    user.real_name, user.id_number, user.phone, user.email = "", None, "", ""
    user.username = f"erased-{user.id}"
    user.password_hash = "!"  # matches no password
    user.disabled, user.erased_at = True, utcnow()
    user.session_version += 1
    audit("user", user.id, "erase_unconfirmed", None, {}, counts, "retention: never confirmed")
    db.session.commit()
    return True


def expired_drafts(expired_before: datetime) -> list[int]:
    """Expired drafts started before the cutoff that nothing refers to."""
    later = aliased(Application)
    return list(
        db.session.execute(
            db.select(Application.id)
            .where(
                Application.state == State.EXPIRED,
                Application.created_at <= expired_before,
                ~exists().where(later.previous_id == Application.id),
                ~exists().where(ModificationRequest.application_id == Application.id),
                ~exists().where(SiteFiling.application_id == Application.id),
            )
            .order_by(Application.id)
        ).scalars()
    )


def purge_tenant(tenant: Tenant, now: datetime) -> Purged:
    """Erase and delete what is past its time in ``tenant`` (the caller set the tenant)."""
    rules = rules_for(tenant)["retention"]
    done = Purged()
    accounts_before = now - rules["unverified_account_days"] * DAY
    for user_id in unconfirmed_accounts(accounts_before):
        done.accounts += erase_account(user_id, accounts_before)
    # a draft expires draft_expires_days after it was started, and is kept expired_draft_days more
    lifetime = rules_for(tenant)["reminders"]["draft_expires_days"] * DAY
    drafts_before = now - lifetime - rules["expired_draft_days"] * DAY
    ids = expired_drafts(drafts_before)
    if ids:
        done.drafts = db.session.execute(
            db.delete(Application)
            .where(Application.id.in_(ids), Application.state == State.EXPIRED)
            .execution_options(synchronize_session=False)
        ).rowcount
        audit(
            "tenant",
            tenant.id,
            "purge_expired_drafts",
            None,
            {},
            {"count": done.drafts, "application_ids": ids[:200]},
            "retention: expired drafts",
        )
    db.session.commit()
    return done


def purge_all(now: datetime | None = None, echo=print) -> bool:
    now = now or utcnow()
    ok = True
    for tenant in db.session.execute(db.select(Tenant).order_by(Tenant.slug)).scalars().all():
        slug = tenant.slug
        with tenant_context(tenant.id):
            try:
                done = purge_tenant(tenant, now)
            except Exception as exc:  # one tenant's failure must not stop the others
                db.session.rollback()
                echo(f"{slug}: failed: {type(exc).__name__}: {exc}")
                ok = False
                continue
        echo(done.line(slug))
    return ok


@click.command("purge")
@with_appcontext
def purge_command() -> None:
    """Erase never-confirmed accounts and delete expired drafts past their retention period
    ([retention] in config/rules.toml), in every tenant. Run it daily."""
    if not purge_all(echo=click.echo):
        raise click.ClickException("the purge failed in some tenant (see above)")
