"""Multi-site practice filing (D19, L6): a registered doctor files an additional practice site;
that site's institution confirms or rejects it in its queue (I4). Through HTTP, with JS off
(plain posts) and on (htmx partials)."""

from __future__ import annotations

import gzip
import re
from datetime import date

import pytest

from portal.extensions import db
from portal.registry.institutions import Institution, InstitutionLevel
from portal.registry.records import Category, Level, Qualification
from portal.workflow.models import AuditLog, SiteFiling
from tests.support.db import in_tenant, statements, unchanged
from tests.support.http import Browser, english, redirected_to, staff_login
from tests.support.journey import (
    ALL_MATERIALS,
    doctor_form,
    institution_id,
    messages_to,
    resident_id,
    walk_doctor,
)

LI = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")
AYI = doctor_form("阿依古丽·买买提", "420111199001016789", "13800138002", "ayiguli")
QIAN = doctor_form("钱小红", resident_id("42052519960405234"), "13800138006", "qianxiaohong")
PAGE = "/hubei/me/sites"
QUEUE = "/hubei/institution/approvals"
MAIN = "远安县人民医院（演示）"
SITE = "湖北省演示第一医院"


def approve(app, app_id: int) -> None:
    officer = staff_login(app, "hb-officer")
    officer.page(f"/hubei/admin/applications/{app_id}")
    redirected_to(
        officer.post(f"/hubei/admin/applications/{app_id}/approve", {"materials": ALL_MATERIALS})
    )


def registered(app, htmx: bool = False, form: dict = LI, scope: str = "internal"):
    """A doctor registered at the county hospital (远安): (doctor's browser, the extra site's
    staff browser, the main institution's staff browser)."""
    county = staff_login(app, "hb-county-staff")
    walked = walk_doctor(
        app, "hubei", form, until="confirmed", staff=county, institution="远安", scope=scope
    )
    approve(app, walked.app_id)
    site = staff_login(app, "hb-tertiary-staff")
    walked.browser.htmx = site.htmx = htmx  # from here on, as the page would post with JS on or off
    return english(walked.browser), english(site), english(county)


def filings(app) -> list[SiteFiling]:
    with in_tenant(app, "hubei"):
        rows = db.session.execute(db.select(SiteFiling).order_by(SiteFiling.id)).scalars().all()
        for row in rows:
            db.session.expunge(row)
        return rows


def file(b: Browser, inst_id: int):
    b.page(PAGE)
    return b.post(PAGE, {"institution_id": str(inst_id)})


def done(response, htmx: bool) -> str:
    """Accepted: the plain post is redirected to the page, htmx gets the page's block."""
    if htmx:
        assert response.status_code == 200, response.status_code
        body = response.get_data(as_text=True)
        assert "<html" not in body and 'id="sites"' in body
        return body
    assert redirected_to(response).endswith(PAGE)
    return ""


def row_done(response, htmx: bool, filing_id: int) -> str:
    if htmx:
        body = response.get_data(as_text=True)
        assert (
            response.status_code == 200
            and "<html" not in body
            and f'id="filing-{filing_id}"' in body
        )
        return body
    assert redirected_to(response).endswith(QUEUE)
    return ""


def filed(app, b: Browser, htmx: bool = False) -> SiteFiling:
    done(file(b, institution_id(app, "hubei", SITE)), htmx)
    return filings(app)[-1]


# ---- the whole round: file, the extra site confirms, the doctor sees it ------------------------


def test_D19_the_extra_site_confirms_a_filing(demo, browser_mode):
    htmx = browser_mode == "htmx"
    doc, site, county = registered(demo, htmx)
    home = doc.page("/hubei/me").get_data(as_text=True)
    assert PAGE in home and "Other practice sites" in home

    # the doctor finds the institution by name (a GET form), then files it
    results = doc.get(PAGE, query_string={"q": "演示第一"})
    body = results.get_data(as_text=True)
    assert results.status_code == 200 and SITE in body and ("<html" in body) != htmx
    assert f'name="institution_id" value="{institution_id(demo, "hubei", SITE)}"' in body
    body = done(file(doc, institution_id(demo, "hubei", SITE)), htmx)
    if htmx:
        assert "asked to confirm" in body and "Waiting for the institution" in body
    [f] = filings(demo)
    assert f.state.value == "pending" and f.institution_id == institution_id(demo, "hubei", SITE)
    page = doc.page(PAGE).get_data(as_text=True)
    assert SITE in page and "Waiting for the institution" in page

    # I4: the extra site's queue shows it (masked ID, certificate, scopes, main institution)
    queue = site.page(QUEUE).get_data(as_text=True)
    section = site.page(QUEUE + "?kind=filing").get_data(
        as_text=True
    )  # the queue filtered to filings
    assert (
        f'id="filing-{f.id}"' in section and "李明华" in section and "420***********1236" in section
    )
    assert "内科专业" in section and MAIN in section and re.search(r"<dd>\d{15}</dd>", section)
    assert LI["id_number"] not in queue  # masked (SEC5)
    # the main institution decides nothing here
    assert f'id="filing-{f.id}"' not in county.page(QUEUE).get_data(as_text=True)

    r = site.post(f"/hubei/institution/filings/{f.id}/confirm")
    body = row_done(r, htmx, f.id)
    if htmx:
        assert "Confirmed" in body and "/confirm" not in body  # decided: no buttons any more
    else:
        assert f'id="filing-{f.id}"' not in site.page(QUEUE).get_data(as_text=True)
    [f] = filings(demo)
    assert f.state.value == "confirmed" and f.decided_at is not None
    assert "confirmed your filing" in messages_to(demo, LI["phone"])[-1]
    page = doc.page(PAGE).get_data(as_text=True)
    assert "Confirmed on" in page and SITE in page
    with in_tenant(demo, "hubei"):
        actions = [
            a.action
            for a in db.session.execute(
                db.select(AuditLog).filter_by(entity="site_filing").order_by(AuditLog.id)
            ).scalars()
        ]
        assert actions == ["file", "confirm"]


# ---- rejection ---------------------------------------------------------------------------------


def test_D19_rejection_needs_a_reason_the_doctor_sees(demo, browser_mode):
    htmx = browser_mode == "htmx"
    doc, site, _county = registered(demo, htmx)
    f = filed(demo, doc, htmx)
    site.page(QUEUE)
    url = f"/hubei/institution/filings/{f.id}/reject"
    for reason in ("", "   "):
        with unchanged(demo):
            r = site.post(url, {"reason": reason})
        assert (
            r.status_code == 422
        )  # the item (htmx) or the queue (plain), the message next to the field
        assert "Give the reason" in r.get_data(as_text=True)
    with unchanged(demo):
        r = site.post(url, {"reason": "x" * 501})
        assert r.status_code == 422
    assert filings(demo)[0].state.value == "pending"

    row_done(site.post(url, {"reason": "本院无此专业科室"}), htmx, f.id)
    [f] = filings(demo)
    assert f.state.value == "rejected" and f.reason == "本院无此专业科室"
    assert "本院无此专业科室" in messages_to(demo, LI["phone"])[-1]
    page = doc.page(PAGE).get_data(as_text=True)
    assert "Rejected on" in page and "本院无此专业科室" in page

    # decided: not decided again
    site.page(QUEUE)
    with unchanged(demo):
        r = site.post(f"/hubei/institution/filings/{f.id}/confirm")
        assert r.status_code == 409  # A9: plain or htmx
        r = site.post(url, {"reason": "again"})
        assert r.status_code == 409
    # a rejected site may be filed again
    done(file(doc, institution_id(demo, "hubei", SITE)), htmx)
    assert [x.state.value for x in filings(demo)] == ["rejected", "pending"]


# ---- what cannot be filed (L6) -----------------------------------------------------------------


def test_D19_the_main_institution_and_a_duplicate_are_refused(demo, browser_mode):
    htmx = browser_mode == "htmx"
    doc, site, _county = registered(demo, htmx)
    main = institution_id(demo, "hubei", "远安")
    page = doc.get(PAGE, query_string={"q": "医院"}).get_data(as_text=True)
    assert "Your main institution" in page and f'name="institution_id" value="{main}"' not in page
    with unchanged(demo):
        r = file(doc, main)
    assert r.status_code == 409 and "main institution" in r.get_data(as_text=True)
    assert ("<html" in r.get_data(as_text=True)) != htmx

    filed(demo, doc, htmx)
    page = doc.get(PAGE, query_string={"q": "演示第一"}).get_data(as_text=True)
    assert "Already filed" in page
    with unchanged(demo):
        r = file(doc, institution_id(demo, "hubei", SITE))
    assert r.status_code == 409 and "already filed" in r.get_data(as_text=True)
    # still refused once confirmed
    site.page(QUEUE)
    row_done(
        site.post(f"/hubei/institution/filings/{filings(demo)[0].id}/confirm"),
        htmx,
        filings(demo)[0].id,
    )
    with unchanged(demo):
        assert file(doc, institution_id(demo, "hubei", SITE)).status_code == 409
    assert len(filings(demo)) == 1


def test_D19_an_assistant_files_only_in_the_county_of_the_main_institution(demo, browser_mode):
    """L6: the place of practice is the county for an assistant (远安), the province for a
    practitioner."""
    htmx = browser_mode == "htmx"
    with in_tenant(demo, "hubei"):
        db.session.add(
            Qualification(
                name=QIAN["real_name"],
                id_number=QIAN["id_number"],
                certificate_no="H2025420000077",
                level=Level.ASSISTANT,
                category=Category.CLINICAL,
                obtained_on=date(2025, 9, 1),
            )
        )
        county_id = db.session.execute(
            db.select(Institution.county_id).filter(Institution.name.contains("远安"))
        ).scalar_one()
        db.session.add(
            Institution(
                name="鸣凤镇卫生院（演示）",
                licence_no="PDY42052500077",
                level=InstitutionLevel.COUNTY,
                county_id=county_id,
                address="鸣凤镇演示路 2 号",
            )
        )
        db.session.commit()
    doc, _site, _county = registered(demo, htmx, form=QIAN)
    page = doc.get(PAGE, query_string={"q": SITE}).get_data(as_text=True)
    assert "Outside your place of practice" in page
    with unchanged(demo):
        r = file(doc, institution_id(demo, "hubei", SITE))
    assert r.status_code == 409 and "outside your place of practice" in r.get_data(as_text=True)
    assert filings(demo) == []
    # an institution in the same county is filed
    done(file(doc, institution_id(demo, "hubei", "鸣凤镇卫生院")), htmx)
    [f] = filings(demo)
    assert f.state.value == "pending" and f.institution_id == institution_id(
        demo, "hubei", "鸣凤镇卫生院"
    )


def test_D19_needs_a_registration(demo):
    county = staff_login(demo, "hb-county-staff")
    walked = walk_doctor(demo, "hubei", LI, until="confirmed", staff=county, institution="远安")
    b = walked.browser
    assert redirected_to(b.page(PAGE)).endswith("/hubei/me")
    b.page("/hubei/me")
    with unchanged(demo):
        r = b.post(PAGE, {"institution_id": str(institution_id(demo, "hubei", SITE))})
    assert redirected_to(r).endswith("/hubei/me")
    assert PAGE not in b.page("/hubei/me").get_data(as_text=True)


# ---- withdrawal --------------------------------------------------------------------------------


def test_D19_the_doctor_withdraws_a_pending_or_confirmed_filing(demo, browser_mode):
    htmx = browser_mode == "htmx"
    doc, site, _county = registered(demo, htmx)
    f = filed(demo, doc, htmx)
    doc.page(PAGE)
    body = done(doc.post(f"{PAGE}/{f.id}/withdraw"), htmx)
    if htmx:
        assert "was withdrawn" in body
    assert filings(demo)[0].state.value == "withdrawn"
    assert "Withdrawn on" in doc.page(PAGE).get_data(as_text=True)
    # the institution no longer sees it, nor can it decide it
    assert f'id="filing-{f.id}"' not in site.page(QUEUE).get_data(as_text=True)
    with unchanged(demo):
        assert site.post(f"/hubei/institution/filings/{f.id}/confirm").status_code == 409
        doc.page(PAGE)
        assert doc.post(f"{PAGE}/{f.id}/withdraw").status_code == 409  # withdrawn once

    # filed again and confirmed, then withdrawn: the doctor stops practising there
    g = filed(demo, doc, htmx)
    site.page(QUEUE)
    row_done(site.post(f"/hubei/institution/filings/{g.id}/confirm"), htmx, g.id)
    doc.page(PAGE)
    done(doc.post(f"{PAGE}/{g.id}/withdraw"), htmx)
    assert [x.state.value for x in filings(demo)] == ["withdrawn", "withdrawn"]
    with in_tenant(demo, "hubei"):
        actions = [
            a.action
            for a in db.session.execute(
                db.select(AuditLog).filter_by(entity="site_filing").order_by(AuditLog.id)
            ).scalars()
        ]
        assert actions == ["file", "withdraw", "file", "confirm", "withdraw"]


# ---- bad input (SEC6) --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "status"),
    [
        ("999999", 404),  # no such institution
        ("99999999999", 400),  # beyond any id
        ("2147483648", 400),
        ("abc", 400),
        ("-1", 400),
        ("", 400),
        ("1" * 5000, 400),
    ],
)
def test_D19_bad_institution_ids_change_nothing(demo, value, status):
    doc, _site, _county = registered(demo)
    doc.page(PAGE)
    with unchanged(demo):
        r = doc.post(PAGE, {"institution_id": value})
    assert r.status_code == status


def test_D19_forged_and_unknown_posts_change_nothing(demo):
    doc, site, county = registered(demo)
    f = filed(demo, doc)
    site_id = str(institution_id(demo, "hubei", SITE))
    doc.page(PAGE)
    site.page(QUEUE)
    with unchanged(demo):
        # no CSRF token, or a forged one
        assert doc.client.post(PAGE, data={"institution_id": site_id}).status_code == 400
        assert (
            doc.client.post(
                PAGE, data={"institution_id": site_id, "csrf_token": "forged"}
            ).status_code
            == 400
        )
        assert doc.client.post(f"{PAGE}/{f.id}/withdraw").status_code == 400
        assert site.client.post(f"/hubei/institution/filings/{f.id}/confirm").status_code == 400
        assert (
            site.client.post(
                f"/hubei/institution/filings/{f.id}/reject", data={"reason": "x"}
            ).status_code
            == 400
        )
        # unknown, huge and non-numeric ids in the URL
        for bad in ("999999", "99999999999", "abc", "-1"):
            assert doc.post(f"{PAGE}/{bad}/withdraw").status_code == 404
            assert site.post(f"/hubei/institution/filings/{bad}/confirm").status_code == 404
            assert (
                site.post(f"/hubei/institution/filings/{bad}/reject", {"reason": "x"}).status_code
                == 404
            )
        # the search takes any text
        assert doc.get(PAGE, query_string={"q": "%_" + "李" * 500}).status_code == 200
    assert filings(demo)[0].state.value == "pending"


# ---- who may decide (T3) -----------------------------------------------------------------------


def test_D19_another_institution_and_another_doctor_get_404(demo):
    doc, site, county = registered(demo)
    f = filed(demo, doc)
    county.page(QUEUE)
    with unchanged(demo):
        assert county.post(f"/hubei/institution/filings/{f.id}/confirm").status_code == 404
        assert (
            county.post(f"/hubei/institution/filings/{f.id}/reject", {"reason": "no"}).status_code
            == 404
        )
    other, _site, _county = registered(demo, form=AYI, scope="tcm")
    other.page(PAGE)
    with unchanged(demo):
        assert other.post(f"{PAGE}/{f.id}/withdraw").status_code == 404
    assert (
        SITE not in other.page(PAGE).get_data(as_text=True).split("File another practice site")[0]
    )


def test_D19_guangdong_users_get_404(demo):
    doc, site, _county = registered(demo)
    f = filed(demo, doc)
    gd = staff_login(demo, "gd-tertiary-staff")
    assert "李明华" not in gd.page("/guangdong/institution/approvals").get_data(as_text=True)
    with unchanged(demo):
        for action, data in (("confirm", {}), ("reject", {"reason": "跨省"})):
            assert (
                gd.post(f"/guangdong/institution/filings/{f.id}/{action}", data).status_code == 404
            )
            r = gd.post(f"/hubei/institution/filings/{f.id}/{action}", data)
            assert r.status_code in (302, 303) and "/hubei/login" in r.headers["Location"]
    assert filings(demo)[0].state.value == "pending"


# ---- low bandwidth and a fast queue (P2, P5) ---------------------------------------------------


def test_D19_pages_fit_the_byte_budget(demo):
    doc, site, _county = registered(demo)
    html = doc.get(PAGE, query_string={"q": "医院"}).get_data()
    css_url = re.search(r'href="(/static/portal\.[0-9a-f]{10}\.css)"', html.decode()).group(1)
    with doc.client.get(css_url) as r:
        css = r.get_data()
    assert len(gzip.compress(html)) + len(gzip.compress(css)) <= 14 * 1024
    doc.htmx = True
    partial = file(doc, institution_id(demo, "hubei", SITE)).get_data()
    assert b"<html" not in partial and len(gzip.compress(partial)) <= 4 * 1024
    [f] = filings(demo)
    site.page(QUEUE)
    site.htmx = True
    row = site.post(f"/hubei/institution/filings/{f.id}/confirm").get_data()
    assert b"<html" not in row and len(gzip.compress(row)) <= 4 * 1024


def test_D19_queue_statements_do_not_grow_with_the_filings(demo):
    """P5: doctor, registration and main institution come with the queue's query."""
    doc, site, _county = registered(demo)
    filed(demo, doc)
    one = statements(demo, site.client, QUEUE)
    other, _site, _county = registered(demo, form=AYI, scope="tcm")
    filed(demo, other)
    page = site.page(QUEUE).get_data(as_text=True)
    assert len(re.findall(r'<article class="card" id="filing-\d+"', page)) == 2
    assert statements(demo, site.client, QUEUE) == one
