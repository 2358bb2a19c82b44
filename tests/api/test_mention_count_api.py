"""``/mentions/count`` and the index note on mention pages; ``luister search`` on the command line."""

from __future__ import annotations

from api_helpers import Api, seed
from typer.testing import CliRunner

from luister.cli import app


def test_counting_matches_over_a_period(api: Api) -> None:
    seed(api.settings, api.engine, 12, analyse=False)
    counted = api.get("/api/v1/mentions/count", role="viewer", params={"q": "voltaro"})
    assert counted.status_code == 200, counted.text
    assert counted.json() == {"count": 9, "exact": True, "index_reason": None}
    phrase = api.get("/api/v1/mentions/count", params={"q": '"top service"'}).json()
    assert phrase == {"count": 3, "exact": True, "index_reason": None}  # checked exactly on the candidates
    future = api.get("/api/v1/mentions/count", params={"q": "voltaro", "since": "2100-01-01"}).json()
    assert future["count"] == 0
    scanned = api.get("/api/v1/mentions/count", params={"q": "NOT voltaro"}).json()
    assert scanned["count"] == 3 and scanned["index_reason"].startswith("this query cannot use the index")
    page = api.get("/api/v1/mentions", params={"q": "NOT voltaro"}).json()
    assert len(page["items"]) == 3 and "only excludes" in page["index_reason"]
    assert api.get("/api/v1/mentions", params={"q": "voltaro"}).json()["index_reason"] is None
    bad = api.get("/api/v1/mentions/count", params={"q": 'voltaro "storing'})
    assert bad.status_code == 422 and "position" in bad.json()
    assert api.get("/api/v1/mentions/count", params={"q": "topic:Nergens"}).status_code == 422


def test_the_search_commands(api: Api) -> None:
    seed(api.settings, api.engine, 12, analyse=False)
    env = {"LUISTER_DATABASE_URL": api.settings.database_url, "COLUMNS": "160"}
    if api.settings.database_schema:
        env["LUISTER_DATABASE_SCHEMA"] = api.settings.database_schema
    runner = CliRunner()
    status = runner.invoke(app, ["search", "status"], env=env)
    assert status.exit_code == 0 and "holds every mention" in status.output
    built = runner.invoke(app, ["search", "build"], env=env)
    assert built.exit_code == 0 and "holds every mention" in built.output
    counted = runner.invoke(app, ["search", "count", "voltaro", "--since", "2000-01-01"], env=env)
    assert counted.exit_code == 0 and counted.output.strip() == "9", counted.output
    bad = runner.invoke(app, ["search", "count", "voltaro", "--since", "gisteren"], env=env)
    assert bad.exit_code == 2 and "is not a date" in bad.output
