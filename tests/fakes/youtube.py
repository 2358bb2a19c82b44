"""A fake YouTube Data API v3 with Google's token endpoint: refresh-token grants, ``comments.insert``,
``comments.list?parentId=`` and ``channels.list?mine=true``, Google's error shape and a daily quota
(50 units an insert, 1 a list)."""

from __future__ import annotations

import base64
import itertools
import secrets
from datetime import UTC, datetime
from typing import Any

import orjson
from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from fakes.base import FakePlatform, Fault

MAX_LENGTH = 10_000


def google_error(status: int, reason: str, message: str) -> dict[str, Any]:
    names = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 404: "NOT_FOUND",
             429: "RESOURCE_EXHAUSTED"}  # fmt: skip
    domain = "youtube.quota" if reason == "quotaExceeded" else "youtube.comment"
    return {"error": {"code": status, "message": message, "status": names.get(status, "UNKNOWN"),
                      "errors": [{"message": message, "domain": domain, "reason": reason}]}}  # fmt: skip


class FakeYouTube(FakePlatform):
    def __init__(
        self,
        *,
        client_id: str = "client.apps.googleusercontent.com",
        client_secret: str = "client-secret",
        refresh_tokens: dict[str, str] | None = None,
        quota: int = 10_000,
    ) -> None:
        self.client_id, self.client_secret = client_id, client_secret
        self.refresh_tokens = dict(refresh_tokens or {"refresh-1": "UCacmeChannel000000000"})
        self.tokens: dict[str, str] = {}  # access token -> channel id
        self.quota = quota
        self.used = 0
        self.token_requests = 0
        self.comments: dict[str, dict[str, Any]] = {}  # id -> comment resource (youtube#comment)
        self.disabled: set[str] = set()  # video ids with comments disabled
        self._ids = itertools.count(1)
        super().__init__()

    def rules(self) -> list[Rule]:
        return [
            Rule("/token", methods=["POST"], endpoint="token"),
            Rule("/youtube/v3/comments", methods=["POST"], endpoint="insert"),
            Rule("/youtube/v3/comments", methods=["GET"], endpoint="list_comments"),
            Rule("/youtube/v3/channels", methods=["GET"], endpoint="channels"),
        ]

    # -- seeding and inspecting ----------------------------------------------------------------------
    def seed_thread(self, *, video_id: str = "Vx4cmeAcme1", text: str = "Broken!",
                    author: str = "UCviewer") -> str:  # fmt: skip
        with self.lock:
            return str(self._comment(None, video_id, text, author)["id"])

    def seed_reply(self, parent: str, *, text: str = "Me too", author: str = "UCother") -> str:
        with self.lock:
            video = self.comments[parent]["snippet"]["videoId"]
            return str(self._comment(parent, video, text, author)["id"])

    def raw_item(self, comment_id: str) -> dict[str, Any]:
        """What the reading connector stores: ``{"thread": …}`` or ``{"thread": …, "reply": …}``."""
        with self.lock:
            comment = self.comments[comment_id]
            parent = comment["snippet"].get("parentId")
            top = self.comments[parent] if parent else comment
            snippet = {"channelId": "UCacmeChannel000000000", "videoId": top["snippet"]["videoId"],
                       "topLevelComment": top, "canReply": True, "totalReplyCount": 0}  # fmt: skip
            thread = {"kind": "youtube#commentThread", "id": top["id"], "snippet": snippet}
            return {"thread": thread, "reply": comment} if parent else {"thread": thread}

    def disable_comments(self, video_id: str) -> None:
        with self.lock:
            self.disabled.add(video_id)

    def delete(self, comment_id: str) -> None:
        with self.lock:
            del self.comments[comment_id]

    def expire_tokens(self) -> None:
        with self.lock:
            self.tokens.clear()

    def replies_to(self, external_id: str) -> list[dict[str, Any]]:
        with self.lock:
            return [c for c in self.comments.values() if c["snippet"].get("parentId") == external_id]

    # -- internals ----------------------------------------------------------------------------------
    def _comment(self, parent: str | None, video: str, text: str, author: str) -> dict[str, Any]:
        number = next(self._ids)
        ident = f"{parent}.{number:022d}" if parent else f"Ug{number:024d}"
        now = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        snippet: dict[str, Any] = {
            "channelId": "UCacmeChannel000000000", "videoId": video, "textDisplay": text,
            "textOriginal": text, "authorDisplayName": f"@{author.lower()}",
            "authorChannelId": {"value": author}, "canRate": True, "viewerRating": "none",
            "likeCount": 0, "publishedAt": now, "updatedAt": now,
        }  # fmt: skip
        if parent:
            snippet["parentId"] = parent
        comment = {"kind": "youtube#comment", "etag": f"e{number}", "id": ident, "snippet": snippet}
        self.comments[ident] = comment
        return comment

    def _channel(self, request: Request) -> str | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        with self.lock:
            return self.tokens.get(token) if scheme == "Bearer" else None

    def _error(self, status: int, reason: str, message: str) -> Response:
        return self.json(google_error(status, reason, message), status=status)

    def _spend(self, units: int) -> bool:
        with self.lock:
            if self.used + units > self.quota:
                return False
            self.used += units
            return True

    def _unauthenticated(self) -> Response:
        return self._error(401, "authError", "Request had invalid authentication credentials.")

    def _over_quota(self) -> Response:
        return self._error(403, "quotaExceeded", "The request cannot be completed because you have "
                           "exceeded your quota.")  # fmt: skip

    def rate_limited(self, fault: Fault) -> Response:
        body = google_error(429, "rateLimitExceeded", "Too many requests.")
        return self.json(body, status=429, headers=fault.headers)

    # -- endpoints -----------------------------------------------------------------------------------
    def token(self, request: Request) -> Response:
        with self.lock:
            self.token_requests += 1
        form = request.form
        scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
        client = base64.b64decode(encoded).decode().split(":", 1) if scheme == "Basic" else [
            form.get("client_id", ""), form.get("client_secret", "")]  # fmt: skip
        if client != [self.client_id, self.client_secret]:
            return self.json({"error": "invalid_client", "error_description": "Unauthorized"}, status=401)
        channel = self.refresh_tokens.get(form.get("refresh_token", ""))
        if form.get("grant_type") != "refresh_token" or channel is None:
            body = {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
            return self.json(body, status=400)
        token = "ya29." + secrets.token_urlsafe(16)
        with self.lock:
            self.tokens[token] = channel
        return self.json({"access_token": token, "expires_in": 3599, "token_type": "Bearer",
                          "scope": "https://www.googleapis.com/auth/youtube.force-ssl"})  # fmt: skip

    def insert(self, request: Request) -> Response:
        channel = self._channel(request)
        if channel is None:
            return self._unauthenticated()
        if request.args.get("part") != "snippet":
            return self._error(400, "missingRequiredParameter", "No filter selected.")
        fault = self.write_fault()
        refused = self.refusal(fault)
        if refused is not None:
            return refused
        if not self._spend(50):
            return self._over_quota()
        snippet = orjson.loads(request.get_data() or b"{}").get("snippet") or {}
        parent, text = snippet.get("parentId"), snippet.get("textOriginal") or ""
        with self.lock:
            top = self.comments.get(parent or "")
            if top is None or top["snippet"].get("parentId"):  # replies go to top-level comments only
                return self._error(
                    404, "parentCommentNotFound", "The specified parent comment could not be found."
                )
            if top["snippet"]["videoId"] in self.disabled:
                return self._error(403, "commentsDisabled", "The video has disabled comments.")
            if len(text) > MAX_LENGTH:
                return self._error(400, "commentTextTooLong", "The comment text is too long.")
            if not text.strip():
                return self._error(400, "processingFailure", "The API server failed to process the request.")
            comment = self._comment(parent, top["snippet"]["videoId"], text, channel)
        return self.after_accept(fault, self.json(comment))

    def list_comments(self, request: Request) -> Response:
        if self._channel(request) is None:
            return self._unauthenticated()
        if not self._spend(1):
            return self._over_quota()
        parent = request.args.get("parentId", "")
        size = min(100, int(request.args.get("maxResults", "20")))
        start = int(request.args.get("pageToken") or 0)
        with self.lock:
            if parent not in self.comments:
                return self._error(404, "parentCommentNotFound", "The parent comment could not be found.")
            replies = [c for c in self.comments.values() if c["snippet"].get("parentId") == parent]
        page = replies[start : start + size]
        body: dict[str, Any] = {"kind": "youtube#commentListResponse", "items": page,
                                "pageInfo": {"totalResults": len(page), "resultsPerPage": size}}  # fmt: skip
        if start + size < len(replies):
            body["nextPageToken"] = str(start + size)
        return self.json(body)

    def channels(self, request: Request) -> Response:
        channel = self._channel(request)
        if channel is None:
            return self._unauthenticated()
        if request.args.get("mine") != "true":
            return self._error(400, "missingRequiredParameter", "No filter selected.")
        self._spend(1)
        return self.json({"kind": "youtube#channelListResponse",
                          "items": [{"kind": "youtube#channel", "etag": "c", "id": channel}]})  # fmt: skip
