"""The Typer app and what every command shares: settings, logging, consoles, errors."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import Annotated, Any, NoReturn

import orjson
import typer
from pydantic import ValidationError
from rich.console import Console
from rich.logging import RichHandler
from rich.markup import escape
from sqlalchemy.engine import Engine

from luister import __version__
from luister.heap import settle_for_bulk_work
from luister.runtime import Runtime
from luister.settings import Settings, get_settings

app = typer.Typer(
    name="luister",
    help="luister — self-hosted social listening. Hear what people say about your brand, and act on it.",
    no_args_is_help=True,
    rich_markup_mode="rich",
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema: upgrade and inspect migrations.", no_args_is_help=True)
app.add_typer(db_app, name="db")

console = Console()
err = Console(stderr=True)


@dataclass
class CliState:
    overrides: dict[str, Any] = field(default_factory=dict)
    _settings: Settings | None = None
    _runtime: Runtime | None = None

    def settings(self) -> Settings:
        if self._settings is None:
            try:
                self._settings = get_settings(**self.overrides)
            except ValidationError as exc:
                fail(f"invalid settings: {exc}", code=2)
            configure_logging(self._settings.log_level)
        return self._settings

    def runtime(self) -> Runtime:
        """The process's composition root, made on first use (logging is configured first, so plugins
        that fail to load are reported through it)."""
        if self._runtime is None:
            self._runtime = Runtime(self.settings())
        return self._runtime

    def engine(self) -> Engine:
        return self.runtime().engine

    def enrichers(self) -> list[Any]:
        """The runtime's enricher chain, for a command that ingests in bulk."""
        enrichers = self.runtime().enrichers()
        settle_for_bulk_work()  # the models and topics are loaded: see luister.heap
        return enrichers


def configure_logging(level: str) -> None:
    handler = RichHandler(console=err, show_path=False)
    logging.basicConfig(level=level, format="%(message)s", handlers=[handler], force=True)
    if level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)
    # httpx logs every request URL at INFO; a platform key in a query string must never reach a log
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def fail(message: str, *, code: int = 1) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        console.print(f"luister {__version__}")
        raise typer.Exit()


@app.callback()
def main_options(
    ctx: typer.Context,
    database_url: Annotated[
        str | None, typer.Option("--database-url", help="Overrides LUISTER_DATABASE_URL.", show_default=False)
    ] = None,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Settings come from LUISTER_* variables and ./luister.toml; see docs/configuration.md."""
    overrides = {"database_url": database_url} if database_url else {}
    ctx.obj = CliState(overrides=overrides)
    _follow_terminal_width()


def _follow_terminal_width() -> None:
    """Honour COLUMNS on every invocation (the consoles are created once per process)."""
    columns = os.environ.get("COLUMNS", "")
    for each in (console, err):
        each.width = int(columns) if columns.isdigit() and int(columns) > 0 else each.size.width


def state_of(ctx: typer.Context) -> CliState:
    state = ctx.find_object(CliState)
    return state if state is not None else CliState()


def option_pairs(pairs: list[str]) -> dict[str, Any]:
    """``KEY=VALUE`` pairs; a VALUE that is valid JSON (numbers, lists, objects, true) is taken as JSON."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            fail(f"--option {pair!r}: write it as KEY=VALUE, e.g. url=https://example.nl/feed", code=2)
        try:
            options[key.strip()] = orjson.loads(value)
        except orjson.JSONDecodeError:
            options[key.strip()] = value
    return options
