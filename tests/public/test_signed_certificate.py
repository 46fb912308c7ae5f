"""The signed e-certificate (V2), through HTTP: the QR code's address carries a JWS signed with
the province's key; the public check verifies it and shows the register's entry now; altered,
forged and other provinces' tokens are refused, never with a 500; keys rotate with the old ones
still published; the presentation code is current for 30 seconds, stale afterwards."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
from joserfc import jws
from joserfc.jwk import KeySet, OKPKey

from portal.extensions import db, limiter
from portal.workflow.models import Application, State
from tests.support.certificates import (
    HB_NO,
    b64,
    certificate_links,
    log_in,
    path_of,
    register,
    token_of,
    unb64,
    with_claims,
)
from tests.support.db import in_tenant
from tests.support.http import staff_login

pytestmark = pytest.mark.usefixtures("beijing_noon")

VALID_ZH = "签名有效 — 湖北省卫生健康委员会签发"


@pytest.fixture(autouse=True)
def _fresh_limits():
    limiter.reset()
    yield
    limiter.reset()


@pytest.fixture
def hubei(demo):
    return register(demo, "hubei")


@pytest.fixture
def signed(demo, hubei):
    """The Hubei doctor's signed certificate address, as the certificate page gives it."""
    return certificate_links(log_in(demo, hubei), "hubei")[0]


def _check(app, url: str, lang: str = "zh_CN"):
    client = app.test_client()
    client.set_cookie("lang", lang)
    return client.get(path_of(url))


def _text(r) -> str:
    return r.get_data(as_text=True)


def test_the_qr_address_verifies_with_the_signed_data(demo, signed):
    assert "/hubei/verify?t=" in signed
    r = _check(demo, signed)
    assert r.status_code == 200
    page = _text(r)
    assert VALID_ZH in page
    for fact in ("李明华", HB_NO, "内科专业", "远安县人民医院（演示）", "执业医师"):
        assert fact in page, fact
    assert "签发后" not in page and "已变更" not in page  # nothing changed since
    en = _text(_check(demo, signed, "en"))
    assert "Valid signature — issued by the health commission of 湖北省" in en


def test_the_token_is_a_compact_jws_with_short_claims(demo, signed):
    header, payload, _sig = token_of(signed).split(".")
    assert json.loads(unb64(header))["alg"] == "Ed25519"
    claims = json.loads(unb64(payload))
    assert {"iss", "no", "nm", "lv", "ct", "sc", "in", "rd", "vu", "iat"} == set(claims)
    assert claims["iss"] == "hubei" and claims["no"] == HB_NO and claims["nm"] == "李明华"


@pytest.mark.parametrize("lang", ["zh_CN", "en"])
def test_an_altered_certificate_is_refused(demo, signed, lang):
    altered = signed.replace(token_of(signed), with_claims(token_of(signed), nm="王某某"))
    r = _check(demo, altered, lang)
    assert r.status_code == 422
    page = _text(r)
    assert "王某某" not in page and "签名有效" not in page
    expected = (
        "签名与数据不符：此证书已被篡改或系伪造。"
        if lang == "zh_CN"
        else "this certificate was altered or forged"
    )
    assert expected in page


def test_a_forged_certificate_under_the_provinces_key_id_is_refused(demo, signed):
    token = token_of(signed)
    header, payload, _sig = token.split(".")
    forger = OKPKey.generate_key("Ed25519")
    forged = jws.serialize_compact(
        json.loads(unb64(header)), unb64(payload), forger, algorithms=["Ed25519"]
    )
    r = _check(demo, signed.replace(token, forged))
    assert r.status_code == 422
    assert "签名与数据不符" in _text(r)


@pytest.mark.parametrize(
    "token",
    [
        "x",
        "a.b.c",
        "...",
        b64(b'{"alg":"none"}') + "." + b64(b"{}") + ".",
        b64(b"[1]") + "." + b64(b"{}") + ".AAAA",
        b64(b'{"alg":"Ed25519","kid":"nope"}') + "." + b64(b"{}") + ".AAAA",
        "e" * 5000,
    ],
)
def test_garbage_is_refused_with_a_clear_message(demo, hubei, token):
    r = demo.test_client().get("/hubei/verify", query_string={"t": token})
    assert r.status_code == 422
    assert "证书无效" in _text(r)
    r = demo.test_client().get("/hubei/verify", query_string={"p": token})
    assert r.status_code == 422


def test_another_provinces_certificate_is_refused(demo, signed):
    gd = register(demo, "guangdong")
    gd_signed = certificate_links(log_in(demo, gd), "guangdong")[0]
    assert VALID_ZH.replace("湖北省", "广东省") in _text(_check(demo, gd_signed))
    r = demo.test_client().get("/hubei/verify", query_string={"t": token_of(gd_signed)})
    assert r.status_code == 422
    assert "并非由湖北省公布的密钥签名" in _text(r)
    client = demo.test_client()
    client.set_cookie("lang", "en")
    r = client.get("/hubei/verify", query_string={"t": token_of(gd_signed)})
    assert r.status_code == 422 and "not signed with a key 湖北省 publishes" in _text(r)


def test_a_registration_changed_or_cancelled_since_is_shown_as_such(demo, hubei, signed):
    with in_tenant(demo, "hubei"):
        app = db.session.get(Application, hubei.app_id)
        app.scopes = ["internal", "surgery"]
        db.session.commit()
    page = _text(_check(demo, signed))
    assert VALID_ZH in page
    assert "此证书签发后，注册信息已变更：</strong> 执业范围" in page
    with in_tenant(demo, "hubei"):
        db.session.get(Application, hubei.app_id).state = State.CANCELLED
        db.session.commit()
    page = _text(_check(demo, signed))
    assert "此注册在签发后已被注销。" in page
    assert "This registration has been cancelled since." in _text(_check(demo, signed, "en"))


def test_jwks_lists_the_tenants_keys_only_and_is_cacheable(demo, signed):
    gd_doctor = register(demo, "guangdong")
    hb = demo.test_client().get("/hubei/.well-known/jwks.json")
    assert hb.status_code == 200 and hb.mimetype == "application/jwk-set+json"
    assert "public" in hb.headers["Cache-Control"] and "max-age" in hb.headers["Cache-Control"]
    keys = hb.get_json()["keys"]
    assert keys and all(k["kty"] == "OKP" and k["crv"] == "Ed25519" for k in keys)
    assert all("d" not in k for k in keys)  # never the private part
    # Guangdong's key made by its first certificate
    certificate_links(log_in(demo, gd_doctor), "guangdong")
    gd = demo.test_client().get("/guangdong/.well-known/jwks.json").get_json()["keys"]
    assert {k["kid"] for k in keys}.isdisjoint({k["kid"] for k in gd})
    assert {k["x"] for k in keys}.isdisjoint({k["x"] for k in gd})


def test_verified_offline_with_the_published_jwks_and_joserfc_only(demo, signed):
    """What docs/verification.md tells anyone to do: no portal code, only the JWKS and a JOSE
    library."""
    jwks = json.loads(demo.test_client().get("/hubei/.well-known/jwks.json").data)
    token = token_of(signed)
    verified = jws.deserialize_compact(token, KeySet.import_key_set(jwks), algorithms=["Ed25519"])
    claims = json.loads(verified.payload)
    assert claims["no"] == HB_NO and claims["iss"] == "hubei"
    with pytest.raises(Exception, match="signature"):
        jws.deserialize_compact(
            with_claims(token, vu="2099-01-01"),
            KeySet.import_key_set(jwks),
            algorithms=["Ed25519"],
        )


def test_key_rotation_end_to_end(demo, hubei, signed):
    runner = demo.test_cli_runner()
    old_kid = json.loads(unb64(token_of(signed).split(".")[0]))["kid"]
    result = runner.invoke(args=["certificates", "rotate-key", "--tenant", "hubei"])
    assert result.exit_code == 0, result.output
    kids = [k["kid"] for k in demo.test_client().get("/hubei/.well-known/jwks.json").json["keys"]]
    assert len(kids) == 2 and kids[1] == old_kid  # the new one first, the old one still there
    new_signed = certificate_links(log_in(demo, hubei), "hubei")[0]
    assert json.loads(unb64(token_of(new_signed).split(".")[0]))["kid"] == kids[0]
    for url in (signed, new_signed):  # the certificate printed before still verifies
        assert VALID_ZH in _text(_check(demo, url))
    # in the province's audit log (A8)
    audit = staff_login(demo, "hb-admin").page("/hubei/admin/audit?action=rotate_signing_key")
    rows = re.findall(r"<tr>.*?</tr>", _text(audit), re.S)
    assert sum("rotate_signing_key" in row for row in rows) == 1
    assert kids[0] in _text(audit) and old_kid in _text(audit)
    # a stray or broken file in the folder is left out (and logged), never a 500
    folder = Path(demo.config["CERT_SIGNING_KEYS"]) / "hubei"
    (folder / "notes.pem").write_text("not a key")
    (folder / "20260101T000000Z_broken.pem").write_text("-----BEGIN PRIVATE KEY-----")
    jwks = demo.test_client().get("/hubei/.well-known/jwks.json")
    assert [k["kid"] for k in jwks.json["keys"]] == kids
    # a retired key kept as its public part only: what it signed still verifies
    (private,) = folder.glob(f"*_{old_kid}.pem")
    public = OKPKey.import_key(private.read_bytes()).as_pem(private=False)
    private.with_name(private.name.replace(".pem", ".pub.pem")).write_bytes(public)
    private.unlink()
    assert VALID_ZH in _text(_check(demo, signed))
    # a withdrawn key (its file deleted: a leak): what it signed is refused
    for path in folder.glob(f"*_{old_kid}*.pem"):
        path.unlink()
    r = _check(demo, signed)
    assert r.status_code == 422 and "密钥已撤销" in _text(r)
    assert VALID_ZH in _text(_check(demo, new_signed))


def test_rotate_key_names_an_unknown_tenant(demo):
    result = demo.test_cli_runner().invoke(args=["certificates", "rotate-key", "--tenant", "xx"])
    assert result.exit_code != 0 and "no tenant 'xx'" in result.output


def test_verify_on_the_command_line(demo, signed):
    runner = demo.test_cli_runner()
    result = runner.invoke(args=["certificates", "verify", token_of(signed)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.output)
    assert out["valid"] and out["claims"]["no"] == HB_NO and out["register_now"] == "registered"
    result = runner.invoke(args=["certificates", "verify", signed])  # the whole address works
    assert result.exit_code == 0
    altered = with_claims(token_of(signed), nm="王某某")
    result = runner.invoke(args=["certificates", "verify", altered])
    assert result.exit_code == 1
    assert json.loads(result.output) == {"valid": False, "reason": "bad_signature"}


def test_presentation_code_is_current_then_stale(demo, hubei, beijing_noon):
    b = log_in(demo, hubei)
    presented = certificate_links(b, "hubei")[1]
    page = _text(_check(demo, presented))
    assert "当前出示 — " in page and "湖北省卫生健康委员会签名" in page
    assert "出示码已过期" not in page and "李明华" in page
    beijing_noon.shift(timedelta(minutes=3))
    page = _text(_check(demo, presented))
    assert "出示码已过期" in page and "当前出示" not in page
    assert "可能是截图" in page and "此刻" in page
    en = _text(_check(demo, presented, "en"))
    assert "Stale code" in en
    # the page's code now is another, and current
    fresh = certificate_links(b, "hubei")[1]
    assert fresh != presented and "当前出示" in _text(_check(demo, fresh))


def test_presentation_code_refreshes_in_page(demo, hubei):
    b = log_in(demo, hubei)
    page = _text(b.page("/hubei/me/certificate"))
    assert 'hx-get="/hubei/me/certificate/live"' in page
    assert "有效至" in page  # until when, for a page without JS
    r = b.client.get("/hubei/me/certificate/live", headers={"HX-Request": "true"})
    assert r.status_code == 200
    fragment = _text(r)
    assert fragment.lstrip().startswith('<figure id="live-code"') and "<html" not in fragment
    assert 'hx-trigger="load delay:' in fragment
    # within the partial budget of tests/test_budgets.py (4 KB compressed)
    r = b.client.get(
        "/hubei/me/certificate/live", headers={"HX-Request": "true", "Accept-Encoding": "gzip"}
    )
    assert r.headers["Content-Encoding"] == "gzip" and len(r.data) <= 4096
    # asked as a page (no htmx): the certificate page
    r = b.client.get("/hubei/me/certificate/live")
    assert r.status_code == 303 and r.headers["Location"].endswith("/hubei/me/certificate")
