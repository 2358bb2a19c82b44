"""Which stage luister's own figures demonstrate (pure): one rule per kind of evidence, each naming the
highest stage its figures show and no more (listening alone never shows more than presence), with the
reason in words. ``None``: the figures say nothing yet (no digests made is not a sign of any stage)."""

from __future__ import annotations

from luister.organisation.maturity import Stage, Text

Suggestion = tuple[Stage | None, Text]

FAST_MINUTES = 60  # a median first response within the hour
ENOUGH_ANSWERS = 50  # in the window, to call the engagement formalised
SHARE_OF_A_UNIT = 0.05  # a department with this share of the conversations works with social itself


def listening(*, topics: int, competitor_topics: int, sources: int) -> Suggestion:
    if topics >= 2 and competitor_topics >= 1 and sources >= 1:
        return Stage.presence, Text(
            "Brand and competitors are listened to, with sources of your own.",
            "Er wordt geluisterd naar merk en concurrenten, met eigen bronnen.",
        )
    return Stage.planning, Text(
        "Listening to learn: not yet brand and competitors with sources of your own.",
        "Luisteren om te leren: nog niet merk en concurrenten met eigen bronnen.",
    )


def engagement(*, voices: int, answers: int, at_source: int, median_minutes: float | None) -> Suggestion:
    if (
        at_source >= 1
        and answers >= ENOUGH_ANSWERS
        and median_minutes is not None
        and median_minutes <= FAST_MINUTES
    ):
        return Stage.formalized, Text(
            f"Customers are answered at the source, the median first response within {FAST_MINUTES} minutes.",
            f"Klanten krijgen antwoord bij de bron, de mediane eerste reactie binnen {FAST_MINUTES} minuten.",
        )
    if at_source >= 1:
        return Stage.engagement, Text(
            "Customers are answered at the source.", "Klanten krijgen antwoord bij de bron."
        )
    if voices >= 1:
        return Stage.presence, Text(
            "Accounts of your own, but no replies at the source yet.",
            "Eigen accounts, maar nog geen antwoorden bij de bron.",
        )
    return Stage.planning, Text(
        "No accounts of your own in luister yet.", "Nog geen eigen accounts in luister."
    )


def routing(*, shares: dict[str, float], routing_rules: int) -> Suggestion:
    """``shares``: each department's share of the conversations (``""``: not routed). Routing to the
    departments responsible is what formalising looks like; that business units act on what they get is
    for the digests and goals to show."""
    if not shares:
        return None, Text("No conversations yet.", "Nog geen gesprekken.")
    units = sum(1 for key, share in shares.items() if key and share >= SHARE_OF_A_UNIT)
    if units >= 2 and routing_rules >= 1:
        return Stage.formalized, Text(
            f"Routing rules send conversations to the departments responsible ({units} with at least "
            f"{SHARE_OF_A_UNIT:.0%} of them).",
            f"Routeringsregels sturen gesprekken naar de verantwoordelijke afdelingen ({units} met minstens "
            f"{SHARE_OF_A_UNIT:.0%} ervan).",
        )
    return Stage.engagement, Text(
        "Conversations are handled, mostly by one team.", "Gesprekken worden behandeld, vooral door één team."
    )


def digests(*, digests: int, taken_up: int, departments_taking_up: int) -> Suggestion:
    if digests == 0:
        return None, Text("No digests made yet.", "Nog geen digests gemaakt.")
    if departments_taking_up >= 3:
        return Stage.strategic, Text(
            f"{departments_taking_up} departments took up what customers said.",
            f"{departments_taking_up} afdelingen deden iets met wat klanten zeiden.",
        )
    if taken_up >= 1:
        return Stage.formalized, Text(
            "Departments take up what customers say in the digests.",
            "Afdelingen doen iets met wat klanten zeggen in de digests.",
        )
    return Stage.engagement, Text(
        "Digests go to departments, nothing taken up yet.",
        "Digests gaan naar afdelingen, nog niets opgepakt.",
    )


def goals(
    *, goals: int, goals_with_kpis: int, kpis_with_targets: int, departments_with_targets: int
) -> Suggestion:
    if departments_with_targets >= 5:
        return Stage.converged, Text(
            f"{departments_with_targets} departments have KPIs with targets.",
            f"{departments_with_targets} afdelingen hebben KPI's met streefwaarden.",
        )
    if departments_with_targets >= 3:
        return Stage.strategic, Text(
            f"{departments_with_targets} departments have KPIs with targets.",
            f"{departments_with_targets} afdelingen hebben KPI's met streefwaarden.",
        )
    if kpis_with_targets >= 1:
        return Stage.formalized, Text(
            "Goals have KPIs with targets.", "Doelen hebben KPI's met streefwaarden."
        )
    if goals_with_kpis >= 1:
        return Stage.engagement, Text(
            "Goals have KPIs, without targets yet.", "Doelen hebben KPI's, nog zonder streefwaarden."
        )
    return Stage.planning, Text("No goals with KPIs yet.", "Nog geen doelen met KPI's.")


def projects(*, ended: int, evaluated: int) -> Suggestion:
    if ended == 0:
        return None, Text("No project has ended yet.", "Nog geen project afgelopen.")
    if evaluated == ended and ended >= 3:
        return Stage.strategic, Text(
            f"All {ended} projects that ended were evaluated.",
            f"Alle {ended} afgelopen projecten zijn geëvalueerd.",
        )
    if evaluated * 2 >= ended:
        return Stage.formalized, Text(
            f"{evaluated} of {ended} projects that ended were evaluated.",
            f"{evaluated} van {ended} afgelopen projecten zijn geëvalueerd.",
        )
    return Stage.engagement, Text(
        f"Only {evaluated} of {ended} projects that ended were evaluated.",
        f"Maar {evaluated} van {ended} afgelopen projecten zijn geëvalueerd.",
    )


def approvals(*, approval_rules: int, approved: int) -> Suggestion:
    """Approval rules show governance up to engagement; a written, acknowledged policy (the policy's own
    evidence) is what formalises it."""
    if approval_rules == 0:
        return None, Text("No approval rules.", "Geen goedkeuringsregels.")
    if approved >= 1:
        return Stage.engagement, Text(
            "Risky replies wait for a second person, and are approved.",
            "Risicovolle antwoorden wachten op een tweede persoon en worden goedgekeurd.",
        )
    return Stage.presence, Text(
        "Approval rules are set, none used yet.", "Goedkeuringsregels staan klaar, nog niet gebruikt."
    )


def onboarding(*, new_agent_rule: bool, reviewed_authors: int) -> Suggestion:
    """New agents' first replies reviewed: training by review (belts and certificates go further)."""
    if new_agent_rule and reviewed_authors >= 1:
        return Stage.engagement, Text(
            "New agents' first replies are reviewed before they go out.",
            "De eerste antwoorden van nieuwe medewerkers worden nagekeken.",
        )
    if new_agent_rule:
        return Stage.presence, Text(
            "New agents' first replies will be reviewed; none yet.",
            "Eerste antwoorden van nieuwe medewerkers worden nagekeken; nog geen.",
        )
    return None, Text(
        "No review of new agents' replies.", "Geen controle op antwoorden van nieuwe medewerkers."
    )


MOST = 0.8  # "most people": acknowledged the policy, hold a belt


def policy(*, version: int | None, people: int, acknowledged: int) -> Suggestion:
    """A written policy in force governs; acknowledged by most people, it formalises governance."""
    if version is None:
        return None, Text("No policy in force.", "Geen beleid van kracht.")
    share = acknowledged / people if people else 0.0
    if share >= MOST:
        return Stage.formalized, Text(
            f"Policy version {version} is in force and acknowledged by {share:.0%} of the people.",
            f"Beleidsversie {version} is van kracht en door {share:.0%} van de mensen bevestigd.",
        )
    return Stage.engagement, Text(
        f"Policy version {version} is in force; only {share:.0%} of the people acknowledged it.",
        f"Beleidsversie {version} is van kracht; pas {share:.0%} van de mensen bevestigde het.",
    )


def training(*, people: int, belted: int, green_or_higher: int, gates_on: bool) -> Suggestion:
    """Trained people show training; most of them belted formalises it, and belts that gate who may reply
    make it part of how the company works."""
    if belted == 0:
        return None, Text("Nobody holds a valid belt.", "Niemand heeft een geldige band.")
    share = belted / people if people else 0.0
    if share >= MOST and gates_on and green_or_higher >= 1:
        return Stage.strategic, Text(
            f"{share:.0%} of the people hold a valid belt, and belts decide who may reply and approve.",
            f"{share:.0%} van de mensen heeft een geldige band, en banden bepalen wie mag antwoorden en "
            "goedkeuren.",
        )
    if share >= MOST:
        return Stage.formalized, Text(
            f"{share:.0%} of the people hold a valid belt.",
            f"{share:.0%} van de mensen heeft een geldige band.",
        )
    return Stage.engagement, Text(
        f"Some people are trained: {share:.0%} hold a valid belt.",
        f"Een deel is getraind: {share:.0%} heeft een geldige band.",
    )


def mentoring(*, active_pairs: int, executives_mentored: int, recent_sessions: int) -> Suggestion:
    """Reverse mentoring of executives that actually meets is a sign of an executive sponsor."""
    if active_pairs == 0:
        return None, Text("No reverse mentoring.", "Geen omgekeerd mentorschap.")
    if executives_mentored >= 1 and recent_sessions >= 1:
        return Stage.formalized, Text(
            f"{executives_mentored} executive(s) reverse-mentored, {recent_sessions} session(s) in 90 days.",
            f"{executives_mentored} bestuurder(s) omgekeerd gementord, {recent_sessions} sessie(s) in 90 "
            "dagen.",
        )
    return Stage.engagement, Text(
        "Reverse-mentoring pairs exist, with no session in 90 days.",
        "Er zijn paren voor omgekeerd mentorschap, zonder sessie in 90 dagen.",
    )


def knowledge(*, articles: dict[str, int]) -> Suggestion:
    """A knowledge base with playbooks, holding statements and lessons learned is the centre of excellence's
    work; fewer kinds show it starting."""
    if not sum(articles.values()):
        return None, Text("No knowledge-base articles.", "Geen artikelen in de kennisbank.")
    core = ("playbook", "holding_statement", "lesson_learned")
    if all(articles.get(kind, 0) >= 1 for kind in core):
        return Stage.formalized, Text(
            "A centre of excellence keeps playbooks, holding statements and lessons learned.",
            "Een kenniscentrum houdt draaiboeken, standaardverklaringen en geleerde lessen bij.",
        )
    return Stage.engagement, Text(
        "The knowledge base has started, not yet with playbooks, holding statements and lessons learned.",
        "De kennisbank is begonnen, nog niet met draaiboeken, standaardverklaringen en geleerde lessen.",
    )
