"""The portal's words (issue 14, docs/glossary.md): one term for one thing, Chinese punctuation
in Chinese text, and one SMS signature per tenant (SEC7). The catalogue checks read
portal/translations/zh_Hans_CN; the page checks go through HTTP in Chinese, the default."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from portal.extensions import db
from portal.notify.models import OutboxMessage
from portal.notify.services import queue, signature
from portal.notify.sms import TEMPLATES, sms
from portal.tenants.models import Tenant
from portal.workflow.models import Application
from tests.support.db import in_tenant
from tests.support.http import redirected_to, staff_login
from tests.support.journey import ALL_MATERIALS, doctor_form, walk_doctor
from tests.support.wording import (
    BRACKETED_SIGNATURE,
    FORBIDDEN,
    ascii_punctuation,
)

ROOT = Path(__file__).resolve().parents[1]
ZH = ROOT / "portal" / "translations" / "zh_Hans_CN" / "LC_MESSAGES" / "messages.po"
EN = ROOT / "portal" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
TEMPLATES_DIR = ROOT / "portal" / "templates"
GLOSSARY = ROOT / "docs" / "glossary.md"
LI = doctor_form("李明华", "420525198803121236", "13800138001", "liminghua")


def pairs(path: Path) -> list[tuple[str, str]]:
    """(msgid, msgstr) of every entry, plural forms each on their own."""
    with path.open("rb") as f:
        catalog = read_po(f)
    out = []
    for m in catalog:
        if not m.id:
            continue
        ids = list(m.id) if isinstance(m.id, (list, tuple)) else [m.id]
        strs = list(m.string) if isinstance(m.string, (list, tuple)) else [m.string]
        out += [(ids[0], s or "") for s in strs]
    return out


# the checks themselves catch what they are for


def test_the_punctuation_check_finds_ascii_next_to_chinese_only():
    for bad in ("请刷新本页面.", "办结期限: 3 天", "如需帮助,请联系", "是否继续?", "材料(两份)"):
        assert ascii_punctuation(bad), bad
    for good in (
        "请刷新本页面。",
        "办结期限：",
        "请联系（%(phone)s）",
        "共%(n)s.%(m)s",  # placeholders, not Chinese, stand beside the stop
        "访问 https://portal.example.cn/a.b 即可",
        "周一至周五 8:30–12:00",
        "多个执业范围请用“、”或“;”分隔",
        "Page not found.",
    ):
        assert not ascii_punctuation(good), good


def test_the_signature_check_finds_a_signature_in_a_text():
    for bad in ("【湖北省医师注册】您的账号", "[Hubei physician registration] Your account"):
        assert BRACKETED_SIGNATURE.search(bad), bad
    for good in ("您的验证码为%(code)s", "Reason: [see the note]", "(%(phone)s)"):
        assert not BRACKETED_SIGNATURE.search(good), good


# the Chinese catalogue


def test_no_ascii_punctuation_next_to_chinese_in_the_catalogue():
    found = [f"{msgid!r}: …{where}…" for msgid, s in pairs(ZH) for where in ascii_punctuation(s)]
    assert not found, "ASCII punctuation in Chinese text:\n" + "\n".join(found)


def test_no_glossary_wrong_word_in_the_catalogue():
    found = [
        f"{msgid!r} => {s!r}: not {wrong}, use {right}"
        for msgid, s in pairs(ZH)
        for about, wrong, right in FORBIDDEN
        if wrong in s and re.search(about, msgid, re.I)
    ]
    assert not found, "wrong words (docs/glossary.md):\n" + "\n".join(found)


@pytest.mark.parametrize("path", [ZH, EN], ids=["zh", "en"])
def test_no_message_carries_a_signature_of_its_own(path):
    """SMS and email texts say what happened; the SMS signature is the tenant's, added once by
    queue_sms (a second one, "【湖北省医师注册】", "[… physician registration]", is a relic)."""
    found = [
        f"{msgid!r} => {s!r}"
        for msgid, s in pairs(path)
        if BRACKETED_SIGNATURE.search(msgid) or BRACKETED_SIGNATURE.search(s)
    ]
    assert not found, "bracketed signatures in message texts:\n" + "\n".join(found)


def test_the_glossary_names_every_wrong_word_the_test_forbids():
    glossary = GLOSSARY.read_text(encoding="utf-8")
    for term in (
        "激活",
        "审核",
        "确认",
        "批准",
        "退回",
        "不予注册",
        "备案",
        "注销",
        "激活码",
        "验证码",
    ):
        assert f"| {term} |" in glossary, term
    for _about, wrong, _right in FORBIDDEN:
        assert wrong.strip("】") in glossary, wrong


# templates: punctuation written beside a translated string is not translated


#: a translated string ({{ _(…) }}, or a link whose text is one) followed by ASCII punctuation
#: written in the template: Chinese pages then show "办结期限:" or "刷新本页面."
PUNCTUATION_AFTER_TRANSLATION = re.compile(
    r"\{\{ _\((?:[^{}]|\{[^{}]*\})*\) \}\}(?:</a>)?[.,:;!?](?=[\s<{]|$)"
    r"|\}\}</a>[.,:;!?](?=[\s<{]|$)",
    re.M,
)


def test_no_ascii_punctuation_after_a_translated_string_in_a_template():
    found = [
        f"{path.relative_to(ROOT)}:{text[: m.start()].count(chr(10)) + 1}: {m.group()[-40:]!r}"
        for path in sorted(TEMPLATES_DIR.rglob("*.html"))
        for text in [path.read_text(encoding="utf-8")]
        for m in PUNCTUATION_AFTER_TRANSLATION.finditer(text)
    ]
    assert not found, (
        "punctuation outside the translation (use _('%(label)s: ', label=…)):\n" + "\n".join(found)
    )


# the pages, in Chinese


def visible(html: str) -> str:
    return re.sub(r"<[^>]+>", "", re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S))


def test_activation_page_words(demo):
    """The doctor waiting for activation reads 激活码 (not 验证码) and no ASCII full stop."""
    staff = staff_login(demo, "hb-county-staff")
    walked = walk_doctor(demo, "hubei", LI, until="named", institution="远安")
    staff.page("/hubei/institution/activations/codes")
    redirected_to(
        staff.post(
            f"/hubei/institution/activations/codes/{walked.doctor_id}/resend", {"channel": "sms"}
        )
    )
    b = walked.browser
    text = visible(b.page("/hubei/me/activate").get_data(as_text=True))
    assert "刷新本页面" in text and not ascii_punctuation(text), ascii_punctuation(text)
    r = b.post("/hubei/me/activate/code", {"code": "ZZZZ9999"})
    assert r.status_code == 422
    text = visible(r.get_data(as_text=True))
    assert "激活码错误" in text, text
    assert "验证码" not in text


def test_officer_and_doctor_pages_have_chinese_colons_and_review_words(demo):
    staff = staff_login(demo, "hb-county-staff")
    walked = walk_doctor(demo, "hubei", LI, until="confirmed", staff=staff, institution="远安")
    officer = staff_login(demo, "hb-officer")
    text = visible(officer.page(f"/hubei/admin/applications/{walked.app_id}").get_data(True))
    assert "办结期限：" in text, "the due date is on the page, after a Chinese colon"
    assert not ascii_punctuation(text), ascii_punctuation(text)

    # registered; a modification waits for the institution's review (审核, never 激活)
    redirected_to(
        officer.post(
            f"/hubei/admin/applications/{walked.app_id}/approve", {"materials": ALL_MATERIALS}
        )
    )
    b = walked.browser
    with in_tenant(demo, "hubei"):
        contract_end = db.session.get(Application, walked.app_id).contract_end
    b.page("/hubei/me/maintenance")
    values = {
        "home_address": "湖北省远安县鸣凤镇新街 9 号",
        "work_experience": "2012-2026 远安县人民医院 内科",
        "rewards_punishments": "无",
        "contract_end": (contract_end + timedelta(days=730)).isoformat(),
    }
    redirected_to(b.post("/hubei/me/maintenance", values))
    text = visible(b.page("/hubei/me/maintenance").get_data(as_text=True))
    assert re.search(r"等待远安县人民医院\S*审核", text), text
    assert "激活" not in text
    assert not ascii_punctuation(text), ascii_punctuation(text)


# one SMS signature per tenant


def _sample(name: str):
    values = {"code": "864208", "number": "7", "text": "远安县人民医院"}
    params = {k: values[kind] for k, kind in TEMPLATES[name].params.items()}
    return sms(name, host="portal.example.cn" if TEMPLATES[name].origin else "", **params)


@pytest.mark.parametrize("locale", ["zh_CN", "en"])
def test_every_sms_starts_with_the_tenants_one_signature(demo, locale):
    with demo.app_context():
        slugs = [t.slug for t in db.session.execute(db.select(Tenant)).scalars()]
    assert len(slugs) >= 2, "the demo world has several tenants"
    for slug in slugs:
        with in_tenant(demo, slug) as tenant:
            mark = f"【{signature(tenant)}】"
            for name in TEMPLATES:
                msg = queue("sms", "13912340000", _sample(name), locale=locale)
                assert msg.body.startswith(mark), (slug, name, msg.body)
                rest = msg.body[len(mark) :]
                assert not BRACKETED_SIGNATURE.search(rest), (slug, name, msg.body)
            db.session.rollback()


def test_the_messages_of_a_journey_are_signed_once(demo):
    """Every SMS queued on the way from sign-up to confirmation carries the tenant's signature
    once; no email carries one."""
    staff = staff_login(demo, "hb-county-staff")
    walk_doctor(demo, "hubei", LI, until="confirmed", staff=staff, institution="远安")
    with in_tenant(demo, "hubei") as tenant:
        mark = f"【{signature(tenant)}】"
        messages = db.session.execute(db.select(OutboxMessage)).scalars().all()
        assert {m.channel for m in messages} == {"sms", "email"}
        for m in messages:
            if m.channel == "sms":
                assert m.body.startswith(mark), m.body
                assert not BRACKETED_SIGNATURE.search(m.body[len(mark) :]), m.body
            else:
                assert not BRACKETED_SIGNATURE.search(m.body), m.body
