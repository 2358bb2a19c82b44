"""Schemathesis over every API operation with two clients at once (issue #26): a legal admin and a customer-
service analyst, each with its own API token, run every operation in both generation modes at the same time
against a real uvicorn server on one PostgreSQL database (SQLite serialises writes; PostgreSQL is where races
show). The two wait for each other before each operation and draw the same derandomised examples, so the same
requests (the same new topic, the same PUT and DELETE) meet in the server; about half of the generated path
parameters are replaced by the world's real things, so the requests reach rows and not only 404s.

No answer may be a 5xx, every answer must match the schema, and the server logs no error (luister's and
uvicorn's loggers are captured)."""

from __future__ import annotations

import ast
import logging
import random
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests
import schemathesis
import uvicorn
from permission_world import PASSWORD, World, build
from sqlalchemy.engine import Engine
from test_schemathesis import call_every_operation

from luister.app import create_app
from luister.domain.accounts import Role
from luister.inbox import setup
from luister.runtime import Runtime
from luister.services.accounts import create_user
from luister.services.api_tokens import create_token
from luister.settings import Settings

MAX_EXAMPLES = 3  # per operation, mode and client: about 950 requests in all
CLIENTS = {"admin.legal@voltaro.example": (Role.admin, "legal"),
           "analyst.cs@voltaro.example": (Role.analyst, "customer-service")}  # fmt: skip


class Errors(logging.Handler):
    """Every record at ERROR and above, from any logger it is attached to (once each)."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: dict[int, logging.LogRecord] = {}

    def emit(self, record: logging.LogRecord) -> None:
        self.records[id(record)] = record

    def report(self) -> list[str]:
        return [f"{r.name}: {self.format(r)}" for r in self.records.values()]


@pytest.fixture
def errors() -> Iterator[Errors]:
    handler = Errors()
    handler.setFormatter(logging.Formatter("%(message)s"))
    # uvicorn's own logger does not propagate when its default configuration was applied in this process.
    loggers = [logging.getLogger(name) for name in ("", "luister", "uvicorn", "uvicorn.error")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


@pytest.fixture(autouse=True)
def _one_ast_parse_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hypothesis parses source with ``ast.parse`` while it generates (lambda descriptions, constants of
    local modules); CPython 3.11 keeps the AST converter's recursion depth per interpreter, not per thread
    (python/cpython#106905), so two client threads parsing at once fail with "SystemError: AST constructor
    recursion depth mismatch". A lock keeps the clients apart there, and only there."""
    parse, lock = ast.parse, threading.RLock()

    def locked(*args: Any, **kwargs: Any) -> Any:
        with lock:
            return parse(*args, **kwargs)

    monkeypatch.setattr(ast, "parse", locked)


def serve(app: Any) -> tuple[uvicorn.Server, threading.Thread, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # log_config=None: uvicorn leaves logging alone, so its errors reach the handler above.
    server = uvicorn.Server(uvicorn.Config(app, port=port, log_config=None, access_log=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        assert time.monotonic() < deadline, "the test server did not start"
        time.sleep(0.05)
    return server, thread, f"http://127.0.0.1:{port}"


def real_things(world: World) -> dict[str, list[Any]]:
    """What fills each path parameter, from both departments' things."""
    t = list(world.targets.values())
    return {
        "mention_id": [x.mention for x in t],
        "name": [x.topic for x in t] + [x.source for x in t] + [x.routing_rule for x in t if x.routing_rule],
        "alert_id": [x.alert for x in t],
        "position": [1, 2],
        "source": [x.source for x in t],
        "conversation_id": [x.conversation for x in t] + [x.merge_into for x in t],
        "key": [x.department for x in t],
        "email": [x.member for x in t],
        "digest_id": [x.digest for x in t],
        "item_id": [x.item for x in t],
        "voice_id": [x.voice for x in t],
        "draft_id": [x.draft for x in t],
        "rule_id": [x.approval_rule for x in t],
        "effect_id": [x.effect for x in t],
    }


@pytest.mark.parametrize("settings", ["postgres"], indirect=True)
def test_two_concurrent_clients_get_no_server_error(
    settings: Settings, engine: Engine, errors: Errors
) -> None:
    world = build(settings, engine)
    tokens = {}
    for email, (role, department) in CLIENTS.items():
        create_user(
            engine=engine, email=email, name=email, password=PASSWORD, role=role, department=department
        )
        setup.set_member(
            engine=engine, actor="test", department_key=department, email=email, now=datetime.now(UTC)
        )
        tokens[email] = create_token(engine=engine, email=email, name="schemathesis").secret
    things = real_things(world)
    errors.records.clear()  # only what the server logs counts
    server, thread, base_url = serve(create_app(Runtime(settings, engine=engine)))
    try:
        schema = schemathesis.openapi.from_url(f"{base_url}/api/openapi.json")
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 70
        together = threading.Barrier(len(tokens), timeout=120)
        results: dict[str, tuple[list[str], int]] = {}

        def client(email: str) -> None:
            rng = random.Random(0)  # the same choices in both clients: they meet on the same things

            def aim(case: schemathesis.Case) -> None:
                for param in case.path_parameters or {}:
                    if param in things and rng.random() < 0.5:
                        case.path_parameters[param] = rng.choice(things[param])  # type: ignore[index]

            with requests.Session() as session:
                results[email] = call_every_operation(
                    operations,
                    headers={"Authorization": f"Bearer {tokens[email]}"},
                    max_examples=MAX_EXAMPLES,
                    before_each=together.wait,
                    prepare=aim,
                    base_url=base_url,
                    session=session,
                )

        threads = [threading.Thread(target=client, args=(email,)) for email in tokens]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=300)
        assert not any(t.is_alive() for t in threads), "a client did not finish"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
    assert set(results) == set(tokens), "a client stopped with an exception"
    failures = [f"{email}: {failure}" for email, (found, _) in results.items() for failure in found]
    assert not failures, "\n\n".join(failures)
    assert not errors.report(), "\n".join(errors.report())
    for _, calls in results.values():
        assert calls >= len(operations) * MAX_EXAMPLES
