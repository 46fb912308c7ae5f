"""The institution end (机构端): activation queue (I3) and approval queue (I4).

One blueprint for the whole end, guarded once: every page is for the institution's staff
(log-in first, then the role). The route modules beside this file attach their views to ``bp``
when imported at the end of this file."""

from flask import Blueprint

from portal.accounts import require_role
from portal.accounts.models import Role

bp = Blueprint("institution", __name__, url_prefix="/<tenant>/institution")
bp.before_request(require_role(Role.STAFF))

from portal.institution import (  # noqa: E402,F401
    activation_codes,
    bulk_check,
    cancellations,
    item_urls,
    queue,
    roster,
    staff,
    views,
)
