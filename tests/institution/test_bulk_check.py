"""The bulk check (V4) through HTTP: institution staff upload 10,000 certificate numbers (UTF-8
or GBK) and get each one's state in the page, as the htmx partial and as CSV, looked up in a
bounded number of statements; bad files are refused with a clear message and a 4xx."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from sqlalchemy import event

from portal.columns import local_today
from portal.extensions import db
from portal.rules.registration import valid_until
from portal.workflow.models import AuditLog
from tests.support.db import in_tenant
from tests.support.http import staff_login
from tests.support.registrations import LI_NO, add_li, many_registrations

pytestmark = pytest.mark.usefixtures("beijing_noon")

URL = "/hubei/institution/bulk-check"
HB_NO = LI_NO


@pytest.fixture
def li(demo):
    return add_li(demo)


def upload(b, raw: bytes, answer: str = "page", name: str = "numbers.csv", **kw):
    b.page(URL)
    r = b.post(URL, {"file": (io.BytesIO(raw), name), "answer": answer}, **kw)
    r.get_data()
    r.request.environ["wsgi.input"].close()  # a large body the test client spooled to a file
    return r


def csv_rows(response) -> list[list[str]]:
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")  # for Excel
    return list(csv.reader(io.StringIO(text[1:])))


def bulk_audits(app) -> list[AuditLog]:
    with in_tenant(app, "hubei"):
        rows = (
            db.session.execute(db.select(AuditLog).filter_by(action="bulk_check")).scalars().all()
        )
        db.session.expunge_all()
        return rows


@pytest.mark.parametrize("encoding", ["utf-8-sig", "gbk"])
def test_ten_thousand_numbers_in_mixed_states(demo, li, encoding):
    states = {}
    for i in range(7500):
        states[f"1142052501{i:05d}"] = ("registered", "lapsed", "cancelled")[i % 3]
    many_registrations(demo, "hubei", li, states)
    unknown = [f"1142052599{i:05d}" for i in range(2499)]
    numbers = [HB_NO, *states, *unknown]
    assert len(numbers) == 10_000
    body = "证书编码,姓名,科室\r\n" + "".join(f"{n},张三,内科\r\n" for n in numbers)
    staff = staff_login(demo, "hb-county-staff")

    count = 0

    def counter(*args):
        nonlocal count
        count += 1

    with demo.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", counter)
    try:
        r = upload(staff, body.encode(encoding), answer="csv")
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert "attachment" in r.headers["Content-Disposition"]
    # batched: 500 numbers per query (and one more for cancellation days), not one per line
    assert count < 80, count
    rows = csv_rows(r)
    assert rows[0] == ["行", "执业证书编码", "状态", "日期", "备注"]
    assert len(rows) == 10_001
    by_number = {row[1]: row for row in rows[1:]}
    in_force_until = valid_until(local_today() - timedelta(days=30), 2).isoformat()
    assert by_number[HB_NO][2:4] == ["注册有效", in_force_until]
    assert by_number[HB_NO][0] == "2"  # the line in the file (the header is line 1)
    lapsed_until = valid_until(local_today() - timedelta(days=3000), 2).isoformat()
    counts = {}
    for number, state in states.items():
        row = by_number[number]
        counts[row[2]] = counts.get(row[2], 0) + 1
        expected = {
            "registered": ["注册有效", in_force_until],
            "lapsed": ["已过有效期", lapsed_until],
            "cancelled": ["已注销", "2026-01-05"],
        }[state]
        assert row[2:4] == expected, (number, state, row)
    assert counts == {"注册有效": 2500, "已过有效期": 2500, "已注销": 2500}
    assert all(by_number[n][2:4] == ["本省注册库中无此编码", ""] for n in unknown)
    # audited: the count, not the list
    [audit] = bulk_audits(demo)
    assert audit.after["numbers"] == 10_000 and audit.after["unknown"] == 2499
    assert HB_NO not in str(audit.after) + str(audit.before) + audit.note


@pytest.mark.parametrize("htmx", [False, True], ids=["plain", "htmx"])
def test_the_answer_in_the_page(demo, li, htmx):
    staff = staff_login(demo, "hb-county-staff", htmx=htmx)
    # no header; full-width digits and spaces between groups read as ASCII; Excel's 1.14E+14
    raw = (
        f"{HB_NO}\n１１４２０５２５００００００２\n1142 0525 0000 003\n1.14205E+14\n王芳\n\n"
    ).encode()
    r = upload(staff, raw)
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert ("<html" in page) is not htmx
    assert 'id="bulk-result"' in page
    assert "注册有效：1" in page and "本省注册库中无此编码：2" in page and "不是证书编码：2" in page
    assert "114205250000002" in page and "114205250000003" in page
    assert "李明华" not in page  # the answer is the state, as asked; no name is added
    assert len(bulk_audits(demo)) == 1


@pytest.mark.parametrize(
    ("raw", "status", "message"),
    [
        (b"", 422, "文件是空的"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", 422, "二进制"),
        ("证书编码\n114205250000001\n".encode("utf-16"), 422, "UTF-16"),
        ("姓名\n张三\n李四\n".encode("gbk"), 422, "文件中没有证书编码"),
        (
            ("\n".join(["证书编码"] + [str(10**14 + i) for i in range(10_001)])).encode(),
            422,
            "超过 10000 个",
        ),
        (b"114205250000001," + b"x" * (2 * 1024 * 1024), 413, "文件超过 2 MB"),
    ],
    ids=["empty", "binary", "utf16", "no-numbers", "too-many-rows", "too-big"],
)
def test_bad_files_are_refused_clearly(demo, li, raw, status, message):
    staff = staff_login(demo, "hb-county-staff")
    r = upload(staff, raw)
    assert r.status_code == status
    page = r.get_data(as_text=True)
    assert message in page and 'role="alert"' in page
    assert 'name="file"' in page  # the form stays for the next file
    assert bulk_audits(demo) == []


def test_no_file_and_a_file_above_the_upload_limit(demo, li):
    staff = staff_login(demo, "hb-county-staff")
    staff.page(URL)
    r = staff.post(URL, {"answer": "page"})
    assert r.status_code == 422 and "请选择一个列有证书编码的 CSV 文件" in r.get_data(as_text=True)
    r = upload(staff, b"1" * (7 * 1024 * 1024))
    assert r.status_code == 413
    assert bulk_audits(demo) == []


def test_another_provinces_numbers_are_unknown(demo, li):
    gd = staff_login(demo, "gd-county-staff")
    gd.page("/guangdong/institution/bulk-check")
    r = gd.post(
        "/guangdong/institution/bulk-check",
        {"file": (io.BytesIO(f"{HB_NO}\n".encode()), "n.csv"), "answer": "csv"},
    )
    assert csv_rows(r)[1][1:4] == [HB_NO, "本省注册库中无此编码", ""]


def test_english_csv(demo, li):
    staff = staff_login(demo, "hb-county-staff")
    staff.client.set_cookie("lang", "en")
    rows = csv_rows(upload(staff, f"{HB_NO}\n".encode(), answer="csv"))
    assert rows[0] == ["Line", "Certificate number", "State", "Date", "Note"]
    assert rows[1][2] == "In force" and date.fromisoformat(rows[1][3]) > local_today()


@pytest.mark.parametrize(
    "header", ["姓名,执业证书编码,科室", "name,certificate number,department"], ids=["zh", "en"]
)
def test_the_number_column_is_found_by_its_header(demo, li, header):
    staff = staff_login(demo, "hb-county-staff")
    raw = f"{header}\n李明华,{HB_NO},内科\n张三,114205259999999,外科\n".encode("gbk")
    rows = csv_rows(upload(staff, raw, answer="csv"))
    assert [r[:3] for r in rows[1:]] == [
        ["2", HB_NO, "注册有效"],
        ["3", "114205259999999", "本省注册库中无此编码"],
    ]


def test_a_file_too_big_is_told_in_the_htmx_partial_too(demo, li):
    staff = staff_login(demo, "hb-county-staff", htmx=True)
    r = upload(staff, b"114205250000001," + b"x" * (2 * 1024 * 1024))
    assert r.status_code == 422  # swapped in by htmx, where a 413 would not be
    page = r.get_data(as_text=True)
    assert "文件超过 2 MB" in page and "<html" not in page
