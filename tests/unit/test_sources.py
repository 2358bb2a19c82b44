import random
from datetime import UTC, datetime, timedelta

from luister.domain.sources import MAX_BACKOFF, Run, SourceStatus, assess, masked, next_run

NOW = datetime(2026, 11, 1, 12, tzinfo=UTC)
HOUR = timedelta(hours=1)


def run(
    hours_ago: float, fetched: int = 10, stored: int = 10, rejected: int = 0, error: str | None = None
) -> Run:
    return Run(NOW - timedelta(hours=hours_ago), fetched, stored, rejected, error)


def test_success_waits_one_interval() -> None:
    assert next_run(
        now=NOW, poll_interval=timedelta(minutes=15), failures=0, rng=random.Random(1)
    ) == NOW + timedelta(minutes=15)


def test_backoff_grows_with_failures_within_bounds() -> None:
    rng = random.Random(3)
    interval = timedelta(minutes=5)
    for failures in range(1, 30):
        delay = next_run(now=NOW, poll_interval=interval, failures=failures, rng=rng) - NOW
        assert interval <= delay <= MAX_BACKOFF
    ceilings = [
        max(
            next_run(now=NOW, poll_interval=interval, failures=f, rng=random.Random(s)) - NOW
            for s in range(200)
        )
        for f in (1, 4)
    ]
    assert ceilings[0] < ceilings[1]


def test_health_states() -> None:
    assert assess([], now=NOW, poll_interval=HOUR).status is SourceStatus.new
    assert assess([run(1), run(2)], now=NOW, poll_interval=HOUR).status is SourceStatus.ok
    failing = assess([run(0.5, 0, 0, 0, "HTTP 401"), run(2)], now=NOW, poll_interval=HOUR)
    assert (failing.status, failing.detail) == (SourceStatus.failing, "HTTP 401")
    drifting = assess([run(1, rejected=6), run(2, rejected=5), run(30), run(40)], now=NOW, poll_interval=HOUR)
    assert drifting.status is SourceStatus.drifting
    steady_bad = assess([run(1, rejected=6), run(30, rejected=6)], now=NOW, poll_interval=HOUR)
    assert steady_bad.status is SourceStatus.ok  # always this bad: not a change of format
    silent = assess([run(h, 0, 0) for h in (1, 2, 3)] + [run(50)], now=NOW, poll_interval=HOUR)
    assert silent.status is SourceStatus.silent
    assert assess([run(1), run(2)], now=NOW, poll_interval=HOUR).items_per_hour == 20 / 24


def test_masked_options() -> None:
    shown = masked(
        {"url": "https://x.nl", "api_token": "abcdefghijkl", "client_secret": "short", "empty_key": ""}
    )
    assert shown == {"url": "https://x.nl", "api_token": "***kl", "client_secret": "***", "empty_key": ""}
