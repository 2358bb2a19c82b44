"""``luister export mentions|conversations|kpi`` in process, on SQLite: files with the stored rows."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import sqlalchemy as sa
from openpyxl import load_workbook
from test_kpis_cli import invoke

from kpi_world import goals, world
from luister.services.database import open_database
from luister.settings import Settings
from luister.storage.tables import mention


def test_export_commands_write_the_files(sqlite_settings: Settings, tmp_path: Path) -> None:
    engine = open_database(settings=sqlite_settings)
    world(engine)
    ids = goals(engine)
    with engine.connect() as conn:
        stored = conn.execute(sa.select(sa.func.count()).select_from(mention)).scalar_one()
    engine.dispose()

    out = tmp_path / "m.csv"
    done = invoke(sqlite_settings, "export", "mentions", "--format", "csv-nl", "--out", str(out))
    assert done.exit_code == 0, done.output
    rows = list(csv.reader(io.StringIO(out.read_bytes().decode("utf-8-sig")), delimiter=";"))
    assert len(rows) - 1 == stored > 0

    out = tmp_path / "m.xlsx"
    done = invoke(
        sqlite_settings, "export", "mentions", "--topic", "Voltaro", "--format", "xlsx", "--out", str(out)
    )
    assert done.exit_code == 0, done.output
    sheet = load_workbook(out, read_only=True).active
    assert sheet is not None and 1 < sum(1 for _ in sheet.iter_rows()) <= stored

    out = tmp_path / "k.csv"
    done = invoke(sqlite_settings, "export", "kpi", str(ids["sov"]), "--count", "3", "--out", str(out))
    assert done.exit_code == 0, done.output
    assert len(out.read_text().splitlines()) == 4

    done = invoke(sqlite_settings, "export", "conversations", "--out", str(tmp_path / "c.csv"))
    assert done.exit_code == 0 and (tmp_path / "c.csv").read_text().startswith("id,created_at")
    assert invoke(sqlite_settings, "export", "kpi", "999", "--out", str(out)).exit_code == 1
    assert invoke(sqlite_settings, "export", "mentions", "--topic", "nope", "--out", str(out)).exit_code == 1
