"""application.valid_until and application.decision_due: the registration's valid-until day
(R3) and the decision's due date (L1), fixed by the rule version each application was
submitted under (A6); the officer queue's index follows the due date

Backfill, as the workflow now sets them: a registration (registered_on set) is valid for the
``valid_years`` of its rule version (the tenant's rules in force when it has none); a change
of registration keeps the valid-until day of the registration it changed. An accepted
application (confirmed_at set) is due ``decision_working_days`` working days after the
Beijing date of its confirmation, counted with China's calendar from the ``holidays`` package.

Like every migration, it imports nothing of the app: what it needs is frozen here as it was
when it was written (the national defaults of the time; the working-day count of L1). A
province's own days in config/holidays.toml are not counted here: `flask due recount` after
upgrading counts every waiting application's due date again with them.

Revision ID: 0017
Revises: 0016
"""
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import holidays
import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

BATCH = 5000

#: config/rules.toml's national defaults when this revision was written (R3, L1)
NATIONAL = {"valid_years": 2, "decision_working_days": 20}
BEIJING = ZoneInfo("Asia/Shanghai")


def valid_until(registered_on: date, years: int) -> date:
    """R3: the same day ``years`` later (28 February for 29 February)."""
    try:
        return registered_on.replace(year=registered_on.year + years)
    except ValueError:
        return registered_on.replace(year=registered_on.year + years, day=28)


def beijing_date(moment: datetime) -> date:
    return moment.replace(tzinfo=UTC).astimezone(BEIJING).date()


def add_working_days(start: date, n: int, china) -> date:
    """L1: the n-th working day after ``start``: not a public holiday or a day off in exchange,
    and a weekday unless it is a make-up working day."""
    day = start
    while n:
        day += timedelta(days=1)
        if day in china.weekend_workdays or (day.weekday() < 5 and day not in china):
            n -= 1
    return day


def upgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.add_column(sa.Column("valid_until", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("decision_due", sa.Date(), nullable=True))
        batch_op.drop_index("ix_application_officer_queue")
    _backfill()
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.create_index("ix_application_officer_queue", ["tenant_id", "state", "decision_due", "confirmed_at", "id"],
                              unique=False)
        batch_op.create_index("ix_application_valid_until", ["tenant_id", "state", "valid_until"], unique=False)


def downgrade():
    with op.batch_alter_table("application", schema=None) as batch_op:
        batch_op.drop_index("ix_application_valid_until")
        batch_op.drop_index("ix_application_officer_queue")
        batch_op.create_index("ix_application_officer_queue", ["tenant_id", "state", "confirmed_at", "id"], unique=False)
        batch_op.drop_column("decision_due")
        batch_op.drop_column("valid_until")


def _backfill():
    conn = op.get_bind()
    tenant = sa.table("tenant", sa.column("id", sa.Integer), sa.column("rules", sa.JSON))
    version = sa.table("rule_version", sa.column("id", sa.Integer), sa.column("overrides", sa.JSON))
    application = sa.table(
        "application", sa.column("id", sa.Integer), sa.column("tenant_id", sa.Integer),
        sa.column("kind", sa.String), sa.column("previous_id", sa.Integer),
        sa.column("registered_on", sa.Date), sa.column("confirmed_at", sa.DateTime),
        sa.column("rule_version_id", sa.Integer), sa.column("valid_until", sa.Date),
        sa.column("decision_due", sa.Date))
    national = NATIONAL

    def setting(overrides, key):
        value = ((overrides or {}).get("registration") or {}).get(key)
        return value if value is not None else national[key]

    tenants = {row.id: row.rules for row in conn.execute(sa.select(tenant.c.id, tenant.c.rules))}
    versions = {row.id: row.overrides for row in conn.execute(sa.select(version.c.id, version.c.overrides))}
    calendar = holidays.China(years=range(2001, 2051))  # China's, without a province's own days
    statement = (application.update().where(application.c.id == sa.bindparam("row_id"))
                 .values(valid_until=sa.bindparam("until"), decision_due=sa.bindparam("due")))
    last = 0
    while True:  # keyset batches in id order: a change comes after the registration it changes
        rows = conn.execute(
            sa.select(application.c.id, application.c.tenant_id, application.c.kind, application.c.previous_id,
                      application.c.registered_on, application.c.confirmed_at, application.c.rule_version_id)
            .where(application.c.id > last,
                   sa.or_(application.c.registered_on.is_not(None), application.c.confirmed_at.is_not(None)))
            .order_by(application.c.id).limit(BATCH)
        ).all()
        if not rows:
            return
        last = rows[-1].id
        previous = {r.previous_id for r in rows if r.kind == "change" and r.previous_id is not None}
        until = dict(conn.execute(sa.select(application.c.id, application.c.valid_until)
                                  .where(application.c.id.in_(previous))).all()) if previous else {}
        updates = []
        for row in rows:
            overrides = versions[row.rule_version_id] if row.rule_version_id in versions else tenants.get(row.tenant_id)
            value = due = None
            if row.registered_on is not None:
                if row.kind == "change" and until.get(row.previous_id) is not None:
                    value = until[row.previous_id]
                else:
                    value = valid_until(row.registered_on, setting(overrides, "valid_years"))
                until[row.id] = value  # a change of a change in the same batch
            if row.confirmed_at is not None:
                due = add_working_days(beijing_date(row.confirmed_at), setting(overrides, "decision_working_days"),
                                       calendar)
            updates.append({"row_id": row.id, "until": value, "due": due})
        conn.execute(statement, updates)
