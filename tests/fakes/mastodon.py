"""A fake Mastodon instance: statuses, accounts, search with remote resolution, idempotency keys.

Speaks the documented API (docs.joinmastodon.org) as far as replies need it: ``GET /api/v2/instance``,
``GET /api/v1/accounts/verify_credentials``, ``GET /api/v2/search`` (``resolve=true`` fetches a status of
another instance and gives it a local id), ``POST /api/v1/statuses`` (``Idempotency-Key`` kept one hour per
account, the instance's character limit, ``in_reply_to_id`` must exist here), ``GET /api/v1/statuses/:id``
and ``GET /api/v1/accounts/:id/statuses``. Errors are ``{"error": "..."}``; every response carries
``X-RateLimit-Limit/Remaining/Reset`` (an ISO time) of its bucket: posting (``status_limit`` per three
hours per account) or everything else.
"""

from __future__ import annotations

import html
import itertools
import re
import secrets
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import regex
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from fakes.base import FakePlatform, Fault

_URL = re.compile(r"https?://[^\s<>\"]+[^\s<>\".,;:!?)'\]]")
_MENTION = re.compile(r"(?<![\w/@])@([a-z0-9_]+)(?:@([a-z0-9.-]+[a-z0-9]))?", re.I)
_POST_WINDOW = 3 * 3600
_GENERAL_WINDOW = 300


def _iso(moment: float) -> str:
    return datetime.fromtimestamp(moment, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class FakeMastodon(FakePlatform):
    def __init__(self, *, max_characters: int = 500, status_limit: int = 300,
                 general_limit: int = 100_000) -> None:  # fmt: skip
        self.max_characters = max_characters
        self.status_limit = status_limit
        self.general_limit = general_limit
        self.offset = 0.0  # seconds added to the clock (advance())
        self.accounts: dict[str, dict[str, Any]] = {}  # id → account
        self.tokens: dict[str, str] = {}  # token → account id
        self.statuses: dict[str, dict[str, Any]] = {}  # id → status entity
        self.texts: dict[str, str] = {}  # id → the text as posted
        self.remote: dict[str, dict[str, Any]] = {}  # uri → a status on another instance
        self.origin_ids: dict[str, str] = {}  # local id of a resolved remote status → its id over there
        self.keys: dict[tuple[str, str], tuple[str, float]] = {}  # (account, key) → (status id, when)
        self.buckets: dict[tuple[str, str], tuple[int, float]] = {}  # (account, bucket) → (used, since)
        self._ids = itertools.count(110_000_000_000_000_000)
        super().__init__()

    def rules(self) -> list[Rule]:
        return [
            Rule("/api/v2/instance", endpoint="instance", methods=["GET"]),
            Rule("/api/v1/accounts/verify_credentials", endpoint="verify", methods=["GET"]),
            Rule("/api/v2/search", endpoint="search", methods=["GET"]),
            Rule("/api/v1/statuses", endpoint="post_status", methods=["POST"]),
            Rule("/api/v1/statuses/<sid>", endpoint="get_status", methods=["GET"]),
            Rule("/api/v1/accounts/<aid>/statuses", endpoint="account_statuses", methods=["GET"]),
        ]

    # -- test helpers -----------------------------------------------------------------------------
    def now(self) -> float:
        return time.time() + self.offset

    def advance(self, seconds: float) -> None:
        with self.lock:
            self.offset += seconds

    @property
    def domain(self) -> str:
        return urlsplit(self.url).netloc

    def add_account(self, username: str, token: str | None = None) -> tuple[dict[str, Any], str]:
        """A local account and a token for it."""
        with self.lock:
            account = self._account(username)
            token = token or secrets.token_urlsafe(16)
            self.tokens[token] = account["id"]
            return account, token

    def seed(self, text: str, *, username: str = "alice", visibility: str = "public") -> dict[str, Any]:
        """A status of a local account, as this instance's API shows it."""
        with self.lock:
            return self._store(self._account(username), text, in_reply_to=None, visibility=visibility)

    def seed_remote(self, text: str, *, domain: str = "other.example", username: str = "bob",
                    visibility: str = "public") -> dict[str, Any]:  # fmt: skip
        """A status on another instance, as *that* instance's API shows it (its own id; the account
        local to it): what a listener reading that instance stores raw."""
        with self.lock:
            number = str(next(self._ids) + 7_000_000)
            status = {
                "id": number,
                "created_at": _iso(self.now()),
                "uri": f"https://{domain}/users/{username}/statuses/{number}",
                "url": f"https://{domain}/@{username}/{number}",
                "visibility": visibility,
                "content": f"<p>{html.escape(text)}</p>",
                "in_reply_to_id": None,
                "reblog": None,
                "account": {
                    "id": "1",
                    "username": username,
                    "acct": username,
                    "url": f"https://{domain}/@{username}",
                },  # fmt: skip
            }
            self.remote[status["uri"]] = status
            return dict(status)

    def delete(self, status_id: str) -> None:
        with self.lock:
            self.statuses.pop(status_id, None)

    def replies_to(self, external_id: str) -> list[dict[str, Any]]:
        """Statuses answering ``external_id``: a local id, a status's ``uri``, or the id another
        instance gave a status resolved here."""
        with self.lock:
            parents = {external_id}
            parents |= {sid for sid, s in self.statuses.items() if s["uri"] == external_id}
            parents |= {sid for sid, origin in self.origin_ids.items() if origin == external_id}
            return [dict(s) for s in self.statuses.values() if s["in_reply_to_id"] in parents]

    def text_of(self, status_id: str) -> str:
        with self.lock:
            return self.texts[status_id]

    # -- the API ----------------------------------------------------------------------------------
    def instance(self, request: Request) -> Response:
        return self._answer(request, None, {
            "domain": self.domain, "title": "Fake Mastodon", "version": "4.3.0",
            "configuration": {"statuses": {"max_characters": self.max_characters,
                                           "max_media_attachments": 4, "characters_reserved_per_url": 23}},
        })  # fmt: skip

    def verify(self, request: Request) -> Response:
        account = self._auth(request)
        if account is None:
            return self._unauthorized(request)
        return self._answer(request, account, self.accounts[account])

    def search(self, request: Request) -> Response:
        account = self._auth(request)
        resolve = request.args.get("resolve") == "true"
        if resolve and account is None:
            return self._unauthorized(request)
        q = request.args.get("q", "")
        with self.lock:
            found = [s for s in self.statuses.values() if s["uri"] == q or s["url"] == q]
            if not found and resolve and q in self.remote:
                found = [self._resolve(self.remote[q])]
        return self._answer(request, account, {"accounts": [], "hashtags": [], "statuses": found[:1]})

    def post_status(self, request: Request) -> Response:
        account = self._auth(request)
        if account is None:
            return self._unauthorized(request)
        fault = self.write_fault()
        refused = self._refused(request, account, fault)
        if refused is not None:
            return refused
        response = self._accept(request, account, self.body(request) or {})
        return self.after_accept(fault, response) if response.status_code == 200 else response

    def _accept(self, request: Request, account: str, body: dict[str, Any]) -> Response:
        key = request.headers.get("Idempotency-Key")
        with self.lock:  # the key's check and the store are one step: two racing posts make one status
            sid, when = self.keys.get((account, key or ""), ("", 0.0))
            known = self.statuses.get(sid) if self.now() - when < 3600 else None
            if known is not None:  # the same key within the hour: the status it made, nothing new
                return self._answer(request, account, known, "post")
            self._use(account, "post")
            parent = body.get("in_reply_to_id")
            if parent is not None and str(parent) not in self.statuses:
                return self._answer(request, account, {"error": "Record not found"}, "post", status=404)
            text = str(body.get("status") or "")
            if not text.strip():
                return self._invalid(request, account, "Validation failed: Text can't be blank")
            if self._length(text) > self.max_characters:
                limit = f"Validation failed: Text character limit of {self.max_characters} exceeded"
                return self._invalid(request, account, limit)
            visibility = str(body.get("visibility") or "public")
            status = self._store(self.accounts[account], text, in_reply_to=parent, visibility=visibility,
                                 language=body.get("language"))  # fmt: skip
            if key:
                self.keys[(account, key)] = (status["id"], self.now())
            return self._answer(request, account, status, "post")

    def get_status(self, request: Request, sid: str) -> Response:
        account = self._auth(request)
        with self.lock:
            status = self.statuses.get(sid)
        if status is None:
            return self._answer(request, account, {"error": "Record not found"}, status=404)
        return self._answer(request, account, status)

    def account_statuses(self, request: Request, aid: str) -> Response:
        account = self._auth(request)
        limit = min(40, int(request.args.get("limit", "20")))
        max_id = request.args.get("max_id")
        with self.lock:
            own = [s for s in self.statuses.values() if s["account"]["id"] == aid]
        own.sort(key=lambda s: int(s["id"]), reverse=True)
        if max_id:
            own = [s for s in own if int(s["id"]) < int(max_id)]
        return self._answer(request, account, own[:limit])

    def rate_limited(self, fault: Fault) -> Response:
        reset = _iso(self.now() + 600)
        headers = {"X-RateLimit-Limit": str(self.status_limit), "X-RateLimit-Remaining": "0",
                   "X-RateLimit-Reset": reset, **fault.headers}  # fmt: skip
        return self.json({"error": "Too many requests"}, status=429, headers=headers)

    # -- inside -----------------------------------------------------------------------------------
    def _auth(self, request: Request) -> str | None:
        header = request.headers.get("Authorization", "")
        token = header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""
        with self.lock:
            return self.tokens.get(token)

    def _unauthorized(self, request: Request) -> Response:
        return self._answer(request, None, {"error": "The access token is invalid"}, status=401)

    def _invalid(self, request: Request, account: str, message: str) -> Response:
        return self._answer(request, account, {"error": message}, "post", status=422)

    def _refused(self, request: Request, account: str, fault: Fault | None) -> Response | None:
        with self.lock:
            used, since = self._bucket(account, "post")
            if used >= self.status_limit:
                reset = {"X-RateLimit-Limit": str(self.status_limit), "X-RateLimit-Remaining": "0",
                         "X-RateLimit-Reset": _iso(since + _POST_WINDOW)}  # fmt: skip
                return self.json({"error": "Too many requests"}, status=429, headers=reset)
        return self.refusal(fault)

    def _bucket(self, account: str, bucket: str) -> tuple[int, float]:
        window = _POST_WINDOW if bucket == "post" else _GENERAL_WINDOW
        used, since = self.buckets.get((account, bucket), (0, self.now()))
        if self.now() - since >= window:
            used, since = 0, self.now()
        self.buckets[(account, bucket)] = (used, since)
        return used, since

    def _use(self, account: str, bucket: str) -> None:
        used, since = self._bucket(account, bucket)
        self.buckets[(account, bucket)] = (used + 1, since)

    def _answer(self, request: Request, account: str | None, body: Any, bucket: str = "general",
                *, status: int = 200) -> Response:  # fmt: skip
        headers: dict[str, str] = {}
        if account is not None:
            with self.lock:
                if bucket == "general":
                    self._use(account, bucket)
                used, since = self._bucket(account, bucket)
            limit = self.status_limit if bucket == "post" else self.general_limit
            window = _POST_WINDOW if bucket == "post" else _GENERAL_WINDOW
            headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(max(0, limit - used)),
                       "X-RateLimit-Reset": _iso(since + window)}  # fmt: skip
        return self.json(body, status=status, headers=headers)

    def _account(self, username: str) -> dict[str, Any]:
        for account in self.accounts.values():
            if account["username"] == username:
                return account
        aid = str(len(self.accounts) + 1)
        account = {"id": aid, "username": username, "acct": username, "display_name": username.title(),
                   "url": f"{self.url}/@{username}", "followers_count": 0}  # fmt: skip
        self.accounts[aid] = account
        return account

    def _store(self, account: dict[str, Any], text: str, *, in_reply_to: Any, visibility: str,
               language: Any = None) -> dict[str, Any]:  # fmt: skip
        sid = str(next(self._ids))
        parent = self.statuses.get(str(in_reply_to)) if in_reply_to is not None else None
        status = {
            "id": sid,
            "created_at": _iso(self.now()),
            "in_reply_to_id": str(in_reply_to) if in_reply_to is not None else None,
            "in_reply_to_account_id": parent["account"]["id"] if parent else None,
            "sensitive": False, "spoiler_text": "", "visibility": visibility,
            "language": language if isinstance(language, str) else None,
            "uri": f"{self.url}/users/{account['username']}/statuses/{sid}",
            "url": f"{self.url}/@{account['username']}/{sid}",
            "replies_count": 0, "reblogs_count": 0, "favourites_count": 0,
            "content": self._html(text), "reblog": None, "account": dict(account),
            "media_attachments": [], "tags": [], "emojis": [], "card": None, "poll": None,
            "mentions": [{"username": m.group(1), "acct": m.group(0)[1:]} for m in _MENTION.finditer(text)],
        }  # fmt: skip
        self.statuses[sid] = status
        self.texts[sid] = text
        return status

    def _resolve(self, remote: dict[str, Any]) -> dict[str, Any]:
        """A remote status fetched over ActivityPub: a local copy with a local id, its uri kept."""
        domain = urlsplit(remote["uri"]).netloc
        account = self._account(f"{remote['account']['username']}@{domain}")
        account["acct"], account["url"] = account["username"], remote["account"]["url"]
        local = self._store(account, html.unescape(re.sub("<[^>]+>", "", remote["content"])),
                            in_reply_to=None, visibility=remote["visibility"])  # fmt: skip
        local["uri"], local["url"], local["content"] = remote["uri"], remote["url"], remote["content"]
        self.origin_ids[local["id"]] = remote["id"]
        return local

    def _length(self, text: str) -> int:
        countable = _MENTION.sub(lambda m: "@" + m.group(1), _URL.sub("x" * 23, text))
        return len(regex.findall(r"\X", countable))

    def _html(self, text: str) -> str:
        def piece(chunk: str) -> str:
            out, last = [], 0
            for match in re.finditer(f"{_URL.pattern}|{_MENTION.pattern}", chunk, re.I):
                out.append(html.escape(chunk[last : match.start()]))
                token = match.group(0)
                if token.startswith("@"):
                    name = token[1:].split("@")[0]
                    name = html.escape(name)
                    out.append(f'<span class="h-card"><a href="{html.escape(self.url)}/@{name}" '
                               f'class="u-url mention">@<span>{name}</span></a></span>')  # fmt: skip
                else:
                    scheme, _, rest = token.partition("://")
                    out.append(f'<a href="{html.escape(token)}" rel="nofollow noopener" target="_blank">'
                               f'<span class="invisible">{scheme}://</span><span class="ellipsis">'
                               f'{html.escape(rest[:30])}</span><span class="invisible">'
                               f"{html.escape(rest[30:])}</span></a>")  # fmt: skip
                last = match.end()
            out.append(html.escape(chunk[last:]))
            return "".join(out).replace("\n", "<br />")

        return "".join(f"<p>{piece(part)}</p>" for part in re.split(r"\n{2,}", text.strip()))
