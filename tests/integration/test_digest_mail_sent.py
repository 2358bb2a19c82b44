"""Department digests are mailed, end to end on both databases: the timer builds a due digest and plans
one e-mail per member (in the member's language) in the same transaction; two timers ticking at the same
moment and a restarted runner still deliver each member's mail to a real SMTP server exactly once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from fakes.smtp import MailServer, mail_server
from inbox_report_data import people, said
from luister.effects.mail import MailLane
from luister.effects.runner import EffectRunner
from luister.effects.tables import effect
from luister.inbox.digest_actions import build_due_digests
from luister.inbox.privacy import erase
from luister.net.mail import Security, SmtpServer
from luister.storage.tables import mention

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=UTC)  # Tuesday: last week's digests are due
IN_WEEK = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


@pytest.fixture
def smtp() -> Iterator[MailServer]:
    with mail_server() as box:
        yield box


def runner(engine: Engine, smtp: MailServer) -> EffectRunner:
    server = SmtpServer("127.0.0.1", smtp.port, Security.none, timeout=5)
    lane = MailLane(sender="luister@voltaro.example", server=server, clock=lambda: NOW)

    async def resolve(_lane: str) -> MailLane:
        return lane

    return EffectRunner(engine, resolve=resolve, clock=lambda: NOW)


def test_a_due_digest_is_mailed_once_per_member_in_their_language(engine: Engine, smtp: MailServer) -> None:
    people(engine)  # pia (product, Dutch); alice and bob (sales, English)
    with engine.begin() as conn:
        said(conn, "product", 1, "Mijn laadpas doet het niet", intent="complaint", when=IN_WEEK)
        said(conn, "product", 2, "Laadpas <b>weer</b> geweigerd", intent="complaint", when=IN_WEEK)
        said(conn, "sales", 3, "Is the home charger for sale yet?", intent="question", when=IN_WEEK)

    gate = threading.Barrier(2)
    problems: list[BaseException] = []

    def timer() -> None:
        gate.wait()
        try:
            build_due_digests(engine=engine, now=NOW, base_url="https://luister.voltaro.example")
        except BaseException as exc:  # noqa: BLE001 - reported below
            problems.append(exc)

    threads = [threading.Thread(target=timer) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not problems, problems
    build_due_digests(engine=engine, now=NOW + timedelta(hours=1))  # a later tick: nothing new

    with engine.connect() as conn:
        planned = conn.execute(sa.select(effect).order_by(effect.c.id)).all()
    assert len(planned) == 3 and {e.lane for e in planned} == {"mail"}
    assert all(e.origin.startswith("digest:") for e in planned)

    assert asyncio.run(runner(engine, smtp).run_due()).sent == 3
    assert asyncio.run(runner(engine, smtp).run_due()).sent == 0  # a restarted runner: nothing twice
    mails = {str(m["To"]): m for m in smtp.messages()}
    assert sorted(mails) == ["alice@voltaro.example", "bob@voltaro.example", "pia@voltaro.example"]
    assert len(smtp.messages()) == 3

    pia = mails["pia@voltaro.example"]
    assert pia["Subject"].startswith("Overzicht Product") and pia["Content-Language"] == "nl"
    html = pia.get_body(("html",))
    text = pia.get_body(("plain",))
    assert html is not None and text is not None
    assert "&lt;b&gt;weer&lt;/b&gt;" in html.get_content() and "<b>weer" not in html.get_content()
    assert "https://luister.voltaro.example/inbox/digests/" in text.get_content()
    alice = mails["alice@voltaro.example"]
    assert alice["Subject"].startswith("Digest Sales") and alice["Content-Language"] == "en"
    with engine.connect() as conn:
        assert set(conn.scalars(sa.select(effect.c.state))) == {"sent"}

    with engine.begin() as conn:  # an erasure request for a customer quoted in Product's digest
        quoted = conn.scalar(sa.select(mention.c.id).where(mention.c.text.like("Laadpas%")))
        erase(conn, [quoted])
    with engine.connect() as conn:  # Product's mail held the quote: gone from the ledger; Sales's stays
        kept = conn.execute(sa.select(effect.c.target)).scalars().all()
    assert sorted(t["to"][0] for t in kept) == ["alice@voltaro.example", "bob@voltaro.example"]
