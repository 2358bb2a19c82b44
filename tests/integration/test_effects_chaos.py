"""Chaos: 500 replies across the five fake platforms, sent by runner processes that are killed with
SIGKILL at every point where a crash matters, while 10 % of the platforms' answers time out after they
accepted the post, some are rate-limited and some never come because the platform killed the runner
mid-request. At the end: exactly one reply per effect on every platform, none lost, none unknown.

The runner processes are real (tests/fakes/chaos_runner.py, the real repliers over HTTP); the fakes run
in this process, so they keep what they accepted while runners die."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
import sqlalchemy as sa

from fakes.base import FakePlatform
from fakes.bluesky import FakeBluesky
from fakes.discourse import FakeDiscourse
from fakes.mastodon import FakeMastodon
from fakes.reddit import FakeReddit
from fakes.youtube import FakeYouTube
from luister.effects.actions import plan
from luister.effects.tables import effect, effect_event
from luister.storage.migrate import upgrade

PER_PLATFORM = 100  # 500 in all
TIMEOUT = 0.5  # the runner's HTTP time-out; a stalled answer comes after 1 s
LEASE = 2.0
KILL_POINTS = ("claimed", "after_response", "reconciling", "after_find", "pace_wait", "kill_client")
RUNNER = Path(__file__).parent.parent / "fakes" / "chaos_runner.py"


@dataclass
class Platform:
    name: str
    fake: FakePlatform
    connector: str
    voice: dict[str, Any]
    seed: Callable[[int], tuple[str, dict[str, Any], str | None]]  # n → (external id, raw, author)
    rate_limit_headers: dict[str, str]


def _platforms() -> list[Platform]:
    mastodon, bluesky = FakeMastodon(max_characters=500, status_limit=100_000), FakeBluesky(points=100_000)
    reddit, discourse, youtube = FakeReddit(allowance=100_000), FakeDiscourse(), FakeYouTube(quota=1_000_000)
    for fake in (mastodon, bluesky, reddit, discourse, youtube):
        fake.stall_seconds = 1.0
        fake.start()
    _, token = mastodon.add_account("acme", "acme-token")
    bluesky.add_account("acme.test", "app-pass-word")

    def toot(n: int) -> tuple[str, dict[str, Any], str | None]:
        status = mastodon.seed(f"My charger {n} is broken", username=f"user{n}")
        return str(status["id"]), status, None

    def skeet(n: int) -> tuple[str, dict[str, Any], str | None]:
        post = bluesky.seed(f"Charger {n} keeps failing")
        return str(post["uri"]), post, str(post["author"]["handle"])

    def thread(n: int) -> tuple[str, dict[str, Any], str | None]:
        fullname = reddit.seed_post(title=f"Charger {n} dead?")
        return fullname, reddit.child(fullname), None

    def topic(n: int) -> tuple[str, dict[str, Any], str | None]:
        topic_id = discourse.seed_topic(title=f"Charger {n} broke", raw="Help!")
        return f"{topic_id}/1", discourse.raw_item(topic_id, 1), None

    def comment(n: int) -> tuple[str, dict[str, Any], str | None]:
        comment_id = youtube.seed_thread(text=f"Charger {n} broken!")
        return comment_id, youtube.raw_item(comment_id), None

    past = "2020-01-01T00:00:00.000Z"  # a reset already over: the runner waits its minimum, 1 s
    return [
        Platform("mastodon", mastodon, "luister.connectors.mastodon:MastodonConnector",
                 {"instance": mastodon.url, "token": token}, toot, {"X-RateLimit-Reset": past}),
        Platform("bluesky", bluesky, "luister.connectors.bluesky:BlueskyConnector",
                 {"service": bluesky.url, "handle": "acme.test", "app_password": "app-pass-word"}, skeet,
                 {"RateLimit-Reset": str(int(time.time()))}),
        Platform("reddit", reddit, "luister.connectors.reddit:RedditConnector",
                 {"client_id": "app-id", "client_secret": "app-secret", "username": "acme",
                  "password": "hunter2", "user_agent": "luister-chaos/1.0 by acme", "oauth_api": reddit.url,
                  "api": reddit.url},
                 thread, {"X-Ratelimit-Reset": "1"}),
        Platform("discourse", discourse, "luister.connectors.discourse:DiscourseConnector",
                 {"url": discourse.url + "/", "api_key": "k3y", "api_username": "acme"}, topic,
                 {"Retry-After": "1"}),
        Platform("youtube", youtube, "luister.connectors.youtube:YouTubeConnector",
                 {"client_id": youtube.client_id, "client_secret": youtube.client_secret,
                  "refresh_token": "refresh-1", "api": youtube.url, "token_url": f"{youtube.url}/token"},
                 comment, {"Retry-After": "1"}),
    ]  # fmt: skip


@pytest.fixture
def platforms() -> Iterator[list[Platform]]:
    made = _platforms()
    yield made
    for platform in made:
        platform.fake.stop()


def _faults(platform: Platform, rng: random.Random, writes: int) -> Counter[str]:
    """Fill the fake's fault queue: 10 % stalls after accepting, 3 % rate limits, 2 % killed clients."""
    planned: Counter[str] = Counter()
    for _ in range(writes):
        roll = rng.random()
        kind = ("stall_after_accept" if roll < 0.10 else "rate_limit" if roll < 0.13
                else "kill_client" if roll < 0.15 else "none")  # fmt: skip
        headers = platform.rate_limit_headers if kind == "rate_limit" else None
        platform.fake.inject(kind, headers=headers)
        planned[kind] += 1
    return planned


def _open(engine: sa.Engine) -> int:
    with engine.connect() as conn:
        final = ["sent", "failed", "dead", "cancelled"]
        return int(conn.execute(sa.select(sa.func.count()).where(effect.c.state.not_in(final))).scalar_one())


def test_500_replies_survive_kills_and_time_outs_exactly_once(
    tmp_path: Path, platforms: list[Platform]
) -> None:
    rng = random.Random(30)
    url = f"sqlite:///{tmp_path / 'chaos.db'}"
    engine = sa.create_engine(url)
    upgrade(engine)
    now = datetime.now(UTC)
    targets: dict[int, tuple[Platform, str]] = {}
    lanes: dict[str, dict[str, Any]] = {}
    with engine.begin() as conn:
        for lane_no, platform in enumerate(platforms, start=1):
            lane = f"voice:{lane_no}"
            lanes[lane] = {"connector": platform.connector, "voice": platform.voice}
            for n in range(PER_PLATFORM):
                external_id, raw, author = platform.seed(n)
                body = f"Sorry about charger {n} on {platform.name}: we sent you a message."
                target = {"external_id": external_id, "raw": raw, "author": author}
                effect_id = plan(conn, kind="reply", lane=lane, target=target, body=body, origin=f"chaos:{n}",
                                 actor_id=None, now=now, max_attempts=6)  # fmt: skip
                targets[effect_id] = (platform, external_id)
    faults = Counter[str]()
    for platform in platforms:
        faults += _faults(platform, rng, writes=PER_PLATFORM * 2)

    current: dict[str, subprocess.Popen[bytes]] = {}
    killed_by_platform = Counter[str]()

    def kill_runner() -> None:  # the platform kills the runner after accepting, before answering
        process = current.get("runner")
        if process is not None and process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            killed_by_platform["kill_client"] += 1

    for platform in platforms:
        platform.fake.on_kill_client = kill_runner

    kills = Counter[str]()
    paths = [str(RUNNER.parent.parent.parent / "src"), os.environ.get("PYTHONPATH")]
    env = os.environ | {"PYTHONPATH": os.pathsep.join(filter(None, paths))}
    deadline = time.monotonic() + 300
    round_no = 0
    while _open(engine) and time.monotonic() < deadline:
        point = KILL_POINTS[round_no % len(KILL_POINTS)] if round_no < 30 else None  # then: no kills
        config = {"database_url": url, "lanes": lanes, "timeout": TIMEOUT, "lease": LEASE, "seconds": 60,
                  "kill": None if point == "kill_client" else point, "at": rng.randint(1, 25)}  # fmt: skip
        config_path = tmp_path / f"runner-{round_no}.json"
        config_path.write_bytes(orjson.dumps(config))
        process = subprocess.Popen([sys.executable, str(RUNNER), str(config_path)], env=env)
        current["runner"] = process
        code = process.wait(timeout=120)
        if code == -signal.SIGKILL and point not in (None, "kill_client"):
            kills[point] += 1
        elif code not in (0, -signal.SIGKILL):
            pytest.fail(f"runner round {round_no} exited {code}")
        round_no += 1
        if code == -signal.SIGKILL:
            time.sleep(LEASE)  # the dead runner's lease runs out; the next one reconciles

    with engine.connect() as conn:
        rows = conn.execute(sa.select(effect.c.id, effect.c.state, effect.c.remote_id)).all()
    states = Counter(row.state for row in rows)
    assert states == {"sent": PER_PLATFORM * len(platforms)}, (states, kills, faults)
    for effect_id, (platform, external_id) in targets.items():
        replies = platform.fake.replies_to(external_id)
        assert len(replies) == 1, (
            f"{platform.name} {external_id}: {len(replies)} replies (effect {effect_id})"
        )
    # every crash point was hit, the platforms' faults happened, and what was uncertain was reconciled
    left = Counter(fault.kind for platform in platforms for fault in platform.fake.faults)
    happened = faults - left
    assert all(kills[point] >= 1 for point in KILL_POINTS if point != "kill_client"), kills
    assert killed_by_platform["kill_client"] >= 1, happened
    writes = sum(happened.values())
    assert writes >= PER_PLATFORM * len(platforms) and happened["stall_after_accept"] >= 0.08 * writes, (
        happened
    )
    with engine.connect() as conn:
        uncertain = conn.execute(
            sa.select(sa.func.count(sa.distinct(effect_event.c.effect_id))).where(
                effect_event.c.state == "unknown"
            )
        ).scalar_one()
        found = conn.execute(
            sa.select(sa.func.count()).where(effect_event.c.detail == "found at the platform")
        ).scalar_one()
    assert uncertain >= happened["stall_after_accept"] and found >= happened["stall_after_accept"] // 2
    print(
        f"chaos: {round_no} runner processes, kills {dict(kills)} + {killed_by_platform['kill_client']} by "
        f"the platforms, faults {dict(happened)}, {uncertain} uncertain, {found} found at the platform"
    )
