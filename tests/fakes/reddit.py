"""A fake Reddit: script-app tokens (password grant), ``/api/comment`` and the user's comment listing.

It keeps posts (``t3_``) and comments (``t1_``) by fullname, answers refusals as Reddit does (200 with
``json.errors``), sends ``X-Ratelimit-*`` on every OAuth answer and counts the allowance down.
"""

from __future__ import annotations

import base64
import itertools
import secrets
import time
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from fakes.base import FakePlatform, Fault

MAX_LENGTH = 10_000


def _base36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out


class FakeReddit(FakePlatform):
    def __init__(
        self,
        *,
        client_id: str = "app-id",
        client_secret: str = "app-secret",
        accounts: dict[str, str] | None = None,
        allowance: int = 1000,
        reset: int = 420,
    ) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.accounts = dict(accounts or {"acme": "hunter2"})  # username -> password
        self.tokens: dict[str, str] = {}  # access token -> username
        self.things: dict[str, dict[str, Any]] = {}  # fullname -> data
        self.allowance, self.reset = allowance, reset
        self.used = 0
        self.token_requests = 0
        self._ids = itertools.count(1_000_000)
        super().__init__()

    def rules(self) -> list[Rule]:
        return [
            Rule("/api/v1/access_token", methods=["POST"], endpoint="access_token"),
            Rule("/api/comment", methods=["POST"], endpoint="comment"),
            Rule("/user/<username>/comments", methods=["GET"], endpoint="user_comments"),
        ]

    # -- seeding and inspecting ----------------------------------------------------------------------
    def seed_post(self, *, subreddit: str = "acme", title: str = "A post", author: str = "someone") -> str:
        with self.lock:
            ident = _base36(next(self._ids))
            self.things[f"t3_{ident}"] = {
                "id": ident, "name": f"t3_{ident}", "title": title, "author": author,
                "subreddit": subreddit, "created_utc": time.time(), "locked": False, "archived": False,
                "deleted": False, "permalink": f"/r/{subreddit}/comments/{ident}/a_post/",
            }  # fmt: skip
            return f"t3_{ident}"

    def seed_comment(self, parent: str, *, body: str = "A comment", author: str = "someone") -> str:
        with self.lock:
            return self._add_comment(parent, body, author)["name"]

    def child(self, fullname: str) -> dict[str, Any]:
        """The listing child Reddit sends for ``fullname`` (what the reading connector stores raw)."""
        with self.lock:
            data = dict(self.things[fullname])
            return {"kind": fullname[:2], "data": data}

    def lock_thread(self, fullname: str) -> None:
        with self.lock:
            self.things[fullname]["locked"] = True

    def archive(self, fullname: str) -> None:
        with self.lock:
            self.things[fullname]["archived"] = True

    def delete(self, fullname: str) -> None:
        with self.lock:
            self.things[fullname]["deleted"] = True

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def replies_to(self, external_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [dict(t) for t in self.things.values() if t.get("parent_id") == external_id]

    # -- internals ----------------------------------------------------------------------------------
    def _add_comment(self, parent: str, body: str, author: str) -> dict[str, Any]:
        ident = _base36(next(self._ids))
        link = self.things[parent] if parent.startswith("t3_") else self._link_of(parent)
        comment = {
            "id": ident, "name": f"t1_{ident}", "body": body, "author": author, "parent_id": parent,
            "link_id": link["name"], "subreddit": link["subreddit"], "created_utc": time.time(),
            "locked": False, "archived": False, "deleted": False,
            "permalink": f"{link['permalink']}{ident}/",
        }  # fmt: skip
        self.things[comment["name"]] = comment
        return comment

    def _link_of(self, comment: str) -> dict[str, Any]:
        return self.things[self.things[comment]["link_id"]]

    def _user(self, request: Request) -> str | None:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer":
            return None
        with self.lock:
            return self.tokens.get(token)

    def _ratelimit_headers(self) -> dict[str, str]:
        with self.lock:
            self.used += 1
            remaining = max(0, self.allowance - self.used)
            return {
                "X-Ratelimit-Used": str(self.used),
                "X-Ratelimit-Remaining": f"{remaining:.1f}",
                "X-Ratelimit-Reset": str(self.reset),
            }

    def rate_limited(self, fault: Fault) -> Response:
        headers = {"X-Ratelimit-Used": str(self.allowance), "X-Ratelimit-Remaining": "0.0",
                   "X-Ratelimit-Reset": str(self.reset), **fault.headers}  # fmt: skip
        return self.json({"message": "Too Many Requests", "error": 429}, status=429, headers=headers)

    @staticmethod
    def _unauthorized() -> Response:
        return FakePlatform.json({"message": "Unauthorized", "error": 401}, status=401)

    # -- endpoints -----------------------------------------------------------------------------------
    def access_token(self, request: Request) -> Response:
        with self.lock:
            self.token_requests += 1
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        pair = base64.b64decode(encoded).decode() if scheme == "Basic" else ""
        if pair != f"{self.client_id}:{self.client_secret}":
            return self._unauthorized()
        form = request.form
        if form.get("grant_type") != "password":
            return self.json({"error": "unsupported_grant_type"})
        username = form.get("username", "")
        if self.accounts.get(username) != form.get("password"):
            return self.json({"error": "invalid_grant"})  # Reddit answers 200 with the error
        token = secrets.token_urlsafe(16)
        with self.lock:
            self.tokens[token] = username
        return self.json({"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"})

    def comment(self, request: Request) -> Response:
        user = self._user(request)
        if user is None:
            return self._unauthorized()
        fault = self.write_fault()
        refused = self.refusal(fault)
        if refused is not None:
            return refused
        form = request.form
        parent, text = form.get("thing_id", ""), form.get("text", "")
        headers = self._ratelimit_headers()
        with self.lock:
            thing = self.things.get(parent)
            link = None
            if thing is not None:
                link = thing if parent.startswith("t3_") else self._link_of(parent)
            error = None
            if thing is None or thing["deleted"]:
                gone = "DELETED_LINK" if parent.startswith("t3_") else "DELETED_COMMENT"
                error = [gone, "that comment has been deleted", "parent"]
            elif link is not None and (link["locked"] or thing["locked"]):
                error = ["THREAD_LOCKED", "Comments are locked.", "parent"]
            elif link is not None and link["archived"]:
                error = ["TOO_OLD", "that's a piece of history now; it's too late to reply to it", "parent"]
            elif not text.strip():
                error = ["NO_TEXT", "we need something here", "text"]
            elif len(text) > MAX_LENGTH:
                error = ["TOO_LONG", f"this is too long (max: {MAX_LENGTH})", "text"]
            if error is not None:
                return self.json({"json": {"errors": [error]}}, headers=headers)
            comment = self._add_comment(parent, text, user)
        data = {key: comment[key] for key in ("id", "name", "body", "author", "parent_id", "link_id",
                                              "subreddit", "created_utc", "permalink")}  # fmt: skip
        body = {"json": {"errors": [], "data": {"things": [{"kind": "t1", "data": data}]}}}
        return self.after_accept(fault, self.json(body, headers=headers))

    def user_comments(self, request: Request, username: str) -> Response:
        if self._user(request) is None:
            return self._unauthorized()
        limit = min(100, int(request.args.get("limit", "25")))
        after = request.args.get("after")
        with self.lock:
            mine = [dict(t) for t in self.things.values() if t["name"].startswith("t1_")
                    and t["author"] == username and not t["deleted"]]  # fmt: skip
        mine.sort(key=lambda t: (t["created_utc"], t["name"]), reverse=True)
        start = next((n + 1 for n, t in enumerate(mine) if t["name"] == after), 0) if after else 0
        page = mine[start : start + limit]
        more = start + limit < len(mine)
        listing = {"kind": "Listing", "data": {
            "after": page[-1]["name"] if more and page else None, "before": None, "dist": len(page),
            "children": [{"kind": "t1", "data": t} for t in page],
        }}  # fmt: skip
        return self.json(listing, headers=self._ratelimit_headers())
