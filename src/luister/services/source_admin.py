"""Managing sources from the web pages: a source's recent runs, pausing and resuming it, and a connector's
options model described as form fields (and a filled-in form read back into options).

Builds on :mod:`luister.services.sources`, which stays the one place that validates and saves a source.
"""

from __future__ import annotations

import json
import types
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Literal, Union, get_args, get_origin

import sqlalchemy as sa
from pydantic import BaseModel, SecretStr, ValidationError
from sqlalchemy.engine import Engine

from luister.domain.accounts import EVERYTHING, Scope
from luister.domain.sources import is_secret_name
from luister.services import audit
from luister.services.sources import SourceError, check_owned
from luister.storage.tables import source, source_run

RUNS_SHOWN = 50
FieldKind = Literal["text", "number", "bool", "secret", "choice", "list", "json"]


@dataclass(slots=True, frozen=True)
class RunRead:
    started_at: datetime
    finished_at: datetime
    fetched: int
    stored: int
    rejected: int
    error: str | None

    @property
    def seconds(self) -> float:
        return (self.finished_at - self.started_at).total_seconds()


def recent_runs(*, engine: Engine, source_id: int, limit: int = RUNS_SHOWN) -> list[RunRead]:
    """A source's newest runs first."""
    query = (
        sa.select(source_run)
        .where(source_run.c.source_id == source_id)
        .order_by(source_run.c.started_at.desc(), source_run.c.id.desc())
        .limit(limit)
    )
    with engine.connect() as conn:
        return [
            RunRead(r.started_at, r.finished_at, r.fetched, r.stored, r.rejected, r.error)
            for r in conn.execute(query)
        ]


def set_source_enabled(
    *, engine: Engine, name: str, enabled: bool, actor: str, scope: Scope = EVERYTHING
) -> None:
    """Pause a source (the listener skips it) or resume it; only a source the scope owns."""
    with engine.begin() as conn:
        check_owned(conn, name, scope)
        if not conn.execute(source.update().where(source.c.name == name).values(enabled=enabled)).rowcount:
            raise SourceError(f"no source named {name!r}")
        action = "source.enable" if enabled else "source.disable"
        audit.record(conn, actor=actor, action=action, target=name)


@dataclass(slots=True, frozen=True)
class OptionField:
    """One option of a connector, as a form shows it."""

    name: str
    kind: FieldKind
    required: bool
    default: str  # as the form shows it; empty for none (and always for secrets)
    description: str
    choices: tuple[str, ...] = ()


def option_fields(model: type[BaseModel]) -> list[OptionField]:
    """The fields of a connector's options model, in the model's order."""
    fields = []
    for name, info in model.model_fields.items():
        kind, choices = _kind(name, info.annotation)
        default = (
            ""
            if info.is_required() or kind == "secret"
            else _shown(info.get_default(call_default_factory=True))
        )
        fields.append(OptionField(name, kind, info.is_required(), default, info.description or "", choices))
    return fields


def read_option_form(
    model: type[BaseModel], values: Mapping[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """Options from a filled-in form (``values`` by field name) and the problems per field, checked
    against ``model``. Empty fields are left out, so the model's defaults apply."""
    options: dict[str, Any] = {}
    problems: dict[str, str] = {}
    for field in option_fields(model):
        value = values.get(field.name, "").strip()
        if field.kind == "bool":
            options[field.name] = value in ("true", "on", "1")
        elif not value:
            continue
        elif field.kind == "json":
            try:
                options[field.name] = json.loads(value)
            except json.JSONDecodeError:
                problems[field.name] = "not valid JSON"
        elif field.kind == "list":
            options[field.name] = [part.strip() for part in value.split(",") if part.strip()]
        else:
            options[field.name] = value
    try:
        model(**options)
    except ValidationError as exc:
        for error in exc.errors():
            where = str(error["loc"][0]) if error["loc"] else ""
            problems.setdefault(where, str(error["msg"]).removeprefix("Value error, "))
    return options, problems


def _kind(name: str, annotation: Any) -> tuple[FieldKind, tuple[str, ...]]:
    base = _without_none(annotation)
    if base is SecretStr or is_secret_name(name):
        return "secret", ()
    if base is bool:
        return "bool", ()
    if base in (int, float):
        return "number", ()
    if isinstance(base, type) and issubclass(base, Enum):
        return "choice", tuple(str(member.value) for member in base)
    if get_origin(base) is Literal:
        return "choice", tuple(str(arg) for arg in get_args(base))
    if get_origin(base) in (list, tuple, set, frozenset):
        return "list", ()
    if get_origin(base) is dict or base is dict:
        return "json", ()
    return "text", ()


def _without_none(annotation: Any) -> Any:
    """``X | None`` → ``X``; ``Annotated[X, …]`` → ``X``."""
    while hasattr(annotation, "__metadata__"):
        annotation = annotation.__origin__
    if get_origin(annotation) in (Union, types.UnionType):
        rest = [arg for arg in get_args(annotation) if arg is not type(None)]
        return _without_none(rest[0]) if len(rest) == 1 else annotation
    return annotation


def _shown(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, dict):
        return json.dumps(value) if value else ""
    if isinstance(value, list | tuple):
        return ", ".join(map(str, value))
    return str(value)
