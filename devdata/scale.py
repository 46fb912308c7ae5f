"""Synthetic data at scale (`flask demo load --doctors N`, P5/P6): one tenant filled with N
made-up doctors (checksummed resident ID numbers, common Chinese names, mainland mobiles),
their qualification records, institutions (about one per 300 doctors) and applications in
every state, submitted over the past year, plus modification requests and site filings, and
the audit rows (A8) the workflow would have written for each application's steps (issue 16: the
audit search is measured on a log in proportion to the data).

Fast: rows are built as plain dicts and written with SQLAlchemy Core ``insert`` in chunks,
with ids assigned here (one ``max(id)`` per table) so nothing has to be read back; every
doctor shares one precomputed password hash. Everything here is made up.
"""

from __future__ import annotations

import time
from collections import Counter
from datetime import date, timedelta

from sqlalchemy import text

from devdata.scale_data import (
    CATEGORIES,
    LEVELS,
    MIX,
    SCOPES,
)
from devdata.scale_rows import Builder, Maker, next_id
from portal import pii
from portal.accounts.models import Role, User
from portal.accounts.passwords import hash_password
from portal.columns import local_today, utcnow
from portal.extensions import db
from portal.registry.institutions import Institution
from portal.registry.records import Category, Level, PracticeRecord, Qualification
from portal.tenants import rules_for
from portal.tenants.models import Region, Tenant
from portal.tenants.scope import tenant_context
from portal.workflow.models import (
    Application,
    AuditLog,
    ModificationRequest,
    SiteFiling,
)

CHUNK = 5000
DOCTORS_PER_INSTITUTION = 300
#: D5: one doctor registered on paper before the portal (not signed up) per this many doctors
PRE_PORTAL_EVERY = 10


def _insert(model, rows: list[dict]) -> None:
    for start in range(0, len(rows), CHUNK):
        db.session.execute(
            model.__table__.insert(), [_at_rest(r) for r in rows[start : start + CHUNK]]
        )


def _at_rest(row: dict) -> dict:
    """Issue 14: an ID number is stored encrypted, with its blind index (portal/pii.py)."""
    if "id_number" not in row:
        return row
    row = dict(row)
    row.update(pii.stored(row.pop("id_number")))
    return row


def load_scale(
    slug: str,
    doctors: int,
    *,
    institutions: int | None = None,
    at: int | None = None,
    mix: dict[str, int] | None = None,
    seed: int = 2026,
) -> dict:
    """Add ``doctors`` synthetic doctors (and everything around them) to tenant ``slug``.

    ``institutions``: how many new institutions (default one per 300 doctors); ``at``: an
    existing institution's id that becomes every new doctor's main institution instead (the
    queue benchmark). Returns counts of what was made. Safe to run again: it adds more."""
    started = time.perf_counter()
    tenant = db.session.execute(db.select(Tenant).filter_by(slug=slug)).scalar_one_or_none()
    if tenant is None:
        raise LookupError(f"no tenant {slug!r}")
    with tenant_context(
        tenant.id
    ):  # the rows are written as the tenant's own (row-level security, SEC9)
        counts = _fill(tenant, doctors, institutions, at, mix, seed)
    _after_bulk_load()
    counts["seconds"] = round(time.perf_counter() - started, 1)
    return counts


def _apportioned(mix: dict[str, int], doctors: int, rng) -> list[str]:
    """The scenarios of ``doctors`` doctors in the proportions of ``mix`` (largest remainders),
    in random order: every state with a weight gets its share whatever the seed, so a small
    load (a test's) has each of them once there are enough doctors."""
    total = sum(mix.values())
    quotas = {name: doctors * weight / total for name, weight in mix.items()}
    counts = {name: int(quota) for name, quota in quotas.items()}
    for name in sorted(mix, key=lambda n: quotas[n] - counts[n], reverse=True)[
        : doctors - sum(counts.values())
    ]:
        counts[name] += 1
    scenarios = [name for name in mix for _ in range(counts[name])]
    rng.shuffle(scenarios)
    return scenarios


def _fill(
    tenant: Tenant,
    doctors: int,
    institutions: int | None,
    at: int | None,
    mix: dict[str, int] | None,
    seed: int,
) -> dict:
    slug, tid, now, today = tenant.slug, tenant.id, utcnow(), local_today()
    make = Maker(seed + next_id(User), now)
    rng = make.rng
    counts: Counter = Counter()
    counties = (
        db.session.execute(
            db.select(Region)
            .where(Region.tenant_id == tid, Region.level == "county")
            .execution_options(all_tenants=True)
        )
        .scalars()
        .all()
    )
    if not counties:
        raise LookupError(f"tenant {slug!r} has no county to place institutions in")
    county_code = {c.id: c.code for c in counties}

    # ---- institutions
    existing = db.session.execute(
        db.select(Institution.id, Institution.county_id)
        .where(Institution.tenant_id == tid)
        .execution_options(all_tenants=True)
    ).all()
    inst_rows = []
    if at is None:
        first = next_id(Institution)
        for k in range(institutions or max(1, doctors // DOCTORS_PER_INSTITUTION)):
            county = rng.choice(counties)
            inst_rows.append(
                {
                    "id": first + k,
                    "tenant_id": tid,
                    "name": f"{county.name}第{first + k}医院（合成）",
                    "licence_no": f"SYN{first + k:011d}",
                    "level": rng.choice(LEVELS),
                    "county_id": county.id,
                    "address": f"{county.name}合成路 {k + 1} 号",
                    "auto_activation": False,
                    "created_at": now,
                }
            )
        _insert(Institution, inst_rows)
        mains = [(r["id"], r["county_id"]) for r in inst_rows]
    else:
        mains = [(i, c) for i, c in existing if i == at]
        if not mains:
            raise LookupError(f"no institution {at} in tenant {slug!r}")
    every = [(i, c) for i, c in existing] + [(r["id"], r["county_id"]) for r in inst_rows]
    counts["institution"] = len(inst_rows)

    # ---- doctors, their qualifications and their applications
    build = Builder(make, tid, rules_for(tenant), tenant.certificate_serial, today)
    password_hash = hash_password("Demo-pass-2026")
    user_id, qual_id = next_id(User), next_id(Qualification)
    users, quals = [], []
    mix = mix or MIX
    for n, scenario in enumerate(_apportioned(mix, doctors, rng)):
        inst, county_id = rng.choice(mains)
        area = county_code.get(county_id, "420000")
        category = rng.choices([c for c, _ in CATEGORIES], [w for _, w in CATEGORIES])[0]
        level = Level.ASSISTANT if rng.random() < 0.15 else Level.PRACTITIONER
        name, id_number = make.name(), make.id_number(area)
        joined = make.moment(900)
        uid, qid = user_id + n, qual_id + n
        quals.append(
            {
                "id": qid,
                "tenant_id": tid,
                "name": name,
                "id_number": id_number,
                "certificate_no": f"S{uid:013d}",
                "level": level,
                "category": category,
                "rural_general": False,
                "is_notice": False,
                "obtained_on": date(1985, 1, 1) + timedelta(days=rng.randrange(14600)),
            }
        )
        users.append(
            {
                "id": uid,
                "tenant_id": tid,
                "username": f"syn{uid:08d}",
                "password_hash": password_hash,
                "role": Role.DOCTOR,
                "real_name": name,
                "id_number": id_number,
                "phone": make.phone(),
                "email": f"syn{uid:08d}@example.invalid",
                "phone_verified_at": joined,
                "identity_verified": True,
                "qualification_id": qid,
                "institution_id": inst,
                "institution_named_at": joined,
                "activated_at": joined,
                "totp_last_step": 0,
                "code_failures": 0,
                "session_version": 1,
                "disabled": False,
                "created_at": joined,
            }
        )
        counts[scenario] += 1
        doctor = {
            "doctor_id": uid,
            "institution_id": inst,
            "level": level,
            "category": category,
            "qualification_id": qid,
            "scopes": [rng.choice(SCOPES[category])],
            "area": area,
        }
        build.scenario(scenario, doctor, [i for i, _ in every if i != inst])

    # ---- D5/F17: doctors registered on paper before the portal, not signed up yet: one in
    # PRE_PORTAL_EVERY, each at one of the institutions (half with a qualification record too)
    records = []
    record_id, pre_qual_id = next_id(PracticeRecord), qual_id + doctors
    inst_names = {r["id"]: r["name"] for r in inst_rows} or dict(
        db.session.execute(
            db.select(Institution.id, Institution.name)
            .where(Institution.id.in_([i for i, _ in mains]))
            .execution_options(all_tenants=True)
        ).all()
    )
    for k in range(doctors // PRE_PORTAL_EVERY):
        inst, county_id = rng.choice(mains)
        name, id_number = make.name(), make.id_number(county_code.get(county_id, "420000"))
        registered_on = date(2000, 1, 1) + timedelta(days=rng.randrange(9000))
        records.append(
            {
                "id": record_id + k,
                "tenant_id": tid,
                "name": name,
                "id_number": id_number,
                "certificate_no": f"P{record_id + k:013d}",
                "institution_name": inst_names.get(inst, ""),
                "institution_id": inst,
                "scopes": "内科专业",
                "registered_on": registered_on,
                "level": Level.PRACTITIONER,
            }
        )
        if k % 2 == 0:
            quals.append(
                {
                    "id": pre_qual_id + k,
                    "tenant_id": tid,
                    "name": name,
                    "id_number": id_number,
                    "certificate_no": f"SP{record_id + k:012d}",
                    "level": Level.PRACTITIONER,
                    "category": Category.CLINICAL,
                    "rural_general": False,
                    "is_notice": False,
                    "obtained_on": registered_on - timedelta(days=365),
                }
            )
    counts["practice_record"] = len(records)

    registrations, applications, mods, filings = (
        build.registrations,
        build.applications,
        build.mods,
        build.filings,
    )
    serial = build.serial
    for row in registrations + applications:
        build.audited(row)
    _insert(Qualification, quals)
    _insert(PracticeRecord, records)
    _insert(User, users)
    _insert(Application, registrations)
    _insert(Application, applications)
    _insert(ModificationRequest, mods)
    _insert(SiteFiling, filings)
    _insert(AuditLog, build.audits)
    db.session.execute(db.update(Tenant).where(Tenant.id == tid).values(certificate_serial=serial))
    db.session.commit()
    counts.update(
        {
            "doctors": doctors,
            "qualification": len(quals),
            "application": len(registrations) + len(applications),
            "modification_request": len(mods),
            "site_filing": len(filings),
            "audit_log": len(build.audits),
            "waiting": sum(v for k, v in counts.items() if k.startswith("waiting_")),
        }
    )
    return dict(counts)


def _after_bulk_load() -> None:
    """Sequences past the ids given here (PostgreSQL), and fresh planner statistics.

    The highest id is read across tenants (``all_tenants``); the sequence is moved past it by
    drawing numbers, which the application's role may do (USAGE), rather than by ``setval``,
    which it may not. ANALYZE needs the tables' owner: run as the application's role it skips
    them (a warning), and autovacuum catches up."""
    tables = [
        m.__tablename__
        for m in (
            Institution,
            Qualification,
            PracticeRecord,
            User,
            Application,
            ModificationRequest,
            SiteFiling,
            AuditLog,
        )
    ]
    with db.engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn = conn.execution_options(all_tenants=True)
            for table in tables:
                top = conn.exec_driver_sql(f"SELECT COALESCE(MAX(id), 0) FROM {table}").scalar()
                seq = conn.exec_driver_sql(
                    f"SELECT pg_get_serial_sequence('{table}', 'id')"
                ).scalar()
                behind = (
                    top
                    - conn.execute(
                        text("SELECT nextval(CAST(:seq AS regclass))"), {"seq": seq}
                    ).scalar()
                )
                if behind > 0:
                    conn.execute(
                        text(
                            "SELECT max(nextval(CAST(:seq AS regclass))) FROM generate_series(1, :n)"
                        ),
                        {"seq": seq, "n": behind},
                    )
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        for table in tables:
            conn.exec_driver_sql(f"ANALYZE {table}")
