"""One effects runner process for the chaos test (tests/integration/test_effects_chaos.py).

``python chaos_runner.py CONFIG.json``: works the ledger in the database the config names, through the
real repliers of the platforms' connectors (pointed at the test's fake platforms), and kills itself
with SIGKILL at the ``kill`` point's ``at``-th pass:

- ``claimed``: the effect is committed as ``sending``, the request not yet made;
- ``after_response``: the platform answered, the ledger has not recorded it;
- ``reconciling``: about to ask the platform, or (``after_find``) it answered and nothing is recorded;
- ``pace_wait``: waiting because the platform asked this account to slow down.

(The kill between the request and its response is done by the fake platform itself, which knows this
process's id: ``kill_client`` in tests/fakes/base.py.) Exits 0 when nothing is due any more.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import signal
import sys
import time
from datetime import timedelta
from typing import Any

import orjson
import sqlalchemy as sa

from luister.connectors.base import Capability, Posted, Replier, ReplyTarget, require
from luister.effects.runner import EffectRunner, LaneUnavailable
from luister.net.http import FetchPolicy, SafeHttp

OPEN_EFFECTS = "SELECT count(*) FROM effect WHERE state NOT IN ('sent', 'failed', 'dead', 'cancelled')"


class Killer:
    def __init__(self, point: str | None, at: int) -> None:
        self.point, self.at, self.passes = point, at, 0

    def __call__(self, point: str) -> None:
        if point == self.point:
            self.passes += 1
            if self.passes >= self.at:
                os.kill(os.getpid(), signal.SIGKILL)


class KillingReplier:
    """The real replier, with the kill points after its answers."""

    def __init__(self, inner: Replier, probe: Killer) -> None:
        self.inner, self.probe = inner, probe

    async def limit(self) -> int:
        return await self.inner.limit()

    def length(self, text: str) -> int:
        return self.inner.length(text)

    async def reply(self, target: ReplyTarget, text: str, *, key: str) -> Posted:
        posted = await self.inner.reply(target, text, key=key)
        self.probe("after_response")
        return posted

    async def find_reply(self, target: ReplyTarget, *, key: str, text: str) -> Posted | None:
        found = await self.inner.find_reply(target, key=key, text=text)
        self.probe("after_find")
        return found


def _connector(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


async def main(config: dict[str, Any]) -> int:
    engine = sa.create_engine(config["database_url"])
    probe = Killer(config.get("kill"), int(config.get("at", 1)))
    policy = FetchPolicy(allow=frozenset({"127.0.0.1"}), timeout=float(config["timeout"]), retries=0)
    async with SafeHttp(policy) as http:
        repliers: dict[str, KillingReplier] = {}

        async def resolve(lane: str) -> Replier:
            if lane not in config["lanes"]:
                raise LaneUnavailable(f"no voice for {lane}")
            if lane not in repliers:
                spec = config["lanes"][lane]
                cls = require(_connector(spec["connector"]), Capability.reply)
                inner = cls.replier(cls.voice_model(**spec["voice"]), http=http)
                repliers[lane] = KillingReplier(inner, probe)
            return repliers[lane]

        runner = EffectRunner(engine, resolve=resolve, lease=timedelta(seconds=float(config["lease"])),
                              probe=probe, name=f"chaos-{os.getpid()}")  # fmt: skip
        deadline = time.monotonic() + float(config.get("seconds", 60))
        while time.monotonic() < deadline:
            report = await runner.run_due()
            if not (report.sent or report.failed or report.dead or report.unknown or report.deferred):
                with engine.connect() as conn:
                    left = conn.execute(sa.text(OPEN_EFFECTS)).scalar_one()
                if not left:
                    return 0
                await asyncio.sleep(0.2)  # waiting on a lease, a backoff or a rate limit
    return 3  # out of time with work left


if __name__ == "__main__":
    sys.exit(asyncio.run(main(orjson.loads(open(sys.argv[1], "rb").read()))))
