"""Scoring spike alerts on the labelled scenarios (``luister.alerts.scenarios``): each scenario is stored
in a database of its own as a source would have stored it (mentions, the source's runs), replayed with
``luister alerts replay``, and what fired is held against the labels.

An alert (a replayed episode) is true when it overlaps an incident or the two hours after it; an
incident is found when an alert overlaps it. The time to detect is from the incident's onset to the end
of the first hour that fired (a check runs at the end of the hour it judges). The volume rule should
find every incident; the negative rule the ones of mostly negative mentions (not the positive campaign).
``ANY`` scores the product: an incident is found when either rule fired on it, at the first that did.

:func:`replay_in_memory` replays a scenario through the same pure parts (coverage, detector, episodes)
without a database: what the command line replays, in milliseconds, so that a change to the detector can
be checked on many seeds (``scripts/spike_seeds.py``; a test holds it equal to the stored replay).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from luister.alerts.coverage import SourceRuns, known_hours, source_gaps
from luister.alerts.scenarios import HOUR, POLL, ZONE, Incident, Scenario, runs, scenarios
from luister.alerts.spikes import Detector, HourlySeries, SpikeSettings, group_firings, history_hours
from luister.storage.tables import mention, mention_topic, source, source_run, topic

TOPIC = "Voltaro"
RULES = {"volume_spike": "Piek", "negative_spike": "Negatief"}  # rule kind → the rule's name
ANY = "any"  # scoring what the product finds: an incident is found when either rule fires on it


def store(engine: Engine, scenario: Scenario) -> None:
    """The scenario's topic, its source with its runs, and its mentions (spread over each hour)."""
    with engine.begin() as conn:
        topic_id = conn.execute(
            topic.insert().values(name=TOPIC, kind="brand", query="voltaro").returning(topic.c.id)
        ).scalar_one()
        source_id = conn.execute(
            source.insert()
            .values(
                name="feed",
                connector="rss",
                options={},
                enabled=True,
                poll_interval_s=int(POLL.total_seconds()),
            )
            .returning(source.c.id)
        ).scalar_one()
        conn.execute(source_run.insert(), [
            {"source_id": source_id, "started_at": r.started_at, "finished_at": r.finished_at,
             "fetched": 0, "stored": 0, "rejected": 0, "error": "HTTP 503" if r.failed else None}
            for r in runs(scenario)
        ])  # fmt: skip
        rows = []
        for hour, (count, negative) in enumerate(zip(scenario.counts, scenario.negatives, strict=True)):
            at = scenario.start + hour * HOUR
            for k in range(count):
                published = at + timedelta(seconds=(k * 3571) % 3600)
                rows.append({
                    "channel": "rss", "external_id": f"{hour}-{k}", "source_id": source_id, "text": "voltaro",
                    "published_at": published, "fetched_at": published, "raw": "{}",
                    "sentiment": "negative" if k < negative else "neutral",
                })  # fmt: skip
        for first in range(0, len(rows), 5000):
            ids = conn.execute(mention.insert().returning(mention.c.id), rows[first : first + 5000]).scalars()
            conn.execute(mention_topic.insert(), [{"mention_id": i, "topic_id": topic_id} for i in ids])


@dataclass(frozen=True, slots=True)
class Fired:
    """One replayed alert (as ``luister alerts replay --json`` prints it)."""

    rule_kind: str
    start: datetime  # the first hour that fired
    end: datetime


@dataclass(slots=True)
class KindScore:
    incidents: int = 0
    found: int = 0
    within_hour: int = 0
    alerts: int = 0
    true_alerts: int = 0
    quiet_days: int = 0
    quiet_days_alerted: int = 0
    slow_builds: int = 0
    slow_before_double: int = 0
    in_time: int = 0  # found within the hour, a slow build before it doubled
    hours_to_detect: list[float] = field(default_factory=list)

    @property
    def recall(self) -> float:
        return self.found / self.incidents if self.incidents else 1.0

    @property
    def precision(self) -> float:
        return self.true_alerts / self.alerts if self.alerts else 1.0

    @property
    def median_hours(self) -> float:
        return statistics.median(self.hours_to_detect) if self.hours_to_detect else 0.0


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    scenario: Scenario
    fired: tuple[Fired, ...]
    not_judged: int  # hours of the test day a spike rule could not judge (history, no data)


def _overlaps(alert: Fired, incident: Incident) -> bool:
    return alert.start < incident.end + 2 * HOUR and alert.end > incident.onset


def targets(scenario: Scenario, rule_kind: str) -> list[Incident]:
    return [i for i in scenario.incidents if rule_kind in ("volume_spike", ANY) or i.negative]


def _of_kind(fired: Sequence[Fired], rule_kind: str) -> list[Fired]:
    return [f for f in fired if rule_kind in (ANY, f.rule_kind)]


def score(results: Sequence[ScenarioResult], rule_kind: str) -> KindScore:
    total = KindScore()
    for result in results:
        fired = _of_kind(result.fired, rule_kind)
        total.alerts += len(fired)
        total.true_alerts += sum(any(_overlaps(f, i) for i in result.scenario.incidents) for f in fired)
        if result.scenario.quiet is not None:
            total.quiet_days += 1
            total.quiet_days_alerted += bool(fired)
        for incident in targets(result.scenario, rule_kind):
            total.incidents += 1
            hits = sorted(f.start for f in fired if _overlaps(f, incident))
            if incident.doubles_at is not None:
                total.slow_builds += 1
            if not hits:
                continue
            detected = max(hits[0], incident.onset) + HOUR  # the check at the end of the first firing hour
            total.found += 1
            hours = (detected - incident.onset) / HOUR
            total.hours_to_detect.append(hours)
            total.within_hour += hours <= 1
            if incident.doubles_at is not None and detected <= incident.doubles_at:
                total.slow_before_double += 1
            total.in_time += hours <= 1 if incident.doubles_at is None else detected <= incident.doubles_at
    return total


def detection_hours(result: ScenarioResult, rule_kind: str) -> list[str]:
    """Per labelled incident: hours to detect, or ``missed``; per false alert, its local hour."""
    from luister.alerts.scenarios import ZONE

    fired = _of_kind(result.fired, rule_kind)
    shown = []
    for incident in targets(result.scenario, rule_kind):
        hits = sorted(f.start for f in fired if _overlaps(f, incident))
        if hits:
            shown.append(f"{(max(hits[0], incident.onset) + HOUR - incident.onset) / HOUR:g} h")
        else:
            shown.append("missed")
    false = [f for f in fired if not any(_overlaps(f, i) for i in result.scenario.incidents)]
    shown += [f"false alert {f.start.astimezone(ZONE):%H:%M}" for f in false]
    return shown


def replay_in_memory(
    scenario: Scenario, settings: SpikeSettings | None = None, *, cooldown_hours: int = 2
) -> ScenarioResult:
    """The scenario's test day replayed as ``luister alerts replay`` replays it on a database of its own
    with the two default spike rules (their settings, their cooldown of two hours), without storing it."""
    settings = settings or SpikeSettings()
    history = history_hours(settings)
    total = history + round((scenario.test_end - scenario.test_start) / HOUR)
    first = scenario.test_end - total * HOUR
    before = [0] * round((scenario.start - first) / HOUR)  # hours before the first data: unknown
    counts, negatives = [*before, *scenario.counts], [*before, *scenario.negatives]
    gaps = source_gaps(SourceRuns(runs(scenario), POLL, enabled=True), now=scenario.test_end)
    known = known_hours(end=scenario.test_end, hours=total, start=scenario.start, gaps=gaps)
    volume = Detector(HourlySeries.at(counts, known, start=first, zone=ZONE, reference=counts), settings)
    negative = Detector(
        HourlySeries.at(negatives, known, start=first, zone=ZONE, reference=counts), settings, share_of=volume
    )
    fired: list[Fired] = []
    not_judged = 0
    for kind, detector in (("volume_spike", volume), ("negative_spike", negative)):
        checks = [detector.check(h) for h in range(history, total)]
        not_judged += sum(check.not_judged is not None for check in checks)
        hours = [history + k for k, check in enumerate(checks) if check.is_spike]
        peaks = [detector.series.counts[h] for h in hours]
        for episode in group_firings(hours, peaks, cooldown=cooldown_hours):
            fired.append(Fired(kind, first + episode.start * HOUR, first + (episode.end + 1) * HOUR))
    fired.sort(key=lambda f: (f.start, f.rule_kind))
    return ScenarioResult(scenario, tuple(fired), not_judged)


def scores_over_seeds(
    first_seeds: Sequence[int], settings: SpikeSettings | None = None
) -> dict[str, KindScore]:
    """Per rule kind (and ``ANY``), the scores over the scenario set drawn with each of ``first_seeds``."""
    results = [replay_in_memory(s, settings) for seed in first_seeds for s in scenarios(seed)]
    return {kind: score(results, kind) for kind in (*RULES, ANY)}
