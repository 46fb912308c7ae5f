"""The doctor's end (个人端): sign-up, verification, activation, application, status.

One blueprint for the whole end. Its pages under ``/<tenant>/me`` are the doctor's: the guard
below answers them once, before any view (log-in first, then the doctor's role); sign-up is
the one page of this end open to anyone. The route modules beside this file attach their
views to ``bp`` when imported at the end of this file."""

from flask import Blueprint, request

from portal.accounts import require_role
from portal.accounts.models import Role

bp = Blueprint("doctor", __name__, url_prefix="/<tenant>")

#: the pages of this end anyone may open
OPEN = {"doctor.signup"}

_doctor_only = require_role(Role.DOCTOR)


@bp.before_request
def _guard():
    if request.endpoint not in OPEN:
        return _doctor_only()
    return None


# the views: the account, activation and home; the wizard, changes, maintenance, sites, the
# e-certificate and the print view
from portal.doctor import (  # noqa: E402,F401
    account,
    certificate,
    changes,
    maintenance,
    printing,
    sites,
    views,
    wizard,
)
