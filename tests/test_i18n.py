"""The two catalogues (zh_CN by default, en on switch) are complete, cover every string in the
code and templates, are compiled, and the language switch works and persists.

When a test here fails after a change: `make messages`, fill in the new msgstr in both
portal/translations/*/LC_MESSAGES/messages.po, then `make translations`.
"""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from babel import Locale
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po, write_po

from tests.support.http import staff_login
from tests.support.journey import doctor_form, walk_doctor
from tests.support.wording import REQUIREMENT_CODE

ROOT = Path(__file__).resolve().parents[1]
TRANSLATIONS = ROOT / "portal" / "translations"
LOCALES = ("zh_CN", "en")
# the same keywords as `make messages`: the defaults plus -k _l -k lazy_gettext
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")

# the label of the real-name field on the sign-up page, in both languages
REAL_NAME_EN = "Real name (as on your ID card)"
REAL_NAME_ZH = "真实姓名"


def catalogue_dir(locale: str) -> Path:
    """The folder of a locale's catalogue. Flask-Babel turns the selector's "zh_CN" into the
    babel Locale zh_Hans_CN and gettext then looks in zh_Hans_CN/ or zh/ (see
    test_flask_babel_finds_each_catalogue); the folder named after the code is the fallback."""
    parsed = Locale.parse(locale)
    for name in (str(parsed), parsed.language, locale):
        if (TRANSLATIONS / name).is_dir():
            return TRANSLATIONS / name
    return TRANSLATIONS / locale


def po_path(locale: str) -> Path:
    return catalogue_dir(locale) / "LC_MESSAGES" / "messages.po"


def load_po(locale: str) -> Catalog:
    with po_path(locale).open("rb") as f:
        return read_po(f, locale=locale)


def key(message_id) -> str:
    """A catalogue entry is found by its singular msgid."""
    return message_id[0] if isinstance(message_id, (tuple, list)) else message_id


def entries(catalog: Catalog):
    return [m for m in catalog if m.id]


def strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (tuple, list)) else [message.string]


def ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, (tuple, list)) else [message.id]


# (a) every msgid is translated and nothing is left fuzzy


@pytest.mark.parametrize("locale", LOCALES)
def test_catalogue_has_no_empty_or_fuzzy_entry(locale):
    catalog = load_po(locale)
    assert entries(catalog), f"{po_path(locale)} has no messages"
    problems = []
    for m in entries(catalog):
        if m.fuzzy:
            problems.append(f"fuzzy: {key(m.id)!r}")
        if not all(s and s.strip() for s in strings(m)):
            problems.append(f"empty msgstr: {key(m.id)!r}")
    assert not problems, f"{locale}: {len(problems)} untranslated entries\n" + "\n".join(problems)


@pytest.mark.parametrize("locale", LOCALES)
def test_plural_forms_match_the_language(locale):
    catalog = load_po(locale)
    expected = {"zh_CN": 1, "en": 2}[locale]
    assert catalog.num_plurals == expected, (
        f"{locale}: Plural-Forms header says {catalog.num_plurals}"
    )
    wrong = [key(m.id) for m in entries(catalog) if m.pluralizable and len(strings(m)) != expected]
    assert not wrong, f"{locale}: plural entries need exactly {expected} msgstr: {wrong}"


@pytest.mark.parametrize("locale", LOCALES)
def test_translations_keep_every_placeholder(locale):
    catalog = load_po(locale)
    problems = []
    for m in entries(catalog):
        wanted = set().union(*(PLACEHOLDER.findall(i) for i in ids(m)))
        for s in strings(m):
            got = set(PLACEHOLDER.findall(s or ""))
            if s and got != wanted:
                problems.append(f"{key(m.id)!r}: has {sorted(got)}, needs {sorted(wanted)}")
    assert not problems, f"{locale}: placeholders differ\n" + "\n".join(problems)


def test_requirement_code_pattern_catches_the_forms_used():
    for text in (
        "filed with the city (R1, F12).",
        "并报市级备案（R1、F12）。",
        "valid (R3)",
        "(SEC5)",
    ):
        assert REQUIREMENT_CODE.search(text), text
    for text in ("print on A4 paper", "(Ctrl+P, or ⌘+P on a Mac)", "(%(county)s)", "（第19条）"):
        assert not REQUIREMENT_CODE.search(text), text


@pytest.mark.parametrize("locale", LOCALES)
def test_no_requirement_code_in_what_users_read(locale):
    """Labels, hints and messages say what they mean; "(R1)" means nothing to an officer."""
    found = [
        f"{key(m.id)!r}: {s!r}"
        for m in entries(load_po(locale))
        for s in ids(m) + strings(m)
        if s and REQUIREMENT_CODE.search(s)
    ]
    assert not found, f"{locale}: requirement codes in user-facing text\n" + "\n".join(found)


# (b) every string in the code and templates is in both catalogues


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> Catalog:
    """Extract as `make messages` does (babel.cfg, same keywords) into a temporary .pot."""
    with (ROOT / "babel.cfg").open() as f:
        method_map, options_map = parse_mapping_cfg(f, str(ROOT / "babel.cfg"))
    template = Catalog()
    for filename, lineno, message, comments, context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    pot = tmp_path_factory.mktemp("i18n") / "messages.pot"
    with pot.open("wb") as f:
        write_po(f, template)
    with pot.open("rb") as f:
        return read_po(f)


def test_extraction_finds_the_strings(extracted):
    found = {key(m.id) for m in entries(extracted)}
    # one from a Python view, one lazy form label, one from a template
    assert {"Page not found.", REAL_NAME_EN, "Sign up as a doctor"} <= found, "extraction is broken"


@pytest.mark.parametrize("locale", LOCALES)
def test_every_source_string_is_in_the_catalogue(extracted, locale):
    catalog = load_po(locale)
    known = {(key(m.id), m.context) for m in entries(catalog)}
    missing = sorted(
        (key(m.id), m.locations[0] if m.locations else None)
        for m in entries(extracted)
        if (key(m.id), m.context) not in known
    )
    assert not missing, (
        f"{locale}: {len(missing)} msgids in the sources are not in {po_path(locale).relative_to(ROOT)} "
        "(run `make messages` and translate them):\n"
        + "\n".join(
            f"{msgid!r}  ({where[0]}:{where[1]})" if where else repr(msgid)
            for msgid, where in missing
        )
    )


# the app serves the compiled .mo files, which are git-ignored: they must match the .po


@pytest.mark.parametrize("locale", LOCALES)
def test_compiled_catalogue_is_current(locale):
    mo = po_path(locale).with_suffix(".mo")
    assert mo.exists(), f"{mo.relative_to(ROOT)} is missing: run `make translations`"
    with mo.open("rb") as f:
        compiled = {key(m.id): strings(m) for m in read_mo(f) if m.id}
    stale = [key(m.id) for m in entries(load_po(locale)) if compiled.get(key(m.id)) != strings(m)]
    assert not stale, (
        f"{mo.relative_to(ROOT)} is out of date ({len(stale)} entries): run `make translations`"
    )


@pytest.mark.parametrize("locale", LOCALES)
def test_flask_babel_finds_each_catalogue(locale):
    """Flask-Babel loads Translations.load(dir, [Locale.parse(code)]): gettext searches the
    folders named after str(Locale), e.g. zh_Hans_CN/ then zh/, never zh_CN/."""
    wanted = str(Locale.parse(locale))
    found = gettext.find("messages", str(TRANSLATIONS), [wanted])
    folders = sorted(p.name for p in TRANSLATIONS.iterdir() if p.is_dir())
    assert found, (
        f"the app asks for {locale!r} = babel Locale {wanted!r}, but gettext finds no "
        f"{wanted}/LC_MESSAGES/messages.mo (nor its fallbacks) in {TRANSLATIONS.relative_to(ROOT)} "
        f"(folders there: {folders}): that language is served untranslated"
    )


# (c) Chinese by default, English after the switch, and the choice persists


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def test_language_is_chinese_by_default_and_the_switch_persists(demo):
    client = demo.test_client()

    html = page(client, "/hubei/signup")
    assert '<html lang="zh-CN">' in html
    assert REAL_NAME_ZH in html
    assert REAL_NAME_EN not in html
    assert "医师账号注册" in html  # the page heading, from a template

    response = client.get("/lang/en?next=/hubei/signup", follow_redirects=True)
    assert response.status_code == 200
    assert response.request.path == "/hubei/signup"
    assert len(response.history) == 1 and response.history[0].status_code == 303
    cookie = client.get_cookie("lang")
    assert cookie is not None and cookie.value == "en"
    html = response.get_data(as_text=True)
    assert '<html lang="en">' in html
    assert REAL_NAME_EN in html
    assert REAL_NAME_ZH not in html
    assert "Sign up as a doctor" in html

    # the choice is remembered on the next page, without asking again
    html = page(client, "/hubei/login")
    assert '<html lang="en">' in html
    assert "User name" in html and "用户名" not in html
    html = page(client, "/hubei/signup")
    assert REAL_NAME_EN in html and REAL_NAME_ZH not in html

    # and switching back gives Chinese again
    response = client.get("/lang/zh_CN?next=/hubei/login", follow_redirects=True)
    assert client.get_cookie("lang").value == "zh_CN"
    html = response.get_data(as_text=True)
    assert '<html lang="zh-CN">' in html
    assert "用户名" in html and "User name" not in html


def test_unknown_language_falls_back_to_chinese(demo):
    client = demo.test_client()
    client.get("/lang/fr?next=/hubei/signup")
    assert client.get_cookie("lang") is None
    client.set_cookie("lang", "fr")
    html = page(client, "/hubei/signup")
    assert REAL_NAME_ZH in html and REAL_NAME_EN not in html


def test_two_languages_in_turn_keep_their_own_words_dates_and_plurals(demo):
    """P6: the catalogue is bound once per render and formatted dates are remembered per
    process; pages asked in Chinese and English in turn must each stay wholly in their own
    language (messages, plurals with their number, dates)."""

    staff = staff_login(demo, "hb-county-staff")
    walk_doctor(
        demo,
        "hubei",
        doctor_form("李明华", "420525198803121236", "13800138001", "liminghua"),
        until="confirmed",
        staff=staff,
        institution="远安",
    )
    officer = staff_login(demo, "hb-officer")
    chinese_date, english_date = (
        re.compile(r"\d{4}年\d{1,2}月\d{1,2}日"),
        re.compile(r"[A-Z][a-z]{2} \d{1,2}, \d{4}"),
    )
    for lang in ("zh_CN", "en", "zh_CN", "en"):
        officer.client.set_cookie("lang", lang)
        html = page(officer.client, "/hubei/admin/")
        assert "李明华" in html
        if lang == "en":
            assert (
                '<html lang="en">' in html
                and "working days left" in html
                and "个工作日" not in html
            )
            assert english_date.search(html) and not chinese_date.search(html)
        else:
            assert '<html lang="zh-CN">' in html and re.search(r"剩余 \d+ 个工作日", html)
            assert "working day" not in html
            assert chinese_date.search(html) and not english_date.search(html)
