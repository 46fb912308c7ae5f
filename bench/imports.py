"""A2 at a province's scale: 200,000 practice records made before the portal (Q2, D5) uploaded,
previewed and confirmed through the administrator's pages, timed, with the memory it took.

    .venv/bin/python bench/imports.py                      # 200,000 lines, a temporary SQLite
    .venv/bin/python bench/imports.py --rows 20000 --tracemalloc
    .venv/bin/python bench/imports.py --url postgresql+psycopg://postgres@127.0.0.1:5432/bench

Creates the tables and the demo data, generates a CSV file of made-up doctors (checksummed ID
numbers), each registered at one of the demo's institutions, named by its exact name or by its
licence number, and one line in 10,000 at an institution the portal does not have (reported and
skipped). Logs in as the province administrator through Flask's test client and times the
three requests: the upload (the file checked, then kept as a pending batch), the batch's page
(checked again against the records) and the confirmation (checked again and written, a part at
a time, in one transaction). Prints the seconds of each and the peak memory: the process's
maximum resident size (``resource.getrusage``) and, with ``--tracemalloc``, the peak of Python's
allocations during each request (tracemalloc slows Python down: time without it). Nothing is
asserted.
"""

from __future__ import annotations

import sys
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [str(_HERE.parent)] + [p for p in sys.path if Path(p or ".").resolve() != _HERE]

import argparse  # noqa: E402
import io  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
from datetime import date, timedelta  # noqa: E402

HEADER = "姓名,身份证号,证书编号,执业机构,执业范围,注册日期,机构代码,医师级别"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国志"
SCOPES = ("内科专业", "外科专业", "儿科专业", "妇产科专业", "内科专业、全科医学专业")


def resident_id(n: int) -> str:
    """The ``n``-th made-up ID number: each one different (an ID under two names is a problem)."""
    from stdnum.cn import ric

    born = date(1960, 1, 1) + timedelta(days=(n // 1000) * 53)
    first17 = f"420525{born:%Y%m%d}{n % 1000:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def csv_bytes(rows: int, institutions: list[tuple[str, str]], seed: int = 1) -> bytes:
    """``rows`` lines: every ID number once (an ID under two names is a problem)."""
    rng = random.Random(seed)
    out = io.StringIO()
    out.write(HEADER + "\r\n")
    for n in range(rows):
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        inst_name, licence = institutions[n % len(institutions)]
        if n % 10_000 == 9_999:
            inst_name, licence = "不在门户的演示医院", ""  # reported and skipped
        by_code = n % 3 == 0 and licence
        out.write(
            f"{name},{resident_id(n)},1104205{n:08d},{inst_name},"
            f"{rng.choice(SCOPES)},{2005 + n % 20}-{1 + n % 12:02d}-{1 + n % 28:02d},"
            f"{licence if by_code else ''},{'执业医师' if n % 5 else '执业助理医师'}\r\n"
        )
    return out.getvalue().encode("utf-8")


def max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def timed(label: str, trace: bool, call):
    if trace:
        tracemalloc.start()
    started, cpu = time.perf_counter(), time.process_time()
    response = call()
    seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
    peak = ""
    if trace:
        peak = f"  traced peak {tracemalloc.get_traced_memory()[1] / 2**20:>6.1f} MB"
        tracemalloc.stop()
    print(
        f"{label:<36}{seconds:>7.1f} s ({cpu:.1f} s CPU){peak}  max RSS so far "
        f"{max_rss_mb():.0f} MB",
        flush=True,
    )
    return response


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=200_000, help="lines in the file")
    parser.add_argument("--url", help="SQLAlchemy database URL (default: a temporary SQLite)")
    parser.add_argument("--tracemalloc", action="store_true", help="peak Python allocations")
    args = parser.parse_args()

    from devdata.demo import load_demo
    from portal import create_app
    from portal.extensions import db
    from portal.registry.institutions import Institution
    from portal.registry.records import PracticeRecord
    from portal.tenants.models import Tenant
    from portal.tenants.scope import tenant_context
    from tests.support.http import redirected_to
    from tests.support.imports import admin_login

    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/bench-imports.sqlite3"
    app = create_app("testing", {"SQLALCHEMY_DATABASE_URI": url, "RATELIMIT_ENABLED": False})
    with app.app_context():
        db.create_all()
        load_demo()
        tenant = db.session.execute(db.select(Tenant).filter_by(slug="hubei")).scalar_one()
        with tenant_context(tenant.id):
            institutions = [
                (name, licence)
                for name, licence in db.session.execute(
                    db.select(Institution.name, Institution.licence_no).order_by(Institution.id)
                )
            ]
            before = db.session.execute(db.select(db.func.count(PracticeRecord.id))).scalar()
    started = time.perf_counter()
    content = csv_bytes(args.rows, institutions)
    print(
        f"{args.rows:,} lines, {len(content) / 2**20:.1f} MB of CSV, generated in "
        f"{time.perf_counter() - started:.1f} s; {url.split(':')[0]}; max RSS {max_rss_mb():.0f} MB",
        flush=True,
    )

    b = admin_login(app)
    b.page("/hubei/admin/imports")
    r = timed(
        "upload: check and keep",
        args.tracemalloc,
        lambda: b.post(
            "/hubei/admin/imports/practice-records",
            {"file": (io.BytesIO(content), "province.csv", "text/csv")},
            content_type="multipart/form-data",
        ),
    )
    content = None  # noqa: F841 (the upload's bytes are the client's now)
    if r.status_code != 303:
        from tests.support.imports import errors_of

        print(r.status_code, errors_of(r)[:5])
    batch_url = redirected_to(r)
    page = timed("preview page: checked again", args.tracemalloc, lambda: b.page(batch_url))
    html = page.get_data(as_text=True)
    sha = re.search(r'name="sha256" value="([0-9a-f]{64})"', html).group(1)
    table = (
        html.split('id="skipped"', 1)[1].split("</table>", 1)[0] if 'id="skipped"' in html else ""
    )
    skipped = len(re.findall(r"<tr><td>\d+</td>", table))
    r = timed(
        "confirm: checked again and written",
        args.tracemalloc,
        lambda: b.post(batch_url + "/confirm", {"sha256": sha}),
    )
    assert redirected_to(r) == batch_url, r.status_code
    with app.app_context(), tenant_context(tenant.id):
        after = db.session.execute(db.select(db.func.count(PracticeRecord.id))).scalar()
    print(f"written: {after - before:,} records; skipped lines listed on the preview: {skipped}")


if __name__ == "__main__":
    main()
