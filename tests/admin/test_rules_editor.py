"""A6 / R6: the province administrator edits the rules in-page within safe bounds; every save
is a version with who, when and what changed; a change applies only to applications
submitted after it."""

from __future__ import annotations

import re

import pytest

from portal.extensions import db
from portal.tenants.models import RuleVersion, Tenant
from tests.support.db import in_tenant, unchanged
from tests.support.http import Browser, redirected_to, staff_login
from tests.support.journey import ALL_MATERIALS, doctor_form, walk_doctor
from tests.support.officers import officer
from tests.support.rule_versions import (
    approve,
    certificate_no,
    confirm,
    submitted_around_a_rule_change,
)
from tests.support.rules_editor import rules_form, save_rules


def login(app, username: str, htmx: bool = False):
    """A staff log-in reading the pages in English (the messages asserted are the msgids)."""
    b = staff_login(app, username, htmx=htmx)
    b.client.set_cookie("lang", "en")
    return b


RULES = "/hubei/admin/rules"


def form_of(b: Browser) -> dict[str, list[str]]:
    return rules_form(b, "hubei")


def save(b: Browser, **changes):
    return save_rules(b, "hubei", **changes)


def errors_of(response) -> list[str]:
    return re.findall(r'class="err"[^>]*>([^<]*)', response.get_data(as_text=True))


def overrides(app, slug="hubei") -> dict:
    with app.app_context():
        return db.session.execute(db.select(Tenant.rules).filter_by(slug=slug)).scalar_one()


def versions(app, slug="hubei") -> list[RuleVersion]:
    with in_tenant(app, slug):
        return (
            db.session.execute(db.select(RuleVersion).order_by(RuleVersion.number)).scalars().all()
        )


def test_only_the_province_administrator_edits_the_rules(demo):
    officer = login(demo, "hb-officer")
    assert officer.page(RULES).status_code == 404
    assert officer.page(RULES + "/history").status_code == 404
    officer.page("/hubei/admin/")
    with unchanged(demo):
        assert (
            officer.post(RULES, {"based_on": "1", "scopes.assistant_max": "2"}).status_code == 404
        )
    staff = staff_login(demo, "hb-county-staff")
    assert staff.page(RULES).status_code == 404
    anonymous = demo.test_client().get(RULES)
    assert anonymous.status_code in (302, 303) and anonymous.headers["Location"].startswith(
        "/hubei/login"
    )
    # the officer's pages do not offer the editor; the administrator's do
    assert "/admin/rules" not in officer.page("/hubei/admin/").get_data(as_text=True)
    assert "/admin/rules" in login(demo, "hb-admin").page("/hubei/admin/").get_data(as_text=True)


def test_another_provinces_administrator_sees_nothing_of_these_rules(demo):
    hb = login(demo, "hb-admin")
    redirected_to(save(hb, codes__activation_hours="48"))
    gd = login(demo, "gd-admin")
    # under /hubei/ a Guangdong administrator is not logged in
    r = gd.client.get(RULES)
    assert r.status_code == 404 or r.headers["Location"].startswith("/hubei/login")
    history = gd.page("/guangdong/admin/rules/history").get_data(as_text=True)
    assert "codes.activation_hours" not in history and "hb-admin" not in history
    assert overrides(demo, "guangdong") == {}
    assert [v.number for v in versions(demo, "guangdong")] == [1]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("codes.activation_hours", "169", "Enter a whole number from 1 to 168."),
        ("codes.activation_hours", "0", "Enter a whole number from 1 to 168."),
        ("codes.otp_minutes", "11", "Enter a whole number from 1 to 10."),
        ("scopes.assistant_max", "4", "Enter a whole number from 1 to 3."),
        (
            "registration.valid_years",
            "3",
            "Enter a whole number from 1 to 2.",
        ),  # R3: never lengthened
        (
            "codes.otp_max_attempts",
            "6",
            "Enter a whole number from 1 to 5.",
        ),  # never looser than SEC2
        ("codes.otp_resend_seconds", "30", "Enter a whole number from 60 to 600."),
        ("codes.activation_length", "6", "Enter a whole number from 8 to 16."),
        ("registration.decision_working_days", "21", "Enter a whole number from 1 to 20."),  # L1
        ("registration.training_months", "abc", "Enter a whole number from 6 to 24."),
        ("registration.certificate_serial_digits", "3", "Enter a whole number from 4 to 8."),  # L10
        ("registration.certificate_serial_digits", "9", "Enter a whole number from 4 to 8."),
        (
            "reminders.registration_days",
            "30, 7, x",
            "Enter up to 5 different whole numbers from 1 to 365",
        ),
        (
            "reminders.activation_hours",
            "80",
            "Each reminder must come before the activation code expires (72 hours).",
        ),
        (
            "materials.own",
            "health certificate | 健康证明 | Health certificate",
            "Line 1: the key takes 2 to 40 lower-case letters",
        ),
        (
            "materials.own",
            "photos_2inch_x3 | 照片 | Photos",
            "Line 1: photos_2inch_x3 is a national item already.",
        ),
        (
            "materials.overrides",
            "999999: +local_requirements",
            "Line 1: 999999 is not a city or county of this province.",
        ),
        (
            "materials.overrides",
            "420500: +nothing_known",
            "Line 1: nothing_known is not a known paper material.",
        ),
        ("materials.default", [], "Keep at least one paper material in the list."),
    ],
)
def test_out_of_bounds_is_refused_field_by_field_and_nothing_saved(
    demo, browser_mode, field, value, message
):
    b = login(demo, "hb-admin", htmx=browser_mode == "htmx")
    values = form_of(b)
    values[field] = value if isinstance(value, list) else [value]
    values["scopes.assistant_max"] = ["2"]  # a valid change beside the bad one is not saved either
    if field == "scopes.assistant_max":
        values[field] = [value]
    with unchanged(demo):
        r = b.post(RULES, values)
    assert r.status_code == 422
    text = r.get_data(as_text=True)
    assert any(e.startswith(message) for e in errors_of(r)), errors_of(r)
    fid = field.replace(".", "-")
    assert f'aria-describedby="{fid}-hint {fid}-err"' in text or f"{fid}-err" in text
    if browser_mode == "htmx":
        assert "<html" not in text and 'id="rules-form"' in text
    assert versions(demo)[-1].number == 1


def test_a_save_is_a_new_version_with_who_when_and_the_changes(demo, browser_mode):
    b = login(demo, "hb-admin", htmx=browser_mode == "htmx")
    r = save(
        b,
        scopes__assistant_max="2",
        codes__activation_hours="48",
        reminders__registration_days="60, 30, 7",
    )
    assert redirected_to(r).endswith(RULES)
    # only what differs from the national defaults is stored
    assert overrides(demo) == {
        "scopes": {"assistant_max": 2},
        "codes": {"activation_hours": 48},
        "reminders": {"registration_days": [60, 30, 7]},
    }
    page = b.page(RULES).get_data(as_text=True)
    assert "version 2" in page
    assert "<code>scopes.assistant_max</code>: 1 → 2" in page
    assert "<code>codes.activation_hours</code>: 72 → 48" in page
    assert "<code>reminders.registration_days</code>: 30, 7, 1 → 60, 30, 7" in page
    # back to the national value: no longer an override, and a third version
    redirected_to(save(b, codes__activation_hours="72"))
    assert overrides(demo) == {
        "scopes": {"assistant_max": 2},
        "reminders": {"registration_days": [60, 30, 7]},
    }
    history = b.page(RULES + "/history").get_data(as_text=True)
    assert history.index("<code>codes.activation_hours</code>: 48 → 72") < history.index(
        "<code>codes.activation_hours</code>: 72 → 48"
    )  # newest first
    assert history.count("hb-admin") == 2
    saved = versions(demo)
    assert [v.number for v in saved] == [1, 2, 3]
    assert saved[2].changes == [["codes.activation_hours", 48, 72]]
    assert saved[1].overrides["codes"] == {"activation_hours": 48}  # a version keeps what it was
    # the change is audited (A8)
    audit = b.page("/hubei/admin/audit?entity=tenant&action=rules").get_data(as_text=True)
    assert audit.count("<td>tenant ") == 2


def test_saving_nothing_new_makes_no_version(demo):
    b = login(demo, "hb-admin")
    with unchanged(demo):
        r = save(b)
    assert redirected_to(r).endswith(RULES)
    assert "Nothing was changed." in b.page(RULES).get_data(as_text=True)


def test_a_save_over_someone_elses_is_refused(demo):
    first, second = login(demo, "hb-admin"), login(demo, "hb-admin")
    stale = form_of(second)
    redirected_to(save(first, scopes__assistant_max="2"))
    stale["codes.activation_hours"] = ["48"]
    with unchanged(demo):
        r = second.post(RULES, stale)
    assert r.status_code == 409
    assert "Someone else saved the rules meanwhile (now version 2)" in r.get_data(as_text=True)


def test_province_items_and_city_county_changes_of_the_materials(demo):
    b = login(demo, "hb-admin")
    r = save(
        b,
        materials__own="health_certificate | 健康证明 | Health certificate",
        materials__overrides="420525: -local_requirements",
    )
    redirected_to(r)
    rules = overrides(demo)["materials"]
    assert rules["labels"] == {
        "health_certificate": {"zh_CN": "健康证明", "en": "Health certificate"}
    }
    assert rules["default"] == ALL_MATERIALS + ["health_certificate"]  # a new item joins the list
    assert rules["counties"] == {"420525": {"remove": ["local_requirements"]}}
    # the page shows them back as they were saved
    values = form_of(b)
    assert "health_certificate" in values["materials.default"]
    assert values["materials.overrides"] == ["420525: -local_requirements"]


YUANAN_EXTRA = "健康证明"


def test_a_rule_change_applies_only_to_applications_submitted_after_it(demo):
    staff = staff_login(demo, "hb-county-staff")
    earlier = walk_doctor(
        demo,
        "hubei",
        doctor_form("李明华", "420525198803121236", "13800138001", "liminghua"),
        until="confirmed",
        staff=staff,
        institution="远安",
    )
    admin = login(demo, "hb-admin")
    redirected_to(
        save(admin, materials__own=f"health_certificate | {YUANAN_EXTRA} | Health certificate")
    )
    later = walk_doctor(
        demo,
        "hubei",
        doctor_form("阿依古丽·买买提", "420111199001016789", "13800138002", "ayiguli"),
        until="confirmed",
        staff=staff,
        institution="远安",
        scope="tcm",
    )
    # the doctors see the list of the rules their application was submitted under
    assert YUANAN_EXTRA not in earlier.browser.page("/hubei/me").get_data(as_text=True)
    assert YUANAN_EXTRA in later.browser.page("/hubei/me").get_data(as_text=True)
    officer = login(demo, "hb-officer")
    ticks = 'value="health_certificate"'
    assert ticks not in officer.page(f"/hubei/admin/applications/{earlier.app_id}").get_data(
        as_text=True
    )
    later_page = officer.page(f"/hubei/admin/applications/{later.app_id}").get_data(as_text=True)
    assert ticks in later_page and "Health certificate" in later_page
    # the earlier one is approved with the old list; the later one needs the new item too
    redirected_to(
        officer.post(
            f"/hubei/admin/applications/{earlier.app_id}/approve", {"materials": ALL_MATERIALS}
        )
    )
    officer.page(f"/hubei/admin/applications/{later.app_id}")
    assert (
        officer.post(
            f"/hubei/admin/applications/{later.app_id}/approve", {"materials": ALL_MATERIALS}
        ).status_code
        == 422
    )
    redirected_to(
        officer.post(
            f"/hubei/admin/applications/{later.app_id}/approve",
            {"materials": ALL_MATERIALS + ["health_certificate"]},
        )
    )


def test_rules_read_on_each_request_follow_a_save_made_by_another_process(demo):
    """P6: the merged rules are remembered per process, by the overrides they were made
    from. A save in another app server (here: written to the database behind this process's
    back, as another gunicorn worker would) shows at once, and each province keeps its own."""
    hubei, guangdong = login(demo, "hb-admin"), login(demo, "gd-admin")
    assert form_of(hubei)["codes.activation_hours"] == ["72"]
    assert rules_form(guangdong, "guangdong")["codes.activation_hours"] == ["72"]
    with (
        demo.app_context(),
        db.engine.begin() as conn,
    ):  # not through this process's session or cache
        conn.execute(
            Tenant.__table__.update()
            .where(Tenant.__table__.c.slug == "hubei")
            .values(rules={"codes": {"activation_hours": 48}})
        )
    assert form_of(hubei)["codes.activation_hours"] == ["48"]
    assert rules_form(guangdong, "guangdong")["codes.activation_hours"] == ["72"]
    redirected_to(save_rules(guangdong, "guangdong", codes__activation_hours="96"))
    assert rules_form(guangdong, "guangdong")["codes.activation_hours"] == ["96"]
    assert form_of(hubei)["codes.activation_hours"] == ["48"]
    with demo.app_context(), db.engine.begin() as conn:
        conn.execute(
            Tenant.__table__.update().where(Tenant.__table__.c.slug == "hubei").values(rules={})
        )
    assert form_of(hubei)["codes.activation_hours"] == ["72"]


def test_L10_A6_serial_digits_apply_to_applications_submitted_after_the_change(demo):
    """L10, R6, A6: the administrator gives the certificate number a 5-digit serial; the next
    approval of an application submitted after that issues a 13-digit number (level, category,
    county code, 5-digit serial), while one submitted before keeps the 15-digit layout of its
    version, even when it is approved later."""
    admin = login(demo, "hb-admin")
    assert form_of(admin)["registration.certificate_serial_digits"] == ["7"]
    assert "Serial digits of a certificate number" in admin.page(RULES).get_data(as_text=True)
    staff, earlier, later = submitted_around_a_rule_change(
        demo, registration__certificate_serial_digits="5"
    )
    assert overrides(demo) == {"registration": {"certificate_serial_digits": 5}}
    assert "<code>registration.certificate_serial_digits</code>: 7 → 5" in admin.page(
        RULES
    ).get_data(as_text=True)
    for walked in (earlier, later):
        confirm(staff, walked.app_id)
    b = officer(demo, "hb-officer")
    approve(b, later.app_id)  # the later one first: the order of approval does not matter
    approve(b, earlier.app_id)
    new_no, old_no = certificate_no(demo, later.app_id), certificate_no(demo, earlier.app_id)
    assert re.fullmatch(r"12420525[0-9]{5}", new_no), new_no  # 阿依古丽, 中医, 远安: 5-digit serial
    assert re.fullmatch(r"11420525[0-9]{7}", old_no), (
        old_no
    )  # 李明华, 临床: the 7 digits of version 1
    assert new_no in later.browser.page("/hubei/me").get_data(as_text=True)
    assert old_no in earlier.browser.page("/hubei/me").get_data(as_text=True)


def test_L10_serial_digits_never_below_the_serials_already_issued_said_in_chinese(demo):
    """R6 safe bounds: with 12,345 certificates issued a 4-digit serial could not number the
    next one: refused next to the field (422, in the administrator's language), nothing saved."""
    with demo.app_context(), db.engine.begin() as conn:
        conn.execute(
            Tenant.__table__.update()
            .where(Tenant.__table__.c.slug == "hubei")
            .values(certificate_serial=12345)
        )
    b = staff_login(demo, "hb-admin")  # Chinese, the default language
    values = form_of(b)
    values["registration.certificate_serial_digits"] = ["4"]
    with unchanged(demo):
        r = b.post(RULES, values)
    assert r.status_code == 422
    assert "顺序号至12345的证书已发放：顺序号至少需要5位。" in errors_of(r)
    assert 'id="registration-certificate_serial_digits-err"' in r.get_data(as_text=True)
    values["registration.certificate_serial_digits"] = ["5"]
    redirected_to(b.post(RULES, values))
    assert overrides(demo) == {"registration": {"certificate_serial_digits": 5}}
