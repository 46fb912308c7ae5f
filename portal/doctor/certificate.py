"""The registered doctor's electronic certificate (V1): the registration's facts and a QR code,
made on the server with segno, that opens the public check of the certificate number."""

from __future__ import annotations

import io

import segno
from flask import current_app, flash, make_response, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from portal.columns import local_today
from portal.doctor import bp, services
from portal.extensions import db
from portal.htmx import redirect_to, render
from portal.workflow.models import Application
from portal.workflow.register import PUBLIC_STATES, public_entry


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


def verify_url(certificate_no: str) -> str:
    """The absolute address of the public check of this number (what the QR code holds)."""
    scheme = "https" if current_app.config.get("FORCE_HTTPS") else None
    return url_for("public.verify", no=certificate_no, _external=True, _scheme=scheme)


def _qr(url: str):
    # error level M survives a scratched or folded print-out; the address stays short (version 3-4)
    return segno.make(url, error="m")


def qr_svg_inline(url: str) -> Markup:
    """The QR code as inline SVG: presentation attributes only, no style="" (the CSP forbids
    inline styles), named for screen readers by its <title>."""
    svg = _qr(url).svg_inline(
        scale=4,
        dark="#000",
        light="#fff",
        svgclass="qr",
        lineclass=None,
        title=_("QR code: check this certificate on the public register"),
    )
    return Markup(svg.replace("<svg ", '<svg role="img" ', 1))


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
    url = verify_url(app.certificate_no)
    today = local_today()
    return render(
        "doctor/certificate.html",
        app=app,
        entry=public_entry(app, today),
        verify_url=url,
        qr=qr_svg_inline(url),
        exam=services.exam_years(app, today),
    )


@bp.get("/me/certificate/qr.svg")
def certificate_qr():
    """The same QR code as an SVG file, to save or print."""
    app = registration_of(current_user)
    if app is None:
        return _no_registration()
    out = io.BytesIO()
    _qr(verify_url(app.certificate_no)).save(
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
