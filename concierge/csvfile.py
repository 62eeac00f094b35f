"""Reading the CSV files coordinators upload (participants, pairs): header checks, rows by their
physical line number, and every unreadable row reported without losing the rows after it.

`read_csv` raises `ActionError` for a header that cannot be used (a usage error: nothing is
read); each data row comes back with its cells or the reason it could not be read.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from concierge.actions import ActionError


@dataclass
class RowProblem:
    """A CSV row that was not applied: its physical line number and why."""

    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


class CsvRow(NamedTuple):
    """One data row of a CSV: its first physical line (header = 1) and its cells by column.

    A row that could not be read has no cells and says why in `problem`.
    """

    line: int
    cells: dict[str, str] | None
    problem: str | None


def read_csv(data: bytes, required: tuple[str, ...], known: tuple[str, ...]) -> list[CsvRow]:
    """The data rows of UTF-8 CSV bytes (BOM allowed), after checking the header's columns.

    A header that is missing, unreadable or has missing, unknown or repeated columns raises
    ActionError (a usage error: nothing is read). Blank rows are skipped; a row with more
    non-blank cells than the header has columns is reported. How unreadable rows are treated
    is explained in `csv_records`.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ActionError(f"the file is not UTF-8 (byte {exc.start})") from None
    records = csv_records(text)
    for line, cells, problem in records:
        if problem is not None:
            raise ActionError(f"the header row (line {line}) cannot be read: {problem}")
        if cells:
            break
    else:
        raise ActionError("the file is empty: a header row is required")
    header = [h.strip().lower() for h in cells]
    missing = [c for c in required if c not in header]
    if missing:
        raise ActionError(f"missing required column(s): {', '.join(missing)}")
    unknown = [_shown(h) for h in header if h and h not in known]
    if unknown:
        raise ActionError(f"unknown column(s): {', '.join(unknown)}")
    duplicated = sorted(_shown(h) for h, n in Counter(header).items() if n > 1)
    if duplicated:
        raise ActionError(f"duplicated column(s): {', '.join(duplicated)}")

    rows: list[CsvRow] = []
    for line, cells, problem in records:
        if cells is None:
            rows.append(CsvRow(line, None, problem))
        elif any(c.strip() for c in cells[len(header) :]):
            rows.append(CsvRow(line, None, "more cells than header columns"))
        elif any(c.strip() for c in cells):
            rows.append(CsvRow(line, dict(zip(header, cells, strict=False)), None))
    return rows


def csv_records(text: str) -> Iterator[tuple[int, list[str] | None, str | None]]:
    """Each CSV record with its first physical line (1-based), or why it cannot be read.

    Physical lines end at LF, CRLF or CR; a quoted cell may span lines (the record keeps
    its first line's number) and blank lines keep their place in the count. A record the
    csv module cannot read — a quote never closed before the end of the file, a cell over
    the module's field limit, text after a closing quote — is reported on its first line,
    and reading starts again on the next physical line: the lines that record would have
    swallowed are read as records of their own, so each is processed or reported, never lost.
    """
    lines = io.StringIO(text, newline="").readlines()
    start = 0  # lines before the current reader's first one
    while start < len(lines):
        reader = csv.reader((lines[i] for i in range(start, len(lines))), strict=True)
        while True:
            line = start + reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield line, None, _csv_problem(exc)
                start = line
                break
            yield line, cells, None


def _csv_problem(exc: csv.Error) -> str:
    message = str(exc)
    if message == "unexpected end of data":
        return "unterminated quote: a quoted cell on this row runs to the end of the file"
    if message.startswith("field larger than field limit"):
        return f"a cell is longer than {csv.field_size_limit()} characters"
    if message.startswith("',' expected after"):
        return 'text after the closing quote of a cell (write "" for a quote inside a quoted cell)'
    return f"malformed CSV: {message}"


def _shown(name: str, limit: int = 40) -> str:
    """A column name fit for a one-line message."""
    name = name if len(name) <= limit else name[:limit] + "…"
    return name if name.isprintable() else repr(name)
