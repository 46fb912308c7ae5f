"""The one-time set-up link of an account made by the operator without an SMS gateway (T5,
``flask accounts create-admin``): opening it shows a button (a link previewer opening it
spends nothing); pressing it logs the account in once, to choose a password and enrol TOTP
(I1). Used, expired or unknown: a clear 404."""

from __future__ import annotations

from flask import g, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm

from portal.accounts import setup_step, start_session
from portal.extensions import db
from portal.htmx import redirect_to, render
from portal.signin import bp, credential_limit
from portal.workflow import commission_accounts
from portal.workflow.locks import Decided


def _gone():
    return render(
        "error.html",
        "content",
        status=404,
        tenant=g.tenant,
        message=_("This set-up link is not valid: it was used, it expired or it was mistyped."),
        detail=_("Ask the operator or the province's administrator for a new one."),
    )


@bp.route("/setup/<token>", methods=["GET", "POST"])
@credential_limit
def setup_link(token: str):
    user = commission_accounts.user_of_setup_token(token)
    if user is None:
        return _gone()
    form = FlaskForm()
    if form.validate_on_submit():
        try:
            commission_accounts.use_setup_link(user)
        except Decided:  # pressed twice at once, or in two browsers: the other one got in
            db.session.rollback()
            return _gone()
        start_session(user)
        return redirect_to(url_for(setup_step(user) or "accounts.first_password"))
    response = render("accounts/setup_link.html", user=user, form=form, token=token)
    response.headers["Cache-Control"] = "no-store"
    return response
