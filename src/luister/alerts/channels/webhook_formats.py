"""Payload builders for the webhook channel (pure): luister's JSON, Slack blocks, a Teams Adaptive Card."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from luister.alerts.channels.base import headline, is_web_link, one_line
from luister.alerts.model import AlertMessage, SampleMention

PAYLOAD_VERSION = 1
SAMPLE_CHARS = 500  # a sample is a sample: long posts are cut in chat formats


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _cut(text: str, limit: int = SAMPLE_CHARS) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def json_payload(message: AlertMessage) -> dict[str, Any]:
    """luister's own stable payload (documented in ``luister.alerts.channels.webhook``)."""
    return {
        "version": PAYLOAD_VERSION,
        "event": "alert.updated" if message.update else "alert.opened",
        "alert": {
            "id": message.alert_id,
            "rule": message.rule,
            "kind": message.kind.value,
            "severity": message.severity.value,
            "status": message.status.value,
            "title": message.title,
            "summary": message.summary,
            "topic": message.topic,
            "opened_at": _iso(message.opened_at),
            "updated_at": _iso(message.updated_at),
            "mentions": message.mentions,
            "expected": message.expected,
        },
        "samples": [
            {
                "id": s.id,
                "channel": s.channel,
                "author": s.author,
                "text": s.text,
                "url": s.url,
                "published_at": _iso(s.published_at),
            }
            for s in message.samples
        ],
        "steps": list(message.steps),
        "links": dict(message.links),
    }


# --- Slack ------------------------------------------------------------------------------------------

_SLACK_ICONS = {"critical": ":rotating_light:", "warning": ":warning:", "info": ":information_source:"}


def slack_escape(text: str) -> str:
    """The three control characters Slack asks to escape; the rest of mrkdwn stays as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_link(url: str, label: str) -> str:
    """``<url|label>`` with characters that would end the link percent-encoded."""
    safe = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")
    return f"<{safe}|{slack_escape(label)}>"


def _slack_sample(sample: SampleMention) -> dict[str, Any]:
    who = f"*{slack_escape(one_line(sample.author, 80))}* on " if sample.author else ""
    head = f"{who}{slack_escape(sample.channel)} · {sample.published_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
    if is_web_link(sample.url):
        head += " · " + slack_link(str(sample.url), "open")
    quoted = "\n".join(f"&gt; {slack_escape(line)}" for line in _cut(sample.text).splitlines() or [""])
    # Slack quotes with a leading ">" typed literally; the escaped "&gt; " renders as one too
    return {"type": "section", "text": {"type": "mrkdwn", "text": f"{head}\n{quoted}"}}


def slack_payload(message: AlertMessage) -> dict[str, Any]:
    """A Slack incoming-webhook message: ``text`` for notifications, ``blocks`` for the message."""
    icon = _SLACK_ICONS.get(message.severity.value, "")
    title = slack_escape(one_line(message.title, 300))
    fields = [f"*Severity*\n{message.severity.value}", f"*Mentions*\n{message.mentions:,}"]
    if message.expected is not None:
        fields.append(f"*Expected*\n{message.expected:,.1f}")
    if message.topic:
        fields.append(f"*Topic*\n{slack_escape(one_line(message.topic, 100))}")
    fields.append(f"*Rule*\n{slack_escape(one_line(message.rule, 100))}")
    update = "*Update* · " if message.update else ""
    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"{icon} {update}*{title}*\n{slack_escape(_cut(message.summary, 2000))}",
            },
        },
        {"type": "section", "fields": [{"type": "mrkdwn", "text": f} for f in fields]},
    ]
    if message.samples:
        blocks.append({"type": "divider"})
        blocks += [_slack_sample(sample) for sample in message.samples[:10]]
    if message.steps:
        steps = "\n".join(
            f"{n}. {slack_escape(one_line(s, 200))}" for n, s in enumerate(message.steps[:10], 1)
        )
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": f"*First steps*\n{steps}"}})
    links = [slack_link(url, label) for label, url in message.links.items() if is_web_link(url)]
    context = [
        f"luister alert {message.alert_id}",
        f"opened {message.opened_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC",
    ]
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(context + links)}]})
    return {"text": slack_escape(f"[luister] {headline(message)}"), "blocks": blocks}


# --- Microsoft Teams ----------------------------------------------------------------------------------

_TEAMS_COLOURS = {"critical": "Attention", "warning": "Warning", "info": "Accent"}


def _run(text: str, **style: Any) -> dict[str, Any]:
    """A TextRun: Teams shows its text as typed, without markdown, which is what hostile text needs."""
    return {"type": "TextRun", "text": text, **style}


def _rich(*inlines: dict[str, Any], **style: Any) -> dict[str, Any]:
    return {"type": "RichTextBlock", "inlines": [i for i in inlines if i["text"]], **style}


def _teams_sample(sample: SampleMention) -> dict[str, Any]:
    who = f"{one_line(sample.author, 80)} on {sample.channel}" if sample.author else sample.channel
    head = [_run(who, weight="Bolder"), _run(f" · {sample.published_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC")]
    if is_web_link(sample.url):
        head += [_run(" · "), _run("open", selectAction={"type": "Action.OpenUrl", "url": sample.url})]
    return {
        "type": "Container",
        "separator": True,
        "items": [_rich(*head, isSubtle=True), _rich(_run(_cut(sample.text), italic=True))],
    }


def teams_payload(message: AlertMessage) -> dict[str, Any]:
    """A Teams incoming-webhook message: one Adaptive Card (1.4) as an attachment."""
    facts = [
        {"title": "Severity", "value": message.severity.value},
        {"title": "Status", "value": message.status.value},
        {"title": "Mentions", "value": f"{message.mentions:,}"},
    ]
    if message.expected is not None:
        facts.append({"title": "Expected", "value": f"{message.expected:,.1f}"})
    facts.append({"title": "Opened", "value": f"{message.opened_at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"})
    label = f"{'UPDATE · ' if message.update else ''}{message.severity.value.upper()}"
    body: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": label,
            "weight": "Bolder",
            "color": _TEAMS_COLOURS.get(message.severity.value, "Default"),
        },
        _rich(_run(one_line(message.title, 300), size="Large", weight="Bolder")),
        _rich(_run(_cut(message.summary, 2000))),
        {"type": "FactSet", "facts": facts},
        _rich(
            _run("Rule: ", weight="Bolder"),
            _run(message.rule),
            _run("  ·  Topic: " if message.topic else "", weight="Bolder"),
            _run(message.topic or ""),
        ),
    ]
    body += [_teams_sample(sample) for sample in message.samples[:10]]
    if message.steps:
        steps = [_run(f"{n}. {one_line(s, 200)}\n") for n, s in enumerate(message.steps[:10], 1)]
        body += [_rich(_run("First steps", weight="Bolder"), separator=True), _rich(*steps)]
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "msteams": {"width": "Full"},
        "body": body,
    }
    actions = [
        {"type": "Action.OpenUrl", "title": label_, "url": url}
        for label_, url in message.links.items()
        if is_web_link(url)
    ]
    if actions:
        card["actions"] = actions
    return {
        "type": "message",
        "attachments": [
            {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
        ],
    }
