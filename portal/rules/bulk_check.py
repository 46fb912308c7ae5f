"""The bulk check's file (V4): a CSV of certificate numbers an institution's staff upload for a
credentialing audit. Pure: bytes in, numbered lines out; the states are looked up by
``portal.workflow.bulk_check``.

The file is UTF-8 (with or without BOM) or GBK/GB18030, as the imports read it
(``portal.rules.imports.decode``). Its first non-empty line is a header when none of its cells
is a number; the number is then the column whose header names it (证书编码, 执业证书编码,
证书编号, certificate number …), else the first. Without a header, it is the first cell holding
a number. Other columns (a name, a department) are ignored and may stay in the file. Digits
typed full-width or in groups are read as ASCII (as the public check reads them, V1); a number
Excel turned into ``1.14205E+14`` is reported as such, since its digits are lost.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from portal.rules.import_reading import ImportFileError, decode

#: the most lines one check answers (the issue's credentialing audit: 3,000 doctors; 10,000 leaves room)
MAX_ROWS = 10_000
#: 10,000 lines with a name and a department fit in well under 1 MB
MAX_BYTES = 2 * 1024 * 1024
#: the longest certificate number (the column holds 20, L10)
MAX_DIGITS = 20

HEADERS = {
    "证书编码",
    "执业证书编码",
    "医师执业证书编码",
    "证书编号",
    "执业证书编号",
    "证书号",
    "编码",
    "certificate number",
    "certificate no",
    "certificate_no",
    "certificate",
    "number",
}

#: what Excel shows for a long number it stored as a float: the digits are gone
_SCIENTIFIC = re.compile(r"[0-9](?:\.[0-9]+)?e\+?[0-9]+", re.IGNORECASE)


@dataclass(frozen=True)
class Line:
    """One line of the file: its number in the file (header = 1), the certificate number as
    read, and ``problem``: None, ``"not_a_number"`` or ``"scientific"``."""

    line: int
    number: str
    problem: str | None = None


def _cell(value: str) -> str:
    value = unicodedata.normalize("NFKC", value).strip().lstrip("'").strip()
    return re.sub(r"\s+", "", value)


def _is_number(value: str) -> bool:
    return value.isascii() and value.isdigit() and len(value) <= MAX_DIGITS


def _header_column(row: list[str]) -> int:
    for i, raw in enumerate(row):
        name = re.sub(r"[\s_\-]+", " ", unicodedata.normalize("NFKC", raw).lower()).strip()
        if name in HEADERS or name.replace(" ", "_") in HEADERS:
            return i
    return 0


def read_numbers(raw: bytes, max_rows: int = MAX_ROWS, max_bytes: int = MAX_BYTES) -> list[Line]:
    """The file's lines with their certificate numbers, in file order. Refuses (``ImportFileError``)
    a file that is empty, too big, in another encoding or binary (``decode``), one with more
    than ``max_rows`` lines (``too_many``) and one without a single certificate number
    (``no_numbers``)."""
    text = decode(raw, max_bytes)
    column: int | None = None
    lines: list[Line] = []
    for index, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [_cell(c) for c in row]
        if not any(cells):
            continue
        if column is None:
            numeric = [i for i, c in enumerate(cells) if _is_number(c)]
            if not numeric:
                column = _header_column(row)
                continue
            column = numeric[0]
        value = cells[column] if column < len(cells) else ""
        if _is_number(value):
            lines.append(Line(index, value))
        elif _SCIENTIFIC.fullmatch(value):
            lines.append(Line(index, value[:40], "scientific"))
        else:
            lines.append(Line(index, value[:40], "not_a_number"))
        if len(lines) > max_rows:
            raise ImportFileError("too_many", n=max_rows)
    if not any(line.problem is None for line in lines):
        raise ImportFileError("no_numbers")
    return lines
