"""Schemathesis against the in-process app: every operation of the OpenAPI schema, with valid and invalid
input, as an admin on a database with demo data. No answer may be a 5xx, and every answer must match the
schema (status, content type, body). Deterministic (derandomised Hypothesis) and bounded in size.

Each operation gets its own Hypothesis run from ``operation.as_strategy`` (schemathesis' lazy pytest
loader does not work with pytest 9), and every operation's failures are reported together.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from api_helpers import make_api
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy.engine import Engine

from luister.plugins import load_plugins
from luister.services.sources import add_source
from luister.settings import Settings
from luister.storage.secrets import Cipher
from luister.testing import runtime_for

MAX_EXAMPLES = 6  # per operation and mode (every operation twice that; the areas' own runs go deeper)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def test_no_operation_answers_with_a_server_error_or_off_schema(settings: Settings, engine: Engine) -> None:
    api = make_api(settings, engine)
    runtime_for(settings, engine).load_demo(seed=3, count=300, batch_size=300)
    add_source(
        engine=engine,
        cipher=Cipher.of(settings),
        connectors=load_plugins().connectors(),
        name="crm",
        connector="webhook",
        options={"secret": "push-secret-of-the-crm-0123"},
    )
    headers = api.headers("admin")
    with api.client:
        schema = schemathesis.openapi.from_asgi("/api/openapi.json", api.client.app)
        operations = [result.ok() for result in schema.get_all_operations()]
        assert len(operations) >= 13
        failures, calls = call_every_operation(operations, headers=headers, max_examples=MAX_EXAMPLES)
    assert not failures, "\n\n".join(failures)
    assert calls >= len(operations) * MAX_EXAMPLES


def call_every_operation(
    operations: list[Any],
    *,
    headers: dict[str, str],
    max_examples: int,
    before_each: Callable[[], object] | None = None,
    prepare: Callable[[schemathesis.Case], None] | None = None,
    **call: Any,
) -> tuple[list[str], int]:
    """Each operation in both generation modes, its own derandomised Hypothesis run; every failure is
    listed (not only the first). Returns the failures and how many requests were made. ``before_each``
    runs before each operation's run (two clients wait for each other there); ``prepare`` may change a
    generated case before it is sent (aim it at real things); ``call`` goes to
    ``Case.call_and_validate`` (``base_url``, ``session`` for a real server)."""
    failures: list[str] = []
    calls = 0
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            if before_each is not None:
                before_each()

            @given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis_settings(
                max_examples=max_examples,
                derandomize=True,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            def run(case: schemathesis.Case) -> None:
                nonlocal calls
                calls += 1
                if prepare is not None:
                    prepare(case)
                case.call_and_validate(headers=headers, checks=CHECKS, **call)

            try:
                run()
            except (Exception, BaseExceptionGroup) as exc:  # every operation is tried; all failures listed
                failures.append(f"{operation.label} ({mode.value}): {_described(exc)}")
    return failures, calls


def _described(exc: BaseException) -> str:
    """The exception and, for a group that is not schemathesis' own report (Hypothesis' FlakyFailure), what
    it holds, so that the cause is in the failure message."""
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, BaseExceptionGroup) and "Schemathesis found" not in str(exc):
        text += "".join(f"\n  - {_described(inner)}" for inner in exc.exceptions)
    return text
