"""The KPI library against hand-computed fixtures (issue #31: at least 40, exact to 6 decimals).

Notation: z = 1.959964, z² = 3.841459. Wilson(k, n): p = k/n, centre = (p + z²/2n) / (1 + z²/n),
half = z / (1 + z²/n) · √(p(1−p)/n + z²/4n²). Each case's arithmetic is in its comment."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from luister.inbox.calendar import BusinessCalendar, Shift
from luister.inbox.reports import ConversationFacts, build_report
from luister.inbox.sla import ClockEvent, EventKind, response_times
from luister.kpis import formulas as f
from luister.kpis.formulas import NetVariant, SovWeight, TopicSums
from luister.kpis.library import FORMULAS, UnknownFormula, formula_of


def r6(e: f.Estimate) -> tuple[float | None, float | None, float | None]:
    def round6(x: float | None) -> float | None:
        return None if x is None else round(x, 6)

    return round6(e.value), round6(e.low), round6(e.high)


# --- Wilson -------------------------------------------------------------------------------------------

WILSON = [
    # 0/10: p=0, 1+z²/n = 1.384146, centre = 0.192073/1.384146 = 0.138767, half = 1.416005·√(0.0096036)
    # = 1.416005·0.097998 = 0.138767 → [0, 0.277533]
    (0, 10, (0.0, 0.277533)),
    # 5/10: centre 0.5, half = 1.416005·√(0.025 + 0.0096036) = 1.416005·0.186020 = 0.263407
    (5, 10, (0.236593, 0.763407)),
    # 9/10: centre = (0.9 + 0.192073)/1.384146 = 0.788987, half = 1.416005·√(0.009 + 0.0096036)
    # = 1.416005·0.136395 = 0.193137 → [0.595850, 0.982124]
    (9, 10, (0.59585, 0.982124)),
]


@pytest.mark.parametrize(("k", "n", "expected"), WILSON)
def test_wilson(k: int, n: int, expected: tuple[float, float]) -> None:
    assert tuple(round(x, 6) for x in f.wilson(k, n)) == expected


# --- share of voice -------------------------------------------------------------------------------------

SOV = [
    # mentions 30 vs 10 + 20: 30/60 = 50 %; Wilson(30, 60): centre 0.5, z²/n = 0.064024,
    # half = z/1.064024 · √(0.25/60 + 3.841459/14400) = 1.842029·0.066547 = 0.122650 → [37.7350, 62.2650]
    (TopicSums(30), [TopicSums(10), TopicSums(20)], SovWeight.mentions, (50.0, 37.735024, 62.264976)),
    # 8 vs 2: 80 %; Wilson(8, 10): centre (0.8 + 0.192073)/1.384146 = 0.716742,
    # half = 1.416005·√(0.016 + 0.0096036) = 1.416005·0.160011 = 0.226577 → [49.0162, 94.3318]
    (TopicSums(8), [TopicSums(2)], SovWeight.mentions, (80.0, 49.016247, 94.331785)),
    # 0 vs 5: 0 %; Wilson(0, 5): centre 0.384146/1.768292 = 0.217241 = half → [0, 43.4482]
    (TopicSums(0), [TopicSums(5)], SovWeight.mentions, (0.0, 0.0, 43.448246)),
    # nothing at all: no value
    (TopicSums(0), [TopicSums(0)], SovWeight.mentions, (None, None, None)),
    # reach: ours 100 + 300 followers (Σw² = 100 000), theirs 200 (40 000): R = 400/600 = 0.666667;
    # Var = (200²·100 000 + 400²·40 000)/600⁴ = (4e9 + 6.4e9)/1.296e11 = 0.080247, √ = 0.283279,
    # ± 1.959964·0.283279 = 0.555217 → [0.111450, 1.221884 → clipped to 1]
    (TopicSums(2, 400, 100_000), [TopicSums(1, 200, 40_000)], SovWeight.reach, (66.666667, 11.14503, 100.0)),
    # reach equal: 1000 each (4 mentions of 250: Σw² = 250 000): R = 0.5; Var = (1e6·2.5e5·2)/2000⁴
    # = 5e11/1.6e13 = 0.03125, √ = 0.176777, ± 0.346476 → [15.3524, 84.6476]
    (TopicSums(4, 1000, 250_000), [TopicSums(4, 1000, 250_000)], SovWeight.reach,
     (50.0, 15.352404, 84.647596)),
    # nobody with followers: no reach to share
    (TopicSums(3), [TopicSums(1)], SovWeight.reach, (None, None, None)),
    # engagement: ours Σ = 30 (Σw² = 500), theirs 10 (58): R = 0.75; Var = (100·500 + 900·58)/40⁴
    # = (50 000 + 52 200)/2 560 000 = 0.039922, √ = 0.199805, ± 0.391610 → [35.8390, 114.16 → 100]
    (TopicSums(3, 0, 0, 30, 500), [TopicSums(2, 0, 0, 10, 58)], SovWeight.engagement,
     (75.0, 35.83902, 100.0)),
    # engagement 1000 (Σw² 20 000) vs 3000 (120 000): R = 0.25; Var = (9e6·2e4 + 1e6·1.2e5)/4000⁴
    # = (1.8e11 + 1.2e11)/2.56e14 = 0.001171875, √ = 0.034233, ± 0.067095 → [18.2905, 31.7095]
    (TopicSums(100, 0, 0, 1000, 20_000), [TopicSums(100, 0, 0, 3000, 120_000)], SovWeight.engagement,
     (25.0, 18.290522, 31.709478)),
]  # fmt: skip


@pytest.mark.parametrize(("ours", "theirs", "weight", "expected"), SOV)
def test_share_of_voice(ours: TopicSums, theirs: list[TopicSums], weight: SovWeight, expected: tuple) -> None:  # type: ignore[type-arg]
    assert r6(f.share_of_voice(ours, theirs, weight)) == expected


# --- net sentiment --------------------------------------------------------------------------------------

NET = [
    # (P−N)/(P+U+N), delta method: 60/20/20 → p = .6, n = .2, d = .4; Var = (.6 + .2 − .16)/100 = .0064,
    # √ = .08, ± .156797 → [.243203, .556797]
    (60, 20, 20, NetVariant.share, (0.4, 0.243203, 0.556797)),
    # 10/80/10: d = 0; Var = .2/100 = .002, √ = .044721, ± .087652
    (10, 80, 10, NetVariant.share, (0.0, -0.087652, 0.087652)),
    # 5/0/15: p = .25, n = .75, d = −.5; Var = (1 − .25)/20 = .0375, √ = .193649, ± .379545
    (5, 0, 15, NetVariant.share, (-0.5, -0.879545, -0.120455)),
    # only neutral: d = 0, Var = 0
    (0, 10, 0, NetVariant.share, (0.0, 0.0, 0.0)),
    # %P − %N, MOVER: 60/20/20 → d = 40 points; Wilson(60,100) = [.502002, .690599], Wilson(20,100) =
    # [.133367, .288820]; r = −√(.6·.2/(.4·.8)) = −.612372;
    # below = √(.097998² + .088820² + 2·.612372·.097998·.088820) = √(.009604 + .007889 + .010660) = .167796
    # above = √(.090599² + .066633² + 2·.612372·.090599·.066633) = √(.008208 + .004440 + .007394) = .141569
    # → [40 − 16.7796, 40 + 14.1569]
    (60, 20, 20, NetVariant.points, (40.0, 23.220384, 54.156878)),
    # 10/80/10: Wilson(10,100) = [.055223, .174366]; r = −√(.01/.81) = −.111111;
    # below = above = √(.044777² + .074366² + 2·.111111·.044777·.074366) = √(.002005 + .005530 + .000740)
    # = .090965 → ±9.0965
    (10, 80, 10, NetVariant.points, (0.0, -9.096456, 9.096456)),
    # 5/0/15: p = .25, n = .75, r = −1 (P and N are all there is): below = (p − lp) + (un − n) with
    # Wilson(5,20) = [.111862, .468701], Wilson(15,20) = [.531299, .888138]: .138138 + .138138 = .276277
    # → −50 − 27.6277; above = .218701 + .218701 = .437402 → −50 + 43.7402 (the same as the polar variant)
    (5, 0, 15, NetVariant.points, (-50.0, -77.62766, -6.259824)),
    # only neutral: r = 0, below = above = Wilson(0,10) upper = .277533
    (0, 10, 0, NetVariant.points, (0.0, -27.75328, 27.75328)),
    # (P−N)/(P+N): 60/20/20 → q = 60/80 = .75, value .5; Wilson(60,80): z²/n = .048018,
    # centre = (.75 + .024009)/1.048018 = .738545, half = 1.870160·√(.00234375 + .00015005) = .093546
    # → q in [.645154, .831938] → 2q − 1 = [.290307, .663875]
    (60, 20, 20, NetVariant.polar, (0.5, 0.290307, 0.663875)),
    # 10/80/10: q = .5 of 20; Wilson(10,20) = [.299298, .700702] → [−.401404, .401404]
    (10, 80, 10, NetVariant.polar, (0.0, -0.401404, 0.401404)),
    # 5/0/15: q = .25 of 20; Wilson(5,20) = [.111862, .468701] → [−.776277, −.062598]
    (5, 0, 15, NetVariant.polar, (-0.5, -0.776277, -0.062598)),
    # only neutral: P + N = 0, no value
    (0, 10, 0, NetVariant.polar, (None, None, None)),
]


@pytest.mark.parametrize(("p", "u", "n", "variant", "expected"), NET)
def test_net_sentiment(p: int, u: int, n: int, variant: NetVariant, expected: tuple) -> None:  # type: ignore[type-arg]
    assert r6(f.net_sentiment(p, u, n, variant)) == expected


def test_without_neutral_mentions_the_points_interval_is_the_polar_one_in_points() -> None:
    points, polar = f.net_sentiment(5, 0, 15, NetVariant.points), f.net_sentiment(5, 0, 15, NetVariant.polar)
    assert round(points.low or 0, 6) == round(100 * (polar.low or 0), 6)


# --- positive share -------------------------------------------------------------------------------------


def test_positive_share_own() -> None:
    # 30 of 100: Wilson(30,100): centre = (.3 + .019207)/1.038415 = .307400, half = 1.887458·√(.0021 +
    # .000096) = 1.887458·.046862 = .088450 → [21.8949, 39.5849]
    assert r6(f.positive_share(TopicSums(positive=30, neutral=50, negative=20))) == (
        30.0,
        21.894885,
        39.584855,
    )


def test_positive_share_own_without_positive() -> None:
    # 0 of 4: Wilson(0,4): centre = .480182/1.960365 = .244945 = half → [0, 48.9891]
    assert r6(f.positive_share(TopicSums(neutral=4))) == (0.0, 0.0, 48.989084)


def test_positive_share_of_nothing() -> None:
    assert f.positive_share(TopicSums()).value is None


def test_positive_gap_newcombe() -> None:
    # ours 56/100, theirs 48/100: d = 8 points; Wilson(56,100) = [.462291, .653358], Wilson(48,100) =
    # [.384655, .576788]; low = .08 − √(.097709² + .096788²) = .08 − .137571; high = .08 + √(.093358² +
    # .095345²) = .08 + .133393
    ours, theirs = (
        TopicSums(positive=56, neutral=30, negative=14),
        TopicSums(positive=48, neutral=40, negative=12),
    )
    assert r6(f.positive_gap(ours, theirs)) == (8.0, -5.757129, 21.33926)


def test_positive_gap_small_samples() -> None:
    # 9/10 vs 3/10: d = 60 points; Wilson(9,10) = [.595850, .982124], Wilson(3,10) = [.107789, .603222];
    # low = .6 − √(.30415² + .303222²) = .6 − .429477; high = .6 + √(.082124² + .192211²) = .6 + .209018
    assert r6(f.positive_gap(TopicSums(positive=9, neutral=1), TopicSums(positive=3, neutral=7))) == (
        60.0, 17.052272, 80.901797)  # fmt: skip


def test_positive_against_each_competitor() -> None:
    # ours 40/100; a 20/100, b 30/100 → pooled 50/200 = 25 %: gap 15 points; against a 20, against b 10
    # pooled: Wilson(40,100) = [.309401, .497997], Wilson(50,200) = [.195082, .314341];
    # low = .15 − √(.090599² + .064341²) = .15 − .111122; high = .15 + √(.097997² + .054918²) = .15 + .112336
    found = f.positive_against(
        TopicSums(positive=40, neutral=60),
        [("a", TopicSums(positive=20, neutral=80)), ("b", TopicSums(positive=30, negative=70))],
    )
    assert r6(found) == (15.0, 3.887894, 26.233661)
    assert [(name, round(v or 0, 6)) for name, v in found.parts] == [("a", 20.0), ("b", 10.0)]


def test_positive_gap_without_their_mentions() -> None:
    assert f.positive_gap(TopicSums(positive=1), TopicSums()).value is None


# --- SLA attainment, deflection, leads ------------------------------------------------------------------


def test_attainment() -> None:
    # 45 of 50 in time = 90 %; Wilson(45,50): centre = (.9 + .038415)/1.076829 = .871463, half = 1.820130·
    # √(.0018 + .000384) = 1.820130·.046734 = .085062 → [78.6401, 95.6525]
    assert r6(f.attainment(45, 50)) == (90.0, 78.639769, 95.652424)


def test_attainment_without_decided_targets() -> None:
    assert f.attainment(0, 0).value is None


RATES = f.DeflectionRates(cost_per_contact=6.0, direct_rate=0.6, readers_per_answer=10.0, indirect_rate=0.02)


def test_deflection_direct() -> None:
    # 120 answered × .6 × € 6 = € 432
    assert f.deflection(120, RATES, f.DeflectionPart.direct).value == 432.0


def test_deflection_indirect() -> None:
    # 120 × 10 readers × .02 × € 6 = € 144
    assert round(f.deflection(120, RATES, f.DeflectionPart.indirect).value or 0, 6) == 144.0


def test_deflection_total_with_its_parts() -> None:
    # 432 + 144 = 576
    found = f.deflection(120, RATES, f.DeflectionPart.total)
    assert round(found.value or 0, 6) == 576.0
    assert [(k, round(v or 0, 6)) for k, v in found.parts] == [("direct", 432.0), ("indirect", 144.0)]


def test_cost_per_lead() -> None:
    # € 1500 / 12 leads = € 125
    assert f.cost_per_lead(1500, 12).value == 125.0


def test_cost_per_lead_without_leads() -> None:
    assert f.cost_per_lead(1500, 0).value is None


def test_hours() -> None:
    # 1 h 30 min = 1.5 h
    assert f.hours(timedelta(hours=1, minutes=30)).value == 1.5


# --- first response and resolution in business hours ----------------------------------------------------

AMS_OFFICE = BusinessCalendar(zone="Europe/Amsterdam", holidays=("NL",),
                              shifts=tuple(Shift(d, time(9), time(17)) for d in range(5)))  # fmt: skip


def _facts(cid: int, events: list[tuple[str, EventKind]]) -> ConversationFacts:
    # times are local Amsterdam wall-clock in November/December: UTC+1
    clock = [
        ClockEvent(datetime.fromisoformat(at).replace(tzinfo=UTC) - timedelta(hours=1), kind)
        for at, kind in events
    ]
    cycles = tuple(response_times(clock, AMS_OFFICE))
    return ConversationFacts(
        cid, "service", None, "question", "mastodon", cycles[0].started_at, cycles, (), None
    )


def _report() -> object:
    facts = [
        # Friday 6 Nov 16:00 → Monday 9 Nov 10:00: Friday 16–17 (1 h) + Monday 9–10 (1 h) = 2 h; the weekend
        # counts nothing. Resolved Monday 12:00: 1 + 3 = 4 h.
        _facts(1, [("2026-11-06 16:00", EventKind.customer), ("2026-11-09 10:00", EventKind.agent),
                   ("2026-11-09 12:00", EventKind.resolved)]),
        # Tuesday 10 Nov 09:30 → 10:00: 0.5 h; resolved 16:30: 7 h
        _facts(2, [("2026-11-10 09:30", EventKind.customer), ("2026-11-10 10:00", EventKind.agent),
                   ("2026-11-10 16:30", EventKind.resolved)]),
        # Thursday 24 Dec 16:30 → Monday 28 Dec 09:30: Thursday .5 h, Christmas and Boxing Day (holidays),
        # the weekend, Monday .5 h = 1 h; resolved Monday 14:00: .5 + 5 = 5.5 h
        _facts(3, [("2026-12-24 16:30", EventKind.customer), ("2026-12-28 09:30", EventKind.agent),
                   ("2026-12-28 14:00", EventKind.resolved)]),
        # Wednesday 11 Nov 08:00 (before opening) → 15:00: 9–15 = 6 h; resolved Thursday 10:00: 8 + 1 = 9 h
        _facts(4, [("2026-11-11 08:00", EventKind.customer), ("2026-11-11 15:00", EventKind.agent),
                   ("2026-11-12 10:00", EventKind.resolved)]),
    ]  # fmt: skip
    since, until = datetime(2026, 11, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    return build_report(facts, since=since, until=until, now=until).total


def test_first_response_median_across_a_weekend_and_holidays() -> None:
    # first responses 2, .5, 1, 6 h → sorted .5, 1, 2, 6: median (1 + 2)/2 = 1.5 h
    group = _report()
    assert f.hours(group.first_response.median_business).value == 1.5  # type: ignore[attr-defined]


def test_first_response_p90() -> None:
    # nearest rank: ⌈.9·4⌉ = 4th of .5, 1, 2, 6 → 6 h
    group = _report()
    assert f.hours(group.first_response.p90_business).value == 6.0  # type: ignore[attr-defined]


def test_resolution_median_and_p90() -> None:
    # resolutions 4, 7, 5.5, 9 h → sorted 4, 5.5, 7, 9: median (5.5 + 7)/2 = 6.25 h; p90 = 4th = 9 h
    group = _report()
    assert f.hours(group.resolution.median_business).value == 6.25  # type: ignore[attr-defined]
    assert f.hours(group.resolution.p90_business).value == 9.0  # type: ignore[attr-defined]


# --- the catalogue --------------------------------------------------------------------------------------


def test_every_formula_has_its_text_in_both_languages_and_a_version() -> None:
    for formula in FORMULAS:
        assert formula.text["en"] and formula.text["nl"] and formula.text["en"] != formula.text["nl"]
        assert "@" in formula.version
    assert "Wilson" in formula_of("share_of_voice", "mentions").text["en"]
    assert "delta method" in formula_of("net_sentiment", "share").text["en"]


def test_unknown_formulas_say_what_there_is() -> None:
    with pytest.raises(UnknownFormula, match="choose one of mentions, reach, engagement"):
        formula_of("share_of_voice", "likes")
    with pytest.raises(UnknownFormula, match="no formula 'nps'"):
        formula_of("nps")
