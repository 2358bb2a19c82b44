"""Voltaro's maturity assessment on the demo data: every stage claim carries evidence links, the stage and
the organisation model come with their figures, and the history has a month by month view."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from luister.inbox.tables import conversation
from luister.organisation.maturity import Dimension, Stage, month_start
from luister.organisation.maturity_evidence import WINDOW
from luister.organisation.maturity_model import Model
from luister.organisation.maturity_read import assessment, history
from luister.organisation.maturity_tables import maturity_assessment, maturity_snapshot
from luister.settings import Settings
from luister.storage.tables import audit_log
from luister.testing import runtime_for

# hours before the wall clock on purpose: the demo stamps what it makes (people, goals, KPIs, targets) from
# its own clock, so an assessment at END counts them however late the test runs (CI once ran it an hour on)
END = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) - timedelta(hours=3)


def test_voltaros_assessment_backs_every_stage_claim_with_evidence(
    settings: Settings, engine: Engine
) -> None:
    runtime_for(settings, engine, analysis=False).load_demo(count=1500, end=END, batch_size=1500)
    found = assessment(engine=engine, at=END)

    assert found.answered is not None and found.answered.answered_by == "ingrid@voltaro.example"
    assert found.answered.scored.overall is Stage.formalized
    claims = [*found.claims, *found.suggested.claims]
    assert len(found.claims) == 1 + len(Dimension) and len(found.suggested.claims) == 1 + len(Dimension)
    for claim in claims:
        assert claim.links, f"no evidence for the claim on {claim.dimension}"
        assert all(link.startswith("/") for link in claim.links)
    evidence = {e.key: e for e in found.evidence}
    assert all(e.figures for e in found.evidence)
    # the demo's webcare answers at the source, routes to departments and has approval rules
    assert evidence["engagement"].figure("at_source") > 0
    assert evidence["engagement"].stage is not None and evidence["engagement"].stage >= Stage.engagement
    c = conversation.c
    with engine.connect() as conn:  # the median the database orders is the one Python would take
        waits = [
            (f - s).total_seconds() / 60
            for s, f in conn.execute(
                sa.select(c.cycle_started_at, c.first_response_at).where(
                    c.first_response_at >= END - WINDOW,
                    c.first_response_at < END,
                    c.first_response_at >= c.cycle_started_at,
                )
            )
        ]
    # (to the rounding of the last decimal: a wait of x.x5 minutes may round either way on float noise)
    assert abs(evidence["engagement"].figure("median_first_response") - statistics.median(waits)) <= 0.051
    assert evidence["routing"].figure("departments") >= 2
    assert evidence["goals"].figure("kpis_with_targets") >= 5 and evidence["goals"].stage is Stage.formalized
    assert evidence["projects"].figure("ended") >= 1  # evaluations count from when written
    assert evidence["approvals"].figure("approval_rules") == 3  # two of the inbox's, one of policy v2
    # the organisation's own evidence: policy v2 in force (its grace period running), belts, mentoring, the KB
    assert evidence["policy"].figure("version") == 2 and evidence["policy"].stage is Stage.engagement
    assert 0 < evidence["policy"].figure("acknowledged") < evidence["policy"].figure("people")
    assert evidence["training"].figure("belted") > 0 and evidence["training"].stage is not None
    assert evidence["mentoring"].figure("executives") == 1 and evidence["mentoring"].stage is Stage.formalized
    assert evidence["knowledge"].figure("playbooks") >= 1 and evidence["knowledge"].stage is Stage.formalized
    assert found.suggested.overall is not None
    assert found.model.model is not Model.unknown and found.model.answers > 0
    assert evidence["model"].figure("answers") == found.model.answers
    assert found.steps and all(s.towards > found.answered.scored.dimensions[s.dimension] for s in found.steps)

    # history: a snapshot for each month the story covers, the current month with the latest answers
    months = history(engine=engine, now=END, months=3)
    assert [m.month for m in months][-1] == month_start(END)
    assert months[-1].stored and months[-1].answered_overall is Stage.formalized
    assert all(m.links for m in months)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(maturity_assessment)).scalar_one() == 3
        taken = conn.execute(sa.select(sa.func.count()).select_from(maturity_snapshot)).scalar_one()
        audited = conn.execute(
            sa.select(sa.func.count()).where(audit_log.c.action == "maturity.answer")
        ).scalar_one()
    assert taken >= 2 and audited == 3

    # the past, computed: two months ago the evidence stood lower (or equal), never higher
    past = assessment(engine=engine, at=END - timedelta(days=50))
    assert past.answered is not None and past.answered.scored.overall < found.answered.scored.overall
    assert (past.suggested.overall or 0) <= (found.suggested.overall or 0)

    # loading the demo again keeps the assessment it recorded
    runtime_for(settings, engine, analysis=False).load_demo(count=1500, end=END, batch_size=1500)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(maturity_assessment)).scalar_one() == 3
