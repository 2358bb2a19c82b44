"""The alert rules and alert channels pages: adding, changing and removing in the reader's language;
channel secrets typed into password fields and never shown back; rules of another department's topics
hidden; what viewers may not do; an analyst in Chromium, in Dutch, on a phone."""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa
from playwright.sync_api import Browser, Page, expect
from sqlalchemy.engine import Engine

from luister.alerts.actions import add_channel, save_rule
from luister.alerts.model import RuleKind
from luister.alerts.read import get_rule, list_channels, list_rules
from luister.domain.accounts import Role
from luister.domain.topics import TopicKind
from luister.services.accounts import create_user, set_language, set_role
from luister.services.audit import entries
from luister.services.database import open_database
from luister.services.topics import save_topic
from luister.settings import Settings
from luister.storage.secrets import Cipher, open_options
from luister.storage.tables import alert_channel
from luister.testing import EMAIL, PASSWORD, sign_in, signed_in_client

HOOK = "https://hooks.example.nl/services/T000/B000/geheim-pad-123"
PHONE = {"width": 390, "height": 844}


def token(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found is not None
    return found.group(1)


def test_rules_are_added_changed_and_removed_with_errors_in_dutch(settings: Settings) -> None:
    client = signed_in_client(settings)
    engine = open_database(settings=settings)
    set_language(engine=engine, email=EMAIL, language="nl", actor="test")
    save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    page = client.get("/alerts/rules")
    assert (
        page.status_code == 200 and "Meldingsregels" in page.text and "Nog geen meldingsregels." in page.text
    )
    csrf = token(page.text)
    assert 'href="/alerts/rules"' in client.get("/alerts").text  # linked from the alerts page

    blank = {"csrf": csrf, "name": "", "kind": "query", "severity": "info", "sensitivity": "0.0005",
             "min_count": "10", "cooldown": "120"}  # fmt: skip
    empty = client.post("/alerts/rules", data=blank)
    assert empty.status_code == 400
    assert (
        "een regel heeft een naam nodig" in empty.text
        and "een zoekvraagregel heeft een zoekvraag nodig" in empty.text
    )
    form = blank | {
        "name": "Storing <b>",
        "query": "storing OR (lek",
        "topic": "Voltaro",
        "severity": "critical",
    }
    broken = client.post("/alerts/rules", data=form)
    assert (
        broken.status_code == 400
        and "De zoekvraag bevat een fout" in broken.text
        and '<pre class="caret">' in broken.text
    )
    assert 'value="Storing &lt;b&gt;"' in broken.text  # what was typed stays, escaped
    share = client.post("/alerts/rules", data=form | {"kind": "negative_share", "threshold": "250"})
    assert share.status_code == 400 and "geef een percentage boven 0, hooguit 100" in share.text

    saved = client.post("/alerts/rules", data=form | {"query": "storing OR lek"}, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    listed = client.get(saved.headers["location"]).text
    assert "Storing &lt;b&gt;" in listed and "<b>" not in listed.split("<main")[1].split("Storing")[0]
    assert "De regel „Storing &lt;b&gt;” is opgeslagen." in listed
    taken = client.post("/alerts/rules", data=form | {"query": "storing"})
    assert taken.status_code == 400 and "er bestaat al een meldingsregel met deze naam" in taken.text

    name = "Storing <b>"
    edit = client.get("/alerts/rules/Storing%20%3Cb%3E/edit")
    assert edit.status_code == 200 and 'value="storing OR lek"' in edit.text
    save_rule(engine=engine, actor="test", name=name, kind=RuleKind.query, query="storing OR lek",
              topic_name="Voltaro", playbook={"name": "Crisis", "steps": [{"title": "Bel"}]})  # fmt: skip
    changed = client.post("/alerts/rules/Storing%20%3Cb%3E/edit",
                          data=form | {"query": "storing", "min_count": "3"},
                          follow_redirects=False)  # fmt: skip
    assert changed.status_code == 303, changed.text
    rule = get_rule(engine=engine, name=name)
    assert rule.query == "storing" and rule.min_count == 3 and rule.playbook is not None  # the playbook stays
    confirm = client.get("/alerts/rules/Storing%20%3Cb%3E/remove")
    assert confirm.status_code == 200 and "Meldingsregel „Storing &lt;b&gt;” verwijderen?" in confirm.text
    removed = client.post(
        "/alerts/rules/Storing%20%3Cb%3E/remove", data={"csrf": csrf}, follow_redirects=False
    )
    assert removed.status_code == 303 and list_rules(engine=engine) == []
    assert client.get("/alerts/rules/Storing%20%3Cb%3E/edit").status_code == 404
    actions = [e.action for e in entries(engine=engine, actor=EMAIL)]
    assert actions.count("alert_rule.save") == 2 and actions.count("alert_rule.remove") == 1

    save_rule(engine=engine, actor="test", name="SLA", kind=RuleKind.sla_breach)  # the inbox's kind
    sla = client.get("/alerts/rules/SLA/edit").text
    assert '<option value="sla_breach" selected>Een inboxgesprek heeft de SLA overschreden' in sla
    sla_form = blank | {"name": "SLA", "kind": "sla_breach", "min_count": "2"}
    kept = client.post("/alerts/rules/SLA/edit", data=sla_form, follow_redirects=False)
    assert kept.status_code == 303 and get_rule(engine=engine, name="SLA").kind is RuleKind.sla_breach
    engine.dispose()


def test_channel_secrets_go_into_password_fields_and_never_come_back(settings: Settings) -> None:
    client = signed_in_client(settings)
    page = client.get("/alerts/channels?kind=webhook")
    assert page.status_code == 200
    assert re.search(r'<input type="password" id="option-url" name="option.url"', page.text)
    assert re.search(r'<input type="password" id="option-secret" name="option.secret"', page.text)
    csrf = token(page.text)
    form = {"csrf": csrf, "kind": "webhook", "name": "team chat", "option.url": HOOK,
            "option.secret": "teken-geheim-42", "option.format": "slack"}  # fmt: skip
    wrong = client.post("/alerts/channels", data=form)
    assert wrong.status_code == 400 and "use letters, digits" in wrong.text
    assert "geheim" not in wrong.text  # typed secrets are never sent back
    missing = client.post("/alerts/channels", data=form | {"name": "team-chat", "option.url": ""})
    assert missing.status_code == 400 and '<p class="field-error">required</p>' in missing.text
    added = client.post("/alerts/channels", data=form | {"name": "team-chat"}, follow_redirects=False)
    assert added.status_code == 303, added.text
    listed = client.get(added.headers["location"]).text
    assert (
        "team-chat" in listed and "***" in listed and "geheim" not in listed and "hooks.example" not in listed
    )
    assert client.post("/alerts/channels", data=form | {"name": "team-chat"}).status_code == 400
    mail = {"csrf": csrf, "kind": "email", "name": "webcare-mail", "option.host": "smtp.example.nl",
            "option.from_address": "alerts@example.nl", "option.to": "a@example.nl, b@example.nl",
            "option.starttls": "true", "option.password": "smtp-wachtwoord"}  # fmt: skip
    alone = client.post("/alerts/channels", data=mail)
    assert alone.status_code == 400 and "give username and password together" in alone.text
    mail["option.username"] = "alerts"
    assert client.post("/alerts/channels", data=mail, follow_redirects=False).status_code == 303
    assert "wachtwoord" not in client.get("/alerts/channels").text

    engine = open_database(settings=settings)
    save_rule(engine=engine, actor="test", name="Piek", kind=RuleKind.volume_spike, channels=["team-chat"])
    confirm = client.get("/alerts/channels/team-chat/remove")
    assert confirm.status_code == 200 and "Piek" in confirm.text  # the rules that still name it
    removed = client.post("/alerts/channels/team-chat/remove", data={"csrf": csrf}, follow_redirects=False)
    assert removed.status_code == 303 and [c.name for c in list_channels(engine=engine)] == ["webcare-mail"]
    assert client.get("/alerts/channels/team-chat/remove").status_code == 404

    set_role(engine=engine, email=EMAIL, role=Role.viewer, actor="test")
    viewer = client.get("/alerts/channels")
    assert (
        viewer.status_code == 200
        and "webcare-mail" in viewer.text
        and 'action="/alerts/channels"' not in viewer.text
    )
    assert client.post("/alerts/channels", data=mail | {"name": "x"}).status_code == 403
    assert (
        client.post("/alerts/rules", data={"csrf": csrf, "name": "x", "kind": "volume_spike"}).status_code
        == 403
    )
    assert client.get("/alerts/rules/Piek/edit").status_code == 403
    engine.dispose()


def test_rules_on_another_department_topic_are_hidden_on_the_pages(settings: Settings) -> None:
    client = signed_in_client(settings)
    engine = open_database(settings=settings)
    save_topic(engine=engine, name="Claims", kind=TopicKind.other, query="advocaat", department="legal")
    save_rule(
        engine=engine, actor="test", name="Claims piek", kind=RuleKind.volume_spike, topic_name="Claims"
    )
    create_user(engine=engine, email="mia@voltaro.example", name="Mia", password=PASSWORD, role=Role.analyst,
                department="marketing")  # fmt: skip
    client.post("/logout", data={"csrf": token(client.get("/alerts/rules").text)})
    login = client.get("/login").text
    mia = {"email": "mia@voltaro.example", "password": PASSWORD, "csrf": token(login), "next": "/"}
    signed = client.post("/login", data=mia, follow_redirects=False)
    assert signed.status_code == 303
    page = client.get("/alerts/rules")
    assert "Claims" not in page.text  # neither the rule nor the topic to choose
    assert client.get("/alerts/rules/Claims%20piek/edit").status_code == 404
    csrf = token(page.text)
    assert client.post("/alerts/rules/Claims%20piek/remove", data={"csrf": csrf}).status_code == 404
    form = {"csrf": csrf, "name": "Mijn", "kind": "volume_spike", "topic": "Claims", "severity": "info",
            "sensitivity": "0.0005", "min_count": "10", "cooldown": "120"}  # fmt: skip
    assert client.post("/alerts/rules", data=form).status_code == 400
    assert [r.name for r in list_rules(engine=engine)] == ["Claims piek"]
    engine.dispose()


def no_sideways_scroll(page: Page) -> None:
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= PHONE["width"], f"{page.url} is {wide} px wide"


def test_an_analyst_adds_a_channel_and_a_rule_in_dutch_on_a_phone(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    from luister.testing import create_account

    create_account(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    set_language(engine=engine, email=EMAIL, language="nl", actor="test")
    save_topic(engine=engine, name="Voltaro", kind=TopicKind.brand, query="voltaro")
    context = browser.new_context(locale="nl-NL")
    page_size = PHONE["width"], PHONE["height"]
    page = context.new_page()
    page.set_viewport_size({"width": page_size[0], "height": page_size[1]})
    sign_in(page, live_server)
    page.goto(live_server + "/alerts")
    page.get_by_role("link", name="Meldingskanalen").first.click()
    expect(page.get_by_role("heading", name="Meldingskanalen")).to_be_visible()
    page.get_by_role("link", name="webhook").click()
    expect(page.locator(".hint").first).to_contain_text("Waarheen te POSTen")  # the options' help in Dutch
    page.fill("#channel-name", "team-chat")
    page.fill("#option-url", HOOK)
    page.fill("#option-secret", "teken-geheim-42")
    page.select_option("#option-format", "slack")
    no_sideways_scroll(page)
    page.get_by_role("button", name="Kanaal toevoegen").click()
    expect(page.get_by_role("status")).to_contain_text("Het kanaal „team-chat” is toegevoegd.")
    card = page.locator(".setup-card", has_text="team-chat")
    expect(card).to_contain_text("***")
    assert "geheim" not in page.content()
    no_sideways_scroll(page)

    page.get_by_role("link", name="Meldingsregels").first.click()
    page.fill("#rule-name", "Storing")
    page.select_option("#rule-kind", "query")
    page.select_option("#rule-topic", "Voltaro")
    page.fill("#rule-query", "storing OR (lek")
    page.get_by_label("team-chat").check()
    page.get_by_role("button", name="Regel opslaan").click()
    expect(page.locator("#rule-query-error")).to_contain_text("De zoekvraag bevat een fout")
    page.fill("#rule-query", "storing OR lek")
    page.get_by_label("team-chat").check()
    page.get_by_role("button", name="Regel opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("De regel „Storing” is opgeslagen.")
    rule = page.locator(".setup-card", has_text="Storing")
    expect(rule).to_contain_text("Een vermelding die aan een zoekvraag voldoet")
    expect(rule).to_contain_text("team-chat")
    no_sideways_scroll(page)
    assert get_rule(engine=engine, name="Storing").channels == ("team-chat",)
    page.set_viewport_size({"width": 1440, "height": 900})
    expect(rule).to_be_visible()
    context.close()
    engine.dispose()


def test_a_channel_is_changed_on_its_page_keeping_secrets_left_empty(settings: Settings) -> None:
    client = signed_in_client(settings)
    engine = open_database(settings=settings)
    set_language(engine=engine, email=EMAIL, language="nl", actor="test")
    cipher = Cipher.of(settings)
    add_channel(engine=engine, actor="test", name="webcare-mail", kind="email", cipher=cipher,
                options={"host": "smtp.example.nl", "from_address": "alerts@example.nl", "to": "a@example.nl",
                         "username": "alerts", "password": "smtp-wachtwoord-99"})  # fmt: skip
    assert 'href="/alerts/channels/webcare-mail/edit"' in client.get("/alerts/channels").text
    page = client.get("/alerts/channels/webcare-mail/edit")
    assert page.status_code == 200 and "Meldingskanaal „webcare-mail” wijzigen" in page.text
    assert 'name="option.host" value="smtp.example.nl"' in page.text and "wachtwoord-99" not in page.text
    assert re.search(
        r'type="password" id="option-password" name="option.password"[^>]*placeholder="\*\*\*"', page.text
    )
    assert "laat leeg om het te houden" in page.text
    form = {"csrf": token(page.text), "option.host": "smtp2.example.nl", "option.port": "587",
            "option.from_address": "alerts@example.nl", "option.to": "a@example.nl, c@example.nl",
            "option.starttls": "true", "option.username": "alerts", "option.password": "",
            "option.timeout": "20"}  # fmt: skip
    saved = client.post("/alerts/channels/webcare-mail/edit", data=form, follow_redirects=False)
    assert saved.status_code == 303, saved.text
    assert "Het kanaal „webcare-mail” is gewijzigd." in client.get(saved.headers["location"]).text
    opened = open_options(stored_options(engine, "webcare-mail"), cipher, what="test")
    assert opened["host"] == "smtp2.example.nl" and opened["to"] == ["a@example.nl", "c@example.nl"]
    assert opened["password"] == "smtp-wachtwoord-99"  # left empty: kept

    alone = client.post("/alerts/channels/webcare-mail/edit", data=form | {"option.username": ""})
    assert alone.status_code == 400 and "geef gebruikersnaam en wachtwoord samen op" in alone.text
    assert "Het kanaal is niet gewijzigd:" in alone.text and "give username" not in alone.text
    port = client.post("/alerts/channels/webcare-mail/edit", data=form | {"option.port": "70000"})
    assert port.status_code == 400 and "hoogstens 65535" in port.text
    renewed = client.post("/alerts/channels/webcare-mail/edit", data=form | {"option.password": "nieuw-99"},
                          follow_redirects=False)  # fmt: skip
    assert renewed.status_code == 303
    assert open_options(stored_options(engine, "webcare-mail"), cipher, what="test")["password"] == "nieuw-99"

    with engine.begin() as conn:  # a secret sealed with a key that is gone
        lost = stored_options(engine, "webcare-mail") | {"password": {"$sealed": "gAAAAAbroken"}}
        conn.execute(alert_channel.update().values(options=lost))
    refused = client.post("/alerts/channels/webcare-mail/edit", data=form)
    assert refused.status_code == 400 and "kunnen niet worden ontsleuteld" in refused.text
    set_language(engine=engine, email=EMAIL, language="en", actor="test")
    english = client.post("/alerts/channels/webcare-mail/edit", data=form)
    assert (
        english.status_code == 400 and "cannot decrypt" in english.text and "ontsleuteld" not in english.text
    )

    assert client.get("/alerts/channels/nowhere/edit").status_code == 404
    assert client.post("/alerts/channels/nowhere/edit", data=form).status_code == 404
    set_role(engine=engine, email=EMAIL, role=Role.viewer, actor="test")
    assert client.get("/alerts/channels/webcare-mail/edit").status_code == 403
    assert client.post("/alerts/channels/webcare-mail/edit", data=form).status_code == 403
    assert "/edit" not in client.get("/alerts/channels").text
    changes = [e for e in entries(engine=engine, actor=EMAIL) if e.action == "alert_channel.change"]
    assert len(changes) == 2 and "wachtwoord" not in str([e.detail for e in changes])
    engine.dispose()


def test_a_rule_is_renamed_on_its_page_and_a_taken_name_is_refused_in_dutch(settings: Settings) -> None:
    client = signed_in_client(settings)
    engine = open_database(settings=settings)
    set_language(engine=engine, email=EMAIL, language="nl", actor="test")
    for name in ("Piek", "Storing"):
        save_rule(engine=engine, actor="test", name=name, kind=RuleKind.volume_spike)
    rule_id = get_rule(engine=engine, name="Piek").id
    page = client.get("/alerts/rules/Piek/edit")
    assert '<input id="rule-name" name="name" value="Piek"' in page.text and " disabled" not in page.text
    form = {"csrf": token(page.text), "name": "Storing", "kind": "volume_spike", "severity": "info",
            "sensitivity": "0.0005", "min_count": "10", "cooldown": "120"}  # fmt: skip
    taken = client.post("/alerts/rules/Piek/edit", data=form)
    assert taken.status_code == 400 and "er bestaat al een meldingsregel met deze naam" in taken.text
    renamed = client.post(
        "/alerts/rules/Piek/edit", data=form | {"name": "Volume <piek>"}, follow_redirects=False
    )
    assert renamed.status_code == 303
    assert "De regel „Volume &lt;piek&gt;” is opgeslagen." in client.get(renamed.headers["location"]).text
    assert get_rule(engine=engine, name="Volume <piek>").id == rule_id
    assert client.get("/alerts/rules/Piek/edit").status_code == 404
    assert ("alert_rule.rename", "Volume <piek>") in [(e.action, e.target) for e in entries(engine=engine)]
    engine.dispose()


def stored_options(engine: Engine, name: str) -> dict[str, Any]:
    with engine.connect() as conn:
        found = conn.execute(sa.select(alert_channel.c.options).where(alert_channel.c.name == name)).scalar()
    assert isinstance(found, dict)
    return found


def test_an_analyst_changes_a_channel_and_renames_a_rule_in_dutch_on_a_phone(
    sqlite_settings: Settings, live_server: str, browser: Browser
) -> None:
    from luister.testing import create_account

    create_account(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    set_language(engine=engine, email=EMAIL, language="nl", actor="test")
    cipher = Cipher.of(sqlite_settings)
    add_channel(engine=engine, actor="test", name="team-chat", kind="webhook", cipher=cipher,
                options={"url": HOOK, "secret": "teken-geheim-42"})  # fmt: skip
    save_rule(engine=engine, actor="test", name="Piek", kind=RuleKind.volume_spike, channels=["team-chat"])
    context = browser.new_context(locale="nl-NL")
    page = context.new_page()
    page.set_viewport_size(PHONE)
    sign_in(page, live_server)
    page.goto(live_server + "/alerts/channels")
    page.locator(".setup-card", has_text="team-chat").get_by_role("link", name="bewerken").click()
    expect(page.get_by_role("heading", name="Meldingskanaal „team-chat” wijzigen")).to_be_visible()
    page.select_option("#option-format", "slack")
    page.fill("#option-timeout", "500")
    no_sideways_scroll(page)
    page.get_by_role("button", name="Kanaal opslaan").click()
    expect(page.locator(".field.invalid .field-error")).to_contain_text("hoogstens 120")
    no_sideways_scroll(page)
    page.fill("#option-timeout", "5")
    page.get_by_role("button", name="Kanaal opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("Het kanaal „team-chat” is gewijzigd.")
    opened = open_options(stored_options(engine, "team-chat"), cipher, what="test")
    assert opened["format"] == "slack" and opened["url"] == HOOK and opened["secret"] == "teken-geheim-42"
    assert "geheim" not in page.content()

    page.goto(live_server + "/alerts/rules")
    page.locator(".setup-card", has_text="Piek").get_by_role("link", name="bewerken").click()
    page.fill("#rule-name", "Volumepiek")
    no_sideways_scroll(page)
    page.get_by_role("button", name="Regel opslaan").click()
    expect(page.get_by_role("status")).to_contain_text("De regel „Volumepiek” is opgeslagen.")
    expect(page.locator(".setup-card", has_text="Volumepiek")).to_contain_text("team-chat")
    no_sideways_scroll(page)
    assert [r.name for r in list_rules(engine=engine)] == ["Volumepiek"]
    context.close()
    engine.dispose()
