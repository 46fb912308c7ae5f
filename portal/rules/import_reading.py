"""Reading a CSV file of reference data (A2): its bytes decoded and its lines parsed into rows
keyed by column. Pure: bytes and plain data in, plain data out; no Flask, no database.

1. ``decode``: UTF-8 (with or without BOM) first, strictly; else GB18030 (a superset of GBK,
   what Excel writes on a Chinese Windows); binary junk is refused.
2. ``parse``: the csv module; the first line names the columns, in Chinese (the template) or
   English; a column the file lacks is a file error.

What the rows are then checked for is ``portal.rules.imports``; the format (columns, accepted
values, the template) is ``portal.rules.import_format``.
"""

from __future__ import annotations

import codecs
import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from portal.rules import import_format as fmt


class ImportFileError(ValueError):
    """The file as a whole cannot be read; ``key`` names the message, ``params`` fill it."""

    def __init__(self, key: str, **params):
        super().__init__(key)
        self.key = key
        self.params = params


@dataclass(frozen=True)
class Problem:
    """One thing wrong on one line: ``line`` as in the file (header = 1), ``column`` a column
    key (None for the whole line), ``key`` the message and ``params`` its values."""

    line: int
    column: str | None
    key: str
    params: dict = field(default_factory=dict, hash=False, compare=True)


@dataclass
class Parsed:
    kind: str
    #: column key -> the header as written in the file
    headers: dict[str, str]
    #: headers the file has that are not ours: ignored, and said so
    ignored: list[str]
    #: (line number, {column key: raw text})
    rows: list[tuple[int, dict[str, str]]]
    problems: list[Problem] = field(default_factory=list)


# ---- 1. decoding ------------------------------------------------------------------------------


#: what no CSV text holds: control characters (but tab and line ends), private-use characters
#: (Unicode's Co: the BMP's and planes 15 and 16) and lone surrogates (Cs)
_NOT_TEXT = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ue000-\uf8ff"
    "\U000f0000-\U000ffffd\U00100000-\U0010fffd]"
)


def decode(raw: bytes, max_bytes: int = fmt.MAX_BYTES) -> str:
    """The file's text: UTF-8 (a BOM is dropped) or else GB18030/GBK. Refuses an empty file,
    one over ``max_bytes``, one in neither encoding and one with binary content."""
    if not raw or not raw.strip():
        raise ImportFileError("empty")
    if len(raw) > max_bytes:
        raise ImportFileError("too_big", mb=max_bytes // (1024 * 1024))
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise ImportFileError("utf16")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            raise ImportFileError("encoding") from None
    # GB18030 decodes many byte sequences, so binary junk shows itself by its control and
    # private-use characters (a spreadsheet file, an image, a zip: all carry NUL bytes)
    if _NOT_TEXT.search(text):
        raise ImportFileError("not_text")
    return text


# ---- 2. parsing -------------------------------------------------------------------------------


def _normal_header(text: str) -> str:
    return re.sub(r"[\s_\-]+", " ", text.replace("\ufeff", "").strip().lower()).strip()


def _header_index(kind: str) -> dict[str, str]:
    out = {}
    for col in fmt.COLUMNS[kind]:
        for name in (col.header, col.english, col.key, *col.aliases):
            out[_normal_header(name)] = col.key
    return out


@dataclass
class Header:
    headers: dict[str, str]
    ignored: list[str]
    #: column key -> position in the line
    positions: dict[str, int]
    width: int
    line: int


#: a line with its end (\r\n, \n or a lone \r, as a file opened with newline="" reads them)
_LINE = re.compile(r"[^\r\n]*(?:\r\n?|\n)|[^\r\n]+$")


def _lines(text: str) -> Iterator[str]:
    """The lines of ``text`` one at a time: no second copy of a 30 MB file in memory."""
    return (m.group() for m in _LINE.finditer(text, 1 if text.startswith("\ufeff") else 0))


def open_reader(text: str, kind: str):
    if kind not in fmt.COLUMNS:
        raise ValueError(f"unknown import kind {kind!r}")
    first = next(_lines(text), "").lstrip("\ufeff")
    delimiter = "\t" if "," not in first and "\t" in first else ","
    return csv.reader(_lines(text), delimiter=delimiter)


def read_header(reader, kind: str) -> Header:
    index = _header_index(kind)
    try:
        header = next(reader, None)
        while header is not None and not any(cell.strip() for cell in header):
            header = next(reader, None)  # blank lines before the header
    except csv.Error:
        raise ImportFileError("csv", line=reader.line_num) from None
    if header is None:
        raise ImportFileError("empty")
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored = []
    for i, cell in enumerate(header):
        key = index.get(_normal_header(cell))
        if key is None:
            if cell.strip():
                ignored.append(cell.strip())
            continue
        if key in positions:
            raise ImportFileError("duplicate_column", column=cell.strip())
        positions[key] = i
        headers[key] = cell.strip().lstrip("\ufeff")
    missing = [c.header for c in fmt.COLUMNS[kind] if c.required and c.key not in positions]
    if missing:
        raise ImportFileError("missing_columns", columns="、".join(missing))
    return Header(headers, ignored, positions, len(header), reader.line_num)


def data_rows(reader, head: Header) -> Iterator[tuple[int, dict[str, str], Problem | None]]:
    """The data lines one by one: (line number, {column key: raw text}, a problem of the line's
    width or None). Blank lines are left out."""
    previous_end = head.line
    try:
        for cells in reader:
            start, previous_end = previous_end + 1, reader.line_num
            if not any(cell.strip() for cell in cells):
                continue  # a blank line (Excel leaves some at the end)
            problem = None
            if len(cells) > head.width and any(c.strip() for c in cells[head.width :]):
                problem = Problem(
                    start, None, "line_width", {"found": len(cells), "expected": head.width}
                )
            raw = {key: (cells[i] if i < len(cells) else "") for key, i in head.positions.items()}
            yield start, raw, problem
    except csv.Error:
        raise ImportFileError("csv", line=reader.line_num) from None


def parse(text: str, kind: str) -> Parsed:
    """Rows keyed by column; a file error when the first line does not name our columns."""
    reader = open_reader(text, kind)
    head = read_header(reader, kind)
    rows, problems = [], []
    for line, raw, problem in data_rows(reader, head):
        rows.append((line, raw))
        if problem is not None:
            problems.append(problem)
    if not rows:
        raise ImportFileError("no_rows")
    return Parsed(kind, head.headers, head.ignored, rows, problems)
