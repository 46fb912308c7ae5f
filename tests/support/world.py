"""The world of the tenant-isolation sweep (T3, SEC4), shared with the byte budgets, the
statement counts and the accessibility sweep: Hubei's made-up doctors, the route arguments
filled with Hubei ids, and the steps that build Hubei data (a registered doctor with a
modification and a site filing, an import batch)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from portal import create_app
from portal.extensions import db
from portal.registry.records import Category, Level, Qualification
from tests.support.db import empty_tables, in_tenant
from tests.support.http import redirected_to, staff_login
from tests.support.journey import (
    ALL_MATERIALS,
    doctor_form,
    institution_id,
    resident_id,
    user_id,
    walk_doctor,
)


@dataclass(frozen=True)
class Hubei:
    """An id of a Hubei object, looked up in the world built below."""

    name: str

    def __str__(self) -> str:
        return f"hubei-{self.name}"


#: How each route argument is filled. A route with an argument not listed here fails.
ARGS: dict[str, list] = {
    "app_id": [Hubei("submitted_app"), Hubei("confirmed_app")],
    "doctor_id": [Hubei("waiting_doctor"), Hubei("applicant")],
    "filename": ["portal.css"],
    "code": ["en"],
    "step": ["personal", "practice", "photo", "review"],
    "kind": ["change"],
    "which": ["assessment", "gp", "photo"],
    "case_id": [Hubei("identity_case")],
    "doc_id": [Hubei("photo")],
    "req_id": [Hubei("modification")],
    "filing_id": [Hubei("filing")],
    "institution_id": [Hubei("hubei_institution")],
    "staff_id": [Hubei("hubei_staff"), Hubei("hubei_person_in_charge")],
    "dataset": ["qualifications", "practice-records"],
    "batch_id": [Hubei("import_batch")],
    "officer_id": [Hubei("hubei_officer"), Hubei("hubei_county_officer")],
    "region_id": [Hubei("hubei_region")],
    "token": ["not-a-set-up-token"],  # the operator's one-time set-up link (T5)
    "record_id": [Hubei("practice_record")],
    "key_id": [Hubei("api_key")],  # V3: an API key of Hubei's
    # V3: a FHIR id is a certificate number, public in its own tenant; the sweep asks for one
    # that no tenant holds (tests/public/test_fhir.py asks for Hubei's under /guangdong/)
    "fhir_id": ["114205259999999"],
}

UNKNOWN = object()


def case_of(app) -> int:
    from portal.registry.records import IdentityCase

    with in_tenant(app, "hubei"):
        return db.session.execute(db.select(IdentityCase.id)).scalars().first()


def photo_of(app, app_id: int) -> int:
    from portal.workflow.models import Application

    with in_tenant(app, "hubei"):
        return db.session.get(Application, app_id).photo_id


# ---- the route list, from the URL map ----------------------------------------------------

ROUTE_APP = create_app("testing", {"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def fillings(rule):
    """Every combination of values for the rule's arguments (except the tenant)."""
    names = sorted(rule.arguments - {"tenant"})
    if any(n not in ARGS for n in names):
        return [{n: ARGS.get(n, [UNKNOWN])[0] for n in names}]
    return [
        dict(zip(names, combo, strict=True))
        for combo in itertools.product(*(ARGS[n] for n in names))
    ]


# ---- the world: Hubei data, Guangdong users ----------------------------------------------

HB_APPLICANT = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")
HB_CONFIRMED = doctor_form("阿依古丽·买买提", "420111199001016789", "13800138002", "ayiguli")
HB_WAITING = doctor_form("王芳", "420106199205142348", "13800138003", "wangfang")
HB_UNMATCHED = doctor_form("赵无名", resident_id("42011119850707123"), "13800138004", "zhaowuming")
HB_REGISTERED = doctor_form("孙立新", resident_id("42052519850315123"), "13800138005", "sunlixin")
GD_CONFIRMED = doctor_form("陈志强", "440104198709254569", "13900139001", "chenzhiqiang")
GD_WAITING = doctor_form("黄丽", "440232199311075670", "13900139002", "huangli")
GD_DRAFTING = doctor_form("周晓燕", resident_id("44010419950618123"), "13900139003", "zhouxiaoyan")
HB_ADDRESS = "湖北省远安县鸣凤镇演示街 1 号"
#: a paper material only Hubei's rules have (A6), saved as a new rule version
HB_MATERIAL = "湖北演示专用材料"


def masked(id_number: str) -> str:
    return id_number[:3] + "*" * 11 + id_number[-4:]


HUBEI_DOCTORS = (HB_APPLICANT, HB_CONFIRMED, HB_WAITING, HB_UNMATCHED, HB_REGISTERED)
#: What must never reach a Guangdong user or an anonymous visitor.
HUBEI_MARKERS = sorted(
    {d["real_name"] for d in HUBEI_DOCTORS}
    | {d["id_number"] for d in HUBEI_DOCTORS}
    | {masked(d["id_number"]) for d in HUBEI_DOCTORS}
    | {d["phone"] for d in HUBEI_DOCTORS}
    | {d["phone"][:3] + "****" + d["phone"][-4:] for d in HUBEI_DOCTORS}
    | {d["email"] for d in HUBEI_DOCTORS}
    | {"阿依古丽", "远安县人民医院", "湖北省演示第一医院", "鸣凤镇", HB_MATERIAL}
)


def empty_all(app):
    empty_tables(app)


def registered_with_modification(app, hb_staff) -> int:
    """D17: a Hubei doctor registered by the officer (A4) who asked to modify registered
    details; returns the id of the request waiting for the institution."""
    from datetime import date

    from portal.workflow.models import ModificationRequest

    with in_tenant(app, "hubei"):
        db.session.add(
            Qualification(
                name=HB_REGISTERED["real_name"],
                id_number=HB_REGISTERED["id_number"],
                certificate_no="H2025420000099",
                level=Level.PRACTITIONER,
                category=Category.CLINICAL,
                obtained_on=date(2025, 10, 1),
            )
        )
        db.session.commit()
    walked = walk_doctor(
        app,
        "hubei",
        HB_REGISTERED,
        until="confirmed",
        staff=hb_staff,
        institution="远安",
        address=HB_ADDRESS,
    )
    officer = staff_login(app, "hb-officer")
    officer.page(f"/hubei/admin/applications/{walked.app_id}")
    redirected_to(
        officer.post(
            f"/hubei/admin/applications/{walked.app_id}/approve", {"materials": ALL_MATERIALS}
        )
    )
    walked.browser.page("/hubei/me/maintenance")
    redirected_to(
        walked.browser.post(
            "/hubei/me/maintenance",
            {
                "home_address": "湖北省远安县鸣凤镇演示街 2 号",
                "work_experience": "无",
                "rewards_punishments": "无",
                "contract_end": "2040-12-31",
            },
        )
    )
    # D19: and filed the provincial hospital as an additional practice site
    walked.browser.page("/hubei/me/sites")
    redirected_to(
        walked.browser.post(
            "/hubei/me/sites",
            {"institution_id": str(institution_id(app, "hubei", "湖北省演示第一医院"))},
        )
    )
    with in_tenant(app, "hubei"):
        return db.session.execute(db.select(ModificationRequest.id)).scalar_one()


def import_batch(app) -> int:
    """A2: a Hubei CSV file waiting for the administrator's confirmation."""
    from portal.registry.records import ImportBatch, ImportKind

    content = (
        "姓名,身份证号,证书编号,级别,类别,取得日期\n"
        + f"{HB_UNMATCHED['real_name']},{HB_UNMATCHED['id_number']},H1,执业医师,临床,2020-09-01\n"
    )
    with in_tenant(app, "hubei"):
        batch = ImportBatch(
            kind=ImportKind.QUALIFICATIONS,
            sha256="0" * 64,
            content=content,
            file_name="湖北.csv",
            rows=1,
            created_by_id=user_id(app, "hubei", "hb-officer"),
        )
        db.session.add(batch)
        db.session.commit()
        return batch.id


def practice_record(app) -> int:
    """Q2, D5: the demo's record of a Hubei doctor registered before the portal."""
    from portal.registry.records import PracticeRecord

    with in_tenant(app, "hubei"):
        return db.session.execute(
            db.select(PracticeRecord.id).order_by(PracticeRecord.id).limit(1)
        ).scalar_one()


def site_filing(app) -> int:
    from portal.workflow.models import SiteFiling

    with in_tenant(app, "hubei"):
        return db.session.execute(db.select(SiteFiling.id)).scalar_one()


def api_key(app) -> int:
    """V3: an API key Hubei's administrator issued."""
    from portal.accounts.api_keys import ApiKey, digest_of

    with in_tenant(app, "hubei"):
        row = ApiKey(
            name="湖北平台",
            shown="vk_hubei",
            digest=digest_of("vk_hubei-world-key"),
            created_by_id=user_id(app, "hubei", "hb-admin"),
        )
        db.session.add(row)
        db.session.commit()
        return row.id
