"""SEC2 across processes: two separate app processes on the same database, racing as one
doctor, cannot together exceed 5 wrong tries per code nor 5 sends per hour (nor the resend
cool-down); nor can two accounts that share one phone number; a new code does not reset the
consecutive failures; 10 in a row lock code entry, and an officer unlocks it from the admin
end (audited, the doctor told). The send races are forced into their worst interleaving
(tests/support/racer.py), so a missing lock fails them every time."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func, update

from portal.accounts.models import CodePurpose, OneTimeCode, User
from portal.columns import utcnow
from portal.extensions import db
from portal.workflow.models import AuditLog
from tests.support import figures
from tests.support.db import in_tenant
from tests.support.http import redirected_to, staff_login
from tests.support.journey import doctor_form, last_otp, messages_to, walk_doctor

DOCTOR = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")
ROOT = Path(__file__).resolve().parents[2]


def race(
    app, b, url: str, data: dict, each: int, processes: int = 2, *, forced: bool = False
) -> list[int]:
    """``processes`` app processes post ``data`` to ``url`` ``each`` times at the same moment,
    as the user of ``b`` (or each as the user of its own browser, ``b`` a list). ``forced``:
    on their first send they wait for each other after counting the sends and before writing
    the code (tests/support/racer.py), so a missing lock is caught every time, not by luck."""
    browsers = b if isinstance(b, list) else [b] * processes
    start = time.time() + 4  # each process first builds its app
    with tempfile.TemporaryDirectory(prefix="race-") as barrier:
        procs = [
            subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "tests.support.racer",
                    app.config["SQLALCHEMY_DATABASE_URI"],
                    browser.client.get_cookie("session").value,
                    browser.token,
                    url,
                    json.dumps(data),
                    str(each),
                    str(start),
                    *((barrier, str(i), str(len(browsers))) if forced else ()),
                ],
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                env={**os.environ},
            )
            for i, browser in enumerate(browsers)
        ]
        statuses = []
        for p in procs:
            out, err = p.communicate(timeout=180)
            assert p.returncode == 0, err[-2000:]
            statuses += json.loads(out.strip().splitlines()[-1])
    figures.add("cross-process races run")
    figures.add("requests raced across processes", len(statuses))
    return statuses


def _doctor(app) -> User:
    return db.session.execute(db.select(User).filter_by(username=DOCTOR["username"])).scalar_one()


def _codes(app) -> list[OneTimeCode]:
    return list(db.session.execute(db.select(OneTimeCode).order_by(OneTimeCode.id)).scalars())


def test_code_limits_hold_across_processes_and_an_officer_unlocks(demo):
    b = walk_doctor(demo, "hubei", DOCTOR, until="signed_up").browser
    b.page("/hubei/me/verify")
    assert b.post("/hubei/me/verify/send", {"channel": "sms"}).status_code == 200
    code = last_otp(demo, DOCTOR["phone"])
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    b.page("/hubei/me/verify")

    # 8 wrong tries at once from two processes: the code takes 5, the account counts all 8
    statuses = race(demo, b, "/hubei/me/verify/check", {"channel": "sms", "code": wrong}, each=4)
    assert statuses == [422] * 8
    with in_tenant(demo, "hubei"):
        assert [c.attempts for c in _codes(demo)] == [5]
        assert _doctor(demo).code_failures == 8
    r = b.post("/hubei/me/verify/check", {"channel": "sms", "code": code})
    assert r.status_code == 422  # the right code is dead after 5 wrong tries

    # sends: 4 in the last hour already, the cool-down over; two processes ask 3 times each
    with in_tenant(demo, "hubei") as tenant:
        doctor = _doctor(demo)
        db.session.execute(update(OneTimeCode).values(created_at=utcnow() - timedelta(minutes=2)))
        for minutes in (10, 20, 30):
            db.session.add(
                OneTimeCode(
                    tenant_id=tenant.id,
                    user_id=doctor.id,
                    purpose=CodePurpose.VERIFY_PHONE,
                    channel="sms",
                    destination=DOCTOR["phone"],
                    code_hash="x",
                    created_at=utcnow() - timedelta(minutes=minutes),
                    expires_at=utcnow(),
                )
            )
        db.session.commit()
    b.page("/hubei/me/verify")
    statuses = race(demo, b, "/hubei/me/verify/send", {"channel": "sms"}, each=3, forced=True)
    assert sorted(statuses) == [200] + [429] * 5, statuses
    with in_tenant(demo, "hubei"):
        last_hour = db.session.execute(
            db.select(func.count(OneTimeCode.id)).where(
                OneTimeCode.destination == DOCTOR["phone"],
                OneTimeCode.created_at > utcnow() - timedelta(hours=1),
            )
        ).scalar()
        assert last_hour == 5
        assert _doctor(demo).code_failures == 8  # a new code does not reset the count

    # two more wrong codes: 10 in a row lock code entry, even the right code
    new_code = last_otp(demo, DOCTOR["phone"])
    b.page("/hubei/me/verify")
    for _ in range(2):
        r = b.post(
            "/hubei/me/verify/check",
            {"channel": "sms", "code": f"{(int(new_code) + 1) % 10**6:06d}"},
        )
        assert r.status_code == 422
    assert b.post("/hubei/me/verify/check", {"channel": "sms", "code": new_code}).status_code == 422
    with in_tenant(demo, "hubei"):
        assert _doctor(demo).code_locked_until > utcnow() + timedelta(minutes=55)

    # the officer sees the lock and ends it; the doctor is told; the right code then works
    officer = staff_login(demo, "hb-officer")
    page = officer.page("/hubei/admin/accounts/locked").get_data(as_text=True)
    assert DOCTOR["real_name"] in page and DOCTOR["id_number"] not in page
    with in_tenant(demo, "hubei"):
        doctor_id = _doctor(demo).id
    redirected_to(officer.post(f"/hubei/admin/accounts/{doctor_id}/unlock"))
    assert (
        "unlocked" in messages_to(demo, DOCTOR["phone"])[-1]
        or "解" in messages_to(demo, DOCTOR["phone"])[-1]
    )
    with in_tenant(demo, "hubei"):
        assert db.session.execute(
            db.select(AuditLog).filter_by(action="unlock_codes", entity_id=doctor_id)
        ).scalar_one()
    assert "/hubei/login" not in officer.page("/hubei/admin/accounts/locked").get_data(as_text=True)
    b.page("/hubei/me/verify")
    assert redirected_to(
        b.post("/hubei/me/verify/check", {"channel": "sms", "code": new_code})
    ).endswith("/me/activate")
    assert (
        officer.post(f"/hubei/admin/accounts/{doctor_id}/unlock").status_code == 409
    )  # not locked any more


def _sent_in_the_last_hour(app, phone: str) -> int:
    with in_tenant(app, "hubei"):
        return db.session.execute(
            db.select(func.count(OneTimeCode.id)).where(
                OneTimeCode.destination == phone,
                OneTimeCode.created_at > utcnow() - timedelta(hours=1),
            )
        ).scalar()


def test_two_accounts_of_one_phone_cannot_together_exceed_its_send_limits(demo):
    """SEC2 "5 sends per hour per phone" across accounts and processes: two doctors signed up
    with the same mobile number (anyone may type any number) ask for a code at the same moment
    on two app processes, 4 codes already sent to it this hour. The two requests lock different
    user rows; only the lock on the destination (``codes._one_sender_at_a_time``: an advisory
    lock on PostgreSQL; on SQLite the database's write lock, taken by ``issue``'s first write)
    makes the second count the first one's code. Forced interleaving: each process waits for
    the other after counting and before writing its code, so without that lock both count 4
    and both send, every time (with it, the second waits for the lock before counting)."""
    phone = DOCTOR["phone"]
    first = walk_doctor(demo, "hubei", DOCTOR, until="signed_up").browser
    second = walk_doctor(
        demo,
        "hubei",
        doctor_form("王芳", "420106199205142348", phone, "wangfang"),
        until="signed_up",
    ).browser
    with in_tenant(demo, "hubei") as tenant:
        doctor = _doctor(demo)
        for minutes in (10, 20, 30, 40):  # the cool-down is over, the hourly cap one send away
            db.session.add(
                OneTimeCode(
                    tenant_id=tenant.id,
                    user_id=doctor.id,
                    purpose=CodePurpose.VERIFY_PHONE,
                    channel="sms",
                    destination=phone,
                    code_hash="x",
                    created_at=utcnow() - timedelta(minutes=minutes),
                    expires_at=utcnow(),
                )
            )
        db.session.commit()
    messages = len(messages_to(demo, phone))
    for b in (first, second):
        b.page("/hubei/me/verify")

    statuses = race(
        demo, [first, second], "/hubei/me/verify/send", {"channel": "sms"}, each=1, forced=True
    )

    assert sorted(statuses) == [200, 429], statuses
    assert _sent_in_the_last_hour(demo, phone) == 5
    assert len(messages_to(demo, phone)) == messages + 1  # one text message, not two
