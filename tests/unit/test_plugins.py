from __future__ import annotations

import logging
from importlib.metadata import EntryPoint

import pytest

from luister import plugins
from luister.hookspecs import hookimpl


class FakeConnector:
    name = "fake"


class FakePlugin:
    @hookimpl
    def luister_connectors(self) -> list[type]:
        return [FakeConnector]

    @hookimpl
    def luister_enrichers(self) -> list[object]:
        return ["an-enricher"]


def test_extra_plugins_register_through_the_same_hooks() -> None:
    found = plugins.load_plugins(FakePlugin())
    assert found.connectors()["fake"] is FakeConnector
    assert "an-enricher" in found.enrichers()


def test_a_broken_plugin_is_reported_loudly(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    broken = EntryPoint(name="broken", value="luister_no_such_module:plugin", group="luister")
    monkeypatch.setattr(plugins, "entry_points", lambda group: [broken])
    with caplog.at_level(logging.ERROR):
        found = plugins.load_plugins()
    assert "ModuleNotFoundError" in found.failures["broken"]
    assert "plugin 'broken'" in caplog.text
