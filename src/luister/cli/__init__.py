"""The ``luister`` command line: parse, call one service, render. No business rules here."""

from luister.cli import (  # noqa: F401  (each module registers its commands)
    alert_channels,
    alerts,
    analysis,
    core,
    effects,
    exports,
    inbox,
    inbox_replies,
    inbox_reports,
    inbox_voices,
    kpis,
    organisation,
    organisation_knowledge,
    organisation_maturity,
    organisation_policy,
    organisation_training,
    privacy,
    projects,
    reports,
    search,
    secrets,
    sources,
    tokens,
    topics,
    users,
)
from luister.cli.app import app


def main() -> None:
    app()


__all__ = ["app", "main"]
