"""Every SMS is a provider template with parameters (issue 12 "Real SMS", D3, SEC7).

In China an SMS goes out under an approved signature (短信签名) and an approved template (模板)
whose variables the portal fills; a free-text body is refused. So each kind of SMS the portal
sends is one template here: its name (the key of the template ids a tenant configures, docs/
operations.md "SMS providers"), its text in each language (a translation, the text the
province registers with the provider) and its variables, each of a kind whose rules follow the
providers' (Aliyun's are the strictest: a code 4–6 letters or digits, any other variable at
most 35 characters, never a link).

A workflow function builds the message with ``sms(name, **params)``; ``queue_sms`` renders
what the phone will show (``【signature】text``) into the outbox and keeps the template name
and the parameters for the gateway."""

from __future__ import annotations

import re
from dataclasses import dataclass

from portal.notify.sms_templates import TEMPLATES

#: Aliyun: a variable holds at most 35 characters (codes: 4 to 6)
MAX_VARIABLE = 35

#: kinds of variables: "code" (a verification code, 4–6 letters or digits), "number" (letters,
#: digits and - * +, e.g. an activation code, a certificate number, a count, a masked phone),
#: "text" (a name, a reason: shortened to 35 characters, links taken out)
CODE = re.compile(r"^[0-9A-Za-z]{4,6}$")
NUMBER = re.compile(r"^[0-9A-Za-z*+\-]{1,35}$")
LINK = re.compile(r"(https?://|www\.)\S*|\b[\w-]+(\.[\w-]+)*\.(cn|com|net|org|gov)\b\S*", re.I)


def fit(kind: str, value) -> str:
    """``value`` as a variable of ``kind`` may carry it (the providers' rules). A code or a
    number that breaks them is the portal's mistake (ValueError); a text is made to fit: links
    taken out, shortened to 35 characters with an ellipsis (the full text is on the portal and
    in the email)."""
    value = " ".join(str(value).split())
    if kind == "code":
        if not CODE.match(value):
            raise ValueError("an SMS code variable holds 4 to 6 letters or digits")
        return value
    if kind == "number":
        if not NUMBER.match(value):
            raise ValueError("an SMS number variable holds 1 to 35 letters, digits, - * +")
        return value
    if kind == "text":
        value = " ".join(LINK.sub("…", value).split())
        if len(value) > MAX_VARIABLE:
            value = value[: MAX_VARIABLE - 1] + "…"
        return value or "-"
    raise ValueError(f"unknown SMS variable kind {kind!r}")


@dataclass(frozen=True)
class Sms:
    """One SMS to send: a template, its variables as given (lazy translations among them,
    written in the recipient's language by ``written``), and, for a verification code, the
    host of its origin-bound line (D3)."""

    template: str
    params: dict
    host: str = ""

    def variables(self) -> dict[str, str]:
        """The variables made to fit the providers' rules, in the current locale."""
        kinds = TEMPLATES[self.template].params
        return {k: fit(kind, self.params[k]) for k, kind in kinds.items()}

    def text(self, variables: dict[str, str] | None = None) -> str:
        """The template's text with its variables, in the current locale (no signature)."""
        tpl = TEMPLATES[self.template]
        variables = self.variables() if variables is None else variables
        body = str(tpl.text) % variables
        if tpl.origin:
            body += f"\n\n@{self.host.split(':')[0]} #{variables['code']}"
        return body


def sms(name: str, *, host: str = "", **params) -> Sms:
    """The SMS ``name`` with ``params``: every variable of the template, and no other. A code
    or a number that breaks the providers' rules raises ValueError here, in the workflow."""
    tpl = TEMPLATES[name]
    if set(params) != set(tpl.params):
        raise ValueError(f"SMS {name}: variables {sorted(params)} != {sorted(tpl.params)}")
    if tpl.origin and not host:
        raise ValueError(f"SMS {name}: the origin-bound line needs the host")
    for k, kind in tpl.params.items():
        if kind != "text":
            fit(kind, params[k])
    return Sms(name, params, host)


def provider_text(name: str, style: str = "aliyun") -> str:
    """The text to register with a provider, in the current locale: ``${code}`` (Aliyun) or
    ``{1}`` (Tencent) for each variable (``flask notify templates``)."""
    tpl = TEMPLATES[name]
    names = list(tpl.params)
    marks = {
        k: ("${" + k + "}" if style == "aliyun" else "{" + str(i + 1) + "}")
        for i, k in enumerate(names)
    }
    text = str(tpl.text) % marks
    if tpl.origin:
        text += "\n\n@HOST #" + marks["code"]
    return text
