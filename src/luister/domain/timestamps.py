"""Parsing the many timestamp shapes platforms and spreadsheets use, always to aware UTC."""

from __future__ import annotations

import re
from datetime import UTC, datetime
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


def to_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_timestamp(value: object, *, field: str = "published_at") -> datetime:
    """Read ISO 8601, RFC 2822, epoch seconds/milliseconds or ``dd-mm-yyyy [HH:MM[:SS]]`` into aware UTC.

    Raises :class:`MappingError` naming the field and the value when nothing fits.
    """
    moment = _parse(value, field)
    if moment < EARLIEST:
        raise MappingError(field, f"timestamp {value!r} is before 1990")
    return moment


def _parse(value: object, field: str) -> datetime:
    if isinstance(value, datetime):
        return to_utc(value)
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
        return to_utc(datetime.fromisoformat(text))
    except ValueError:
        pass
    dutch = _DUTCH_DATE.match(text)
    if dutch:
        parts = {k: int(v) if v else 0 for k, v in dutch.groupdict().items()}
        try:
            return datetime(
                parts["y"], parts["m"], parts["d"], parts["H"], parts["M"], parts["S"], tzinfo=UTC
            )
        except ValueError as exc:
            raise MappingError(field, f"invalid date {value!r}: {exc}") from None
    if _UTC_SUFFIX.search(text):  # 2021-01-07 08:41:13 UTC
        try:
            return datetime.fromisoformat(_UTC_SUFFIX.sub("", text)).replace(tzinfo=UTC)
        except ValueError:
            pass
    for form in _FORMATS:
        try:
            return to_utc(datetime.strptime(text, form))
        except ValueError:
            continue
    try:
        return to_utc(parsedate_to_datetime(text))
    except (TypeError, ValueError, IndexError):
        raise MappingError(field, f"unrecognised timestamp {value!r}") from None


def _from_epoch(number: float, field: str) -> datetime:
    if number > _EPOCH_MS_THRESHOLD:
        number /= 1000.0
    try:
        return datetime.fromtimestamp(number, tz=UTC)
    except (OverflowError, OSError, ValueError):
        raise MappingError(field, f"epoch value {number!r} is out of range") from None
