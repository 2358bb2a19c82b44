"""Reddit posts and comments through Reddit's JSON listings: public, or with an app's OAuth credentials.

``/search.json?q=…&sort=new`` (or ``/r/<sub>/search.json`` with ``restrict_sr=1``) for a query,
``/r/<sub>/new.json`` or ``/r/<sub>/comments.json`` for everything in a subreddit. Each child of a
listing (``{"kind": "t3"|"t1", "data": {...}}``) is kept raw as the JSON Reddit sent.

With ``client_id`` and ``client_secret`` (a "script" or "web app" at reddit.com/prefs/apps) the same
listings are read from ``https://oauth.reddit.com`` (``/search``, ``/r/<sub>/new`` …) with
``Authorization: bearer <token>``: application-only OAuth, Reddit's documented flow for apps that read
without a user. The token comes from ``POST https://www.reddit.com/api/v1/access_token`` (HTTP Basic
``client_id:client_secret``, ``grant_type=client_credentials``), is kept in memory only and reused until
it expires (``expires_in``, a day), and is fetched again when Reddit answers 401. Reddit asks for a
descriptive User-Agent (``<platform>:<app id>:<version> (by /u/<name>)``): see ``user_agent``.

Paging and the cursor. Listings are newest first and paged with ``after=<fullname>``. The saved cursor is
``{"newest": <fullname>, "newest_utc": <created_utc>}`` of the newest item stored; a run pages until it
reaches that item (or anything older), then saves its own newest. Until it gets there each page's cursor
keeps the old boundary plus ``"pending": {"after", "newest", "newest_utc"}``, so a restart, or the next
run after ``max_pages``, resumes paging from the same ``after`` without loss. Items with the boundary's
own ``created_utc`` but another fullname are kept (the store drops any it already has). A first run (no
cursor) takes at most ``max_pages`` pages and does not backfill.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any, ClassVar, Self

import orjson
from pydantic import BaseModel, Field, SecretStr, model_validator

from luister.connectors.base import Capability, Health, Page
from luister.connectors.common import PROBE_TERMS, TOPICS_DESCRIPTION, HttpConnector, TopicNames, as_count
from luister.connectors.reddit_reply import RedditReplier, RedditVoice
from luister.domain.errors import MappingError
from luister.domain.ingest import RawItem
from luister.domain.mentions import Mention, new_mention
from luister.net.http import FetchError, FetchResponse, SafeHttp
from luister.net.oauth import TOKENS, ClientCredentials, TokenCache

PERMALINK_BASE = "https://www.reddit.com"


class RedditOptions(BaseModel):
    query: str | None = Field(default=None, description="Search terms (Reddit search syntax); sort=new.")
    subreddit: str | None = Field(
        default=None, description="A subreddit name without r/: restricts the query, or alone lists it."
    )
    comments: bool = Field(
        default=False, description="With subreddit and no query: list its newest comments instead of posts."
    )
    topics: TopicNames = Field(default=None, description=TOPICS_DESCRIPTION)
    client_id: SecretStr | None = Field(
        default=None,
        description="OAuth app id (reddit.com/prefs/apps, type script or web app): with client_secret, "
        "reads through oauth.reddit.com with an app-only bearer token (fetched once, reused until it "
        "expires, renewed on 401). Shown masked.",
    )
    client_secret: SecretStr | None = Field(
        default=None, description="The OAuth app's secret; never logged, shown masked. Needs client_id."
    )
    user_agent: str | None = Field(
        default=None,
        description="User-Agent Reddit asks apps for, e.g. 'server:luister-acme:1.0 (by /u/acme)' "
        "[default: luister's].",
    )
    api: str = Field(
        default="https://www.reddit.com",
        description="Base URL of Reddit's public JSON API, and of the OAuth token endpoint "
        "(/api/v1/access_token).",
    )
    oauth_api: str = Field(
        default="https://oauth.reddit.com", description="Base URL for requests with an OAuth token."
    )
    limit: int = Field(default=100, ge=1, le=100, description="Items asked for per request (≤ 100).")
    max_pages: int = Field(default=10, ge=1, le=100, description="At most this many requests per run.")
    channel: str = Field(default="reddit", description="Channel for the mentions.")

    @model_validator(mode="after")
    def _something_to_list(self) -> Self:
        if not self.query and not self.subreddit and not self.topics:
            raise ValueError("give a query, a subreddit, topics, or a combination")
        if (self.client_id is None) != (self.client_secret is None):
            raise ValueError("give client_id and client_secret together")
        if self.subreddit:
            self.subreddit = self.subreddit.strip().removeprefix("/").removeprefix("r/").strip("/")
        return self


class RedditConnector(HttpConnector):
    """Reddit posts (and subreddit comments), newest first, from the public JSON listings or, with an
    app's ``client_id`` and ``client_secret``, through OAuth (application-only: the token is fetched once,
    reused until it expires and renewed on 401; the secret is never logged and shown masked).

    Cursor: ``{"newest": "t3_…", "newest_utc": …}``, plus ``"pending"`` while a run is unfinished.
    """

    options: RedditOptions

    example: ClassVar[str] = (
        'luister sources add reddit-acme reddit -o query="acme widgets"\n'
        "luister sources add r-acme reddit -o subreddit=acme\n"
        "luister sources add r-acme-comments reddit -o subreddit=acme -o comments=true\n"
        "luister sources add reddit-topics reddit -o topics=acme,competitor-x "
        "-o client_id=$REDDIT_CLIENT_ID -o client_secret=$REDDIT_CLIENT_SECRET "
        "-o user_agent='server:luister-acme:1.0 (by /u/acme)'"
    )

    name: ClassVar[str] = "reddit"
    options_model: ClassVar[type[BaseModel]] = RedditOptions
    capabilities: ClassVar[frozenset[Capability]] = frozenset(
        {Capability.read, Capability.search, Capability.reply}
    )
    max_concurrency: ClassVar[int] = 1
    poll_interval: ClassVar[int] = 900

    search_prefix: ClassVar[str | None] = None
    voice_model: ClassVar[type[BaseModel]] = RedditVoice

    @classmethod
    def replier(cls, voice: RedditVoice, *, http: SafeHttp) -> RedditReplier:
        """Comments as ``voice`` (see :mod:`luister.connectors.reddit_reply`)."""
        return RedditReplier(voice, http=http)

    def __init__(
        self, options: RedditOptions, *, http: SafeHttp | None = None, tokens: TokenCache | None = None
    ) -> None:
        super().__init__(options, http=http)
        self._tokens = tokens if tokens is not None else TOKENS

    def own_terms(self) -> str | None:
        """What the source listens to without topics, or ``None``."""
        options = self.options
        where = f" in r/{options.subreddit}" if options.subreddit else ""
        if options.query:
            return f"its query {options.query!r}{where}"
        return f"r/{options.subreddit}" if options.subreddit else None

    async def check_credentials(self) -> Health:
        """One listing request (with a token when app credentials are given): access and shape."""
        try:
            terms = None if self.own_terms() else PROBE_TERMS
            response = await self._get(None, terms=terms, limit=1)
        except FetchError as exc:
            return Health(ok=False, detail=str(exc))
        _, error = parse_listing(response)
        return Health(ok=error is None, detail=error or "listing ok")

    async def fetch(self, query: str | None, cursor: dict[str, Any] | None) -> AsyncIterator[Page]:
        """Pages of items newer than the cursor, newest first; ``query`` (if given) overrides the option."""
        cursor = cursor or {}
        old_name = cursor.get("newest") if isinstance(cursor.get("newest"), str) else None
        old_utc = _number(cursor.get("newest_utc"))
        base = {"newest": old_name, "newest_utc": old_utc} if old_name else {}
        found = cursor.get("pending")
        pending: dict[str, Any] = found if isinstance(found, dict) else {}
        after: str | None = pending.get("after") if isinstance(pending.get("after"), str) else None
        newest: dict[str, Any] = {}
        if after and isinstance(pending.get("newest"), str):
            newest = {"newest": pending["newest"], "newest_utc": _number(pending.get("newest_utc"))}
        for request in range(self.options.max_pages):
            try:
                response = await self._get(after, terms=query)
            except FetchError as exc:
                self._last_error = str(exc)
                raise
            listing, error = parse_listing(response)
            if error:
                self._last_error = error
                keep = {**base, "pending": {"after": after, **newest}} if after else dict(base)
                yield Page(items=[], cursor=keep, errors=[error])
                return
            items: list[RawItem] = []
            errors: list[str] = []
            reached = False
            for number, child in enumerate(listing["children"], start=1):
                item = _raw_item(child, f"page {request + 1} item {number}")
                if item.error:
                    errors.append(f"{item.position}: {item.error}")
                    items.append(item)
                    continue
                name, created = _fullname(child), _number(child["data"]["created_utc"])
                if name == old_name or (old_utc is not None and created is not None and created < old_utc):
                    reached = True  # newest first: the rest is stored already
                    break
                if not newest:
                    newest = {"newest": name, "newest_utc": created}
                items.append(item)
            self._last_error = "; ".join(errors) if errors and len(errors) == len(items) else None
            after = listing.get("after") if isinstance(listing.get("after"), str) else None
            more = not reached and after is not None and bool(listing["children"])
            first_run = not base
            if more and not (first_run and request + 1 == self.options.max_pages):
                yield Page(items, {**base, "pending": {"after": after, **newest}}, errors)
                continue
            yield Page(items=items, cursor=dict(newest or base), errors=errors)
            return

    async def _get(
        self, after: str | None, *, terms: str | None = None, limit: int | None = None
    ) -> FetchResponse:
        options = self.options
        terms = terms or options.query
        params = {"limit": str(limit or options.limit), "raw_json": "1"}
        if terms:
            params |= {"q": terms, "sort": "new"}
            if options.subreddit:
                path = f"/r/{options.subreddit}/search"
                params["restrict_sr"] = "1"
            else:
                path = "/search"
        else:
            path = f"/r/{options.subreddit}/{'comments' if options.comments else 'new'}"
        if after:
            params["after"] = after
        headers = {"User-Agent": options.user_agent} if options.user_agent else {}
        credentials = self._credentials()
        if credentials is None:
            return await self.http.get(
                f"{options.api.rstrip('/')}{path}.json", params=params, headers=headers
            )
        url = f"{options.oauth_api.rstrip('/')}{path}"
        for attempt in range(2):
            token = await self._tokens.token(self.http, credentials, headers=headers, refresh=attempt > 0)
            try:
                return await self.http.get(
                    url, params=params, headers={**headers, "Authorization": f"bearer {token}"}
                )
            except FetchError as exc:
                if exc.status != 401 or attempt:
                    raise  # a 401 with a fresh token: the app lost access
        raise AssertionError("unreachable")  # pragma: no cover

    def _credentials(self) -> ClientCredentials | None:
        options = self.options
        if options.client_id is None or options.client_secret is None:
            return None
        token_url = f"{options.api.rstrip('/')}/api/v1/access_token"
        return ClientCredentials(token_url, options.client_id, options.client_secret)

    def map_item(self, item: RawItem, *, fetched_at: datetime) -> Mention:
        child = item.data
        if not isinstance(child, dict) or not isinstance(child.get("data"), dict):
            raise MappingError("raw", item.error or "not a Reddit listing child")
        data: dict[str, Any] = child["data"]
        permalink = data.get("permalink")
        url = (
            f"{PERMALINK_BASE}{permalink}"
            if isinstance(permalink, str) and permalink.startswith("/")
            else None
        )
        common: dict[str, Any] = {
            "channel": self.options.channel,
            "external_id": _fullname(child),
            "published_at": _number(data.get("created_utc")),
            "fetched_at": fetched_at,
            "raw": item.raw,
            "url": url,
            "author_handle": data.get("author"),
            "like_count": as_count(data.get("score")),
        }
        if child.get("kind") == "t1":
            return new_mention(
                text=data.get("body"),
                title=data.get("link_title"),
                parent_id=data.get("parent_id"),
                thread_id=data.get("link_id"),
                **common,
            )
        text = data.get("selftext") or ("" if data.get("is_self") else data.get("url"))
        return new_mention(
            text=text, title=data.get("title"), reply_count=as_count(data.get("num_comments")), **common
        )


def parse_listing(response: FetchResponse) -> tuple[dict[str, Any], str | None]:
    """A listing's ``data`` (with a ``children`` list), or why the response is not one (never raises)."""
    head = response.content[:1024].lstrip().lower()
    if not head:
        return {}, "empty response body"
    if head.startswith(b"<"):
        content_type = response.headers.get("content-type", "") or "no content type"
        return {}, f"not JSON: got an HTML page ({content_type})"
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError as exc:
        return {}, f"malformed JSON: {exc}"
    data = body.get("data") if isinstance(body, dict) else None
    if not isinstance(data, dict) or not isinstance(data.get("children"), list):
        return {}, "unexpected response shape: not a Listing with data.children"
    return data, None


def _raw_item(child: Any, position: str) -> RawItem:
    raw = orjson.dumps(child).decode()
    if not isinstance(child, dict) or not isinstance(child.get("data"), dict):
        return RawItem(raw=raw, position=position, error="listing child has no data object")
    if child.get("kind") not in ("t1", "t3"):
        return RawItem(raw=raw, position=position, error=f"unsupported kind {child.get('kind')!r}")
    if not _fullname(child):
        return RawItem(raw=raw, position=position, error="item has no name or id")
    if _number(child["data"].get("created_utc")) is None:
        return RawItem(raw=raw, position=position, error="item has no created_utc")
    return RawItem(raw=raw, position=position, data=child)


def _fullname(child: dict[str, Any]) -> str | None:
    data = child.get("data")
    if not isinstance(data, dict):
        return None
    name = data.get("name")
    if isinstance(name, str) and name:
        return name
    ident = data.get("id")
    return f"{child.get('kind')}_{ident}" if isinstance(ident, str) and ident else None


def _number(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    return None


__all__ = ["RedditConnector", "RedditOptions", "parse_listing"]
