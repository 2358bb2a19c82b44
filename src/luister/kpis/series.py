"""Reading an external series import (pure): ``period,value`` rows, optionally with a third ``unit``
column, from CSV as people export it — also Dutch Excel's ``;``-separated files with a decimal comma and a
UTF-8 byte order mark. The encoding and the delimiter are found the way file imports find them
(:mod:`luister.connectors.file_readers`).

A row that cannot be read becomes a :class:`RowProblem` naming its line, and the good rows are kept. A
value in another unit than the series' (``12 %`` for a series in days, or a ``unit`` column that says so)
is refused the same way: numbers in the wrong unit would be compared with targets as if they were right."""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field
from datetime import date

from luister.connectors.file_readers import choose_encoding, sniff_delimiter
from luister.kpis.formulas import Unit

MAX_ROWS = 100_000
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-?Q([1-4])$", re.IGNORECASE)
_WEEK = re.compile(r"^(\d{4})-?W(\d{1,2})$", re.IGNORECASE)
_DUTCH_DATE = re.compile(r"^(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})$")
_SUFFIXES = {"%": Unit.percent, "pp": Unit.points, "€": Unit.eur, "eur": Unit.eur, "h": Unit.hours,
             "u": Unit.hours, "d": Unit.days, "dagen": Unit.days, "days": Unit.days}  # fmt: skip
_ALIASES = {u.value: u for u in Unit} | _SUFFIXES | {"": None}


class UnitMismatch(ValueError):
    """A value or target in another unit than its KPI or series."""


@dataclass(frozen=True, slots=True)
class Point:
    period: date
    value: float


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class Parsed:
    points: list[Point] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    encoding: str = "utf-8"
    delimiter: str = ","


def parse_unit(text: str) -> Unit | None:
    """A unit by its name or sign (``%``, ``€``, ``days``…); None for none. Raises ``ValueError``."""
    key = text.strip().lower()
    if key not in _ALIASES:
        raise ValueError(f"unknown unit {text.strip()!r}; use one of {', '.join(u.value for u in Unit)}")
    return _ALIASES[key]


def parse_quantity(text: str, *, decimal_comma: bool = False) -> tuple[float, Unit | None]:
    """A number as people write it (``1.234,5`` and ``1,234.5``, ``12,5 %``, ``€ 40``), with the unit its
    sign names. ``decimal_comma``: a lone comma is the decimal mark (Dutch files). Raises ``ValueError``."""
    raw = text.strip().replace("\u00a0", " ")
    unit: Unit | None = None
    lowered = raw.lower()
    for sign in sorted(_SUFFIXES, key=len, reverse=True):
        if lowered.endswith(sign) and (sign in "%€" or re.search(r"[\d\s]" + re.escape(sign) + "$", lowered)):
            unit, raw = _SUFFIXES[sign], raw[: len(raw) - len(sign)].strip()
            break
        if sign in ("€", "eur") and lowered.startswith(sign):
            unit, raw = Unit.eur, raw[len(sign) :].strip()
            break
    number = raw.replace(" ", "")
    if "," in number and "." in number:  # the later mark is the decimal one
        number = number.replace(".", "").replace(",", ".") if number.rfind(",") > number.rfind(".") else \
            number.replace(",", "")  # fmt: skip
    elif "," in number:
        number = number.replace(",", ".") if decimal_comma or number.count(",") == 1 and \
            not re.fullmatch(r"-?\d{1,3},\d{3}", number) else number.replace(",", "")  # fmt: skip
    try:
        value = float(number)
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{text.strip()!r} is not a finite number")
    return value, unit


def checked(value: float, given: Unit | None, expected: Unit, what: str) -> float:
    """``value`` if its unit (when one is given) is ``expected``; raises :class:`UnitMismatch`."""
    if given is not None and given is not expected:
        raise UnitMismatch(f"{what} is in {given.value}, but this is measured in {expected.value}")
    if expected is Unit.percent and not 0 <= value <= 100:
        raise UnitMismatch(f"{what} {value:g} is not a percentage (0–100)")
    return value


def parse_period(text: str) -> date:
    """A period's first day: ``2026-11-03``, ``3-11-2026``, ``2026-11`` (a month), ``2026-Q4``, ``2026-W45``.
    Raises ``ValueError``."""
    value = text.strip()
    try:
        if m := _MONTH.match(value):
            return date(int(m.group(1)), int(m.group(2)), 1)
        if m := _QUARTER.match(value):
            return date(int(m.group(1)), 3 * int(m.group(2)) - 2, 1)
        if m := _WEEK.match(value):
            return date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        if m := _DUTCH_DATE.match(value):
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        return date.fromisoformat(value[:10])
    except ValueError:
        raise ValueError(
            f"{value!r} is not a period (2026-11-03, 3-11-2026, 2026-11, 2026-Q4 or 2026-W45)"
        ) from None


def read_points(data: bytes, unit: Unit) -> Parsed:
    """The points of an import file, and a problem per row that could not be used."""
    encoding, _why = choose_encoding(data[: 256 * 1024])
    text = data.decode(encoding, errors="replace")
    delimiter = sniff_delimiter(text) if text.strip() else ","
    decimal_comma = delimiter == ";"
    found: dict[date, Point] = {}
    problems: list[RowProblem] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    for line, row in enumerate(reader, start=1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if line == 1 and _is_header(cells):
            continue
        if len(found) + len(problems) >= MAX_ROWS:
            problems.append(RowProblem(line, f"more than {MAX_ROWS:,} rows; the rest was not read"))
            break
        try:
            point = _point(cells, unit, decimal_comma)
        except ValueError as exc:
            problems.append(RowProblem(line, str(exc)))
            continue
        found[point.period] = point  # a period given twice: the later row holds
    return Parsed(sorted(found.values(), key=lambda p: p.period), problems, encoding, delimiter)


def _is_header(cells: list[str]) -> bool:
    try:
        parse_period(cells[0])
    except ValueError:
        return not any(ch.isdigit() for ch in cells[0])
    return False


def _point(cells: list[str], unit: Unit, decimal_comma: bool) -> Point:
    if len(cells) < 2 or not cells[1]:
        raise ValueError("expected period and value (and optionally a unit)")
    if len(cells) > 3 and any(cells[3:]):
        raise ValueError(f"expected at most 3 columns, found {len(cells)}")
    period = parse_period(cells[0])
    value, sign = parse_quantity(cells[1], decimal_comma=decimal_comma)
    named = parse_unit(cells[2]) if len(cells) > 2 else None
    if named is not None and sign is not None and named is not sign:
        raise ValueError(f"the value says {sign.value} but the unit column {named.value}")
    return Point(period, checked(value, named or sign, unit, f"value {cells[1]!r}"))
