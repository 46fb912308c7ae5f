"""Tenancy (T1–T4): the tenant model, resolution of ``/<slug>/``, the one ORM filter,
per-tenant rule settings and the ``flask tenants`` commands."""

from __future__ import annotations

import copy
import json

import click
from flask import Flask, abort, g
from flask.cli import AppGroup

from config import national_rules
from portal.extensions import db
from portal.tenants import (
    hosts,
    rls,  # noqa: F401  (row-level security on PostgreSQL, SEC9)
)
from portal.tenants.divisions import DivisionError, as_csv, from_csv, from_dataset
from portal.tenants.models import Region, RuleVersion, Tenant, TenantScoped  # noqa: F401
from portal.tenants.scope import all_tenants, reset_tenant, set_tenant, tenant_context  # noqa: F401


def _overlay(out: dict, over: dict) -> dict:
    """Put ``over`` on top of ``out`` (a fresh copy), key by key, nested tables merged."""
    for key, value in (over or {}).items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            _overlay(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def plain_copy(value):
    """A deep copy of plain data (dicts, lists, scalars), several times quicker than
    ``copy.deepcopy``; anything else goes through ``copy.deepcopy``."""
    if isinstance(value, dict):
        return {k: plain_copy(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain_copy(v) for v in value]
    if value is None or isinstance(value, (str, int, float)):
        return value
    return copy.deepcopy(value)


#: merged rules by the overrides they were made from (as canonical JSON). The national
#: defaults do not change while the process runs, and the overrides are the tenant's (or the
#: version's) column as read on this request: a province administrator's save, in whichever
#: process, gives another key at once, so nothing is ever served stale (P6)
_MERGED: dict[str, dict] = {}
_MERGED_MAX = 256


def _merged(overrides: dict) -> dict:
    """The merged rules for ``overrides``, shared: callers copy what they hand out."""
    overrides = overrides or {}
    try:
        key = json.dumps(overrides, sort_keys=True)
    except (TypeError, ValueError):  # not JSON data: merged every time
        return _overlay(national_rules(), overrides)
    merged = _MERGED.get(key)
    if merged is None:
        merged = _overlay(national_rules(), overrides)
        if len(_MERGED) >= _MERGED_MAX:
            _MERGED.clear()
        _MERGED[key] = merged
    return merged


def rules_with(overrides: dict) -> dict:
    """National defaults with ``overrides`` on top (rules not saved yet, A6); a fresh copy
    each time, so no caller can change them for others."""
    return plain_copy(_merged(overrides))


def rules_section(tenant: Tenant, section: str) -> dict:
    """One table of ``rules_for(tenant)`` (e.g. "sessions"), a fresh copy of that table only:
    what a hook on every request reads (P6: the whole rules are 50 tables and lists)."""
    return plain_copy(_merged(tenant.rules)[section])


def rules_for(tenant: Tenant, version: RuleVersion | None = None) -> dict:
    """National defaults (config/rules.toml) with the tenant's overrides on top (R6): the
    ones in force now, or those of a saved ``version`` (A6)."""
    return rules_with(version.overrides if version is not None else tenant.rules)


def current_version(tenant: Tenant) -> RuleVersion:
    """The tenant's rule version in force (the latest saved). A tenant without any yet (made
    before versions existed) gets version 1: its rules as they are."""
    version = db.session.execute(
        db.select(RuleVersion)
        .where(RuleVersion.tenant_id == tenant.id)
        .order_by(RuleVersion.number.desc())
        .limit(1)
    ).scalar_one_or_none()
    if version is None:
        version = RuleVersion(
            tenant_id=tenant.id, number=1, overrides=copy.deepcopy(tenant.rules or {}), changes=[]
        )
        db.session.add(version)
        db.session.flush()
    return version


def rules_for_application(app) -> dict:
    """The rules a submitted application is judged by: the version in force when it was
    submitted (A6: a later change applies to applications submitted after it). A draft, or
    anything never submitted, follows the rules in force now."""
    if app.rule_version is not None:
        return rules_with(app.rule_version.overrides)
    return rules_for(db.session.get(Tenant, app.tenant_id))


def init_app(app: Flask) -> None:
    hosts.init_app(app)  # T2: a tenant on its own host name (TENANT_HOSTS)

    @app.url_value_preprocessor
    def _resolve_tenant(endpoint, values):
        if values is None or "tenant" not in values:
            return
        slug = values.pop("tenant")
        tenant = db.session.execute(db.select(Tenant).filter_by(slug=slug)).scalar_one_or_none()
        if tenant is None:
            abort(404)
        g.tenant = tenant
        g._tenant_token = set_tenant(tenant.id)

    @app.url_defaults
    def _add_tenant(endpoint, values):
        if "tenant" in values or not app.url_map.is_endpoint_expecting(endpoint, "tenant"):
            return
        tenant = g.get("tenant")
        if tenant is not None:
            values["tenant"] = tenant.slug

    @app.teardown_request
    def _forget_tenant(exc=None):
        token = g.pop("_tenant_token", None)
        if token is not None:
            reset_tenant(token)

    app.cli.add_command(tenants_cli)


#: first path segments the portal itself uses: a tenant there would be shadowed
RESERVED_SLUGS = {
    "static",
    "lang",
    "healthz",
    "readyz",
    "metrics",
    "verify",
    "favicon.ico",
    "robots.txt",
}

tenants_cli = AppGroup("tenants", help="Create and list tenants (provinces).")


def create_tenant(slug: str, name: str, divisions=(), **contact) -> Tenant:
    """T1, T4, T5: the tenant, its cities and counties (``divisions``: see
    ``portal.tenants.divisions``) and version 1 of its rules, the national defaults."""
    tenant = Tenant(slug=slug, name=name, rules={}, **contact)
    db.session.add(tenant)
    db.session.flush()
    with tenant_context(tenant.id):  # its first rows are written as the tenant itself (SEC9)
        current_version(tenant)  # version 1: the national defaults (A6)
        add_regions(divisions)
    return tenant


def add_regions(divisions) -> int:
    """The cities, then the counties under them, of the current tenant; codes it has already
    are left as they are. Returns how many were added."""
    have = {r.code: r for r in db.session.execute(db.select(Region)).scalars()}
    added = 0
    for level in ("city", "county"):
        for d in divisions:
            if d.level != level or d.code in have:
                continue
            parent = have.get(d.parent_code) if d.parent_code else None
            region = Region(code=d.code, name=d.name, level=d.level, parent=parent)
            db.session.add(region)
            have[d.code] = region
            added += 1
        db.session.flush()
    return added


def _divisions(division: str | None, regions) -> list:
    try:
        if regions is not None:
            try:
                text = regions.read().decode("utf-8")
            except UnicodeDecodeError:
                raise DivisionError(["the file is not UTF-8 text"]) from None
            return from_csv(text, division)
        if division:
            return from_dataset(division)
    except DivisionError as exc:
        raise click.ClickException("nothing was written:\n  " + "\n  ".join(exc.problems)) from None
    return []


@tenants_cli.command("create")
@click.argument("slug")
@click.argument("name")
@click.option(
    "--division",
    metavar="CODE",
    help="The province's GB/T 2260 code (e.g. 420000): its cities and counties from the national dataset.",
)
@click.option(
    "--regions",
    type=click.File("rb"),
    help="A CSV of the province's cities and counties (code,name,level,parent_code) instead of the dataset's.",
)
@click.option("--contact-name", default="", help="The commission's contact person or office.")
@click.option("--contact-phone", default="")
@click.option("--contact-address", default="")
@click.option("--office-hours", default="", help="e.g. 'Mon-Fri 8:30-12:00, 14:30-17:30'.")
def create_command(
    slug: str,
    name: str,
    division: str | None,
    regions,
    contact_name: str,
    contact_phone: str,
    contact_address: str,
    office_hours: str,
) -> None:
    """Create a tenant SLUG named NAME, with its cities and counties and the national default
    rules (T1, T4, T5). Everything is checked first: on any problem nothing is written."""
    if not slug.isascii() or not slug.replace("-", "").isalnum() or slug != slug.lower():
        raise click.BadParameter("lower-case letters, digits and '-' only", param_hint="SLUG")
    if slug in RESERVED_SLUGS:
        raise click.BadParameter(f"{slug!r} is a path the portal uses itself", param_hint="SLUG")
    if db.session.execute(db.select(Tenant).filter_by(slug=slug)).scalar_one_or_none():
        raise click.ClickException(f"tenant {slug!r} already exists")
    for option, value, limit in (
        ("--contact-name", contact_name, 100),
        ("--contact-phone", contact_phone, 40),
        ("--contact-address", contact_address, 200),
        ("--office-hours", office_hours, 200),
    ):
        if len(value) > limit:
            raise click.BadParameter(f"at most {limit} characters", param_hint=option)
    divisions = _divisions(division, regions)
    create_tenant(
        slug,
        name,
        divisions,
        contact_name=contact_name,
        contact_phone=contact_phone,
        contact_address=contact_address,
        office_hours=office_hours,
    )
    db.session.commit()
    cities = sum(d.level == "city" for d in divisions)
    click.echo(
        f"created tenant {slug} ({name}) with {cities} cities, {len(divisions) - cities} counties "
        "and the national default rules"
    )


@tenants_cli.command("regions")
@click.argument("division", metavar="CODE")
def regions_command(division: str) -> None:
    """Print the cities and counties of province CODE in the national dataset as the CSV
    --regions reads (to correct and give back)."""
    click.echo(as_csv(_divisions(division, None)), nl=False)


@tenants_cli.command("list")
def list_command() -> None:
    for t in db.session.execute(db.select(Tenant).order_by(Tenant.slug)).scalars():
        click.echo(f"{t.slug}\t{t.name}")
