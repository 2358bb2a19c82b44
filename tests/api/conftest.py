"""The ``api`` fixture: an in-process app with an account and a token per role, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_helpers import Api, make_api
from sqlalchemy.engine import Engine

from luister.settings import Settings


@pytest.fixture
def api(settings: Settings, engine: Engine) -> Iterator[Api]:
    made = make_api(settings, engine)
    with made.client:
        yield made
