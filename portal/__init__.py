"""The application factory."""

from __future__ import annotations

import os

from flask import Flask


def create_app(config_name: str | None = None, test_config: dict | None = None) -> Flask:
    from config import CONFIGS

    app = Flask(__name__, instance_path=str(__import__("config").INSTANCE))
    name = config_name or os.environ.get("PORTAL_CONFIG", "development")
    app.config.from_object(CONFIGS[name])
    app.config["CONFIG_NAME"] = name
    app.config.setdefault("DEV_OUTBOX", bool(app.config.get("DEBUG")))
    if test_config:
        app.config.update(test_config)
    if app.config.get("SMS_PROVIDERS_FILE") and not app.config.get("SMS_TENANTS"):
        from portal.notify.gateways import load_providers  # per-tenant SMS settings (issue 12)

        app.config["SMS_TENANTS"] = load_providers(app.config["SMS_PROVIDERS_FILE"])
    os.makedirs(app.instance_path, exist_ok=True)

    from portal import extensions, inputs, ops, pii, redact, tenants, web

    ops.init_app(app)  # production settings checked first; proxies, logs, metrics, /readyz

    redact.init_app(app)
    pii.init_app(app)  # resident ID numbers encrypted at rest (issue 14)
    extensions.db.init_app(app)
    extensions.migrate.init_app(
        app,
        extensions.db,
        directory=os.path.join(app.root_path, "..", "migrations"),
        render_as_batch=True,
    )
    extensions.csrf.init_app(app)
    extensions.mail.init_app(app)
    extensions.htmx.init_app(app)
    extensions.compress.init_app(app)
    extensions.limiter.init_app(app)
    inputs.init_app(app)
    tenants.init_app(app)
    web.init_app(app)

    from portal import accounts, admin, doctor, institution, notify, public, signin

    accounts.init_app(app)
    for module in (public, signin, doctor, institution, admin, notify):
        app.register_blueprint(module.bp)
    from portal.public import fhir
    from portal.public.fhir import answers  # noqa: F401

    app.register_blueprint(fhir.bp)  # the open verification interface (V3)
    app.extensions["error_answers"] = {"fhir": fhir.answers.refusal}  # portal/web.py
    from portal.workflow import reminders

    notify.notify_cli.add_command(reminders.remind_command)  # `flask notify remind` (D20)
    app.cli.add_command(notify.notify_cli)
    from portal.admin.due import due_cli
    from portal.admin.imports import imports_cli

    app.cli.add_command(due_cli)
    from portal.workflow.operator import accounts_cli
    from portal.workflow.retention import purge_command

    accounts_cli.add_command(purge_command)  # `flask accounts purge` (issue 14), daily
    from portal.accounts.id_rotation import rotate_id_key_command

    accounts_cli.add_command(rotate_id_key_command)  # `flask accounts rotate-id-key` (issue 14)
    app.cli.add_command(accounts_cli)  # `flask accounts create-admin`, `create-officer` (T5)
    app.cli.add_command(imports_cli)

    from portal.workflow.certificates_cli import certificates_cli

    app.cli.add_command(certificates_cli)  # `flask certificates rotate-key`, `verify` (V2)

    _check_tenant_hosts(app)
    if name == "production" and app.config.get("REFUSE_UNSAFE_SETTINGS") is not False:
        _check_signing_keys(app)  # as ops.settings.check: a test's production app on other settings

    if name != "production":  # development data (devdata/), which production never imports
        from devdata import demo

        app.cli.add_command(demo.demo_cli)
        app.cli.add_command(demo.dev_cli)
    return app


def _check_tenant_hosts(app: Flask) -> None:
    """T2: a TENANT_HOSTS slug that names no tenant stops the app server (the database answers
    and is migrated); a `flask` command only warns, so the tenant can still be created."""
    import click

    from portal.ops.settings import SettingsError
    from portal.tenants.hosts import check_slugs

    unknown = check_slugs(app)
    if app.extensions.get("tenant_hosts"):
        from portal.extensions import db

        with app.app_context():
            db.engine.dispose()  # gunicorn forks after this: no worker inherits the connection
    if not unknown:
        return
    message = (
        f"TENANT_HOSTS names tenants that do not exist: {', '.join(unknown)} (flask tenants list)"
    )
    if click.get_current_context(silent=True) is not None:
        click.echo(f"warning: {message}", err=True)
        return
    raise SettingsError(f"refusing to start: {message}")


def _check_signing_keys(app: Flask) -> None:
    """V2: in production every tenant has a private signing key in CERT_SIGNING_KEYS (when the
    database answers and is migrated); the app server refuses to start without, a `flask`
    command only warns, so that `flask certificates rotate-key` can make the key."""
    import click
    from sqlalchemy import text
    from sqlalchemy.exc import SQLAlchemyError

    from portal.extensions import db
    from portal.ops.settings import SettingsError
    from portal.workflow.signing_keys import missing_tenants

    try:
        with app.app_context(), db.engine.connect() as conn:
            slugs = list(conn.execute(text("SELECT slug FROM tenant ORDER BY slug")).scalars())
    except SQLAlchemyError:
        return  # not reachable or not migrated yet: /readyz says so
    finally:
        with app.app_context():
            db.engine.dispose()  # gunicorn forks after this
    missing = missing_tenants(app, slugs)
    if not missing:
        return
    message = (
        "no e-certificate signing key for tenant(s) "
        + ", ".join(missing)
        + (" in CERT_SIGNING_KEYS: flask certificates rotate-key --tenant SLUG")
    )
    if click.get_current_context(silent=True) is not None:
        click.echo(f"warning: {message}", err=True)
        return
    raise SettingsError(f"refusing to start: {message}")
