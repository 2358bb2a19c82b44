"""Plotly figures for the overview, as plain dicts (data + layout) that ``dashboard.js`` draws.

Each point carries, in ``customdata``, the address of the mention list behind it (see ``drill.py``).
Text that comes from data (topic names, channels, countries) is HTML-escaped: Plotly reads a few tags
in labels, so a hostile topic name must arrive as text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from html import escape
from typing import Any

from luister.domain.periods import midnight
from luister.services.analytics import Overview, Scope
from luister.web.drill import Drill

COLOURS = {"negative": "#b3261e", "neutral": "#9ca3af", "positive": "#1b7f3b", "": "#cbd5e1"}
SENTIMENT_ORDER = ("negative", "neutral", "positive", "")
KIND_COLOURS = {"brand": "#0f766e", "competitor": "#64748b"}
PALETTE = ("#0f766e", "#2563eb", "#c2410c", "#7c3aed", "#0891b2", "#be185d", "#4d7c0f", "#a16207")
Figure = dict[str, Any]
PARTIAL_OPACITY = 0.45  # a bucket still filling (today so far) is drawn faint: it is not a collapse
LABEL_LENGTH = 28  # characters of a name on an axis; the axis widens to fit (automargin)
NAMES_AXIS = {"autorange": "reversed", "automargin": True}  # a category axis of names, top to bottom


def scope_drill(scope: Scope, topic: str) -> Drill:
    return Drill(topic=topic, since=scope.since, until=scope.until, channel=scope.channel,
                 country=scope.country, language=scope.language, sentiment=scope.sentiment)  # fmt: skip


def figures(
    overview: Overview, *, topic: str, gettext: Callable[[str], str], lang: str = "en"
) -> dict[str, Figure]:
    _ = gettext
    scope = overview.scope
    base = scope_drill(scope, topic)
    time_axis: dict[str, Any] = {"type": "date"}
    if lang != "en":  # Plotly's own labels name months in English: numbers read the same in Dutch
        time_axis["tickformat"] = "%-d-%-m %H:%M" if scope.bucket == "hour" else "%-d-%-m"
    return {
        "volume": _volume(overview, base, _, time_axis),
        "net": _net(overview, base, _, time_axis),
        "voice": _voice(overview, base, _),
        "voice_sentiment": _voice_sentiment(overview, base, _),
        "channels": _channels_by_country(overview, base, _),
        "languages": _languages(overview, base, _),
        "intents": _intents(overview, base, _),
    }


def _layout(**extra: Any) -> dict[str, Any]:
    layout = {"margin": {"l": 48, "r": 12, "t": 8, "b": 36}, "height": 280, "font": {"size": 12},
              "paper_bgcolor": "white", "plot_bgcolor": "white", "legend": {"orientation": "h", "y": -0.18},
              "hovermode": "closest"}  # fmt: skip
    return layout | extra


def _step(scope: Scope) -> timedelta:
    return timedelta(hours=1) if scope.bucket == "hour" else timedelta(days=1)


def _x(scope: Scope, start: datetime) -> str:
    """A bucket's place on the time axis: a local day of a range of local days is that day."""
    zone = scope.tz
    if zone is None or scope.bucket == "hour":
        return start.isoformat()
    return start.astimezone(zone).date().isoformat()


def _end(scope: Scope, start: datetime) -> datetime:
    """Where a bucket ends: a local day of a range of local days lasts 23 or 25 hours on a clock change."""
    zone = scope.tz
    if zone is None or scope.bucket == "hour":
        return start + _step(scope)
    return midnight(start.astimezone(zone).date() + timedelta(days=1), zone)


def _text(value: str) -> str:
    """Data as chart text: Plotly reads ``<br>``, ``<b>`` and the like in labels, so ``<`` and ``&`` are
    escaped; quotes are not (Plotly would show ``&quot;`` as it is)."""
    return escape(value, quote=False)


def _names(values: list[str]) -> list[str]:
    """Topic names as axis labels: long names end in an ellipsis (the drill-down shows them whole), unless
    two would then read the same: a category axis would put their bars on one row."""
    short = [value if len(value) <= LABEL_LENGTH else value[: LABEL_LENGTH - 1] + "…" for value in values]
    return [
        _text(name if short.count(name) == 1 else value) for name, value in zip(short, values, strict=True)
    ]


def _label(value: str, _: Callable[[str], str]) -> str:
    return _text(value) if value else _("unknown")


def _volume(overview: Overview, base: Drill, _: Callable[[str], str], time_axis: dict[str, Any]) -> Figure:
    x = [_x(overview.scope, p.start) for p in overview.series]
    ends = [_end(overview.scope, p.start) for p in overview.series]
    traces = []
    faint = [PARTIAL_OPACITY if p.partial else 1 for p in overview.series]
    for sentiment in SENTIMENT_ORDER:
        counts = [p.sentiment.get(sentiment, 0) for p in overview.series]
        if sentiment == "" and not any(counts):
            continue
        urls = [base.with_(since=p.start, until=end, sentiment=sentiment or None).url()
                for p, end in zip(overview.series, ends, strict=True)]  # fmt: skip
        traces.append({"type": "bar", "name": _(sentiment) if sentiment else _("not analysed"), "x": x,
                       "y": counts, "customdata": urls, "marker": {"color": COLOURS[sentiment],
                       "opacity": faint}})  # fmt: skip
    return {"data": traces, "layout": _layout(barmode="stack", xaxis=time_axis)}


def _net(overview: Overview, base: Drill, _: Callable[[str], str], time_axis: dict[str, Any]) -> Figure:
    points = [p for p in overview.series if p.net_sentiment is not None]
    trace = {
        "type": "scatter", "mode": "lines+markers", "name": _("net sentiment"),
        "x": [_x(overview.scope, p.start) for p in points],
        "y": [round(100 * (p.net_sentiment or 0), 1) for p in points],
        "customdata": [base.with_(since=p.start, until=_end(overview.scope, p.start)).url() for p in points],
        "line": {"color": "#0f766e"},
    }  # fmt: skip
    return {"data": [trace], "layout": _layout(yaxis={"range": [-100, 100], "zeroline": True},
                                               xaxis=time_axis)}  # fmt: skip


def _voice(overview: Overview, base: Drill, _: Callable[[str], str]) -> Figure:
    voices = overview.share_of_voice
    trace = {
        "type": "bar", "orientation": "h", "name": _("share of voice"),
        "y": _names([v.name for v in voices]), "x": [round(100 * v.share, 1) for v in voices],
        "text": [f"{100 * v.share:.0f}% · {v.mentions:,}" for v in voices], "textposition": "auto",
        "customdata": [base.with_(topic=v.name, sentiment=None).url() for v in voices],
        "marker": {"color": [KIND_COLOURS.get(v.kind, "#64748b") for v in voices]},
    }  # fmt: skip
    return {"data": [trace], "layout": _layout(yaxis=NAMES_AXIS,
                                               xaxis={"ticksuffix": "%"})}  # fmt: skip


def _voice_sentiment(overview: Overview, base: Drill, _: Callable[[str], str]) -> Figure:
    """Each brand's and competitor's mentions split by sentiment, as shares (positive vs competitors)."""
    voices = overview.share_of_voice
    traces = []
    for sentiment in ("negative", "neutral", "positive"):
        shares = []
        for v in voices:
            labelled = sum(v.sentiment.get(s, 0) for s in ("negative", "neutral", "positive"))
            shares.append(round(100 * v.sentiment.get(sentiment, 0) / labelled, 1) if labelled else 0)
        traces.append({
            "type": "bar", "orientation": "h", "name": _(sentiment), "y": _names([v.name for v in voices]),
            "x": shares, "marker": {"color": COLOURS[sentiment]},
            "customdata": [base.with_(topic=v.name, sentiment=sentiment).url() for v in voices],
        })  # fmt: skip
    return {"data": traces, "layout": _layout(barmode="stack", yaxis=NAMES_AXIS,
                                              xaxis={"ticksuffix": "%", "range": [0, 100]})}  # fmt: skip


def _channels_by_country(overview: Overview, base: Drill, _: Callable[[str], str]) -> Figure:
    countries = []
    for _channel, country, _n in overview.channel_country:
        if country not in countries:
            countries.append(country)
    countries = countries[:12]
    channels = [name for name, _n in overview.channels]
    counts = {(c, co): n for c, co, n in overview.channel_country}
    traces = [
        {"type": "bar", "orientation": "h", "name": _text(channel),
         "y": [_label(co, _) for co in countries], "x": [counts.get((channel, co), 0) for co in countries],
         "customdata": [base.with_(channel=channel, country=co).url() for co in countries],
         "marker": {"color": PALETTE[position % len(PALETTE)]}}
        for position, channel in enumerate(channels)
    ]  # fmt: skip
    return {
        "data": traces,
        "layout": _layout(barmode="stack", yaxis=NAMES_AXIS),
    }


def _languages(overview: Overview, base: Drill, _: Callable[[str], str]) -> Figure:
    rows = overview.languages[:8]
    trace = {
        "type": "pie", "hole": 0.5, "labels": [_label(language, _) for language, _n in rows],
        "values": [n for _language, n in rows], "sort": False,
        "customdata": [base.with_(language=language).url() for language, _n in rows],
        "marker": {"colors": list(PALETTE)},
    }  # fmt: skip
    return {"data": [trace], "layout": _layout(margin={"l": 12, "r": 12, "t": 8, "b": 12})}


def _intents(overview: Overview, base: Drill, _: Callable[[str], str]) -> Figure:
    rows = [(intent, n) for intent, n in overview.intents if intent != "other"]
    trace = {
        "type": "bar", "name": _("intents"), "x": [_(intent) for intent, _n in rows],
        "y": [n for _intent, n in rows], "marker": {"color": "#0f766e"},
        "customdata": [base.with_(intent=intent, country=None, language=None, sentiment=None).url()
                       for intent, _n in rows],
    }  # fmt: skip
    return {"data": [trace], "layout": _layout()}
