"""The approval queue at scale (I4, P5): the first page against the 100th, with 100,000 items
waiting for one institution.

    /work/main/.venv/bin/python bench/queue.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    /work/main/.venv/bin/python bench/queue.py --url sqlite:////tmp/bench.sqlite3

Creates the tables when missing, loads the demo data, then (with the loader behind
``flask demo load --doctors``) enough synthetic doctors that ``--waiting`` items (100,000 by
default) wait for 远安县人民医院（演示）; a second run reuses them. It logs in as
``hb-county-staff`` through Flask's test client, follows the "Older" links to the 100th page,
times the first and the 100th page (median of ``--repeat`` requests each), for the whole
queue, one kind and a name search, and prints the ratios. Nothing is asserted: keyset paging
should keep the ratios near 1 (OFFSET paging would make the 100th page read 5,000 rows first).
"""

from __future__ import annotations

import sys
from pathlib import Path

# run as a script, this file's folder comes first on the path and its name would hide the
# standard library's ``queue``: the repository root takes its place
_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import html  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402

QUEUE = "/hubei/institution/approvals"
OLDER = re.compile(r'<a href="([^"]+)"[^>]*>(?:Older|更早)</a>')


def waiting_at(inst_id: int) -> int:
    from portal.extensions import db
    from portal.workflow.models import (
        Application,
        FilingState,
        ModificationRequest,
        ModificationState,
        SiteFiling,
        State,
    )

    count = 0
    for model, state in (
        (Application, State.SUBMITTED),
        (ModificationRequest, ModificationState.PENDING),
        (SiteFiling, FilingState.PENDING),
    ):
        count += db.session.execute(
            db.select(db.func.count())
            .select_from(model)
            .where(model.institution_id == inst_id, model.state == state)
        ).scalar()
    return count


def prepare(app, target: int) -> int:
    from devdata.demo import load_demo
    from devdata.scale import load_scale
    from devdata.scale_data import WAITING_MIX
    from portal.extensions import db
    from portal.registry.institutions import Institution
    from portal.tenants.models import Tenant
    from portal.tenants.scope import tenant_context

    with app.app_context():
        db.create_all()
        load_demo()
        tenant = db.session.execute(db.select(Tenant).filter_by(slug="hubei")).scalar_one()
        with tenant_context(tenant.id):
            inst = db.session.execute(
                db.select(Institution).filter_by(name="远安县人民医院（演示）")
            ).scalar_one()
            have = waiting_at(inst.id)
            if have < target:
                print(f"loading {target - have:,} waiting items (have {have:,}) ...", flush=True)
                made = load_scale("hubei", target - have, at=inst.id, mix=WAITING_MIX)
                print(
                    f"  loaded in {made['seconds']} s: {made['application']:,} applications, "
                    f"{made['modification_request']:,} modification requests",
                    flush=True,
                )
            return waiting_at(inst.id)


def page_url(staff, first: str, number: int) -> str | None:
    url = first
    for _ in range(number - 1):
        match = OLDER.search(staff.page(url).get_data(as_text=True))
        if not match:
            return None
        url = html.unescape(match.group(1))
    return url


def timed(client, url: str, repeat: int) -> float:
    for _ in range(3):
        assert client.get(url).status_code == 200
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(url)
        response.get_data()
        samples.append(time.perf_counter() - started)
        assert response.status_code == 200
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--url", required=True, help="SQLAlchemy database URL (tables created when missing)"
    )
    parser.add_argument(
        "--waiting", type=int, default=100_000, help="items waiting for the institution"
    )
    parser.add_argument(
        "--page", type=int, default=100, help="the far page to compare with the first"
    )
    parser.add_argument("--repeat", type=int, default=20, help="timed requests per page")
    args = parser.parse_args()

    from portal import create_app
    from tests.support.http import (
        Browser,  # noqa: F401  (the CSRF-reading client the tests use)
        staff_login,
    )

    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": args.url, "RATELIMIT_ENABLED": False})
    total = prepare(app, args.waiting)
    print(
        f"{total:,} items wait for 远安县人民医院（演示） on {app.config['SQLALCHEMY_DATABASE_URI'].split(':')[0]}"
    )
    staff = staff_login(app, "hb-county-staff")
    staff.client.set_cookie("lang", "en")
    print(f"{'queue':<28}{'page 1 (ms)':>12}{f'page {args.page} (ms)':>15}{'ratio':>8}")
    for label, first in (
        ("every kind", QUEUE),
        ("first registrations", QUEUE + "?kind=first"),
        ("modifications", QUEUE + "?kind=modification"),
        ("name begins with 王", QUEUE + "?q=王"),
    ):
        far = page_url(staff, first, args.page)
        one = timed(staff.client, first, args.repeat)
        if far is None:
            print(f"{label:<28}{one * 1000:>12.1f}{'(fewer pages)':>15}")
            continue
        hundred = timed(staff.client, far, args.repeat)
        print(f"{label:<28}{one * 1000:>12.1f}{hundred * 1000:>15.1f}{hundred / one:>8.2f}")


if __name__ == "__main__":
    main()
