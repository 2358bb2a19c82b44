"""The weekly report as a document, rendered from the KPI test world: its PDF's text (read back with pypdf)
holds the KPI names, their figures and the Dutch labels; hostile names stay escaped in the HTML; the
scheduler's render puts the same report into the e-mail it plans."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import pypdf
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from kpi_world import NOW, goals, world
from luister.domain.accounts import Scope
from luister.effects.tables import effect
from luister.kpis import actions, projects, report_render
from luister.kpis.reports import add_schedule, tick
from luister.storage.tables import ROLLUP_TABLES

HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def _text(document: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(document))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def _squash(text: str) -> str:
    return " ".join(text.split())


def test_the_pdf_holds_every_kpi_with_its_figures_in_dutch(engine: Engine) -> None:
    world(engine)
    k = goals(engine)
    pid = projects.create(engine=engine, actor="t", name="#Zonnedeal", kind="campaign", now=NOW,
                          starts_on=date(2026, 11, 16), ends_on=date(2026, 12, 20), budget_cents=2_500_000,
                          kpi_ids=[k["sov"], k["leads"]])  # fmt: skip
    projects.record_spend(engine=engine, actor="t", project_id=pid, amount_cents=1_234_500,
                          spent_on=date(2026, 11, 20), now=NOW)  # fmt: skip
    document = report_render.render_pdf(engine=engine, template="weekly_webcare", start=date(2026, 11, 30),
                                        end=date(2026, 12, 7), language="nl", now=NOW)  # fmt: skip
    assert document.startswith(b"%PDF")
    text = _squash(_text(document))
    labels = ("Wekelijks webcare- en KPI-rapport", "Doelen en KPI's", "Streefcijfer", "Verwachting",
              "Belangrijkste projecten", "Geopende gesprekken", "Gepubliceerde vermeldingen")  # fmt: skip
    names = ("Share of voice", "SoV by reach", "SoV by engagement", "Net sentiment", "Leads", "Sales volume",
             "New customers", "A better reputation than Stroomwijs", "More new customers")  # fmt: skip
    for expected in labels + names:
        assert expected in text, expected
    # December so far (NOW = 4 Dec 12:00): Voltaro 3 of 6 mentions → 50 %; the target 45 %; 2 leads of
    # target 19, forecast 2 / 0.114247 = 17.5 → 18, at risk ("risico"); net sentiment (2 − 1) / 3 = 0.33
    assert (
        "50% (95%-interval 18,76% – 81,24%) Streefcijfer: 45% · Verwachting: 50% · Status: op koers" in text
    )
    assert "Leads leads@1.0 2 Streefcijfer: 19 · Verwachting: 18 · Status: risico" in text
    assert "net_sentiment/share@1.0 0,33" in text
    assert "Per week: W44 0 · W45 0 · W46 0 · W47 0 · W48 1 · W49 2" in text  # the leads chart's figures
    assert "#Zonnedeal" in text and "€ 25.000" in text and "€ 12.345" in text
    # the week of 30 Nov: 7 mentions published (the undated one left out), 3 conversations opened
    assert "Gepubliceerde vermeldingen 7" in text
    assert "Geopende gesprekken 3" in text


def test_english_html_escapes_hostile_names_and_keeps_inline_styles(engine: Engine) -> None:
    world(engine)
    with engine.begin() as conn:  # no counts kept yet (as while `luister db recount` rebuilds them)
        for table in ROLLUP_TABLES.values():
            conn.execute(table.delete())
    k = goals(engine)
    actions.update_goal(engine=engine, goal_id=k["goal"], name=HOSTILE, actor="test")
    projects.create(engine=engine, actor="t", name=HOSTILE, kind="campaign", now=NOW,
                    starts_on=date(2026, 12, 1), ends_on=date(2026, 12, 3), kpi_ids=[k["sov"]])  # fmt: skip
    report = report_render.gather(engine=engine, template="weekly_webcare", start=date(2026, 11, 30),
                                  end=date(2026, 12, 7), now=NOW)  # fmt: skip
    page = report_render.html(report, "en")
    assert "<script>" not in page and "<img" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in page
    assert "<link" not in page and 'style="' in page and "<svg" in page
    assert "Weekly webcare and KPI report" in page and "Share of voice" in page
    # a project's attribution against a KPI without rollups says why, instead of failing the report
    assert "has no counts yet" in page
    pdf_text = _squash(_text(report_render.pdf(report, "en")))
    assert '<script>alert("x")</script>' in pdf_text  # drawn as text, never run


def test_a_department_sees_its_own_report(engine: Engine) -> None:
    world(engine)
    goals(engine)
    report = report_render.gather(engine=engine, template="weekly_webcare", start=date(2026, 11, 30),
                                  end=date(2026, 12, 7), now=NOW, scope=Scope("product"))  # fmt: skip
    assert (
        report.mentions.total == 4
    )  # the company's topics (the competitors) and its own "Intern", not Voltaro
    sales = report_render.gather(engine=engine, template="weekly_webcare", start=date(2026, 11, 30),
                                 end=date(2026, 12, 7), now=NOW, scope=Scope("sales"))  # fmt: skip
    assert sales.mentions.total == 6 and sales.inbox.opened == 3


@pytest.mark.parametrize(
    ("template", "start", "end", "language", "field"),
    [("yearly", date(2026, 1, 1), date(2026, 1, 8), "nl", "template"),
     ("weekly_webcare", date(2026, 1, 8), date(2026, 1, 1), "nl", "to"),
     ("weekly_webcare", date(2024, 1, 1), date(2026, 1, 1), "nl", "to"),
     ("weekly_webcare", date(2026, 1, 1), date(2026, 1, 8), "de", "lang")],
)  # fmt: skip
def test_bad_requests_name_their_field(
    template: str, start: date, end: date, language: str, field: str
) -> None:
    with pytest.raises(report_render.ReportProblem) as caught:
        report_render.check(template, start, end, language)
    assert caught.value.field == field


def test_the_scheduler_mails_the_rendered_report(engine: Engine) -> None:
    world(engine)
    goals(engine)
    add_schedule(engine=engine, name="Webcare", recipients=["team@voltaro.example"], weekday=0, at="08:00",
                 now=datetime(2026, 11, 1, tzinfo=UTC), actor="test")  # fmt: skip
    render = report_render.renderer(engine=engine)
    (planned,) = tick(engine=engine, now=datetime(2026, 12, 4, 12, tzinfo=UTC), render=render)
    with engine.connect() as conn:
        row = conn.execute(sa.select(effect).where(effect.c.id == planned)).one()
    assert row.target["subject"] == "Wekelijks webcare- en KPI-rapport: 23 nov 2026 – 29 nov 2026"
    assert "Share of voice" in row.body and "Doelen en KPI&#39;s" in row.body
