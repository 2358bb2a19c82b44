"""``luister eval`` prints the department routing table and writes its markdown section."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from luister.analysis.report import EvalReport
from luister.cli import app
from luister.settings import Settings


def test_eval_prints_department_routing(
    sqlite_settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from luister.analysis.analyser import Analyser, AnalysisMode
    from luister.analysis.models import load_models
    from luister.analysis.report import evaluate
    from luister.services import training

    def fast_only(**kwargs: object) -> EvalReport:  # the encoders are slow here
        analysers = {"luister fast": Analyser(load_models(), mode=AnalysisMode.FAST)}
        return evaluate(analysers=analysers, data_dir=None, baselines=False)

    monkeypatch.setattr(training, "evaluate_models", fast_only)
    out = tmp_path / "accuracy.md"
    env = {
        "LUISTER_DATABASE_URL": sqlite_settings.database_url,
        "LUISTER_DATA_DIR": str(sqlite_settings.data_dir),
        "COLUMNS": "200",
    }
    result = CliRunner().invoke(app, ["eval", "--markdown", str(out)], env=env)
    assert result.exit_code == 0, result.output
    assert "Department routing (test split): macro-F1" in result.output
    assert "communications" in result.output and "customer-service" in result.output
    markdown = out.read_text("utf-8")
    assert "## Challenge set" in markdown and "## Department routing" in markdown
