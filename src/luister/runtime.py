"""The one composition root: what a running luister process is wired from.

The CLI, the web app (pages and API), push ingest and the demo all take a :class:`Runtime` instead of
building their own pieces; later the workers will too. It holds the settings and the engine, loads the
plugins once, builds the enricher chain in exactly one place (:meth:`Runtime.enrichers`), and makes the
listener, the alert watcher, the outbound HTTP policy and the event bus. Nothing else wires these.

Heavy parts (analysis models, plugins) are made on first use and then kept for the life of the process.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy.engine import Engine

from luister import plugins as plugin_loading
from luister.settings import Settings

log = logging.getLogger("luister.listen")
RETENTION_EVERY = timedelta(days=1)
EFFECTS_EVERY = 1.0  # seconds between the effects runner's passes in `listen` and `serve`
LIMIT_KEPT = timedelta(hours=1)  # a voice's reply limit (Mastodon asks its instance) is asked again after

if TYPE_CHECKING:
    from luister.alerts.watch import AlertWatcher
    from luister.connectors.base import Replier
    from luister.demo.story import DemoResult
    from luister.effects.runner import EffectRunner, RunReport, Sender
    from luister.inbox.replies import Measure
    from luister.kpis.reports import Render
    from luister.net.http import FetchPolicy, SafeHttp
    from luister.plugins import Plugins
    from luister.services.events import EventBus
    from luister.services.ingest import Enricher
    from luister.services.ingest_push import PushReceiver
    from luister.services.listen import Listener, SourceRunResult
    from luister.storage.secrets import Cipher


class Runtime:
    """One per process. ``engine`` and ``plugins`` may be given (tests, a second database); otherwise
    the engine is opened from the settings and the installed plugins are loaded, each once."""

    def __init__(
        self,
        settings: Settings,
        *,
        engine: Engine | None = None,
        plugins: Plugins | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.settings = settings
        self.clock = clock
        self._engine = engine
        self._plugins = plugins
        self._limits: dict[int, tuple[Replier, int, datetime]] = {}  # voice → replier, limit, asked again at

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            from luister.services import database

            self._engine = database.open_database(settings=self.settings)
        return self._engine

    @property
    def plugins(self) -> Plugins:
        """The installed plugins, loaded once per process (a plugin that fails to load is logged)."""
        if self._plugins is None:
            self._plugins = plugin_loading.installed()
        return self._plugins

    def connectors(self) -> dict[str, type[Any]]:
        return self.plugins.connectors()

    def alert_channels(self) -> dict[str, type[Any]]:
        return self.plugins.alert_channels()

    @cached_property
    def analysis(self) -> list[Enricher]:
        """The analysis step as the settings ask for it; its models are loaded once."""
        from luister.services.analysis import ingest_enrichers

        return list(ingest_enrichers(settings=self.settings))

    def enrichers(self) -> list[Enricher]:
        """THE enricher chain of ingest: analysis (unless switched off), then topic matching (which may
        ask for sentiment and language; the topics are read now, so a topic saved a moment ago
        matches), then the analysers of every installed plugin."""
        from luister.services.matching import TopicMatchEnricher, load_matcher

        return [
            *self.analysis,
            TopicMatchEnricher(load_matcher(engine=self.engine)),
            *self.plugins.enrichers(),
        ]

    def alert_watcher(self, *, deliver: bool = True) -> AlertWatcher:
        from luister.alerts.watch import AlertWatcher

        return AlertWatcher(engine=self.engine, settings=self.settings, deliver=deliver)

    def event_bus(self, *, watcher: AlertWatcher | None = None) -> EventBus:
        """An event bus on which stored mentions are checked against the alert rules and become the
        inbox's conversations."""
        from luister.alerts.escalation import SlaEscalation
        from luister.inbox.intake import InboxWatcher
        from luister.services.events import EventBus

        bus = (watcher or self.alert_watcher()).subscribe(EventBus())
        SlaEscalation(engine=self.engine, clock=self.clock).subscribe(bus)  # breaches → alert channels
        return InboxWatcher(engine=self.engine, clock=self.clock).subscribe(bus)

    @cached_property
    def cipher(self) -> Cipher:
        """Encrypts and decrypts secrets at rest (voices' credentials, sources' and alert channels' secret
        options) with the settings' key."""
        from luister.storage.secrets import Cipher

        return Cipher.of(self.settings)

    def voice_replier(self, voice_id: int, *, http: Any) -> Replier:
        """The voice's Replier: its connector, its credentials decrypted (``VoiceUnusable`` says why not)."""
        from luister.inbox.voices import voice_replier

        connectors = self.connectors()
        return voice_replier(self.engine, voice_id, connectors=connectors, cipher=self.cipher, http=http)

    def reply_measure(self, voice_id: int) -> Measure | None:
        """How the voice's platform counts a reply's length, and its limit (asked of the platform once an
        hour). None when the voice cannot reply or its platform cannot be asked now: then only luister's
        own cap applies, and the platform's refusal, if any, is shown in the conversation."""
        from luister.connectors.base import ConnectorError
        from luister.inbox.credentials import VoiceError

        cached = self._limits.get(voice_id)
        if cached is not None and cached[2] > self.clock():
            replier, limit, _ = cached
            return lambda text: (replier.length(text), limit)

        async def ask() -> tuple[Replier, int]:
            async with self.http() as http:
                replier = self.voice_replier(voice_id, http=http)
                return replier, await replier.limit()

        try:
            replier, limit = _run_async(ask())
        except (VoiceError, ConnectorError) as exc:
            log.info("voice %s: no reply limit (%s)", voice_id, exc)
            return None
        self._limits[voice_id] = (replier, limit, self.clock() + LIMIT_KEPT)
        return lambda text: (replier.length(text), limit)

    def known_reply_limit(self, voice_id: int) -> int | None:
        """The voice's platform limit if it was asked for within the hour (no call to the platform: the
        composer shows it; a reply is measured against the platform's answer when it is proposed)."""
        cached = self._limits.get(voice_id)
        return cached[1] if cached is not None and cached[2] > self.clock() else None

    def effect_runner(self, http: Any, **options: Any) -> EffectRunner:
        """The effects runner over this runtime's database: lanes ``voice:<id>`` are the voices' Repliers,
        lane ``mail`` sends e-mail (``luister.effects.mail``, from the mail settings); each reply's outcome
        is settled in the inbox (the draft, the conversation's message) in the same transaction. The lease
        outlasts a call several times over, so a live runner is never overtaken."""
        from pydantic import ValidationError

        from luister.connectors.base import ConnectorError
        from luister.effects.mail import LANE as MAIL_LANE
        from luister.effects.mail import MailLane, MailNotConfigured
        from luister.effects.runner import EffectRunner, LaneUnavailable
        from luister.inbox.credentials import VoiceError
        from luister.inbox.replies_settle import settle
        from luister.storage.secrets import CannotDecrypt, SecretsUnavailable

        async def resolve(lane: str) -> Replier | Sender:
            if lane == MAIL_LANE:
                try:
                    return MailLane.of(self.settings, clock=self.clock)
                except MailNotConfigured as exc:
                    raise LaneUnavailable(str(exc)) from None
            kind, _, ident = lane.partition(":")
            if kind != "voice" or not ident.isdigit():
                raise LaneUnavailable(f"no one answers for lane {lane!r}")
            try:
                return self.voice_replier(int(ident), http=http)
            except (VoiceError, ConnectorError, SecretsUnavailable, CannotDecrypt, ValidationError) as exc:
                raise LaneUnavailable(str(exc)) from None  # the replies wait; the voice's page says why

        lease = timedelta(seconds=4 * self.settings.fetch_timeout + 30)
        return EffectRunner(self.engine, resolve=resolve, on_settled=settle, clock=self.clock, lease=lease,
                            **options)  # fmt: skip

    async def run_effects(self, *, once: bool = True, stop: threading.Event | None = None) -> RunReport:
        """Send what is planned and reconcile what is uncertain: once, or every second until ``stop``."""
        from luister.effects.runner import RunReport

        total = RunReport()
        async with self.http() as http:
            runner = self.effect_runner(http)
            while True:
                report = await runner.run_due()
                for name in ("sent", "failed", "dead", "unknown", "deferred", "reconciled"):
                    setattr(total, name, getattr(total, name) + getattr(report, name))
                total.problems.extend(report.problems)
                if once or (stop is not None and stop.is_set()):
                    return total
                await asyncio.sleep(EFFECTS_EVERY)

    def http_policy(self) -> FetchPolicy:
        """What outbound fetches may do: the SSRF allow-list, the timeout and the size limit."""
        from luister.net.http import FetchPolicy

        return FetchPolicy.of(self.settings)

    def http(self) -> SafeHttp:
        from luister.net.http import SafeHttp

        return SafeHttp(self.http_policy())

    def listener(self, *, http: Any, events: EventBus | None) -> Listener:
        from luister.services.listen import Listener
        from luister.storage.writer import SqlMentionStore

        return Listener(
            engine=self.engine,
            store=SqlMentionStore(self.engine),
            http=http,
            connectors=self.connectors(),
            cipher=self.cipher,
            enrichers=self.enrichers(),
            events=events,
        )

    async def listen(
        self,
        *,
        names: list[str] | None = None,
        once: bool = False,
        on_result: Callable[[SourceRunResult], None] = lambda _result: None,
        stop: threading.Event | None = None,
    ) -> None:
        """The listening loop of `luister listen` and of `luister serve`: due sources, then alerts (time
        passing, delivery retries), the inbox's timers and digests, scheduled reports, retention once a day
        when set, then a pause; until ``once`` is done or ``stop`` is set. The effects loop runs beside
        it and sends what these plan (replies, digest and report mail)."""
        from luister.privacy import RetentionPolicy

        watcher = self.alert_watcher()
        events = self.event_bus(watcher=watcher)
        retention = RetentionPolicy.from_settings(self.settings)
        async with self.http() as http:
            effects = asyncio.create_task(self._effects_loop(self.effect_runner(http)))
            try:
                await self._listen_loop(http, events, watcher, retention, names=names, once=once,
                                        on_result=on_result, stop=stop)  # fmt: skip
            finally:
                effects.cancel()  # a call cut short stays "sending" and is reconciled by the next runner
            if once:
                await self.effect_runner(http).run_due()  # what this pass planned goes out now

    async def _listen_loop(
        self, http: Any, events: EventBus, watcher: AlertWatcher, retention: Any, *, names: list[str] | None,
        once: bool, on_result: Callable[[SourceRunResult], None], stop: threading.Event | None,
    ) -> None:  # fmt: skip
        from luister.privacy import RetentionPolicy, enforce_retention

        retention_due = self.clock()  # then daily; `luister privacy retention` runs it by hand
        while stop is None or not stop.is_set():
            for result in await self.listener(http=http, events=events).run_due(names=names):
                on_result(result)
            await asyncio.to_thread(watcher.tick)  # alerts on time passing, delivery retries
            await asyncio.to_thread(self.inbox_tick, events)  # snoozes, SLA clocks, the queues
            await asyncio.to_thread(self.reports_tick)  # scheduled reports due: planned once, mailed
            if retention != RetentionPolicy() and self.clock() >= retention_due:
                now = self.clock()
                report = await asyncio.to_thread(
                    enforce_retention, engine=self.engine, policy=retention, now=now
                )
                log.info("retention as of %s removed %s", now.isoformat(), report.removed or "nothing")
                retention_due = now + RETENTION_EVERY
            if once:
                return
            for _ in range(self.settings.listen_idle_seconds * 10):
                if stop is not None and stop.is_set():
                    return
                await asyncio.sleep(0.1)

    async def _effects_loop(self, runner: EffectRunner) -> None:
        """Replies go out within a second or two of their approval, whatever the listening rhythm."""
        while True:
            try:
                report = await runner.run_due()
                for problem in report.problems:
                    log.warning("effects: %s", problem)
            except Exception:  # the loop outlives a database hiccup; the lease keeps every effect safe
                log.exception("effects runner pass failed")
            await asyncio.sleep(EFFECTS_EVERY)

    def inbox_tick(self, events: EventBus | None = None) -> None:
        """What time passing does to the inbox (``luister.inbox.timers``) and the departments' digests
        that are due, as of the runtime's clock."""
        from luister.inbox.digest_actions import build_due_digests
        from luister.inbox.timers import tick

        now = self.clock()
        tick(engine=self.engine, now=now, bus=events)
        # each department's last whole period, once; its e-mails planned with it
        build_due_digests(engine=self.engine, now=now, base_url=self.settings.public_url)

    def reports_tick(self) -> list[int]:
        """The scheduled reports due as of the runtime's clock: each period's run recorded and its e-mail
        planned once (the effects loop sends it); returns the planned effects' ids."""
        from luister.kpis.reports import tick

        return tick(engine=self.engine, now=self.clock(), render=self.report_render())

    def report_render(self) -> Render:
        """How a scheduled report becomes its e-mail's subject and HTML: the KPI report rendered from the data
        (goals and KPIs with charts, projects, inbox and mentions) as it stood when the run was due."""
        from luister.kpis import read
        from luister.kpis.report_render import renderer

        return renderer(engine=self.engine, rates=read.Rates.of(self.settings))

    @cached_property
    def push_receiver(self) -> PushReceiver:
        """Receives webhook pushes, through the same chain as every other ingest (made at the first push,
        with its alert watcher)."""
        from luister.services.ingest_push import PushReceiver

        return PushReceiver(
            engine=self.engine,
            connectors=self.connectors(),
            cipher=self.cipher,
            enrichers=self.enrichers,
            events=self.event_bus(),
            clock=self.clock,
        )

    def load_demo(self, **options: Any) -> DemoResult:
        """The Voltaro demo story, ingested through this runtime's chain (see ``luister.demo``)."""
        from luister.demo.story import load_demo

        return load_demo(
            engine=self.engine,
            enrichers=self.enrichers,
            connectors=self.connectors(),
            cipher=self.cipher,
            **options,
        )


def _run_async(coroutine: Any) -> Any:
    """Run ``coroutine`` to its end from synchronous code, also where this thread already runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    result: list[Any] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            result.append(asyncio.run(coroutine))
        except BaseException as exc:  # noqa: BLE001 - handed back to the caller's thread
            failure.append(exc)

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return result[0]
