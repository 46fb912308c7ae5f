"""Checking an import file (A2) against what the tenant holds: the records with the file's
certificate and ID numbers, its institutions, fetched a part of the file at a time, for the
pure checks of ``portal.rules.imports``. The administrator's pages (``portal.admin.imports``)
show the result; ``workflow.imports.import_batch`` writes what it finds new."""

from __future__ import annotations

from portal import pii
from portal.columns import local_today
from portal.extensions import db
from portal.registry.institutions import Institution
from portal.registry.records import ImportKind, PracticeRecord, Qualification
from portal.rules import imports as rules
from portal.workflow.models import Application

#: problems and skipped lines kept for the page (the counts say how many more there are)
REPORT_LIMIT = 200
#: new records kept as a sample of what will be written
SAMPLE = 20
#: certificate numbers or ID numbers per IN (...) query
CHUNK = 500


def _chunks(values):
    values = sorted(values)
    for i in range(0, len(values), CHUNK):
        yield values[i : i + CHUNK]


def _plain(value):
    return value.value if hasattr(value, "value") else value


def _column(model, field: str):
    return model.id_number_encrypted if field == "id_number" else getattr(model, field)


def _held(field: str, value):
    return pii.decrypt(value) if field == "id_number" else _plain(value)


def holdings(kind: ImportKind, records: list[rules.Record]) -> rules.Holdings:
    """The tenant's records with the file's certificate numbers and ID numbers, as plain data
    for ``rules.compare``: a fixed number of queries per 500 lines, whatever the tenant holds."""
    model = Qualification if kind is ImportKind.QUALIFICATIONS else PracticeRecord
    fields = rules.FIELDS[kind.value]
    held = rules.Holdings()
    for chunk in _chunks({r.values["certificate_no"] for r in records}):
        # issue 14: the ID number is read encrypted and decrypted here (``_held``)
        columns = [model.certificate_no, *(_column(model, f) for f in fields)]
        for row in db.session.execute(db.select(*columns).where(model.certificate_no.in_(chunk))):
            held.existing[row[0]] = {f: _held(f, v) for f, v in zip(fields, row[1:], strict=True)}
        if kind is ImportKind.PRACTICE_RECORDS:
            held.portal_numbers |= set(
                db.session.execute(
                    db.select(Application.certificate_no).where(
                        Application.certificate_no.in_(chunk)
                    )
                ).scalars()
            )
    if kind is ImportKind.PRACTICE_RECORDS:  # D5: the institutions the file names
        codes = {r.values["institution_code"] for r in records if r.values.get("institution_code")}
        for chunk in _chunks(codes):  # the credit code (GB 32100) or the licence number
            for column in (Institution.licence_no, Institution.credit_code):
                for code, inst_id in db.session.execute(
                    db.select(column, Institution.id).where(column.in_(chunk))
                ):
                    held.institution_codes[code] = inst_id
        for chunk in _chunks({r.values["institution_name"] for r in records}):
            for name, inst_id in db.session.execute(
                db.select(Institution.name, Institution.id)
                .where(Institution.name.in_(chunk))
                .order_by(Institution.id)
            ):
                held.institution_names.setdefault(name, []).append(inst_id)
    for chunk in _chunks({r.values["id_number"] for r in records}):
        # issue 14: the numbers are looked up by their blind index, mapped back to the file's
        by_index = {pii.blind_index(n): n for n in chunk}
        for other in (Qualification, PracticeRecord):
            for name, index in db.session.execute(
                db.select(other.name, other.id_number_index)
                .where(other.id_number_index.in_(by_index))
                .distinct()
            ):
                held.names_by_id.setdefault(by_index[index], set()).add(name)
        if kind is ImportKind.PRACTICE_RECORDS:
            for name, index, category in db.session.execute(
                db.select(
                    Qualification.name, Qualification.id_number_index, Qualification.category
                ).where(
                    Qualification.id_number_index.in_(by_index),
                    Qualification.cancelled_on.is_(None),
                )
            ):
                held.categories.setdefault((name, by_index[index]), set()).add(category.value)
    return held


def checker(kind: ImportKind, text: str):
    """``check(write=None)``: the whole file checked line by line and against the records, a
    part at a time (``rules.check_stream``: a file of 200,000 lines is never 200,000 objects
    in memory); ``write`` is given each part's new records (the confirmation).
    ImportFileError when the file as a whole cannot be read."""

    def check(write=None) -> rules.Preview:
        return rules.check_stream(
            text,
            kind.value,
            local_today(),
            lambda records: holdings(kind, records),
            write,
            keep=REPORT_LIMIT,
            sample=SAMPLE,
        )

    return check


def preview_of(kind: ImportKind, text: str) -> rules.Preview:
    return checker(kind, text)()
