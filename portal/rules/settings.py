"""A6 / R6: the rule settings a province administrator edits, their safe bounds (as data),
and pure functions that read a posted form into the tenant's overrides and compare two
versions. No Flask, no database: the caller passes the posted values and the tenant's
regions, and gets back the settings and the problems found (keys + parameters; the view
words them in the user's language).

Bounds, and where they come from:

- scopes (R1, R2, F4, F12): one scope by default, up to three at or below county level;
  an assistant 1–3;
- registration: ``valid_years`` may be shortened, never lengthened beyond the national two
  years (R3); training at least six months (R3, L10); the decision within at most the 20
  working days of the law (L1); the certificate number's serial 4–8 digits (L10: 13–17
  digits in all around the 15 of the public account), and never fewer than the serials the
  province has already issued need (a number must not be cut or refused at approval);
- codes (SEC2): never looser than SEC2 (at most 5 wrong tries per code, 5 sends an hour,
  a 60 s cool-down, a lock after at most 10 failures for at least an hour, activation codes
  of at least 8 characters); code lifetimes: an SMS code 1–10 minutes, an activation code
  1–168 hours. The code length (6 digits, D3) is fixed;
- sessions (SEC1, issue 14): a log-in ends after 5–120 idle minutes and 1–24 hours for a
  doctor, 5–60 minutes and 1–12 hours for staff, officers and administrators.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field

from portal.rules.registration import LONGEST_VALID_YEARS


@dataclass(frozen=True)
class Number:
    """A whole-number setting ``[section] key`` with its bounds."""

    section: str
    key: str
    low: int
    high: int

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"


@dataclass(frozen=True)
class Schedule:
    """A reminder schedule (D20): whole numbers counted back from a deadline; empty = off."""

    section: str
    key: str
    low: int
    high: int
    max_items: int = 5

    @property
    def name(self) -> str:
        return f"{self.section}.{self.key}"


NUMBERS: tuple[Number, ...] = (
    Number("scopes", "default_max", 1, 3),
    Number("scopes", "county_level_max", 1, 3),
    Number("scopes", "assistant_max", 1, 3),
    Number("registration", "valid_years", 1, LONGEST_VALID_YEARS),
    Number("registration", "training_months", 6, 24),
    Number("registration", "contract_default_years", 1, 5),
    Number("registration", "decision_working_days", 1, 20),
    Number("registration", "certificate_serial_digits", 4, 8),
    Number("codes", "otp_minutes", 1, 10),
    Number("codes", "otp_max_attempts", 1, 5),
    Number("codes", "otp_sends_per_hour", 1, 5),
    Number("codes", "otp_resend_seconds", 60, 600),
    Number("codes", "otp_lock_after_failures", 3, 10),
    Number("codes", "otp_lock_minutes", 60, 1440),
    Number("codes", "activation_length", 8, 16),
    Number("codes", "activation_hours", 1, 168),
    Number("reminders", "draft_expires_days", 7, 365),
    Number("sessions", "doctor_idle_minutes", 5, 120),
    Number("sessions", "doctor_hours", 1, 24),
    Number("sessions", "staff_idle_minutes", 5, 60),
    Number("sessions", "staff_hours", 1, 12),
    # issue 14: how long unconfirmed accounts and expired drafts are kept (PIPL art. 19, 47)
    Number("retention", "unverified_account_days", 7, 365),
    Number("retention", "expired_draft_days", 30, 3650),
)

SCHEDULES: tuple[Schedule, ...] = (
    Schedule("reminders", "registration_days", 1, 365),
    Schedule("reminders", "draft_days", 1, 364),
    Schedule("reminders", "activation_hours", 1, 167),
)

#: on/off settings
SWITCHES: tuple[tuple[str, str], ...] = (
    ("institutions", "auto_activation_allowed"),
    # R1 / F12: where general practice comes on top after transfer training (portal/rules/scopes.py)
    ("scopes", "gp_on_top_secondary_and_above"),
    ("scopes", "gp_on_top_county_level"),
)

#: the materials fields of the form (D16)
MATERIALS_DEFAULT = "materials.default"
MATERIALS_OWN = "materials.own"
MATERIALS_OVERRIDES = "materials.overrides"

MAX_OWN_ITEMS = 50
MAX_OVERRIDE_LINES = 500
MAX_LABEL = 60
KEY = re.compile(r"[a-z][a-z0-9_]{1,39}")
WHOLE = re.compile(r"[0-9]{1,6}")
OVERRIDE_LINE = re.compile(r"([0-9]{6})\s*[:：]\s*(.*)")


@dataclass(frozen=True)
class Problem:
    """Why a field was refused: ``key`` names the message, ``params`` fill it in."""

    key: str
    params: dict = field(default_factory=dict)


def _first(posted: dict, name: str) -> str:
    value = posted.get(name, "")
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value)


def _whole(text: str) -> int | None:
    text = text.strip()
    return int(text) if WHOLE.fullmatch(text) else None


def _read_number(posted: dict, spec: Number, problems: dict) -> int | None:
    value = _whole(_first(posted, spec.name))
    if value is None or not spec.low <= value <= spec.high:
        problems[spec.name] = Problem("number", {"low": spec.low, "high": spec.high})
        return None
    return value


def _read_schedule(posted: dict, spec: Schedule, problems: dict) -> list[int] | None:
    text = _first(posted, spec.name).replace("，", ",").replace("、", ",")
    parts = [p for p in (x.strip() for x in text.split(",")) if p]
    values = [_whole(p) for p in parts]
    if (
        len(parts) > spec.max_items
        or any(v is None or not spec.low <= v <= spec.high for v in values)
        or len(set(values)) != len(values)
    ):
        problems[spec.name] = Problem(
            "schedule", {"low": spec.low, "high": spec.high, "n": spec.max_items}
        )
        return None
    return sorted(values, reverse=True)  # type: ignore[arg-type]


def _lines(text: str) -> list[tuple[int, str]]:
    return [(n, line.strip()) for n, line in enumerate(text.splitlines(), start=1) if line.strip()]


def _read_own_items(posted: dict, national_keys: list[str], problems: dict) -> dict | None:
    """Items the province adds to the national list, one a line: ``key | 中文 | English``."""
    labels: dict[str, dict[str, str]] = {}
    lines = _lines(_first(posted, MATERIALS_OWN))
    if len(lines) > MAX_OWN_ITEMS:
        problems[MATERIALS_OWN] = Problem("own_too_many", {"n": MAX_OWN_ITEMS})
        return None
    for n, line in lines:
        parts = [p.strip() for p in line.replace("｜", "|").split("|")]
        if len(parts) != 3 or not all(parts):
            problems[MATERIALS_OWN] = Problem("own_format", {"line": n})
        elif not KEY.fullmatch(parts[0]):
            problems[MATERIALS_OWN] = Problem("own_key", {"line": n})
        elif parts[0] in national_keys:
            problems[MATERIALS_OWN] = Problem("own_national", {"line": n, "key": parts[0]})
        elif parts[0] in labels:
            problems[MATERIALS_OWN] = Problem("own_twice", {"line": n, "key": parts[0]})
        elif len(parts[1]) > MAX_LABEL or len(parts[2]) > MAX_LABEL:
            problems[MATERIALS_OWN] = Problem("own_label", {"line": n, "n": MAX_LABEL})
        else:
            labels[parts[0]] = {"zh_CN": parts[1], "en": parts[2]}
            continue
        return None
    return labels


def _read_overrides(posted: dict, known: list[str], regions: dict[str, str], problems: dict):
    """City and county overrides, one region a line: ``420500: +item -item``."""
    out: dict[str, dict] = {"cities": {}, "counties": {}}
    lines = _lines(_first(posted, MATERIALS_OVERRIDES))
    if len(lines) > MAX_OVERRIDE_LINES:
        problems[MATERIALS_OVERRIDES] = Problem("override_too_many", {"n": MAX_OVERRIDE_LINES})
        return None
    for n, line in lines:
        match = OVERRIDE_LINE.fullmatch(line)
        if match is None:
            problems[MATERIALS_OVERRIDES] = Problem("override_format", {"line": n})
            return None
        code, rest = match.groups()
        level = regions.get(code)
        if level not in ("city", "county"):
            problems[MATERIALS_OVERRIDES] = Problem("override_region", {"line": n, "code": code})
            return None
        table = out["cities" if level == "city" else "counties"]
        if code in table:
            problems[MATERIALS_OVERRIDES] = Problem("override_twice", {"line": n, "code": code})
            return None
        add: list[str] = []
        remove: list[str] = []
        for token in rest.replace("，", " ").replace(",", " ").split():
            sign, key = token[0], token[1:]
            if sign not in "+-" or key not in known:
                problems[MATERIALS_OVERRIDES] = Problem(
                    "override_item", {"line": n, "key": token.lstrip("+-")}
                )
                return None
            target = add if sign == "+" else remove
            if key not in target:
                target.append(key)
        entry = {}
        if add:
            entry["add"] = add
        if remove:
            entry["remove"] = remove
        if entry:
            table[code] = entry
    return out


def serial_digits_problem(digits: int | None, serial_issued: int) -> Problem | None:
    """L10, R6: a layout of ``digits`` serial digits must still hold the next serial of the
    province (its certificates are numbered one after the other, ``serial_issued`` so far):
    with fewer digits the next approval could not be given a number."""
    if digits is None or serial_issued + 1 < 10**digits:
        return None
    need = len(str(serial_issued + 1))
    return Problem("serial_digits", {"n": need, "issued": serial_issued})


def read_settings(
    posted: dict,
    national: dict,
    regions: dict[str, str],
    previous_labels: dict | None = None,
    serial_issued: int = 0,
) -> tuple[dict, dict[str, Problem]]:
    """The settings of a posted rules form (``posted``: name -> value or list of values), as
    nested data like ``config/rules.toml``, and the problems found, by field name. With any
    problem the settings are incomplete and must not be saved. ``regions`` maps the tenant's
    six-digit region codes to "city" or "county". An item of the province's own that is new
    (not in ``previous_labels``) joins the province's list; untick it there to keep it for
    city or county changes only. ``serial_issued``: the certificate serials the province has
    issued so far (:func:`serial_digits_problem`)."""
    problems: dict[str, Problem] = {}
    settings: dict[str, dict] = {}
    for spec in NUMBERS:
        settings.setdefault(spec.section, {})[spec.key] = _read_number(posted, spec, problems)
    for spec in SCHEDULES:
        settings.setdefault(spec.section, {})[spec.key] = _read_schedule(posted, spec, problems)
    for section, key in SWITCHES:
        settings.setdefault(section, {})[key] = _first(posted, f"{section}.{key}") in (
            "1",
            "on",
            "true",
            "y",
        )
    serial = serial_digits_problem(
        settings["registration"]["certificate_serial_digits"], serial_issued
    )
    if serial is not None:
        problems["registration.certificate_serial_digits"] = serial
    # cross-field: a reminder must come before the thing it reminds of runs out (D20)
    reminders, codes = settings["reminders"], settings["codes"]
    if (
        reminders["activation_hours"]
        and codes["activation_hours"]
        and max(reminders["activation_hours"]) >= codes["activation_hours"]
    ):
        problems["reminders.activation_hours"] = Problem(
            "before_code", {"n": codes["activation_hours"]}
        )
    if (
        reminders["draft_days"]
        and reminders["draft_expires_days"]
        and max(reminders["draft_days"]) >= reminders["draft_expires_days"]
    ):
        problems["reminders.draft_days"] = Problem(
            "before_draft", {"n": reminders["draft_expires_days"]}
        )

    national_keys = list(dict.fromkeys(national["materials"]["default"]))
    labels = _read_own_items(posted, national_keys, problems)
    known = national_keys + list(labels or {})
    chosen = posted.get(MATERIALS_DEFAULT, [])
    chosen = [chosen] if isinstance(chosen, str) else list(chosen)
    chosen += [k for k in (labels or {}) if k not in (previous_labels or {})]
    unknown = [k for k in chosen if k not in known]
    if labels is not None and unknown:
        problems[MATERIALS_DEFAULT] = Problem("unknown_item", {"key": unknown[0]})
    elif not chosen:
        problems[MATERIALS_DEFAULT] = Problem("no_items")
    overrides = _read_overrides(posted, known, regions, problems) if labels is not None else None
    settings["materials"] = {
        "default": [k for k in known if k in chosen],
        "labels": labels or {},
        **(overrides or {"cities": {}, "counties": {}}),
    }
    return settings, problems


#: (section, key) of every setting the editor owns; anything else in Tenant.rules is kept
EDITED = (
    [(s.section, s.key) for s in NUMBERS]
    + [(s.section, s.key) for s in SCHEDULES]
    + list(SWITCHES)
    + [("materials", k) for k in ("default", "labels", "cities", "counties")]
)


def overrides_from(settings: dict, national: dict, previous: dict) -> dict:
    """The tenant's new override dict: only the edited values that differ from the national
    defaults, plus whatever the previous overrides held that the editor does not edit."""
    out = copy.deepcopy(previous or {})
    for section, key in EDITED:
        out.get(section, {}).pop(key, None)
        value = settings[section][key]
        if value != national.get(section, {}).get(key):
            out.setdefault(section, {})[key] = copy.deepcopy(value)
    return {section: values for section, values in out.items() if values != {}}


def _flatten(data, prefix: str = "") -> dict:
    if isinstance(data, dict):
        out = {}
        for key, value in data.items():
            out.update(_flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: data}


def diff(old_rules: dict, new_rules: dict) -> list[list]:
    """What changed between two merged rule sets: ``[dotted key, old, new]`` for each value
    that differs (None where a key is absent on one side), in key order."""
    old, new = _flatten(old_rules), _flatten(new_rules)
    return [
        [key, old.get(key), new.get(key)]
        for key in sorted(old.keys() | new.keys())
        if old.get(key) != new.get(key)
    ]


def form_values(rules: dict) -> dict:
    """The editor's field values for merged ``rules`` (the inverse of :func:`read_settings`)."""
    values: dict = {}
    for spec in NUMBERS:
        values[spec.name] = str(rules[spec.section][spec.key])
    for spec in SCHEDULES:
        values[spec.name] = ", ".join(str(n) for n in rules[spec.section][spec.key] or [])
    for section, key in SWITCHES:
        values[f"{section}.{key}"] = bool(rules[section][key])
    materials = rules["materials"]
    values[MATERIALS_DEFAULT] = list(materials.get("default") or [])
    labels = materials.get("labels") or {}
    values[MATERIALS_OWN] = "\n".join(
        f"{key} | {(label or {}).get('zh_CN', '')} | {(label or {}).get('en', '')}"
        for key, label in labels.items()
        if isinstance(label, dict)
    )
    lines = []
    for level in ("cities", "counties"):
        for code, entry in (materials.get(level) or {}).items():
            entry = entry if isinstance(entry, dict) else {}
            tokens = [f"+{k}" for k in entry.get("add") or []] + [
                f"-{k}" for k in entry.get("remove") or []
            ]
            lines.append(f"{code}: {' '.join(tokens)}")
    values[MATERIALS_OVERRIDES] = "\n".join(lines)
    return values
