"""The audit log as CSV, safe to open in a spreadsheet.

The csv module does the quoting, of every cell (QUOTE_ALL): a spreadsheet that splits on
another delimiter (`;` in many European locales) then still keeps `x;=1+1;` one text cell
instead of finding a cell that starts with `=`. Spreadsheets also run a
cell that starts with = + - @ (or a tab / carriage return, which some of them strip first)
as a formula, and audit text is partly attacker-chosen (a failed sign-in's username), so
such cells get a leading apostrophe (OWASP "CSV injection").
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

COLUMNS = ("id", "at", "action", "actorType", "actorId", "actor", "target", "detail", "ip")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value: Any) -> str:
    """The cell text, with a leading apostrophe if a spreadsheet would read it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def csv_lines(rows: Iterable[dict[str, Any]]) -> Iterator[str]:
    """The header line, then one line per wire-shaped event (audit.service.to_wire)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n", quoting=csv.QUOTE_ALL)
    writer.writerow(COLUMNS)
    yield buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([neutralize(row.get(column)) for column in COLUMNS])
        yield buffer.getvalue()
