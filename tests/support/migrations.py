"""Migrations tried on a database of their own (SQLite file, or a PostgreSQL database made
and dropped by the ``postgres_url`` fixture): an app on that database, without its tables."""

from __future__ import annotations

from portal import create_app


def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"


def migration_app(url: str):
    return create_app("testing", {"SQLALCHEMY_DATABASE_URI": url})


def table_as_migrated(conn, name: str):
    """Today's model of table ``name`` with only the columns the database has at the revision
    it stands at (a column added by a later migration, e.g. ``user_account.locale``, is left
    out), keeping the model's defaults: for rows written before a migration under test."""
    import sqlalchemy as sa

    from portal.extensions import db

    columns = sa.inspect(conn).get_columns(name)
    present = {column["name"] for column in columns}
    model = db.metadata.tables[name].columns
    # and the columns a later migration dropped (``id_number`` in clear before 0027), as reflected
    gone = [sa.Column(c["name"], c["type"]) for c in columns if c["name"] not in model]
    return sa.Table(
        name,
        sa.MetaData(),
        *(c._copy() for c in model if c.name in present),
        *gone,
    )
