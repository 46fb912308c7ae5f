"""The province administrator's CSV import (A2) as a browser drives it: files, upload,
confirmation, and the records it wrote."""

from __future__ import annotations

import io
import re

from devdata.demo import DEMO_PASSWORD, demo_totp_secret
from portal.accounts.models import Role, User
from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.registry.records import Qualification
from tests.support.db import in_tenant
from tests.support.http import Browser, redirected_to, staff_login
from tests.support.journey import resident_id

HEADER_Q = "姓名,身份证号,证书编号,级别,类别,乡村全科,仅通知书,取得日期"
HEADER_P = "姓名,身份证号,证书编号,执业机构,执业范围,注册日期,机构代码,医师级别"
ZHOU = ("周新民", resident_id("42052519860412123"))
WU = ("吴静", resident_id("42010619910823234"))
GULI = ("古丽·艾力", resident_id("42011119930101345"))
LINES_Q = [
    f"{ZHOU[0]},{ZHOU[1]},H2020420000101,执业医师,临床,否,否,2020-09-01",
    f"{WU[0]},{WU[1]},H2021420000102,执业助理医师,临床,是,否,2021/9/1",
    f"{GULI[0]},{GULI[1]},N2026420000103,执业医师,中医,否,是,2026年8月20日",
]


def csv_of(lines, header=HEADER_Q, encoding="utf-8") -> bytes:
    return ("\r\n".join([header, *lines]) + "\r\n").encode(encoding)


def admin_login(app, username: str = "hb-admin") -> Browser:
    """A province administrator (Role.ADMIN), with password and TOTP like every staff account."""
    tenant = "guangdong" if username.startswith("gd-") else "hubei"
    with in_tenant(app, tenant):
        if db.session.execute(db.select(User.id).filter_by(username=username)).first() is None:
            db.session.add(
                User(
                    username=username,
                    password_hash=hash_password(DEMO_PASSWORD),
                    role=Role.ADMIN,
                    real_name="演示管理员",
                    totp_secret=demo_totp_secret(username),
                    phone="",
                    email=f"{username}@example.invalid",
                )
            )
            db.session.commit()
    b = staff_login(app, username, tenant=tenant)
    b.client.set_cookie("lang", "en")  # the messages below are asserted in English
    return b


def upload(
    b: Browser,
    content: bytes,
    kind: str = "qualifications",
    name: str = "records.csv",
    tenant: str = "hubei",
):
    b.page(f"/{tenant}/admin/imports")
    return b.post(
        f"/{tenant}/admin/imports/{kind}",
        {"file": (io.BytesIO(content), name, "text/csv")},
        content_type="multipart/form-data",
    )


def confirm(b: Browser, batch_url: str):
    page = b.page(batch_url).get_data(as_text=True)
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', page).group(1)
    return b.post(batch_url + "/confirm", {"sha256": sha})


def imported(app, b: Browser, content: bytes, kind: str = "qualifications") -> str:
    batch_url = redirected_to(upload(b, content, kind))
    assert re.fullmatch(r"/hubei/admin/imports/batches/\d+", batch_url), batch_url
    assert redirected_to(confirm(b, batch_url)) == batch_url
    return batch_url


def errors_of(response) -> list[tuple[str, str, str]]:
    """The rows of the line-by-line report: (line, column, message)."""
    return re.findall(
        r"<tr><td>(\d+)</td><td>([^<]*)</td><td>([^<]*)</td></tr>", response.get_data(as_text=True)
    )


def qualifications(app, tenant: str = "hubei") -> dict[str, Qualification]:
    with in_tenant(app, tenant):
        rows = db.session.execute(db.select(Qualification)).scalars().all()
        db.session.expunge_all()
        return {q.certificate_no: q for q in rows}
