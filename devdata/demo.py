"""Demo data (`flask demo load`, idempotent) and development helpers (`flask dev totp`).

Every name, ID number and phone number here is made up for the demo.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import date

import click
import pyotp
from flask import current_app
from flask.cli import AppGroup

from portal.accounts.models import Role, User
from portal.accounts.passwords import hash_password
from portal.extensions import db
from portal.registry.institutions import Institution, InstitutionLevel
from portal.registry.records import Category, Level, PracticeRecord, Qualification
from portal.tenants import create_tenant
from portal.tenants.models import Region, Tenant
from portal.tenants.scope import tenant_context

DEMO_PASSWORD = "Demo-pass-2026"

TENANTS = [
    {
        "slug": "hubei",
        "name": "湖北省",
        "contact_name": "湖北省卫生健康委员会 医师注册窗口（演示）",
        "contact_phone": "027-0000 0001（演示号码）",
        "contact_address": "湖北省武汉市武昌区演示路 1 号",
        "regions": [
            ("420100", "武汉市", [("420106", "武昌区"), ("420111", "洪山区")]),
            ("420500", "宜昌市", [("420525", "远安县")]),
        ],
        "institutions": [
            (
                "远安县人民医院（演示）",
                "PDY42052500001",
                InstitutionLevel.COUNTY,
                "420525",
                "远安县鸣凤镇演示街 8 号",
            ),
            (
                "湖北省演示第一医院",
                "PDY42010600002",
                InstitutionLevel.TERTIARY,
                "420106",
                "武汉市武昌区演示大道 99 号",
            ),
        ],
        "doctors": [
            (
                "李明华",
                "420525198803121236",
                "H2025420000001",
                Level.PRACTITIONER,
                Category.CLINICAL,
                False,
                date(2025, 7, 1),
            ),
            # qualified in 2017 and never registered: R3 asks for the training certificate
            (
                "王芳",
                "420106199205142348",
                "H2017420000002",
                Level.ASSISTANT,
                Category.CLINICAL,
                False,
                date(2017, 9, 1),
            ),
            (
                "阿依古丽·买买提",
                "420111199001016789",
                "H2025420000003",
                Level.PRACTITIONER,
                Category.TCM,
                False,
                date(2025, 8, 1),
            ),
            # D5: registered on paper before the portal (a practice record below)
            (
                "刘建国",
                "420525198005063211",
                "H2004420000005",
                Level.PRACTITIONER,
                Category.CLINICAL,
                False,
                date(2004, 9, 1),
            ),
            # D8: only the Notice of Passing so far
            (
                "张晓燕",
                "420525200103152349",
                "N2026420000004",
                Level.PRACTITIONER,
                Category.CLINICAL,
                False,
                date(2026, 8, 20),
            ),
        ],
        "practice_records": [
            (
                "刘建国",
                "420525198005063211",
                "110420525000123",
                "远安县人民医院（演示）",
                "内科专业",
                date(2025, 6, 1),
            ),
            # F17: registered on paper, with no qualification record on the portal: the
            # registration is taken over on the basis of the record (its level, its scopes)
            (
                "王德明",
                "420525197603124518",
                "110420525000456",
                "远安县人民医院（演示）",
                "外科专业",
                date(2025, 9, 1),
            ),
        ],
        "staff": [("hb-county-staff", 0), ("hb-tertiary-staff", 1)],
        # A1: officers of the province, of a city and of a county (region code; None = province)
        "officers": [
            ("hb-officer", None),
            ("hb-city-officer", "420500"),
            ("hb-county-officer", "420525"),
        ],
        "admin": "hb-admin",
    },
    {
        "slug": "guangdong",
        "name": "广东省",
        "contact_name": "广东省卫生健康委员会 医师注册窗口（演示）",
        "contact_phone": "020-0000 0002（演示号码）",
        "contact_address": "广东省广州市越秀区演示路 2 号",
        "regions": [
            ("440100", "广州市", [("440104", "越秀区")]),
            ("440200", "韶关市", [("440232", "乳源瑶族自治县")]),
        ],
        "institutions": [
            (
                "乳源瑶族自治县人民医院（演示）",
                "PDY44023200001",
                InstitutionLevel.COUNTY,
                "440232",
                "乳源县演示路 3 号",
            ),
            (
                "广东省演示第一医院",
                "PDY44010400002",
                InstitutionLevel.TERTIARY,
                "440104",
                "广州市越秀区演示路 100 号",
            ),
        ],
        "doctors": [
            (
                "陈志强",
                "440104198709254569",
                "H2025440000001",
                Level.PRACTITIONER,
                Category.DENTAL,
                False,
                date(2025, 6, 1),
            ),
            # R4: an assistant and a rural general assistant qualification: only one may be registered
            (
                "黄丽",
                "440232199311075670",
                "H2025440000002",
                Level.ASSISTANT,
                Category.CLINICAL,
                True,
                date(2025, 9, 1),
            ),
            (
                "黄丽",
                "440232199311075670",
                "H2024440000003",
                Level.ASSISTANT,
                Category.CLINICAL,
                False,
                date(2024, 9, 1),
            ),
        ],
        "staff": [("gd-county-staff", 0), ("gd-tertiary-staff", 1)],
        "officers": [
            ("gd-officer", None),
            ("gd-city-officer", "440200"),
            ("gd-county-officer", "440232"),
        ],
        "admin": "gd-admin",
    },
]


def demo_totp_secret(username: str) -> str:
    """A fixed secret per demo account, so the README can list it."""
    digest = hashlib.sha256(f"demo-totp:{username}".encode()).digest()[:20]
    return base64.b32encode(digest).decode()


def _get_or_add(model, lookup: dict, **values):
    row = db.session.execute(db.select(model).filter_by(**lookup)).scalar_one_or_none()
    if row is None:
        row = model(**lookup, **values)
        db.session.add(row)
        db.session.flush()
    return row


def load_demo() -> list[str]:
    lines = []
    for spec in TENANTS:
        tenant = db.session.execute(
            db.select(Tenant).filter_by(slug=spec["slug"])
        ).scalar_one_or_none()
        if tenant is None:
            tenant = create_tenant(
                spec["slug"],
                spec["name"],
                contact_name=spec["contact_name"],
                contact_phone=spec["contact_phone"],
                contact_address=spec["contact_address"],
            )
        with tenant_context(tenant.id):
            counties, regions = {}, {}
            for code, name, children in spec["regions"]:
                city = regions[code] = _get_or_add(Region, {"code": code}, name=name, level="city")
                for ccode, cname in children:
                    counties[ccode] = regions[ccode] = _get_or_add(
                        Region, {"code": ccode}, name=cname, level="county", parent_id=city.id
                    )
            institutions = [
                _get_or_add(
                    Institution,
                    {"licence_no": lic},
                    name=name,
                    level=level,
                    county_id=counties[county].id,
                    address=address,
                )
                for name, lic, level, county, address in spec["institutions"]
            ]
            lines.append(f"\n{spec['name']}  http://127.0.0.1:{{port}}/{spec['slug']}/")
            lines.append("  demo doctors to sign up with (real name / ID number / qualification):")
            # one line per person: a person with two qualifications, or with a registration from
            # before the portal, is listed once with all of them (issue 14)
            people: dict[tuple[str, str], list[str]] = {}
            for name, idn, cert, level, category, rural, obtained in spec["doctors"]:
                _get_or_add(
                    Qualification,
                    {"certificate_no": cert},
                    name=name,
                    id_number=idn,
                    level=level,
                    category=category,
                    rural_general=rural,
                    obtained_on=obtained,
                    is_notice=cert.startswith("N"),
                )
                note = (
                    " (rural general)"
                    if rural
                    else " (Notice of Passing only)"
                    if cert.startswith("N")
                    else ""
                )
                people.setdefault((name, idn), []).append(f"{level.value}/{category.value}{note}")
            for name, idn, cert, inst_name, scopes, registered in spec.get("practice_records", []):
                _get_or_add(
                    PracticeRecord,
                    {"certificate_no": cert},
                    name=name,
                    id_number=idn,
                    institution_name=inst_name,
                    # D5: the institution where the doctor is registered (A2 matches it so)
                    institution_id=next(i.id for i in institutions if i.name == inst_name),
                    level=Level.PRACTITIONER,
                    scopes=scopes,
                    registered_on=registered,
                )
                people.setdefault((name, idn), []).append(
                    f"registered before the portal at {inst_name}: {cert}"
                )
            for (name, idn), notes in people.items():
                lines.append(f"    {name}  {idn}  " + "; ".join(notes))
            lines.append(
                f"  staff and officers (password {DEMO_PASSWORD}; TOTP secret; `flask dev totp NAME` prints a code):"
            )
            accounts = [(u, Role.STAFF, institutions[i], None) for u, i in spec["staff"]]
            accounts += [
                (u, Role.OFFICER, None, regions[code] if code else None)
                for u, code in spec["officers"]
            ]
            accounts.append((spec["admin"], Role.ADMIN, None, None))  # province administrator (A6)
            for username, role, inst, region in accounts:
                user = db.session.execute(  # a doctor may hold the same name (issue 14)
                    db.select(User).where(User.username == username, User.role != Role.DOCTOR)
                ).scalar_one_or_none()
                if user is None:
                    db.session.add(
                        User(
                            username=username,
                            password_hash=hash_password(DEMO_PASSWORD),
                            role=role,
                            real_name="演示账号",
                            institution_id=inst.id if inst else None,
                            region_id=region.id if region else None,
                            totp_secret=demo_totp_secret(username),
                            phone="",
                            email=f"{username}@example.invalid",
                            # the county hospital's account is its person in charge: it has the Staff page (I2)
                            is_person_in_charge=inst is institutions[0],
                        )
                    )
                where = (
                    inst.name
                    if inst
                    else (region.name if region else spec["name"]) + "卫生健康委员会"
                )
                lines.append(
                    f"    {username:<18} {role.value:<8} {demo_totp_secret(username)}  {where}"
                )
            db.session.commit()
    return lines


demo_cli = AppGroup("demo", help="Demo data for trying the portal.")


@demo_cli.command("load")
@click.option(
    "--doctors",
    type=click.IntRange(1, 5_000_000),
    default=None,
    help="Also add this many synthetic doctors, with institutions and applications in every state "
    "(P5/P6 scale data; adds more on each run).",
)
@click.option(
    "--tenant", "slug", default="hubei", show_default=True, help="The tenant --doctors fills."
)
def load_command(doctors: int | None, slug: str) -> None:
    """Create the demo tenants, institutions, records and accounts (safe to run twice)."""
    lines = load_demo()
    port = current_app.config.get("PORT") or __import__("os").environ.get("PORT", "5000")
    click.echo("Demo data is loaded." + "\n".join(lines).replace("{port}", str(port)))
    if doctors:
        from devdata.scale import load_scale

        try:
            made = load_scale(slug, doctors)
        except LookupError as err:
            raise click.ClickException(str(err)) from err
        seconds = made.pop("seconds")
        click.echo(f"\nScale data for {slug}: " + ", ".join(f"{k} {v}" for k, v in made.items()))
        click.echo(f"Took {seconds} s.")


dev_cli = AppGroup("dev", help="Development-only helpers.")


@dev_cli.command("totp")
@click.argument("username")
@click.option(
    "--tenant", "slug", default=None, help="Tenant slug when the user name exists in several."
)
def totp_command(username: str, slug: str | None) -> None:
    """Print the current TOTP code of a staff or officer account (development only)."""
    if current_app.config["CONFIG_NAME"] not in ("development", "testing"):
        raise click.ClickException("only available in development (PORTAL_CONFIG=development)")
    stmt = (
        db.select(User)
        .where(User.username == username, User.role != Role.DOCTOR)
        .execution_options(all_tenants=True)
    )
    if slug:
        stmt = stmt.join(Tenant, Tenant.id == User.tenant_id).where(Tenant.slug == slug)
    users = db.session.execute(stmt).scalars().all()
    if not users:
        raise click.ClickException(f"no user {username!r}")
    if len(users) > 1:
        raise click.ClickException("several tenants have this user name: add --tenant SLUG")
    if not users[0].totp_enrolled:
        raise click.ClickException("this account has no TOTP secret")
    totp = pyotp.TOTP(users[0].totp_secret)
    click.echo(totp.now())
