"""Issue 12, A2: an institution may carry its unified social credit code (统一社会信用代码,
GB 32100); the officer's form checks it (length, characters, check character) and the
practice-record import finds the institution by it, as by the licence number or the name."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.registry.institutions import Institution
from portal.registry.records import PracticeRecord
from portal.rules.credit_code import check_character
from tests.support.db import in_tenant
from tests.support.http import english, redirected_to, staff_login
from tests.support.imports import HEADER_P, admin_login, confirm, csv_of, upload
from tests.support.journey import resident_id
from tests.support.provisioning import provision, provision_form

CODE = "12420525MB1234567" + check_character("12420525MB1234567")


def _field_error(response) -> str:
    found = re.search(r'id="credit_code-err"[^>]*>([^<]*)<', response.get_data(as_text=True))
    return found.group(1) if found else ""


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("12420525MB123456", "18 characters"),
        ("12420525MB123456I" + "0", "without I, O, Z, S or V"),
        (CODE[:-1] + ("0" if CODE[-1] != "0" else "1"), "does not match"),
    ],
)
def test_a_wrong_code_is_refused_next_to_its_field(demo, typed, says):
    officer = english(staff_login(demo, "hb-officer"))
    officer.page("/hubei/admin/institutions/new")
    r = officer.post("/hubei/admin/institutions/new", provision_form(demo, credit_code=typed))
    assert r.status_code == 422
    assert says in _field_error(r)
    with in_tenant(demo, "hubei"):
        assert (
            db.session.execute(
                db.select(Institution).filter_by(licence_no="PDY42052500077")
            ).first()
            is None
        )


def test_the_import_finds_an_institution_by_its_credit_code(demo):
    officer = staff_login(demo, "hb-officer")
    form = provision(demo, officer, credit_code=CODE.lower())  # typed in small letters
    with in_tenant(demo, "hubei"):
        inst = db.session.execute(
            db.select(Institution).filter_by(licence_no=form["licence_no"])
        ).scalar_one()
        assert inst.credit_code == CODE
    assert CODE in officer.page(f"/hubei/admin/institutions/{inst.id}").get_data(as_text=True)
    name, id_number = "郑新", resident_id("42052519850303123")
    line = f"{name},{id_number},110420525000399,某卫生院,内科专业,2021-06-01,{CODE},执业医师"
    b = admin_login(demo)
    batch_url = redirected_to(upload(b, csv_of([line], HEADER_P), "practice-records"))
    redirected_to(confirm(b, batch_url))
    with in_tenant(demo, "hubei"):
        record = db.session.execute(
            db.select(PracticeRecord).filter_by(certificate_no="110420525000399")
        ).scalar_one()
        assert record.institution_id == inst.id and record.institution_name == "某卫生院"
