"""Imports of reference data (A2): a valid file is kept as a pending batch, then written in ONE
transaction with its audit row (A8) when the administrator confirms. Nothing half-imported:
any failure rolls the whole file back."""

from __future__ import annotations

import hashlib

from sqlalchemy.exc import IntegrityError

from portal.accounts.models import User
from portal.admin.models import (
    Category,
    ImportBatch,
    ImportKind,
    ImportStatus,
    Level,
    PracticeRecord,
    Qualification,
)
from portal.extensions import db
from portal.rules.imports import Preview
from portal.tenants.models import utcnow
from portal.tenants.scope import current_tenant_id
from portal.workflow import WrongState, audit


def sha256_of(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def stage(kind: ImportKind, text: str, file_name: str, rows: int, admin: User) -> ImportBatch:
    """Keep a valid file until it is confirmed. The same file uploaded again while still
    pending is the same batch, not a second one."""
    digest = sha256_of(text)
    batch = db.session.execute(
        db.select(ImportBatch).filter_by(kind=kind, sha256=digest, status=ImportStatus.PENDING).limit(1)
    ).scalar_one_or_none()
    if batch is not None:
        return batch
    batch = ImportBatch(kind=kind, sha256=digest, content=text, file_name=file_name[:200], rows=rows,
                        created_by_id=admin.id)
    db.session.add(batch)
    db.session.flush()
    audit("import", batch.id, "stage", admin, {}, {"kind": kind.value, "rows": rows, "sha256": digest}, file_name[:200])
    db.session.commit()
    return batch


def _row(kind: ImportKind, values: dict, tenant_id: int) -> dict:
    row = dict(values, tenant_id=tenant_id)
    if kind is ImportKind.QUALIFICATIONS:
        row["level"], row["category"] = Level(values["level"]), Category(values["category"])
    return row


def import_batch(batch: ImportBatch, admin: User, preview: Preview) -> None:
    """Write every new record of ``preview`` (the batch's content checked again just now) and
    mark the batch imported, with the audit row, in one transaction. ``WrongState`` when the
    batch was imported meanwhile or a record with one of its numbers appeared meanwhile."""
    if batch.status is not ImportStatus.PENDING or not preview.valid or sha256_of(batch.content) != batch.sha256:
        raise WrongState(f"import batch {batch.id} cannot be imported")
    # only one confirmation wins, even two at the same moment: the status changes conditionally
    claimed = db.session.execute(
        db.update(ImportBatch).where(ImportBatch.id == batch.id, ImportBatch.status == ImportStatus.PENDING)
        .values(status=ImportStatus.IMPORTED, new_count=len(preview.new), unchanged_count=preview.unchanged,
                imported_by_id=admin.id, imported_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        db.session.rollback()
        raise WrongState(f"import batch {batch.id} was imported meanwhile")
    model = Qualification if batch.kind is ImportKind.QUALIFICATIONS else PracticeRecord
    tenant_id = current_tenant_id()
    rows = [_row(batch.kind, record.values, tenant_id) for record in preview.new]
    try:
        if rows:
            db.session.execute(db.insert(model), rows)
        audit("import", batch.id, "import", admin, {"status": ImportStatus.PENDING.value},
              {"status": ImportStatus.IMPORTED.value, "kind": batch.kind.value, "rows": preview.total,
               "new": len(rows), "unchanged": preview.unchanged}, batch.file_name)
        db.session.commit()
    except IntegrityError:  # a record with one of these numbers was written meanwhile
        db.session.rollback()
        raise WrongState(f"import batch {batch.id}: a record changed meanwhile") from None
    db.session.refresh(batch)
