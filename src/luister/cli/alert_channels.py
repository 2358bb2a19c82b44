"""``luister alerts channels``, ``luister alerts deliver`` and ``luister alerts retry``: where alerts go."""

from __future__ import annotations

from typing import Annotated

import orjson
import typer
from rich.markup import escape
from rich.table import Table
from rich.text import Text

from luister.alerts import actions, delivery, read
from luister.alerts.channels import setup
from luister.alerts.model import ChannelError
from luister.cli.alerts import alerts_app
from luister.cli.app import console, fail, option_pairs, state_of
from luister.cli.output import Format, FormatOption, emit

channels_app = typer.Typer(
    help="Alert channels: where alerts are delivered (email, webhook: json, Slack, Teams).",
    no_args_is_help=True,
)
alerts_app.add_typer(channels_app, name="channels")


@channels_app.command("add")
def channels_add(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(help="A name for the channel, e.g. webcare-mail.")],
    kind: Annotated[
        str, typer.Argument(help="The kind: email or webhook (see `luister alerts channels kinds`).")
    ],
    option: Annotated[
        list[str] | None,
        typer.Option("--option", "-o", help="KEY=VALUE, repeatable, e.g. -o to=webcare@example.nl"),
    ] = None,
) -> None:
    """Add an alert channel; its options are checked against the kind's options."""
    try:
        added = actions.add_channel(
            engine=state_of(ctx).engine(),
            cipher=state_of(ctx).runtime().cipher,
            actor="cli",
            name=name,
            kind=kind,
            options=option_pairs(option or []),
        )
    except ChannelError as exc:
        fail(str(exc), code=2)
    console.print(
        f"[green]✓[/] alert channel [bold]{escape(added.name)}[/] ({escape(added.kind)}); "
        f"try it with [bold]luister alerts channels test {escape(added.name)}[/]"
    )


@channels_app.command("kinds")
def channels_kinds() -> None:
    """The installed channel kinds and their options."""
    table = Table("kind", "options", title="Alert channel kinds")
    for name, cls in sorted(setup.channel_kinds().items()):
        fields = ", ".join(
            f"{key}{'' if f.is_required() else '?'}" for key, f in cls.options_model.model_fields.items()
        )
        table.add_row(Text(name), Text(fields))
    console.print(table)


@channels_app.command("list")
def channels_list(ctx: typer.Context, fmt: FormatOption = Format.table) -> None:
    """Every alert channel with its options (secrets masked) and deliveries: pending, failed, last sent."""
    found = read.list_channels(engine=state_of(ctx).engine())
    if fmt is not Format.table:
        return emit(fmt, found)
    if not found:
        console.print(
            "No alert channels yet. Add one: "
            "[bold]luister alerts channels add team-mail email -o host=… -o from_address=… -o to=…[/]"
        )
        return
    table = Table("name", "kind", "enabled", "options", "pending", "failed", "last sent")
    for item in found:
        table.add_row(
            Text(item.name),
            Text(item.kind),
            "yes" if item.enabled else Text("no", style="yellow"),
            Text(orjson.dumps(item.options).decode()),
            str(item.pending),
            Text(str(item.failed), style="red" if item.failed else ""),
            f"{item.last_sent_at:%Y-%m-%d %H:%M}" if item.last_sent_at else "–",
        )
    console.print(table)


@channels_app.command("remove")
def channels_remove(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The alert channel to delete.")]
) -> None:
    """Delete an alert channel (its delivery history stays)."""
    try:
        rules = actions.remove_channel(engine=state_of(ctx).engine(), actor="cli", name=name)
    except ChannelError as exc:
        fail(str(exc), code=2)
    console.print(f"[green]✓[/] removed alert channel {escape(name)}")
    if rules:
        console.print(
            f"  [yellow]![/] still named by rules: {escape(', '.join(rules))}; "
            "their deliveries to it will fail until you add it again or change the rules"
        )


@channels_app.command("test")
def channels_test(
    ctx: typer.Context, name: Annotated[str, typer.Argument(help="The alert channel to try.")]
) -> None:
    """Send a sample alert through a channel now, to check that it arrives."""
    state = state_of(ctx)
    try:
        setup.test_channel(engine=state.engine(), name=name, settings=state.settings())
    except ChannelError as exc:
        fail(str(exc), code=1)
    console.print(f"[green]✓[/] sent a test alert through {escape(name)}")


@alerts_app.command("deliver")
def alerts_deliver(
    ctx: typer.Context,
    max_attempts: Annotated[
        int, typer.Option(min=1, help="Give a delivery up after this many attempts.")
    ] = 8,
) -> None:
    """Send the alert deliveries that are due, once; failures are retried later with back-off."""
    state = state_of(ctx)
    report = delivery.deliver_due(engine=state.engine(), settings=state.settings(), max_attempts=max_attempts)
    console.print(
        f"{report.sent:,} sent, {report.failed:,} failed, {report.retrying:,} to retry, "
        f"{report.pending:,} pending"
    )
    for problem in report.problems[:10]:
        mark = "[red]✗[/]" if problem.final else "[yellow]![/]"
        console.print(
            f"  {mark} alert {problem.alert_id} → {escape(problem.channel)}: {escape(problem.reason)}"
        )
    if report.failed:
        console.print(
            "  retry failed deliveries with [bold]luister alerts retry[/] once the channel is fixed"
        )


@alerts_app.command("retry")
def alerts_retry(
    ctx: typer.Context,
    alert: Annotated[int | None, typer.Option("--alert", help="Only this alert's deliveries.")] = None,
) -> None:
    """Queue failed alert deliveries again (then run `luister alerts deliver`)."""
    count = actions.retry_deliveries(engine=state_of(ctx).engine(), actor="cli", alert_id=alert)
    console.print(f"[green]✓[/] {count:,} failed deliver{'y' if count == 1 else 'ies'} queued again")
