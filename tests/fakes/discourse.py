"""A fake Discourse forum: API keys, ``POST /posts.json``, topics with their post streams, posts' raw.

Closed topics answer 403 ``invalid_access``, deleted ones 404, a text over ``max_post_length`` 422
``invalid_parameters``; with ``unique_window`` > 0 the same raw from the same user within that many
seconds is refused as "too similar" (Discourse's ``unique_posts_mins``; off by default, so tests that send
one text many times are not refused).
"""

from __future__ import annotations

import html
import itertools
import time
from datetime import UTC, datetime
from typing import Any

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from fakes.base import FakePlatform, Fault

NOT_PERMITTED = "You are not permitted to view the requested resource."
KEY_INVALID = f"{NOT_PERMITTED} The API username or key is invalid."
NOT_FOUND = "The requested URL or resource could not be found."


class FakeDiscourse(FakePlatform):
    def __init__(self, *, keys: dict[str, str] | None = None, max_post_length: int = 32_000) -> None:
        self.keys = dict(keys or {"k3y": "acme"})  # api key -> the one user it may act as ("" for all)
        self.max_post_length = max_post_length
        self.unique_window = 0.0
        self.topics: dict[int, dict[str, Any]] = {}
        self.posts: dict[int, dict[str, Any]] = {}  # post id -> post, with raw
        self._topic_ids = itertools.count(100)
        self._post_ids = itertools.count(5000)
        super().__init__()

    def rules(self) -> list[Rule]:
        return [
            Rule("/posts.json", methods=["POST"], endpoint="create_post"),
            Rule("/site/settings.json", methods=["GET"], endpoint="settings"),
            Rule("/t/<int:topic_id>.json", methods=["GET"], endpoint="topic"),
            Rule("/t/<int:topic_id>/posts.json", methods=["GET"], endpoint="topic_posts"),
            Rule("/posts/<int:post_id>.json", methods=["GET"], endpoint="post"),
        ]

    # -- seeding and inspecting ----------------------------------------------------------------------
    def seed_topic(self, *, title: str = "Widgets broke", raw: str = "Help!", username: str = "carol") -> int:
        with self.lock:
            topic_id = next(self._topic_ids)
            slug = "-".join(title.lower().split()) or "topic"
            self.topics[topic_id] = {"id": topic_id, "title": title, "slug": slug, "closed": False,
                                     "archived": False, "deleted": False, "stream": []}  # fmt: skip
            self._add(topic_id, raw, username, None)
            return topic_id

    def seed_post(self, topic_id: int, *, raw: str = "Me too", username: str = "dave",
                  reply_to: int | None = None) -> int:  # fmt: skip
        with self.lock:
            return int(self._add(topic_id, raw, username, reply_to)["post_number"])

    def raw_item(self, topic_id: int, post_number: int) -> dict[str, Any]:
        """What the reading connector stores for a post: ``{"topic": …, "post": …}``."""
        with self.lock:
            topic = self.topics[topic_id]
            post = next(p for p in self.posts.values() if p["topic_id"] == topic_id
                        and p["post_number"] == post_number)  # fmt: skip
            return {"topic": {"id": topic_id, "title": topic["title"], "slug": topic["slug"]},
                    "post": self._public(post)}  # fmt: skip

    def close(self, topic_id: int) -> None:
        with self.lock:
            self.topics[topic_id]["closed"] = True

    def delete_topic(self, topic_id: int) -> None:
        with self.lock:
            self.topics[topic_id]["deleted"] = True

    def replies_to(self, external_id: str) -> list[dict[str, Any]]:
        topic, _, number = external_id.partition("/")
        with self.lock:
            return [dict(p) for p in self.posts.values()
                    if p["topic_id"] == int(topic) and p["reply_to_post_number"] == int(number)]  # fmt: skip

    # -- internals ----------------------------------------------------------------------------------
    def _add(self, topic_id: int, raw: str, username: str, reply_to: int | None) -> dict[str, Any]:
        topic = self.topics[topic_id]
        post_id = next(self._post_ids)
        post = {
            "id": post_id, "name": username.title(), "username": username,
            "created_at": datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "cooked": f"<p>{html.escape(raw)}</p>", "raw": raw, "post_number": len(topic["stream"]) + 1,
            "post_type": 1, "reply_to_post_number": reply_to, "topic_id": topic_id,
            "topic_slug": topic["slug"], "reply_count": 0, "reads": 1, "at": time.monotonic(),
        }  # fmt: skip
        topic["stream"].append(post_id)
        self.posts[post_id] = post
        return post

    @staticmethod
    def _public(post: dict[str, Any]) -> dict[str, Any]:
        """A post as topic views show it: without ``raw``."""
        return {k: v for k, v in post.items() if k not in ("raw", "at")}

    def _user(self, request: Request) -> str | None:
        key, user = request.headers.get("Api-Key"), request.headers.get("Api-Username")
        if key is None or user is None or key not in self.keys:
            return None
        return user if self.keys[key] in ("", user) else None

    def _error(self, status: int, message: str, error_type: str, **extra: Any) -> Response:
        return self.json({"errors": [message], "error_type": error_type, **extra}, status=status)

    def rate_limited(self, fault: Fault) -> Response:
        wait = int(fault.headers.get("Retry-After", "7"))
        body = {"errors": [f"You’ve performed this action too many times. Please wait {wait} seconds "
                           "before trying again."], "error_type": "rate_limit",
                "extras": {"wait_seconds": wait, "time_left": f"{wait} seconds"}}  # fmt: skip
        return self.json(body, status=429, headers={"Retry-After": str(wait)})

    def _topic_or_error(self, topic_id: int) -> dict[str, Any] | Response:
        topic = self.topics.get(topic_id)
        if topic is None or topic["deleted"]:
            return self._error(404, NOT_FOUND, "not_found")
        return topic

    # -- endpoints -----------------------------------------------------------------------------------
    def create_post(self, request: Request) -> Response:
        user = self._user(request)
        if user is None:
            return self._error(403, KEY_INVALID, "invalid_access")
        fault = self.write_fault()
        refused = self.refusal(fault)
        if refused is not None:
            return refused
        body = self.body(request)
        raw, topic_id, reply_to = body.get("raw", ""), body.get("topic_id"), body.get("reply_to_post_number")
        with self.lock:
            topic = self._topic_or_error(int(topic_id or 0))
            if isinstance(topic, Response):
                return topic
            if topic["closed"] or topic["archived"]:
                return self._error(403, NOT_PERMITTED, "invalid_access")
            if len(raw) > self.max_post_length:
                return self._error(422, f"Body is limited to {self.max_post_length} characters; you entered "
                                   f"{len(raw)}.", "invalid_parameters")  # fmt: skip
            if len(raw.strip()) < 2:
                return self._error(422, "Body is too short (minimum is 2 characters)", "invalid_parameters")
            now = time.monotonic()
            if self.unique_window and any(p["username"] == user and p["raw"] == raw
                                          and now - p["at"] < self.unique_window
                                          for p in self.posts.values()):  # fmt: skip
                return self._error(
                    422, "Body is too similar to what you recently posted", "invalid_parameters"
                )
            post = self._add(topic["id"], raw, user, reply_to)
        return self.after_accept(fault, self.json(self._public(post)))

    def settings(self, request: Request) -> Response:
        return self.json(
            {"title": "Fake forum", "max_post_length": self.max_post_length, "min_post_length": 2}
        )

    def topic(self, request: Request, topic_id: int) -> Response:
        if self._user(request) is None:
            return self._error(403, KEY_INVALID, "invalid_access")
        with self.lock:
            topic = self._topic_or_error(topic_id)
            if isinstance(topic, Response):
                return topic
            posts = [self._public(self.posts[i]) for i in topic["stream"][:20]]
            body = {key: topic[key] for key in ("id", "title", "slug", "closed", "archived")}
            body["post_stream"] = {"posts": posts, "stream": list(topic["stream"])}
        return self.json(body)

    def topic_posts(self, request: Request, topic_id: int) -> Response:
        if self._user(request) is None:
            return self._error(403, KEY_INVALID, "invalid_access")
        wanted = [int(i) for i in request.args.getlist("post_ids[]")]
        with self.lock:
            topic = self._topic_or_error(topic_id)
            if isinstance(topic, Response):
                return topic
            posts = [self._public(self.posts[i]) for i in wanted if i in topic["stream"]]
        return self.json({"post_stream": {"posts": posts}, "id": topic_id})

    def post(self, request: Request, post_id: int) -> Response:
        if self._user(request) is None:
            return self._error(403, KEY_INVALID, "invalid_access")
        with self.lock:
            post = self.posts.get(post_id)
            if post is None:
                return self._error(404, NOT_FOUND, "not_found")
            return self.json({k: v for k, v in post.items() if k != "at"})
