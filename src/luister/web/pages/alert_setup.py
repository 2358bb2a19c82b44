"""Alert rules and alert channels in the browser: the lists, adding, changing and removing (with a
confirmation), as ``luister alerts rules`` and ``luister alerts channels`` do. Everyone reads; roles that
may ``manage`` change. A rule on a topic of another department is as unknown as one that does not exist;
a channel's secrets are typed into password fields, sealed at rest and only ever shown masked."""

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from luister.alerts import actions
from luister.alerts.channels.setup import NAME, channel_kinds, is_channel_secret
from luister.alerts.model import (
    AlertRuleError,
    ChannelError,
    ChannelNameTaken,
    InvalidChannelOptions,
    RuleKind,
    RuleNameTaken,
    Severity,
    UnknownChannel,
    UnknownRule,
)
from luister.alerts.read import ChannelRead, get_channel, get_rule, list_channels, list_rules
from luister.alerts.rules import RuleRead
from luister.domain.accounts import Permission
from luister.domain.analysis import INTENT_LABELS
from luister.domain.queries import QuerySyntaxError, parse_query
from luister.services.source_admin import OptionField, option_fields, read_option_form
from luister.web import option_problems
from luister.web.auth import Session
from luister.web.context import FormPost, Refused, Web
from luister.web.i18n import translations
from luister.web.option_problems import Gettext

MAX_NAME = 120
KINDS = [k.value for k in RuleKind]


@dataclass
class RuleForm:
    """A rule's form as typed (strings), and what is wrong with it: problem keys the template words."""

    name: str = ""
    kind: str = RuleKind.volume_spike.value
    topic: str = ""
    query: str = ""
    intent: str = ""
    min_followers: str = ""
    threshold: str = ""  # per cent
    sensitivity: str = "0.0005"
    min_count: str = "10"
    cooldown: str = "120"
    severity: str = Severity.warning.value
    channels: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    syntax: QuerySyntaxError | None = None
    refused: str = ""  # what the rule check said, when nothing above caught it (in the reader's language)

    @classmethod
    def of(cls, rule: RuleRead) -> "RuleForm":
        def text(value: float | None) -> str:
            return "" if value is None else f"{value:g}"

        return cls(name=rule.name, kind=rule.kind.value, topic=rule.topic or "", query=rule.query or "",
                   intent=rule.intent or "", min_followers=text(rule.min_followers),
                   threshold=text(None if rule.threshold is None else round(rule.threshold * 100, 4)),
                   sensitivity=text(rule.sensitivity), min_count=str(rule.min_count),
                   cooldown=str(rule.cooldown_minutes), severity=rule.severity.value,
                   channels=list(rule.channels))  # fmt: skip

    @classmethod
    def posted(cls, post: FormPost) -> "RuleForm":
        return cls(name=post.text("name"), kind=post.text("kind"), topic=post.text("topic"),
                   query=post.text("query"), intent=post.text("intent"),
                   min_followers=post.text("min_followers"), threshold=post.text("threshold"),
                   sensitivity=post.text("sensitivity"), min_count=post.text("min_count"),
                   cooldown=post.text("cooldown"), severity=post.text("severity"),
                   channels=post.texts("channels"))  # fmt: skip

    def values(self, topics: set[str], channels: set[str]) -> dict[str, Any]:
        """The settings for :func:`actions.save_rule`; fills ``errors`` with what is wrong."""
        e = self.errors
        if not self.name:
            e["name"] = "name.missing"
        elif len(self.name) > MAX_NAME:
            e["name"] = "name.long"
        kind = RuleKind(self.kind) if self.kind in KINDS else None
        if kind is None:
            e["kind"] = "kind.choose"
        if self.topic and self.topic not in topics:
            e["topic"] = "topic.choose"
        if kind is RuleKind.query:
            if not self.query:
                e["query"] = "query.missing"
            else:
                try:
                    parse_query(self.query)
                except QuerySyntaxError as exc:
                    e["query"], self.syntax = "query.syntax", exc
        if kind is RuleKind.intent and self.intent not in INTENT_LABELS:
            e["intent"] = "intent.choose"
        followers = _whole(self.min_followers)
        if kind is RuleKind.influencer and (followers is None or followers < 1):
            e["min_followers"] = "number.whole"
        share = _number(self.threshold)
        if kind is RuleKind.negative_share and (share is None or not 0 < share <= 100):
            e["threshold"] = "threshold.range"
        sensitivity = _number(self.sensitivity)
        if sensitivity is None or not 0 < sensitivity < 1:
            e["sensitivity"] = "sensitivity.range"
        min_count, cooldown = _whole(self.min_count), _whole(self.cooldown)
        if min_count is None or not 1 <= min_count <= 1_000_000:
            e["min_count"] = "number.whole"
        if cooldown is None or not 1 <= cooldown <= 525_600:
            e["cooldown"] = "number.whole"
        if self.severity not in Severity.__members__:
            e["severity"] = "severity.choose"
        if any(c not in channels for c in self.channels):
            e["channels"] = "channels.choose"
        if e:
            return {}
        return {"kind": kind, "topic_name": self.topic or None, "severity": Severity(self.severity),
                "query": self.query or None if kind is RuleKind.query else None,
                "intent": self.intent if kind is RuleKind.intent else None,
                "min_followers": followers if kind is RuleKind.influencer else None,
                "threshold": share / 100 if kind is RuleKind.negative_share and share else None,
                "sensitivity": sensitivity, "min_count": min_count, "cooldown_minutes": cooldown,
                "channels": list(dict.fromkeys(self.channels))}  # fmt: skip


def _whole(text: str) -> int | None:
    return int(text) if text.isdigit() and len(text) <= 12 else None


def _number(text: str) -> float | None:
    try:
        value = float(text.replace(",", "."))
    except ValueError:
        return None
    return value if value == value and abs(value) != float("inf") else None


def channel_fields(cls: type[Any]) -> list[OptionField]:
    """A channel kind's options as form fields: whatever is kept sealed is a password field."""
    return [
        OptionField(f.name, "secret", f.required, "", f.description) if is_channel_secret(f.name) else f
        for f in option_fields(cls.options_model)
    ]


def option_errors(problems: Mapping[str, str], gettext: Gettext) -> dict[str, str]:
    """Problems by option, as the options model said them, in the language of ``gettext`` (a missing
    option is the key ``option.required``, which the page words)."""
    said = option_problems.translate
    return {key: "option.required" if problem == "Field required" else said(problem, gettext)
            for key, problem in problems.items()}  # fmt: skip


def form_values(fields: list[OptionField], options: Mapping[str, Any]) -> dict[str, str]:
    """A channel's stored options as its form shows them (secrets never: their fields stay empty)."""
    values: dict[str, str] = {}
    for f in fields:
        value = options.get(f.name)
        if f.kind == "secret" or value is None:
            continue
        if f.kind == "bool":
            values[f.name] = "true" if value else ""
        elif isinstance(value, list | tuple):
            values[f.name] = ", ".join(map(str, value))
        elif isinstance(value, dict):
            values[f.name] = json.dumps(value, ensure_ascii=False)
        else:
            values[f.name] = str(value)
    return values


def channel_texts() -> set[str]:
    """The help texts of the installed channel kinds' options, for the catalogue (shown translated)."""
    helps = {f.description for cls in channel_kinds().values() for f in channel_fields(cls) if f.description}
    return helps | option_problems.texts()


def routes(web: Web) -> APIRouter:
    router = APIRouter()
    engine = web.engine
    Reader = Annotated[Session, Depends(web.signed_in)]
    Managing = Annotated[Session, Depends(web.allowed(Permission.manage))]
    Manager = Annotated[FormPost, Depends(web.form(Permission.manage))]

    def rule_or_404(name: str, session: Session) -> RuleRead:
        try:
            return get_rule(engine=engine, name=name, scope=session.user.scope)
        except UnknownRule:
            raise Refused("No such alert rule.", status=404) from None

    def rules_page(
        request: Request, session: Session, form: RuleForm, *, editing: RuleRead | None = None,
        status: int = 200, saved: str = "", removed: bool = False,
    ) -> Response:  # fmt: skip
        context = {"rules": list_rules(engine=engine, scope=session.user.scope), "form": form,
                   "editing": editing, "kinds": KINDS, "intents": INTENT_LABELS,
                   "severities": [s.value for s in Severity],
                   "topics": [t.name for t in web.topics_for(session)],
                   "channels": [c.name for c in list_channels(engine=engine)], "saved": saved,
                   "removed": removed}  # fmt: skip
        name = "alert_rule_edit.html" if editing else "alert_rules.html"
        return web.render(request, name, context, session=session, status=status)

    def save(request: Request, post: FormPost, editing: RuleRead | None) -> Response:
        form = RuleForm.posted(post)
        topics = {t.name for t in web.topics_for(post.session)}
        values = form.values(topics, {c.name for c in list_channels(engine=engine)})
        if not form.errors:
            by, scope = post.session.user.email, post.session.user.scope
            try:
                if editing is None:
                    actions.save_rule(engine=engine, actor=by, name=form.name, scope=scope, replace=False,
                                      **values)  # fmt: skip
                else:  # a new name renames the rule; its alerts stay with it
                    actions.update_rule(engine=engine, actor=by, name=editing.name,
                                        changes=values | {"name": form.name}, scope=scope)  # fmt: skip
            except RuleNameTaken:
                form.errors["name"] = "name.taken"
            except UnknownRule:
                raise Refused("No such alert rule.", status=404) from None
            except AlertRuleError as exc:
                gettext = translations(web.language(request, post.session)).gettext
                form.refused = option_problems.translate_rule(str(exc), gettext)
            else:
                return RedirectResponse(f"/alerts/rules?saved={quote(form.name)}", status_code=303)
        return rules_page(request, post.session, form, editing=editing, status=400)

    @router.get("/alerts/rules", response_class=HTMLResponse)
    def alert_rules(request: Request, session: Reader, saved: str = "", removed: int = 0) -> Response:
        return rules_page(request, session, RuleForm(), saved=saved[:MAX_NAME], removed=bool(removed))

    @router.post("/alerts/rules", response_class=HTMLResponse)
    def alert_rule_add(request: Request, post: Manager) -> Response:
        return save(request, post, None)

    @router.get("/alerts/rules/{name:path}/edit", response_class=HTMLResponse)
    def alert_rule_edit_page(request: Request, name: str, session: Managing) -> Response:
        found = rule_or_404(name, session)
        return rules_page(request, session, RuleForm.of(found), editing=found)

    @router.post("/alerts/rules/{name:path}/edit", response_class=HTMLResponse)
    def alert_rule_edit(request: Request, name: str, post: Manager) -> Response:
        return save(request, post, rule_or_404(name, post.session))

    @router.get("/alerts/rules/{name:path}/remove", response_class=HTMLResponse)
    def alert_rule_remove_page(request: Request, name: str, session: Managing) -> Response:
        context = {"rule": rule_or_404(name, session)}
        return web.render(request, "alert_rule_remove.html", context, session=session)

    @router.post("/alerts/rules/{name:path}/remove")
    def alert_rule_remove(name: str, post: Manager) -> Response:
        rule_or_404(name, post.session)
        try:
            actions.remove_rule(engine=engine, actor=post.session.user.email, name=name)
        except UnknownRule:
            raise Refused("No such alert rule.", status=404) from None
        return RedirectResponse("/alerts/rules?removed=1", status_code=303)

    def channels_page(
        request: Request, session: Session, kind: str, *, values: dict[str, str] | None = None,
        errors: dict[str, str] | None = None, status: int = 200, saved: str = "", changed: str = "",
        removed: bool = False,
    ) -> Response:  # fmt: skip
        kinds = channel_kinds()
        cls = kinds.get(kind)
        context = {"channels": list_channels(engine=engine), "kinds": sorted(kinds),
                   "kind": kind if cls else "", "fields": channel_fields(cls) if cls else [],
                   "values": values or {}, "errors": errors or {}, "saved": saved, "changed": changed,
                   "removed": removed}  # fmt: skip
        return web.render(request, "alert_channels.html", context, session=session, status=status)

    def said(request: Request, post: FormPost, exc: ChannelError) -> dict[str, str]:
        """What the channel action refused, by form field, in the reader's language."""
        language = web.language(request, post.session)
        if isinstance(exc, InvalidChannelOptions):
            return option_errors(exc.problems, translations(language).gettext)
        return {exc.field if exc.field in ("name", "kind") else "": exc.said(language)}

    def channel_or_404(name: str) -> ChannelRead:
        try:
            return get_channel(engine=engine, name=name)
        except UnknownChannel:
            raise Refused("No such alert channel.", status=404) from None

    def channel_edit_page(
        request: Request, session: Session, found: ChannelRead, *, typed: dict[str, str] | None = None,
        errors: dict[str, str] | None = None, status: int = 200,
    ) -> Response:  # fmt: skip
        cls = channel_kinds().get(found.kind)
        if cls is None:
            raise Refused("No such alert channel.", status=404)  # its kind is no longer installed
        fields = channel_fields(cls)
        kept = [f.name for f in fields if f.kind == "secret" and found.options.get(f.name)]
        values = typed if typed is not None else form_values(fields, found.options)
        context = {"channel": found, "fields": fields, "values": values, "kept": kept,
                   "errors": errors or {}}  # fmt: skip
        return web.render(request, "alert_channel_edit.html", context, session=session, status=status)

    @router.get("/alerts/channels", response_class=HTMLResponse)
    def alert_channels(
        request: Request, session: Reader, kind: str = "", saved: str = "", changed: str = "",
        removed: int = 0,
    ) -> Response:  # fmt: skip
        return channels_page(request, session, kind[:60], saved=saved[:MAX_NAME], changed=changed[:MAX_NAME],
                             removed=bool(removed))  # fmt: skip

    @router.get("/alerts/channels/{name}/edit", response_class=HTMLResponse)
    def alert_channel_edit_page(request: Request, name: str, session: Managing) -> Response:
        return channel_edit_page(request, session, channel_or_404(name))

    @router.post("/alerts/channels/{name}/edit", response_class=HTMLResponse)
    def alert_channel_edit(request: Request, name: str, post: Manager) -> Response:
        found = channel_or_404(name)
        cls = channel_kinds().get(found.kind)
        fields = channel_fields(cls) if cls else []
        typed = {f.name: post.text(f"option.{f.name}") for f in fields}
        options, problems = read_option_form(cls.options_model, typed) if cls else ({}, {})
        unreadable = {f.name for f in fields if f.kind == "json"}  # the rest is checked with kept secrets
        gettext = translations(web.language(request, post.session)).gettext
        errors = option_errors({k: v for k, v in problems.items() if k in unreadable}, gettext)
        if not errors:
            try:
                actions.change_channel(engine=engine, actor=post.session.user.email, name=name,
                                       options=options, cipher=web.runtime.cipher)  # fmt: skip
            except UnknownChannel:
                raise Refused("No such alert channel.", status=404) from None
            except ChannelError as exc:
                errors = said(request, post, exc)
            else:
                return RedirectResponse(f"/alerts/channels?changed={quote(name)}", status_code=303)
        secret = {f.name for f in fields if f.kind == "secret"}
        shown = {key: value for key, value in typed.items() if key not in secret}
        return channel_edit_page(request, post.session, found, typed=shown, errors=errors, status=400)

    @router.post("/alerts/channels", response_class=HTMLResponse)
    def alert_channel_add(request: Request, post: Manager) -> Response:
        kind, name = post.text("kind"), post.text("name")
        cls = channel_kinds().get(kind)
        if cls is None:
            return channels_page(request, post.session, "", errors={"kind": "kind.choose"}, status=400)
        fields = channel_fields(cls)
        typed = {f.name: post.text(f"option.{f.name}") for f in fields}
        options, problems = read_option_form(cls.options_model, typed)
        errors = option_errors(problems, translations(web.language(request, post.session)).gettext)
        if not name:
            errors["name"] = "name.missing"
        elif not NAME.match(name):
            errors["name"] = "name.channel"
        if not errors:
            try:
                actions.add_channel(engine=engine, actor=post.session.user.email, name=name, kind=kind,
                                    options=options, cipher=web.runtime.cipher)  # fmt: skip
            except ChannelNameTaken:
                errors["name"] = "name.taken"
            except ChannelError as exc:
                errors |= said(request, post, exc)
            else:
                return RedirectResponse(f"/alerts/channels?saved={quote(name)}", status_code=303)
        secret = {f.name for f in fields if f.kind == "secret"}
        shown = {key: value for key, value in typed.items() if key not in secret} | {"name": name}
        return channels_page(request, post.session, kind, values=shown, errors=errors, status=400)

    @router.get("/alerts/channels/{name}/remove", response_class=HTMLResponse)
    def alert_channel_remove_page(request: Request, name: str, session: Managing) -> Response:
        found = channel_or_404(name)
        using = [r.name for r in list_rules(engine=engine, scope=session.user.scope) if name in r.channels]
        context = {"channel": found, "using": using}
        return web.render(request, "alert_channel_remove.html", context, session=session)

    @router.post("/alerts/channels/{name}/remove")
    def alert_channel_remove(name: str, post: Manager) -> Response:
        try:
            actions.remove_channel(engine=engine, actor=post.session.user.email, name=name)
        except UnknownChannel:
            raise Refused("No such alert channel.", status=404) from None
        return RedirectResponse("/alerts/channels?removed=1", status_code=303)

    return router
