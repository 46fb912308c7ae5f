"""A2, Q1, Q2 (issue 4): the province administrator imports qualification records and practice
records made before the portal from CSV (UTF-8 or GBK), sees a preview with a line-by-line
error report, and confirms; nothing is written unless the whole file is valid, and the same
file imported again changes nothing."""

from __future__ import annotations

import io
import re

import pytest

from portal.accounts.models import User
from portal.extensions import db
from portal.registry.records import IdentityCase, ImportBatch, PracticeRecord
from portal.workflow.models import AuditLog
from tests.support.db import in_tenant, unchanged
from tests.support.http import Browser, redirected_to, staff_login
from tests.support.imports import (
    HEADER_P,
    HEADER_Q,
    LINES_Q,
    WU,
    ZHOU,
    admin_login,
    confirm,
    csv_of,
    errors_of,
    imported,
    qualifications,
    upload,
)
from tests.support.journey import doctor_form, sign_up

# ---- the import, in each encoding -----------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk"])
def test_A2_preview_writes_nothing_confirm_writes_every_record(demo, encoding):
    b = admin_login(demo)
    before = qualifications(demo)
    with in_tenant(demo, "hubei"):
        audits = db.session.execute(db.select(db.func.count(AuditLog.id))).scalar()
    r = upload(b, csv_of(LINES_Q, encoding=encoding))
    batch_url = redirected_to(r)
    page = b.page(batch_url).get_data(as_text=True)
    assert "New records</dt><dd>3<" in page and "Lines with errors</dt><dd>0<" in page
    assert (
        "周新民" in page and ZHOU[1] not in page and ZHOU[1][:3] + "*" * 11 + ZHOU[1][-4:] in page
    )  # SEC5
    assert set(qualifications(demo)) == set(before)  # the preview wrote no record
    redirected_to(confirm(b, batch_url))
    after = qualifications(demo)
    assert set(after) - set(before) == {"H2020420000101", "H2021420000102", "N2026420000103"}
    wu, guli = after["H2021420000102"], after["N2026420000103"]
    assert (
        wu.name,
        wu.id_number,
        wu.level.value,
        wu.category.value,
        wu.rural_general,
        wu.is_notice,
        wu.obtained_on.isoformat(),
    ) == ("吴静", WU[1], "assistant", "clinical", True, False, "2021-09-01")
    assert (guli.name, guli.category.value, guli.is_notice, guli.obtained_on.isoformat()) == (
        "古丽·艾力",
        "tcm",
        True,
        "2026-08-20",
    )
    page = b.page(batch_url).get_data(as_text=True)
    assert "Imported: 3 new records; 0 were already recorded." in page and "hb-admin" in page
    with in_tenant(demo, "hubei"):
        audit = db.session.execute(
            db.select(AuditLog).filter_by(entity="import", action="import")
        ).scalar_one()
        assert audit.after["new"] == 3 and audit.after["kind"] == "qualifications"
        assert (
            db.session.execute(db.select(db.func.count(AuditLog.id))).scalar() == audits + 2
        )  # staged, imported


def test_A2_english_headers_and_values(demo):
    b = admin_login(demo)
    header = "name,id_number,certificate_no,level,category,rural_general,is_notice,obtained_on"
    imported(
        demo,
        b,
        csv_of(
            [f"{ZHOU[0]},{ZHOU[1]},h2020420000101,practitioner,clinical,no,no,2020-09-01"], header
        ),
    )
    assert qualifications(demo)["H2020420000101"].level.value == "practitioner"


def test_A2_template_is_utf8_with_bom_in_chinese(demo):
    b = admin_login(demo)
    r = b.page("/hubei/admin/imports/qualifications/template.csv")
    assert (
        r.status_code == 200
        and r.mimetype == "text/csv"
        and "attachment" in r.headers["Content-Disposition"]
    )
    assert r.data.startswith(b"\xef\xbb\xbf") and r.data.decode("utf-8-sig").strip() == HEADER_Q
    r = b.page("/hubei/admin/imports/practice-records/template.csv")
    assert r.data.decode("utf-8-sig").strip() == HEADER_P
    assert b.page("/hubei/admin/imports/other/template.csv").status_code == 404


# ---- nothing half-imported --------------------------------------------------------------------


def test_A2_one_bad_line_writes_nothing_and_the_report_names_line_column_and_problem(demo):
    b = admin_login(demo)
    bad_id = ZHOU[1][:-1] + ("0" if ZHOU[1][-1] != "0" else "1")
    lines = [
        LINES_Q[1],
        LINES_Q[2].replace("2026年8月20日", "2026-02-30"),
        LINES_Q[0].replace(ZHOU[1], bad_id),
    ]
    with unchanged(demo):
        r = upload(b, csv_of(lines, encoding="gbk"))
        assert r.status_code == 422
    assert errors_of(r) == [
        ("3", "取得日期", "Write the date as 2024-09-01."),
        ("4", "身份证号", "This ID number is not valid: its check digit does not match."),
    ]
    page = r.get_data(as_text=True)
    assert "Nothing was written" in page and "confirm" not in page


def test_A2_a_number_recorded_with_other_values_is_a_conflict(demo):
    b = admin_login(demo)
    # 李明华's demo record H2025420000001 was obtained on 2025-07-01
    line = "李明华,420525198803121236,H2025420000001,执业医师,临床,否,否,2025-07-02"
    with unchanged(demo):
        r = upload(b, csv_of([LINES_Q[0], line]))
    assert r.status_code == 422
    assert errors_of(r) == [
        (
            "3",
            "证书编号",
            "This certificate number is already recorded with other values (取得日期). "
            "The import does not overwrite records: correct the line, or remove it.",
        )
    ]
    assert qualifications(demo)["H2025420000001"].obtained_on.isoformat() == "2025-07-01"


def test_A2_reimporting_the_same_file_changes_nothing_and_says_so(demo):
    b = admin_login(demo)
    content = csv_of(LINES_Q)
    imported(demo, b, content)
    with unchanged(demo):  # not even a batch is kept
        r = upload(b, content)
        assert r.status_code == 200
        page = r.get_data(as_text=True)
        assert "nothing to import, and nothing was written" in page
        assert "Already recorded, unchanged</dt><dd>3<" in page and 'name="sha256"' not in page
        # the same records in GBK, one already there: only the new one would be written
        r = upload(
            b,
            csv_of(
                [
                    LINES_Q[0],
                    "李明华,420525198803121236,H2025420000001,执业医师,临床,否,否,2025-07-01",
                ],
                encoding="gbk",
            ),
        )
        assert r.status_code == 200 and "nothing was written" in r.get_data(as_text=True)


def test_A2_confirming_twice_or_after_the_records_changed_writes_nothing(demo):
    b = admin_login(demo)
    batch_url = redirected_to(upload(b, csv_of(LINES_Q)))
    page = b.page(batch_url).get_data(as_text=True)
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', page).group(1)
    # meanwhile, another file gives 周新民's certificate number another date
    other = redirected_to(upload(b, csv_of([LINES_Q[0].replace("2020-09-01", "2020-09-02")])))
    redirected_to(confirm(b, other))
    with unchanged(demo):
        r = b.post(batch_url + "/confirm", {"sha256": sha})
        assert r.status_code == 409
        assert "The records changed since the preview. Nothing was written." in r.get_data(
            as_text=True
        )
        assert errors_of(r)[0][:2] == ("2", "证书编号")
    # the uploader removes the line and imports the rest; confirming that batch again changes nothing
    fixed = redirected_to(upload(b, csv_of(LINES_Q[1:])))
    redirected_to(confirm(b, fixed))
    b.page(fixed)
    with unchanged(demo):
        r = b.post(fixed + "/confirm", {"sha256": sha})
        assert r.status_code == 409 and "already imported" in r.get_data(as_text=True)


def test_A2_the_same_pending_file_uploaded_twice_is_one_batch(demo):
    b = admin_login(demo)
    first = redirected_to(upload(b, csv_of(LINES_Q)))
    with unchanged(demo):
        assert redirected_to(upload(b, csv_of(LINES_Q))) == first


# ---- files that are not what they should be: a message and a 4xx, never a 500 ------------------


@pytest.mark.parametrize(
    ("content", "status", "message"),
    [
        (b"", 422, "Choose the CSV file to import."),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x01\x00",
            422,
            "This is not a CSV text file",
        ),
        (b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00", 422, "This is not a CSV text file"),
        (b"\x80\x81\xff\xfe\x80", 422, "neither UTF-8 nor GBK"),
        ("姓名,证书编号\n李明,H1\n".encode(), 422, "Missing: 身份证号、级别、类别、取得日期"),
        (f"{LINES_Q[0]}\n{LINES_Q[1]}\n".encode(), 422, "The first line must name the columns"),
        (HEADER_Q.encode("utf-8-sig"), 422, "names the columns but has no records"),
        (b"a," * (5 * 1024 * 1024 // 2 + 10), 413, "larger than 5 MB"),
    ],
)
def test_A2_bad_files_get_a_message(demo, content, status, message, monkeypatch):
    monkeypatch.setitem(demo.config, "IMPORT_MAX_BYTES", 5 * 1024 * 1024)
    b = admin_login(demo)
    with unchanged(demo):
        if content:
            r = upload(b, content)
        else:  # no file chosen
            b.page("/hubei/admin/imports")
            r = b.post(
                "/hubei/admin/imports/qualifications", {}, content_type="multipart/form-data"
            )
        assert r.status_code == status
        assert message in r.get_data(as_text=True)
        r.request.environ[
            "wsgi.input"
        ].close()  # a large body the test client spooled to a temporary file


def test_A2_a_request_over_the_servers_limit_is_refused_too(demo, monkeypatch):
    monkeypatch.setitem(demo.config, "IMPORT_MAX_BYTES", 5 * 1024 * 1024)  # and a MB for the form
    b = admin_login(demo)
    with unchanged(demo):
        r = upload(b, b"x" * (7 * 1024 * 1024))
        assert r.status_code == 413 and "too large" in r.get_data(as_text=True)
        r.request.environ[
            "wsgi.input"
        ].close()  # the body the test client spooled to a temporary file


def test_A2_without_csrf_nothing_happens(demo):
    b = admin_login(demo)
    b.page("/hubei/admin/imports")
    with unchanged(demo):
        r = b.client.post(
            "/hubei/admin/imports/qualifications",
            data={"file": (io.BytesIO(csv_of(LINES_Q)), "a.csv")},
            content_type="multipart/form-data",
        )
        assert r.status_code == 400


def test_A2_htmx_upload_answers_with_the_batch_page(demo):
    """Issue 16: one round trip: the batch's page comes in the answer to the upload, and the
    address bar follows it."""
    b = admin_login(demo)
    b.htmx = True
    r = upload(b, csv_of(LINES_Q))
    assert r.status_code == 200 and "/hubei/admin/imports/batches/" in r.headers["HX-Push-Url"]
    assert r.headers["HX-Retarget"] == "body" and "HX-Redirect" not in r.headers
    page = b.page(r.headers["HX-Push-Url"]).get_data(as_text=True)
    heading = re.search(r"<h1[^>]*>.*?</h1>", page, re.S).group(0)
    assert heading in r.get_data(as_text=True)


# ---- Q2: practice records ------------------------------------------------------------------------


def test_Q2_practice_records_scopes_checked_against_the_catalogue_and_the_qualification(demo):
    b = admin_login(demo)
    # 刘建国 holds a clinical qualification (demo): a TCM scope is not his
    lines = [
        f"{ZHOU[0]},{ZHOU[1]},110420525000201,远安县人民医院（演示）,内科专业；全科医学专业,2021-06-01",
        "刘建国,420525198005063211,110420525000202,远安县人民医院（演示）,中医专业,2019-06-01",
        f"{WU[0]},{WU[1]},110420525000203,远安县人民医院（演示）,内科,2019-06-01",
    ]
    with unchanged(demo):
        r = upload(b, csv_of(lines, HEADER_P), "practice-records")
    assert r.status_code == 422
    assert [(line, col) for line, col, _ in errors_of(r)] == [("3", "执业范围"), ("4", "执业范围")]
    imported(demo, b, csv_of(lines[:1], HEADER_P), "practice-records")
    with in_tenant(demo, "hubei"):
        record = db.session.execute(
            db.select(PracticeRecord).filter_by(certificate_no="110420525000201")
        ).scalar_one()
        assert (
            record.scopes == "内科专业、全科医学专业"
            and record.registered_on.isoformat() == "2021-06-01"
        )


# ---- D2: a new sign-up matches an imported record; an earlier one stays with its case (A3) ------


def test_D2_a_new_sign_up_matches_an_imported_record_an_earlier_one_keeps_its_identity_case(demo):
    sign_up(demo, "hubei", doctor_form(ZHOU[0], ZHOU[1], "13800138061", "zhouxinmin"))
    imported(demo, admin_login(demo), csv_of(LINES_Q, encoding="gbk"))
    sign_up(demo, "hubei", doctor_form(WU[0], WU[1], "13800138062", "wujing"))
    with in_tenant(demo, "hubei"):
        zhou = db.session.execute(db.select(User).filter_by(username="zhouxinmin")).scalar_one()
        wu = db.session.execute(db.select(User).filter_by(username="wujing")).scalar_one()
        assert not zhou.identity_verified  # an officer links it (A3): the import does not
        assert (
            db.session.execute(db.select(IdentityCase).filter_by(user_id=zhou.id))
            .scalar_one()
            .status.value
            == "open"
        )
        assert wu.identity_verified and wu.qualification.certificate_no == "H2021420000102"
        assert db.session.execute(db.select(IdentityCase).filter_by(user_id=wu.id)).first() is None


def test_D2_a_sign_up_matching_an_imported_practice_record_is_verified(demo):
    imported(
        demo,
        admin_login(demo),
        csv_of(
            [f"{ZHOU[0]},{ZHOU[1]},110420525000201,远安县人民医院（演示）,内科专业,2021-06-01"],
            HEADER_P,
        ),
        "practice-records",
    )
    sign_up(demo, "hubei", doctor_form(ZHOU[0], ZHOU[1], "13800138061", "zhouxinmin"))
    with in_tenant(demo, "hubei"):
        assert (
            db.session.execute(db.select(User).filter_by(username="zhouxinmin"))
            .scalar_one()
            .identity_verified
        )


# ---- who may import (T3, roles) --------------------------------------------------------------------


def test_A2_another_tenants_administrator_cannot_see_or_confirm_a_batch(demo):
    b = admin_login(demo)
    batch_url = redirected_to(upload(b, csv_of(LINES_Q)))
    batch_id = batch_url.rsplit("/", 1)[1]
    gd = admin_login(demo, "gd-admin")
    gd.page("/guangdong/admin/imports")
    with unchanged(demo):
        assert gd.page(f"/guangdong/admin/imports/batches/{batch_id}").status_code == 404
        assert (
            gd.post(
                f"/guangdong/admin/imports/batches/{batch_id}/confirm", {"sha256": "0" * 64}
            ).status_code
            == 404
        )
        assert "records.csv" not in gd.page("/guangdong/admin/imports").get_data(as_text=True)
        r = gd.client.get(f"/hubei/admin/imports/batches/{batch_id}")  # anonymous in Hubei
        assert r.status_code in (302, 303) and r.headers["Location"].startswith("/hubei/login")
    with in_tenant(demo, "hubei"):
        assert db.session.get(ImportBatch, int(batch_id)).status.value == "pending"


@pytest.mark.parametrize("username", ["hb-officer", "hb-county-staff"])
def test_A2_only_the_province_administrator_imports(demo, username):
    admin = admin_login(demo)
    batch_url = redirected_to(upload(admin, csv_of(LINES_Q)))
    other = staff_login(demo, username)
    home = other.page("/hubei/admin/").get_data(as_text=True)
    assert "/hubei/admin/imports" not in home
    with unchanged(demo):
        for url in (
            "/hubei/admin/imports",
            "/hubei/admin/imports/qualifications/template.csv",
            batch_url,
        ):
            assert other.page(url).status_code == 404, url
        assert (
            other.post(
                "/hubei/admin/imports/qualifications",
                {"file": (io.BytesIO(csv_of(LINES_Q)), "a.csv")},
                content_type="multipart/form-data",
            ).status_code
            == 404
        )
        assert other.post(batch_url + "/confirm", {"sha256": "0" * 64}).status_code == 404
    assert "/hubei/admin/imports" in admin.page("/hubei/admin/").get_data(as_text=True)
    anonymous = Browser(demo.test_client())
    assert anonymous.page("/hubei/admin/imports").status_code in (302, 303)


def test_A2_an_import_may_be_larger_than_the_apps_upload_limit(demo):
    """A province's 200,000 records are about 30 MB: the import's own limit (64 MB), not the
    6 MB of MAX_CONTENT_LENGTH (a photo's), applies to the import's upload only."""
    assert demo.config["MAX_CONTENT_LENGTH"] < 7 * 1024 * 1024
    b = admin_login(demo)
    content = csv_of(LINES_Q[:1]) + b"\r\n" * (7 * 1024 * 1024 // 2)  # blank lines are skipped
    r = upload(b, content)
    assert re.fullmatch(r"/hubei/admin/imports/batches/\d+", redirected_to(r))
    r.request.environ["wsgi.input"].close()
    # a doctor's form is still held to the app's limit
    r = b.client.post("/hubei/me/verify/check", data=b"x" * (7 * 1024 * 1024))
    assert r.status_code == 413
