"""The doctor's end (个人端): sign-up, verification, activation, application, status."""

from flask import Blueprint

bp = Blueprint("doctor", __name__, url_prefix="/<tenant>")

from portal.doctor import views  # noqa: E402,F401
