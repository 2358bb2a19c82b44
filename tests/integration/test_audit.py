"""Every change leaves an audit entry: who, what, when."""

from __future__ import annotations

from sqlalchemy.engine import Engine

from luister.alerts.actions import remove_rule, save_rule
from luister.alerts.model import RuleKind
from luister.domain.topics import TopicKind
from luister.plugins import load_plugins
from luister.services.audit import entries
from luister.services.sources import add_source, remove_source
from luister.services.topics import remove_topic, save_topic
from luister.testing import sealing_cipher


def test_changes_are_audited_with_their_actor(engine: Engine) -> None:
    save_topic(
        engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro", actor="anouk@voltaro.example"
    )
    options = {"url": "https://blog.example/feed", "token": "s3cret"}
    add_source(
        engine=engine,
        connectors=load_plugins().connectors(),
        cipher=sealing_cipher(),
        name="blog",
        connector="rss",
        options=options,
        actor="joris@voltaro.example",
    )
    save_rule(engine=engine, actor="cli", name="Piek", kind=RuleKind.volume_spike, topic_name="Voltaro")
    remove_rule(engine=engine, name="Piek", actor="anouk@voltaro.example")
    remove_source(engine=engine, name="blog")
    remove_topic(engine=engine, name="Voltaro")
    trail = [(e.actor, e.action, e.target) for e in reversed(entries(engine=engine))]
    assert trail == [
        ("anouk@voltaro.example", "topic.save", "Voltaro"),
        ("joris@voltaro.example", "source.add", "blog"),
        ("cli", "alert_rule.save", "Piek"),
        ("anouk@voltaro.example", "alert_rule.remove", "Piek"),
        ("cli", "source.remove", "blog"),
        ("cli", "topic.remove", "Voltaro"),
    ]
    assert all("s3cret" not in str(e.detail) for e in entries(engine=engine))  # secrets never in the log
