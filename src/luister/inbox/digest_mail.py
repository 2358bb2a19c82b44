"""A digest as an e-mail (plain text and HTML, Dutch or English by the recipient's language) and its
in-app notification text. Only the message is made here: sending goes through the effects ledger (every
outbound action exactly once), never from this module.

The texts live here rather than in the web catalogue: mail and notifications are made below the edges,
which the inbox may not import."""

from __future__ import annotations

from datetime import datetime, timedelta
from email.message import EmailMessage
from html import escape
from zoneinfo import ZoneInfo

from luister.inbox.digest_read import DigestDetail, ItemRead

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "subject": "Digest {department}: {start} – {end}",
        "intro": "What customers said to {department} from {start} to {end}, grouped into themes.",
        "complaint": "Complaints",
        "idea": "Product ideas",
        "question": "Questions",
        "other": "everything else",
        "mentions": "{count} mentions (previous period: {previous}, {trend})",
        "nothing": "Nothing this period.",
        "decided": "Decision: {decision} — {outcome}",
        "taken_up": "taken up",
        "declined": "declined",
        "open": "Open the digest to decide: {url}",
        "notification": "Digest of {department} for {start} – {end}: {count} themes (digest #{id})",
    },
    "nl": {
        "subject": "Overzicht {department}: {start} – {end}",
        "intro": "Wat klanten van {start} tot {end} aan {department} lieten weten, gegroepeerd in thema's.",
        "complaint": "Klachten",
        "idea": "Productideeën",
        "question": "Vragen",
        "other": "overige",
        "mentions": "{count} vermeldingen (vorige periode: {previous}, {trend})",
        "nothing": "Niets deze periode.",
        "decided": "Besluit: {decision} — {outcome}",
        "taken_up": "opgepakt",
        "declined": "afgewezen",
        "open": "Open het overzicht om te besluiten: {url}",
        "notification": "Overzicht van {department} voor {start} – {end}: {count} thema's (overzicht #{id})",
    },
}
KINDS = ("complaint", "idea", "question")


def _texts(language: str) -> dict[str, str]:
    return TEXTS.get(language, TEXTS["en"])


def days(start: datetime, end: datetime, zone: str) -> tuple[str, str]:
    """The first and the last day of [start, end) in ``zone`` (the end is exclusive)."""
    tz = ZoneInfo(zone)
    last = end - timedelta(microseconds=1)
    return start.astimezone(tz).date().isoformat(), last.astimezone(tz).date().isoformat()


def notification_text(
    language: str, department: str, start: datetime, end: datetime, zone: str, count: int, digest_id: int
) -> str:
    first, last = days(start, end, zone)
    return _texts(language)["notification"].format(
        department=department, start=first, end=last, count=count, id=digest_id
    )


def theme_label(item: ItemRead, language: str) -> str:
    return item.theme or _texts(language)["other"]


def _trend(item: ItemRead) -> str:
    return f"{item.trend:+d}" if item.trend else "±0"


def render_digest_email(
    detail: DigestDetail, *, language: str, recipient: str, sender: str, base_url: str
) -> EmailMessage:
    """The digest for ``recipient`` in ``language`` (``nl``, else English), with a plain-text part and an
    HTML alternative; links to the digest page and to each example's conversation on ``base_url``."""
    subject, text, html = digest_parts(detail, language=language, base_url=base_url)
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = sender
    message["To"] = recipient
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return message


def digest_parts(detail: DigestDetail, *, language: str, base_url: str) -> tuple[str, str, str]:
    """The digest's subject, plain text and HTML document in ``language`` (what the mail lane sends)."""
    t = _texts(language)
    d = detail.digest
    name = d.department_name(language)
    values = {"department": name, "start": d.first_day().isoformat(), "end": d.last_day().isoformat()}
    url = f"{base_url.rstrip('/')}/inbox/digests/{d.id}"
    lines = [t["intro"].format(**values), ""]
    html = [f"<p>{escape(t['intro'].format(**values))}</p>"]
    for kind in KINDS:
        items = [i for i in detail.items if i.kind == kind]
        lines += [t[kind], "=" * len(t[kind])]
        html.append(f"<h2>{escape(t[kind])}</h2>")
        if not items:
            lines += [t["nothing"], ""]
            html.append(f"<p>{escape(t['nothing'])}</p>")
            continue
        html.append("<ul>")
        for item in items:
            counted = t["mentions"].format(count=item.count, previous=item.previous_count, trend=_trend(item))
            lines.append(f"- {theme_label(item, language)}: {counted}")
            html.append(f"<li><strong>{escape(theme_label(item, language))}</strong>: {escape(counted)}")
            if item.decision:
                decided = t["decided"].format(decision=t[item.decision], outcome=item.outcome or "")
                lines.append(f"  {decided}")
                html.append(f"<br><em>{escape(decided)}</em>")
            html.append("<ul>")
            for example in item.examples:
                link = (
                    f"{base_url.rstrip('/')}/inbox/{example.conversation_id}"
                    if example.conversation_id
                    else example.url or ""
                )
                quote = " ".join(example.text.split())[:200]
                lines.append(f"  > {quote} ({link})")
                html.append(f'<li>“{escape(quote)}” <a href="{escape(link)}">{escape(link)}</a></li>')
            html.append("</ul></li>")
        html.append("</ul>")
        lines.append("")
    lines.append(t["open"].format(url=url))
    html.append(f'<p><a href="{escape(url)}">{escape(t["open"].format(url=url))}</a></p>')
    body = "\n".join(html)
    document = f'<!doctype html><html lang="{"nl" if language == "nl" else "en"}"><body>{body}</body></html>'
    return t["subject"].format(**values), "\n".join(lines) + "\n", document
