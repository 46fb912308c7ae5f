"""A6: a province administrator saves the tenant's rules. Each save is a new version (the
override dict as saved, who, when, what changed), the tenant's rules in force, and an audit
row (A8), in one transaction. A version is never changed afterwards."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.extensions import db
from portal.tenants import current_version
from portal.tenants.models import RuleVersion, Tenant
from portal.workflow.audit import audit
from portal.workflow.locks import WrongState


def version_in_force(tenant: Tenant) -> RuleVersion:
    """The version in force, for the editor; a tenant made before versions existed gets its
    version 1 (its rules as they are), saved here."""
    version = current_version(tenant)
    db.session.commit()
    return version


def save_rules(
    tenant: Tenant, admin: User, overrides: dict, changes: list, based_on: int
) -> RuleVersion:
    """Save ``overrides`` as the tenant's rules, version ``based_on + 1``. WrongState when
    someone saved another version since the administrator opened the editor (``based_on``
    is then not the version in force): their change is not overwritten unseen."""
    previous = current_version(tenant)
    if previous.number != based_on:
        db.session.rollback()
        raise WrongState(f"rules version {previous.number} is in force, not {based_on}")
    version = RuleVersion(
        tenant_id=tenant.id,
        number=previous.number + 1,
        overrides=overrides,
        changes=changes,
        created_by_id=admin.id,
    )
    db.session.add(version)
    tenant.rules = overrides
    try:
        db.session.flush()
    except IntegrityError as exc:  # another administrator's save took this number meanwhile
        db.session.rollback()
        raise WrongState("rules saved concurrently") from exc
    audit(
        "tenant",
        tenant.id,
        "rules",
        admin,
        {"version": previous.number, "rules": previous.overrides},
        {"version": version.number, "rules": overrides},
        f"{len(changes)} change(s)",
    )
    db.session.commit()
    return version
