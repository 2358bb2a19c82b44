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


def to_utc(moment: datetime) -> datetime:
    """Aware UTC; a naive datetime is taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def parse_timestamp(value: object, *, field: str = "published_at") -> datetime:
    """Read ISO 8601, RFC 2822, epoch seconds/milliseconds or ``dd-mm-yyyy [HH:MM[:SS]]`` into aware UTC.

    Raises :class:`MappingError` naming the field and the value when nothing fits.
    """
    try:
        moment = _parse(value, field)
    except OverflowError:  # 0001-01-01T00:00+05:00 is before the first moment a datetime holds in UTC
        raise MappingError(field, f"timestamp {value!r} is out of range") from None
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
