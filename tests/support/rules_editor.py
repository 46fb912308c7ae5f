"""The rules editor (A6) as a browser posts it: the form's values as the page shows them, with
changes."""

from __future__ import annotations

from html.parser import HTMLParser

from tests.support.http import Browser


class _FormReader(HTMLParser):
    """The values a browser would post from the rules form, as the page shows them."""

    def __init__(self):
        super().__init__()
        self.values: dict[str, list[str]] = {}
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "input" and a.get("name") and a.get("name") != "csrf_token":
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.values.setdefault(a["name"], []).append(a.get("value", "on"))
            else:
                self.values.setdefault(a["name"], []).append(a.get("value") or "")
        elif tag == "textarea":
            self._textarea = a["name"]
            self.values[self._textarea] = [""]

    def handle_data(self, data):
        if self._textarea:
            self.values[self._textarea][0] += data

    def handle_endtag(self, tag):
        if tag == "textarea":
            self._textarea = None


def rules_form(b: Browser, tenant: str = "hubei") -> dict[str, list[str]]:
    """What a browser would post from the rules editor (A6), as the page shows it."""
    page = b.page(f"/{tenant}/admin/rules")
    assert page.status_code == 200
    reader = _FormReader()
    reader.feed(page.get_data(as_text=True))
    return reader.values


def save_rules(b: Browser, tenant: str = "hubei", **changes):
    """Post the rules editor as shown, with ``changes`` (field names with '__' for '.')."""
    values = rules_form(b, tenant)
    for name, value in changes.items():
        values[name.replace("__", ".")] = value if isinstance(value, list) else [value]
    return b.post(f"/{tenant}/admin/rules", values)
