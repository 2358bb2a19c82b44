"""A fake Bluesky PDS: sessions, repositories of records keyed by rkey, post views, handle resolution.

Speaks the XRPC methods a reply needs (atproto.com, docs.bsky.app): ``com.atproto.server.createSession``
and ``refreshSession`` (an access token expires: 400 ``ExpiredToken``), ``com.atproto.identity.
resolveHandle``, ``app.bsky.feed.getPosts`` (as the PDS proxies it: ``viewer.replyDisabled`` for a locked
thread), ``com.atproto.repo.createRecord`` (one record per rkey, the 300-grapheme limit, facets within the
text's bytes, strong refs for reply) and ``com.atproto.repo.getRecord`` (400 ``RecordNotFound``). Errors
are ``{"error": "...", "message": "..."}``; every response carries ``RateLimit-Limit/Remaining/Reset``
(epoch seconds) and ``RateLimit-Policy`` of the account's write budget (a create costs 3 points of 5,000
an hour).
"""

from __future__ import annotations

import hashlib
import itertools
import secrets
import time
from typing import Any

import orjson
import regex
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from fakes.base import FakePlatform, Fault

POST = "app.bsky.feed.post"
_TID = "234567abcdefghijklmnopqrstuvwxyz"
_HOUR = 3600
_CREATE_POINTS = 3


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def _cid(value: Any) -> str:
    return "bafyrei" + hashlib.sha256(orjson.dumps(value)).hexdigest()[:52]


class FakeBluesky(FakePlatform):
    def __init__(self, *, points: int = 5000) -> None:
        self.points = points
        self.accounts: dict[str, dict[str, Any]] = {}  # did → {did, handle, password}
        self.access: dict[str, tuple[str, float]] = {}  # access token → (did, expires at)
        self.refresh: dict[str, str] = {}  # refresh token → did (used once)
        self.records: dict[tuple[str, str, str], dict[str, Any]] = {}  # (did, collection, rkey) → record
        self.locked: set[str] = set()  # post uris whose thread takes no replies
        self.budget: dict[str, tuple[int, float]] = {}  # did → (points used, window start)
        self.access_ttl = 7200.0
        self._rkeys = itertools.count(1)
        super().__init__()

    def rules(self) -> list[Rule]:
        methods = {
            "com.atproto.server.createSession": ("create_session", "POST"),
            "com.atproto.server.refreshSession": ("refresh_session", "POST"),
            "com.atproto.identity.resolveHandle": ("resolve_handle", "GET"),
            "app.bsky.feed.getPosts": ("get_posts", "GET"),
            "com.atproto.repo.createRecord": ("create_record", "POST"),
            "com.atproto.repo.getRecord": ("get_record", "GET"),
        }
        return [Rule(f"/xrpc/{nsid}", endpoint=end, methods=[verb]) for nsid, (end, verb) in methods.items()]

    # -- test helpers -----------------------------------------------------------------------------
    def add_account(self, handle: str, password: str = "app-pass-word") -> dict[str, Any]:
        with self.lock:
            for account in self.accounts.values():
                if account["handle"] == handle:
                    return account
            did = "did:plc:" + hashlib.sha256(handle.encode()).hexdigest()[:24]
            self.accounts[did] = {"did": did, "handle": handle, "password": password}
            return self.accounts[did]

    def seed(self, text: str, *, handle: str = "alice.test", reply_to: dict[str, Any] | None = None,
             facets: list[dict[str, Any]] | None = None) -> dict[str, Any]:  # fmt: skip
        """A post by ``handle`` (answering ``reply_to``, a post view), as a post view: what the listener
        stores raw."""
        with self.lock:
            account = self.add_account(handle)
            record: dict[str, Any] = {"$type": POST, "text": text, "createdAt": _now_iso(), "langs": ["nl"]}
            if facets:
                record["facets"] = facets
            if reply_to is not None:
                parent = {"uri": reply_to["uri"], "cid": reply_to["cid"]}
                root = reply_to["record"].get("reply", {}).get("root") or parent
                record["reply"] = {"root": dict(root), "parent": parent}
            stored = self._store(account["did"], POST, self._rkey(), record)
            return self._view(stored)

    def delete(self, uri: str) -> None:
        with self.lock:
            did, collection, rkey = uri.removeprefix("at://").split("/")
            self.records.pop((did, collection, rkey), None)

    def lock_thread(self, uri: str) -> None:
        with self.lock:
            self.locked.add(uri)

    def expire_sessions(self) -> None:
        """Every access token expires now (refresh tokens still work)."""
        with self.lock:
            self.access = {token: (did, 0.0) for token, (did, _) in self.access.items()}

    def revoke_sessions(self) -> None:
        """Every access and refresh token is spent: only a new session works."""
        with self.lock:
            self.access.clear()
            self.refresh.clear()

    def replies_to(self, external_id: str) -> list[dict[str, Any]]:
        """Records answering the post ``external_id`` (its at:// uri), as getRecord shows them."""
        with self.lock:
            return [
                dict(r) for r in self.records.values()
                if r["value"].get("reply", {}).get("parent", {}).get("uri") == external_id
            ]  # fmt: skip

    # -- XRPC -------------------------------------------------------------------------------------
    def create_session(self, request: Request) -> Response:
        body = self.body(request) or {}
        with self.lock:
            match = [a for a in self.accounts.values() if body.get("identifier") in (a["handle"], a["did"])]
            if not match or match[0]["password"] != body.get("password"):
                return self._error(None, 401, "AuthenticationRequired", "Invalid identifier or password")
            return self._answer(match[0]["did"], self._tokens(match[0]))

    def refresh_session(self, request: Request) -> Response:
        token = self._bearer(request)
        with self.lock:
            did = self.refresh.pop(token, None)
            if did is None:
                return self._error(None, 400, "ExpiredToken", "Token has been revoked")
            return self._answer(did, self._tokens(self.accounts[did]))

    def resolve_handle(self, request: Request) -> Response:
        handle = request.args.get("handle", "")
        with self.lock:
            found = [a["did"] for a in self.accounts.values() if a["handle"] == handle]
        if not found:
            return self._error(None, 400, "InvalidRequest", "Unable to resolve handle")
        return self._answer(None, {"did": found[0]})

    def get_posts(self, request: Request) -> Response:
        did, refused = self._session(request)
        if refused is not None:
            return refused
        views = []
        with self.lock:
            for uri in request.args.getlist("uris"):
                parts = uri.removeprefix("at://").split("/")
                stored = self.records.get((parts[0], parts[1], parts[2])) if len(parts) == 3 else None
                if stored is not None:
                    views.append(self._view(stored))
        return self._answer(did, {"posts": views})

    def create_record(self, request: Request) -> Response:
        did, refused = self._session(request)
        if refused is not None:
            return refused
        assert did is not None
        fault = self.write_fault()
        refusal = self.refusal(fault) or self._over_budget(did)
        if refusal is not None:
            return refusal
        response = self._create(did, self.body(request) or {})
        return self.after_accept(fault, response) if response.status_code == 200 else response

    def get_record(self, request: Request) -> Response:
        repo, collection, rkey = (request.args.get(k, "") for k in ("repo", "collection", "rkey"))
        with self.lock:
            did = next((a["did"] for a in self.accounts.values() if repo in (a["did"], a["handle"])), repo)
            stored = self.records.get((did, collection, rkey))
        if stored is None:
            uri = f"at://{did}/{collection}/{rkey}"
            return self._error(None, 400, "RecordNotFound", f"Could not locate record: {uri}")
        return self._answer(None, {"uri": stored["uri"], "cid": stored["cid"], "value": stored["value"]})

    def rate_limited(self, fault: Fault) -> Response:
        headers = {"RateLimit-Limit": str(self.points), "RateLimit-Remaining": "0",
                   "RateLimit-Reset": str(int(time.time()) + 600),
                   "RateLimit-Policy": f"{self.points};w=3600", **fault.headers}  # fmt: skip
        body = {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}
        return self.json(body, status=429, headers=headers)

    # -- inside -----------------------------------------------------------------------------------
    def _create(self, did: str, body: dict[str, Any]) -> Response:
        record, rkey = body.get("record"), str(body.get("rkey") or self._rkey())
        collection = str(body.get("collection") or "")
        with self.lock:  # rkey check and store in one step: two racing creates make one record
            if body.get("repo") not in (did, self.accounts[did]["handle"]):
                return self._error(did, 400, "InvalidRequest", "Input/repo must be the authenticated account")
            problem = self._invalid(collection, record)
            if problem:
                return self._error(did, 400, "InvalidRequest", f"Invalid {POST} record: {problem}")
            if (did, collection, rkey) in self.records:
                uri = f"at://{did}/{collection}/{rkey}"
                return self._error(did, 400, "InvalidRequest", f"Record already exists: {uri}")
            self._spend(did, _CREATE_POINTS)
            assert isinstance(record, dict)
            stored = self._store(did, collection, rkey, record)
            commit = {"cid": _cid(stored), "rev": self._rkey()}
            return self._answer(did, {"uri": stored["uri"], "cid": stored["cid"], "commit": commit,
                                      "validationStatus": "valid"})  # fmt: skip

    @staticmethod
    def _invalid(collection: str, record: Any) -> str | None:
        if collection != POST or not isinstance(record, dict) or record.get("$type") != POST:
            return "Record/$type must be app.bsky.feed.post"
        text = record.get("text")
        if not isinstance(text, str) or not isinstance(record.get("createdAt"), str):
            return 'Record must have the properties "text" and "createdAt"'
        if len(regex.findall(r"\X", text)) > 300:
            return "Record/text must not be longer than 300 graphemes"
        size = len(text.encode())
        for facet in record.get("facets") or []:
            index = facet.get("index", {})
            start, end = index.get("byteStart"), index.get("byteEnd")
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= size):
                return "Record/facets/index must lie within the text's bytes"
        reply = record.get("reply")
        if reply is not None:
            for ref in ("root", "parent"):
                strong = reply.get(ref) if isinstance(reply, dict) else None
                if not isinstance(strong, dict) or not all(
                    isinstance(strong.get(k), str) for k in ("uri", "cid")
                ):
                    return f'Record/reply/{ref} must have the properties "uri" and "cid"'
        return None

    def _store(self, did: str, collection: str, rkey: str, record: dict[str, Any]) -> dict[str, Any]:
        stored = {"uri": f"at://{did}/{collection}/{rkey}", "cid": _cid(record), "value": record,
                  "indexedAt": _now_iso()}  # fmt: skip
        self.records[(did, collection, rkey)] = stored
        return stored

    def _view(self, stored: dict[str, Any]) -> dict[str, Any]:
        did = stored["uri"].removeprefix("at://").split("/")[0]
        replies = len(self.replies_to(stored["uri"]))
        view = {
            "uri": stored["uri"], "cid": stored["cid"],
            "author": {"did": did, "handle": self.accounts[did]["handle"], "displayName": ""},
            "record": stored["value"], "replyCount": replies, "repostCount": 0, "likeCount": 0,
            "indexedAt": stored["indexedAt"], "viewer": {},
        }  # fmt: skip
        if stored["uri"] in self.locked:
            view["viewer"] = {"replyDisabled": True}
        return view

    def _tokens(self, account: dict[str, Any]) -> dict[str, Any]:
        access, refresh = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        self.access[access] = (account["did"], time.time() + self.access_ttl)
        self.refresh[refresh] = account["did"]
        return {"did": account["did"], "handle": account["handle"], "accessJwt": access,
                "refreshJwt": refresh, "active": True}  # fmt: skip

    @staticmethod
    def _bearer(request: Request) -> str:
        header = request.headers.get("Authorization", "")
        return header.removeprefix("Bearer ").strip() if header.startswith("Bearer ") else ""

    def _session(self, request: Request) -> tuple[str | None, Response | None]:
        token = self._bearer(request)
        with self.lock:
            found = self.access.get(token)
        if not token:
            return None, self._error(None, 401, "AuthenticationRequired", "Authentication Required")
        if found is None:
            return None, self._error(None, 401, "InvalidToken", "Token could not be verified")
        if found[1] <= time.time():
            return None, self._error(None, 400, "ExpiredToken", "Token has expired")
        return found[0], None

    def _window(self, did: str) -> tuple[int, float]:
        used, since = self.budget.get(did, (0, time.time()))
        if time.time() - since >= _HOUR:
            used, since = 0, time.time()
        self.budget[did] = (used, since)
        return used, since

    def _spend(self, did: str, points: int) -> None:
        used, since = self._window(did)
        self.budget[did] = (used + points, since)

    def _over_budget(self, did: str) -> Response | None:
        with self.lock:
            used, since = self._window(did)
        if used + _CREATE_POINTS <= self.points:
            return None
        return self._error(did, 429, "RateLimitExceeded", "Rate Limit Exceeded")

    def _headers(self, did: str | None) -> dict[str, str]:
        if did is None:
            return {}
        with self.lock:
            used, since = self._window(did)
        left = max(0, self.points - used)
        return {
            "RateLimit-Limit": str(self.points),
            "RateLimit-Remaining": str(left),
            "RateLimit-Reset": str(int(since + _HOUR)),
            "RateLimit-Policy": f"{self.points};w=3600",
        }

    def _answer(self, did: str | None, body: Any) -> Response:
        return self.json(body, headers=self._headers(did))

    def _error(self, did: str | None, status: int, error: str, message: str) -> Response:
        return self.json({"error": error, "message": message}, status=status, headers=self._headers(did))

    def _rkey(self) -> str:
        value = (int(time.time() * 1_000_000) << 10) | (next(self._rkeys) % 1024)
        return "".join(_TID[(value >> (5 * i)) & 31] for i in reversed(range(13)))
