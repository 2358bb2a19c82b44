"""``/api/v1/reports/{template}.pdf`` on SQLite and PostgreSQL: the PDF of the KPI world's week with its
figures, the default week, refusals with their field, who may download it, and schemathesis over the route."""

from __future__ import annotations

import io

import pypdf
import schemathesis
from api_helpers import Api, make_api
from sqlalchemy.engine import Engine
from test_schemathesis import call_every_operation

from kpi_world import NOW, goals, world
from luister.settings import Settings


def ready(settings: Settings, engine: Engine) -> Api:
    api = make_api(settings, engine)
    api.client.app.state.runtime.clock = lambda: NOW  # type: ignore[attr-defined]
    world(engine)
    goals(engine)
    return api


def text_of(document: bytes) -> str:
    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(document)).pages).split())


def test_the_report_downloads_as_a_pdf(settings: Settings, engine: Engine) -> None:
    api = ready(settings, engine)
    with api.client:
        got = api.get(
            "/api/v1/reports/weekly_webcare.pdf?from=2026-11-30&to=2026-12-06&lang=en", role="viewer"
        )
        assert got.status_code == 200, got.text
        assert got.headers["content-type"] == "application/pdf"
        assert got.headers["content-disposition"] == 'attachment; filename="weekly_webcare-2026-11-30.pdf"'
        text = text_of(got.content)
        assert "Weekly webcare and KPI report" in text and "Period: 30 Nov 2026 – 6 Dec 2026" in text
        assert "Share of voice share_of_voice/mentions@1.0 50 % (95 % interval 18.76 % – 81.24 %)" in text
        assert "Conversations opened 3" in text and "Mentions published 7" in text
        default = api.get("/api/v1/reports/monthly_management.pdf")  # last week, in Dutch
        assert default.status_code == 200
        assert "Periode: 23 nov 2026 – 29 nov 2026" in text_of(default.content)
        for url, where in (("/api/v1/reports/yearly.pdf", "template"),
                           ("/api/v1/reports/weekly_webcare.pdf?from=2026-12-06&to=2026-11-30", "to"),
                           ("/api/v1/reports/weekly_webcare.pdf?from=2020-01-01&to=2026-11-30", "to"),
                           ("/api/v1/reports/weekly_webcare.pdf?from=31-12-2026", "from"),
                           ("/api/v1/reports/weekly_webcare.pdf?lang=de", "lang")):  # fmt: skip
            refused = api.get(url)
            assert refused.status_code == 422, url
            assert where in refused.text, (url, refused.text)
        assert api.client.get("/api/v1/reports/weekly_webcare.pdf").status_code == 401


def test_no_report_operation_answers_with_a_server_error_or_off_schema(
    settings: Settings, engine: Engine
) -> None:
    api = ready(settings, engine)
    with api.client:
        schema = schemathesis.openapi.from_asgi("/api/openapi.json", api.client.app)
        operations = [
            op
            for op in (result.ok() for result in schema.get_all_operations())
            if "reports" in op.definition.raw["tags"] and ".pdf" in op.path
        ]
        assert len(operations) == 1
        failures, calls = call_every_operation(operations, headers=api.headers("admin"), max_examples=6)
    assert not failures, "\n\n".join(failures)
