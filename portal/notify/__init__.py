"""Notifications: the outbox, its delivery worker and, in development, the outbox page.
Which reminders are due (D20) is the workflow's knowledge (``portal.workflow.reminders``,
whose ``remind`` command joins this group in the app factory): this package only queues and
delivers."""

from __future__ import annotations

import click
from flask import Blueprint, abort, current_app, g
from flask.cli import AppGroup
from flask_babel import force_locale

from portal.extensions import db
from portal.htmx import render
from portal.notify.models import OutboxMessage
from portal.notify.services import pull_receipts, work
from portal.notify.sms import provider_text
from portal.notify.sms_templates import TEMPLATES

bp = Blueprint("notify", __name__, url_prefix="/<tenant>/dev")


@bp.get("/outbox")
def outbox():
    """The development SMS gateway: what would have been sent (only when DEV_OUTBOX)."""
    if not current_app.config.get("DEV_OUTBOX"):
        abort(404)
    messages = (
        db.session.execute(db.select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(30))
        .scalars()
        .all()
    )
    response = current_app.make_response(
        render("notify/outbox.html", messages=messages, tenant=g.tenant)
    )
    response.headers["Cache-Control"] = "no-store"
    return response


notify_cli = AppGroup("notify", help="Deliver and inspect notifications.")


@notify_cli.command("work")
@click.option("--once", is_flag=True, help="Deliver what is due and exit.")
@click.option(
    "--interval", default=1.0, show_default=True, help="Seconds between looks at the outbox."
)
def work_command(once: bool, interval: float) -> None:
    """Deliver queued SMS and email with retries (SEC7). Several may run at once on
    PostgreSQL; SIGTERM or Ctrl-C finishes the message in hand, then exits."""
    import signal
    import threading

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    work(once=once, interval=interval, stop=stop)


@notify_cli.command("outbox")
@click.option("--limit", default=10)
def outbox_command(limit: int) -> None:
    """Print the latest messages (the development SMS gateway)."""
    rows = db.session.execute(
        db.select(OutboxMessage)
        .order_by(OutboxMessage.id.desc())
        .limit(limit)
        .execution_options(all_tenants=True)
    ).scalars()
    for m in rows:
        state = "sent" if m.sent_at else f"pending ({m.attempts} tries)"
        click.echo(
            f"#{m.id} {m.created_at:%H:%M:%S} {m.channel} → {m.recipient} [{state}]\n    {m.body}"
        )


@notify_cli.command("receipts")
def receipts_command() -> None:
    """Pull the providers' delivery reports of the SMS they accepted (Aliyun QuerySendDetails,
    Tencent PullSmsSendStatus) and record delivered / failed on each outbox message."""
    click.echo(f"{pull_receipts()} SMS got a delivery status")


@notify_cli.command("templates")
@click.option("--style", type=click.Choice(["aliyun", "tencent"]), default="aliyun")
@click.option("--locale", default="zh_CN")
def templates_command(style: str, locale: str) -> None:
    """Print every SMS template's text as it is registered with the provider."""
    with force_locale(locale):
        for name in TEMPLATES:
            click.echo(f"{name}\n    {provider_text(name, style)}")
