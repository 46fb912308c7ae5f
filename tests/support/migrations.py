"""Migrations tried on a database of their own (SQLite file, or a PostgreSQL database made
and dropped by the ``postgres_url`` fixture): an app on that database, without its tables."""

from __future__ import annotations

from portal import create_app


def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"


def migration_app(url: str):
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})
