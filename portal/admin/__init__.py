"""The health-commission end (卫生行政部门端): final approval (A4), identity cases (A3).

One blueprint for the whole end, guarded once: every page is for officers and the province's
administrator (log-in first, then the role). The route modules beside this file attach their
views to ``bp`` when imported at
the end of this file."""

from flask import Blueprint

from portal.accounts import require_role
from portal.accounts.models import Role

bp = Blueprint("admin", __name__, url_prefix="/<tenant>/admin")
bp.before_request(require_role(Role.OFFICER, Role.ADMIN))

from portal.admin import (  # noqa: E402,F401
    accounts,
    api_keys,
    audit,
    cancellations,
    decisions,
    filings,
    imports,
    institutions,
    officers,
    offices,
    province,
    records,
    reports,
    rules_editor,
    views,
)
