"""Refusals on the organisation pages (knowledge, mentoring, maturity, training) speak the reader's
language: Dutch to a Dutch reader, English to everyone else (issue #32, #26 item 13)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from fastapi.testclient import TestClient

from luister.alerts.model import AlertRuleError, RuleKind
from luister.alerts.rules import check_rule
from luister.domain.accounts import Role
from luister.services.accounts import set_language, set_role
from luister.services.database import open_database
from luister.settings import Settings
from luister.testing import EMAIL, signed_in_client
from luister.web import option_problems
from luister.web.i18n import read_catalog, translations


def csrf(text: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', text).group(1)  # type: ignore[union-attr]


def refusals(client: TestClient) -> list[str]:
    """The pages' answers to a bad article, a bad pair, a moment in the future, a bad quiz answer and a
    missing article, in the order asked."""
    token = csrf(client.get("/organisation/knowledge").text)
    article = {"kind": "policy_faq", "language": "en", "title": " ", "body": "Yes.", "csrf": token}
    pair = {"mentor": "Ann", "mentee": "ann", "started_on": "2026-01-05", "csrf": token}
    answers = []
    bad_article = client.post("/organisation/knowledge", data=article)
    assert bad_article.status_code == 400
    answers.append(bad_article.text)
    bad_pair = client.post("/organisation/mentoring/pairs", data=pair)
    assert bad_pair.status_code == 400
    answers.append(bad_pair.text)
    bad_day = client.post("/organisation/mentoring/pairs", data={**pair, "mentee": "Bo", "started_on": "x"})
    assert bad_day.status_code == 400
    answers.append(bad_day.text)
    future = client.get("/organisation/maturity", params={"at": "2999-01-01"})
    assert future.status_code == 400
    answers.append(future.text)
    quiz = client.post("/organisation/training/modules/privacy", data={"csrf": token, "q0": "99"})
    assert quiz.status_code == 422
    answers.append(quiz.text)
    missing = client.get("/organisation/knowledge/999")
    assert missing.status_code == 404
    answers.append(missing.text)
    return answers


SAID = [  # (English, Dutch) for each answer of :func:`refusals`
    ("title: 1 to", "titel: 1 tot"),
    ("a mentor cannot mentor themselves", "een mentor coacht zichzelf niet"),
    ("is not a date (YYYY-MM-DD)", "is geen datum (JJJJ-MM-DD)"),
    ("at: give a moment in the past", "at: kies een moment in het verleden"),
    ("question 1: choose an option from 0 to", "vraag 1: kies een optie van 0 tot en met"),
    ("No such article.", "Dit artikel bestaat niet."),
]


def test_organisation_refusals_in_english_and_dutch(sqlite_settings: Settings) -> None:
    client = signed_in_client(sqlite_settings)
    for text, (en, nl) in zip(refusals(client), SAID, strict=True):
        assert en in text and nl not in text
    engine = open_database(settings=sqlite_settings)
    set_language(engine=engine, email=EMAIL, language="nl", actor="t")
    engine.dispose()
    for text, (en, nl) in zip(refusals(client), SAID, strict=True):
        assert nl in text and en not in text


def test_approval_rule_problems_in_english_and_dutch(sqlite_settings: Settings) -> None:
    client = signed_in_client(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    set_role(engine=engine, email=EMAIL, role=Role.admin, actor="t")  # the policy is the admins'
    token = csrf(client.get("/organisation/policy").text)
    version = {"csrf": token, "title": "v1", "body": "x", "approval_rules": "Klachten | topic | abc"}
    rule = {"csrf": token, "name": "Klachten", "kind": "intent", "value": "nope"}
    en_policy, nl_policy = "a topic rule's value is the topic's id", "de waarde van een onderwerpregel"
    en_rule, nl_rule = "an intent rule's value is one of", "de waarde van een intentieregel is een van"

    def answers() -> tuple[str, str]:
        policy = client.post("/organisation/policy/versions", data=version)
        added = client.post("/inbox/approval-rules", data=rule)
        assert policy.status_code == added.status_code == 422
        return policy.text.replace("&#39;", "'"), added.text.replace("&#39;", "'")

    policy, added = answers()
    assert en_policy in policy and nl_policy not in policy and en_rule in added and nl_rule not in added
    set_language(engine=engine, email=EMAIL, language="nl", actor="t")
    engine.dispose()
    policy, added = answers()
    assert nl_policy in policy and en_policy not in policy and nl_rule in added and en_rule not in added


def test_alert_channel_option_problems_in_english_and_dutch(sqlite_settings: Settings) -> None:
    client = signed_in_client(sqlite_settings)
    token = csrf(client.get("/alerts/channels?kind=email").text)
    mail = {"csrf": token, "kind": "email", "name": "webcare-mail", "option.host": "smtp.example.nl",
            "option.from_address": "alerts@example.nl", "option.to": "a@example.nl, geen-adres",
            "option.port": "70000", "option.starttls": "true", "option.password": "pw"}  # fmt: skip
    said = [  # (English, Dutch)
        ("give username and password together", "geef gebruikersnaam en wachtwoord samen op"),
        ("at most 65535", "hoogstens 65535"),
        ("is not an email address", "is geen e-mailadres"),
    ]

    def answer() -> str:  # the fields' problems first; the model's own check once the fields are right
        fields = client.post("/alerts/channels", data=mail)
        whole = client.post(
            "/alerts/channels", data=mail | {"option.port": "587", "option.to": "a@example.nl"}
        )
        assert fields.status_code == whole.status_code == 400
        return str(fields.text).replace("&#39;", "'") + str(whole.text)

    english = answer()
    assert all(en in english and nl not in english for en, nl in said)
    engine = open_database(settings=sqlite_settings)
    set_language(engine=engine, email=EMAIL, language="nl", actor="t")
    engine.dispose()
    dutch = answer()
    assert all(nl in dutch and en not in dutch for en, nl in said)


def test_option_problems_read_back_against_their_templates() -> None:
    dutch = translations("nl").gettext
    assert option_problems.translate("Input should be greater than 0", dutch) == "meer dan 0"
    assert option_problems.translate("'x' is not an email address", dutch) == "'x' is geen e-mailadres"
    assert option_problems.translate("something new", dutch) == "something new"  # shown, in English
    assert option_problems.translate("Input should be greater than 0", str) == "more than 0"
    catalogue = {m.id for m in read_catalog("nl") if m.string}
    assert option_problems.texts() <= catalogue


@pytest.mark.parametrize(
    ("changes", "nl"),
    [
        ({"name": ""}, "een regel heeft een naam nodig"),
        ({"min_count": 0}, "minimum aantal en afkoeltijd zijn minstens 1"),
        ({"sensitivity": 2.0}, "gevoeligheid is een p-waarde tussen 0 en 1, bijv. 0,0001; niet 2.0"),
        ({"kind": RuleKind.intent}, "een intentieregel heeft een intentie nodig, een van "),
        ({"kind": RuleKind.influencer}, "een influencerregel heeft een minimum aantal volgers nodig"),
        ({"kind": RuleKind.negative_share}, "een regel voor het aandeel negatief heeft een drempel"),
    ],
)
def test_the_rule_check_s_refusals_read_back_in_dutch(changes: dict[str, object], nl: str) -> None:
    rule: dict[str, Any] = {"name": "Piek", "kind": RuleKind.volume_spike, "query": None, "intent": None,
                            "min_followers": None, "threshold": None, "sensitivity": 0.001, "min_count": 10,
                            "cooldown_minutes": 60, "playbook": None} | changes  # fmt: skip
    with pytest.raises(AlertRuleError) as refused:
        check_rule(**rule)
    assert option_problems.translate_rule(str(refused.value), translations("nl").gettext).startswith(nl)
    said = str(refused.value).replace("--intent", "an intent")  # the page's words, not the CLI's
    assert option_problems.translate_rule(str(refused.value), translations("en").gettext) == said


def test_what_is_not_there_is_said_in_dutch(sqlite_settings: Settings) -> None:
    client = signed_in_client(sqlite_settings)
    token = csrf(client.get("/organisation/policy").text)
    asked = [("get", "/organisation/policy/999", "No such version.", "Deze versie bestaat niet."),
             ("get", "/kpis/999", "No such KPI.", "Deze KPI bestaat niet."),
             ("post", "/mentions/saved/999/delete", "No such saved search.",
              "Deze opgeslagen zoekopdracht bestaat niet.")]  # fmt: skip

    def answers() -> list[str]:
        got = [client.request(how, path, data={"csrf": token} if how == "post" else None)
               for how, path, _en, _nl in asked]  # fmt: skip
        assert [a.status_code for a in got] == [404, 404, 404]
        return [str(a.text) for a in got]

    for text, (_how, _path, en, nl) in zip(answers(), asked, strict=True):
        assert en in text and nl not in text
    engine = open_database(settings=sqlite_settings)
    set_language(engine=engine, email=EMAIL, language="nl", actor="t")
    engine.dispose()
    for text, (_how, _path, en, nl) in zip(answers(), asked, strict=True):
        assert nl in text and en not in text
