"""``luister alerts``: rules, the alerts they raise, playbooks, replay, and their delivery channels."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from luister.alerts.model import AlertStatus, RuleKind, Severity
from luister.cli.app import app, console, fail, state_of
from luister.cli.output import Format, FormatOption, emit

alerts_app = typer.Typer(
    help="Alerts: spike and keyword rules, the alerts they raise, crisis playbooks and delivery channels.",
    no_args_is_help=True,
)
app.add_typer(alerts_app, name="alerts")
rules_app = typer.Typer(help="Alert rules: what to watch and whom to tell.", no_args_is_help=True)
alerts_app.add_typer(rules_app, name="rules")

By = Annotated[str, typer.Option("--by", help="Who does it (kept in the alert's timeline).")]


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=UTC) if value.tzinfo is None else value


@rules_app.command("add")
def rules_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="The rule's name.")],
    kind: Annotated[RuleKind, typer.Option(help="What fires the rule.")],
    topic: Annotated[str | None, typer.Option(help="Only this topic's mentions.")] = None,
    query: Annotated[str | None, typer.Option(help="query rules: e.g. 'storing OR lek OR boycot'.")] = None,
    intent: Annotated[str | None, typer.Option(help="intent rules: crisis, churn, complaint, …")] = None,
    min_followers: Annotated[int | None, typer.Option(help="influencer rules: the author's reach.")] = None,
    threshold: Annotated[float | None, typer.Option(help="negative_share rules: e.g. 0.6 for 60 %.")] = None,
    sensitivity: Annotated[float, typer.Option(help="Spike rules: p-value; lower fires less.")] = 0.0005,
    min_count: Annotated[int, typer.Option(help="Never fire on fewer mentions in the hour.")] = 10,
    cooldown: Annotated[
        int, typer.Option(help="Minutes of quiet before a new incident is a new alert.")
    ] = 120,
    severity: Annotated[Severity, typer.Option(help="How loud the alert is.")] = Severity.warning,
    channel: Annotated[list[str] | None, typer.Option(help="An alert channel (repeat for several).")] = None,
    playbook: Annotated[
        Path | None, typer.Option(help="A JSON playbook: {name, steps: [...]}.", exists=True, dir_okay=False)
    ] = None,  # fmt: skip
) -> None:
    """Add a rule (or replace the one with this name)."""
    from luister.alerts.actions import save_rule
    from luister.alerts.model import AlertRuleError

    try:
        steps = json.loads(playbook.read_text("utf-8")) if playbook else None
    except json.JSONDecodeError as exc:
        fail(f"{playbook}: not JSON: {exc}", code=2)
    try:
        rule = save_rule(
            engine=state_of(ctx).engine(), actor="cli", name=name, kind=kind, topic_name=topic, query=query,
            intent=intent, min_followers=min_followers, threshold=threshold, sensitivity=sensitivity,
            min_count=min_count, cooldown_minutes=cooldown, severity=severity, channels=channel or (),
            playbook=steps,
        )  # fmt: skip
    except AlertRuleError as exc:
        fail(str(exc), code=2)
    console.print(
        Text.assemble("✓ alert rule ", (rule.name, "bold"), f" ({rule.kind.value}) saved", style="green")
    )


@rules_app.command("list")
def rules_list(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """Every rule with what it watches and where it sends alerts."""
    from luister.alerts.read import list_rules

    found = list_rules(engine=state_of(ctx).engine())
    if fmt is not Format.table:
        return emit(fmt, found)
    if not found:
        console.print(
            "No alert rules yet. Add one: [bold]luister alerts rules add Piek --kind volume_spike[/]"
        )
        return
    table = Table("name", "kind", "watches", "severity", "channels", "playbook", "note", title="Alert rules")
    for rule in found:
        watches = (
            rule.query or rule.intent or (f"≥ {rule.min_followers:,} followers" if rule.min_followers else "")
        )
        if rule.threshold:
            watches = f"≥ {rule.threshold:.0%} negative"
        scope = f"{rule.topic}: " if rule.topic else ""
        channels = ", ".join(rule.channels) or "in-app"
        table.add_row(Text(rule.name), rule.kind.value, Text(scope + watches), rule.severity.value,
                      Text(channels), Text(rule.playbook.name if rule.playbook else ""),
                      Text(rule.note or ""))  # fmt: skip
    console.print(table)


@rules_app.command("remove")
def rules_remove(ctx: typer.Context, name: str) -> None:
    """Remove a rule and its alerts."""
    from luister.alerts.actions import remove_rule
    from luister.alerts.model import AlertRuleError

    try:
        remove_rule(engine=state_of(ctx).engine(), actor="cli", name=name)
    except AlertRuleError as exc:
        fail(str(exc), code=2)
    console.print(Text.assemble("✓ removed ", (name, "bold"), style="green"))


@alerts_app.command("check")
def alerts_check(
    ctx: typer.Context,
    watch: Annotated[bool, typer.Option(help="Keep checking every --every seconds.")] = False,
    every: Annotated[int, typer.Option(min=1)] = 60,
) -> None:
    """Check every rule now, open or update alerts, and deliver what is due."""
    from luister.alerts.watch import AlertWatcher

    state = state_of(ctx)
    watcher = AlertWatcher(engine=state.engine(), settings=state.settings())
    while True:
        changes = watcher.check()
        for change in changes:
            verb = "opened" if change.opened else "updated"
            console.print(
                Text(f"alert {change.alert_id} {verb} by rule {change.rule} ({change.mentions} mentions)")
            )
        if not watch:
            if not changes:
                console.print("No rule fired.")
            return
        time.sleep(every)


@alerts_app.command("list")
def alerts_list(
    ctx: typer.Context,
    status: Annotated[AlertStatus | None, typer.Option(help="Only alerts with this status.")] = None,
    limit: Annotated[int, typer.Option(min=1)] = 30,
    fmt: FormatOption = Format.table,
) -> None:
    """The newest alerts."""
    from luister.alerts.read import list_alerts

    found = list_alerts(engine=state_of(ctx).engine(), status=status, limit=limit)
    if fmt is not Format.table:
        return emit(fmt, found)
    if not found:
        console.print("No alerts.")
        return
    table = Table("id", "opened (UTC)", "severity", "status", "rule", "title", title="Alerts")
    for a in found:
        style = {"critical": "bold red", "warning": "yellow"}.get(a.severity, "")
        table.add_row(str(a.id), f"{a.opened_at:%Y-%m-%d %H:%M}", Text(a.severity, style=style),
                      a.status.value, Text(a.rule), Text(a.title))  # fmt: skip
    console.print(table)


@alerts_app.command("show")
def alerts_show(ctx: typer.Context, alert_id: int) -> None:
    """One alert: summary, example mentions, playbook checklist, timeline and deliveries."""
    from luister.alerts.model import AlertError
    from luister.alerts.read import alert_detail

    try:
        detail = alert_detail(engine=state_of(ctx).engine(), alert_id=alert_id)
    except AlertError as exc:
        fail(str(exc), code=2)
    a = detail.alert
    console.print(Text(f"#{a.id} [{a.severity}] {a.title}", style="bold"))
    console.print(Text(f"{a.status.value} · rule {a.rule} · opened {a.opened_at:%Y-%m-%d %H:%M} UTC · "
                       f"last seen {a.last_seen_at:%H:%M} · {a.mentions} mentions"))  # fmt: skip
    console.print(Text(a.summary))
    for m in detail.samples:
        console.print(Text(f"  • {m.channel} {m.author_handle or ''}: {m.text[:200]}"))
    if detail.steps:
        table = Table("#", "step", "owner", "due (UTC)", "done", title="Playbook")
        for s in detail.steps:
            done = f"{s.done_at:%H:%M} by {s.done_by}" if s.done_at else ""
            if s.late_minutes:
                done += f" ({s.late_minutes} min late)"
            table.add_row(str(s.position), Text(s.title), Text(s.owner or ""),
                          f"{s.due_at:%H:%M}" if s.due_at else "", Text(done))  # fmt: skip
        console.print(table)
        for s in detail.steps:
            for language, statement in s.statements.items():
                console.print(Text(f"  holding statement ({language}): {statement}"))
    timeline = Table("at (UTC)", "what", "by", "detail", title="Timeline")
    for e in detail.events:
        timeline.add_row(f"{e.at:%Y-%m-%d %H:%M:%S}", e.kind, Text(e.by or ""), Text(e.detail or ""))
    console.print(timeline)
    for d in detail.deliveries:
        error = f", {d.last_error}" if d.last_error else ""
        console.print(Text(f"  delivery to {d.channel} (revision {d.revision}): {d.status}, "
                           f"{d.attempts} attempt(s){error}"))  # fmt: skip


@alerts_app.command("ack")
def alerts_ack(ctx: typer.Context, alert_id: int, by: By) -> None:
    """Acknowledge an alert: someone is on it."""
    from luister.alerts.actions import acknowledge
    from luister.alerts.model import AlertError

    try:
        acknowledge(engine=state_of(ctx).engine(), alert_id=alert_id, actor=by)
    except AlertError as exc:
        fail(str(exc), code=2)
    console.print(f"[green]✓[/] alert {alert_id} acknowledged")


@alerts_app.command("resolve")
def alerts_resolve(
    ctx: typer.Context, alert_id: int, by: By, note: Annotated[str | None, typer.Option()] = None
) -> None:
    """Resolve an alert: the incident is over."""
    from luister.alerts.actions import resolve
    from luister.alerts.model import AlertError

    try:
        resolve(engine=state_of(ctx).engine(), alert_id=alert_id, actor=by, note=note)
    except AlertError as exc:
        fail(str(exc), code=2)
    console.print(f"[green]✓[/] alert {alert_id} resolved")


@alerts_app.command("step")
def alerts_step(ctx: typer.Context, alert_id: int, position: int, by: By) -> None:
    """Tick off a playbook step of an alert."""
    from luister.alerts.actions import complete_step
    from luister.alerts.model import AlertError

    try:
        step = complete_step(engine=state_of(ctx).engine(), alert_id=alert_id, position=position, actor=by)
    except AlertError as exc:
        fail(str(exc), code=2)
    late = f" ({step.late_minutes} min late)" if step.late_minutes else ""
    console.print(Text(f"✓ step {step.position} done: {step.title}{late}", style="green"))


@alerts_app.command("replay")
def alerts_replay(
    ctx: typer.Context,
    start: Annotated[datetime, typer.Option("--from", help="Start (UTC).")],
    end: Annotated[datetime | None, typer.Option("--to", help="End (UTC); default now.")] = None,
    rule: Annotated[list[str] | None, typer.Option(help="Only these rules (repeat); default all.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print what would have fired as JSON.")] = False,
) -> None:
    """What the rules would have fired over stored history (to tune them). Nothing is stored or sent.
    Hours are checked whole, counted back from --to; spike rules say which hours they could not judge."""
    from luister.alerts.detection import ReplayError, replay_rules
    from luister.alerts.read import list_rules

    state = state_of(ctx)
    engine = state.engine()
    rules = [r for r in list_rules(engine=engine) if not rule or r.name in rule]
    if rule and (missing := set(rule) - {r.name for r in rules}):
        fail(f"no alert rule named {', '.join(sorted(missing))}", code=2)
    begin, finish = _utc(start), _utc(end) or datetime.now(UTC)
    assert begin is not None
    if finish - begin > timedelta(days=366):
        fail("replay at most a year at a time", code=2)
    try:
        result = replay_rules(engine=engine, start=begin, end=finish, rules=rules, zone=state.settings().zone)
    except ReplayError as exc:
        fail(str(exc), code=2)
    if as_json:
        typer.echo(json.dumps({
            "hours": result.hours,
            "fired": [{"rule": hit.rule, "start": hit.start.isoformat(), "end": hit.end.isoformat(),
                       "firings": hit.firings, "peak": hit.peak, "expected": hit.expected,
                       "detail": hit.detail}
                      for hit in result.hits],
            "not_judged": {name: {str(k): n for k, n in why.items()}
                           for name, why in result.not_judged.items()},
        }))  # fmt: skip
        return
    partial = (finish - begin) % timedelta(hours=1)
    if partial:
        console.print(Text(f"The first hour is partial ({int(partial.total_seconds() // 60)} min): checked "
                           f"from {finish - timedelta(hours=result.hours):%Y-%m-%d %H:%M} UTC, whole hours "
                           "counted back from --to."))  # fmt: skip
    for name, skipped in sorted(result.not_judged.items()):
        why = ", ".join(f"{n} for {'too little history' if reason == 'history' else 'no data'}"
                        for reason, n in sorted(skipped.items()))  # fmt: skip
        console.print(Text(f"{name}: {sum(skipped.values())} of {result.hours} hours not judged ({why})"))
    hits = result.hits
    if not hits:
        console.print("Nothing would have fired.")
        return
    table = Table(
        "from (UTC)",
        "to",
        "rule",
        "firings",
        "peak",
        "expected",
        "detail",
        title=f"Would have fired: {len(hits)}",
    )
    for hit in hits:
        expected = "" if hit.expected is None else f"{hit.expected:.1f}"
        table.add_row(f"{hit.start:%Y-%m-%d %H:%M}", f"{hit.end:%Y-%m-%d %H:%M}", Text(hit.rule),
                      str(hit.firings), str(hit.peak), expected, Text(hit.detail))  # fmt: skip
    console.print(table)
