"""Alert channel payloads and options (pure): escaping of hostile text, shapes, validation."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from luister.alerts.channels.email import EmailChannel, EmailOptions, build_email, thread_id
from luister.alerts.channels.setup import masked_options
from luister.alerts.channels.webhook import WebhookChannel, WebhookOptions, where
from luister.alerts.channels.webhook_formats import json_payload, slack_escape, slack_payload, teams_payload
from luister.alerts.delivery import retry_delay
from luister.alerts.model import AlertMessage, AlertStatus, RuleKind, SampleMention, Severity

OPENED = datetime(2025, 3, 4, 9, 30, tzinfo=UTC)
HOSTILE = "<script>alert(1)</script> & <!channel> *bold* [x](https://evil.example)"


def message(**changes: Any) -> AlertMessage:
    base = AlertMessage(
        alert_id=42,
        rule="acme-spike",
        kind=RuleKind.volume_spike,
        severity=Severity.critical,
        status=AlertStatus.open,
        title="Spike: 120 mentions of <Acme> in an hour",
        summary="120 mentions where 12 were expected & rising",
        topic="Acme",
        opened_at=OPENED,
        updated_at=OPENED + timedelta(minutes=5),
        mentions=120,
        expected=12.0,
        samples=(
            SampleMention(1, "mastodon", "jan", HOSTILE, "javascript:alert(1)", OPENED),
            SampleMention(2, "rss", None, "second one", "https://news.example/a?b=1&c=2", OPENED),
        ),
        steps=("Check the outage page", "Post a holding statement"),
        links={"Open in luister": "https://luister.example/alerts/42", "bad": "javascript:x"},
    )
    return AlertMessage(**{**{f: getattr(base, f) for f in base.__dataclass_fields__}, **changes})


def mail_options(**changes: Any) -> EmailOptions:
    return EmailOptions(
        **{"host": "smtp.example.nl", "from_address": "luister <alerts@example.nl>", "to": "a@x.nl, b@y.nl"}
        | {"starttls": False}
        | changes
    )


def parsed(mail: EmailMessage) -> EmailMessage:
    result = message_from_bytes(mail.as_bytes(), policy=default_policy)
    assert isinstance(result, EmailMessage)
    return result


def test_email_is_multipart_with_escaped_html_and_threading_root() -> None:
    mail = parsed(build_email(message(), mail_options()))
    assert mail["Subject"] == "[luister] critical: Spike: 120 mentions of <Acme> in an hour"
    assert mail["To"] == "a@x.nl, b@y.nl"
    assert mail["X-Luister-Alert"] == "42"
    assert (
        mail["Message-ID"]
        == "<luister.alert.42.20250304093000@example.nl>"
        == thread_id(message(), "example.nl")
    )
    assert mail["In-Reply-To"] is None
    html_part, text_part = mail.get_body(("html",)), mail.get_body(("plain",))
    assert html_part is not None and text_part is not None
    html, text = html_part.get_content(), text_part.get_content()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "&lt;Acme&gt;" in html and "<Acme>" not in html
    assert "javascript:" not in html and 'href="https://news.example/a?b=1&amp;c=2"' in html
    assert 'href="https://luister.example/alerts/42"' in html
    assert "<li>Post a holding statement</li>" in html
    assert HOSTILE in text and "javascript:" not in text and "1. Check the outage page" in text


def test_email_update_threads_under_the_first_mail() -> None:
    mail = parsed(build_email(message(update=True), mail_options()))
    root = "<luister.alert.42.20250304093000@example.nl>"
    assert mail["Subject"].startswith("[luister] update: critical: ")
    assert mail["In-Reply-To"] == root and mail["References"] == root
    assert mail["Message-ID"] != root and mail["Message-ID"].endswith("@example.nl>")


def test_a_line_break_in_a_title_cannot_inject_headers() -> None:
    mail = parsed(build_email(message(title="Hello\r\nBcc: victim@example.nl"), mail_options()))
    assert mail["Bcc"] is None and mail["Subject"] == "[luister] critical: Hello Bcc: victim@example.nl"


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"to": []}, "at least 1"),
        ({"to": "not-an-address"}, "not an email address"),
        ({"from_address": "a@x.nl\r\nBcc: b@y.nl"}, "line breaks"),
        ({"ssl": True, "starttls": True}, "not both"),
        ({"username": "u"}, "together"),
        ({"username": "u", "password": "p"}, "in clear"),
        ({"colour": "red"}, "Extra inputs"),
    ],
)
def test_email_options_are_checked(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        mail_options(**changes)


def test_email_channel_accepts_a_dict_of_options() -> None:
    channel = EmailChannel({"host": "h", "from_address": "a@x.nl", "to": ["b@y.nl"]})
    assert channel.options.port == 587 and channel.options.starttls


def test_json_payload_is_stable_and_plain() -> None:
    payload = json_payload(message())
    assert payload["version"] == 1 and payload["event"] == "alert.opened"
    assert payload["alert"] == {
        "id": 42,
        "rule": "acme-spike",
        "kind": "volume_spike",
        "severity": "critical",
        "status": "open",
        "title": "Spike: 120 mentions of <Acme> in an hour",
        "summary": "120 mentions where 12 were expected & rising",
        "topic": "Acme",
        "opened_at": "2025-03-04T09:30:00Z",
        "updated_at": "2025-03-04T09:35:00Z",
        "mentions": 120,
        "expected": 12.0,
    }
    assert payload["samples"][0] == {
        "id": 1,
        "channel": "mastodon",
        "author": "jan",
        "text": HOSTILE,  # JSON consumers get the text as it was; escaping is theirs
        "url": "javascript:alert(1)",
        "published_at": "2025-03-04T09:30:00Z",
    }
    assert payload["steps"] == ["Check the outage page", "Post a holding statement"]
    assert json_payload(message(update=True))["event"] == "alert.updated"


def test_slack_payload_escapes_control_characters_everywhere() -> None:
    payload = slack_payload(message())
    raw = orjson.dumps(payload).decode()
    assert "<!channel>" not in raw and "<script>" not in raw and "<Acme>" not in raw
    assert "javascript:" not in raw
    assert payload["text"] == "[luister] critical: Spike: 120 mentions of &lt;Acme&gt; in an hour"
    texts = [b["text"]["text"] for b in payload["blocks"] if b["type"] == "section" and "text" in b]
    sample = next(t for t in texts if "mastodon" in t)
    assert "&gt; &lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt;" in sample
    assert "<https://news.example/a?b=1&amp;c=2|open>" in raw
    assert "<https://luister.example/alerts/42|Open in luister>" in raw
    assert payload["blocks"][-1]["type"] == "context"
    assert slack_payload(message(update=True))["blocks"][0]["text"]["text"].startswith(
        ":rotating_light: *Update*"
    )


def test_slack_escape_and_links() -> None:
    assert slack_escape("a & b < c > d") == "a &amp; b &lt; c &gt; d"
    from luister.alerts.channels.webhook_formats import slack_link

    assert slack_link("https://x.example/a|b>c", "<x>") == "<https://x.example/a%7Cb%3Ec|&lt;x&gt;>"


def test_teams_payload_is_an_adaptive_card_with_plain_text_runs() -> None:
    payload = teams_payload(message())
    assert payload["type"] == "message"
    attachment = payload["attachments"][0]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    runs = [
        inline
        for block in card["body"]
        for item in ([block] if block["type"] != "Container" else block["items"])
        if item["type"] == "RichTextBlock"
        for inline in item["inlines"]
    ]
    assert all(run["type"] == "TextRun" for run in runs)
    assert any(run["text"] == HOSTILE for run in runs)  # a TextRun is never rendered as markdown
    raw = orjson.dumps(payload).decode()
    assert "javascript:" not in raw
    assert card["actions"] == [
        {"type": "Action.OpenUrl", "title": "Open in luister", "url": "https://luister.example/alerts/42"}
    ]
    update = teams_payload(message(update=True))["attachments"][0]["content"]
    assert update["body"][0]["text"] == "UPDATE · CRITICAL"


def test_webhook_signature_is_hmac_of_timestamp_and_body() -> None:
    channel = WebhookChannel(WebhookOptions(url="https://hooks.example/x", secret="s3cret"))
    body, headers = channel.request(message(), timestamp=1700000000)
    expected = hmac.new(b"s3cret", b"1700000000." + body, hashlib.sha256).hexdigest()
    assert headers["X-Luister-Timestamp"] == "1700000000"
    assert headers["X-Luister-Signature"] == f"sha256={expected}"
    assert headers["X-Luister-Event"] == "alert.opened" and headers["X-Luister-Alert"] == "42"
    unsigned = WebhookChannel({"url": "https://hooks.example/x"}).request(message())[1]
    assert "X-Luister-Signature" not in unsigned


@pytest.mark.parametrize("url", ["ftp://x.example/", "hooks.example/x", "https:///nohost"])
def test_webhook_url_must_be_http(url: str) -> None:
    with pytest.raises(ValidationError, match="http"):
        WebhookOptions(url=url)


def test_secrets_and_webhook_paths_are_masked() -> None:
    shown = masked_options(
        {
            "url": "https://hooks.slack.com/services/T0/B0/XXXXSECRET",
            "secret": "abcdefghijkl",
            "format": "slack",
        }
    )
    assert shown == {"url": "https://hooks.slack.com/***", "secret": "***kl", "format": "slack"}
    assert masked_options({"password": "hunter2hunter2", "host": "smtp"}) == {
        "password": "***r2",
        "host": "smtp",
    }
    assert where("https://user:pw@hooks.example/path?x=1") == "https://hooks.example/…"


def test_retry_delay_doubles_with_jitter_and_is_capped() -> None:
    assert retry_delay(1, rng=lambda: 0.0) == timedelta(seconds=15)
    assert retry_delay(1, rng=lambda: 1.0) == timedelta(seconds=30)
    assert retry_delay(3, rng=lambda: 1.0) == timedelta(seconds=120)
    assert retry_delay(30, rng=lambda: 1.0) == timedelta(hours=1)
