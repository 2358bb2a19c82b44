"""Which of Owyang's organisation models the company works in, inferred from who answers customers and who
approves replies, per department (pure).

* **centralised**: one department does (nearly) all the answering and approving;
* **hub and spoke**: one hub approves and coordinates, several departments (the spokes) answer;
* **multiple hub and spoke ("dandelion")**: several departments approve for their own spokes;
* **holistic ("honeycomb")**: many departments answer, none dominates, and approval is spread or rare.

Counts come per department key; ``""`` stands for people who work across departments (no department of
their own): a company-wide team is a hub like any other.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

from luister.organisation.maturity import Stage, Text

CENTRAL_SHARE = 0.8  # one department with this share of the answers runs it centrally
ANSWERING_SHARE = 0.1  # a department with this share of the answers takes part
APPROVING_SHARE = 0.2  # a department with this share of the approvals is a hub
HONEYCOMB_DEPARTMENTS = 4  # this many departments answering, ...
HONEYCOMB_TOP_SHARE = 0.4  # ... none with more than this share of the answers
RARE_APPROVALS = 0.1  # approvals on fewer than this share of the answers are rare


class Model(StrEnum):
    unknown = "unknown"
    centralised = "centralised"
    hub_and_spoke = "hub_and_spoke"
    dandelion = "dandelion"
    honeycomb = "honeycomb"


MODEL_NAMES: Mapping[Model, Text] = {
    Model.unknown: Text("Not enough data", "Te weinig gegevens"),
    Model.centralised: Text("Centralised", "Gecentraliseerd"),
    Model.hub_and_spoke: Text("Hub and spoke", "Hub and spoke"),
    Model.dandelion: Text('Multiple hub and spoke ("dandelion")', 'Meerdere hubs ("paardenbloem")'),
    Model.honeycomb: Text('Holistic ("honeycomb")', 'Holistisch ("honingraat")'),
}
# the stage a model fits: a central team engages; a hub formalises; hubs per unit are strategic
MODEL_STAGES: Mapping[Model, Stage | None] = {
    Model.unknown: None,
    Model.centralised: Stage.engagement,
    Model.hub_and_spoke: Stage.formalized,
    Model.dandelion: Stage.strategic,
    Model.honeycomb: Stage.converged,
}


@dataclass(frozen=True, slots=True)
class Inferred:
    model: Model
    reason: Text
    answers: int
    approvals: int
    answering: tuple[str, ...]  # departments with at least ANSWERING_SHARE of the answers, most first
    approving: tuple[str, ...]  # departments with at least APPROVING_SHARE of the approvals, most first
    top_answer_share: float
    top_approval_share: float


def _shares(counts: Mapping[str, int]) -> list[tuple[str, float]]:
    total = sum(max(0, n) for n in counts.values())
    if total == 0:
        return []
    return sorted(
        ((k, max(0, n) / total) for k, n in counts.items() if n > 0), key=lambda kv: (-kv[1], kv[0])
    )


def infer_model(answers: Mapping[str, int], approvals: Mapping[str, int]) -> Inferred:
    """The model that fits answers and approvals per department (see the module's description)."""
    answer_shares, approval_shares = _shares(answers), _shares(approvals)
    n_answers, n_approvals = (
        sum(max(0, n) for n in answers.values()),
        sum(max(0, n) for n in approvals.values()),
    )
    answering = tuple(k for k, s in answer_shares if s >= ANSWERING_SHARE)
    approving = tuple(k for k, s in approval_shares if s >= APPROVING_SHARE)
    top_answer = answer_shares[0][1] if answer_shares else 0.0
    top_approval = approval_shares[0][1] if approval_shares else 0.0

    def made(model: Model, reason: Text) -> Inferred:
        return Inferred(model, reason, n_answers, n_approvals, answering, approving, top_answer, top_approval)

    if n_answers == 0:
        return made(
            Model.unknown, Text("Nobody has answered a customer yet.", "Er is nog geen klant geantwoord.")
        )
    if top_answer >= CENTRAL_SHARE and len(approving) <= 1:
        return made(
            Model.centralised,
            Text(
                f"One team gives {top_answer:.0%} of the answers, with at most one team approving.",
                f"Eén team geeft {top_answer:.0%} van de antwoorden, en hooguit één team keurt goed.",
            ),
        )
    rare = n_approvals < RARE_APPROVALS * n_answers
    if (
        len(answering) >= HONEYCOMB_DEPARTMENTS
        and top_answer <= HONEYCOMB_TOP_SHARE
        and (rare or len(approving) >= HONEYCOMB_DEPARTMENTS)
    ):
        return made(
            Model.honeycomb,
            Text(
                f"{len(answering)} departments answer, none more than {top_answer:.0%}, "
                "and approval is spread or rare.",
                f"{len(answering)} afdelingen antwoorden, geen meer dan {top_answer:.0%}, en goedkeuren is "
                "verspreid of zeldzaam.",
            ),
        )
    if len(approving) >= 2 and len(answering) >= 3:
        return made(
            Model.dandelion,
            Text(
                f"{len(approving)} departments approve replies for {len(answering)} answering departments.",
                f"{len(approving)} afdelingen keuren antwoorden goed voor {len(answering)} antwoordende "
                "afdelingen.",
            ),
        )
    return made(
        Model.hub_and_spoke,
        Text(
            f"One hub approves {top_approval:.0%} of the replies; {max(1, len(answering))} department(s) "
            f"answer (the largest {top_answer:.0%}).",
            f"Eén hub keurt {top_approval:.0%} van de antwoorden goed; {max(1, len(answering))} afdeling(en) "
            f"antwoorden (de grootste {top_answer:.0%}).",
        ),
    )
