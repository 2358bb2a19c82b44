"""Dutch pages say everything in Dutch: error pages (with the layout and a way back), refusals, alert
summaries and timelines, intents, connector help texts. The API keeps problem+json."""

from __future__ import annotations

from fastapi.testclient import TestClient

from luister.app import create_app
from luister.connectors.records import FieldMapping
from luister.runtime import Runtime
from luister.services.accounts import set_language
from luister.services.database import open_database
from luister.services.ingest import Pipeline
from luister.settings import Settings
from luister.storage.writer import SqlMentionStore
from luister.testing import EMAIL, raise_alert, raw_item, record, signed_in_client


def dutch_client(settings: Settings) -> TestClient:
    client = signed_in_client(settings)
    engine = open_database(settings=settings)
    set_language(engine=engine, email=EMAIL, language="nl", actor="cli")
    engine.dispose()
    return client


def test_error_pages_have_the_layout_and_a_way_back_in_the_readers_language(
    sqlite_settings: Settings,
) -> None:
    client = dutch_client(sqlite_settings)
    missing = client.get("/nergens", headers={"referer": "http://testserver/mentions?q=x"})
    assert missing.status_code == 404 and missing.headers["content-type"].startswith("text/html")
    assert "Pagina niet gevonden" in missing.text and '<a href="/mentions">Vermeldingen</a>' in missing.text
    assert 'href="/mentions?q=x">← Terug</a>' in missing.text
    invalid = client.get("/mentions/abc")
    assert (
        invalid.status_code == 422 and "Ongeldig adres" in invalid.text and 'href="/">← Terug' in invalid.text
    )
    forbidden = client.get("/users")  # an analyst
    assert (
        forbidden.status_code == 403
        and "Niet toegestaan" in forbidden.text
        and "Je rol mag dit niet." in forbidden.text
    )
    gone = client.get("/mentions/999")
    assert gone.status_code == 404 and "Deze vermelding bestaat niet." in gone.text
    expired = client.post("/topics/1/delete", data={"csrf": "oud"})
    assert expired.status_code == 403 and "Het formulier is verlopen; laad de pagina opnieuw." in expired.text
    english = TestClient(create_app(Runtime(sqlite_settings, engine=open_database(settings=sqlite_settings))))
    anonymous = english.get("/nergens")
    assert "Page not found" in anonymous.text and '<a href="/login">Sign in</a>' in anonymous.text
    problem = client.get("/api/v1/nergens")
    assert problem.status_code == 404 and problem.headers["content-type"] == "application/problem+json"
    assert problem.json()["status"] == 404


def test_alerts_intents_and_connector_help_in_dutch(sqlite_settings: Settings) -> None:
    client = dutch_client(sqlite_settings)
    engine = open_database(settings=sqlite_settings)
    alert_id = raise_alert(
        engine, sqlite_settings, rule="Crisis", text="Datalek bij Voltaro: mijn gegevens zijn gelekt"
    )
    Pipeline(mapper=FieldMapping().map, store=SqlMentionStore(engine), origin="test").run_batch(
        [raw_item(record(7, text="Ik zeg mijn contract op bij Voltaro, waarom is de app weer kapot?"))]
    )
    engine.dispose()
    alert = client.get(f"/alerts/{alert_id}").text
    assert "alle vermeldingen: 1 nieuwe vermelding met intentie crisis" in alert
    assert "1 nieuwe vermelding(en) vielen onder regel &#39;Crisis&#39;" in alert  # the summary
    assert "geopend: alle vermeldingen: 1 nieuwe vermelding" in alert  # the timeline
    assert "matched rule" not in alert and "new mention" not in alert
    mentions = client.get("/mentions").text
    assert "opzegging" in mentions and "churn" not in mentions.split("</select>")[-1]
    rss = client.get("/sources/new", params={"connector": "rss"}).text
    assert "Een RSS 1.0/2.0-, Atom- of JSON Feed" in rss and "De http(s)-URL van de feed." in rss
    assert "<code>/comments/feed/</code>" in rss


def test_query_errors_in_dutch_on_the_mentions_and_topic_pages(sqlite_settings: Settings) -> None:
    client = dutch_client(sqlite_settings)
    found = client.get("/mentions", params={"q": "voltaro AND ("})
    assert found.status_code == 400
    assert (
        "ongepaard haakje in kolom 13: deze &#39;(&#39; wordt nooit gesloten: verwacht: &#39;)&#39;"
        in found.text
    )
    unknown = client.get("/mentions", params={"q": "topic:Nergens"})
    assert "de query verwijst naar onbekend onderwerp &#39;Nergens&#39;" in unknown.text
    tested = client.get("/topics/test", params={"q": "voltaro NEAR lang:nl"})
    assert "NEAR heeft aan beide kanten een term, woordgroep of jokerteken nodig in kolom 14" in tested.text
