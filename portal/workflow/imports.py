"""Imports of reference data (A2): a valid file is kept as a pending batch, then written in ONE
transaction with its audit row (A8) when the administrator confirms. Nothing half-imported:
any failure rolls the whole file back.

A pending batch is kept ``PENDING_LIFETIME`` (24 hours): a preview left unconfirmed is a copy of
personal data (names, ID numbers) with no use once the administrator has gone, and a preview a
day old was checked against records that may have changed since. After that it cannot be
confirmed (``Expired``) and is deleted, with an audit row: by ``purge_expired`` each time a file
is uploaded in the tenant, and by ``flask imports purge`` (cron, every tenant) for tenants where
nobody imports for a while. Imported batches are kept: they say who imported what and when."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError

from portal import pii
from portal.accounts.models import User
from portal.columns import utcnow
from portal.extensions import db
from portal.registry.records import (
    Category,
    ImportBatch,
    ImportKind,
    ImportStatus,
    Level,
    PracticeRecord,
    Qualification,
)
from portal.rules.imports import Preview
from portal.tenants.models import Tenant
from portal.tenants.scope import current_tenant_id, tenant_context
from portal.workflow.audit import audit
from portal.workflow.locks import WrongState
from portal.workflow.models import AuditLog

#: how long a checked file waits for its confirmation before it is deleted
PENDING_LIFETIME = timedelta(hours=24)


class Expired(WrongState):
    """The batch waited longer than ``PENDING_LIFETIME``: the file must be uploaded again."""


def cutoff(now: datetime | None = None) -> datetime:
    """Pending batches created at or before this instant have expired."""
    return (now or utcnow()) - PENDING_LIFETIME


def expired(batch: ImportBatch, now: datetime | None = None) -> bool:
    return batch.status is ImportStatus.PENDING and batch.created_at <= cutoff(now)


def purge_expired(now: datetime | None = None) -> int:
    """Delete the current tenant's expired pending batches, each with an audit row (actor:
    none, the system), and commit. Returns how many. A batch confirmed at the same moment is
    either imported (the DELETE no longer matches it) or gone (the confirmation's conditional
    UPDATE then matches nothing), never both."""
    gone = db.session.execute(
        db.delete(ImportBatch)
        .where(ImportBatch.status == ImportStatus.PENDING, ImportBatch.created_at <= cutoff(now))
        .returning(ImportBatch.id, ImportBatch.kind, ImportBatch.file_name, ImportBatch.created_at)
        .execution_options(synchronize_session=False)
    ).all()
    for batch_id, kind, file_name, created_at in gone:
        audit(
            "import",
            batch_id,
            "expire",
            None,
            {"status": ImportStatus.PENDING.value},
            {"status": "deleted", "kind": kind.value, "created_at": created_at.isoformat()},
            file_name,
        )
    db.session.commit()
    return len(gone)


def purge_all(now: datetime | None = None, echo=print) -> int:
    """``purge_expired`` in every tenant in turn, each in its own transaction; one line each.
    Returns how many batches were deleted in all."""
    total = 0
    for tenant_id, slug in db.session.execute(
        db.select(Tenant.id, Tenant.slug).order_by(Tenant.slug)
    ).all():
        with tenant_context(tenant_id):
            n = purge_expired(now)
        echo(f"{slug}: {n} expired import preview(s) deleted")
        total += n
    return total


def was_purged(batch_id: int) -> bool:
    """Whether this tenant had a batch of this id that expired and was deleted."""
    return (
        db.session.execute(
            db.select(AuditLog.id)
            .filter_by(entity="import", entity_id=batch_id, action="expire")
            .limit(1)
        ).first()
        is not None
    )


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stage(kind: ImportKind, text: str, file_name: str, rows: int, admin: User) -> ImportBatch:
    """Keep a valid file until it is confirmed. The same file uploaded again while still
    pending is the same batch, not a second one."""
    digest = sha256_of(text)
    batch = db.session.execute(
        db.select(ImportBatch)
        .filter_by(kind=kind, sha256=digest, status=ImportStatus.PENDING)
        .where(ImportBatch.created_at > cutoff())
        .limit(1)
    ).scalar_one_or_none()
    if batch is not None:
        return batch
    batch = ImportBatch(
        kind=kind,
        sha256=digest,
        content=text,
        file_name=file_name[:200],
        rows=rows,
        created_by_id=admin.id,
    )
    db.session.add(batch)
    db.session.flush()
    audit(
        "import",
        batch.id,
        "stage",
        admin,
        {},
        {"kind": kind.value, "rows": rows, "sha256": digest},
        file_name[:200],
    )
    db.session.commit()
    return batch


def _row(kind: ImportKind, values: dict, tenant_id: int) -> dict:
    row = dict(values, tenant_id=tenant_id)
    row.update(pii.stored(row.pop("id_number")))  # issue 14: encrypted, with its blind index
    if kind is ImportKind.QUALIFICATIONS:
        row["level"], row["category"] = Level(values["level"]), Category(values["category"])
    else:  # Q2: the institution was matched at the preview (institution_id); the code is not kept
        row.pop("institution_code", None)
        row["level"] = Level(values["level"]) if values.get("level") else None
    return row


class Changed(WrongState):
    """The file checked again at the confirmation has problems it did not have at the preview
    (the records changed meanwhile): nothing is written. ``preview`` says which."""

    def __init__(self, preview: Preview):
        super().__init__("the records changed since the preview")
        self.preview = preview


def import_batch(
    batch: ImportBatch, admin: User, check: Callable[[Callable | None], Preview]
) -> None:
    """Check the batch's content again and write its new records as it goes (``check(write)``,
    ``portal.rules.imports.check_stream``: a part of the file at a time, executemany inserts),
    then mark the batch imported, with the audit row, in ONE transaction: nothing is written
    unless the whole file is still valid. ``Expired`` when it waited too long (or was purged
    meanwhile); ``Changed`` when the records changed since the preview; ``WrongState`` when the
    batch was imported meanwhile or a record with one of its numbers appeared meanwhile."""
    if batch.status is not ImportStatus.PENDING or sha256_of(batch.content) != batch.sha256:
        raise WrongState(f"import batch {batch.id} cannot be imported")
    if expired(batch):
        raise Expired(f"import batch {batch.id} expired")
    # only one confirmation wins, even two at the same moment: the status changes conditionally
    claimed = db.session.execute(
        db.update(ImportBatch)
        .where(
            ImportBatch.id == batch.id,
            ImportBatch.status == ImportStatus.PENDING,
            ImportBatch.created_at > cutoff(),
        )
        .values(status=ImportStatus.IMPORTED, imported_by_id=admin.id, imported_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        gone = db.session.get(ImportBatch, batch.id) is None or expired(batch)
        raise (Expired if gone else WrongState)(
            f"import batch {batch.id} was imported or purged meanwhile"
        )
    model = Qualification if batch.kind is ImportKind.QUALIFICATIONS else PracticeRecord
    tenant_id = current_tenant_id()
    kind = batch.kind

    def write(records) -> None:
        db.session.execute(db.insert(model), [_row(kind, r.values, tenant_id) for r in records])

    try:
        preview = check(write)
        if not preview.valid:
            db.session.rollback()
            raise Changed(preview)
        db.session.execute(
            db.update(ImportBatch)
            .where(ImportBatch.id == batch.id)
            .values(
                new_count=preview.new_count,
                unchanged_count=preview.unchanged,
                skipped_count=preview.skipped_count,
            )
            .execution_options(synchronize_session=False)
        )
        audit(
            "import",
            batch.id,
            "import",
            admin,
            {"status": ImportStatus.PENDING.value},
            {
                "status": ImportStatus.IMPORTED.value,
                "kind": batch.kind.value,
                "rows": preview.total,
                "new": preview.new_count,
                "unchanged": preview.unchanged,
                # A2: nothing lost silently: which lines were not written, and why (the first
                # ones; the file itself is kept with the batch)
                "skipped": [[p.line, p.key] for p in preview.skipped],
                "skipped_count": preview.skipped_count,
            },
            batch.file_name,
        )
        db.session.commit()
    except IntegrityError:  # a record with one of these numbers was written meanwhile
        db.session.rollback()
        raise WrongState(f"import batch {batch.id}: a record changed meanwhile") from None
    except Exception:
        db.session.rollback()
        raise
    db.session.refresh(batch)
