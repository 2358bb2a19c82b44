"""The permission walk (issue #26): every page and API route of the app, for every role in customer service,
in legal and without a department, called with the other department's things in its path (and its own),
signed in on the web (with the form token) or with an API token.

What must hold: no answer is a 5xx; nobody reads another department's things (a refusal, and none of the
words only that department's things carry in any body); no write to another department's things succeeds
(and the database is unchanged); roles hold (viewers never write, agents do not manage, only admins
administer). Every route needs an expectation here, so a route added later fails this test until it has one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.routing import iter_route_contexts
from permission_world import MARKS, OTHER, Person, Targets, build, sign_in_everyone
from walk_database import snapshot

from luister.app import create_app
from luister.domain.accounts import Permission, can
from luister.runtime import Runtime
from luister.settings import Settings
from luister.storage.engine import create_engine

P = Permission
PUBLIC = None


@dataclass(frozen=True)
class Expect:
    need: Permission | None  # None: anyone, signed in or not
    owned: bool = False  # the path names a department's thing: another department's is refused
    personal: bool = False  # the path names one person's thing: someone else's is refused, admins too


V, C, M, A = Expect(P.view), Expect(P.correct), Expect(P.manage), Expect(P.admin)
VO, CO, MO = Expect(P.view, owned=True), Expect(P.correct, owned=True), Expect(P.manage, owned=True)

EXPECT: dict[str, Expect] = {
    "GET /api/openapi.json": Expect(PUBLIC), "GET /api/docs": Expect(PUBLIC), "GET /healthz": Expect(PUBLIC),
    "GET /login": Expect(PUBLIC), "POST /login": Expect(PUBLIC), "GET /vendor/plotly.min.js": Expect(PUBLIC),
    "POST /logout": V, "POST /language": V, "GET /": V, "GET /overview/panel/{name}": V,
    "GET /inbox": V, "POST /inbox/bulk": C, "POST /inbox/availability": V, "GET /inbox/notifications": V,
    "POST /inbox/notifications/{notification_id}/open": Expect(P.view, personal=True),
    "POST /inbox/notifications/read": V, "GET /inbox/departments": V,
    "POST /inbox/departments/{key}": MO, "POST /inbox/departments/{key}/members": MO,
    "POST /inbox/departments/{key}/members/remove": MO, "POST /inbox/policies": M,
    "GET /inbox/rules": V, "POST /inbox/rules": M, "POST /inbox/rules/remove": M,
    "GET /inbox/canned": V, "POST /inbox/canned": M, "GET /inbox/voices": V, "POST /inbox/voices": M,
    "POST /inbox/voices/{voice_id}/check": MO, "POST /inbox/voices/{voice_id}/remove": MO,
    "GET /inbox/reports": V, "GET /inbox/reports/list": V, "GET /inbox/digests": V,
    "GET /inbox/digests/{digest_id}": VO, "GET /inbox/digests/items/{item_id}": VO,
    "POST /inbox/digests/items/{item_id}/decide": CO, "POST /inbox/digests/build": C,
    "POST /inbox/{conversation_id}/presence": VO, "POST /inbox/{conversation_id}/reply": CO,
    # approving and rejecting a reply is the approvers' (manage); writing and withdrawing it the agents'
    "POST /inbox/drafts/{draft_id}/approve": MO, "POST /inbox/drafts/{draft_id}/reject": MO,
    "POST /inbox/drafts/{draft_id}/withdraw": CO, "GET /inbox/approvals": V,
    "POST /inbox/approval-rules": M, "POST /inbox/approval-rules/{rule_id}/remove": M,
    "GET /inbox/{conversation_id}": VO, "POST /inbox/{conversation_id}/move": CO,
    "POST /inbox/{conversation_id}/assign": CO, "POST /inbox/{conversation_id}/transfer": CO,
    "POST /inbox/{conversation_id}/priority": CO, "POST /inbox/{conversation_id}/tags": CO,
    "POST /inbox/{conversation_id}/note": CO, "POST /inbox/{conversation_id}/elsewhere": CO,
    "POST /inbox/{conversation_id}/merge": CO,
    "GET /mentions": V, "GET /mentions/{mention_id}": V, "POST /mentions/{mention_id}/correct": C,
    "POST /mentions/saved": V, "POST /mentions/saved/{search_id}/delete": Expect(P.view, personal=True),
    "POST /mentions/bulk": V,
    # tags on mentions: the company's, as the mentions are (departments scope topics); changed to correct
    "GET /mentions/tags": V, "POST /mentions/tags/rename": C, "POST /mentions/tags/merge": C,
    "POST /mentions/tags/delete": C, "GET /api/v1/mention-tags": V, "POST /api/v1/mention-tags/rename": C,
    "POST /api/v1/mention-tags/merge": C, "POST /api/v1/mention-tags/delete": C,
    "GET /alerts": V, "GET /alerts/{alert_id}": VO, "POST /alerts/{alert_id}/acknowledge": CO,
    "POST /alerts/{alert_id}/resolve": CO, "POST /alerts/{alert_id}/steps/{position}": CO,
    "GET /alerts/rules": V, "POST /alerts/rules": M, "GET /alerts/rules/{name:path}/edit": MO,
    "POST /alerts/rules/{name:path}/edit": MO, "GET /alerts/rules/{name:path}/remove": MO,
    "POST /alerts/rules/{name:path}/remove": MO, "GET /alerts/channels": V, "POST /alerts/channels": M,
    "GET /alerts/channels/{name}/remove": M, "POST /alerts/channels/{name}/remove": M,
    "GET /alerts/channels/{name}/edit": M, "POST /alerts/channels/{name}/edit": M,
    "GET /topics": V, "GET /topics/test": V, "POST /topics": M, "GET /topics/{topic_id}/edit": MO,
    "POST /topics/{topic_id}/edit": MO, "POST /topics/{topic_id}/enabled": MO,
    "GET /topics/{topic_id}/delete": MO, "POST /topics/{topic_id}/delete": MO,
    "GET /sources": V, "GET /sources/new": M, "POST /sources/new": M, "GET /sources/{name:path}/remove": MO,
    "POST /sources/{name:path}/remove": MO, "POST /sources/{name:path}/enabled": MO,
    "GET /sources/{name:path}": VO,
    "GET /account/tokens": V, "POST /account/tokens": V,
    "POST /account/tokens/{token_id}/revoke": Expect(P.view, personal=True),
    "GET /account": V, "POST /account/password": V, "POST /account/sign-out-everywhere": V,
    "GET /users": A, "POST /users/{user_id}/unlock": A, "POST /users/{user_id}/password": A,
    "POST /users/{user_id}/active": A, "POST /users/{user_id}/sessions/end": A,
    "GET /privacy": A, "GET /privacy/export": A, "POST /privacy/erase": A,
    "GET /api/v1/mentions": V, "GET /api/v1/mentions/count": V, "GET /api/v1/mentions/{mention_id}": V,
    "POST /api/v1/mentions/{mention_id}/labels": C,
    "GET /api/v1/topics": V, "POST /api/v1/topics/test": V, "POST /api/v1/topics": M,
    "GET /api/v1/topics/{name:path}": VO, "PUT /api/v1/topics/{name:path}": MO,
    "DELETE /api/v1/topics/{name:path}": MO,
    "GET /api/v1/sources": V, "POST /api/v1/sources": M, "DELETE /api/v1/sources/{name:path}": MO,
    "GET /api/v1/alerts": V, "GET /api/v1/alerts/{alert_id}": VO,
    "POST /api/v1/alerts/{alert_id}/acknowledge": CO, "POST /api/v1/alerts/{alert_id}/steps/{position}": CO,
    "POST /api/v1/alerts/{alert_id}/resolve": CO, "GET /api/v1/analytics/overview": V,
    "GET /api/v1/alert-rules": V, "POST /api/v1/alert-rules": MO, "GET /api/v1/alert-rules/{name:path}": VO,
    "PATCH /api/v1/alert-rules/{name:path}": MO, "DELETE /api/v1/alert-rules/{name:path}": MO,
    "GET /api/v1/alert-channel-kinds": V, "GET /api/v1/alert-channels": V, "POST /api/v1/alert-channels": M,
    "GET /api/v1/alert-channels/{name}": V, "DELETE /api/v1/alert-channels/{name}": M,
    "PATCH /api/v1/alert-channels/{name}": M,
    "POST /api/v1/ingest/{source}": Expect(PUBLIC),  # a push authenticates with its source's secret
    "GET /api/v1/privacy/find": A, "GET /api/v1/privacy/export": A, "POST /api/v1/privacy/erase": A,
    "GET /api/v1/conversations": V, "POST /api/v1/conversations/bulk": C,
    "GET /api/v1/conversations/{conversation_id}": VO,
    **{f"POST /api/v1/conversations/{{conversation_id}}/{a}": CO for a in (
        "status", "assign", "transfer", "notes", "tags", "priority", "answered-elsewhere", "merge")},
    "POST /api/v1/conversations/{conversation_id}/presence": VO,
    "GET /api/v1/departments": V, "PUT /api/v1/departments/{key}": MO,
    "PUT /api/v1/departments/{key}/members/{email}": MO,
    "DELETE /api/v1/departments/{key}/members/{email}": MO,
    "GET /api/v1/routing-rules": V, "POST /api/v1/routing-rules/simulate": M,
    "PUT /api/v1/routing-rules/{name}": M, "DELETE /api/v1/routing-rules/{name}": M,
    "GET /api/v1/sla-policies": V, "PUT /api/v1/sla-policies/{key}/{priority}": MO,
    "GET /api/v1/canned-responses": V, "PUT /api/v1/canned-responses/{name}/{language}": MO,
    "GET /api/v1/inbox/reports": V, "GET /api/v1/digests": V, "GET /api/v1/digests/{digest_id}": VO,
    "GET /api/v1/digests/items/{item_id}/mentions": VO, "POST /api/v1/digests": C,
    "POST /api/v1/digests/items/{item_id}/decision": CO,
    "GET /api/v1/voices": V, "POST /api/v1/voices": M, "GET /api/v1/voices/{voice_id}": VO,
    "PATCH /api/v1/voices/{voice_id}": MO, "DELETE /api/v1/voices/{voice_id}": MO,
    "POST /api/v1/voices/{voice_id}/check": MO,
    "POST /api/v1/inbox/conversations/{conversation_id}/drafts": CO,
    "GET /api/v1/inbox/conversations/{conversation_id}/drafts": VO,
    "POST /api/v1/inbox/drafts/{draft_id}/approve": MO, "POST /api/v1/inbox/drafts/{draft_id}/reject": MO,
    "POST /api/v1/inbox/drafts/{draft_id}/withdraw": CO, "GET /api/v1/inbox/approvals": V,
    "GET /api/v1/inbox/approval-rules": V, "POST /api/v1/inbox/approval-rules": M,
    "DELETE /api/v1/inbox/approval-rules/{rule_id}": M,
    # the ledger of outbound actions is the company's, and the administrators' alone (docs/replies.md)
    "GET /api/v1/effects": A, "GET /api/v1/effects/{effect_id}": A,
    "POST /api/v1/effects/{effect_id}/retry": A,
    # goals, KPIs, projects and exports: scoped by department in their reads and actions; the world has
    # none of them yet, so the walk proves the permissions by role and that nothing answers 5xx
    "GET /goals": V, "POST /goals": M, "POST /goals/kpis": M, "POST /kpis/targets": M,
    "GET /kpis/{kpi_id}": V, "POST /kpis/{kpi_id}/import": M, "GET /projects": V,
    "GET /projects/{project_id:int}": V,
    "GET /api/v1/projects": V, "POST /api/v1/projects": M, "GET /api/v1/projects/{project_id}": V,
    "PATCH /api/v1/projects/{project_id}": M, "POST /api/v1/projects/{project_id}/spend": M,
    "POST /api/v1/projects/{project_id}/evaluation": M, "GET /api/v1/projects/{project_id}/attribution": V,
    "GET /api/v1/goals": V, "POST /api/v1/goals": M, "GET /api/v1/goals/{goal_id}": V,
    "PATCH /api/v1/goals/{goal_id}": M, "DELETE /api/v1/goals/{goal_id}": M, "GET /api/v1/kpis": V,
    "POST /api/v1/kpis": M, "GET /api/v1/kpis/{kpi_id}": V, "PATCH /api/v1/kpis/{kpi_id}": M,
    "DELETE /api/v1/kpis/{kpi_id}": M, "PUT /api/v1/kpis/{kpi_id}/targets": M,
    "DELETE /api/v1/kpis/{kpi_id}/targets/{target_id}": M, "GET /api/v1/series": V, "POST /api/v1/series": M,
    "POST /api/v1/series/{key}/points": M, "GET /api/v1/exports/mentions": V,
    "GET /api/v1/exports/conversations": V, "GET /api/v1/exports/kpis/{kpi_id}": V,
    # training: everyone reads the curriculum and takes quizzes (their own attempts); admins switch the gates
    "GET /organisation/training": V, "GET /organisation/training/modules/{slug}": V,
    "POST /organisation/training/modules/{slug}": V, "GET /organisation/training/report": V,
    "POST /organisation/training/gates": A, "GET /api/v1/training/modules": V,
    "GET /api/v1/training/modules/{slug}": V, "POST /api/v1/training/modules/{slug}/attempts": V,
    "GET /api/v1/training/me": V, "GET /api/v1/training/report": V, "GET /api/v1/training/gates": V,
    "PUT /api/v1/training/gates": A,
    # the knowledge base (the company's: no department) and reverse mentoring (its notes: managers only)
    "GET /organisation/knowledge": V, "POST /organisation/knowledge": M,
    "GET /organisation/knowledge/{article_id:int}": V, "POST /organisation/knowledge/{article_id:int}": M,
    "POST /organisation/knowledge/{article_id:int}/links": M, "GET /organisation/mentoring": M,
    "POST /organisation/mentoring/pairs": M, "POST /organisation/mentoring/pairs/{pair_id:int}/sessions": M,
    "GET /api/v1/organisation/kb/articles": V, "GET /api/v1/organisation/kb/search": V,
    "GET /api/v1/organisation/kb/related": V, "POST /api/v1/organisation/kb/articles": M,
    "GET /api/v1/organisation/kb/articles/{article_id}": V,
    "PATCH /api/v1/organisation/kb/articles/{article_id}": M,
    "DELETE /api/v1/organisation/kb/articles/{article_id}": M,
    "GET /api/v1/organisation/kb/articles/{article_id}/versions/{number}": V,
    "POST /api/v1/organisation/kb/articles/{article_id}/links": M,
    "DELETE /api/v1/organisation/kb/articles/{article_id}/links/{target_kind}/{target_key}": M,
    "GET /api/v1/organisation/mentoring/pairs": M, "POST /api/v1/organisation/mentoring/pairs": M,
    "POST /api/v1/organisation/mentoring/pairs/{pair_id}/sessions": M,
    "POST /api/v1/organisation/mentoring/pairs/{pair_id}/end": M,
    "GET /api/v1/organisation/mentoring/evidence": V,
    # the policy and the processes (organisation): writing the policy is the admins', the matrix the managers'
    "GET /api/v1/organisation/policy": V, "POST /api/v1/organisation/policy/versions": A,
    "GET /api/v1/organisation/policy/versions/{number}": V,
    "POST /api/v1/organisation/policy/versions/{number}/publish": A,
    "POST /api/v1/organisation/policy/versions/{number}/acknowledge": V,
    "GET /api/v1/organisation/policy/diff": V,
    "GET /api/v1/organisation/policy/acknowledgements": M, "GET /api/v1/organisation/processes": V,
    "PUT /api/v1/organisation/processes/{key}": M, "DELETE /api/v1/organisation/processes/{key}": M,
    "GET /organisation/policy": V, "GET /organisation/policy/diff": V,
    "GET /organisation/policy/{number:int}": V,
    "POST /organisation/policy/acknowledge": V, "POST /organisation/policy/versions": A,
    "POST /organisation/policy/versions/{number:int}/publish": A, "GET /organisation/processes": V,
    "POST /organisation/processes": M, "POST /organisation/processes/{key}/remove": M,
    # the maturity assessment is the company's: everyone reads it, someone across departments answers it
    "GET /organisation": V, "GET /organisation/maturity": V, "GET /organisation/maturity/questionnaire": V,
    "POST /organisation/maturity/questionnaire": M, "POST /organisation/maturity/snapshot": M,
    "GET /api/v1/organisation/maturity": V, "GET /api/v1/organisation/maturity/questionnaire": V,
    "POST /api/v1/organisation/maturity/answers": M, "POST /api/v1/organisation/maturity/snapshots": M,
    "GET /api/v1/organisation/maturity/history": V,
    "GET /reports/{template}.pdf": V, "GET /api/v1/reports/{template}.pdf": V,
    "POST /api/v1/effects/{effect_id}/settle": A,
    # scheduled reports: company-wide, read to view, changed to manage
    "GET /reports/schedules": V, "POST /reports/schedules": M,
    "POST /reports/schedules/{schedule_id}/{what}": MO,
    "GET /api/v1/report-schedules": V, "POST /api/v1/report-schedules": M,
    "GET /api/v1/report-schedules/{schedule_id}": VO, "PUT /api/v1/report-schedules/{schedule_id}": MO,
    "DELETE /api/v1/report-schedules/{schedule_id}": MO,
    "POST /api/v1/report-schedules/{schedule_id}/pause": MO,
    "POST /api/v1/report-schedules/{schedule_id}/resume": MO,
    "POST /api/v1/report-schedules/{schedule_id}/send-now": MO,
}  # fmt: skip

# Not walked: static files and the API documentation's assets (no data, no state).
MOUNTS = {"/static", "/api/docs/assets", "/api/docs/start"}
# Tables a refused request may still write: who signed in and when, the audit of refusals, and figures derived
# from mentions.
VOLATILE = ("audit_log", "web_session", "api_token", "sign_in_failure", "source_run")


# Owned routes that are no GET and yet store nothing, by design: the walk proves them by their answers (the
# caller's own department's thing answers 2xx, another department's is refused with 403 or 404).
WRITES_NOTHING = {
    "POST /inbox/voices/{voice_id}/check": "asks the platform whether the voice's credentials work",
    "POST /api/v1/voices/{voice_id}/check": "asks the platform whether the voice's credentials work",
}


def routes(app: Any) -> list[tuple[str, str]]:
    found = []
    for context in iter_route_contexts(app.routes):
        if context.path in MOUNTS:
            continue
        for method in sorted((context.methods or set()) - {"HEAD"}):
            found.append((method, context.path))
    return found


def fill(path: str, t: Targets, own: Targets) -> str:
    """``path`` with ``t``'s things in its parameters (``own``: the caller's, for what is not owned)."""
    removing = path.endswith("/remove") or path == "/api/v1/voices/{voice_id}"  # a voice with replies stays
    values = {
        "{conversation_id}": t.conversation,
        "{topic_id}": t.topic_id,
        "{alert_id}": t.alert,
        "{position}": 1,
        "{voice_id}": t.idle_voice if removing else t.voice,
        "{draft_id}": t.own_draft if path.endswith("/withdraw") else t.draft,
        "{digest_id}": t.digest,
        "{item_id}": t.item,
        "{key}": t.department,
        "{email}": t.member,
        "{priority}": "high",
        "{language}": "nl",
        "{notification_id}": t.notification,
        "{user_id}": t.user,
        "{token_id}": t.token,
        "{mention_id}": t.mention,
        "{effect_id}": t.effect,
        "{rule_id}": t.approval_rule,
        "{source}": t.source,
        "{name}": "authors",
        "{project_id}": 999_999,
        "{project_id:int}": 999_999,
        "{kpi_id}": 999_999,
        "{template}": "weekly_webcare",
        "{goal_id}": 999_999,
        "{target_id}": 999_999,
        "{slug}": "crisis",
        "{article_id}": 999_999,
        "{article_id:int}": 999_999,
        "{number}": 1,
        "{target_kind}": "intent",
        "{target_key}": "walk",
        "{pair_id}": 999_999,
        "{pair_id:int}": 999_999,
        "{number:int}": 1,
        "{schedule_id}": t.schedule,
        "{what}": "pause",
        "{search_id}": 999_999,
    }
    if path.endswith("/resume"):
        values["{schedule_id}"] = t.paused_schedule
    if "/topics/{name:path}" in path:
        values["{name:path}"] = t.topic
    elif "/sources/{name:path}" in path:
        values["{name:path}"] = t.source
    elif "/alert-rules/{name:path}" in path or "/alerts/rules/{name:path}" in path:
        values["{name:path}"] = t.alert_rule
    elif "/routing-rules/{name}" in path:
        values["{name}"] = t.routing_rule or "Walk"
    elif "/canned-responses/{name}" in path:
        values["{name}"] = t.canned
    for key, value in values.items():
        path = path.replace(key, str(value))
    return path


SCHEDULE = {"name": "Walk", "recipients": ["walk@extern.example"], "weekday": 0, "at": "08:00"}


def api_body(method: str, path: str, t: Targets, own: Targets) -> dict[str, Any] | None:
    """A valid body: a refusal must come from who asks, not from what they sent."""
    mine = own.department
    bodies: dict[str, dict[str, Any]] = {
        "/labels": {"sentiment": "positive"},
        "/mention-tags/rename": {"tag": "walk", "to": "walk two"},
        "/mention-tags/merge": {"tag": "walk", "into": "walk two"},
        "/mention-tags/delete": {"tag": "walk"},
        "/topics/test": {"query": "voltaro"},
        "/alert-rules": {"name": "Walk rule", "kind": "volume_spike", "topic": t.topic},
        "/alert-rules/": {"min_count": 3},
        "/alert-channels": {
            "name": "walk-hook",
            "kind": "webhook",
            "options": {"url": "https://hook.example"},
        },
        "/topics": {"name": "Walk topic", "query": "walk", "department": t.department},
        "/topics/": {"query": "voltaro OR laadpaal", "kind": "other", "department": t.department},
        "/sources": {
            "name": "walk-bron",
            "connector": "webhook",
            "options": {"secret": "push-secret-0123456789ab"},
            "department": t.department,
        },
        "/resolve": {"note": "done"},
        "/privacy/erase": {"handle": "nobody"},
        "/bulk": {"ids": [t.conversation], "operation": "tag", "tags": ["walk"]},
        "/status": {"move": "resolve"},
        "/assign": {"assignee": own.member},
        "/transfer": {"department": mine, "reason": "walk"},
        "/notes": {"body": "walk note"},
        "/tags": {"add": ["walk"]},
        "/priority": {"priority": "urgent"},
        "/answered-elsewhere": {"how": "phone", "note": "walk", "resolve": True},
        "/merge": {"into": t.merge_into},
        "/departments/": {"name_en": "Walk department"},
        "/members/": {"languages": ["nl"], "capacity": 3, "availability": "away"},
        "/simulate": {"conditions": {"query": "voltaro"}, "department": t.department},
        "/routing-rules/": {"conditions": {"query": "walk"}, "department": t.department},
        "/sla-policies/": {"first_response_minutes": 5, "next_response_minutes": 5, "resolution_minutes": 50},
        "/canned-responses/": {"body": "walk", "department": t.department},
        "/digests": {"department": t.department, "period_start": "2026-01-01", "period_end": "2026-01-08"},
        "/decision": {"decision": "declined", "outcome": "walk"},
        "/voices": {"name": "Walk", "channel": "mastodon", "handle": "walk@x", "department": t.department},
        "/voices/": {"name": "Walk", "active": False},
        "/presence": {"typing": True},
        "/drafts": {"voice_id": t.voice, "body": "walk reply", "seen_reply_seq": t.reply_seq},
        "/approve": {"body": "walk approved"},
        "/reject": {"reason": "walk"},
        "/approval-rules": {"name": "walk", "kind": "all"},
        "/organisation/kb/articles": {"kind": "playbook", "language": "nl", "title": "Walk", "body": "walk"},
        "/links": {"target_kind": "intent", "target_key": "walk"},
        "/mentoring/pairs": {"mentor": "Walk", "mentee": "Exec", "started_on": "2026-01-01"},
        "/sessions": {"held_on": "2026-01-02", "topics": ["walk"]},
        "/end": {"ended_on": "2026-02-01"},
        "/report-schedules": SCHEDULE | {"department": t.department},
        "/report-schedules/": SCHEDULE | {"department": t.department},
        "/maturity/answers": {
            "answers": {
                "strategy": 2,
                "people": 2,
                "governance": 2,
                "processes": 2,
                "training": 2,
                "measurement": 2,
                "technology": 2,
            }
        },
    }
    if method == "GET" or method == "DELETE":
        return None
    for suffix, body in bodies.items():
        if path.rstrip("/").endswith(suffix.rstrip("/")) and not suffix.endswith("/"):
            return body
    inner = [(path.rfind(suffix), suffix) for suffix in bodies if suffix.endswith("/") and suffix in path]
    if inner:  # the innermost thing the path names: /departments/{key}/members/{email} sets a member
        return bodies[max(inner)[1]]
    return {}


def web_form(person: Person, path: str, t: Targets, own: Targets) -> dict[str, Any]:
    """Every field a page's form may read, valid: extra fields are ignored."""
    kind = "query" if path.startswith("/alerts/rules") else "other"  # an alert rule's kind, or a topic's
    return {
        "csrf": person.csrf,
        "body": "walk",
        "note": "walk",
        "name": "Walk",
        "department": t.department,
        "to": "resolve",
        "reason": "walk",
        "priority": "urgent",
        "tags": "walk",
        "tag": "walk",
        "add": "walk",
        "assignee": own.member,
        "into": str(t.merge_into),
        "id": [str(t.conversation)],
        "operation": "tag",
        "how": "phone",
        "do": "resolve",
        "action": "resolve",
        "query": "walk",
        "kind": kind,
        "enabled": "0",
        "active": "0",
        "confirm": "yes",
        "email": own.member,
        "languages": "nl",
        "capacity": "3",
        "availability": "away",
        "voice_id": str(t.voice),
        "seen_reply_seq": str(t.reply_seq),
        "decision": "declined",
        "outcome": "walk",
        "sentiment": "positive",
        "connector": "webhook",
        "secret": "push-secret-0123456789ab",
        "channel": "mastodon",
        "handle": "walk@x",
        "language": "nl",
        "name_en": "Walk",
        "name_nl": "Walk",
        "digest_every": "monthly",
        "assignment": "least_loaded",
        "topic": t.topic,
        "severity": "critical",
        "sensitivity": "0.001",
        "min_count": "3",
        "cooldown": "60",
        "value": "",
        "reference": "walk",
        "interval": "3600",
        "expires_days": "30",
        "typing": "1",
        "password": "a new long passphrase for the walk",
        "current": "a long and secret passphrase for the walk",
    }


def echoless(text: str, t: Targets) -> str:
    """``text`` without the names the request itself sent: a refusal may say what it was asked for."""
    for name in (t.topic, t.source, t.canned):
        text = text.replace(name, "").replace(name.replace(" ", "%20"), "")
    return text


def refuse_expected(expect: Expect, person: Person, t: Targets, own: Targets, scoped: bool) -> bool:
    allowed = expect.need is None or can(person.role, expect.need)
    return not allowed or (t is not own and (scoped and expect.owned or expect.personal))


def call(person: Person, method: str, path: str, t: Targets, own: Targets) -> Any:
    url = fill(path, t, own)
    if path.startswith("/api/"):
        body = api_body(method, path, t, own)
        headers = {"Authorization": f"Bearer {person.token}"}
        return person.web.request(method, url, headers=headers, json=body, follow_redirects=False)
    if method == "GET":
        return person.web.get(url, follow_redirects=False)
    return person.web.post(url, data=web_form(person, path, t, own), follow_redirects=False)


@pytest.mark.postgres
def test_every_route_for_every_role_and_department(settings: Settings) -> None:
    engine = create_engine(settings)
    world = build(settings, engine)
    app = create_app(Runtime(settings, engine=engine))
    sign_in_everyone(world, app)
    walked = routes(app)
    missing = [f"{m} {p}" for m, p in walked if f"{m} {p}" not in EXPECT]
    assert not missing, f"routes without an expectation in EXPECT: {missing}"
    names = sa.inspect(engine).get_table_names()
    db = snapshot(engine, [n for n in names if n not in VOLATILE and not n.startswith("rollup")])
    db.save()
    failures: list[str] = []
    done: set[str] = set()  # writes that changed the database for someone allowed: the bodies are valid
    calls = 0
    for person in world.people:
        own = world.targets[person.department or "customer-service"]
        others = [world.targets[OTHER[person.department]]] if person.department else []
        scoped = person.department is not None and person.role.value != "admin"
        for method, path in walked:
            expect = EXPECT[f"{method} {path}"]
            for t in [*others, own]:
                cookies = dict(person.web.cookies)
                answer = call(person, method, path, t, own)
                calls += 1
                what = f"{person.label} {method} {fill(path, t, own)} → {answer.status_code}"
                if answer.status_code >= 500:
                    failures.append(f"{what}: a server error")
                if scoped:  # never another department's words, whatever the route (bar its own request's)
                    foreign = MARKS[OTHER[person.department]]  # type: ignore[index]
                    if foreign in echoless(answer.text, t):
                        failures.append(f"{what}: shows {foreign!r} (another department's)")
                allowed = expect.need is None or can(person.role, expect.need)
                theirs = t is not own and scoped and expect.owned
                if method == "GET":
                    if not allowed and answer.status_code not in (403,):
                        failures.append(f"{what}: {expect.need} needed, expected 403")
                    elif theirs and answer.status_code not in (403, 404):
                        failures.append(f"{what}: another department's, expected 403 or 404")
                    continue
                changed = db.changed()
                refuse = refuse_expected(expect, person, t, own, scoped)
                if f"{method} {path}" in WRITES_NOTHING:  # proved by its answers: 2xx, or a refusal
                    if refuse and answer.status_code not in (403, 404):
                        failures.append(f"{what}: expected 403 or 404")
                    elif not refuse and answer.status_code < 400:
                        done.add(f"{method} {path}")
                elif changed and not refuse:
                    done.add(f"{method} {path}")
                if refuse and changed:
                    failures.append(f"{what}: changed {changed} (should have been refused)")
                if refuse and path.startswith("/api/") and answer.status_code < 400:
                    failures.append(f"{what}: expected a refusal")
                if (
                    changed
                    or method == "POST"
                    and path in ("/logout", "/account/password", "/account/sign-out-everywhere")
                ):
                    db.restore()
                    person.web.cookies.clear()
                    person.web.cookies.update(cookies)
    print(f"{calls} calls")
    assert not failures, f"{len(failures)} failures:\n" + "\n".join(failures)
    # Every owned write was done by someone allowed: the walk's requests are valid, so the refusals of
    # another department's callers come from who they are, not from what they sent.
    owned_writes = {k for k, e in EXPECT.items() if e.owned and not k.startswith("GET ")}
    assert not owned_writes - done, f"owned writes no allowed caller got done: {sorted(owned_writes - done)}"
