"""``luister org kb`` (the centre of excellence's knowledge base: list, search, show, add, edit, link,
the starter set) and ``luister org mentoring`` (reverse-mentoring pairs, sessions, evidence)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from luister.cli.app import console, fail, state_of
from luister.cli.organisation import org_app
from luister.cli.output import Format, FormatOption, emit

kb_app = typer.Typer(
    help="The knowledge base: playbooks, holding statements, lessons, FAQs.", no_args_is_help=True
)
mentoring_app = typer.Typer(
    help="Reverse mentoring: pairs, sessions and their evidence.", no_args_is_help=True
)
org_app.add_typer(kb_app, name="kb")
org_app.add_typer(mentoring_app, name="mentoring")

Language = Annotated[str | None, typer.Option(help="nl or en.")]


def _day(value: str, option: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is not a date (YYYY-MM-DD)", code=2)


def _article_id(ctx: typer.Context, ref: str) -> int:
    from luister.organisation.knowledge_read import UnknownArticle, article_id_of

    try:
        return article_id_of(engine=state_of(ctx).engine(), ref=ref)
    except UnknownArticle as exc:
        fail(str(exc))


def _body(body: str | None, file: Path | None) -> str | None:
    if file is None:
        return body
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"--file {file}: {exc}", code=2)


@kb_app.command("list")
def kb_list(
    ctx: typer.Context,
    kind: Annotated[str | None, typer.Option(help="playbook, holding_statement, …")] = None,
    language: Language = None,
    tag: Annotated[str | None, typer.Option(help="Only articles with this tag.")] = None,
    fmt: FormatOption = Format.table,
) -> None:
    """The articles, playbooks first."""
    from luister.organisation.knowledge_read import list_articles

    found = list_articles(engine=state_of(ctx).engine(), kind=kind, language=language, tag=tag)
    if fmt is not Format.table:
        return emit(fmt, found)
    table = Table("id", "slug", "kind", "lang", "title", "version", "tags", title="Knowledge base")
    for a in found:
        table.add_row(
            str(a.id), a.slug, a.kind, a.language, escape(a.title), str(a.version), escape(" ".join(a.tags))
        )
    console.print(table)


@kb_app.command("search")
def kb_search(
    ctx: typer.Context,
    question: Annotated[str, typer.Argument(help="Dutch or English.")],
    language: Language = None,
    limit: Annotated[int, typer.Option(min=1, max=50)] = 5,
    fmt: FormatOption = Format.table,
) -> None:
    """Search the knowledge base; the best answer first."""
    from luister.organisation.knowledge_read import search

    hits = search(engine=state_of(ctx).engine(), text=question, limit=limit, language=language)
    if fmt is not Format.table:
        return emit(
            fmt,
            [
                {
                    "rank": h.rank,
                    **{k: getattr(h.article, k) for k in ("id", "slug", "kind", "language", "title")},
                }
                for h in hits
            ],
        )
    if not hits:
        console.print("nothing found")
        return
    table = Table("#", "id", "slug", "kind", "lang", "title", title=f"Search: {escape(question)}")
    for n, h in enumerate(hits, start=1):
        table.add_row(
            str(n),
            str(h.article.id),
            h.article.slug,
            h.article.kind,
            h.article.language,
            escape(h.article.title),
        )
    console.print(table)


@kb_app.command("show")
def kb_show(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="The article's id or slug.")],
    version: Annotated[int | None, typer.Option(help="An earlier version.", min=1)] = None,
) -> None:
    """One article in Markdown, with its versions, translations and links."""
    from luister.organisation.knowledge_read import UnknownArticle, detail
    from luister.organisation.knowledge_read import version as version_of

    engine, article_id = state_of(ctx).engine(), _article_id(ctx, ref)
    shown = detail(engine=engine, article_id=article_id)
    a = shown.article
    title, body = a.title, a.body
    if version is not None:
        try:
            old = version_of(engine=engine, article_id=article_id, number=version)
        except UnknownArticle as exc:
            fail(str(exc))
        title, body = old.title, old.body
    console.print(f"[bold]{escape(title)}[/]  ({a.kind}, {a.language}, version {version or a.version})")
    console.print(escape(body), highlight=False)
    versions = ", ".join(f"{v.version} {v.edited_by} {v.edited_at:%Y-%m-%d}" for v in shown.versions)
    console.print(f"\nversions: {escape(versions)}")
    for t in shown.translations:
        console.print(f"translation: {t.language} {t.slug} (#{t.id})")
    for link in shown.links:
        console.print(f"linked to: {link.target_kind} {escape(link.target_key)}")


@kb_app.command("add")
def kb_add(
    ctx: typer.Context,
    kind: Annotated[
        str,
        typer.Option(help="playbook, holding_statement, lesson_learned, project_evaluation or policy_faq."),
    ],
    language: Annotated[str, typer.Option(help="nl or en.")],
    title: Annotated[str, typer.Option()],
    body: Annotated[str | None, typer.Option(help="Markdown.")] = None,
    file: Annotated[Path | None, typer.Option(help="Read the Markdown body from this file.")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="Repeatable.")] = None,
    slug: Annotated[str | None, typer.Option(help="Made from the title when left out.")] = None,
    translation_of: Annotated[
        str | None, typer.Option(help="The id or slug of the article it translates.")
    ] = None,
) -> None:
    """A new article."""
    from luister.organisation.knowledge import ArticleProblem
    from luister.organisation.knowledge_actions import create_article

    text = _body(body, file)
    if not text:
        fail("give the body with --body or --file", code=2)
    original = _article_id(ctx, translation_of) if translation_of else None
    try:
        new = create_article(
            engine=state_of(ctx).engine(),
            actor="cli",
            now=datetime.now(UTC),
            kind=kind,
            language=language,
            title=title,
            body=text,
            tags=tag or (),
            slug=slug,
            translation_of=original,
        )
    except ArticleProblem as exc:
        fail(str(exc), code=2)
    console.print(f"article #{new} added")


@kb_app.command("edit")
def kb_edit(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="The article's id or slug.")],
    title: Annotated[str | None, typer.Option()] = None,
    body: Annotated[str | None, typer.Option()] = None,
    file: Annotated[Path | None, typer.Option(help="Read the new Markdown body from this file.")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="The new tags (repeatable); all of them.")] = None,
    note: Annotated[str, typer.Option(help="Why it changed.")] = "",
) -> None:
    """A new version of an article."""
    from luister.organisation.knowledge import ArticleProblem
    from luister.organisation.knowledge_actions import edit_article

    try:
        version = edit_article(
            engine=state_of(ctx).engine(),
            actor="cli",
            now=datetime.now(UTC),
            article_id=_article_id(ctx, ref),
            title=title,
            body=_body(body, file),
            tags=tag,
            note=note,
        )
    except ArticleProblem as exc:
        fail(str(exc), code=2)
    console.print(f"version {version} saved")


@kb_app.command("link")
def kb_link(
    ctx: typer.Context,
    ref: Annotated[str, typer.Argument(help="The article's id or slug.")],
    target_kind: Annotated[
        str,
        typer.Argument(
            help="alert_rule, alert_kind, intent, department, tag, project, project_kind or process."
        ),
    ],
    target_key: Annotated[
        str, typer.Argument(help="The rule's or project's id, the intent, the department …")
    ],
    remove: Annotated[bool, typer.Option("--remove", help="Remove the link instead.")] = False,
) -> None:
    """Show an article beside an alert, a conversation or a project as a related playbook."""
    from luister.organisation.knowledge import ArticleProblem
    from luister.organisation.knowledge_actions import link, unlink

    engine, article_id = state_of(ctx).engine(), _article_id(ctx, ref)
    try:
        if remove:
            done = unlink(
                engine=engine,
                actor="cli",
                article_id=article_id,
                target_kind=target_kind,
                target_key=target_key,
            )
        else:
            done = link(
                engine=engine,
                actor="cli",
                now=datetime.now(UTC),
                article_id=article_id,
                target_kind=target_kind,
                target_key=target_key,
            )
    except ArticleProblem as exc:
        fail(str(exc), code=2)
    console.print(("removed" if remove else "linked") if done else "nothing to change")


@kb_app.command("starter")
def kb_starter(ctx: typer.Context) -> None:
    """Load the starter knowledge base (playbooks, holding statements, FAQs in Dutch and English); articles
    already there (by slug) are left alone."""
    from luister.organisation.knowledge_starter import load

    written = load(engine=state_of(ctx).engine(), actor="cli", now=datetime.now(UTC))
    console.print(f"{written} articles added")


@mentoring_app.command("list")
def mentoring_list(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """The pairs with their sessions."""
    from luister.organisation.mentoring_read import pairs

    found = pairs(engine=state_of(ctx).engine())
    if fmt is not Format.table:
        return emit(fmt, found)
    table = Table("id", "mentor", "mentee", "since", "until", "sessions", "last", title="Reverse mentoring")
    for p in found:
        last = str(p.sessions[0].held_on) if p.sessions else ""
        table.add_row(
            str(p.id),
            escape(f"{p.mentor} ({p.mentor_role})"),
            escape(f"{p.mentee} ({p.mentee_role})"),
            str(p.started_on),
            str(p.ended_on or ""),
            str(len(p.sessions)),
            last,
        )
    console.print(table)


@mentoring_app.command("pair")
def mentoring_pair(
    ctx: typer.Context,
    mentor: Annotated[str, typer.Option()],
    mentee: Annotated[str, typer.Option()],
    started_on: Annotated[str, typer.Option(help="YYYY-MM-DD.")],
    mentor_role: Annotated[str, typer.Option()] = "",
    mentee_role: Annotated[str, typer.Option()] = "",
    goal: Annotated[str, typer.Option()] = "",
) -> None:
    """A new pair: the mentor (often a younger, social-savvy colleague) mentors an executive."""
    from luister.organisation.mentoring import MentoringProblem
    from luister.organisation.mentoring_actions import create_pair

    try:
        new = create_pair(
            engine=state_of(ctx).engine(),
            actor="cli",
            now=datetime.now(UTC),
            mentor=mentor,
            mentee=mentee,
            started_on=_day(started_on, "--started-on"),
            mentor_role=mentor_role,
            mentee_role=mentee_role,
            goal=goal,
        )
    except MentoringProblem as exc:
        fail(str(exc), code=2)
    console.print(f"pair #{new} added")


@mentoring_app.command("session")
def mentoring_session(
    ctx: typer.Context,
    pair_id: Annotated[int, typer.Argument(min=1)],
    held_on: Annotated[str, typer.Option(help="YYYY-MM-DD.")],
    topic: Annotated[list[str], typer.Option(help="Repeatable.")],
    notes: Annotated[str, typer.Option()] = "",
    minutes: Annotated[int | None, typer.Option(min=1, max=600)] = None,
) -> None:
    """Record a session the pair held."""
    from luister.organisation.mentoring import MentoringProblem
    from luister.organisation.mentoring_actions import record_session
    from luister.organisation.mentoring_read import UnknownPair

    try:
        record_session(
            engine=state_of(ctx).engine(),
            actor="cli",
            now=datetime.now(UTC),
            pair_id=pair_id,
            held_on=_day(held_on, "--held-on"),
            topics=topic,
            notes=notes,
            minutes=minutes,
        )
    except UnknownPair as exc:
        fail(str(exc))
    except MentoringProblem as exc:
        fail(str(exc), code=2)
    console.print("session recorded")


@mentoring_app.command("evidence")
def mentoring_evidence(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """What the maturity assessment counts: pairs, active pairs, executives mentored, sessions."""
    from luister.organisation.mentoring_read import evidence

    with state_of(ctx).engine().connect() as conn:
        found = evidence(conn, datetime.now(UTC))
    if fmt is not Format.table:
        return emit(fmt, [found])
    console.print(
        f"pairs {found.pairs} (active {found.active_pairs}), executives mentored "
        f"{found.executives_mentored}, sessions {found.sessions} ({found.recent_sessions} in 90 days), "
        f"last {found.last_session_on or '–'}"
    )
