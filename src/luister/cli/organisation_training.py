"""``luister org training``: the curriculum, answering a quiz, someone's belt, the report per department,
and switching the belt gates on or off."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from luister.cli.app import console, fail, state_of
from luister.cli.organisation import org_app
from luister.cli.output import Format, FormatOption, emit

training_app = typer.Typer(
    help="Training: modules with quizzes, belts white to black that gate replying and approving.",
    no_args_is_help=True,
)
org_app.add_typer(training_app, name="training")
Language = Annotated[str, typer.Option("--language", help="nl or en.")]


@training_app.command("modules")
def modules_list(language: Language = "en", fmt: FormatOption = Format.table) -> None:
    """The curriculum, by belt, with reading time and the number of quiz questions."""
    from luister.organisation import training

    found = training.modules(language)
    if fmt is not Format.table:
        return emit(fmt, [{"slug": m.slug, "belt": m.belt.name, "title": m.title, "minutes": m.minutes,
                           "questions": len(m.questions)} for m in found])  # fmt: skip
    table = Table("belt", "module", "title", "minutes", "questions", title="Training modules")
    for m in found:
        table.add_row(m.belt.name, m.slug, escape(m.title), str(m.minutes), str(len(m.questions)))
    console.print(table)


@training_app.command("show")
def module_show(slug: str, language: Language = "en") -> None:
    """A module's text and its quiz (options numbered from 0; the answers stay on the server)."""
    from luister.organisation import training

    try:
        m = training.module(slug, language)
    except training.UnknownModule as exc:
        fail(str(exc), code=2)
    console.print(f"[bold]{escape(m.title)}[/] ({m.belt.name} belt, {m.minutes} min)\n")
    console.print(escape(m.body), highlight=False)
    for n, q in enumerate(m.questions, 1):
        console.print(f"\n{n}. {escape(q.text)}", highlight=False)
        for i, option in enumerate(q.options):
            console.print(f"   {i}) {escape(option)}", highlight=False)


@training_app.command("answer")
def answer(
    ctx: typer.Context,
    slug: str,
    answers: Annotated[str, typer.Argument(help="The chosen option per question, from 0, e.g. 0,1,1,0,2.")],
    person: Annotated[str, typer.Option("--as", help="Whose attempt it is (their e-mail address).")],
    language: Language = "en",
) -> None:
    """Record someone's answers to a module's quiz: scored on the server; 80 % passes."""
    from luister.organisation import training
    from luister.organisation.training_actions import submit_attempt
    from luister.organisation.training_read import UnknownPerson

    parts = [p.strip() for p in answers.split(",")]
    if not all((p.isascii() and p.isdigit()) or p == "" for p in parts):
        fail(
            "answers: give the option numbers separated by commas, e.g. 0,1,1,0,2 (empty: unanswered)", code=2
        )
    try:
        done = submit_attempt(
            engine=state_of(ctx).engine(),
            actor=person,
            module=slug,
            language=language,
            answers=[int(p) if p else None for p in parts],
            now=datetime.now(UTC),
        )
    except (training.UnknownModule, training.BadAnswers, UnknownPerson) as exc:
        fail(str(exc), code=2)
    verdict = "[green]passed[/]" if done.passed else "[red]not passed[/]"
    console.print(f"{done.correct} of {done.total} right ({done.percent} %): {verdict}")
    if done.belt_after != done.belt_before:
        console.print(f"belt: {done.belt_after.name if done.belt_after else 'none'}")


@training_app.command("belt")
def belt(ctx: typer.Context, person: Annotated[str, typer.Argument(help="An e-mail address.")]) -> None:
    """Someone's belt, certificates (with when they expire) and the modules still to pass."""
    from luister.organisation.training_read import UnknownPerson, standing

    now = datetime.now(UTC)
    try:
        found = standing(engine=state_of(ctx).engine(), email=person, now=now)
    except UnknownPerson as exc:
        fail(str(exc), code=2)
    console.print(f"{escape(found.email)}: {found.belt.name if found.belt else 'no belt yet'}"
                  f" (gates {'on' if found.gates_on else 'off'})")  # fmt: skip
    table = Table("belt", "earned", "expires", "", title="Certificates")
    for c in found.certificates:
        table.add_row(c.belt.name, f"{c.earned_at:%Y-%m-%d}", f"{c.expires_at:%Y-%m-%d}",
                      "expires soon" if c.expiring(now) else "")  # fmt: skip
    console.print(table)
    todo = [m.slug for m in found.modules if m.passed_at is None]
    if todo:
        console.print(f"to pass: {', '.join(todo)}")


@training_app.command("report")
def report(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """Per department: the people and the share of them per belt, and how many expire within 30 days."""
    from luister.organisation.belts import Belt
    from luister.organisation.training_read import department_report

    rows = department_report(engine=state_of(ctx).engine(), now=datetime.now(UTC))
    if fmt is not Format.table:
        return emit(
            fmt,
            [
                {
                    "department": r.department or None,
                    "people": r.people,
                    "expiring": r.expiring,
                    **{(b.name if b else "none"): round(r.shares.get(b, 0.0), 4) for b in [None, *Belt]},
                }
                for r in rows
            ],
        )
    table = Table(
        "department", "people", "none", *[b.name for b in Belt], "expiring", title="Training report"
    )
    for r in rows:
        table.add_row(
            escape(r.department or "(none)"),
            str(r.people),
            *[f"{100 * r.shares.get(b, 0.0):.0f} %" for b in [None, *Belt]],
            str(r.expiring),
        )
    console.print(table)


@training_app.command("gates")
def gates(
    ctx: typer.Context,
    state: Annotated[str, typer.Argument(help="on, off, or show.")] = "show",
) -> None:
    """Whether belts gate replying and approving (off until switched on; admins are always exempt)."""
    from luister.organisation.belts import GATES
    from luister.organisation.training_actions import set_gates
    from luister.organisation.training_read import gates_on

    engine = state_of(ctx).engine()
    if state in ("on", "off"):
        set_gates(engine=engine, actor="cli", on=state == "on", now=datetime.now(UTC))
    elif state != "show":
        fail(f"gates: {state!r} is not on, off or show", code=2)
    with engine.connect() as conn:
        on = gates_on(conn)
    table = Table("action", "ordinary", "crisis and legal", title=f"Belt gates: {'on' if on else 'off'}")
    for action, gate in GATES.items():
        table.add_row(action.value, gate.ordinary.name if gate.ordinary else "any",
                      gate.sensitive.name if gate.sensitive else "any")  # fmt: skip
    console.print(table)
