"""The overview's period in words: a range of dates spelled out ("1–7 December 2026", "1–7 december 2026")
and each headline figure against the previous period of the same length ("+12 % vs the previous 7 days").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, timedelta, tzinfo

from babel.dates import format_date

from luister.domain.periods import is_midnight
from luister.services.analytics import Overview, Scope, Totals

Gettext = Callable[[str], str]


def spell_days(first: date, last: date, lang: str) -> str:
    """The days ``first`` … ``last`` (both included) as a person writes them, in ``lang``."""
    if first == last:
        return format_date(last, "d MMMM y", locale=lang)
    if (first.year, first.month) == (last.year, last.month):
        return f"{first.day}–{format_date(last, 'd MMMM y', locale=lang)}"
    if first.year == last.year:
        return f"{format_date(first, 'd MMMM', locale=lang)} – {format_date(last, 'd MMMM y', locale=lang)}"
    return f"{format_date(first, 'd MMMM y', locale=lang)} – {format_date(last, 'd MMMM y', locale=lang)}"


def shown_days(scope: Scope, fallback: tzinfo = UTC) -> tuple[date, date]:
    """The first and last day a scope covers: in its own time zone for a range of local days, else in UTC."""
    zone = scope.tz or fallback
    if not (is_midnight(scope.since, zone) and is_midnight(scope.until, zone)):
        zone = UTC
    return scope.since.astimezone(zone).date(), (scope.until - timedelta(microseconds=1)).astimezone(
        zone
    ).date()


def spell_scope(scope: Scope, lang: str) -> str:
    return spell_days(*shown_days(scope), lang)


def compared_with(scope: Scope, gettext: Gettext) -> str:
    """What a figure is compared with: "vs the previous 7 days", "vs the same hours of the previous day"."""
    days = scope.days
    if scope.running:
        if days == 1:
            return gettext("vs the same hours of the previous day")
        return gettext("vs the same hours of the previous %(n)s days") % {"n": days}
    if scope.until - scope.since == timedelta(days=1) and not is_midnight(scope.since, scope.tz or UTC):
        return gettext("vs the previous 24 hours")
    if days == 1:
        return gettext("vs the previous day")
    return gettext("vs the previous %(n)s days") % {"n": days}


@dataclass(frozen=True, slots=True)
class Change:
    """One headline figure against the previous period: ``text`` ("+12 %", "−3") and which way it went."""

    text: str
    direction: str  # up, down or same


def percent_change(now: int, before: int) -> Change | None:
    """The change in percent; without a base (nothing before) the difference itself."""
    if not now and not before:
        return None
    if not before:
        return Change(f"+{now}", "up")
    change = round(100 * (now - before) / before)
    return Change(_signed(change) + " %", _direction(change))


def point_change(now: float | None, before: float | None) -> Change | None:
    """The change of a −100…+100 score (net sentiment) in points."""
    if now is None or before is None:
        return None
    change = round(100 * now) - round(100 * before)
    return Change(_signed(change), _direction(change))


def changes(overview: Overview) -> dict[str, Change | None]:
    """Each headline figure of the overview against the previous period."""
    now, before = overview.totals, overview.previous
    if before is None:
        before = Totals(overview.previous_mentions, 0, 0, 0, {})
    return {
        "mentions": percent_change(now.mentions, before.mentions),
        "net_sentiment": point_change(now.net_sentiment, before.net_sentiment),
        "negative": percent_change(now.sentiment.get("negative", 0), before.sentiment.get("negative", 0)),
        "reach": percent_change(now.reach, before.reach),
        "engagement": percent_change(now.engagement, before.engagement),
    }


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else (f"−{-n}" if n < 0 else "±0")


def _direction(n: int) -> str:
    return "up" if n > 0 else ("down" if n < 0 else "same")
