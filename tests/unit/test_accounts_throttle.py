"""The sign-in back-off: free failures, then doubling waits up to a cap, forgotten after a quiet spell."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from luister.accounts.throttle import ACCOUNT, Count, Rule, after_failure, wait

NOW = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def test_waits_double_after_the_free_failures_and_stop_at_the_cap() -> None:
    count = Count()
    waits = []
    for _ in range(16):
        count = after_failure(ACCOUNT, count, NOW)
        waits.append(wait(ACCOUNT, count, NOW).total_seconds())
    assert waits == [0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]


@given(failures=st.integers(0, 10_000), elapsed=st.integers(-(10**6), 10**7))
def test_a_wait_is_never_longer_than_the_cap_and_ends(failures: int, elapsed: int) -> None:
    rule = Rule(free=2, first_wait=timedelta(seconds=1), longest_wait=timedelta(minutes=15),
                forget_after=timedelta(hours=1))  # fmt: skip
    count = Count(failures, NOW)
    held = wait(rule, count, NOW + timedelta(seconds=elapsed))
    assert timedelta(0) <= held <= rule.longest_wait
    assert wait(rule, count, NOW + rule.longest_wait) == timedelta(0)


def test_a_quiet_spell_forgets_the_count() -> None:
    count = Count(20, NOW)
    assert wait(ACCOUNT, count, NOW + timedelta(minutes=1)) == timedelta(minutes=14)
    assert after_failure(ACCOUNT, count, NOW + ACCOUNT.forget_after) == Count(1, NOW + ACCOUNT.forget_after)
