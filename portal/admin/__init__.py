"""The health-commission end (卫生行政部门端): final approval (A4), identity cases (A3)."""

from flask import Blueprint

from portal.accounts import require_role
from portal.accounts.models import Role

bp = Blueprint("admin", __name__, url_prefix="/<tenant>/admin")
bp.before_request(require_role(Role.OFFICER, Role.ADMIN))

from portal.admin import views  # noqa: E402,F401
