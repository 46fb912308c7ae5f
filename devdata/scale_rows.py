"""The rows of ``devdata.scale``: made-up people (``Maker``: names, ID numbers, phones, times)
and, per doctor, the applications, requests, filings and audit rows of one scenario
(``Builder``), as plain dicts for Core inserts. Everything here is made up."""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from stdnum.cn import ric

from devdata.scale_data import (
    GIVEN,
    MINORITY,
    PHONE_PREFIXES,
    REASONS,
    SURNAME_WEIGHTS,
    SURNAMES,
)
from portal.extensions import db
from portal.rules.registration import certificate_number, valid_until
from portal.rules.workdays import add_working_days, beijing_date
from portal.tenants.holidays import calendar_of
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


def next_id(model) -> int:
    return (
        db.session.execute(
            db.select(db.func.max(model.id)).execution_options(all_tenants=True)
        ).scalar()
        or 0
    ) + 1


class Maker:
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


class Builder:
    """The applications, requests and filings of one scenario per doctor."""

    def __init__(self, make: Maker, tenant_id: int, rules: dict, serial: int, today: date):
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
            next_id(Application),
            next_id(ModificationRequest),
            next_id(SiteFiling),
        )
        self.audit_id = next_id(AuditLog)
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
