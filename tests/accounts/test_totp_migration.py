"""Migration 0016 (SEC3, issue 5): a database whose TOTP secrets are in clear (as before it)
gets them encrypted with the first key of TOTP_ENCRYPTION_KEYS and the column widened; the
downgrade decrypts them again. On SQLite and, with TEST_DATABASE_URL, on PostgreSQL, each in a
database of its own."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from config import DEV_TOTP_ENCRYPTION_KEY
from devdata.demo import demo_totp_secret, load_demo
from portal.extensions import db
from tests.support.migrations import migration_app, sqlite_url

DEMO_STAFF = (
    "hb-county-staff",
    "hb-officer",
    "hb-admin",
    "gd-county-staff",
    "gd-officer",
    "gd-admin",
)

pytestmark = pytest.mark.usefixtures("keep_logging")


def _column(app) -> dict[str, str]:
    with app.app_context():
        rows = db.session.execute(
            text("SELECT username, totp_secret FROM user_account WHERE totp_secret IS NOT NULL")
        ).all()
        db.session.rollback()
    return dict(rows)


def _width(app) -> int:
    with app.app_context():
        column = next(
            c for c in inspect(db.engine).get_columns("user_account") if c["name"] == "totp_secret"
        )
    return column["type"].length


def _check(url: str) -> None:
    app = migration_app(url)
    try:
        with app.app_context():
            upgrade()
            load_demo()  # the demo accounts, stored encrypted by today's code
            downgrade(revision="0016")
            downgrade(
                revision="-1"
            )  # before 0016: secrets in clear, as the code of then stored them
        clear = _column(app)
        assert {u: clear[u] for u in DEMO_STAFF} == {u: demo_totp_secret(u) for u in DEMO_STAFF}
        assert len(clear) == 12 and _width(app) == 64

        with app.app_context():
            upgrade()  # 0016 encrypts what it finds in clear
        encrypted = _column(app)
        assert _width(app) == 255 and set(encrypted) == set(clear)
        key = Fernet(DEV_TOTP_ENCRYPTION_KEY)
        for username, value in encrypted.items():
            assert value != clear[username] and clear[username] not in value
            assert key.decrypt(value.encode()).decode() == clear[username]
        with app.app_context():  # and the app reads them
            from portal.accounts.models import User

            user = db.session.execute(
                db.select(User).filter_by(username="hb-officer").execution_options(all_tenants=True)
            ).scalar_one()
            assert user.totp_secret == demo_totp_secret("hb-officer")
    finally:
        with app.app_context():
            db.engine.dispose()


def test_0016_encrypts_and_decrypts_on_sqlite(tmp_path):
    _check(sqlite_url(tmp_path))


def test_0016_encrypts_and_decrypts_on_postgresql(postgres_url):  # noqa: F811
    _check(postgres_url)
