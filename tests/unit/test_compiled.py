"""The matcher runs compiled when built and current, from its sources otherwise — never a stale build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from luister import compiled


def test_the_matcher_runs_as_the_build_says() -> None:
    state = compiled.decided  # the environment when luister was imported (fixtures may change it since)
    assert state in ("compiled", "pure"), (
        f"the compiled matcher is {state}: `make install` (scripts/compile.py) builds it; "
        f"{compiled.PURE_VARIABLE}=1 runs the sources on purpose"
    )
    import luister.domain.matcher  # noqa: F401  (imported for running())

    assert compiled.running() == state


def test_a_source_changed_since_the_build_makes_the_sources_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(compiled.PURE_VARIABLE, raising=False)
    stamp = tmp_path / "compiled.json"
    monkeypatch.setattr(compiled, "STAMP", stamp)
    hashes = compiled.source_hashes()
    stamp.write_text(json.dumps({"sources": hashes}), encoding="utf-8")
    assert compiled.stamp_matches()
    stamp.write_text(json.dumps({"sources": {**hashes, compiled.MODULES[0]: "0" * 64}}), encoding="utf-8")
    assert not compiled.stamp_matches()
    stamp.write_text("{broken", encoding="utf-8")
    assert not compiled.stamp_matches()
    monkeypatch.setattr(compiled, "built", lambda: [Path("matcher.so")])
    assert compiled.wanted() == "stale"
    monkeypatch.setenv(compiled.PURE_VARIABLE, "1")
    assert compiled.wanted() == "pure"


def test_the_source_finder_finds_only_the_compiled_modules_as_their_sources() -> None:
    finder = compiled._Sources()
    for module in compiled.MODULES:
        spec = finder.find_spec(module)
        assert spec is not None and spec.origin == str(compiled.source(module))
    assert finder.find_spec("luister.domain.queries") is None
