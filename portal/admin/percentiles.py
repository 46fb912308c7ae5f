"""Median and 90th percentile of a column of durations, computed by the database (A7, issue 16):
no duration comes into Python, whatever the range holds.

PostgreSQL: ``percentile_cont``. SQLite has no such aggregate: the durations are ranked by a
window function and only the (at most four) rows at the two nearest ranks of each percentile
come back, to be interpolated linearly between them, which is what ``percentile_cont`` does
(the "inclusive" method: the value at rank p × (n - 1), counted from 0).
"""

from __future__ import annotations

from sqlalchemy import Float, Integer, Select, case, cast, func, or_

from portal.extensions import db

DAY_SECONDS = 86400
MEDIAN, P90 = 0.5, 0.9


def _postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def seconds_between(later, earlier):
    """The SQL expression of the seconds from ``earlier`` to ``later`` (two timestamps)."""
    if _postgres():
        return cast(func.extract("epoch", later - earlier), Float)
    return (func.julianday(later) - func.julianday(earlier)) * DAY_SECONDS


def summary(durations: Select) -> tuple[int, float | None, float | None]:
    """How many rows ``durations`` (a SELECT of one column ``d``, in seconds) gives, their
    median and 90th percentile in days, rounded to a tenth (None when there is none)."""
    values = durations.subquery()
    if _postgres():
        n, median, p90 = db.session.execute(
            db.select(
                func.count(),
                func.percentile_cont(MEDIAN).within_group(values.c.d),
                func.percentile_cont(P90).within_group(values.c.d),
            ).select_from(values)
        ).one()
    else:
        n, median, p90 = _ranked(values)
    if not n:
        return 0, None, None
    return n, round(median / DAY_SECONDS, 1), round(p90 / DAY_SECONDS, 1)


def _ranked(values) -> tuple[int, float | None, float | None]:
    ranked = db.select(
        values.c.d.label("d"),
        (func.row_number().over(order_by=values.c.d) - 1).label("k"),
        func.count().over().label("n"),
    ).subquery()
    wanted = []
    for p in (MEDIAN, P90):
        position = (ranked.c.n - 1) * p
        floor = cast(position, Integer)  # positions are never negative: truncation is floor
        wanted += [
            ranked.c.k == floor,
            ranked.c.k == floor + case((position > floor, 1), else_=0),
        ]
    rows = db.session.execute(
        db.select(ranked.c.n, ranked.c.k, ranked.c.d).where(or_(*wanted))
    ).all()
    if not rows:
        return 0, None, None

    n = rows[0][0]
    at = {k: d for _n, k, d in rows}

    def percentile(p: float) -> float:
        position = (n - 1) * p
        lo = int(position)
        hi = lo + (position > lo)
        return at[lo] + (at[hi] - at[lo]) * (position - lo)

    return n, percentile(MEDIAN), percentile(P90)
