"""The province's contact details (T1, T5): the person or office, phone, address and office
hours the portal shows doctors (D2) and the public. The province administrator changes them
in-page; each change is audited (A8) with before and after."""

from __future__ import annotations

from portal.accounts.models import User
from portal.extensions import db
from portal.tenants.models import Tenant
from portal.workflow.audit import audit, snapshot
from portal.workflow.locks import take

CONTACT_FIELDS = ("contact_name", "contact_phone", "contact_address", "office_hours")


def update_contact(tenant: Tenant, admin: User, **values: str) -> bool:
    """Save the contact details given (``CONTACT_FIELDS``); False when nothing changed (no
    audit row then)."""
    take(tenant)
    before = snapshot(tenant, CONTACT_FIELDS)
    for name in CONTACT_FIELDS:
        if name in values:
            setattr(tenant, name, values[name])
    after = snapshot(tenant, CONTACT_FIELDS)
    if after == before:
        db.session.rollback()
        return False
    audit("tenant", tenant.id, "update_contact", admin, before, after)
    db.session.commit()
    return True
