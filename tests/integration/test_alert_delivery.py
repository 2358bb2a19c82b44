"""Alert delivery end to end on both databases: the outbox, a real SMTP server (aiosmtpd) and real
webhook receivers (pytest-httpserver), with retries, back-off, failures and the SSRF guard."""

from __future__ import annotations

import hashlib
import hmac
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import orjson
import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from pytest_httpserver import HTTPServer
from sqlalchemy.engine import Engine
from werkzeug import Request, Response

from luister.alerts import actions, delivery, read
from luister.alerts.channels import setup
from luister.alerts.channels.base import DeliveryError
from luister.alerts.model import AlertMessage, ChannelError
from luister.settings import Settings
from luister.storage.secrets import Cipher
from luister.storage.tables import alert, alert_channel, alert_event, alert_rule, alert_step, mention, topic
from luister.storage.tables import alert_delivery as delivery_table
from luister.testing import sealing_cipher

T0 = datetime(2025, 3, 4, 9, 0, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script> & <!channel>"
SECRET = "whsec-0123456789"


# --- a real SMTP server ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Mailbox:
    """An aiosmtpd handler keeping what arrives; ``answer`` lets a test make the server refuse."""

    envelopes: list[Envelope] = field(default_factory=list)
    answer: str = "250 Message accepted for delivery"
    port: int = 0

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.answer.startswith("250"):
            self.envelopes.append(envelope)
        return self.answer

    def messages(self) -> list[EmailMessage]:
        found = []
        for envelope in self.envelopes:
            assert isinstance(envelope.content, bytes)
            parsed = message_from_bytes(envelope.content, policy=default_policy)
            assert isinstance(parsed, EmailMessage)
            found.append(parsed)
        return found


@pytest.fixture
def mailbox() -> Iterator[Mailbox]:
    box = Mailbox(port=free_port())
    controller = Controller(box, hostname="127.0.0.1", port=box.port)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


# --- rows ------------------------------------------------------------------------------------------


def make_alert(
    engine: Engine,
    *,
    channels: list[str],
    samples: list[tuple[str, str | None]] | None = None,
    steps: list[str] | None = None,
) -> int:
    """A topic, a rule, sample mentions, an open alert and its playbook steps; returns the alert id."""
    samples = (
        samples if samples is not None else [(HOSTILE, "javascript:alert(1)"), ("fine", "https://x.nl/1")]
    )
    with engine.begin() as conn:
        topic_id = conn.execute(topic.insert().values(name="Acme", query="acme")).inserted_primary_key[0]
        rule_id = conn.execute(
            alert_rule.insert().values(
                name="acme-spike", kind="volume_spike", topic_id=topic_id, channels=channels
            )
        ).inserted_primary_key[0]
        sample_ids = [
            conn.execute(
                mention.insert().values(
                    channel="mastodon",
                    external_id=f"m{n}",
                    url=url,
                    author_handle=f"@user{n}",
                    text=text,
                    published_at=T0 - timedelta(minutes=n),
                    fetched_at=T0,
                    raw="{}",
                )
            ).inserted_primary_key[0]
            for n, (text, url) in enumerate(samples)
        ]
        alert_id = int(
            conn.execute(
                alert.insert().values(
                    rule_id=rule_id,
                    topic_id=topic_id,
                    kind="volume_spike",
                    severity="critical",
                    status="open",
                    title="Spike: 120 mentions of Acme in an hour",
                    summary="120 mentions where 12 were expected",
                    opened_at=T0,
                    last_seen_at=T0,
                    mentions=120,
                    expected=12.0,
                    sample_ids=list(reversed(sample_ids)),
                    revision=1,
                )
            ).inserted_primary_key[0]
        )
        for position, title in enumerate(steps or ["Check the status page", "Post a holding statement"]):
            conn.execute(alert_step.insert().values(alert_id=alert_id, position=position, title=title))
        delivery.enqueue(conn=conn, alert_id=alert_id, revision=1, channels=channels, now=T0)
    return alert_id


def bump(engine: Engine, alert_id: int, channels: list[str], *, at: datetime) -> None:
    """What detection does when the evidence doubles: a new revision, queued again."""
    with engine.begin() as conn:
        conn.execute(
            alert.update().where(alert.c.id == alert_id).values(revision=2, mentions=260, last_seen_at=at)
        )
        delivery.enqueue(conn=conn, alert_id=alert_id, revision=2, channels=channels, now=at)


def deliveries(engine: Engine) -> list[sa.Row[Any]]:
    with engine.connect() as conn:
        return list(conn.execute(sa.select(delivery_table).order_by(delivery_table.c.id)).all())


def events(engine: Engine, kind: str) -> list[str]:
    with engine.connect() as conn:
        query = sa.select(alert_event.c.detail).where(alert_event.c.kind == kind).order_by(alert_event.c.id)
        return [str(detail) for detail in conn.scalars(query)]


def local(settings: Settings) -> Settings:
    return settings.model_copy(update={"fetch_allow": ["127.0.0.1"]})


def add_email(engine: Engine, settings: Settings, box: Mailbox, name: str = "team-mail") -> None:
    options = {
        "host": "127.0.0.1",
        "port": box.port,
        "starttls": False,
        "from_address": "luister <alerts@luister.example>",
        "to": "webcare@example.nl, pr@example.nl",
        "timeout": 5,
    }
    actions.add_channel(
        engine=engine, cipher=Cipher.of(settings), actor="test", name=name, kind="email", options=options
    )


def add_webhook(
    engine: Engine, settings: Settings, server: HTTPServer, fmt: str = "json", name: str = "hook"
) -> None:
    options = {"url": server.url_for("/hook"), "format": fmt, "secret": SECRET, "timeout": 5}
    actions.add_channel(
        engine=engine, cipher=Cipher.of(settings), actor="test", name=name, kind="webhook", options=options
    )


@pytest.fixture
def server(httpserver: HTTPServer) -> Iterator[HTTPServer]:
    yield httpserver
    httpserver.clear()


def answering(server: HTTPServer, *statuses: int) -> list[Request]:
    """The webhook answers ``statuses`` in turn (the last one from then on); returns the requests seen."""
    seen: list[Request] = []

    def handle(request: Request) -> Response:
        seen.append(request)
        status = statuses[min(len(seen), len(statuses)) - 1]
        return Response("oops" if status >= 400 else "ok", status=status)

    server.expect_request("/hook", method="POST").respond_with_handler(handle)
    return seen


# --- email -----------------------------------------------------------------------------------------


def test_email_arrives_escaped_and_updates_thread_under_it(
    engine: Engine, settings: Settings, mailbox: Mailbox
) -> None:
    add_email(engine, settings, mailbox)
    alert_id = make_alert(engine, channels=["team-mail"])

    report = delivery.deliver_due(engine=engine, settings=settings, now=T0)
    assert (report.sent, report.failed, report.pending) == (1, 0, 0)
    [envelope] = mailbox.envelopes
    assert envelope.mail_from == "alerts@luister.example"
    assert envelope.rcpt_tos == ["webcare@example.nl", "pr@example.nl"]
    [first] = mailbox.messages()
    assert first["Subject"] == "[luister] critical: Spike: 120 mentions of Acme in an hour"
    assert first["X-Luister-Alert"] == str(alert_id)
    assert first["Message-ID"] == f"<luister.alert.{alert_id}.20250304090000@luister.example>"
    html_part, text_part = first.get_body(("html",)), first.get_body(("plain",))
    assert html_part is not None and text_part is not None
    html, text = html_part.get_content(), text_part.get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt;" in html
    assert "<script>" not in html and "javascript:" not in html
    assert 'href="https://x.nl/1"' in html and "Acme" in html and "12.0" in html
    assert "Post a holding statement" in html
    assert HOSTILE in text and "https://x.nl/1" in text and "2. Post a holding statement" in text

    [row] = deliveries(engine)
    assert (row.status, row.attempts, row.sent_at, row.last_error) == ("sent", 1, T0, None)
    assert events(engine, "delivered") == ["team-mail (revision 1)"]

    later = T0 + timedelta(minutes=30)
    bump(engine, alert_id, ["team-mail"], at=later)
    assert delivery.deliver_due(engine=engine, settings=settings, now=later).sent == 1
    update = mailbox.messages()[1]
    assert update["Subject"] == "[luister] update: critical: Spike: 120 mentions of Acme in an hour"
    assert update["In-Reply-To"] == first["Message-ID"] == update["References"]
    assert update["Message-ID"] != first["Message-ID"]


def test_smtp_refusal_5xx_fails_for_good_and_4xx_is_retried(
    engine: Engine, settings: Settings, mailbox: Mailbox
) -> None:
    add_email(engine, settings, mailbox)
    make_alert(engine, channels=["team-mail"])
    mailbox.answer = "451 4.3.0 try again later"
    report = delivery.deliver_due(engine=engine, settings=settings, now=T0)
    assert (report.retrying, report.failed) == (1, 0)
    [row] = deliveries(engine)
    assert row.status == "pending" and "451" in row.last_error and row.next_attempt_at > T0

    mailbox.answer = "554 5.7.1 rejected as spam"
    report = delivery.deliver_due(engine=engine, settings=settings, now=T0 + timedelta(hours=2))
    assert report.failed == 1
    [row] = deliveries(engine)
    assert (row.status, row.attempts) == ("failed", 2) and "554" in row.last_error
    assert events(engine, "delivery_failed") == ["team-mail: SMTP 554: 5.7.1 rejected as spam"]


def test_smtp_server_down_is_retried(engine: Engine, settings: Settings) -> None:
    box = Mailbox(port=free_port())  # nothing listens there
    add_email(engine, settings, box)
    make_alert(engine, channels=["team-mail"])
    report = delivery.deliver_due(engine=engine, settings=settings, now=T0)
    assert report.retrying == 1
    [row] = deliveries(engine)
    assert row.status == "pending" and row.attempts == 1 and "SMTP 127.0.0.1" in row.last_error


# --- webhooks --------------------------------------------------------------------------------------


def verify(request: Request) -> dict[str, Any]:
    """What a receiver does: check the HMAC over "<timestamp>.<raw body>", then parse."""
    raw = request.get_data()
    timestamp = request.headers["X-Luister-Timestamp"]
    expected = hmac.new(SECRET.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(request.headers["X-Luister-Signature"], f"sha256={expected}")
    assert abs(datetime.now(UTC).timestamp() - int(timestamp)) < 300
    assert request.headers["Content-Type"] == "application/json"
    payload: dict[str, Any] = orjson.loads(raw)
    return payload


def test_json_webhook_is_signed_and_documented(
    engine: Engine, settings: Settings, server: HTTPServer
) -> None:
    seen = answering(server, 200)
    add_webhook(engine, settings, server)
    alert_id = make_alert(engine, channels=["hook"])
    assert delivery.deliver_due(engine=engine, settings=local(settings), now=T0).sent == 1
    [request] = seen
    payload = verify(request)
    assert request.headers["X-Luister-Event"] == "alert.opened"
    assert request.headers["X-Luister-Alert"] == str(alert_id)
    assert payload["event"] == "alert.opened" and payload["version"] == 1
    assert payload["alert"]["id"] == alert_id and payload["alert"]["topic"] == "Acme"
    assert payload["alert"]["opened_at"] == "2025-03-04T09:00:00Z"
    assert datetime.fromisoformat(payload["alert"]["updated_at"]) == T0
    assert [s["text"] for s in payload["samples"]] == ["fine", HOSTILE]  # in the alert's sample order
    assert payload["samples"][0]["author"] == "@user1"
    assert payload["steps"] == ["Check the status page", "Post a holding statement"]

    bump(engine, alert_id, ["hook"], at=T0 + timedelta(hours=1))
    delivery.deliver_due(engine=engine, settings=local(settings), now=T0 + timedelta(hours=1))
    assert verify(seen[1])["event"] == "alert.updated"


def test_slack_webhook_escapes_mention_text(engine: Engine, settings: Settings, server: HTTPServer) -> None:
    seen = answering(server, 200)
    add_webhook(engine, settings, server, "slack")
    make_alert(engine, channels=["hook"])
    assert delivery.deliver_due(engine=engine, settings=local(settings), now=T0).sent == 1
    payload = verify(seen[0])
    raw = seen[0].get_data(as_text=True)
    assert "<!channel>" not in raw and "<script>" not in raw and "javascript:" not in raw
    assert payload["text"].startswith("[luister] critical: ")
    mrkdwn = "\n".join(b["text"]["text"] for b in payload["blocks"] if "text" in b)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt;" in mrkdwn
    assert "<https://x.nl/1|open>" in mrkdwn


def test_teams_webhook_sends_an_adaptive_card(engine: Engine, settings: Settings, server: HTTPServer) -> None:
    seen = answering(server, 200)
    add_webhook(engine, settings, server, "teams")
    make_alert(engine, channels=["hook"])
    assert delivery.deliver_due(engine=engine, settings=local(settings), now=T0).sent == 1
    payload = verify(seen[0])
    [attachment] = payload["attachments"]
    assert payload["type"] == "message"
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert attachment["content"]["type"] == "AdaptiveCard"
    runs = [
        run
        for block in attachment["content"]["body"]
        for item in block.get("items", [block])
        for run in item.get("inlines", [])
    ]
    assert {run["type"] for run in runs} == {"TextRun"}  # plain text in Teams, never markdown
    assert HOSTILE in [run["text"] for run in runs]


def test_500_then_200_backs_off_then_delivers(engine: Engine, settings: Settings, server: HTTPServer) -> None:
    seen = answering(server, 500, 200)
    add_webhook(engine, settings, server)
    make_alert(engine, channels=["hook"])

    report = delivery.deliver_due(engine=engine, settings=local(settings), now=T0)
    assert (report.sent, report.retrying, report.pending) == (0, 1, 1)
    [row] = deliveries(engine)
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at > T0 and "HTTP 500: oops" in row.last_error
    assert "/hook" not in row.last_error  # webhook URLs may carry secrets in their path

    assert delivery.deliver_due(engine=engine, settings=local(settings), now=T0).sent == 0  # not due
    report = delivery.deliver_due(engine=engine, settings=local(settings), now=row.next_attempt_at)
    assert (report.sent, report.pending) == (1, 0)
    [row] = deliveries(engine)
    assert (row.status, row.attempts) == ("sent", 2) and len(seen) == 2


def test_400_fails_without_retry(engine: Engine, settings: Settings, server: HTTPServer) -> None:
    seen = answering(server, 400)
    add_webhook(engine, settings, server)
    make_alert(engine, channels=["hook"])
    report = delivery.deliver_due(engine=engine, settings=local(settings), now=T0)
    assert (report.failed, report.retrying) == (1, 0)
    assert report.problems[0].final and "HTTP 400" in report.problems[0].reason
    [row] = deliveries(engine)
    assert (row.status, row.attempts) == ("failed", 1)
    delivery.deliver_due(engine=engine, settings=local(settings), now=T0 + timedelta(days=1))
    assert len(seen) == 1
    [detail] = events(engine, "delivery_failed")
    assert detail.startswith("hook: http://127.0.0.1:") and "HTTP 400" in detail


def test_max_attempts_then_failed_and_retry_failed_requeues(
    engine: Engine, settings: Settings, server: HTTPServer
) -> None:
    seen = answering(server, 503, 503, 503, 200)
    add_webhook(engine, settings, server)
    alert_id = make_alert(engine, channels=["hook"])
    now = T0
    for _ in range(3):
        delivery.deliver_due(engine=engine, settings=local(settings), now=now, max_attempts=3)
        now += timedelta(hours=2)
    [row] = deliveries(engine)
    assert (row.status, row.attempts) == ("failed", 3) and len(seen) == 3
    [detail] = events(engine, "delivery_failed")
    assert "HTTP 503" in detail and "gave up after 3 attempts" in detail

    assert (
        actions.retry_deliveries(engine=engine, actor="test", alert_id=alert_id + 1, now=now) == 0
    )  # another alert
    assert actions.retry_deliveries(engine=engine, actor="test", alert_id=alert_id, now=now) == 1
    [row] = deliveries(engine)
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 0, now)
    assert events(engine, "delivery_retried") == ["hook"]
    assert delivery.deliver_due(engine=engine, settings=local(settings), now=now).sent == 1
    assert deliveries(engine)[0].last_error is not None  # the history of the failure is kept


def test_the_ssrf_guard_refuses_a_private_webhook(
    engine: Engine, settings: Settings, server: HTTPServer
) -> None:
    seen = answering(server, 200)
    add_webhook(engine, settings, server)
    make_alert(engine, channels=["hook"])
    report = delivery.deliver_due(engine=engine, settings=settings, now=T0)  # no fetch_allow
    assert report.failed == 1 and seen == []
    [row] = deliveries(engine)
    assert row.status == "failed"
    assert "refused by the SSRF guard" in row.last_error and "LUISTER_FETCH_ALLOW" in row.last_error


# --- the outbox ------------------------------------------------------------------------------------


class Recording:
    """A channel plugin that keeps what it is given (a real plugin object, not a mock of a client)."""

    name = "recording"

    def __init__(self, fail: DeliveryError | Exception | None = None) -> None:
        self.messages: list[AlertMessage] = []
        self.fail = fail

    async def send(self, message: AlertMessage) -> None:
        if self.fail is not None:
            raise self.fail
        self.messages.append(message)


def test_enqueue_is_idempotent(engine: Engine) -> None:
    alert_id = make_alert(engine, channels=["a", "b", "a"])
    with engine.begin() as conn:
        delivery.enqueue(conn=conn, alert_id=alert_id, revision=1, channels=["a", "b"], now=T0)
        delivery.enqueue(conn=conn, alert_id=alert_id, revision=1, channels=[], now=T0)
    assert sorted((r.channel, r.revision, r.status) for r in deliveries(engine)) == [
        ("a", 1, "pending"),
        ("b", 1, "pending"),
    ]


def test_alert_message_is_built_from_the_rows(engine: Engine) -> None:
    texts = [(f"mention {n}", None) for n in range(7)]
    alert_id = make_alert(engine, channels=[], samples=texts, steps=["one", "two", "three"])
    with engine.connect() as conn:
        message = delivery.alert_message(conn=conn, alert_id=alert_id, update=True)
        with pytest.raises(LookupError):
            delivery.alert_message(conn=conn, alert_id=alert_id + 99, update=False)
    assert (message.rule, message.topic, message.mentions, message.expected) == (
        "acme-spike",
        "Acme",
        120,
        12.0,
    )
    assert message.severity.value == "critical" and message.kind.value == "volume_spike" and message.update
    assert [s.text for s in message.samples] == [f"mention {n}" for n in (6, 5, 4, 3, 2)]  # at most five
    assert message.steps == ("one", "two", "three") and message.opened_at == T0


def test_update_flag_follows_what_the_channel_has_received(engine: Engine, settings: Settings) -> None:
    good, broken = Recording(), Recording(DeliveryError("down", retryable=False))
    alert_id = make_alert(engine, channels=["good", "broken"])
    delivery.deliver_due(engine=engine, settings=settings, now=T0, channels={"good": good, "broken": broken})
    bump(engine, alert_id, ["good", "broken"], at=T0 + timedelta(hours=1))
    broken.fail = None
    delivery.deliver_due(
        engine=engine,
        settings=settings,
        now=T0 + timedelta(hours=1),
        channels={"good": good, "broken": broken},
    )
    assert [m.update for m in good.messages] == [False, True]
    assert [m.update for m in broken.messages] == [False]  # it never got the first one


def test_missing_and_disabled_channels_fail_with_the_reason(
    engine: Engine, settings: Settings, mailbox: Mailbox
) -> None:
    add_email(engine, settings, mailbox, "off")
    with engine.begin() as conn:
        conn.execute(alert_channel.update().where(alert_channel.c.name == "off").values(enabled=False))
    make_alert(engine, channels=["gone", "off"])
    report = delivery.deliver_due(engine=engine, settings=settings, now=T0)
    assert report.failed == 2 and mailbox.envelopes == []
    reasons = {r.channel: r.last_error for r in deliveries(engine)}
    assert reasons == {
        "gone": "no channel named 'gone' is configured",
        "off": "alert channel 'off' is disabled",
    }


def test_a_crashing_plugin_is_retried_and_the_others_go_on(engine: Engine, settings: Settings) -> None:
    make_alert(engine, channels=["crash", "fine"])
    fine = Recording()
    channels = {"crash": Recording(RuntimeError("plugin bug")), "fine": fine}
    report = delivery.deliver_due(engine=engine, settings=settings, now=T0, channels=channels)
    assert (report.sent, report.retrying) == (1, 1) and len(fine.messages) == 1
    crashed = next(r for r in deliveries(engine) if r.channel == "crash")
    assert crashed.status == "pending" and crashed.last_error == "RuntimeError: plugin bug"


def test_a_claimed_delivery_is_not_sent_twice(engine: Engine, settings: Settings) -> None:
    first = Recording()
    make_alert(engine, channels=["r"])
    with engine.begin() as conn:  # another worker claimed it a moment ago
        conn.execute(delivery_table.update().values(next_attempt_at=T0 + delivery.LEASE))
    delivery.deliver_due(engine=engine, settings=settings, now=T0, channels={"r": first})
    assert first.messages == []
    delivery.deliver_due(engine=engine, settings=settings, now=T0 + timedelta(hours=1), channels={"r": first})
    assert len(first.messages) == 1


def test_channels_are_listed_masked_and_removed(
    engine: Engine, settings: Settings, server: HTTPServer
) -> None:
    add_webhook(engine, settings, server, "slack")
    make_alert(engine, channels=["hook"])
    [listed] = read.list_channels(engine=engine)
    assert (listed.options["secret"], listed.options["url"], listed.options["format"]) == (
        "***",
        "***",
        "slack",
    )
    with engine.connect() as conn:  # at rest: the URL (its path is the key) and the secret are encrypted
        stored = conn.execute(sa.select(alert_channel.c.options)).scalar_one()
    assert SECRET not in str(stored) and "/hook" not in str(stored) and stored["format"] == "slack"
    assert (listed.kind, listed.enabled, listed.pending, listed.failed) == ("webhook", True, 1, 0)
    assert actions.remove_channel(engine=engine, actor="test", name="hook") == [
        "acme-spike"
    ]  # rules still naming it
    assert read.list_channels(engine=engine) == []
    assert len(deliveries(engine)) == 1  # history stays
    with pytest.raises(ChannelError, match="no alert channel named 'hook'"):
        actions.remove_channel(engine=engine, actor="test", name="hook")


@pytest.mark.parametrize(
    ("kind", "options", "problem"),
    [
        ("pager", {}, "unknown channel kind 'pager'; installed: email, webhook"),
        ("webhook", {"url": "https://x.example", "format": "xml"}, "invalid options for webhook: format"),
        ("webhook", {}, "url: Field required"),
        ("email", {"host": "h", "from_address": "a@x.nl", "to": "b@y.nl", "cc": "c"}, "cc: Extra inputs"),
    ],
)
def test_add_channel_refuses_bad_kinds_and_options(
    engine: Engine, kind: str, options: dict[str, Any], problem: str
) -> None:
    with pytest.raises(ChannelError, match=problem.replace("(", r"\(")):
        actions.add_channel(
            engine=engine, cipher=sealing_cipher(), actor="test", name="x", kind=kind, options=options
        )
    actions.add_channel(
        engine=engine,
        cipher=sealing_cipher(),
        actor="test",
        name="x",
        kind="webhook",
        options={"url": "https://x.example/h"},
    )
    with pytest.raises(ChannelError, match="exists already"):
        actions.add_channel(
            engine=engine,
            cipher=sealing_cipher(),
            actor="test",
            name="x",
            kind="webhook",
            options={"url": "https://x.example/h"},
        )


def test_test_channel_sends_a_sample(engine: Engine, settings: Settings, mailbox: Mailbox) -> None:
    add_email(engine, settings, mailbox)
    setup.test_channel(engine=engine, name="team-mail", settings=settings)
    [mail] = mailbox.messages()
    assert mail["Subject"] == "[luister] info: Test alert from luister"
    with pytest.raises(ChannelError, match="no alert channel named 'nope'"):
        setup.test_channel(engine=engine, name="nope", settings=settings)
