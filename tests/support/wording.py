"""What user-facing text must not say (issue 14)."""

from __future__ import annotations

import re

#: a requirement code of SPEC.md/docs/requirements.md in brackets, "(R1)", "（R1、F12）", "(SEC5)":
#: codes stay in code comments and docs, never in what a user reads
REQUIREMENT_CODE = re.compile(
    r"[(（]\s*(?:SEC|[A-Z])\d{1,2}(?:\s*[,，、]\s*(?:SEC|[A-Z])\d{1,2})*\s*[)）]"
)

#: a Chinese character or Chinese (full-width) punctuation
_CJK = r"[\u3400-\u9fff\u3000-\u303f\uff00-\uffef“”‘’…]"

#: an ASCII full stop, comma, colon, semicolon, question or exclamation mark or parenthesis
#: next to Chinese: Chinese text takes 。，：；？！（） (docs/glossary.md "Punctuation")
ASCII_PUNCTUATION = re.compile(rf"(?<={_CJK})[.,:;?!()]|[.,:;?!()](?={_CJK})")

#: what may stand next to Chinese with ASCII punctuation in it: a placeholder (%(n)s, %s, {0}),
#: a link, a time or a number ("8:30", "1.5"), a character quoted as what to type (“;”)
_EXCEPTED = re.compile(r"%\(\w+\)[sd]|%[sd]|\{\w*\}|https?://\S+|\d[.:]\d|“[^”]{1,2}”")


def ascii_punctuation(text: str) -> list[str]:
    """The places in ``text`` where ASCII punctuation touches Chinese, with some context."""
    masked = _EXCEPTED.sub(lambda m: "\x00" * len(m.group()), text)
    return [text[max(0, m.start() - 8) : m.end() + 8] for m in ASCII_PUNCTUATION.finditer(masked)]


#: a signature written into a message's own text: "【湖北省医师注册】", "[Hubei physician
#: registration]". The one signature of an SMS is the tenant's, put in front by queue_sms.
BRACKETED_SIGNATURE = re.compile(
    r"【[^】]*】|\[[^\]]*(registration|portal|commission)[^\]]*\]", re.I
)

#: the glossary's wrong words (docs/glossary.md), where they are clearly wrong: (what the English
#: msgid speaks of, a regex; the Chinese word never used for it; the right word)
FORBIDDEN = [
    (r"modif|review", "激活", "审核 (an institution reviews a modification)"),
    (r"activation code", "验证码", "激活码 (the institution's code)"),
    (r"verification code|reset code", "激活码", "验证码 (a code sent to check a number)"),
    (r"refus", "退回", "不予注册 (a refusal is final; 退回 is a return for correction)"),
    (r"refus", "驳回", "不予注册"),
    (r"return", "拒绝", "退回 (a return for correction)"),
    (r"", "其他法定情形", "法律、行政法规规定的其他情形 (the option's own words)"),
    (r"", "医师电子化注册】", "no signature in a message's text: the tenant's one, by queue_sms"),
]
