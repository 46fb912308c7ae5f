"""Translations in templates without the per-call cost (SPEC P6).

Flask-Babel's Jinja ``_()`` looks up the request's locale and catalogue on every call (about
15 µs: a long page such as the approval queue calls it 400 times), and it parses the
selected language into a babel ``Locale`` on every request ("zh_CN" is not a babel file name,
so babel scans its whole list of locales: about 0.1 ms). Here the two languages are parsed
once per process, and each render binds ``_``, ``gettext`` and ``ngettext`` to the catalogue
of the locale in force when it starts. The output is the same as Jinja's "newstyle" gettext:
the message is escaped when autoescaping is on and always treated as a format string.

The ``format_date`` and ``format_datetime`` filters remember what babel made of a date for
the locale and time zone (P6)."""

from __future__ import annotations

from babel import Locale
from flask import Flask
from flask_babel import format_date, format_datetime, get_locale, get_timezone, get_translations
from jinja2 import pass_context
from markupsafe import Markup

#: the portal's languages (portal.web.select_locale), parsed once per process
LOCALES = {code: Locale.parse(code) for code in ("zh_CN", "en")}


def _formatted(message: str, autoescape: bool, variables: dict) -> str:
    if autoescape:
        message = Markup(message)
    # as Jinja's newstyle gettext: always a format string ("%%" becomes "%"); a message with
    # no variables and no "%" would come back unchanged, so the formatting is skipped
    return message % variables if variables or "%" in message else message


def bound_gettext(translations=None) -> dict:
    """``_``, ``gettext`` and ``ngettext`` bound to ``translations`` (one render), or (None)
    looking the request's catalogue up at each call (the Jinja globals)."""

    def catalogue():
        return translations if translations is not None else get_translations()

    @pass_context
    def gettext(__context, __string: str, **variables) -> str:
        return _formatted(catalogue().ugettext(__string), __context.eval_ctx.autoescape, variables)

    @pass_context
    def ngettext(__context, __singular: str, __plural: str, __num: int, **variables) -> str:
        variables.setdefault("num", __num)
        return _formatted(
            catalogue().ungettext(__singular, __plural, __num),
            __context.eval_ctx.autoescape,
            variables,
        )

    return {"_": gettext, "gettext": gettext, "ngettext": ngettext}


#: formatted dates by (formatter, value, its type and zone, format, rebase, locale, time zone)
_DATES: dict = {}
_DATES_MAX = 4096


def _where() -> tuple[str, object]:
    """The request's locale (as text) and time zone: what a formatted date depends on."""
    return str(get_locale()), get_timezone()


def _cached(formatter, value, format=None, rebase=True, where: tuple | None = None) -> str:
    """``formatter(value, format, rebase)`` (Flask-Babel's), remembered: the text depends on
    nothing else than the key, and babel takes 20 to 30 µs for each (a queue page shows 100).
    ``where`` is ``_where()`` when the caller knows it already."""
    if value is None:  # "now"
        return formatter(value, format, rebase)
    try:
        key = (
            formatter,
            value,
            type(value),
            getattr(value, "tzinfo", None),
            format,
            rebase,
            *(where or _where()),
        )
        return _DATES[key]
    except TypeError:  # not hashable
        return formatter(value, format, rebase)
    except KeyError:
        pass
    text = formatter(value, format, rebase)
    if len(_DATES) >= _DATES_MAX:
        _DATES.clear()
    _DATES[key] = text
    return text


#: the render's ``_where()``, put in its context with the bound gettext (one lookup per render)
WHERE = "_i18n_where"


@pass_context
def date_filter(context, value=None, format=None, rebase=True) -> str:
    return _cached(format_date, value, format, rebase, context.get(WHERE))


@pass_context
def datetime_filter(context, value=None, format=None, rebase=True) -> str:
    return _cached(format_datetime, value, format, rebase, context.get(WHERE))


def init_app(app: Flask) -> None:
    """After ``babel.init_app`` (which installs Jinja's i18n extension): the globals (what a
    macro module imported without context calls) look the catalogue up at each call; every
    render gets ones bound to its catalogue in its context."""
    app.jinja_env.globals.update(bound_gettext())

    @app.context_processor
    def _translations() -> dict:
        return {**bound_gettext(get_translations()), WHERE: _where()}

    app.jinja_env.filters["format_date"] = date_filter
    app.jinja_env.filters["format_datetime"] = datetime_filter
