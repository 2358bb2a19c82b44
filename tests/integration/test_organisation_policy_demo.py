"""Voltaro's policy and processes in the demo: version 2 in force with acknowledgements (some pending, none
refused yet: they have two weeks), its crisis approval rule in the inbox, six processes whose R department
has the routing rule; loading the demo again keeps it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy.engine import Engine

from luister.inbox.approval_rules import list_rules as approval_rules
from luister.inbox.read import list_rules
from luister.organisation import policy_read, processes_read
from luister.services.accounts import get_user
from luister.settings import Settings
from luister.testing import runtime_for

END = datetime(2026, 11, 1, tzinfo=UTC)


def test_the_demo_tells_the_policy_and_its_processes(settings: Settings, engine: Engine) -> None:
    runtime_for(settings, engine, analysis=False).load_demo(count=300, end=END, batch_size=300)
    versions = policy_read.list_versions(engine=engine, now=END)
    assert [(v.number, v.state) for v in versions] == [(2, "in_force"), (1, "superseded")]
    assert versions[1].acknowledged >= 10
    acks = policy_read.acknowledgements(engine=engine, now=END)
    done = {a.email for a in acks if a.acknowledged_at}
    assert "anouk@voltaro.example" in done and "noor@voltaro.example" not in done
    assert len(done) == 5 and len(acks) > 5
    noor = get_user(engine=engine, email="noor@voltaro.example")
    standing = policy_read.standing(engine=engine, user_id=noor.id, now=END)
    assert standing.pending and standing.refusal is None and standing.due is not None
    diff = policy_read.version_diff(engine=engine, old=1, new=2)
    assert any(d.kind == "added" and "storing of crisis" in d.text for d in diff)
    assert [(r.name, r.value) for r in approval_rules(engine=engine) if r.name.startswith("policy: ")] == [
        ("policy: Crisisreacties (v2)", "crisis")
    ]
    matrix = processes_read.matrix(engine=engine)
    assert len(matrix.processes) == 6 and "legal" in matrix.departments
    routed = {r.name: r.department for r in list_rules(engine=engine) if r.name.startswith("process: ")}
    assert routed["process: press"] == "communications" and routed["process: privacy-request"] == "legal"
    again = runtime_for(settings, engine, analysis=False).load_demo(count=300, end=END, batch_size=300)
    assert again.summary.stored == 0 and len(policy_read.list_versions(engine=engine, now=END)) == 2
    assert policy_read.standing(engine=engine, user_id=noor.id, now=END + timedelta(days=400)).refusal
