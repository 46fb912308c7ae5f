"""The wizard as a doctor types on a phone (D9, D11, R1, R2, issue 14), through HTTP: the scope
count checked as the doctor ticks (the limit of R1/R2 for this doctor), the refusal at the top
of the list with JS off, and the photo step's one path (choose → preview, kept across a
reload → "Save and continue"; a file posted straight with "Save and continue" is used)."""

from __future__ import annotations

import io
import re

from portal.extensions import db
from portal.workflow.models import Application
from tests.support.db import in_tenant
from tests.support.http import staff_login
from tests.support.journey import doctor_form, photo_file, step_done, walk_doctor

LI = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")  # county hospital
WANG = doctor_form("王芳", "420106199205142348", "13800138003", "wangfang")  # an assistant
SCOPES = "/hubei/me/application/practice/scopes"


def _activated(app, form):
    staff = staff_login(app, "hb-county-staff")
    walked = walk_doctor(app, "hubei", form, until="activated", staff=staff, institution="远安")
    b = walked.browser
    b.client.set_cookie("lang", "en")
    b.page("/hubei/me/application/personal")
    step_done(
        b.post("/hubei/me/application/personal", {"home_address": "湖北省远安县演示街 1 号"}),
        "hubei",
        "qualification",
    )
    return walked


def _draft(app, doctor_id) -> Application:
    with in_tenant(app, "hubei"):
        row = db.session.execute(db.select(Application).filter_by(doctor_id=doctor_id)).scalar_one()
        db.session.expunge(row)
        return row


def _check(b, *scopes) -> str:
    r = b.get(SCOPES, query_string={"scopes": list(scopes)})
    assert r.status_code == 200 and "<html" not in r.get_data(as_text=True)
    return r.get_data(as_text=True)


# ---- R1/R2: the count as the doctor ticks -----------------------------------------------------


def test_R1_the_scope_count_is_answered_as_the_doctor_ticks(demo):
    """A practitioner at a county hospital: up to three (R1); the fourth is refused at once."""
    b = _activated(demo, LI).browser
    page = b.page("/hubei/me/application/practice").get_data(as_text=True)
    fieldset = re.search(r"<fieldset[^>]*hx-get=\"([^\"]+)\"[^>]*>", page)
    assert fieldset and fieldset.group(1) == SCOPES
    assert 'id="scopes-check"' in page and "Chosen: 0 of at most 3." in page
    assert "Chosen: 2 of at most 3." in _check(b, "internal", "surgery")
    fourth = _check(b, "internal", "surgery", "paediatrics", "emergency")
    assert 'class="err"' in fourth and "at most 3 scope" in fourth


def test_R2_an_assistant_is_told_at_the_second_scope(demo):
    walked = _activated(demo, WANG)
    b = walked.browser
    assert "Chosen: 1 of at most 1." in _check(b, "internal")
    assert "at most 1 scope" in _check(b, "internal", "surgery")


def test_R1_the_live_check_saves_nothing(demo):
    walked = _activated(demo, LI)
    _check(walked.browser, "internal", "surgery", "paediatrics", "emergency")
    assert _draft(demo, walked.doctor_id).scopes in (None, [])


def test_R1_with_js_off_the_refusal_is_at_the_top_of_the_list(demo):
    b = _activated(demo, LI).browser
    b.page("/hubei/me/application/practice")
    r = b.post(
        "/hubei/me/application/practice",
        {"scopes": ["internal", "surgery", "paediatrics", "emergency"], "action": "next"},
    )
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    error, first_box = text.index('id="scopes-err"'), text.index('type="checkbox"')
    assert error < first_box, "the error comes before the 17 checkboxes, not after them"


# ---- D11: the photo, one path ---------------------------------------------------------------


def _to_photo(b):
    for step, data, following in (
        ("qualification", {}, "practice"),
        ("practice", {"scopes": ["internal"]}, "history"),
        ("history", {"work_experience": "无", "rewards_punishments": "无"}, "photo"),
    ):
        b.page(f"/hubei/me/application/{step}")
        step_done(b.post(f"/hubei/me/application/{step}", data), "hubei", following)


def test_D11_a_file_chosen_and_posted_with_save_and_continue_is_used(demo):
    walked = _activated(demo, LI)
    b = walked.browser
    _to_photo(b)
    b.page("/hubei/me/application/photo")
    r = b.post("/hubei/me/application/photo", {"action": "next", "photo": photo_file()})
    step_done(r, "hubei", "review")
    assert _draft(demo, walked.doctor_id).photo_id is not None
    page = b.page("/hubei/me/application/photo").get_data(as_text=True)
    assert "Your photo is saved" in page


def test_D11_the_preview_survives_a_reload_and_save_and_continue_uses_it(demo):
    walked = _activated(demo, LI)
    b = walked.browser
    _to_photo(b)
    b.page("/hubei/me/application/photo")
    r = b.post("/hubei/me/application/photo", {"action": "upload", "photo": photo_file()})
    assert r.status_code == 200 and "Preview of your photo" in r.get_data(as_text=True)
    assert _draft(demo, walked.doctor_id).photo_id is None  # a preview, not yet used
    page = b.page("/hubei/me/application/photo").get_data(as_text=True)  # the reload
    pending = re.search(r'name="pending_id" value="(\d+)"', page)
    assert pending and "Preview of your photo" in page
    step_done(b.post("/hubei/me/application/photo", {"action": "next"}), "hubei", "review")
    assert _draft(demo, walked.doctor_id).photo_id == int(pending.group(1))


def test_D11_the_photo_step_has_one_primary_button(demo):
    b = _activated(demo, LI).browser
    _to_photo(b)
    b.page("/hubei/me/application/photo")
    r = b.post("/hubei/me/application/photo", {"action": "upload", "photo": photo_file()})
    buttons = re.findall(r"<button([^>]*)>", r.get_data(as_text=True))
    primary = [b for b in buttons if "secondary" not in b and "link" not in b]
    assert len(primary) == 1, buttons


def test_D11_nothing_chosen_and_no_photo_is_refused(demo):
    b = _activated(demo, LI).browser
    _to_photo(b)
    b.page("/hubei/me/application/photo")
    r = b.post("/hubei/me/application/photo", {"action": "next"})
    assert r.status_code == 422 and "Upload a photo." in r.get_data(as_text=True)


def test_D11_a_resubmitted_upload_without_its_file_shows_the_preview_again(demo):
    """A browser reloading the preview page posts the form again, without the file."""
    walked = _activated(demo, LI)
    b = walked.browser
    _to_photo(b)
    b.page("/hubei/me/application/photo")
    token = b.token
    b.post("/hubei/me/application/photo", {"action": "upload", "photo": photo_file()})
    resubmitted = (io.BytesIO(b""), "me.jpeg", "image/jpeg")  # the name, not the content
    r = b.post(
        "/hubei/me/application/photo",
        {"action": "upload", "csrf_token": token, "photo": resubmitted},
    )
    assert r.status_code == 200, r.status_code
    assert "Preview of your photo" in r.get_data(as_text=True)
