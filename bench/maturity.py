"""Maturity assessment benchmark: the assessment (every evidence provider, the model and the answers) and
the history of 12 months computed from the data, on the inbox benchmark's fixture.

    python bench/maturity.py                          # SQLite, 100,000 open + 50,000 resolved conversations
    python bench/maturity.py --open 20000 --resolved 10000 --repeat 5

The fixture is bench/inbox.py's (written straight into the tables), plus answers to the questionnaire. The
assessment is timed as the page calls it (``luister.organisation.maturity_read.assessment``), and the
history with no stored snapshot, so every month is computed as it stood at its end (the worst case).
Prints one figure per line: p50 and p95 in milliseconds over --repeat runs.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from inbox import NOW, build, timed  # noqa: E402

from luister.organisation.maturity_actions import answer  # noqa: E402
from luister.organisation.maturity_read import assessment, history  # noqa: E402
from luister.settings import get_settings  # noqa: E402
from luister.storage.engine import create_engine  # noqa: E402
from luister.storage.migrate import upgrade  # noqa: E402

ANSWERS = {"strategy": 3, "people": 3, "governance": 3, "processes": 4, "training": 2, "measurement": 3,
           "technology": 4}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--open", type=int, default=100_000, help="unresolved conversations")
    parser.add_argument("--resolved", type=int, default=50_000, help="resolved conversations")
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = create_engine(get_settings(database_url=f"sqlite:///{Path(tmp) / 'maturity.db'}"))
        upgrade(engine)
        started = time.perf_counter()
        build(engine, open_count=args.open, resolved_count=args.resolved)
        answer(engine=engine, actor="bench", answers=ANSWERS, now=NOW)
        print(f"maturity sqlite build s: {time.perf_counter() - started:.1f}")
        print(f"maturity sqlite conversations: {args.open + args.resolved}")
        for name, call in {
            "assessment": lambda: assessment(engine=engine, at=NOW),
            "history 12 months": lambda: history(engine=engine, now=NOW, months=12),
        }.items():
            p50, p95 = timed(call, args.repeat)
            print(f"maturity sqlite {name} p50 ms: {p50:.1f}")
            print(f"maturity sqlite {name} p95 ms: {p95:.1f}", flush=True)
        engine.dispose()


if __name__ == "__main__":
    main()
