"""D16 / F9: the paper materials (with city and county overrides, R6) and the printable
Approval Form for Medical Practice Registration, two copies, with no blank to fill by hand.

The applications are put in the database directly (the application form is being rebuilt
into the D9 wizard); everything a test asserts goes through HTTP, as a doctor or an officer
would see it, except the last check of what ``commission.approve`` itself requires."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from portal.accounts.models import Role, User
from portal.accounts.passwords import hash_password
from portal.columns import local_today, utcnow
from portal.extensions import db
from portal.registry.institutions import Institution
from portal.registry.records import Qualification
from portal.tenants import rules_for
from portal.tenants.models import Tenant
from portal.workflow import applications, commission
from portal.workflow.models import Application, State
from tests.support.db import in_tenant
from tests.support.http import Browser, redirected_to, staff_login
from tests.support.journey import ALL_MATERIALS, NOTICE_MATERIALS

# dates printed as today's: a known day, at noon
pytestmark = pytest.mark.usefixtures("beijing_noon")

PASSWORD = "Secret-123"
YUANAN = "远安县人民医院"  # 宜昌市 (420500) 远安县 (420525)
WUHAN = "湖北省演示第一医院"  # 武汉市 (420100) 武昌区 (420106)

LI = {
    "username": "liminghua",
    "real_name": "李明华",
    "id_number": "420525198803121236",
    "phone": "13800138001",
    "email": "li@example.com",
    "institution": YUANAN,
    "home_address": "湖北省远安县鸣凤镇凤阳路 12 号",
    "work_experience": "2012-2016 远安县人民医院 住院医师\n2016-2025 远安县人民医院 内科主治医师",
    "rewards_punishments": "2019 年 县优秀医师",
}
WANG = {
    "username": "wangfang",
    "real_name": "王芳",
    "id_number": "420106199205142348",
    "phone": "13800138002",
    "email": "wang@example.com",
    "institution": WUHAN,
    "home_address": "湖北省武汉市武昌区中北路 7 号",
    "work_experience": "2017-2025 湖北省演示第一医院 内科",
    "rewards_punishments": "无",
}
#: D8: applies with the Notice of Passing alone (N2026420000004 in the demo data)
ZHANG = {
    "username": "zhangxy",
    "real_name": "张晓燕",
    "id_number": "420525200103152349",
    "phone": "13800138004",
    "email": "zhang@example.com",
    "institution": YUANAN,
    "home_address": "湖北省远安县鸣凤镇凤阳路 3 号",
    "work_experience": "无",
    "rewards_punishments": "无",
}

CITY_OVERRIDE = {
    "materials": {
        "cities": {"420500": {"add": ["health_certificate"], "remove": ["local_requirements"]}},
        "labels": {"health_certificate": {"zh_CN": "健康证明", "en": "Health certificate"}},
    }
}
YICHANG_MATERIALS = ALL_MATERIALS[:-1] + ["health_certificate"]


@dataclass
class Made:
    app_id: int
    doctor_id: int
    form: dict


def make_application(
    app, person: dict, state: State = State.CONFIRMED, tenant: str = "hubei"
) -> Made:
    """A signed-up, activated doctor of the demo data with an application in ``state``."""
    with in_tenant(app, tenant):
        # the first of the doctor's qualification records (R4: a doctor may hold two)
        q = (
            db.session.execute(
                select(Qualification)
                .filter_by(id_number=person["id_number"])
                .order_by(Qualification.id)
            )
            .scalars()
            .first()
        )
        inst = db.session.execute(
            select(Institution).filter(Institution.name.contains(person["institution"]))
        ).scalar_one()
        now = utcnow()
        user = User(
            username=person["username"],
            password_hash=hash_password(PASSWORD),
            role=Role.DOCTOR,
            real_name=person["real_name"],
            id_number=person["id_number"],
            phone=person["phone"],
            email=person["email"],
            phone_verified_at=now,
            identity_verified=True,
            qualification_id=q.id,
            institution_id=inst.id,
            institution_named_at=now,
            activated_at=now,
        )
        db.session.add(user)
        db.session.flush()
        # one scope key before the wizard's model, a list of them after it (R1)
        scope = (
            {"scopes": ["internal"]} if hasattr(Application, "scopes") else {"scope": "internal"}
        )
        confirmed = state in (State.CONFIRMED, State.APPROVED)
        application = Application(
            doctor_id=user.id,
            level=q.level,
            category=q.category,
            state=state,
            institution_id=inst.id,
            contract_start=date(2025, 7, 1),
            contract_end=date(2028, 6, 30),
            home_address=person["home_address"],
            work_experience=person["work_experience"],
            rewards_punishments=person["rewards_punishments"],
            submitted_at=now if state != State.DRAFT else None,
            confirmed_at=now if confirmed else None,
            certificate_no="114205250000001" if state == State.APPROVED else None,
            registered_on=local_today() if state == State.APPROVED else None,
            **scope,
        )
        db.session.add(application)
        db.session.commit()
        return Made(application.id, user.id, person)


def log_in(app, person: dict, tenant: str = "hubei", lang: str | None = None) -> Browser:
    b = Browser(app.test_client())
    if lang:
        b.client.set_cookie("lang", lang)
    b.page(f"/{tenant}/login")
    r = b.post(f"/{tenant}/login", {"username": person["username"], "password": PASSWORD})
    assert redirected_to(r).endswith(f"/{tenant}/me")
    return b


def print_url(app_id: int, tenant: str = "hubei") -> str:
    return f"/{tenant}/me/applications/{app_id}/print"


def override_rules(app, rules: dict, tenant: str = "hubei") -> None:
    with app.app_context():
        t = db.session.execute(select(Tenant).filter_by(slug=tenant)).scalar_one()
        t.rules = rules
        db.session.commit()


def copies(html: str) -> list[str]:
    """Each printed copy of the form (a ``<section class="approval-form">``)."""
    return re.findall(r'<section class="approval-form".*?</section>', html, re.S)


def cells(copy: str) -> list[str]:
    """The text of every value cell of one copy."""
    return [
        re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", copy, re.S)
    ]


def static_text(b: Browser, url: str) -> str:
    response = b.client.get(url)
    try:
        assert response.status_code == 200, url
        return response.get_data(as_text=True)
    finally:
        response.close()


def checklist(officer: Browser, app_id: int) -> list[str]:
    html = officer.page(f"/hubei/admin/applications/{app_id}").get_data(as_text=True)
    return re.findall(r'name="materials" value="([^"]+)"', html)


# ---- the print view --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("person", "sex", "born", "level"),
    [
        (LI, "Male", "March 12, 1988", "Practising physician"),  # 17th character 3: odd
        (WANG, "Female", "May 14, 1992", "Practising assistant physician"),  # 4: even
    ],
    ids=["li", "wang"],
)
def test_D16_F9_print_view_is_two_filled_copies(demo, person, sex, born, level):
    made = make_application(demo, person)
    doc = log_in(demo, person, lang="en")
    r = doc.page(print_url(made.app_id))
    assert r.status_code == 200
    assert r.headers["Cache-Control"] == "no-store"  # the ID number is shown in full
    html = r.get_data(as_text=True)
    two = copies(html)
    assert len(two) == 2
    assert "Copy 1 of 2" in two[0] and "Copy 2 of 2" in two[1]
    with in_tenant(demo, "hubei"):
        q = (
            db.session.execute(
                select(Qualification)
                .filter_by(id_number=person["id_number"])
                .order_by(Qualification.id)
            )
            .scalars()
            .first()
        )
        inst = db.session.execute(
            select(Institution).filter(Institution.name.contains(person["institution"]))
        ).scalar_one()
        region = inst.county.parent.name + inst.county.name
        expected = [
            person["real_name"],
            sex,
            born,
            person["id_number"],
            level,
            "Clinical",
            q.certificate_no,
            inst.name,
            inst.address,
            region,
            "内科专业",
            "July 1, 2025",
            "June 30, 2028",
            person["home_address"],
            person["work_experience"],
            person["rewards_punishments"],
            person["phone"],
            person["email"],
            local_today().strftime("%B %-d, %Y"),
            str(made.app_id),
        ]
    for copy in two:
        values = cells(copy)
        assert all(values), f"an empty cell to fill by hand: {values}"  # F9: no blank
        assert not re.search(r"<td[^>]*>\s*</td>", copy)
        text = "\n".join(values)
        for value in expected:
            assert value in text, value
        assert "None" not in values  # every field was filled in: nothing fell back to "None"


def test_D16_F9_print_view_in_chinese(demo):
    made = make_application(demo, LI)
    html = log_in(demo, LI).page(print_url(made.app_id)).get_data(as_text=True)
    assert len(copies(html)) == 2
    assert (
        "1988年3月12日" in html
        and "2025年7月1日" in html
        and "李明华" in html
        and "执业医师" in html
    )


def test_D16_print_view_is_a_print_stylesheet_page_without_inline_script_or_style(demo):
    made = make_application(demo, LI)
    doc = log_in(demo, LI, lang="en")
    html = doc.page(print_url(made.app_id)).get_data(as_text=True)
    css_link = re.search(
        r'<link rel="stylesheet" href="(/static/print\.[0-9a-f]{10}\.css)" media="print">', html
    )
    assert css_link, "print.css with media=print"
    assert re.search(
        r"/static/portal\.[0-9a-f]{10}\.css", html
    )  # the normal stylesheet for the screen
    # CSP (style-src 'self', script-src 'self'): no inline style or script, no handlers
    assert " style=" not in html and not re.search(r"<style", html)
    assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html)
    assert not re.search(r"\son[a-z]+=", html)
    # without JavaScript the page says how to print; the JS button is hidden until print.js runs
    assert "Ctrl+P" in html and re.search(
        r'<p class="js-only" hidden><button type="button" data-print>', html
    )
    assert "screen-only" in html
    css = static_text(doc, css_link.group(1))
    assert "@page { size: A4; margin: 15mm }" in css
    assert re.search(r"\.approval-form \+ \.approval-form \{[^}]*break-before: page", css)
    assert re.search(r"\.screen-only[^{]*\{ display: none", css)
    js = static_text(doc, re.search(r'src="(/static/print\.[0-9a-f]{10}\.js)"', html).group(1))
    assert "window.print()" in js and len(js.encode()) < 1024


def test_D16_print_view_of_an_approved_application(demo):
    made = make_application(demo, LI, State.APPROVED)
    r = log_in(demo, LI).page(print_url(made.app_id))
    assert r.status_code == 200 and len(copies(r.get_data(as_text=True))) == 2


def test_D16_home_page_links_the_print_view_once_confirmed(demo):
    made = make_application(demo, LI)
    doc = log_in(demo, LI, lang="en")
    home = doc.page("/hubei/me").get_data(as_text=True)
    assert f'href="{print_url(made.app_id)}"' in home
    assert "Print the Approval Form" in home


@pytest.mark.parametrize("state", [State.DRAFT, State.SUBMITTED, State.REJECTED])
def test_D16_no_print_view_before_the_institution_confirms(demo, state):
    made = make_application(demo, LI, state)
    doc = log_in(demo, LI)
    assert doc.page(print_url(made.app_id)).status_code == 404
    assert "/print" not in doc.page("/hubei/me").get_data(as_text=True)


def test_D16_another_doctor_gets_404(demo):
    li = make_application(demo, LI)
    wang = make_application(demo, WANG)
    other = log_in(demo, WANG)
    r = other.page(print_url(li.app_id))
    assert r.status_code == 404 and LI["id_number"] not in r.get_data(as_text=True)
    assert other.page(print_url(wang.app_id)).status_code == 200
    for app_id in (999999, 2**31, 10**30):
        assert other.page(print_url(app_id)).status_code == 404


def test_D16_staff_and_officers_get_404(demo):
    made = make_application(demo, LI)
    for username in ("hb-county-staff", "hb-officer"):
        assert staff_login(demo, username).page(print_url(made.app_id)).status_code == 404


def test_D16_not_logged_in_is_sent_to_log_in(demo):
    made = make_application(demo, LI)
    r = Browser(demo.test_client()).page(print_url(made.app_id))
    assert r.status_code in (302, 303) and "/hubei/login" in r.headers["Location"]


def test_D16_T3_guangdong_gets_404_or_log_in(demo):
    made = make_application(demo, LI)
    gd = make_application(
        demo,
        {
            **WANG,
            "username": "gd-huangli",
            "real_name": "黄丽",
            "id_number": "440232199311075670",
            "institution": "乳源",
        },
        tenant="guangdong",
    )
    gd_doctor = log_in(demo, {"username": "gd-huangli"}, tenant="guangdong")
    # a Guangdong doctor asks for the Hubei application under either prefix
    assert gd_doctor.page(print_url(made.app_id, "guangdong")).status_code == 404
    r = gd_doctor.page(print_url(made.app_id, "hubei"))  # not logged in there
    assert r.status_code in (302, 303) and "/hubei/login" in r.headers["Location"]
    # and the Hubei doctor's session means nothing in Guangdong
    li = log_in(demo, LI)
    r = li.page(print_url(gd.app_id, "guangdong"))
    assert r.status_code in (302, 303) and "/guangdong/login" in r.headers["Location"]
    r = li.page(print_url(made.app_id, "guangdong"))
    assert r.status_code in (302, 303) and "/guangdong/login" in r.headers["Location"]
    assert gd_doctor.page(print_url(gd.app_id, "guangdong")).status_code == 200


# ---- the materials list, with city and county overrides (R6) ---------------------------------


def test_D16_R6_city_override_changes_the_doctors_list(demo):
    override_rules(demo, CITY_OVERRIDE)
    yichang = make_application(demo, LI)
    wuhan = make_application(demo, WANG)
    assert yichang and wuhan
    li_zh = log_in(demo, LI).page("/hubei/me").get_data(as_text=True)
    assert "健康证明" in li_zh and "health_certificate" not in li_zh
    li_en = log_in(demo, LI, lang="en").page("/hubei/me").get_data(as_text=True)
    assert "Health certificate" in li_en
    assert "Anything else your city or county requires" not in li_en  # removed by the city
    assert "ID card, original and a photocopy" in li_en
    # another city keeps the province's list
    wang_en = log_in(demo, WANG, lang="en").page("/hubei/me").get_data(as_text=True)
    assert (
        "Health certificate" not in wang_en
        and "Anything else your city or county requires" in wang_en
    )


def test_D16_R6_county_override_comes_after_the_city(demo):
    override_rules(
        demo,
        {
            "materials": {
                **CITY_OVERRIDE["materials"],
                "counties": {"420525": {"add": ["county_form"], "remove": ["health_certificate"]}},
                "labels": {
                    "county_form": {"zh_CN": "远安县补充表"}
                },  # no English label: Chinese shown
            }
        },
    )
    make_application(demo, LI)
    home = log_in(demo, LI, lang="en").page("/hubei/me").get_data(as_text=True)
    assert "远安县补充表" in home and "Health certificate" not in home
    assert "Anything else your city or county requires" not in home


def test_D16_R6_item_without_a_label_shows_its_key(demo):
    override_rules(demo, {"materials": {"cities": {"420500": {"add": ["fingerprint_card"]}}}})
    make_application(demo, LI)
    assert "fingerprint_card" in log_in(demo, LI).page("/hubei/me").get_data(as_text=True)


def test_D16_R6_city_override_changes_the_officers_checklist_and_approval(demo):
    override_rules(demo, CITY_OVERRIDE)
    yichang = make_application(demo, LI)
    wuhan = make_application(demo, WANG)
    officer = staff_login(demo, "hb-officer")
    officer.client.set_cookie("lang", "en")
    assert checklist(officer, yichang.app_id) == YICHANG_MATERIALS
    assert "Health certificate" in officer.page(
        f"/hubei/admin/applications/{yichang.app_id}"
    ).get_data(as_text=True)
    assert checklist(officer, wuhan.app_id) == ALL_MATERIALS
    # the national list is not enough in 宜昌市: the health certificate is missing
    officer.page(f"/hubei/admin/applications/{yichang.app_id}")
    r = officer.post(
        f"/hubei/admin/applications/{yichang.app_id}/approve", {"materials": ALL_MATERIALS}
    )
    assert r.status_code == 422
    # a key repeated cannot stand in for the others
    r = officer.post(
        f"/hubei/admin/applications/{yichang.app_id}/approve",
        {"materials": ["health_certificate"] * len(YICHANG_MATERIALS)},
    )
    assert r.status_code == 422
    redirected_to(
        officer.post(
            f"/hubei/admin/applications/{yichang.app_id}/approve", {"materials": YICHANG_MATERIALS}
        )
    )
    # in 武汉市 the province's list is still what is needed
    officer.page(f"/hubei/admin/applications/{wuhan.app_id}")
    redirected_to(
        officer.post(
            f"/hubei/admin/applications/{wuhan.app_id}/approve", {"materials": ALL_MATERIALS}
        )
    )
    with in_tenant(demo, "hubei"):
        states = {
            a.id: (a.state, a.materials_received)
            for a in db.session.execute(select(Application)).scalars()
        }
    assert states[yichang.app_id] == (State.APPROVED, YICHANG_MATERIALS)
    assert states[wuhan.app_id] == (State.APPROVED, ALL_MATERIALS)


def test_D16_R6_workflow_approve_requires_the_city_list(demo):
    override_rules(demo, CITY_OVERRIDE)
    made = make_application(demo, LI)
    with in_tenant(demo, "hubei") as tenant:
        application = db.session.get(Application, made.app_id)
        officer = db.session.execute(select(User).filter_by(username="hb-officer")).scalar_one()
        assert applications.required_materials(application, rules_for(tenant)) == YICHANG_MATERIALS
        with pytest.raises(ValueError, match="health_certificate"):
            commission.approve(application, officer, ALL_MATERIALS, tenant, date(2026, 3, 2))
        db.session.rollback()
        application = db.session.get(Application, made.app_id)
        assert application.state == State.CONFIRMED and application.certificate_no is None
        with demo.test_request_context(
            "/hubei/"
        ):  # the notification is worded in the doctor's language
            commission.approve(application, officer, YICHANG_MATERIALS, tenant, date(2026, 3, 2))
        assert application.state == State.APPROVED


# ---- D16: the paper qualification certificate, or the Notice of Passing (D8) ------------------


def test_D16_paper_qualification_certificate_is_listed_for_the_doctor_and_the_officer(demo):
    """FAQ introduction: "paper certificate is required"."""
    made = make_application(demo, LI)
    assert "医师资格证书原件及复印件" in log_in(demo, LI).page("/hubei/me").get_data(as_text=True)
    officer = staff_login(demo, "hb-officer")
    assert checklist(officer, made.app_id) == ALL_MATERIALS
    without = [m for m in ALL_MATERIALS if m != "qualification_certificate_original_and_copy"]
    officer.page(f"/hubei/admin/applications/{made.app_id}")
    assert (
        officer.post(
            f"/hubei/admin/applications/{made.app_id}/approve", {"materials": without}
        ).status_code
        == 422
    )
    redirected_to(
        officer.post(
            f"/hubei/admin/applications/{made.app_id}/approve", {"materials": ALL_MATERIALS}
        )
    )


def test_D8_D16_a_doctor_with_the_notice_of_passing_brings_the_notice_instead(demo):
    made = make_application(demo, ZHANG)
    home = log_in(demo, ZHANG).page("/hubei/me").get_data(as_text=True)
    assert (
        "医师资格考试成绩合格通知单原件及复印件" in home and "医师资格证书原件及复印件" not in home
    )
    home_en = log_in(demo, ZHANG, lang="en").page("/hubei/me").get_data(as_text=True)
    assert "Notice of Passing the physician qualification exam" in home_en
    assert "Physician qualification certificate" not in home_en
    officer = staff_login(demo, "hb-officer")
    assert checklist(officer, made.app_id) == NOTICE_MATERIALS
    officer.page(f"/hubei/admin/applications/{made.app_id}")
    # the certificate the doctor does not have yet cannot be ticked in the notice's place
    assert (
        officer.post(
            f"/hubei/admin/applications/{made.app_id}/approve", {"materials": ALL_MATERIALS}
        ).status_code
        == 422
    )
    redirected_to(
        officer.post(
            f"/hubei/admin/applications/{made.app_id}/approve", {"materials": NOTICE_MATERIALS}
        )
    )
    with in_tenant(demo, "hubei"):
        assert db.session.get(Application, made.app_id).materials_received == NOTICE_MATERIALS


def test_D16_R6_a_province_list_stored_before_the_certificate_keeps_working(demo):
    """A province that replaced the list before the certificate joined the national one: its
    stored list is what its doctors bring (nothing added behind its back, nothing broken), and
    its rules editor offers the new item, unticked, to add."""
    before = [
        m
        for m in ALL_MATERIALS
        if m not in ("qualification_certificate_original_and_copy", "local_requirements")
    ]
    override_rules(demo, {"materials": {"default": before}})
    li, zhang = make_application(demo, LI), make_application(demo, ZHANG)
    officer = staff_login(demo, "hb-officer")
    assert checklist(officer, li.app_id) == before and checklist(officer, zhang.app_id) == before
    officer.page(f"/hubei/admin/applications/{zhang.app_id}")
    redirected_to(
        officer.post(f"/hubei/admin/applications/{zhang.app_id}/approve", {"materials": before})
    )
    admin = staff_login(demo, "hb-admin")
    page = admin.page("/hubei/admin/rules").get_data(as_text=True)
    box = re.search(r'<input[^>]*value="qualification_certificate_original_and_copy"[^>]*>', page)
    assert box and "checked" not in box.group(0)
