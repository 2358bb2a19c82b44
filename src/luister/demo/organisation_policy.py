"""Voltaro's social media policy and its processes: version 1 (acknowledged by everyone in its first weeks)
and version 2, published three days before the demo ends with two weeks to acknowledge it (some have,
some have not yet) and an approval rule for crisis replies; six processes with their RACI matrix, whose
Responsible department the inbox routes to."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from luister.organisation import policy_actions, policy_read, processes_actions
from luister.services.accounts import list_users

V1 = """# Socialemediabeleid Voltaro

Wij luisteren naar klanten waar zij praten, en antwoorden waar zij vragen stellen.

## Wie spreekt namens Voltaro

- Alleen collega's die dit beleid hebben bevestigd reageren namens Voltaro.
- We reageren vanuit de stem (het account) van de afdeling die erover gaat.

## Hoe we reageren

- Eerlijk, vriendelijk en in de taal van de klant.
- Binnen een uur tijdens kantoortijd.
- Nooit klantgegevens in een openbaar bericht: vraag om een privébericht.

## Wanneer we niet zelf antwoorden

- Vragen van journalisten gaan naar Communicatie.
- Alles over persoonsgegevens gaat naar Juridische zaken.
"""

V2 = V1.replace(
    "- Binnen een uur tijdens kantoortijd.",
    "- Binnen dertig minuten tijdens kantoortijd, binnen twee uur daarbuiten.",
).replace(
    "## Wanneer we niet zelf antwoorden",
    "## Bij een storing of crisis\n\n"
    "- Een reactie over een storing of crisis wordt goedgekeurd door een tweede collega.\n"
    "- We gebruiken de holding statement van Communicatie en beloven geen hersteltijd.\n\n"
    "## Wanneer we niet zelf antwoorden",
)

# everyone acknowledged version 1; of version 2 these have, the others are still asked
ACKNOWLEDGED_V2 = ("anouk@voltaro.example", "sem@voltaro.example", "ingrid@voltaro.example",
                   "mark@voltaro.example", "lotte@voltaro.example")  # fmt: skip

# key, Dutch, English, conditions, matrix
PROCESSES: list[tuple[str, str, str, dict[str, Any], dict[str, str]]] = [
    ("billing-complaint", "Klacht over de factuur", "Billing complaint",
     {"query": "jaarafrekening OR termijnbedrag OR voorschotbedrag"},
     {"customer-service": "R", "sales": "C", "product": "I"}),
    ("outage", "Storing of crisis", "Outage or crisis", {"query": "stroomstoring OR netstoring"},
     {"customer-service": "R", "communications": "A", "product": "C", "legal": "I"}),
    ("press", "Persvraag", "Press question", {"query": "journalist OR persvraag OR redactie"},
     {"communications": "R", "legal": "C", "customer-service": "I"}),
    ("lead", "Lead", "Lead", {"query": "offerte OR overstappen", "intents": ["lead"]},
     {"sales": "R", "marketing": "I"}),
    ("product-idea", "Productidee", "Product idea", {"query": "productidee OR \"feature request\""},
     {"product": "R", "customer-service": "C", "marketing": "I"}),
    ("privacy-request", "Privacyverzoek", "Privacy request",
     {"query": "inzageverzoek OR \"verwijder mijn gegevens\""},
     {"legal": "R", "customer-service": "C"}),
]  # fmt: skip


def play(*, engine: Engine, start: datetime, end: datetime) -> int:
    """Write the story (once: loading the demo again keeps it); returns the versions written."""
    if policy_read.list_versions(engine=engine, now=end):
        return 0
    one = policy_actions.write_version(engine=engine, title="Socialemediabeleid", body=V1, actor="demo",
                                       now=start)  # fmt: skip
    policy_actions.publish(engine=engine, number=one, actor="demo", now=start + timedelta(days=1))
    two = policy_actions.write_version(
        engine=engine, title="Socialemediabeleid (storingen en snelheid)", body=V2, actor="demo",
        now=end - timedelta(days=4), grace_days=14,
        approval_rules=[{"name": "Crisisreacties", "kind": "intent", "value": "crisis"}],
    )  # fmt: skip
    people = [u.email for u in list_users(engine=engine) if u.active]
    for n, email in enumerate(sorted(people)):
        policy_actions.acknowledge(engine=engine, email=email, number=one,
                                   now=start + timedelta(days=1, hours=2 + n))  # fmt: skip
    published = end - timedelta(days=3)
    policy_actions.publish(engine=engine, number=two, actor="demo", now=published)
    for n, email in enumerate(e for e in ACKNOWLEDGED_V2 if e in people):
        policy_actions.acknowledge(engine=engine, email=email, number=two,
                                   now=published + timedelta(hours=1 + 5 * n))  # fmt: skip
    for key, name_nl, name_en, conditions, matrix in PROCESSES:
        processes_actions.save_process(
            engine=engine, key=key, name_nl=name_nl, name_en=name_en, conditions=conditions, matrix=matrix,
            actor="demo", now=start,
        )  # fmt: skip
    return 2
