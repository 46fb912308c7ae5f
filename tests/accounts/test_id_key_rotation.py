"""Issue 14: ``flask accounts rotate-id-key`` re-encrypts every resident ID number under the
first key of ID_ENCRYPTION_KEYS and indexes it again with ID_INDEX_KEY; after it, the old keys
can go and the lookups by ID number still work."""

from __future__ import annotations

import secrets

from cryptography.fernet import Fernet

from devdata.demo import TENANTS
from portal.extensions import db
from portal.registry.records import Qualification
from tests.support.db import in_tenant, owner_connection

HUBEI = next(spec for spec in TENANTS if spec["slug"] == "hubei")
NAME, NUMBER = HUBEI["doctors"][0][:2]


def _tokens(app) -> dict:
    with app.app_context(), owner_connection(app) as conn:
        return dict(
            conn.execute(db.text("SELECT id, id_number_encrypted FROM qualification")).all()
        )


def _found(app) -> list[tuple[str, str]]:
    with in_tenant(app, "hubei"):
        found = db.session.execute(
            db.select(Qualification).where(Qualification.id_number == NUMBER)
        ).scalars()
        return [(q.name, q.id_number) for q in found]


def _rotate(app) -> str:
    result = app.test_cli_runner().invoke(args=["accounts", "rotate-id-key"])
    assert result.exit_code == 0, result.output
    return result.output


def test_rotation_lets_the_old_keys_go(demo):
    app = demo
    kept = app.config["ID_ENCRYPTION_KEYS"], app.config["ID_INDEX_KEY"]
    before = _tokens(app)
    new_key, new_index = Fernet.generate_key().decode(), secrets.token_hex(32)
    try:
        app.config["ID_ENCRYPTION_KEYS"] = [new_key, *kept[0]]
        app.config["ID_INDEX_KEY"] = new_index
        assert _found(app) == []  # the index is keyed: the new key finds nothing yet
        out = _rotate(app)
        assert "rewrote" in out and int(out.split()[1]) >= len(before)
        after = _tokens(app)
        assert set(after) == set(before) and all(after[i] != before[i] for i in before)
        assert all(Fernet(new_key).decrypt(t.encode()) for t in after.values())
        app.config["ID_ENCRYPTION_KEYS"] = [new_key]  # the old key dropped
        assert _found(app) == [(NAME, NUMBER)]
        assert "rewrote 0 " in _rotate(app)  # run again: nothing left to do
    finally:
        app.config["ID_ENCRYPTION_KEYS"], app.config["ID_INDEX_KEY"] = kept
