"""``/api/v1/exports/*`` on SQLite and PostgreSQL: the mentions export has as many rows as the overview
dashboard counts with the same filters (CSV, Dutch-Excel CSV and XLSX alike), conversations in the
caller's departments, a KPI's values per period equal to the KPI page's, and the refusals."""

from __future__ import annotations

import csv
import io

import sqlalchemy as sa
from api_helpers import Api
from openpyxl import load_workbook
from sqlalchemy.engine import Engine
from test_kpis_api import ready

from kpi_world import goals
from luister.inbox.tables import conversation
from luister.settings import Settings
from luister.testing import runtime_for


def csv_rows(body: bytes, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=delimiter))


def test_mention_exports_hold_what_the_dashboard_counts(api: Api) -> None:
    runtime_for(api.settings, api.engine).load_demo(seed=5, count=1200, batch_size=1200, days=20)
    everything = api.get("/api/v1/analytics/overview", params={"days": 30}).json()
    brand = next(v["topic"] for v in everything["share_of_voice"] if v["kind"] == "brand")
    channel = everything["channels"][0]["key"]
    filters = {"topic": brand, "channel": channel, "since": everything["since"], "until": everything["until"]}
    for extra in ({}, {"sentiment": "negative"}, {"country": "-"}):
        overview = api.get("/api/v1/analytics/overview", params=filters | extra).json()
        counted = overview["totals"]["mentions"]
        assert counted > 0 or extra == {"country": "-"}
        answer = api.get("/api/v1/exports/mentions", role="viewer", params=filters | extra)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/csv")
        rows = csv_rows(answer.content)
        assert rows[0][:3] == ["id", "published_at (UTC)", "date_known"]
        assert len(rows) - 1 == counted
        assert {r[3] for r in rows[1:]} <= {channel}

    dutch = api.get("/api/v1/exports/mentions", params=filters | {"format": "csv-nl"})
    assert dutch.content.startswith("\ufeff".encode())
    rows = csv_rows(dutch.content, ";")
    header = rows[0]
    scores = [r[header.index("sentiment_score")] for r in rows[1:] if r[header.index("sentiment_score")]]
    assert scores and all("." not in s for s in scores) and any("," in s for s in scores)
    total = api.get("/api/v1/analytics/overview", params=filters).json()["totals"]["mentions"]
    assert len(rows) - 1 == total

    xlsx = api.get("/api/v1/exports/mentions", params=filters | {"format": "xlsx"})
    assert xlsx.status_code == 200 and xlsx.headers["content-type"].startswith("application/vnd.openxml")
    assert 'filename="mentions.xlsx"' in xlsx.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(xlsx.content), read_only=True).active
    assert sheet is not None
    assert sum(1 for _ in sheet.iter_rows()) - 1 == total

    # Conversations: every one for an admin; the format is checked
    answer = api.get("/api/v1/exports/conversations", params={"format": "csv"})
    with api.engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(conversation)).scalar_one()
    assert stored > 0 and len(csv_rows(answer.content)) - 1 == stored
    assert api.get("/api/v1/exports/mentions", params={"format": "pdf"}).status_code == 422
    assert api.get("/api/v1/exports/mentions", params={"topic": "nope"}).status_code == 422


def test_kpi_export_equals_the_kpi_page(settings: Settings, engine: Engine) -> None:
    api = ready(settings, engine)
    ids = goals(engine)
    with api.client:
        page = api.get(f"/api/v1/kpis/{ids['sov']}").json()
        answer = api.get(f"/api/v1/exports/kpis/{ids['sov']}", params={"count": 12})
        assert answer.status_code == 200, answer.text
        rows = csv_rows(answer.content)
        assert rows[0][:5] == ["kpi", "period", "start", "end", "value"]
        values = [float(r[4]) if r[4] else None for r in rows[1:]]
        assert values == [p["value"] for p in page["series"]]
        assert rows[-1][4] == "50.0" and rows[-1][8] == "45.0"  # this month's value and target
        dutch = api.get(f"/api/v1/exports/kpis/{ids['sov']}", params={"format": "csv-nl"})
        assert csv_rows(dutch.content, ";")[-1][4] == "50,0"
        assert api.get("/api/v1/exports/kpis/999999").status_code == 404
        # sam (sales) sees the company's KPIs: the same rows
        assert api.get(f"/api/v1/exports/kpis/{ids['sov']}", role="sam").content == answer.content
