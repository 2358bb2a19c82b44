"""Parsing the many timestamp shapes platforms and spreadsheets use, always to aware UTC."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from email.utils import parsedate_to_datetime

from luister.domain.errors import MappingError

_EPOCH_MS_THRESHOLD = 100_000_000_000  # anything larger is milliseconds (year 5138 in seconds)
_DUTCH_DATE = re.compile(
    r"^(?P<d>\d{1,2})[-/.](?P<m>\d{1,2})[-/.](?P<y>\d{4})"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?$"
)
EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
# Export shapes ISO and RFC 2822 do not cover, tried in order (only when those fail):
_FORMATS = (
    "%a %b %d %H:%M:%S %z %Y",  # Twitter/X API and archives: Wed Oct 10 20:19:24 +0000 2018
    "%d-%b-%Y %I:%M%p",  # Meltwater: 07-Jan-2021 08:41AM
    "%d-%b-%Y %H:%M",
    "%d-%b-%Y",
    "%m/%d/%Y %I:%M:%S %p",  # US spreadsheets with AM/PM: 1/7/2021 8:41:13 AM (month first with AM/PM)
    "%m/%d/%Y %I:%M %p",
    "%b %d, %Y %I:%M %p",  # Jan 07, 2021 08:41 AM
    "%b %d, %Y",
)
_UTC_SUFFIX = re.compile(r"\s*(?:UTC|GMT|Z)$", re.IGNORECASE)
# a zone written after the time: 10:00Z, 10:00:00+02:00, 10:00:00 +0000 (Twitter's "... +0000 2018"), UTC
_HAS_ZONE = re.compile(r"\d:\d\d(?::\d\d)?(?:[.,]\d+)?\s*(?:[zZ]|[+-]\d\d:?\d\d|UTC\b|GMT\b)")
NAIVE = 1  # flags of :func:`date_flags`
AMBIGUOUS = 2


@dataclass(frozen=True, slots=True)
class DateReading:
    """How dates that do not say everything are read: those without a zone are in ``zone``; ``07/01/2021``
    is the 7th of January when ``dayfirst``, else the 1st of July."""

    zone: tzinfo = UTC
    dayfirst: bool = True


_DEFAULT_READING = DateReading()


def date_flags(value: object) -> int:
    """:data:`NAIVE` when a written date has no zone, :data:`AMBIGUOUS` when its day and month could be
    swapped (``07/01/2021``): for the import summary, which says how such dates were read."""
    if not isinstance(value, str):
        return 0
    text = value.strip()
    if not text or text[-1] in "zZ" or (len(text) > 6 and text[-6] in "+-" and text[-3] == ":"):
        return 0  # empty, or ISO 8601 with its zone: the common case, decided without a regex
    if text.lstrip("-").replace(".", "", 1).isdigit():  # epoch values are UTC by definition
        return 0
    flags = 0 if _HAS_ZONE.search(text) else NAIVE
    numeric = _DUTCH_DATE.match(text)
    if numeric and numeric["d"] != numeric["m"] and int(numeric["d"]) <= 12 and int(numeric["m"]) <= 12:
        flags |= AMBIGUOUS
    return flags


def to_utc(moment: datetime, zone: tzinfo = UTC) -> datetime:
    """Aware UTC; a naive datetime is taken to be in ``zone`` (UTC unless told)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=zone) if zone is UTC else moment.replace(tzinfo=zone).astimezone(UTC)
    return moment.astimezone(UTC)


def parse_timestamp(
    value: object, *, field: str = "published_at", reading: DateReading | None = None
) -> datetime:
    """Read ISO 8601, RFC 2822, epoch seconds/milliseconds or ``dd-mm-yyyy [HH:MM[:SS]]`` into aware UTC.

    Raises :class:`MappingError` naming the field and the value when nothing fits.
    """
    try:
        moment = _parse(value, field, reading or _DEFAULT_READING)
    except OverflowError:  # 0001-01-01T00:00+05:00 is before the first moment a datetime holds in UTC
        raise MappingError(field, f"timestamp {value!r} is out of range") from None
    if moment < EARLIEST:
        raise MappingError(field, f"timestamp {value!r} is before 1990")
    return moment


def _parse(value: object, field: str, reading: DateReading) -> datetime:
    zone = reading.zone
    if isinstance(value, datetime):
        return to_utc(value, zone)
    if isinstance(value, bool):
        raise MappingError(field, f"expected a timestamp, got {value!r}")
    if isinstance(value, int | float):
        return _from_epoch(float(value), field)
    if not isinstance(value, str):
        raise MappingError(field, f"expected a timestamp, got {type(value).__name__}")
    text = value.strip()
    if not text:
        raise MappingError(field, "timestamp is empty")
    if text.lstrip("-").replace(".", "", 1).isdigit():
        return _from_epoch(float(text), field)
    try:
        return to_utc(datetime.fromisoformat(text), zone)
    except ValueError:
        pass
    dutch = _DUTCH_DATE.match(text)
    if dutch:
        parts = {k: int(v) if v else 0 for k, v in dutch.groupdict().items()}
        day, month = (parts["d"], parts["m"]) if reading.dayfirst else (parts["m"], parts["d"])
        try:
            local = datetime(parts["y"], month, day, parts["H"], parts["M"], parts["S"])
            return to_utc(local, zone)
        except ValueError as exc:
            raise MappingError(field, f"invalid date {value!r}: {exc}") from None
    if _UTC_SUFFIX.search(text):  # 2021-01-07 08:41:13 UTC
        try:
            return datetime.fromisoformat(_UTC_SUFFIX.sub("", text)).replace(tzinfo=UTC)
        except ValueError:
            pass
    for form in _FORMATS:
        try:
            return to_utc(datetime.strptime(text, form), zone)
        except ValueError:
            continue
    try:
        return to_utc(parsedate_to_datetime(text), zone)
    except (TypeError, ValueError, IndexError):
        raise MappingError(field, f"unrecognised timestamp {value!r}") from None


def _from_epoch(number: float, field: str) -> datetime:
    if number > _EPOCH_MS_THRESHOLD:
        number /= 1000.0
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise MappingError(field, f"epoch value {number!r} is out of range") from None
