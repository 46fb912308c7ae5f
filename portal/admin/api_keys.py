"""API keys for the open verification interface (V3): the province's administrator issues a
key to an institution or a platform by name, sees it once, lists the keys with their last use
and revokes one. Each issue and revocation is audited (``portal.workflow.api_keys``)."""

from __future__ import annotations

from flask import abort, flash, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from portal.accounts import role_required
from portal.accounts.api_keys import ApiKey
from portal.accounts.models import Role
from portal.admin import bp
from portal.extensions import db
from portal.forms import nfkc
from portal.htmx import redirect_to, render
from portal.workflow import api_keys

admin_only = role_required(Role.ADMIN)


class ApiKeyForm(FlaskForm):
    name = StringField(
        _l("Held by"),
        filters=[nfkc],
        validators=[
            DataRequired(_l("This field is required.")),
            Length(max=100, message=_l("At most %(max)d characters.")),
        ],
        render_kw={"maxlength": "100"},
        description=_l("The institution or platform the key is for, e.g. 第一人民医院 医务处."),
    )


def _page(form: ApiKeyForm, status: int = 200, new_key: str | None = None):
    keys = db.session.execute(db.select(ApiKey).order_by(ApiKey.id.desc())).scalars().all()
    return render("admin/api_keys.html", status=status, form=form, keys=keys, new_key=new_key)


@bp.get("/api-keys")
@admin_only
def api_key_list():
    return _page(ApiKeyForm(formdata=None))


@bp.post("/api-keys")
@admin_only
def issue_api_key():
    form = ApiKeyForm()
    if not form.validate_on_submit():
        if "csrf_token" in form.errors:
            abort(400)
        return _page(form, 422)
    _row, key = api_keys.issue(form.name.data, current_user)
    # shown on this answer only (never stored in clear, never in a redirect's URL)
    return _page(ApiKeyForm(formdata=None), 201, new_key=key)


@bp.post("/api-keys/<int:key_id>/revoke")
@admin_only
def revoke_api_key(key_id: int):
    row = db.session.get(ApiKey, key_id)  # another tenant's id finds nothing (T3)
    if row is None:
        abort(404)
    if not FlaskForm().validate_on_submit():
        abort(400)
    api_keys.revoke(row, current_user)
    flash(_("The key of %(name)s is revoked: it no longer works.", name=row.name))
    return redirect_to(url_for("admin.api_key_list"))
