"""``luister org maturity``: the social business maturity assessment — show it (with its evidence), the
questionnaire, answer it, the history month by month, take this month's snapshot."""

from __future__ import annotations

from dataclasses import fields
from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from luister.cli.app import console, fail, state_of
from luister.cli.organisation import org_app
from luister.cli.output import Format, FormatOption, emit

maturity_app = typer.Typer(
    help="Social business maturity: Altimeter's six stages, from answers and evidence.", no_args_is_help=True
)
org_app.add_typer(maturity_app, name="maturity")
Language = Annotated[str, typer.Option("--lang", help="en or nl.")]


def _at(text: str | None) -> datetime:
    now = datetime.now(UTC)
    if not text:
        return now
    try:
        at = datetime.fromisoformat(text)
    except ValueError:
        fail(f"--at: {text!r} is not a date or time (e.g. 2026-11-30 or 2026-11-30T12:00)", code=2)
    from luister.organisation.maturity import moment_problem

    at = at if at.tzinfo else at.replace(tzinfo=UTC)
    problem = moment_problem(at, now)
    if problem:
        fail(f"--{problem}", code=2)
    return at


@maturity_app.command("show")
def maturity_show(
    ctx: typer.Context,
    at: Annotated[str | None, typer.Option(help="A moment in the past (UTC unless a zone is given).")] = None,
    lang: Language = "en",
    fmt: FormatOption = Format.table,
) -> None:
    """The assessment: stages from the answers and from the evidence, per dimension, with the evidence's
    links and figures, the organisation model and the next steps."""
    from luister.organisation.maturity import DIMENSION_NAMES, STAGE_NAMES
    from luister.organisation.maturity_model import MODEL_NAMES
    from luister.organisation.maturity_read import assessment

    found = assessment(engine=state_of(ctx).engine(), at=_at(at))
    if fmt is not Format.table:  # the questionnaire has its own command
        return emit(
            fmt, [{f.name: getattr(found, f.name) for f in fields(found) if f.name != "questionnaire"}]
        )

    def name(stage: object) -> str:
        return f"{int(stage)} {STAGE_NAMES[stage].in_(lang)}" if stage else "–"  # type: ignore[index,call-overload]

    answered = found.answered
    console.print(
        f"[bold]Answers[/]: {name(answered.scored.overall) if answered else '–'}"
        f"{f' ({escape(answered.answered_by)}, {answered.answered_at:%Y-%m-%d})' if answered else ''}"
        f"   [bold]Evidence[/]: {name(found.suggested.overall)}"
        f"   [bold]Model[/]: {MODEL_NAMES[found.model.model].in_(lang)}"
    )
    table = Table("dimension", "answers", "evidence", "links", title="Per dimension")
    for claim in found.suggested.claims[1:]:
        assert claim.dimension is not None
        table.add_row(
            DIMENSION_NAMES[claim.dimension].in_(lang),
            name(answered.scored.dimensions[claim.dimension]) if answered else "–",
            name(claim.stage),
            escape(" ".join(claim.links)),
        )
    console.print(table)
    evidence = Table("evidence", "suggests", "figures", "link", title="Evidence")
    for e in found.evidence:
        figures = ", ".join(f"{f.label.in_(lang)} {f.value:g}{f.unit}" for f in e.figures)
        evidence.add_row(escape(e.title.in_(lang)), name(e.stage), escape(figures), escape(e.link))
    console.print(evidence)
    console.print(f"[bold]Model[/]: {escape(found.model.reason.in_(lang))}")
    for step in found.steps:
        console.print(
            f"→ {DIMENSION_NAMES[step.dimension].in_(lang)} → {name(step.towards)}: "
            f"{escape(step.text.in_(lang))}"
        )


@maturity_app.command("questionnaire")
def maturity_questionnaire(lang: Language = "en") -> None:
    """The current questionnaire: for each question, the statement of each stage (1-6)."""
    from luister.organisation.maturity import Stage
    from luister.organisation.maturity_questions import CURRENT

    console.print(f"[bold]Questionnaire {CURRENT.version}[/]")
    for question in CURRENT.questions:
        console.print(f"\n[bold]{question.key}[/]: {escape(question.text.in_(lang))}")
        for stage in Stage:
            console.print(f"  {int(stage)}. {escape(question.statement(stage).in_(lang))}")


@maturity_app.command("answer")
def maturity_answer(
    ctx: typer.Context,
    answers: Annotated[list[str], typer.Argument(help="QUESTION=STAGE for every question, e.g. strategy=3.")],
    note: Annotated[str | None, typer.Option(help="Why, or what changed.")] = None,
) -> None:
    """Answer the questionnaire: the stage (1-6) whose statement fits, for every question."""
    from luister.organisation.maturity import AnswerProblem
    from luister.organisation.maturity_actions import answer
    from luister.organisation.maturity_read import assessment

    given: dict[str, object] = {}
    for pair in answers:
        key, sep, value = pair.partition("=")
        if not sep:
            fail(f"{pair!r}: write QUESTION=STAGE, e.g. strategy=3", code=2)
        given[key.strip()] = int(value) if value.strip().isdigit() else value.strip()
    now = datetime.now(UTC)
    engine = state_of(ctx).engine()
    try:
        answer(engine=engine, actor="cli", answers=given, note=note, now=now)
    except AnswerProblem as exc:
        fail(str(exc), code=2)
    found = assessment(engine=engine, at=now)
    assert found.answered is not None
    console.print(f"answered: stage {int(found.answered.scored.overall)} overall")


@maturity_app.command("history")
def maturity_history(
    ctx: typer.Context,
    months: Annotated[int, typer.Option(help="How many months back, 1-36.")] = 6,
    fmt: FormatOption = Format.table,
) -> None:
    """Month by month: stored snapshots, else computed from the data as it stood at the month's end."""
    from luister.organisation.maturity_read import history

    try:
        found = history(engine=state_of(ctx).engine(), now=datetime.now(UTC), months=months)
    except ValueError as exc:
        fail(f"--months: {exc}", code=2)
    if fmt is not Format.table:
        return emit(fmt, found)
    table = Table("month", "answers", "evidence", "model", "stored", title="History")
    for m in found:
        table.add_row(
            f"{m.month:%Y-%m}",
            str(int(m.answered_overall)) if m.answered_overall else "–",
            str(int(m.suggested_overall)) if m.suggested_overall else "–",
            m.model,
            "yes" if m.stored else "computed",
        )
    console.print(table)


@maturity_app.command("snapshot")
def maturity_snapshot(ctx: typer.Context) -> None:
    """Store this month's snapshot now (the latest answers and the evidence as it stands)."""
    from luister.organisation.maturity_actions import take_snapshot

    snapshot = take_snapshot(engine=state_of(ctx).engine(), actor="cli", now=datetime.now(UTC))
    console.print(f"snapshot {snapshot} stored")
