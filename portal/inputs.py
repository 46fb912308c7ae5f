"""Bad input that would otherwise reach the database and fail there with a 500 (SEC6).

- Ids: every id column is a 32-bit INTEGER (PostgreSQL's ``integer``; SQLite's is 64-bit).
  A larger number in a URL or a form can name no row, but sent to the database it raises
  "integer out of range" / OverflowError. URL ids use a bounded ``int`` converter (so they
  answer 404 like any missing id, T3), and query/form ids are read with ``db_id``.
- NUL characters: PostgreSQL refuses them in text, so a request carrying one in any query
  or form value is answered 400 before a view sees it; so is a multipart part whose name
  cannot be read (the parser gives it the key None, which the CSRF check cannot read), and a
  file under a name that no form uploads by (a text field's validators cannot read a file).
"""

from __future__ import annotations

import functools

from flask import Flask, abort, request
from werkzeug.routing import IntegerConverter

from portal.extensions import db

MAX_ID = 2**31 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: non-negative and at most ``MAX_ID``, else 404."""

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(
            map,
            fixed_digits=fixed_digits,
            min=min,
            max=MAX_ID if max is None else max,
            signed=signed,
        )


def db_id(value) -> int:
    """``int`` for ids read from a query string or a form: ValueError unless 1..MAX_ID
    (``request.args.get(name, type=db_id)`` then gives the default)."""
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 10:
        raise ValueError(f"not an id: {value!r}")
    number = int(text)
    if not 1 <= number <= MAX_ID:
        raise ValueError(f"id out of range: {value!r}")
    return number


def init_app(app: Flask) -> None:
    # before any blueprint is registered, so every route's <int:...> is bounded
    app.url_map.converters["int"] = IdConverter

    def _refuse_malformed():
        # a file under a name no form uploads by would reach a text field's validators
        if request.files and set(request.files) - _file_field_names():
            abort(400)
        for values in (request.args, request.form, request.files):
            for key, value in values.items(multi=True):
                # a multipart part whose name the parser could not read comes with key None
                if (
                    not isinstance(key, str)
                    or "\x00" in key
                    or (isinstance(value, str) and "\x00" in value)
                ):
                    abort(400)

    # first of all, before the CSRF check (which reads every form key as a string)
    app.before_request_funcs.setdefault(None, []).insert(0, _refuse_malformed)


@functools.cache
def _file_field_names() -> frozenset[str]:
    """The names of the file fields of every form of the app (the only names a file may have)."""
    from flask_wtf import FlaskForm
    from wtforms import FileField, MultipleFileField

    names, todo = set(), list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        names.update(
            k
            for k, v in vars(cls).items()
            if issubclass(getattr(v, "field_class", type(None)), FileField | MultipleFileField)
        )
    return frozenset(names)


def posted_row(model, raw, form_valid: bool):
    """The row a posted form names by id: 400 when the form or the id is malformed, 404 when
    the id names nothing (another tenant's id finds nothing either, T3)."""
    try:
        row_id = db_id(raw) if form_valid else None
    except ValueError:
        row_id = None
    if row_id is None:
        abort(400)
    row = db.session.get(model, row_id)
    if row is None:
        abort(404)
    return row
