"""The log-in end: log-in with password (and TOTP for staff and officers), log-out, password
reset and the first log-in's steps (I1). Its blueprint keeps the name ``accounts`` (the URLs'
endpoints). The accounts themselves (users, passwords, TOTP, codes) are ``portal.accounts``,
below every end.

One blueprint for the whole end, defined here; the route modules beside this file attach
their views to ``bp`` when imported at the end of this file."""

from flask import Blueprint, current_app

from portal.extensions import limiter

bp = Blueprint("accounts", __name__, url_prefix="/<tenant>")

#: guessing passwords, TOTP codes or reset codes from one address is slowed down per client IP;
#: the per-account limits of SEC2 hold on top of this
credential_limit = limiter.limit(
    lambda: current_app.config["CREDENTIAL_RATE_LIMIT"], methods=["POST"]
)

# the views: log-in, log-out, password reset; the first log-in with a one-time password (I1)
from portal.signin import first_login, views  # noqa: E402,F401
