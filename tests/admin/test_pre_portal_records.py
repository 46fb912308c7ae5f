"""Practice records made before the portal (A2, Q2, D5; issue 12): the import matches each
line's institution to the portal's, by code or exact name, and reports and skips the lines
that match none; an officer corrects the institution on a record, audited and within their
region (A1, A8)."""

from __future__ import annotations

import re

from portal.extensions import db
from portal.registry.institutions import Institution
from portal.registry.records import ImportBatch, PracticeRecord
from portal.workflow.models import AuditLog
from tests.support.db import in_tenant
from tests.support.http import english, redirected_to, staff_login
from tests.support.imports import HEADER_P, admin_login, confirm, csv_of, errors_of, upload
from tests.support.journey import (
    activate_by_code,
    doctor_form,
    institution_id,
    name_institution,
    resident_id,
    sign_up,
    user_id,
    verify_phone,
)

A = ("周新民", resident_id("42052519860412123"))
B = ("吴静", resident_id("42010619910823234"))
C = ("孙立", resident_id("42052519700101123"))
D = ("钱进", resident_id("42052519720202123"))
WANG = doctor_form("王德明", "420525197603124518", "13800138081", "wangdeming")


def records(app) -> dict[str, tuple]:
    with in_tenant(app, "hubei"):
        return {
            r.certificate_no: (r.institution_name, r.institution.name if r.institution else None)
            for r in db.session.execute(db.select(PracticeRecord)).scalars()
        }


def test_A2_Q2_lines_are_matched_by_code_or_exact_name_and_the_others_reported_and_skipped(demo):
    b = admin_login(demo)
    lines = [
        f"{A[0]},{A[1]},110420525000301,远安县人民医院（演示）,内科专业,2021-06-01,,执业医师",
        # the code wins over a name written differently (the name is kept as written)
        f"{B[0]},{B[1]},110420525000302,省一医院,外科专业,2020-06-01,pdy42010600002,",
        f"{C[0]},{C[1]},110420525000303,远安县人民医院,内科专业,2019-06-01,,",
        f"{D[0]},{D[1]},110420525000304,远安县人民医院（演示）,内科专业,2019-06-01,PDY999,",
    ]
    r = upload(b, csv_of(lines, HEADER_P), "practice-records")
    batch_url = redirected_to(r)  # not blocked: the matched lines wait for the confirmation
    page = b.page(batch_url)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="skipped"' in html and "Import 2 records" in html
    assert errors_of(page) == [
        (
            "4",
            "执业机构",
            "No institution on the portal has the name “远安县人民医院”: this line is not "
            "imported. Check the name, or add the institution code column.",
        ),
        (
            "5",
            "机构代码",
            "No institution on the portal has the code “PDY999”: this line is not imported.",
        ),
    ]
    r = confirm(b, batch_url)
    assert redirected_to(r) == batch_url
    html = b.page(batch_url).get_data(as_text=True)
    assert "2 lines were not imported: their institution is not on the portal." in html
    held = records(demo)
    assert held["110420525000301"] == ("远安县人民医院（演示）", "远安县人民医院（演示）")
    assert held["110420525000302"] == ("省一医院", "湖北省演示第一医院")
    assert "110420525000303" not in held and "110420525000304" not in held
    with in_tenant(demo, "hubei"):
        batch = db.session.execute(db.select(ImportBatch)).scalars().one()
        assert (batch.new_count, batch.skipped_count) == (2, 2)
        row = db.session.execute(
            db.select(AuditLog).filter_by(entity="import", action="import")
        ).scalar_one()
        assert row.after["skipped"] == [[4, "institution_unknown"], [5, "institution_code_unknown"]]
        level = db.session.execute(
            db.select(PracticeRecord.level).filter_by(certificate_no="110420525000301")
        ).scalar_one()
        assert level.value == "practitioner"


def test_A2_a_name_two_institutions_share_needs_the_code(demo):
    with in_tenant(demo, "hubei"):
        first = db.session.execute(
            db.select(Institution).filter(Institution.name.contains("远安"))
        ).scalar_one()
        db.session.add(
            Institution(
                name=first.name,
                licence_no="PDY42052500099",
                level=first.level,
                county_id=first.county_id,
            )
        )
        db.session.commit()
    b = admin_login(demo)
    line = f"{A[0]},{A[1]},110420525000301,远安县人民医院（演示）,内科专业,2021-06-01"
    r = upload(b, csv_of([line], HEADER_P), "practice-records")
    assert r.status_code == 200  # nothing else to import: nothing kept, nothing written
    assert [e[1] for e in errors_of(r)] == ["执业机构"]
    assert "Several institutions on the portal have the name" in r.get_data(as_text=True)
    assert "110420525000301" not in records(demo)
    redirected_to(upload(b, csv_of([line + ",PDY42052500099"], HEADER_P), "practice-records"))


def _record_id(app, certificate_no: str) -> int:
    with in_tenant(app, "hubei"):
        return db.session.execute(
            db.select(PracticeRecord.id).filter_by(certificate_no=certificate_no)
        ).scalar_one()


def _correct(officer, record_id: int, institution: str, reason: str = "纸质证书所载机构"):
    officer.page(f"/hubei/admin/practice-records/{record_id}")
    return officer.post(
        f"/hubei/admin/practice-records/{record_id}/institution",
        {"institution": institution, "reason": reason},
    )


def test_D5_an_officer_corrects_the_institution_on_a_record_audited_and_in_their_region(demo):
    record_id = _record_id(demo, "110420525000456")  # 王德明, at the county hospital
    county = english(staff_login(demo, "hb-county-officer"))
    found = county.page("/hubei/admin/practice-records?q=420525197603124518")
    assert f"/hubei/admin/practice-records/{record_id}" in found.get_data(as_text=True)
    # the provincial hospital is not in the county's region; a reason is needed
    r = _correct(county, record_id, "PDY42010600002")
    assert r.status_code == 422
    assert "No institution of your region has this licence number" in r.get_data(as_text=True)
    r = _correct(county, record_id, "远安县人民医院（演示）", reason="")
    assert r.status_code == 422
    assert records(demo)["110420525000456"][1] == "远安县人民医院（演示）"

    province = english(staff_login(demo, "hb-officer"))
    redirected_to(_correct(province, record_id, "湖北省演示第一医院"))
    assert records(demo)["110420525000456"] == ("远安县人民医院（演示）", "湖北省演示第一医院")
    with in_tenant(demo, "hubei"):
        row = db.session.execute(
            db.select(AuditLog).filter_by(entity="practice_record", entity_id=record_id)
        ).scalar_one()
        assert row.action == "set_institution" and row.note == "纸质证书所载机构"
        assert row.before["institution_id"] != row.after["institution_id"]
    # now in another region: the county's officer no longer finds it (404, like a missing one)
    assert county.client.get(f"/hubei/admin/practice-records/{record_id}").status_code == 404

    # the doctor activates where the corrected record says; then it is history (L2)
    b = sign_up(demo, "hubei", WANG)
    verify_phone(demo, b, "hubei", WANG["phone"])
    name_institution(b, "hubei", institution_id(demo, "hubei", "演示第一"))
    staff = staff_login(demo, "hb-tertiary-staff")
    activate_by_code(
        demo, b, staff, "hubei", user_id(demo, "hubei", WANG["username"]), WANG["phone"]
    )
    r = _correct(province, record_id, "远安县人民医院（演示）")
    assert r.status_code == 409
    assert "a move to another institution is a change of registration" in r.get_data(as_text=True)
    assert records(demo)["110420525000456"][1] == "湖北省演示第一医院"


def test_D5_an_officer_of_a_region_does_not_see_other_regions_records(demo):
    with in_tenant(demo, "hubei"):
        other = db.session.execute(
            db.select(Institution.id).filter(Institution.name.contains("演示第一"))
        ).scalar_one()
        db.session.execute(
            db.update(PracticeRecord)
            .where(PracticeRecord.certificate_no == "110420525000456")
            .values(institution_id=other)
        )
        db.session.commit()
    record_id = _record_id(demo, "110420525000456")
    county = staff_login(demo, "hb-county-officer")
    page = county.page("/hubei/admin/practice-records?q=110420525000456").get_data(as_text=True)
    assert not re.search(rf"practice-records/{record_id}\b", page)
    r = county.post(
        f"/hubei/admin/practice-records/{record_id}/institution",
        {"institution": "远安县人民医院（演示）", "reason": "x"},
    )
    assert r.status_code in (400, 404)
