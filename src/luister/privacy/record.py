"""The record of processing (GDPR art. 30) for docs/privacy.md, generated from the schema: every table,
what it is for, which of its columns hold personal data, and which setting limits how long it is kept.
A table missing here fails the docs test, so a new table cannot go unrecorded."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa


@dataclass(frozen=True, slots=True)
class Purpose:
    why: str
    personal: tuple[str, ...] = ()  # columns that hold or point at personal data
    kept: str = "until deleted by a person"


_ROLLUP = Purpose("counts per hour or day for dashboards, KPIs and alerts; no person in them",
                  kept="for good (counts only)")  # fmt: skip
PURPOSES: dict[str, Purpose] = {
    "mention": Purpose(
        "what people said in public about the organisation, analysed for sentiment and intent (legitimate "
        "interest: listening to customers and handling complaints)",
        (
            "external_id",
            "url",
            "author_handle",
            "author_name",
            "author_followers",
            "title",
            "text",
            "parent_id",
            "thread_id",
            "raw",
        ),
        "`retention_mentions_days`, or the source's `retention_days` if shorter; `raw` by "
        "`retention_raw_days`",
    ),
    "mention_topic": Purpose("which topics a mention matches", kept="with its mention"),
    "correction": Purpose(
        "labels corrected by people, to train and audit the models", ("corrected_by",), "with its mention"
    ),
    "mention_tag": Purpose(
        "labels people put on mentions to sort their work", ("tagged_by",), "with its mention"
    ),
    "rejected": Purpose(
        "input that could not be read as a mention, kept to show where and why",
        ("raw",),
        "`retention_quarantine_days`",
    ),
    "erased_mention": Purpose(
        "platform ids of mentions erased at a person's request, so they are never stored again",
        ("external_id",),
        "for good (needed to honour the erasure)",
    ),
    "source": Purpose("where luister listens, with credentials (never shown back)"),
    "source_run": Purpose("when each source ran and how it went", kept="`retention_runs_days`"),
    "topic": Purpose("the saved queries that sort mentions"),
    "saved_search": Purpose(
        "each person's saved searches of the mention list (name and filters)", ("user_id",)
    ),
    "alert_rule": Purpose("when to raise an alert"),
    "alert_channel": Purpose("where alerts go (e-mail addresses, webhook URLs)", ("options",)),
    "alert": Purpose(
        "raised alerts, with example mention ids", ("sample_ids", "acknowledged_by", "resolved_by")
    ),
    "alert_event": Purpose("what happened to an alert, and who did it", ("by",)),
    "alert_delivery": Purpose(
        "each alert sent to each channel, for retries", kept="`retention_deliveries_days` (pending ones stay)"
    ),
    "alert_step": Purpose("playbook steps of an alert", ("done_by",)),
    "user_account": Purpose(
        "people who sign in to luister", ("email", "name", "password_hash", "last_login_at")
    ),
    "api_token": Purpose("API access of a person (hashed)", ("user_id",)),
    "audit_log": Purpose(
        "who changed what and when (accountability)", ("actor", "target", "ip"), "`retention_audit_days`"
    ),
    "web_session": Purpose(
        "who is signed in, on which device (server-side sessions that sign-out ends)",
        ("user_id", "address", "agent"),
        "until the session expires or is ended",
    ),
    "sign_in_failure": Purpose(
        "failed sign-ins per account and per address, to slow down guessing",
        ("key",),
        "until it has cooled down",
    ),
    # The inbox (luister.inbox): webcare's work on mentions that need action
    "department": Purpose("the organisation's departments, their business hours and digest cadence"),
    "department_member": Purpose(
        "who works in which department, their languages and availability", ("user_id",)
    ),
    "sla_policy": Purpose("response and resolution targets per department and priority"),
    "routing_rule": Purpose("which department gets which mentions", ("created_by",)),
    "conversation": Purpose(
        "mentions that need action, routed and worked by webcare (legitimate interest: answering customers)",
        ("author_handle", "author_name", "author_followers", "thread_key", "subject", "assignee_id"),
        "until a person's erasure removes it; not yet shortened by the mention retention settings",
    ),
    "conversation_message": Purpose(
        "what the customer and the team wrote in a conversation, and internal notes",
        ("author", "user_id", "body", "mention_id"),
        "with its conversation",
    ),
    "conversation_event": Purpose(
        "what happened to a conversation, and who did it", ("actor", "detail"), "with its conversation"
    ),
    "conversation_tag": Purpose("labels on conversations", kept="with its conversation"),
    "conversation_tally": Purpose(
        "how many conversations each status, department and assignee holds (the inbox's tabs); kept by "
        "the database itself",
        ("assignee_id",),
        "with its conversations",
    ),
    "canned_response": Purpose("prepared answers, per language"),
    "notification": Purpose(
        "in-app notices to people (assigned, mentioned, SLA)",
        ("user_id", "text"),
        "with its conversation or person",
    ),
    "digest": Purpose("periodic summaries of what customers said, per department"),
    "digest_item": Purpose("themes in a digest and what the department decided", ("decided_by",)),
    "digest_item_mention": Purpose(
        "which mentions a digest theme is made of", ("mention_id",), "with its mention"
    ),
    "voice": Purpose(
        "the organisation's own accounts on each platform: its replies are recognised, and luister answers "
        "from them (credentials encrypted at rest, never shown)"
    ),
    "reply_draft": Purpose(
        "replies as agents wrote them, their approval (who approved, both versions when edited) and outcome",
        ("author_id", "approver_id", "body", "original_body", "decision_note", "mention_id"),
        "with its conversation",
    ),
    "approval_rule": Purpose("when a reply waits for an approver"),
    "conversation_presence": Purpose(
        "who has a conversation open, or is typing in it (the collision warning)",
        ("user_id",),
        "seconds; old rows are removed",
    ),
    "effect": Purpose(
        "every outbound action (a reply) exactly once: its text, target and outcome at the platform",
        ("target", "body", "remote_id", "remote_url", "created_by"),
        "until deleted by a person; erased with the person whose post it answers",
    ),
    "effect_event": Purpose(
        "the history of each outbound action (states and platform errors)", ("detail",), "with its effect"
    ),  # fmt: skip
    "effect_pace": Purpose("when each of our accounts may post again (platform rate limits)"),
    "goal": Purpose("business goals the KPIs serve, with their owner", ("owner_id",)),
    "kpi": Purpose("what is measured for a goal, how, and who owns it", ("owner_id",)),
    "kpi_target": Purpose("the value a KPI should reach per period", kept="with its KPI"),
    "external_series": Purpose(
        "series from outside luister (search position, NPS, revenue); no person in them"
    ),
    "external_point": Purpose(
        "the values of an external series per period; no person in them", kept="with its series"
    ),  # fmt: skip
    "rollup_final": Purpose(
        "the moment before which rollup counts are final (after retention)", kept="for good"
    ),
    "project": Purpose(
        "social projects (campaigns, community launches, webcare pilots): budget, timing, objectives and "
        "their evaluation, to plan the work and attribute its results",
        ("owner", "evaluated_by", "created_by"),
    ),
    "project_spend": Purpose(
        "what was spent on a project, line by line", ("recorded_by",), "with its project"
    ),
    "report_schedule": Purpose(
        "scheduled reports: which report goes to whom (e-mail addresses), weekly at a local time",
        ("recipients", "created_by"),
    ),
    "maturity_assessment": Purpose(
        "the social business maturity questionnaire's answers and the stages they scored, for the history",
        ("answered_by",),
    ),
    "maturity_snapshot": Purpose(
        "a month's maturity assessment: stages from answers and from luister's own figures (counts only)",
        ("taken_by",),
    ),
    "mention_index_build": Purpose(
        "how far building the mention search index has come (a mention id and when); no person in it"
    ),
    "report_run": Purpose(
        "that a scheduled report was sent for a period (once), with its e-mail's effect",
        kept="with its schedule",
    ),
    "training_setting": Purpose("whether training belts gate who may reply and approve", ("changed_by",)),
    "training_attempt": Purpose(
        "each quiz attempt of a person, to award belts and show when certificates expire",
        ("user_id", "answers"),
        "with its person's account",
    ),
    "kb_article": Purpose(
        "the centre of excellence's knowledge base: playbooks, holding statements, lessons, evaluations, "
        "policy FAQs (Dutch and English)",
        ("created_by", "updated_by"),
    ),
    "kb_article_version": Purpose(
        "every version of a knowledge-base article", ("edited_by",), "with its article"
    ),
    "kb_link": Purpose(
        "which article helps with which alert rule, conversation intent, department, tag or project",
        ("created_by",),
        "with its article",
    ),
    "mentoring_pair": Purpose(
        "reverse mentoring: who mentors which executive, since when, to what end",
        ("mentor", "mentee", "created_by"),
    ),
    "mentoring_session": Purpose(
        "reverse-mentoring sessions: date, topics and notes", ("notes", "recorded_by"), "with its pair"
    ),
    "policy_version": Purpose(
        "the social media policy's versions (Markdown) with the approval rules each sets, and who wrote and "
        "published them",
        ("created_by", "published_by"),
    ),
    "policy_ack": Purpose(
        "who acknowledged which version of the policy, and when: the gate on replying and publishing",
        ("user_id",),
        "with the account",
    ),
    "process": Purpose(
        "the organisation's processes and how their mentions are recognised; no person in them"
    ),
    "process_raci": Purpose(
        "which department is responsible, accountable, consulted or informed per process; no person in it",
        kept="with its process",
    ),
}


def purpose_of(table: str) -> Purpose:
    if table.startswith("rollup_") and table != "rollup_final":
        return _ROLLUP
    if table not in PURPOSES:
        raise KeyError(f"table {table!r} has no purpose in luister.privacy.record.PURPOSES: add one")
    return PURPOSES[table]


def record_of_processing(metadata: sa.MetaData) -> str:
    """Markdown: one row per table of ``metadata``."""
    lines = ["| table | why it is kept | personal data in it | kept for |", "|---|---|---|---|"]
    for name in sorted(metadata.tables):
        purpose = purpose_of(name)
        columns = set(metadata.tables[name].columns.keys())
        missing = [c for c in purpose.personal if c not in columns]
        if missing:
            raise KeyError(f"{name}: no column {', '.join(missing)} (update luister.privacy.record)")
        personal = ", ".join(f"`{c}`" for c in purpose.personal) or "none"
        lines.append(f"| `{name}` | {purpose.why} | {personal} | {purpose.kept} |")
    return "\n".join(lines) + "\n"
