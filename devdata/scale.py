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

import random
import time
from collections import Counter
from datetime import date, datetime, timedelta

from sqlalchemy import text
from stdnum.cn import ric

from portal import pii
from portal.accounts.models import Role, User
from portal.accounts.passwords import hash_password
from portal.columns import local_today, utcnow
from portal.extensions import db
from portal.registry.institutions import Institution, InstitutionLevel
from portal.registry.records import Category, Level, PracticeRecord, Qualification
from portal.rules.registration import certificate_number, valid_until
from portal.rules.workdays import add_working_days, beijing_date
from portal.tenants import rules_for
from portal.tenants.holidays import calendar_of
from portal.tenants.models import Region, Tenant
from portal.tenants.scope import tenant_context
from portal.workflow.models import (
    Application,
    AuditLog,
    FilingState,
    Kind,
    ModificationRequest,
    ModificationState,
    SiteFiling,
    State,
)

CHUNK = 5000
DOCTORS_PER_INSTITUTION = 300
#: D5: one doctor registered on paper before the portal (not signed up) per this many doctors
PRE_PORTAL_EVERY = 10

#: scenario -> share of the doctors. "waiting_*" are waiting for an institution (I4).
MIX = {
    "registered": 28,
    "waiting_first": 30,
    "waiting_change": 5,
    "waiting_cancel": 3,
    "waiting_reregister": 2,
    "waiting_modification": 5,
    "waiting_filing": 5,
    "draft": 6,
    "rejected": 5,
    "confirmed": 6,
    "expired": 3,
    "activated": 2,
}
#: only what waits for the doctors' own institution (the queue benchmark)
WAITING_MIX = {
    "waiting_first": 70,
    "waiting_change": 10,
    "waiting_cancel": 5,
    "waiting_reregister": 5,
    "waiting_modification": 10,
}

# the most common surnames, roughly by frequency, and characters common in given names
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
SURNAME_WEIGHTS = [max(1, 60 - i) for i in range(len(SURNAMES))]
GIVEN = (
    "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕辉建国斌宇浩凯晨子轩欣怡梓涵"
    "文博思远佳琪一鸣海峰晓东雪梅春燕志刚丹丹慧敏俊杰婷婷鹏飞宏亮建华永红"
)
MINORITY = (
    "阿依古丽·买买提",
    "古丽娜尔·吐尔逊",
    "热依拉·艾力",
    "巴特尔·额尔敦",
    "扎西·次仁",
    "卓玛·拉姆",
)
PHONE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "176",
    "177",
    "178",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "199",
)
SCOPES = {
    Category.CLINICAL: (
        "internal",
        "surgery",
        "paediatrics",
        "obstetrics",
        "general_practice",
        "emergency",
    ),
    Category.TCM: ("tcm", "integrated"),
    Category.DENTAL: ("dental",),
    Category.PUBLIC_HEALTH: ("public_health",),
}
CATEGORIES = (
    (Category.CLINICAL, 75),
    (Category.TCM, 12),
    (Category.DENTAL, 8),
    (Category.PUBLIC_HEALTH, 5),
)
LEVELS = (InstitutionLevel.COUNTY, InstitutionLevel.SECONDARY, InstitutionLevel.TERTIARY)
REASONS = (
    "照片不清晰，请重新上传",
    "合同日期与劳动合同不符",
    "执业范围与科室设置不符",
    "请补充工作经历",
)


def _next_id(model) -> int:
    return (
        db.session.execute(
            db.select(db.func.max(model.id)).execution_options(all_tenants=True)
        ).scalar()
        or 0
    ) + 1


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


class _Maker:
    """Random but reproducible values (one seed per run)."""

    def __init__(self, seed: int, now: datetime):
        self.rng = random.Random(seed)
        self.now = now
        self.ids: set[str] = set()

    def name(self) -> str:
        rng = self.rng
        if rng.random() < 0.01:
            return rng.choice(MINORITY)
        surname = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
        return surname + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2, 2))))

    def id_number(self, area: str) -> str:
        """A GB 11643 number: area code, a birth date between 1960 and 2000, sequence, check digit."""
        while True:
            born = date(1960, 1, 1) + timedelta(days=self.rng.randrange(14975))
            first17 = f"{area}{born:%Y%m%d}{self.rng.randrange(1000):03d}"
            number = first17 + ric.calc_check_digit(first17 + "0")
            if number not in self.ids:
                self.ids.add(number)
                return number

    def phone(self) -> str:
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def moment(self, days_back: float, before: datetime | None = None) -> datetime:
        """A time up to ``days_back`` days before ``before`` (default now), to the microsecond."""
        return (before or self.now) - timedelta(
            microseconds=self.rng.randrange(int(days_back * 86_400_000_000))
        )


class _Builder:
    """The applications, requests and filings of one scenario per doctor."""

    def __init__(self, make: _Maker, tenant_id: int, rules: dict, serial: int, today: date):
        self.make, self.rng, self.tid, self.serial, self.today = (
            make,
            make.rng,
            tenant_id,
            serial,
            today,
        )
        self.digits = rules["registration"]["certificate_serial_digits"]
        #: R3, L1: no rule version on these rows, so the tenant's rules in force (A6)
        self.valid_years = rules["registration"]["valid_years"]
        self.working_days = rules["registration"]["decision_working_days"]
        self.calendar = calendar_of(tenant_id)
        self._dues: dict[date, date] = {}
        self.app_id, self.mod_id, self.filing_id = (
            _next_id(Application),
            _next_id(ModificationRequest),
            _next_id(SiteFiling),
        )
        self.audit_id = _next_id(AuditLog)
        self.audits: list[dict] = []
        self.registrations: list[dict] = []
        self.applications: list[dict] = []
        self.mods: list[dict] = []
        self.filings: list[dict] = []

    def application(self, doctor: dict, state: State, kind: Kind = Kind.FIRST, **extra) -> dict:
        submitted = self.make.moment(365) if state not in (State.DRAFT, State.EXPIRED) else None
        row = {
            "id": self.app_id,
            "tenant_id": self.tid,
            "kind": kind,
            "state": state,
            "gp_transfer_training": False,
            "needs_county_approval": False,
            "training_passed": False,
            "previous_id": None,
            "cancel_ground": None,
            "cancel_note": "",
            "step": "review",
            "home_address": f"湖北省合成县合成街 {doctor['doctor_id']} 号",
            "work_experience": "2015-2024 合成医院 内科",
            "rewards_punishments": "无",
            "submitted_at": submitted,
            "reject_reason": "",
            "materials_received": [],
            "certificate_no": None,
            "registered_on": None,
            "confirmed_at": None,
            "decided_at": None,
            "valid_until": None,
            "decision_due": None,
            **{k: v for k, v in doctor.items() if k != "area"},
            **extra,
        }
        row["created_at"] = (row["submitted_at"] or self.make.now) - timedelta(
            days=self.rng.randrange(30)
        )
        self.app_id += 1
        return row

    def audited(self, row: dict) -> dict:
        """The audit rows the workflow would have written for ``row`` (A8): the doctor's
        submission, the institution's confirmation or rejection, the commission's approval,
        so that the audit search is measured on a log in proportion to the data."""
        steps = [("submit", row["submitted_at"], row["doctor_id"])]
        if row["state"] is State.REJECTED:
            steps.append(("reject", row["submitted_at"] + timedelta(days=1), None))
        if row["confirmed_at"] is not None:
            steps.append(("confirm", row["confirmed_at"], None))
        if row["decided_at"] is not None:
            steps.append(("approve", row["decided_at"], None))
        for action, at, actor in steps:
            if at is None:
                continue
            self.audits.append(
                {
                    "id": self.audit_id,
                    "tenant_id": self.tid,
                    "at": at,
                    "actor_id": actor,
                    "entity": "application",
                    "entity_id": row["id"],
                    "action": action,
                    "before": {},
                    "after": {"state": row["state"].value},
                    "note": "",
                }
            )
            self.audit_id += 1
        return row

    def decision_due(self, confirmed_at: datetime) -> date:
        """L1: as the workflow sets it at acceptance (one count per acceptance day)."""
        accepted = beijing_date(confirmed_at)
        if accepted not in self._dues:
            self._dues[accepted] = add_working_days(accepted, self.working_days, self.calendar)
        return self._dues[accepted]

    def registration(self, doctor: dict, state: State) -> dict:
        self.serial += 1
        registered = self.today - timedelta(
            days=self.rng.randrange(1000)
        )  # about a third have lapsed (R3)
        decided = datetime.combine(registered, datetime.min.time())
        return self.application(
            doctor,
            state,
            certificate_no=certificate_number(
                doctor["level"].value,
                doctor["category"].value,
                doctor["area"],
                self.serial,
                self.digits,
            ),
            registered_on=registered,
            valid_until=valid_until(registered, self.valid_years),
            decided_at=decided,
            submitted_at=decided - timedelta(days=20),
            confirmed_at=decided - timedelta(days=10),
            decision_due=self.decision_due(decided - timedelta(days=10)),
        )

    def scenario(self, name: str, doctor: dict, other_institutions: list[int]) -> None:
        rng, add = self.rng, self.applications.append
        if name == "activated":
            return
        if name == "waiting_first":
            add(self.application(doctor, State.SUBMITTED))
        elif name == "draft":
            add(
                self.application(
                    doctor, State.DRAFT, step=rng.choice(("personal", "practice", "photo"))
                )
            )
        elif name == "expired":
            add(self.application(doctor, State.EXPIRED))
        elif name == "rejected":
            add(self.application(doctor, State.REJECTED, reject_reason=rng.choice(REASONS)))
        elif name == "confirmed":
            row = self.application(doctor, State.CONFIRMED)
            confirmed = row["submitted_at"] + timedelta(days=rng.randrange(1, 5))
            add({**row, "confirmed_at": confirmed, "decision_due": self.decision_due(confirmed)})
        else:
            reg = self.registration(
                doctor, State.CANCELLED if name == "waiting_reregister" else State.APPROVED
            )
            self.registrations.append(reg)
            if name in ("waiting_change", "waiting_cancel", "waiting_reregister"):
                kind = {
                    "waiting_change": Kind.CHANGE,
                    "waiting_cancel": Kind.CANCEL,
                    "waiting_reregister": Kind.REREGISTER,
                }[name]
                extra = {"cancel_ground": "other", "scopes": []} if kind is Kind.CANCEL else {}
                add(self.application(doctor, State.SUBMITTED, kind, previous_id=reg["id"], **extra))
            elif name == "waiting_modification":
                self.mods.append(
                    {
                        "id": self.mod_id,
                        "tenant_id": self.tid,
                        "doctor_id": doctor["doctor_id"],
                        "application_id": reg["id"],
                        "institution_id": doctor["institution_id"],
                        "state": ModificationState.PENDING,
                        "reason": "",
                        "created_at": self.make.moment(365),
                        "changes": {
                            "home_address": {
                                "old": reg["home_address"],
                                "new": f"湖北省合成县新址路 {doctor['doctor_id']} 号",
                            }
                        },
                    }
                )
                self.mod_id += 1
            elif name == "waiting_filing" and other_institutions:
                self.filings.append(
                    {
                        "id": self.filing_id,
                        "tenant_id": self.tid,
                        "doctor_id": doctor["doctor_id"],
                        "application_id": reg["id"],
                        "institution_id": rng.choice(other_institutions),
                        "state": FilingState.PENDING,
                        "reason": "",
                        "created_at": self.make.moment(365),
                    }
                )
                self.filing_id += 1


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
    make = _Maker(seed + _next_id(User), now)
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
        first = _next_id(Institution)
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
    build = _Builder(make, tid, rules_for(tenant), tenant.certificate_serial, today)
    password_hash = hash_password("Demo-pass-2026")
    user_id, qual_id = _next_id(User), _next_id(Qualification)
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
    record_id, pre_qual_id = _next_id(PracticeRecord), qual_id + doctors
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
