"""`luister serve` runs the web app and, beside it, the sources as they fall due."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import sqlalchemy as sa
from pytest_httpserver import HTTPServer

from luister.connectors.rss import RssConnector
from luister.services.database import open_database
from luister.services.sources import add_source
from luister.settings import Settings
from luister.storage.secrets import Cipher
from luister.storage.tables import mention

FEED = Path(__file__).parent.parent / "data" / "rss" / "rss2.xml"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_serve_listens_to_due_sources(sqlite_settings: Settings, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/feed").respond_with_data(
        FEED.read_bytes(), content_type="application/rss+xml"
    )
    engine = open_database(settings=sqlite_settings)
    add_source(
        engine=engine,
        connectors={"rss": RssConnector},
        cipher=Cipher.of(sqlite_settings),
        name="blog",
        connector="rss",
        options={"url": httpserver.url_for("/feed")},
    )
    port = free_port()
    env = os.environ | {
        "LUISTER_DATABASE_URL": sqlite_settings.database_url,
        "LUISTER_FETCH_ALLOW": '["127.0.0.1"]',
        "LUISTER_LISTEN_IDLE_SECONDS": "1",
    }
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "luister"), "serve", "--port", str(port)], env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        stored = 0
        while time.monotonic() < deadline and not stored:
            time.sleep(0.3)
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            with engine.connect() as conn:
                stored = conn.execute(sa.select(sa.func.count()).select_from(mention)).scalar_one()
        assert stored > 0, "serve did not run the due source"
        assert httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=5).json()["status"] == "ok"
    finally:
        server.terminate()
        output = server.communicate(timeout=15)[0]
        engine.dispose()
    assert "listening to the sources" in output
