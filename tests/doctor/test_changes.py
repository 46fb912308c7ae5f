"""Applications on a registration in force (D7): change of registration, cancellation (L4),
one open application at a time; the public register follows (V1)."""

from __future__ import annotations

import re

from portal.extensions import db
from portal.workflow.models import Application
from tests.support.db import in_tenant
from tests.support.http import redirected_to, staff_login
from tests.support.journey import ALL_MATERIALS, doctor_form, photo_file, step_done, walk_doctor

LI = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")


def registered(app):
    staff = staff_login(app, "hb-county-staff")
    walked = walk_doctor(app, "hubei", LI, until="confirmed", staff=staff, institution="远安")
    officer = staff_login(app, "hb-officer")
    officer.page(f"/hubei/admin/applications/{walked.app_id}")
    redirected_to(
        officer.post(
            f"/hubei/admin/applications/{walked.app_id}/approve", {"materials": ALL_MATERIALS}
        )
    )
    return walked, staff, officer


def rows(app):
    with in_tenant(app, "hubei"):
        return [
            (a.id, a.kind.value, a.state.value, a.certificate_no, a.registered_on, list(a.scopes))
            for a in db.session.execute(db.select(Application).order_by(Application.id)).scalars()
        ]


def test_D7_change_of_scope_keeps_the_certificate_and_the_registration_date(demo):
    walked, staff, officer = registered(demo)
    b = walked.browser
    first = rows(demo)[0]
    assert "/hubei/me/application/new/change" in b.page("/hubei/me").get_data(as_text=True)
    r = b.post("/hubei/me/application/new/change", {})
    assert redirected_to(r).endswith("/hubei/me/application/practice")
    b.page("/hubei/me/application/practice")
    step_done(
        b.post("/hubei/me/application/practice", {"scopes": ["internal", "surgery"]}),
        "hubei",
        "history",
    )
    b.page("/hubei/me/application/review")
    redirected_to(b.post("/hubei/me/application/review", {}))
    change_id = rows(demo)[-1][0]
    home = b.page("/hubei/me").get_data(as_text=True)
    assert first[3] in home  # the registration in force is still shown while the change waits
    staff.page("/hubei/institution/approvals")
    redirected_to(staff.post(f"/hubei/institution/approvals/{change_id}/confirm"))
    # A5/R1: two scopes at a county-level institution: the county's officer approves
    county = staff_login(demo, "hb-county-officer")
    county.page(f"/hubei/admin/applications/{change_id}")
    redirected_to(
        county.post(f"/hubei/admin/applications/{change_id}/approve", {"materials": ALL_MATERIALS})
    )
    old, new = rows(demo)
    assert old[2] == "superseded" and new[1:3] == ("change", "approved")
    assert new[3] == first[3] and new[4] == first[4] and new[5] == ["internal", "surgery"]
    public = b.client.get(f"/hubei/verify?no={first[3]}").get_data(as_text=True)
    assert "外科专业" in public


def test_D7_cancellation_on_a_ground_of_L4(demo):
    walked, staff, officer = registered(demo)
    b = walked.browser
    cert = rows(demo)[0][3]
    b.page("/hubei/me/cancellation")
    before = rows(demo)
    for bad in (
        {"cancel_ground": "", "cancel_note": "x"},
        {"cancel_ground": "death", "cancel_note": "x"},
        {"cancel_ground": "nope", "cancel_note": "x"},
        {"cancel_ground": "other", "cancel_note": ""},
        {"cancel_ground": "other", "cancel_note": "长" * 1001},
    ):
        assert b.post("/hubei/me/cancellation", bad).status_code == 422, bad
    assert rows(demo) == before
    redirected_to(
        b.post(
            "/hubei/me/cancellation",
            {"cancel_ground": "suspended_two_years", "cancel_note": "出国进修两年"},
        )
    )
    cancel_id = rows(demo)[-1][0]
    staff.page("/hubei/institution/approvals")
    redirected_to(staff.post(f"/hubei/institution/approvals/{cancel_id}/confirm"))
    page = officer.page(f"/hubei/admin/applications/{cancel_id}").get_data(as_text=True)
    assert "出国进修两年" in page
    redirected_to(
        officer.post(f"/hubei/admin/applications/{cancel_id}/approve", {})
    )  # no paper materials
    old, cancel = rows(demo)
    assert old[2] == "cancelled" and cancel[1:3] == ("cancel", "approved")
    assert cert in b.page("/hubei/me").get_data(as_text=True)
    public = b.client.get(f"/hubei/verify?no={cert}")
    assert public.status_code == 200 and (
        "Cancelled" in public.get_data(as_text=True) or "已注销" in public.get_data(as_text=True)
    )


def test_D7_one_open_application_at_a_time(demo):
    walked, _staff, _officer = registered(demo)
    b = walked.browser
    b.page("/hubei/me")
    redirected_to(b.post("/hubei/me/application/new/change", {}))
    before = rows(demo)
    b.page("/hubei/me")
    assert redirected_to(b.post("/hubei/me/application/new/change", {})).endswith("/hubei/me")
    assert redirected_to(b.page("/hubei/me/cancellation")).endswith("/hubei/me")
    assert rows(demo) == before


def test_D7_a_doctor_without_registration_cannot_change_or_cancel(demo):
    staff = staff_login(demo, "hb-county-staff")
    walked = walk_doctor(demo, "hubei", LI, until="activated", staff=staff, institution="远安")
    b = walked.browser
    b.page("/hubei/me")
    assert redirected_to(b.post("/hubei/me/application/new/change", {})).endswith("/hubei/me")
    assert redirected_to(b.page("/hubei/me/cancellation")).endswith("/hubei/me")
    assert b.post("/hubei/me/application/new/other", {}).status_code == 404
    assert rows(demo) == []


def test_status_page_lists_every_application_with_its_stage(demo):
    walked, staff, _officer = registered(demo)
    b = walked.browser
    b.page("/hubei/me/cancellation")
    redirected_to(
        b.post("/hubei/me/cancellation", {"cancel_ground": "other", "cancel_note": "转行"})
    )
    cancel_id = rows(demo)[-1][0]
    staff.page("/hubei/institution/approvals")
    staff.post(f"/hubei/institution/approvals/{cancel_id}/reject", {"reason": "请先结清在院工作"})
    page = b.page("/hubei/me/applications").get_data(as_text=True)
    assert "请先结清在院工作" in page and rows(demo)[0][3] in page
    assert "转行" in page  # the cancellation's ground and explanation (L4)
    assert page.count('class="card"') == 2
    # the returned cancellation is corrected and submitted again, not started anew
    assert "转行" in b.page("/hubei/me/cancellation").get_data(as_text=True)
    redirected_to(
        b.post("/hubei/me/cancellation", {"cancel_ground": "other", "cancel_note": "已结清，转行"})
    )
    assert rows(demo)[-1][0] == cancel_id and rows(demo)[-1][2] == "submitted"


def test_D7_no_change_while_a_modification_waits(demo):
    walked, _staff, _officer = registered(demo)
    b = walked.browser
    b.page("/hubei/me/maintenance")
    r = b.post(
        "/hubei/me/maintenance",
        {
            "home_address": "湖北省远安县新地址 1 号",
            "work_experience": "无",
            "rewards_punishments": "无",
            "contract_end": "2030-01-01",
        },
    )
    assert r.status_code in (200, 303), r.status_code
    before = rows(demo)
    b.page("/hubei/me")
    assert redirected_to(b.post("/hubei/me/application/new/change", {})).endswith("/hubei/me")
    assert redirected_to(b.page("/hubei/me/cancellation")).endswith("/hubei/me")
    assert rows(demo) == before


def test_R3_L5_re_registration_after_a_lapse_asks_for_training_and_keeps_the_number(demo):
    """Valid for two years (R3): two years and a day later the registration has lapsed; after
    more than two years without practice, re-registration needs the training certificate (L5)."""
    from datetime import date

    walked, staff, officer = registered(demo)
    b = walked.browser
    cert = rows(demo)[0][3]
    with in_tenant(demo, "hubei"):  # the registration was approved five years ago
        first = db.session.execute(db.select(Application)).scalar_one()
        first.registered_on, first.valid_until = date(2021, 1, 4), date(2023, 1, 4)
        db.session.commit()
    home = b.page("/hubei/me").get_data(as_text=True)
    assert (
        "/hubei/me/application/new/reregister" in home
        and "/hubei/me/application/new/change" not in home
    )
    assert redirected_to(b.post("/hubei/me/application/new/change", {})).endswith("/hubei/me")
    r = b.post("/hubei/me/application/new/reregister", {})
    assert redirected_to(r).endswith("/hubei/me/application/qualification")
    assert (
        b.post("/hubei/me/application/qualification", {}).status_code == 422
    )  # training certificate
    step_done(
        b.post(
            "/hubei/me/application/qualification",
            {"training_months": "6", "training_passed": "y", "training_certificate": photo_file()},
        ),
        "hubei",
        "practice",
    )
    b.page("/hubei/me/application/review")
    redirected_to(b.post("/hubei/me/application/review", {}))
    rereg_id = rows(demo)[-1][0]
    staff.page("/hubei/institution/approvals")
    redirected_to(staff.post(f"/hubei/institution/approvals/{rereg_id}/confirm"))
    officer.page(f"/hubei/admin/applications/{rereg_id}")
    redirected_to(
        officer.post(f"/hubei/admin/applications/{rereg_id}/approve", {"materials": ALL_MATERIALS})
    )
    old, new = rows(demo)
    assert old[2] == "superseded" and new[1:4] == ("reregister", "approved", cert)
    assert new[4] != date(2021, 1, 4)  # registered anew: the validity counts from now
    assert "/hubei/me/application/new/change" in b.page("/hubei/me").get_data(as_text=True)


def test_L5_re_registration_after_a_cancellation(demo):
    walked, staff, officer = registered(demo)
    b = walked.browser
    b.page("/hubei/me/cancellation")
    redirected_to(
        b.post("/hubei/me/cancellation", {"cancel_ground": "other", "cancel_note": "出国"})
    )
    cancel_id = rows(demo)[-1][0]
    staff.page("/hubei/institution/approvals")
    redirected_to(staff.post(f"/hubei/institution/approvals/{cancel_id}/confirm"))
    officer.page(f"/hubei/admin/applications/{cancel_id}")
    redirected_to(officer.post(f"/hubei/admin/applications/{cancel_id}/approve", {}))
    b.page("/hubei/me")
    r = b.post("/hubei/me/application/new/reregister", {})
    assert redirected_to(r).endswith("/hubei/me/application/qualification")
    assert rows(demo)[-1][1:3] == ("reregister", "draft")


def test_L2_change_of_institution_confirmed_by_the_new_one(demo):
    walked, _staff, officer = registered(demo)
    b = walked.browser
    cert = rows(demo)[0][3]
    b.page("/hubei/me")
    redirected_to(b.post("/hubei/me/application/new/change", {}))
    page = b.page("/hubei/me/application/practice?q=第一医院").get_data(as_text=True)
    tertiary = re.search(r'id="inst-(\d+)" name="institution_id" value="(\d+)"', page).group(2)
    # at a tertiary hospital one scope only (R1); the refused page still offers the institution
    # chosen, chosen (a plain form keeps no state: correcting the scopes must not drop the move)
    r = b.post(
        "/hubei/me/application/practice",
        {"institution_id": tertiary, "scopes": ["internal", "surgery"]},
    )
    assert r.status_code == 422
    refused = r.get_data(as_text=True)
    assert re.search(f'name="institution_id" value="{tertiary}" checked', refused)
    assert re.search(
        r'id="inst-keep" name="institution_id" value=""><label for="inst-keep">[^<]*远安', refused
    )
    step_done(
        b.post(
            "/hubei/me/application/practice", {"institution_id": tertiary, "scopes": ["internal"]}
        ),
        "hubei",
        "history",
    )
    b.page("/hubei/me/application/review")
    redirected_to(b.post("/hubei/me/application/review", {}))
    change_id = rows(demo)[-1][0]
    county_staff = staff_login(demo, "hb-county-staff")
    county_staff.page("/hubei/institution/approvals")
    assert county_staff.post(f"/hubei/institution/approvals/{change_id}/confirm").status_code == 404
    new_staff = staff_login(demo, "hb-tertiary-staff")
    new_staff.page("/hubei/institution/approvals")
    redirected_to(new_staff.post(f"/hubei/institution/approvals/{change_id}/confirm"))
    officer.page(f"/hubei/admin/applications/{change_id}")
    redirected_to(
        officer.post(f"/hubei/admin/applications/{change_id}/approve", {"materials": ALL_MATERIALS})
    )
    assert rows(demo)[-1][3] == cert
    with in_tenant(demo, "hubei"):
        from portal.accounts.models import User

        assert db.session.get(User, walked.doctor_id).institution_id == int(tertiary)
    assert "湖北省演示第一医院" in b.page("/hubei/me").get_data(as_text=True)


def test_L2_searching_an_institution_keeps_what_was_ticked(demo, browser_mode):
    """P1: the search for an institution to move to is a button of the practice step's form, so
    a plain form (no autosave) keeps the scopes ticked before searching."""
    walked, _staff, _officer = registered(demo)
    b = walked.browser
    b.htmx = browser_mode == "htmx"
    b.page("/hubei/me")
    redirected_to(b.post("/hubei/me/application/new/change", {}))
    page = b.page("/hubei/me/application/practice").get_data(as_text=True)
    assert 'name="action" value="search"' in page and 'name="q"' in page
    r = b.post(
        "/hubei/me/application/practice",
        {"action": "search", "q": "第一医院", "scopes": ["internal", "surgery"]},
    )
    if browser_mode == "htmx":
        assert r.status_code == 200 and "<html" not in r.get_data(as_text=True)
        page = r.get_data(as_text=True)
    else:
        assert "/hubei/me/application/practice?q=" in redirected_to(r)
        page = b.page(redirected_to(r)).get_data(as_text=True)
    assert re.search(
        r'name="institution_id" value="\d+"><label for="inst-\d+">湖北省演示第一医院', page
    )
    assert 'value="surgery" checked' in page  # what was ticked before the search
    assert rows(demo)[-1][5] == ["internal", "surgery"]


def test_L6_an_assistant_moves_only_within_the_county(demo):
    walked, _staff, _officer = registered(demo)
    with in_tenant(demo, "hubei"):  # make the registration an assistant's
        for a in db.session.execute(db.select(Application)).scalars():
            a.level = a.level.__class__("assistant")
        db.session.commit()
    b = walked.browser
    b.page("/hubei/me")
    redirected_to(b.post("/hubei/me/application/new/change", {}))
    page = b.page("/hubei/me/application/practice?q=第一医院").get_data(as_text=True)
    tertiary = re.search(
        r'name="institution_id" value="(\d+)"><label for="inst-\d+">湖北省演示第一医院', page
    ).group(1)
    before = rows(demo)
    r = b.post(
        "/hubei/me/application/practice", {"institution_id": tertiary, "scopes": ["internal"]}
    )
    assert r.status_code == 422 and 'id="scopes-err"' in r.get_data(as_text=True)
    assert rows(demo) == before


def test_L2_change_of_category_with_a_qualification_of_that_category(demo):
    from datetime import date

    from portal.registry.records import Category, Level, Qualification

    walked, staff, officer = registered(demo)
    with in_tenant(demo, "hubei"):
        db.session.add(
            Qualification(
                name="李明华",
                id_number="420525198803121236",
                certificate_no="H2026420000099",
                level=Level.PRACTITIONER,
                category=Category.TCM,
                obtained_on=date(2026, 6, 1),
            )
        )
        db.session.commit()
        tcm_id = db.session.execute(
            db.select(Qualification.id).filter_by(certificate_no="H2026420000099")
        ).scalar()
    b = walked.browser
    b.page("/hubei/me")
    redirected_to(b.post("/hubei/me/application/new/change", {}))
    page = b.page("/hubei/me/application/qualification").get_data(as_text=True)
    assert "H2026420000099" in page
    step_done(
        b.post("/hubei/me/application/qualification", {"qualification_id": str(tcm_id)}),
        "hubei",
        "practice",
    )
    # the clinical scope no longer fits the category (L9)
    assert b.post("/hubei/me/application/practice", {"scopes": ["internal"]}).status_code == 422
    step_done(b.post("/hubei/me/application/practice", {"scopes": ["tcm"]}), "hubei", "history")
    b.page("/hubei/me/application/review")
    redirected_to(b.post("/hubei/me/application/review", {}))
    change_id = rows(demo)[-1][0]
    staff.page("/hubei/institution/approvals")
    redirected_to(staff.post(f"/hubei/institution/approvals/{change_id}/confirm"))
    officer.page(f"/hubei/admin/applications/{change_id}")
    redirected_to(
        officer.post(f"/hubei/admin/applications/{change_id}/approve", {"materials": ALL_MATERIALS})
    )
    with in_tenant(demo, "hubei"):
        new = db.session.get(Application, change_id)
        assert (
            new.state.value == "approved" and new.category.value == "tcm" and new.scopes == ["tcm"]
        )
