"""SQL statements per request (SPEC P5): the main pages run the same small number of
statements with 5 rows to show as with 60 — no query per row (N+1).

A Hubei world is walked through HTTP once; the rows a page lists are then multiplied by
copying a walked row in the database (a submitted application, a waiting doctor, an identity
case…), 5 and then 60 of them, and the page is counted each time.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from sqlalchemy import insert, select

from portal.extensions import db
from portal.pii import blind_index
from portal.workflow.drafts import STEPS
from tests.support.db import in_tenant, owner_connection, statements
from tests.support.http import Browser, staff_login
from tests.support.journey import doctor_form, fill_wizard, resident_id, sign_up, walk_doctor
from tests.support.world import (
    HB_ADDRESS,
    HB_APPLICANT,
    HB_CONFIRMED,
    HB_UNMATCHED,
    HB_WAITING,
    empty_all,
    registered_with_modification,
)

FEW, MANY = 5, 60
#: the most statements a main page may run (the log-in, tenant and user lookups included)
LIMIT = 12
DRAFTING = doctor_form("钱多多", resident_id("42052519910203123"), "13800138006", "qianduoduo")


@dataclass
class World:
    browsers: dict[str, Browser]
    ids: dict[str, int]
    certificate_no: str
    copies: dict[str, int]


@pytest.fixture(autouse=True)
def _empty_tables():
    """Overrides conftest's: the world is built once for this module."""
    yield


@pytest.fixture(autouse=True)
def _no_verify_limit(app, monkeypatch):
    monkeypatch.setitem(app.config, "VERIFY_RATE_LIMIT", "100000 per minute")


@pytest.fixture(scope="module")
def world(app):
    from datetime import date

    from devdata.demo import load_demo
    from portal.registry.records import Category, IdentityCase, Level, Qualification
    from portal.workflow.models import Application

    empty_all(app)
    with app.app_context():
        load_demo()
    with in_tenant(app, "hubei"):
        db.session.add(
            Qualification(
                name=DRAFTING["real_name"],
                id_number=DRAFTING["id_number"],
                certificate_no="H2019420000077",
                level=Level.PRACTITIONER,
                category=Category.CLINICAL,
                obtained_on=date(2025, 10, 1),
            )
        )
        db.session.commit()
    staff = staff_login(app, "hb-county-staff")
    applicant = walk_doctor(
        app,
        "hubei",
        HB_APPLICANT,
        until="submitted",
        staff=staff,
        institution="远安",
        address=HB_ADDRESS,
    )
    confirmed = walk_doctor(
        app,
        "hubei",
        HB_CONFIRMED,
        until="confirmed",
        staff=staff,
        institution="远安",
        scope="tcm",
        address=HB_ADDRESS,
    )
    waiting = walk_doctor(app, "hubei", HB_WAITING, until="named", institution="远安")
    drafting = walk_doctor(
        app, "hubei", DRAFTING, until="activated", staff=staff, institution="远安"
    )
    fill_wizard(drafting.browser, "hubei", address=HB_ADDRESS)
    unmatched = sign_up(app, "hubei", HB_UNMATCHED)
    modification = registered_with_modification(app, staff)
    officer = staff_login(app, "hb-officer")
    with in_tenant(app, "hubei"):
        registered = (
            db.session.execute(select(Application).filter(Application.certificate_no.is_not(None)))
            .scalars()
            .first()
        )
        case = db.session.execute(select(IdentityCase)).scalars().first()
        ids = {
            "applicant": applicant.doctor_id,
            "submitted_app": applicant.app_id,
            "confirmed": confirmed.doctor_id,
            "confirmed_app": confirmed.app_id,
            "waiting": waiting.doctor_id,
            "drafting": drafting.doctor_id,
            "unmatched": case.user_id,
            "case": case.id,
            "registered": registered.doctor_id,
            "registered_app": registered.id,
            "modification": modification,
        }
        certificate_no = registered.certificate_no
    browsers = {
        "applicant": applicant.browser,
        "drafting": drafting.browser,
        "staff": staff,
        "officer": officer,
        "unmatched": unmatched,
        "anonymous": Browser(app.test_client()),
    }
    yield World(browsers, ids, certificate_no, {})
    empty_all(app)


# ---- copies of walked rows ---------------------------------------------------------------------


def copy_row(model, row_id: int, **changes) -> int:
    """A copy of one row (read and written as the tables' owner, outside the ORM and
    row-level security, so the tenant stays as it was)."""
    table = model.__table__
    with owner_connection() as conn:
        row = dict(conn.execute(table.select().where(table.c.id == row_id)).mappings().one())
        row.pop("id")
        row.update(changes)
        return conn.execute(insert(table).values(**row)).inserted_primary_key[0]


def copy_doctor(w: World, key: str, n: int) -> int:
    from portal.accounts.models import User

    return copy_row(
        User,
        w.ids[key],
        username=f"copy{n}_{key}",
        phone=f"139{n:08d}",
        email=f"copy{n}.{key}@example.com",
    )


def waiting_doctor(w: World, n: int) -> None:
    copy_doctor(w, "waiting", n)


def submitted_application(w: World, n: int) -> None:
    from portal.workflow.models import Application

    copy_row(Application, w.ids["submitted_app"], doctor_id=copy_doctor(w, "applicant", n))


def institution_queue(w: World, n: int) -> None:
    """A submitted application and a modification request of a registered doctor (I4, D17)."""
    from portal.workflow.models import ModificationRequest

    submitted_application(w, n)
    copy_row(ModificationRequest, w.ids["modification"], doctor_id=copy_doctor(w, "registered", n))


def confirmed_application(w: World, n: int) -> None:
    from portal.workflow.models import Application

    copy_row(Application, w.ids["confirmed_app"], doctor_id=copy_doctor(w, "confirmed", n))


def identity_case(w: World, n: int) -> None:
    from portal.registry.records import IdentityCase

    copy_row(IdentityCase, w.ids["case"], user_id=copy_doctor(w, "unmatched", n))


def same_name_record(w: World, n: int) -> None:
    """Another account with the case's name: the case page compares them all (A3)."""
    copy_doctor(w, "unmatched", n)


def registration(w: World, n: int) -> None:
    from portal.workflow.models import Application

    copy_row(
        Application,
        w.ids["registered_app"],
        doctor_id=copy_doctor(w, "registered", n),
        certificate_no=f"1104205250{n:05d}",
    )


def applicant_history(w: World, n: int) -> None:
    """An older application of the same doctor (a draft that expired)."""
    from portal.workflow.models import Application, State

    copy_row(Application, w.ids["submitted_app"], state=State.EXPIRED.value)


def drafting_history(w: World, n: int) -> None:
    from portal.registry.records import Qualification
    from portal.workflow.models import Application, State

    with owner_connection() as conn:
        app_id = (
            conn.execute(
                select(Application.__table__.c.id).where(
                    Application.__table__.c.doctor_id == w.ids["drafting"]
                )
            )
            .scalars()
            .first()
        )
        qualification = (
            conn.execute(
                select(Qualification.__table__.c.id).where(
                    Qualification.__table__.c.id_number_index == blind_index(DRAFTING["id_number"])
                )
            )
            .scalars()
            .first()
        )
    copy_row(Application, app_id, state=State.EXPIRED.value)
    copy_row(Qualification, qualification, certificate_no=f"H2019420{n:06d}")


PAGES: list[tuple[str, str, str, Callable]] = [
    ("doctor home", "applicant", "/hubei/me", applicant_history),
    ("status page", "applicant", "/hubei/me/applications", applicant_history),
    *[
        (f"wizard {step}", "drafting", f"/hubei/me/application/{step}", drafting_history)
        for step in STEPS
    ],
    ("institution activations", "staff", "/hubei/institution/activations", waiting_doctor),
    ("institution approvals", "staff", "/hubei/institution/approvals", institution_queue),
    ("officer queue", "officer", "/hubei/admin/", confirmed_application),
    (
        "officer application",
        "officer",
        "/hubei/admin/applications/{confirmed_app}",
        confirmed_application,
    ),
    ("identity cases", "officer", "/hubei/admin/identity-cases", identity_case),
    ("identity case", "officer", "/hubei/admin/identity-cases/{case}", same_name_record),
    ("public verify", "anonymous", "/hubei/verify?no={certificate_no}", registration),
]


def grow(app, w: World, add: Callable, to: int) -> None:
    """Copies until the page's table holds ``to`` copies (counted per kind of copy)."""
    key = add.__name__
    with in_tenant(app, "hubei"):
        while w.copies.get(key, 0) < to:
            w.copies[key] = w.copies.get(key, 0) + 1
            add(w, w.copies[key] + 1000 * len(key))


@pytest.mark.parametrize(("name", "role", "url", "add"), PAGES, ids=[p[0] for p in PAGES])
def test_statements_do_not_grow_with_rows(app, world, name, role, url, add):
    client = world.browsers[role].client
    url = url.format(certificate_no=world.certificate_no, **world.ids)
    statements(app, client, url)  # a first visit may write (the day's lookup counter, a session)
    grow(app, world, add, FEW)
    few = statements(app, client, url)
    grow(app, world, add, MANY)
    many = statements(app, client, url)
    assert few == many, f"{name}: {few} statements with {FEW} rows, {many} with {MANY}"
    assert many <= LIMIT, f"{name}: {many} statements"
