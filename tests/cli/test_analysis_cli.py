"""``luister analyse / correct / train`` in process, on SQLite."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from luister.cli import app
from luister.settings import Settings
from luister.storage.engine import create_engine
from luister.storage.tables import mention
from luister.testing import record, write_jsonl

runner = CliRunner()


def invoke(settings: Settings, *args: str, **env: str):  # type: ignore[no-untyped-def]
    base = {"LUISTER_DATABASE_URL": settings.database_url, "LUISTER_DATA_DIR": str(settings.data_dir),
            "COLUMNS": "200"}  # fmt: skip
    return runner.invoke(app, list(args), env=base | env)


def stored(settings: Settings) -> list[sa.Row]:
    engine = create_engine(settings)
    with engine.connect() as conn:
        found = list(conn.execute(sa.select(mention).order_by(mention.c.id)))
    engine.dispose()
    return found


def test_analyse_one_text_explains_itself_and_prints_hostile_text_literally(
    sqlite_settings: Settings,
) -> None:
    text = "[bold red]Waarom[/] is mijn rekening ineens zo hoog? Ik stap over naar Enerlux <script>x</script>"
    result = invoke(sqlite_settings, "analyse", text)
    assert result.exit_code == 0, result.output
    assert "[bold red]Waarom[/]" in result.output  # not interpreted as Rich markup
    assert "language nl" in result.output
    assert "sentiment negative" in result.output
    assert "churn" in result.output and "question" in result.output
    assert "words that drove the fast score" in result.output


def test_import_then_correct_then_retrain_learns_the_correction(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "m.jsonl", [
        record(1, text="Voltaro heeft de beste klantenservice, echt top geholpen!", lang=None),
        record(2, text="Het licht ging uit in heel Utrecht, wat is er aan de hand Voltaro?", lang=None),
    ])  # fmt: skip
    assert invoke(sqlite_settings, "import", str(path)).exit_code == 0
    first, second = stored(sqlite_settings)
    assert first.sentiment == "positive" and "praise" in first.intents
    refused = invoke(sqlite_settings, "correct", str(second.id), "--sentiment", "furious")
    assert refused.exit_code == 2 and "sentiment must be one of" in refused.output
    fixed = invoke(sqlite_settings, "correct", str(second.id), "--sentiment", "negative",
                   "--intent", "question", "--intent", "crisis", "--by", "anouk")  # fmt: skip
    assert fixed.exit_code == 0, fixed.output
    assert (stored(sqlite_settings)[1].sentiment, stored(sqlite_settings)[1].intents) == (
        "negative", "question,crisis"
    )  # fmt: skip
    empty = tmp_path / "no-shared-data"
    empty.mkdir()
    trained = invoke(sqlite_settings, "train", "--data", str(empty), "--no-accurate", "--no-tune")
    assert trained.exit_code == 0, trained.output
    assert "1 corrections learnt" in trained.output
    assert (sqlite_settings.data_dir / "models" / "manifest.json").exists()
    assert "intents" in trained.output and "after" in trained.output


def test_analyse_missing_fills_in_mentions_imported_with_analysis_off(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    path = write_jsonl(tmp_path / "m.jsonl", [record(n) for n in range(30)])
    assert invoke(sqlite_settings, "import", str(path), LUISTER_ANALYSIS="off").exit_code == 0
    assert all(row.sentiment is None for row in stored(sqlite_settings))
    result = invoke(sqlite_settings, "analyse", "--missing")
    assert result.exit_code == 0, result.output
    assert "analysed 30 mentions" in result.output
    assert all(row.sentiment is not None for row in stored(sqlite_settings))


def test_trends_and_authors_on_imported_mentions(sqlite_settings: Settings, tmp_path: Path) -> None:
    rows = [record(n, text=f"Voltaro factuur vraag {n}", created_at=f"2026-11-{10 + n % 7:02d}T10:00:00Z",
                   author="klant", followers=120) for n in range(200)]  # fmt: skip
    rows += [record(n, text=f"De slimme meter van Voltaro doet het niet ({n}) #storing <b>x</b>",
                    created_at="2026-11-17T09:00:00Z", author="[red]<i>eve</i>", followers=9000)
             for n in range(200, 230)]  # fmt: skip
    path = write_jsonl(tmp_path / "m.jsonl", rows)
    assert invoke(sqlite_settings, "import", str(path)).exit_code == 0
    trends = invoke(sqlite_settings, "trends", "--hours", "24")
    assert trends.exit_code == 0, trends.output
    assert "slimme meter" in trends.output and "#storing" in trends.output
    assert "factuur" not in trends.output
    authors = invoke(sqlite_settings, "authors", "--days", "30")
    assert authors.exit_code == 0, authors.output
    assert authors.output.index("[red]<i>eve") < authors.output.index("klant")  # as text, ranked first
    unknown = invoke(sqlite_settings, "trends", "--topic", "Nope")
    assert unknown.exit_code == 2 and "no topic named 'Nope'" in unknown.output


def test_eval_prints_polar_label_primary_intent_and_the_challenge_set(
    sqlite_settings: Settings,
    tmp_path: Path,
    monkeypatch,  # type: ignore[no-untyped-def]
) -> None:
    """Fast mode only (the encoders are slow here): the tables and the markdown carry the new figures."""
    from luister.analysis.analyser import Analyser, AnalysisMode
    from luister.analysis.models import load_models
    from luister.analysis.report import evaluate
    from luister.services import training

    def fast_only(**kwargs):  # type: ignore[no-untyped-def]
        analysers = {"luister fast": Analyser(load_models(), mode=AnalysisMode.FAST)}
        return evaluate(analysers=analysers, data_dir=None, baselines=False)

    monkeypatch.setattr(training, "evaluate_models", fast_only)
    out = tmp_path / "accuracy.md"
    result = invoke(sqlite_settings, "eval", "--markdown", str(out))
    assert result.exit_code == 0, result.output
    assert "polar label" in result.output and "primary macro-F1" in result.output
    assert "Challenge set" in result.output
    markdown = out.read_text("utf-8")
    assert "## Challenge set" in markdown and "| nl | 78 | luister fast |" in markdown
    assert "luister webcare examples (test)" in markdown
