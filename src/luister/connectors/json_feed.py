"""JSON Feed (https://jsonfeed.org, versions 1 and 1.1) read into the shape feedparser gives RSS and Atom
entries, so one mapper serves all three. feedparser 6 does not read JSON Feed itself."""

from __future__ import annotations

from typing import Any

import orjson

from luister.connectors.common import as_dict, as_text

_VERSION_PREFIX = "https://jsonfeed.org/version/"


def parse_json_feed(body: bytes) -> tuple[dict[str, str | None], list[dict[str, Any]]] | None:
    """The feed's title and link and its items as feedparser-style entries; ``None`` when ``body`` is
    not a JSON Feed."""
    if not body.lstrip()[:1] == b"{":
        return None
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(data, dict) or not str(data.get("version", "")).startswith(_VERSION_PREFIX):
        return None
    feed = {"title": as_text(data.get("title")), "link": as_text(data.get("home_page_url")), "id": None}
    items = data.get("items")
    return feed, [
        _entry(item) for item in (items if isinstance(items, list) else []) if isinstance(item, dict)
    ]


def _entry(item: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": as_text(item.get("id")), "title": as_text(item.get("title"))}
    if link := as_text(item.get("url")) or as_text(item.get("external_url")):
        entry["link"] = link
    if html := as_text(item.get("content_html")):
        entry["content"] = [{"type": "text/html", "value": html}]
    elif text := as_text(item.get("content_text")):
        entry["content"] = [{"type": "text/plain", "value": text}]
    if summary := as_text(item.get("summary")):
        entry["summary"] = summary
    if published := as_text(item.get("date_published")):
        entry["published"] = published
    if updated := as_text(item.get("date_modified")):
        entry["updated"] = updated
    authors = item.get("authors") or ([item["author"]] if isinstance(item.get("author"), dict) else [])
    if isinstance(authors, list) and authors:
        author = as_dict(authors[0])
        entry["author_detail"] = {"name": as_text(author.get("name")), "href": as_text(author.get("url"))}
    if image := as_text(item.get("image")):
        entry["image"] = image
    return {key: value for key, value in entry.items() if value is not None}
