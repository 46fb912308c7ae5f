"""Bad input on every form (SEC6), generated: every POST route of the URL map, as each role
that may use it, gets random and hostile values (huge strings, control characters, wrong
types, lists for scalars, missing or forged CSRF tokens, HTML/JS and SQL fragments, random
bytes as files, bodies of invalid UTF-8). Never a 500, and a refused post (4xx) changes
nothing in the database, except the counters SEC2 keeps on purpose (a wrong code counts).

A new form is fuzzed without touching this file: the routes come from the URL map, the
field names from every FlaskForm subclass of the app."""

from __future__ import annotations

import io

import pytest
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support import figures
from tests.support.db import snapshot
from tests.support.security import DOCTORS, ROUTE_APP, routes, urls

HOSTILE = [
    "",
    " ",
    "0",
    "-1",
    "1",
    "2",
    "99999999999999999999999999",
    "1e309",
    "NaN",
    "None",
    "null",
    "true",
    "[]",
    "{}",
    "<script>alert(1)</script>",
    '"><svg onload=alert(1)>',
    "javascript:alert(1)",
    "{{7*7}}",
    "${7*7}",
    "' OR '1'='1",
    "1; DROP TABLE user_account; --",
    "%' --",
    "\\x00",
    "\x00",
    "a\x00b",
    "\r\n\r\nX: y",
    "\u202e\u200b\ufeff",
    "２０２４-０２-３０",
    "2024-02-30",
    "0000-00-00",
    "9999-12-31",
    "../../etc/passwd",
    "𠀀" * 500,
    "A" * 100_000,
    "无",
    "sms",
    "email",
    "123456",
    "ABCDEFGH",
    "change",
    "reregister",
    "save",
    "next",
    "upload",
    "use",
    "other",
    "internal",
    "Demo-pass-2026",
    "hb-officer",
]


def _field_names() -> list[str]:
    """The name of every field of every form class of the app (a new form is fuzzed too)."""
    names, todo = set(), list(FlaskForm.__subclasses__())
    while todo:
        cls = todo.pop()
        todo.extend(cls.__subclasses__())
        names.update(name for name, _ in getattr(cls, "_unbound_fields", None) or [])
        names.update(k for k, v in vars(cls).items() if hasattr(v, "field_class"))
    return sorted(
        names | {"action", "materials", "pending_id", "channel", "institution_id", "scopes"}
    )


FIELDS = _field_names()

scalar = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=40),
    st.integers().map(str),
    st.text(alphabet=st.characters(max_codepoint=0x1F), max_size=10),
)


class Upload(bytes):
    """Random bytes posted as a file named like a photo."""


upload = st.binary(max_size=3000).map(Upload)
value = st.one_of(scalar, st.lists(scalar, max_size=3), upload)
form_data = st.dictionaries(
    st.one_of(st.sampled_from(FIELDS), st.text(max_size=8)), value, max_size=8
)
csrf = st.sampled_from(["valid", "valid", "valid", "missing", "forged", "empty"])

#: a refused post may still count a failure, on purpose (SEC2): these columns only
COUNTERS = {
    "user_account": {"code_failures", "code_locked_until", "totp_last_step"},
    "one_time_code": {"attempts"},
}


def roles_for(endpoint: str) -> list[str]:
    """The roles that may use an endpoint (its blueprint's users)."""
    area = endpoint.split(".")[0]
    if area == "doctor" and endpoint != "doctor.signup":
        return list(DOCTORS)
    return {"institution": ["staff"], "admin": ["officer"]}.get(
        area, ["anonymous", "doctor-registered"]
    )


CASES = [
    pytest.param(rule, endpoint, role, id=f"{endpoint} as {role}")
    for rule, endpoint in routes("POST")
    for role in roles_for(endpoint)
]


def _without_counters(snap: dict) -> dict:
    from portal.extensions import db

    out = {}
    for name, rows in snap.items():
        table = db.metadata.tables[name]
        skip = [i for i, c in enumerate(table.columns) if c.name in COUNTERS.get(name, ())]
        out[name] = [tuple(v for i, v in enumerate(row) if i not in skip) for row in rows]
    return out


def post_and_check(app, world, role: str, url: str, **kw) -> int:
    before = _without_counters(snapshot(app))
    r = world.client(app, role).post(url, **kw)
    r.get_data()
    r.close()
    where = f"{role} POST {url} -> {r.status_code}"
    figures.add("hostile posts sent")
    if r.status_code >= 500:
        figures.add("500 answers")
    assert r.status_code < 500, where
    if 400 <= r.status_code < 500:
        figures.add("hostile posts refused")
        assert _without_counters(snapshot(app)) == before, (
            f"{where} refused the post but changed the database"
        )
    return r.status_code


@pytest.mark.parametrize(("rule", "endpoint", "role"), CASES)
@settings(
    max_examples=6,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=form_data, token=csrf)
def test_hostile_form_posts(app, world, rule, endpoint, role, data, token):
    if token != "missing":
        data = {
            **data,
            "csrf_token": {
                "valid": world.token(role),
                "forged": "forged." + world.token(role)[:20],
                "empty": "",
            }[token],
        }
    for url in urls(rule, world)[:2]:
        files = {
            k: (io.BytesIO(v), "photo.jpg", "image/jpeg") if isinstance(v, Upload) else v
            for k, v in data.items()
        }
        post_and_check(app, world, role, url, data=files)


RAW_BODIES = st.one_of(
    st.binary(max_size=500),
    st.sampled_from(
        [
            b"\xff\xfe\xfd",
            b"username=%FF%FE&password=\xc3\x28",
            b"a=1&&&=&b",
            b"%",
            b"csrf_token=\xff" * 100,
        ]
    ),
)


@pytest.mark.parametrize(("rule", "endpoint", "role"), CASES)
@settings(
    max_examples=3,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    body=RAW_BODIES,
    kind=st.sampled_from(
        [
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=xyz",
            "text/plain",
            "application/json",
        ]
    ),
)
def test_invalid_bytes_in_the_body(app, world, rule, endpoint, role, body, kind):
    """Bodies no browser sends: invalid UTF-8, broken multipart, another content type; with a
    valid CSRF token in the query string, where it is not read, and in the body's bytes."""
    token = world.token(role).encode()
    body = b"csrf_token=" + token + b"&" + body
    post_and_check(app, world, role, urls(rule, world)[0], data=body, content_type=kind)


def test_every_post_route_is_fuzzed():
    posted = {endpoint for _, endpoint, _ in (c.values for c in CASES)}
    assert posted == {
        e for r in ROUTE_APP.url_map.iter_rules() if "POST" in r.methods for e in [r.endpoint]
    }
