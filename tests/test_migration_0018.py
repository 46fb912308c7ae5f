"""Migration 0018 (A1, A3): identity cases opened before it get their region: the county of the
institution the doctor named, else the county (or city) of the ID number's area code, else none
(the province's officers only). On SQLite and, with TEST_DATABASE_URL, on PostgreSQL."""

from __future__ import annotations

from datetime import datetime

import pytest
from flask_migrate import downgrade, upgrade
from sqlalchemy import text

from portal.extensions import db
from tests.support.migrations import migration_app, sqlite_url, table_as_migrated

NOW = datetime(2026, 1, 5, 8, 0)

pytestmark = pytest.mark.usefixtures("keep_logging")


def _insert(conn, table: str, **values) -> int:
    return conn.execute(
        table_as_migrated(conn, table).insert().values(**values)
    ).inserted_primary_key[0]


def _user(
    conn, tenant_id: int, username: str, id_number: str, institution_id: int | None = None
) -> int:
    return _insert(
        conn,
        "user_account",
        tenant_id=tenant_id,
        username=username,
        password_hash="x",
        role="doctor",
        real_name="测试",
        id_number=id_number,
        institution_id=institution_id,
        created_at=NOW,
    )


def _check_backfill(url: str) -> None:
    app = migration_app(url)
    try:
        with app.app_context():
            upgrade(revision="0018")
            downgrade(revision="0018-1")  # the schema just before: identity_case without region_id
            with db.engine.begin() as conn:
                hubei = _insert(conn, "tenant", slug="hubei", name="湖北省", created_at=NOW)
                other = _insert(conn, "tenant", slug="hunan", name="湖南省", created_at=NOW)
                yichang = _insert(
                    conn, "region", tenant_id=hubei, code="420500", name="宜昌市", level="city"
                )
                yuanan = _insert(
                    conn,
                    "region",
                    tenant_id=hubei,
                    code="420525",
                    name="远安县",
                    level="county",
                    parent_id=yichang,
                )
                wuhan = _insert(
                    conn, "region", tenant_id=hubei, code="420100", name="武汉市", level="city"
                )
                wuchang = _insert(
                    conn,
                    "region",
                    tenant_id=hubei,
                    code="420106",
                    name="武昌区",
                    level="county",
                    parent_id=wuhan,
                )
                # the same code in another tenant must not be picked
                _insert(conn, "region", tenant_id=other, code="420525", name="别处", level="county")
                hospital = _insert(
                    conn,
                    "institution",
                    tenant_id=hubei,
                    name="武昌医院",
                    licence_no="L1",
                    level="tertiary",
                    county_id=wuchang,
                    created_at=NOW,
                )
                users = {
                    "county": _user(conn, hubei, "a", "420525199001011230"),  # 远安县
                    "city": _user(
                        conn, hubei, "b", "420506199001011230"
                    ),  # 夷陵区, unlisted: 宜昌市
                    "none": _user(conn, hubei, "c", "110101199001011230"),  # 北京: the province
                    "named": _user(
                        conn, hubei, "d", "420525199001011231", hospital
                    ),  # named a 武昌区 hospital
                }
                cases = {}
                for key, user_id in users.items():
                    cases[key] = conn.execute(
                        text(
                            "INSERT INTO identity_case (tenant_id, user_id, status, opened_at, note) "
                            "VALUES (:t, :u, 'open', :now, '') RETURNING id"
                        ),
                        {"t": hubei, "u": user_id, "now": NOW},
                    ).scalar_one()
            upgrade(revision="0018")
            with db.engine.connect() as conn:
                found = dict(conn.execute(text("SELECT id, region_id FROM identity_case")).all())
            assert {key: found[case_id] for key, case_id in cases.items()} == {
                "county": yuanan,
                "city": yichang,
                "none": None,
                "named": wuchang,
            }
            downgrade(revision="0018-1")
            upgrade()
    finally:
        with app.app_context():
            db.engine.dispose()


def test_0018_backfills_the_region_of_identity_cases_sqlite(tmp_path):
    _check_backfill(sqlite_url(tmp_path))


def test_0018_backfills_the_region_of_identity_cases_postgresql(postgres_url):  # noqa: F811
    _check_backfill(postgres_url)
