"""The log-in end: log-in with password (and TOTP for staff and officers), log-out, password
reset and the first log-in's steps (I1). Its blueprint keeps the name ``accounts`` (the URLs'
endpoints). The accounts themselves (users, passwords, TOTP, codes) are ``portal.accounts``,
below every end.

One blueprint for the whole end, defined here; the route modules beside this file attach
their views to ``bp`` when imported at the end of this file."""

from flask import Blueprint

from portal.accounts import credential_limit  # noqa: F401 (the views import it from here)

bp = Blueprint("accounts", __name__, url_prefix="/<tenant>")

# the views: log-in, log-out, password reset; the first log-in with a one-time password (I1);
# the operator's one-time set-up link (T5)
from portal.signin import first_login, setup_link, views  # noqa: E402,F401
