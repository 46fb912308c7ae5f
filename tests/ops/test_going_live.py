"""docs/going-live.md, step by step, on an empty database without the demo loader (T5, T1, T4,
I1, A1, A2, A4, A6, V1): the operator's commands through the CLI, the rest through HTTP, ending
with one doctor registered and on the public check. Runs on SQLite and, with
TEST_DATABASE_URL, on PostgreSQL under row-level security."""

from __future__ import annotations

import re

from portal.accounts.models import Role, User
from portal.extensions import db
from portal.tenants.models import Region, Tenant
from portal.workflow.models import Application, AuditLog
from tests.support.db import in_tenant
from tests.support.going_live import (
    PASSWORD,
    cli,
    first_log_in,
    setup_link_path,
    through_setup_link,
)
from tests.support.http import redirected_to
from tests.support.imports import ZHOU, confirm, csv_of, upload
from tests.support.journey import ALL_MATERIALS, doctor_form, messages_to, walk_doctor
from tests.support.provisioning import provision_form
from tests.support.rules_editor import save_rules


def test_a_province_goes_live_from_an_empty_database(app, beijing_noon, monkeypatch):
    with app.app_context():
        assert db.session.execute(db.select(db.func.count(Tenant.id))).scalar() == 0

    # 1. the tenant: cities and counties from the national dataset, contact details, rules v1
    out = cli(
        app,
        "tenants",
        "create",
        "hubei",
        "湖北省",
        "--division",
        "420000",
        "--contact-name",
        "湖北省卫生健康委员会医政处",
        "--contact-phone",
        "027-87000000",
        "--contact-address",
        "武汉市武昌区中山路 1 号",
        "--office-hours",
        "周一至周五 8:30-12:00",
    ).output
    assert "13 cities" in out
    with in_tenant(app, "hubei"):
        regions = {r.code: r for r in db.session.execute(db.select(Region)).scalars()}
        assert regions["420500"].name == "宜昌市" and regions["420500"].level == "city"
        assert regions["420525"].parent.code == "420500"  # 远安县 under 宜昌市

    # 2. the first administrator: no SMS gateway in tests, so a one-time set-up link
    out = cli(
        app,
        "accounts",
        "create-admin",
        "--tenant",
        "hubei",
        "--username",
        "hb-admin",
        "--name",
        "王管理",
        "--phone",
        "13900000001",
    ).output
    link = setup_link_path(out)
    admin = through_setup_link(app, link, "hubei", "/hubei/admin/")
    assert admin.client.get(link).status_code == 404  # the link worked once

    # 3. the contact details, checked by the administrator (audited)
    admin.page("/hubei/admin/province")
    r = admin.post(
        "/hubei/admin/province",
        {
            "contact_name": "湖北省卫生健康委员会医政处",
            "contact_phone": "027-87000001",
            "contact_address": "武汉市武昌区中山路 1 号",
            "office_hours": "周一至周五 8:30-12:00，14:30-17:30",
        },
    )
    assert redirected_to(r).endswith("/hubei/admin/province")
    assert "14:30-17:30" in app.test_client().get("/hubei/").get_data(as_text=True)

    # 4. an officer of a county, credentials by SMS now that a gateway is configured
    monkeypatch.setitem(app.config, "SMS_GATEWAY", "http")
    monkeypatch.setitem(app.config, "SMS_GATEWAY_URL", "http://127.0.0.1:9/sms")
    out = cli(
        app,
        "accounts",
        "create-officer",
        "--tenant",
        "hubei",
        "--username",
        "ya-officer",
        "--name",
        "陈科员",
        "--phone",
        "13900000002",
        "--region",
        "420525",
    ).output
    assert "/setup/" not in out
    body = messages_to(app, "13900000002")[-1]
    assert "ya-officer" in body
    officer = first_log_in(
        app, "ya-officer", PASSWORD.search(body).group(1), "hubei", "/hubei/admin/"
    )
    monkeypatch.setitem(app.config, "SMS_GATEWAY", "dev")

    # 5. an institution, provisioned by the county's officer after the on-site check (I1)
    form = provision_form(app, name="远安县人民医院", mobile="13700137001")
    officer.page("/hubei/admin/institutions/new")
    assert "/hubei/admin/institutions/" in redirected_to(
        officer.post("/hubei/admin/institutions/new", form)
    )
    body = messages_to(app, "13700137001")[-1]
    username = re.search(r"jg[0-9]{4}-[0-9]{2}", body).group(0)
    staff = first_log_in(
        app, username, PASSWORD.search(body).group(1), "hubei", "/hubei/institution/"
    )

    # 6. the qualification records (A2)
    batch = redirected_to(
        upload(
            admin, csv_of([f"{ZHOU[0]},{ZHOU[1]},H2025420000101,执业医师,临床,否,否,2025-09-01"])
        )
    )
    assert redirected_to(confirm(admin, batch)) == batch

    # 7. the rules: version 1 is the national defaults; the province changes one
    redirected_to(save_rules(admin, "hubei", codes__activation_hours="48"))

    # 8. a first doctor: signs up, applies, the institution confirms, the county approves
    walked = walk_doctor(
        app,
        "hubei",
        doctor_form(ZHOU[0], ZHOU[1], "13600136001", "zhouxm"),
        until="confirmed",
        staff=staff,
        institution="远安县人民医院",
    )
    officer.page(f"/hubei/admin/applications/{walked.app_id}")
    r = officer.post(
        f"/hubei/admin/applications/{walked.app_id}/approve", {"materials": ALL_MATERIALS}
    )
    redirected_to(r)
    with in_tenant(app, "hubei"):
        application = db.session.get(Application, walked.app_id)
        assert application.state.value == "approved"
        cert = application.certificate_no
        roles = sorted(u.role.value for u in db.session.execute(db.select(User)).scalars())
        assert roles == sorted([Role.ADMIN, Role.OFFICER, Role.STAFF, Role.DOCTOR])
        actions = set(db.session.execute(db.select(AuditLog.action)).scalars())
        assert {
            "create_admin",
            "use_setup_link",
            "create_officer",
            "update_contact",
            "approve",
        } <= actions

    # 9. on the public check (V1)
    page = app.test_client().get(f"/hubei/verify?no={cert}").get_data(as_text=True)
    assert cert in page and "周" in page
