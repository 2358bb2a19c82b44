"""Alert latency: from a spike-making mention being stored to its webhook being received; print p50/p95.

    python bench/alert_latency.py               # 20 incidents of each kind
    python bench/alert_latency.py --trials 50

A fresh SQLite database gets two weeks of ordinary hourly traffic for a brand topic. Then, per trial, a
keyword rule and a volume-spike rule are added (both delivering to a webhook on 127.0.0.1 through the
real outbox and SSRF guard) and a batch of 60 complaints is ingested through the real pipeline with
the alert watcher subscribed: analysis, topic matching, storing, rule checks, delivery. The clock
starts when the batch is committed (the first MentionsStored subscriber) and stops when the webhook
server has read the request. Prints one figure per line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from luister.alerts.actions import add_channel, save_rule
from luister.alerts.model import RuleKind
from luister.alerts.watch import AlertWatcher
from luister.connectors.records import FieldMapping
from luister.domain.ingest import RawItem
from luister.domain.topics import TopicKind
from luister.services.analysis import ingest_enrichers
from luister.services.events import EventBus, MentionsStored
from luister.services.ingest import Pipeline
from luister.services.matching import TopicMatchEnricher, load_matcher
from luister.services.topics import save_topic
from luister.settings import get_settings
from luister.storage.engine import create_engine
from luister.storage.migrate import upgrade
from luister.storage.secrets import Cipher
from luister.storage.tables import alert_rule
from luister.storage.writer import SqlMentionStore

RECEIVED: dict[str, float] = {}  # "<alert id>" → when the webhook arrived


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers["Content-Length"]))
        RECEIVED.setdefault(str(json.loads(body)["alert"]["rule"]), time.perf_counter())
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


def item(n: int, text: str, at: datetime) -> RawItem:
    data = {"id": f"m{n}", "channel": "mastodon", "text": f"{text} #{n}", "created_at": at.isoformat(),
            "author": f"user{n % 300}", "lang": "nl", "followers": 100 + n % 5000}  # fmt: skip
    return RawItem(raw=json.dumps(data), position=str(n), data=data)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    with tempfile.TemporaryDirectory() as tmp:
        settings = get_settings(database_url=f"sqlite:///{Path(tmp) / 'bench.db'}", data_dir=Path(tmp),
                                fetch_allow=["127.0.0.1"])  # fmt: skip
        engine = create_engine(settings)
        upgrade(engine)
        save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
        hook = {"url": f"http://127.0.0.1:{server.server_port}/hook", "secret": "s"}
        add_channel(
            engine=engine,
            actor="bench",
            name="hook",
            kind="webhook",
            options=hook,
            cipher=Cipher.of(settings),
        )
        stored_at: list[float] = []
        events = EventBus()
        events.subscribe(MentionsStored, lambda _event: stored_at.append(time.perf_counter()))
        AlertWatcher(engine=engine, settings=settings, spike_interval=0).subscribe(events)
        enrichers = [*ingest_enrichers(settings=settings), TopicMatchEnricher(load_matcher(engine=engine))]
        pipeline = Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="bench",
                            enrichers=enrichers, events=events)  # fmt: skip
        now = datetime.now(UTC)
        history = [
            item(n, "Voltaro factuur vraag", now - timedelta(minutes=20 * n + 61)) for n in range(1, 1009)
        ]
        pipeline.run(history, batch_size=500)
        latencies: dict[str, list[float]] = {"keyword": [], "spike": []}
        n = 10_000
        for trial in range(args.trials):
            with engine.begin() as conn:
                conn.execute(alert_rule.update().values(enabled=False))
            save_rule(engine=engine, actor="bench", name=f"keyword-{trial}", kind=RuleKind.query,
                      query="storing", channels=["hook"])  # fmt: skip
            save_rule(engine=engine, actor="bench", name=f"spike-{trial}", kind=RuleKind.volume_spike,
                      topic_name="Voltaro", channels=["hook"])  # fmt: skip
            moment = datetime.now(UTC)
            batch = [item(n + k, "Voltaro storing, de app ligt eruit", moment - timedelta(seconds=k))
                     for k in range(60)]  # fmt: skip
            n += 100
            stored_at.clear()
            pipeline.run_batch(batch)
            deadline = time.perf_counter() + 30
            while time.perf_counter() < deadline and not {f"keyword-{trial}", f"spike-{trial}"} <= set(
                RECEIVED
            ):
                time.sleep(0.005)
            for kind in ("keyword", "spike"):
                if f"{kind}-{trial}" in RECEIVED:
                    latencies[kind].append(RECEIVED[f"{kind}-{trial}"] - stored_at[0])
        engine.dispose()
    server.shutdown()
    for kind, values in latencies.items():
        values.sort()
        print(f"alert_latency_{kind}_received {len(values)}/{args.trials}")
        if values:
            print(f"alert_latency_{kind}_p50_s {statistics.median(values):.3f}")
            print(f"alert_latency_{kind}_p95_s {values[max(0, round(0.95 * len(values)) - 1)]:.3f}")


if __name__ == "__main__":
    main()
