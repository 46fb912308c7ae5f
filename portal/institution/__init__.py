"""The institution end (机构端): activation queue (I3) and approval queue (I4)."""

from flask import Blueprint

from portal.accounts import require_role
from portal.accounts.models import Role

bp = Blueprint("institution", __name__, url_prefix="/<tenant>/institution")
bp.before_request(require_role(Role.STAFF))

from portal.institution import views  # noqa: E402,F401
