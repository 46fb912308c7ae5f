"""The notification worker runs as a process of its own (``flask notify work``); on SIGTERM
(a deploy, a shutdown) it finishes the message in hand, records it, and exits 0 promptly,
leaving the rest for the next worker."""

from __future__ import annotations

import signal

from portal.extensions import db
from portal.notify.models import OutboxMessage
from portal.notify.services import queue
from portal.notify.sms import sms
from tests.support.cluster import base_env, worker
from tests.support.db import in_tenant


def test_sigterm_finishes_the_message_in_hand_and_exits(demo, sms_server, tmp_path):
    with in_tenant(demo, "hubei"):
        messages = [queue("sms", f"1390000010{i}", sms("codes_unlocked")) for i in range(3)]
        db.session.commit()
        ids = [m.id for m in messages]
    sms_server.delay = 1.5  # the provider is slow: SIGTERM arrives while the first is in hand
    env = base_env(
        PORTAL_CONFIG="testing",
        TEST_DATABASE_URL=demo.config["SQLALCHEMY_DATABASE_URI"],
        SMS_GATEWAY="http",
        SMS_GATEWAY_URL=sms_server.url,
        SMS_GATEWAY_USER=sms_server.user,
        SMS_GATEWAY_PASSWORD=sms_server.password,
    )
    process = worker(env, tmp_path / "worker.log")
    try:
        assert sms_server.started.wait(30), process.output()
        process.proc.send_signal(signal.SIGTERM)
        assert process.proc.wait(10) == 0, process.output()
    finally:
        process.stop()
    assert len(sms_server.requests) == 1
    with in_tenant(demo, "hubei"):
        rows = {m.id: m for m in db.session.execute(db.select(OutboxMessage)).scalars()}
        assert rows[ids[0]].sent_at is not None  # finished, and recorded as sent
        assert [rows[i].sent_at for i in ids[1:]] == [None, None]  # left for the next worker
        assert [rows[i].attempts for i in ids[1:]] == [0, 0]
