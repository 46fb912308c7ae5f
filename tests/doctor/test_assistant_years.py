"""An assistant physician's years (R5) and time at the institution (D14, F14), as the doctor,
the printed form and the officer show them.

The registrations are put in the database directly, with the dates a test needs (the clock is
not moved); everything asserted goes through HTTP."""

from __future__ import annotations

import re
from datetime import date

from portal.columns import local_today
from portal.extensions import db
from portal.registry.records import Level, Qualification
from portal.rules.registration import add_years
from portal.workflow.models import Application, Kind, State
from tests.support.db import in_tenant
from tests.support.http import staff_login
from tests.support.journey import ROW_LI, ROW_WANG, doctor_log_in, row_application, row_doctor


def text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# ---- R5: the years an assistant's registration counts toward the practitioner exam -----------


def test_R5_registered_by_31_december_counts_that_year_on_home_and_certificate(demo):
    this_year = local_today().year
    doctor_id, q_id, inst_id = row_doctor(demo, ROW_WANG)
    row_application(demo, doctor_id, q_id, inst_id, registered_on=date(this_year - 1, 12, 31))
    b = doctor_log_in(demo, ROW_WANG)
    for url in ("/hubei/me", "/hubei/me/certificate"):
        page = text(b.page(url).get_data(as_text=True))
        assert f"计入{this_year}年执业医师资格考试的执业年限 1年" in page, url
        assert "助理医师在当年12月31日前注册的，当年计入。" in page
    en = doctor_log_in(demo, ROW_WANG, lang="en")
    page = text(en.page("/hubei/me/certificate").get_data(as_text=True))
    assert f"Years of practice counted toward the {this_year} practitioner exam 1 year " in page


def test_R5_registered_on_1_january_the_year_before_does_not_count(demo):
    this_year = local_today().year
    doctor_id, q_id, inst_id = row_doctor(demo, ROW_WANG)
    row_application(demo, doctor_id, q_id, inst_id, registered_on=date(this_year, 1, 1))
    page = text(doctor_log_in(demo, ROW_WANG).page("/hubei/me").get_data(as_text=True))
    assert f"计入{this_year}年执业医师资格考试的执业年限 0年" in page


def test_R5_not_shown_for_a_practitioner_or_a_lapsed_assistant_registration(demo):
    doctor_id, q_id, inst_id = row_doctor(demo, ROW_LI)
    row_application(
        demo, doctor_id, q_id, inst_id, level=Level.PRACTITIONER, registered_on=date(2025, 12, 31)
    )
    b = doctor_log_in(demo, ROW_LI)
    assert "执业医师资格考试的执业年限" not in b.page("/hubei/me").get_data(as_text=True)
    assert "执业医师资格考试的执业年限" not in b.page("/hubei/me/certificate").get_data(
        as_text=True
    )
    wang_id, wq_id, winst = row_doctor(demo, ROW_WANG)
    row_application(
        demo, wang_id, wq_id, winst, registered_on=add_years(local_today(), -3)
    )  # lapsed a year ago
    b = doctor_log_in(demo, ROW_WANG)
    assert "执业医师资格考试的执业年限" not in b.page("/hubei/me").get_data(as_text=True)
    assert "执业医师资格考试的执业年限" not in b.page("/hubei/me/certificate").get_data(
        as_text=True
    )


def test_R5_shown_beside_a_change_in_progress(demo):
    """The registration in force keeps showing the years while a change of it is open (D7)."""
    this_year = local_today().year
    doctor_id, q_id, inst_id = row_doctor(demo, ROW_WANG)
    reg = row_application(demo, doctor_id, q_id, inst_id, registered_on=date(this_year - 1, 6, 1))
    row_application(
        demo, doctor_id, q_id, inst_id, state=State.SUBMITTED, kind=Kind.CHANGE, previous_id=reg
    )
    page = text(doctor_log_in(demo, ROW_WANG).page("/hubei/me").get_data(as_text=True))
    assert f"计入{this_year}年执业医师资格考试的执业年限 1年" in page


def test_R5_the_public_check_does_not_show_it(demo):
    """Only the doctor's own pages show it: not a fact of the public register (V1)."""
    doctor_id, q_id, inst_id = row_doctor(demo, ROW_WANG)
    row_application(demo, doctor_id, q_id, inst_id, registered_on=date(2025, 12, 31))
    public = demo.test_client().get("/hubei/verify?no=124205250000001").get_data(as_text=True)
    assert "124205250000001" in public and "执业医师资格考试的执业年限" not in public


# ---- D14, F14: an assistant's time at the institution counts from the assistant registration ---

ASSISTANT_REGISTERED = date(2024, 12, 31)
COUNTED = "(counted from the date of the assistant physician registration)"


def test_F14_an_assistants_first_registration_counts_from_its_approval(demo):
    """Not registered yet: the wizard and the review step say the time counts from the day the
    registration is approved, and the printed form (once confirmed) says the same."""
    doctor_id, q_id, inst_id = row_doctor(demo, ROW_WANG)
    app_id = row_application(demo, doctor_id, q_id, inst_id, state=State.DRAFT)
    b = doctor_log_in(demo, ROW_WANG, lang="en")
    practice = text(b.page("/hubei/me/application/practice").get_data(as_text=True))
    assert (
        "your practice time at this institution is counted from the date of your registration: the day it is "
        "approved" in practice
    )
    review = text(b.page("/hubei/me/application/review").get_data(as_text=True))
    assert (
        f"Practice time at this institution the day this registration is approved – Jun 30, 2028 {COUNTED}"
        in review
    )
    with in_tenant(demo, "hubei"):
        db.session.get(Application, app_id).state = State.CONFIRMED
        db.session.commit()
    printed = text(b.page(f"/hubei/me/applications/{app_id}/print").get_data(as_text=True))
    assert f"the day this registration is approved – June 30, 2028 {COUNTED}" in printed
    zh = text(
        doctor_log_in(demo, ROW_WANG)
        .page(f"/hubei/me/applications/{app_id}/print")
        .get_data(as_text=True)
    )
    assert (
        "在本机构执业时间 本次注册获准之日 – 2028年6月30日 （自执业助理医师注册之日起计算）" in zh
    )


def test_F14_a_registered_assistant_counts_from_the_registration_date(demo):
    """Home page, print-out and the officer's page of the registration, and the change of it."""
    doctor_id, q_id, inst_id = row_doctor(demo, ROW_WANG)
    reg = row_application(
        demo,
        doctor_id,
        q_id,
        inst_id,
        registered_on=ASSISTANT_REGISTERED,
        contract=(date(2025, 7, 1), date(2028, 6, 30)),
    )
    b = doctor_log_in(demo, ROW_WANG, lang="en")
    home = text(b.page("/hubei/me").get_data(as_text=True))
    assert f"Practice time at this institution Dec 31, 2024 – Jun 30, 2028 {COUNTED}" in home
    printed = text(b.page(f"/hubei/me/applications/{reg}/print").get_data(as_text=True))
    assert f"December 31, 2024 – June 30, 2028 {COUNTED}" in printed
    # a change of registration: the wizard and its review count from the same day
    row_application(
        demo, doctor_id, q_id, inst_id, state=State.DRAFT, kind=Kind.CHANGE, previous_id=reg
    )
    practice = text(b.page("/hubei/me/application/practice").get_data(as_text=True))
    assert (
        "As you registered as an assistant physician on Dec 31, 2024, your practice time at this institution "
        "is counted from that date." in practice
    )
    review = text(b.page("/hubei/me/application/review").get_data(as_text=True))
    assert f"Practice time at this institution Dec 31, 2024 – Jun 30, 2028 {COUNTED}" in review


def test_F14_an_assistant_who_becomes_a_practitioner_keeps_the_assistant_date(demo):
    """王芳 registered as an assistant (since cancelled), then passed the practitioner exam and
    applied as a practitioner: the officer, the print-out and the review step count her time
    at the institution from the assistant registration."""
    doctor_id, q_id, inst_id = row_doctor(demo, ROW_WANG)
    row_application(
        demo, doctor_id, q_id, inst_id, state=State.CANCELLED, registered_on=ASSISTANT_REGISTERED
    )
    with in_tenant(demo, "hubei"):
        practitioner = Qualification(
            name=ROW_WANG["real_name"],
            id_number=ROW_WANG["id_number"],
            certificate_no="P2026420000009",
            level=Level.PRACTITIONER,
            category=db.session.get(Qualification, q_id).category,
            obtained_on=date(2026, 9, 1),
        )
        db.session.add(practitioner)
        db.session.commit()
        p_id = practitioner.id
    first = row_application(
        demo,
        doctor_id,
        p_id,
        inst_id,
        level=Level.PRACTITIONER,
        state=State.CONFIRMED,
        contract=(date(2026, 10, 1), date(2029, 9, 30)),
    )
    officer = staff_login(demo, "hb-officer")
    officer.client.set_cookie("lang", "en")
    page = text(officer.page(f"/hubei/admin/applications/{first}").get_data(as_text=True))
    assert f"Practice time at this institution Dec 31, 2024 – Sep 30, 2029 {COUNTED}" in page
    printed = text(
        doctor_log_in(demo, ROW_WANG, lang="en")
        .page(f"/hubei/me/applications/{first}/print")
        .get_data(as_text=True)
    )
    assert f"December 31, 2024 – September 30, 2029 {COUNTED}" in printed


def test_F10_a_practitioner_never_an_assistant_counts_the_contract(demo):
    doctor_id, q_id, inst_id = row_doctor(demo, ROW_LI)
    first = row_application(
        demo,
        doctor_id,
        q_id,
        inst_id,
        level=Level.PRACTITIONER,
        state=State.CONFIRMED,
        contract=(date(2026, 10, 1), date(2029, 9, 30)),
    )
    printed = text(
        doctor_log_in(demo, ROW_LI, lang="en")
        .page(f"/hubei/me/applications/{first}/print")
        .get_data(as_text=True)
    )
    assert (
        "Practice time at this institution October 1, 2026 – September 30, 2029 Contract period"
        in printed
    )
    assert COUNTED not in printed
