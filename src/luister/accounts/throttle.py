"""Sign-in throttling (pure): each failure makes the next attempt wait longer, instead of a hard lock.

Failures are counted per account name *and* per client address. The first few are free; after that the
wait doubles with each failure, up to a cap, and a quiet spell forgets the count. Nobody can lock an
account for good: the wait never exceeds the cap, and addresses that signed in to the account before
are not held back by its count (see ``luister.accounts.actions.sign_in``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True, slots=True)
class Rule:
    free: int  # failures before any wait
    first_wait: timedelta  # the wait after the first failure past ``free``; it doubles with each next one
    longest_wait: timedelta
    forget_after: timedelta  # a count this long without failures starts again from zero


ACCOUNT = Rule(free=3, first_wait=timedelta(seconds=1), longest_wait=timedelta(minutes=15),
               forget_after=timedelta(hours=24))  # fmt: skip
ADDRESS = Rule(free=10, first_wait=timedelta(seconds=1), longest_wait=timedelta(minutes=15),
               forget_after=timedelta(hours=1))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Count:
    failures: int = 0
    last_failed_at: datetime | None = None


def wait(rule: Rule, count: Count, now: datetime) -> timedelta:
    """How long from ``now`` until another attempt is heard (zero: now)."""
    last = count.last_failed_at
    if last is None or count.failures <= rule.free or now - last >= rule.forget_after:
        return timedelta(0)
    doublings = min(count.failures - rule.free - 1, 30)  # 2**30 s is far past any cap
    delay: timedelta = min(rule.longest_wait, rule.first_wait * (1 << doublings))
    return max(timedelta(0), min(delay, last + delay - now))  # never more than ``delay``, clocks skewed


def after_failure(rule: Rule, count: Count, now: datetime) -> Count:
    """The count once another failure happened at ``now``."""
    last = count.last_failed_at
    stale = last is None or now - last >= rule.forget_after
    return Count(1 if stale else count.failures + 1, now)
