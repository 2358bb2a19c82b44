"""A stateful fake platform on a real local port, for replies at the source.

Each platform's fake (``tests/fakes/<platform>.py``) subclasses :class:`FakePlatform`: it keeps the posts
it accepted, speaks the platform's documented paths, auth, bodies, errors and rate-limit headers, and
lets a test inject faults into the next write requests:

- ``stall_after_accept``: the post is stored, then the response never comes in time (the client's
  time-out fires) — the case that must end "unknown", then be reconciled, never re-sent blindly;
- ``drop_after_accept``: the post is stored and the connection is closed without a response;
- ``rate_limit``: refused with the platform's 429 and its headers, nothing stored;
- ``fail``: refused with a given status and the platform's error body, nothing stored;
- ``kill_client``: the post is stored, then ``on_kill_client`` is called (the chaos test SIGKILLs the
  runner process there: killed after its request arrived, before the response) and no answer is sent;
- ``none``: no fault (a test fills the queue with a pattern of faults and ``none``).

The server runs in threads of the test process, so a runner in another process can be killed with
SIGKILL while the fake keeps what it accepted: the chaos test counts replies per draft on it.
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import orjson
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

Handler = Callable[..., Response]

# A client's time-out in the tests: generous where a test expects an answer (a loaded CI machine can take
# more than half a second to answer), short only where a test makes the platform stall on purpose.
CALM_TIMEOUT = 5.0
STALL_TIMEOUT = 1.0
logging.getLogger("werkzeug").setLevel(logging.CRITICAL)  # no access log lines in the test output


@dataclass
class Fault:
    kind: str  # stall_after_accept, drop_after_accept, rate_limit, fail
    status: int = 0
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


class Dropped(Exception):  # noqa: N818 - what happened, not an error
    """Raised by a handler to close the connection without answering."""


class FakePlatform:
    """Subclasses define ``rules()`` (werkzeug Rules whose endpoints are method names) and the
    platform's write handlers call :meth:`write_fault` before storing, and :meth:`after_accept` after."""

    stall_seconds = 3.0  # longer than STALL_TIMEOUT, the client's time-out in the tests that stall

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.faults: deque[Fault] = deque()
        self.requests: list[tuple[str, str]] = []  # (method, path) of every request, for assertions
        self.on_kill_client: Callable[[], None] = lambda: None
        self._map = Map(self.rules())
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None

    # -- to override ------------------------------------------------------------------------------
    def rules(self) -> list[Rule]:
        raise NotImplementedError

    def rate_limited(self, fault: Fault) -> Response:
        """The platform's own 429 (body and headers); subclasses override with their shape."""
        return self.json({"error": "rate limited"}, status=429, headers=fault.headers)

    def failed(self, fault: Fault) -> Response:
        return self.json(fault.body if fault.body is not None else {"error": "failed"}, status=fault.status)

    # -- faults -----------------------------------------------------------------------------------
    def inject(self, kind: str, *, times: int = 1, status: int = 0, body: Any = None,
               headers: dict[str, str] | None = None) -> None:  # fmt: skip
        with self.lock:
            for _ in range(times):
                self.faults.append(Fault(kind, status, body, dict(headers or {})))

    def write_fault(self) -> Fault | None:
        """The next fault for a write request (popped), or None. A refusal is answered by the caller
        with :meth:`refusal`; an accept-fault is handled by :meth:`after_accept`."""
        with self.lock:
            return self.faults.popleft() if self.faults else None

    def refusal(self, fault: Fault | None) -> Response | None:
        if fault is None:
            return None
        if fault.kind == "rate_limit":
            return self.rate_limited(fault)
        if fault.kind == "fail":
            return self.failed(fault)
        return None

    def after_accept(self, fault: Fault | None, response: Response) -> Response:
        """The response for an accepted write, unless the fault says it never arrives in time."""
        if fault is not None and fault.kind == "stall_after_accept":
            time.sleep(self.stall_seconds)
        if fault is not None and fault.kind == "drop_after_accept":
            raise Dropped
        if fault is not None and fault.kind == "kill_client":
            self.on_kill_client()
            raise Dropped
        return response

    # -- helpers ----------------------------------------------------------------------------------
    @staticmethod
    def json(body: Any, *, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        return Response(orjson.dumps(body), status=status, headers=headers or {}, mimetype="application/json")

    @staticmethod
    def body(request: Request) -> Any:
        """The request's JSON body, or its form as a dict."""
        if request.mimetype == "application/json":
            return orjson.loads(request.get_data() or b"null")
        return request.form.to_dict()

    # -- serving ----------------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        request = Request(environ)
        with self.lock:
            self.requests.append((request.method, request.path))
        adapter = self._map.bind_to_environ(environ)
        try:
            endpoint, args = adapter.match()
            response: Response = getattr(self, endpoint)(request, **args)
        except Dropped:
            connection = environ.get("werkzeug.socket")
            if connection is not None:
                connection.shutdown(socket.SHUT_RDWR)  # the client sees the connection reset, no answer
            raise
        except Exception as exc:  # noqa: BLE001 - werkzeug's HTTPException is a response too
            response = exc if isinstance(exc, Response) else getattr(exc, "get_response", lambda: None)()
            if response is None:
                raise
        return response(environ, start_response)

    @property
    def url(self) -> str:
        assert self._server is not None, "start() the fake first"
        return f"http://127.0.0.1:{self._server.server_port}"

    def start(self) -> FakePlatform:
        self._server = make_server("127.0.0.1", 0, self, threaded=True)
        server = self._server  # polls for shutdown every 20 ms: stop() returns at once, not after 0.5 s
        self._thread = threading.Thread(target=lambda: server.serve_forever(poll_interval=0.02), daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def __enter__(self) -> FakePlatform:
        return self.start()

    def __exit__(self, *_: object) -> None:
        self.stop()
