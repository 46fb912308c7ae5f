"""The registered doctor's electronic certificate (V1, V2): the registration's facts and a QR
code, made on the server with segno, that opens the public check with the certificate signed
by the province (``?t=``); and the presentation code that changes every 30 seconds (``?p=``),
refreshed in-page by htmx and current at load without JS."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from urllib.parse import urlencode

import segno
from flask import current_app, flash, g, make_response, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from portal.columns import local_today
from portal.doctor import bp, services
from portal.extensions import db
from portal.htmx import is_partial_request, redirect_to, render
from portal.tenants.hosts import public_place
from portal.workflow.models import Application
from portal.workflow.register import PUBLIC_STATES, public_entry
from portal.workflow.signed_certificates import (
    certificate_token,
    presentation_step,
    presentation_token,
    step_times,
)


def utcnow_aware() -> datetime:
    return datetime.now(UTC)


def registration_of(doctor) -> Application | None:
    """The doctor's latest approved registration, or None."""
    return (
        db.session.execute(
            db.select(Application)
            .where(
                Application.doctor_id == doctor.id,
                Application.state.in_(PUBLIC_STATES),
                Application.certificate_no.is_not(None),
                Application.registered_on.is_not(None),
            )
            .options(joinedload(Application.institution))
            .order_by(Application.registered_on.desc(), Application.id.desc())
            .limit(1)
        )
        .scalars()
        .first()
    )


def _check_url(**args) -> str:
    """An absolute address of the public check. In production on the tenant's own host or
    PUBLIC_HOST (portal/tenants/hosts.py), never the request's Host header; elsewhere the host
    the page was asked on (``make run``'s port, the test server's)."""
    if current_app.config.get("CONFIG_NAME") == "production":
        return "https://" + public_place(current_app, g.tenant.slug, "/verify?" + urlencode(args))
    scheme = "https" if current_app.config.get("FORCE_HTTPS") else None
    return url_for("public.verify", **args, _external=True, _scheme=scheme)


def verify_url(certificate_no: str) -> str:
    """The address of the public check of this number, for a person to type or follow."""
    return _check_url(no=certificate_no)


def signed_url(app: Application) -> str:
    """What the certificate's QR code holds: the public check with the signed certificate (V2)."""
    return _check_url(t=certificate_token(g.tenant.slug, app))


def _qr(url: str):
    # error level M survives a scratched or folded print-out; docs/verification.md measures the
    # version the signed certificate takes (15 to 18: 0.6 mm modules at 2 inches)
    return segno.make(url, error="m")


def qr_svg_inline(url: str, title: str | None = None) -> Markup:
    """The QR code as inline SVG: presentation attributes only, no style="" (the CSP forbids
    inline styles), named for screen readers by its <title>."""
    svg = _qr(url).svg_inline(
        scale=3,
        dark="#000",
        light="#fff",
        svgclass="qr",
        lineclass=None,
        title=title or _("QR code: check this certificate on the public register"),
    )
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))


def presentation(app: Application) -> dict:
    """The presentation code of this 30-second step (V2), its QR code and until when it holds."""
    step = presentation_step()
    shown_from, shown_until = step_times(step)
    url = _check_url(p=presentation_token(g.tenant.slug, app.certificate_no, step))
    return {
        "url": url,
        "qr": qr_svg_inline(url, _("QR code: the presentation code of this moment")),
        "until": shown_until,
        # htmx asks for the next one as this one ends (one second late: the next step has begun)
        "refresh_in": max(1, int((shown_until - utcnow_aware()).total_seconds()) + 1),
    }


def _no_registration():
    flash(
        _(
            "You have no approved registration yet: the electronic certificate appears once the health "
            "commission approves your application."
        )
    )
    return redirect_to(url_for("doctor.home"))


@bp.get("/me/certificate")
def certificate():
    app = registration_of(current_user)
    if app is None:
        return _no_registration()
    today = local_today()
    signed = signed_url(app)
    return render(
        "doctor/certificate.html",
        app=app,
        entry=public_entry(app, today),
        verify_url=verify_url(app.certificate_no),
        signed_url=signed,
        qr=qr_svg_inline(signed),
        live=presentation(app),
        exam=services.exam_years(app, today),
    )


@bp.get("/me/certificate/live")
def certificate_live():
    """The presentation code of this moment: the fragment htmx swaps in every 30 seconds; the
    certificate page for a browser asking for it as a page."""
    app = registration_of(current_user)
    if app is None:
        return _no_registration()
    if not is_partial_request():
        return redirect_to(url_for("doctor.certificate"))
    return render("doctor/certificate.html", "live_block", live=presentation(app))


@bp.get("/me/certificate/qr.svg")
def certificate_qr():
    """The same QR code as an SVG file, to save or print."""
    app = registration_of(current_user)
    if app is None:
        return _no_registration()
    out = io.BytesIO()
    _qr(signed_url(app)).save(
        out,
        kind="svg",
        scale=8,
        dark="#000",
        light="#fff",
        svgclass=None,
        lineclass=None,
        title=app.certificate_no,
    )
    response = make_response(out.getvalue())
    response.mimetype = "image/svg+xml"
    response.headers["Content-Disposition"] = (
        f'inline; filename="certificate-{app.certificate_no}.svg"'
    )
    response.headers["Cache-Control"] = "private, no-cache"
    return response
