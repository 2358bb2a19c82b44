"""``luister analyse / correct / train / eval``: sentiment, intents and language, and how good they are."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from rich.text import Text

from luister.cli.app import app, console, err, fail, state_of

if TYPE_CHECKING:
    from luister.settings import Settings


@app.command("analyse")
def analyse_command(
    ctx: typer.Context,
    text: Annotated[str | None, typer.Argument(help="Analyse this text instead of stored mentions.")] = None,
    accurate: Annotated[bool, typer.Option(help="Use the sentence encoder (slower, better).")] = False,
    missing: Annotated[bool, typer.Option(help="Only mentions that were never analysed.")] = False,
    follow: Annotated[
        bool,
        typer.Option(
            help="Keep going: relabel new mentions as they arrive (the background job that "
            "upgrades fast ingest labels with --accurate); stop with Ctrl-C."
        ),
    ] = False,
    interval: Annotated[float, typer.Option(help="With --follow: seconds to wait when all is done.")] = 30.0,
) -> None:
    """Analyse stored mentions again (e.g. a fast-analysed backlog with --accurate), or one given text.

    Mentions a person corrected keep their labels; each mention's model name says which model labelled it.
    """
    from luister.analysis.analyser import AnalysisMode
    from luister.services import analysis, stats

    state = state_of(ctx)
    mode = AnalysisMode.ACCURATE if accurate else AnalysisMode.FAST
    analyser = analysis.build_analyser(settings=state.settings(), mode=mode)
    if text is not None:
        found = analyser.analyse([text])[0]
        console.print(Text(text), style="italic")
        sentiment = found.sentiment
        console.print(
            f"language [bold]{found.language}[/] · sentiment [bold]{sentiment.label}[/] "
            f"(score {sentiment.score:+.2f}, confidence {sentiment.confidence:.2f}) · "
            f"intents [bold]{', '.join(found.intents)}[/]  [dim]{found.model}[/]"
        )
        words = ", ".join(f"{word} {weight:+.2f}" for word, weight in analyser.explain(text))
        console.print(Text(f"words that drove the fast score: {words}", style="dim"))
        return
    engine = state.engine()
    if follow:
        console.print(f"relabelling with {analyser.model_name} as mentions arrive (Ctrl-C stops) …")

        def report(result: analysis.ReanalyseResult) -> None:
            if result.mentions:
                console.print(f"  relabelled {result.mentions:,} mentions")

        try:
            analysis.relabel_continuously(engine=engine, analyser=analyser, interval=interval, on_pass=report)
        except KeyboardInterrupt:
            console.print("stopped")
        return
    total = stats.count_mentions(engine=engine)
    with Progress(
        TextColumn(f"analysing ({mode.value})"), BarColumn(), TextColumn("{task.completed:,}/{task.total:,}"),
        TimeRemainingColumn(), console=err, transient=True,
    ) as progress:  # fmt: skip
        task = progress.add_task("analyse", total=total)
        result = analysis.reanalyse(
            engine=engine,
            analyser=analyser,
            only_missing=missing,
            on_batch=lambda n: progress.advance(task, n),
        )
    console.print(f"[green]✓[/] analysed {result.mentions:,} mentions with {analyser.model_name}")


@app.command("correct")
def correct_command(
    ctx: typer.Context,
    mention_id: Annotated[int, typer.Argument(help="The mention's id.")],
    sentiment: Annotated[str | None, typer.Option(help="negative, neutral or positive.")] = None,
    intent: Annotated[
        list[str] | None, typer.Option(help="An intent (repeat for several): complaint, question, …")
    ] = None,
    by: Annotated[str, typer.Option(help="Who corrects (kept with the correction).")] = "cli",
) -> None:
    """Correct a mention's sentiment and/or intents; `luister train` learns from corrections."""
    from luister.services.corrections import CorrectionError, correct_mention

    try:
        correct_mention(
            engine=state_of(ctx).engine(), mention_id=mention_id, corrected_by=by, sentiment=sentiment,
            intents=tuple(intent) if intent else None,
        )  # fmt: skip
    except CorrectionError as exc:
        fail(str(exc), code=2)
    console.print(f"[green]✓[/] mention {mention_id} corrected")


def _data_option() -> Path | None:
    from luister.analysis.datasets import default_data_dir

    return default_data_dir()


DataDir = Annotated[
    Path | None,
    typer.Option("--data", help="The labelled data (default: ../shared/data when present)."),
]


@app.command("train")
def train_command(
    ctx: typer.Context,
    data: DataDir = None,
    accurate: Annotated[bool, typer.Option(help="Also retrain the encoder heads (minutes).")] = True,
    tune: Annotated[bool, typer.Option(help="Choose intent thresholds by cross-validation.")] = True,
) -> None:
    """Retrain the models with everyone's corrections and report accuracy before and after."""
    from luister.services.training import retrain

    state = state_of(ctx)
    console.print("training on the labelled data and the corrections …")
    result = retrain(
        engine=state.engine(), settings=state.settings(), data_dir=data or _data_option(), accurate=accurate,
        tune_thresholds=tune, progress=lambda step: err.print(Text(f"  {step}", style="dim")),
    )  # fmt: skip
    table = Table("dataset", "lang", "binary before", "binary after", "macro-F1 before", "macro-F1 after",
                  title=f"held-out, fast mode; {result.corrections:,} corrections learnt")  # fmt: skip
    for old, new in zip(result.before.sentiment, result.after.sentiment, strict=True):
        table.add_row(Text(old.dataset), old.lang, f"{old.binary_accuracy:.3f}", f"{new.binary_accuracy:.3f}",
                      f"{old.macro_f1 or 0:.3f}", f"{new.macro_f1 or 0:.3f}")  # fmt: skip
    for old_intents, new_intents in zip(result.before.intents, result.after.intents, strict=True):
        table.add_row(
            "intents", old_intents.lang, "", "", f"{old_intents.macro_f1:.3f}", f"{new_intents.macro_f1:.3f}"
        )
    console.print(table)
    console.print(f"[green]✓[/] models {result.version} saved in {result.path}; new mentions use them now.")
    console.print("Re-analyse stored mentions with them: [bold]luister analyse[/]")


@app.command("eval")
def eval_command(
    ctx: typer.Context,
    data: DataDir = None,
    markdown: Annotated[Path | None, typer.Option(help="Also write the report as markdown here.")] = None,
) -> None:
    """Accuracy per held-out dataset and language: both modes, every encoder, and lexicon baselines
    (VADER for English, Pattern for Dutch), plus intents."""
    from luister.analysis.report import render_markdown
    from luister.services.training import evaluate_models

    state = state_of(ctx)
    report = evaluate_models(settings=state.settings(), data_dir=data or _data_option(),
                             progress=lambda step: err.print(Text(f"  {step}", style="dim")))  # fmt: skip
    table = Table("dataset", "lang", "n", "system", "binary acc.", "polar label", "3-class acc.", "macro-F1",
                  title=f"Sentiment on held-out data (models {report.model_version})")  # fmt: skip
    for s in report.sentiment:
        table.add_row(Text(s.dataset), s.lang, str(s.n), Text(s.system), f"{s.binary_accuracy:.3f}",
                      "–" if s.accuracy is None else f"{s.polar_label_accuracy:.3f}",
                      "–" if s.accuracy is None else f"{s.accuracy:.3f}",
                      "–" if s.macro_f1 is None else f"{s.macro_f1:.3f}")  # fmt: skip
    console.print(table)
    intents = Table("dataset", "lang", "n", "system", "primary macro-F1", "set macro-F1", "per intent F1",
                    title="Intents (luister test splits)")  # fmt: skip
    for i in report.intents:
        per = ", ".join(f"{label} {v[2]:.2f}" for label, v in i.per_label.items())
        primary = "–" if i.primary_macro_f1 is None else f"{i.primary_macro_f1:.3f}"
        intents.add_row(Text(i.dataset), i.lang, str(i.n), Text(i.system), primary, f"{i.macro_f1:.3f}", per)
    console.print(intents)
    challenge = Table("lang", "n", "system", "binary acc.", "polar label", "macro-F1", "primary macro-F1",
                      title="Challenge set: negation, contrast, thanks for a fix, sarcasm")  # fmt: skip
    for s, found in report.challenge:
        primary = "–" if found is None or found.primary_macro_f1 is None else f"{found.primary_macro_f1:.3f}"
        challenge.add_row(s.lang, str(s.n), Text(s.system), f"{s.binary_accuracy:.3f}",
                          f"{s.polar_label_accuracy:.3f}", f"{s.macro_f1 or 0:.3f}", primary)  # fmt: skip
    console.print(challenge)
    routing = _routing_table(state.settings())
    if markdown is not None:
        markdown.write_text(render_markdown(report) + "\n" + routing, "utf-8")
        console.print(f"[green]✓[/] wrote {markdown}")


def _routing_table(settings: Settings) -> str:
    """Department routing on the routing examples through the fast analyser; its markdown section."""
    from luister.analysis.analyser import AnalysisMode
    from luister.inbox.evaluation import evaluate_routing
    from luister.inbox.evaluation import render_markdown as render_routing
    from luister.services.analysis import build_analyser

    found = evaluate_routing(build_analyser(settings=settings, mode=AnalysisMode.FAST))
    table = Table("department", "precision", "recall", "F1", "n", "train F1", "train n",
                  title=f"Department routing (test split): macro-F1 {found.test.macro_f1:.3f}, "
                  f"train {found.train.macro_f1:.3f}")  # fmt: skip
    for row, train in zip(found.test.per_department, found.train.per_department, strict=True):
        table.add_row(row.department, f"{row.precision:.3f}", f"{row.recall:.3f}", f"{row.f1:.3f}",
                      str(row.n), f"{train.f1:.3f}", str(train.n))  # fmt: skip
    console.print(table)
    return render_routing(found)


TopicOption = Annotated[str | None, typer.Option("--topic", help="Only this topic's mentions (its name).")]


def _topic_id(ctx: typer.Context, name: str | None) -> int | None:
    from luister.services.topics import UnknownTopicError, get_topic

    if name is None:
        return None
    try:
        return get_topic(engine=state_of(ctx).engine(), name=name).id
    except UnknownTopicError as exc:
        fail(str(exc), code=2)


def _latest(ctx: typer.Context) -> datetime:
    """Windows end at the newest mention (stored data may be old, like the demo's), else now."""
    from luister.services.stats import latest_published

    return latest_published(engine=state_of(ctx).engine()) or datetime.now(UTC)


@app.command("trends")
def trends_command(
    ctx: typer.Context,
    topic: TopicOption = None,
    hours: Annotated[int, typer.Option(min=1, help="The current window, in hours.")] = 24,
    baseline_days: Annotated[int, typer.Option(min=1, help="The baseline before it, in days.")] = 7,
    limit: Annotated[int, typer.Option(min=1)] = 20,
    until: Annotated[
        datetime | None, typer.Option(help="End of the window (UTC); default: the newest mention.")
    ] = None,
) -> None:
    """Emerging words, hashtags and word pairs: what is said clearly more often than its own baseline."""
    from luister.services.trends import trending_terms

    topic_id = _topic_id(ctx, topic)
    end = until.replace(tzinfo=UTC) if until else _latest(ctx) + timedelta(microseconds=1)
    found = trending_terms(engine=state_of(ctx).engine(), now=end, topic_id=topic_id, hours=hours,
                           baseline_days=baseline_days, limit=limit)  # fmt: skip
    span = f"{found.start:%Y-%m-%d %H:%M} → {found.end:%Y-%m-%d %H:%M} UTC"
    title = (f"Trending {f'in {topic} ' if topic else ''}{span} "
             f"({found.mentions:,} mentions; baseline {found.baseline_mentions:,})")  # fmt: skip
    if not found.bursts:
        console.print(Text(title))
        console.print("Nothing stands out against the baseline.")
        return
    table = Table("term", "mentions", "expected", "burst", title=Text(title))
    for burst in found.bursts:
        table.add_row(Text(burst.term), f"{burst.mentions:,}", f"{burst.expected:,.1f}", f"{burst.score:.1f}")
    console.print(table)


@app.command("authors")
def authors_command(
    ctx: typer.Context,
    topic: TopicOption = None,
    days: Annotated[int, typer.Option(min=1, help="How many recent days.")] = 7,
    limit: Annotated[int, typer.Option(min=1)] = 20,
) -> None:
    """Top authors by estimated reach: followers, engagement and impressions (views where known)."""
    from luister.services.trends import ORGANIC_REACH, top_authors

    end = _latest(ctx) + timedelta(microseconds=1)
    found = top_authors(engine=state_of(ctx).engine(), start=end - timedelta(days=days), end=end,
                        topic_id=_topic_id(ctx, topic), limit=limit)  # fmt: skip
    if not found:
        console.print("No authors in that period.")
        return
    caption = f"impressions (estimated): views, else {ORGANIC_REACH:.0%} of followers per mention"
    table = Table(title=f"Top authors, last {days} days", caption=caption, expand=True)
    table.add_column("author", overflow="fold", ratio=1)
    table.add_column("channel", no_wrap=True)
    for header in ("followers", "posts", "engagement", "impressions", "neg."):
        table.add_column(header, justify="right", no_wrap=True)
    for a in found:
        table.add_row(Text(a.handle), Text(a.channel),
                      f"{a.followers:,}", f"{a.mentions:,}", f"{a.engagement:,}", f"{a.impressions:,}",
                      f"{a.negative:,}")  # fmt: skip
    console.print(table)
