"""The default routing of a mention: each department, competitors, safety, priorities, word boundaries."""

from __future__ import annotations

from typing import Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from luister.inbox.evaluation import score_routing
from luister.inbox.status import Priority
from luister.inbox.triage import DEPARTMENTS, REASONS, RULE_SCORE, TriageInput, cue_words, suggest


def item(
    text: str,
    *,
    language: str | None = "nl",
    intents: tuple[str, ...] = ("other",),
    sentiment: str | None = "neutral",
    followers: int | None = None,
    about: Literal["own", "competitor"] = "own",
    scores: tuple[tuple[str, float], ...] = (),
) -> TriageInput:
    primary = next(
        (
            i
            for i in ("crisis", "churn", "lead", "complaint", "question", "feedback", "praise")
            if i in intents
        ),
        "other",
    )
    return TriageInput(text, None, language, intents, primary, sentiment, followers, about, scores)


@pytest.mark.parametrize(
    ("text", "language", "intents", "sentiment", "department", "because"),
    [
        ("Kan Voltaro een offerte sturen voor 12 laadpalen?", "nl", ("question", "lead"), "neutral",
         "sales", "intent:lead"),
        ("How much is a Voltaro home charger fitted?", "en", ("question", "lead"), "neutral", "sales",
         "intent:lead"),
        ("Al drie weken geen jaarafrekening, Voltaro!", "nl", ("complaint",), "negative", "customer-service",
         "intent:complaint"),
        ("I'm cancelling my Voltaro contract, done being ignored", "en", ("complaint", "churn"), "negative",
         "customer-service", "intent:churn"),
        ("Waar vind ik mijn verbruik in de app?", "nl", ("question",), "neutral", "customer-service",
         "intent:question"),
        ("Zou fijn zijn als de app een donkere modus had", "nl", ("feedback",), "neutral", "product",
         "words:product"),
        ("Please add Android Auto support to the app", "en", ("feedback",), "neutral", "product",
         "words:product"),
        ("Chapeau Voltaro, binnen 2 uur stond de technieker hier", "nl", ("praise",), "positive", "marketing",
         "intent:praise"),
        ("Been with Voltaro 2 years and not a single problem", "en", ("complaint", "praise"), "positive",
         "marketing", "intent:praise"),
        ("Ik ben journalist bij De Tijd, kan ik een reactie krijgen?", "nl", ("question", "crisis"),
         "neutral", "communications", "words:press"),
        ("PhD student researching home batteries, could I interview someone?", "en", ("question",), "neutral",
         "communications", "words:press"),
        ("Mijn advocaat stuurt Voltaro morgen een ingebrekestelling", "nl", ("complaint", "crisis"),
         "negative", "legal", "words:legal"),
        ("Klacht ingediend bij de ACM over Voltaro", "nl", ("complaint",), "negative", "legal",
         "words:legal"),
        ("Voltaro emailed me someone else's invoice. That's a data breach", "en", ("complaint",), "negative",
         "legal", "words:legal"),
        ("If the refund isn't back by Monday my lawyer will be in touch", "en", ("complaint",), "negative",
         "legal", "words:legal"),
    ],
)  # fmt: skip
def test_each_department_in_dutch_and_english(
    text: str, language: str, intents: tuple[str, ...], sentiment: str, department: str, because: str
) -> None:
    found = suggest(item(text, language=language, intents=intents, sentiment=sentiment))
    assert (found.department, found.because) == (department, because)
    assert found.evidence


@pytest.mark.parametrize(
    ("text", "language", "word"),
    [
        ("Onze laadpaal rookt en ruikt naar verbrand plastic!", "nl", "rookt"),
        ("Er kwamen vonken uit de stekker van de thuislader", "nl", "vonken"),
        ("Brand in de meterkast na de installatie", "nl", "brand"),
        ("Mijn zoon kreeg een schok van de laadkabel", "nl", "schok"),
        ("De thuisbatterij is oververhit en piept", "nl", "oververhit"),
        ("Amai, de stekker van ons laadpunt is gesmolten", "nl", "gesmolten"),  # Flemish
        ("Sparks came out of the connector when I plugged in", "en", "sparks"),
        ("Got an electric shock from the charging cable", "en", "electric shock"),
        ("Our home battery is overheating and beeping", "en", "overheating"),
    ],
)
def test_safety_goes_to_customer_service_as_urgent(text: str, language: str, word: str) -> None:
    found = suggest(item(text, language=language, intents=("complaint",), sentiment="negative"))
    assert (found.department, found.priority, found.because) == ("customer-service", Priority.urgent,
                                                                 "words:safety")  # fmt: skip
    assert word in found.evidence and found.score == RULE_SCORE


def test_safety_comes_before_a_lawyer_and_press_before_both() -> None:
    hazard = suggest(item("De laadpaal vatte vlam, mijn advocaat belt jullie", intents=("crisis",)))
    assert (hazard.department, hazard.priority) == ("customer-service", Priority.urgent)
    asked = suggest(item("Journalist here: is it true a charger caught fire and you're being sued?",
                         language="en", intents=("question", "crisis")))  # fmt: skip
    assert asked.department == "communications"


@pytest.mark.parametrize(
    ("text", "language", "intents", "department", "because"),
    [
        ("Klaar met Stroomkracht. Wie kan me een andere leverancier aanraden?", "nl", ("complaint",), "sales",
         "competitor:lead"),
        ("Leaving Ampera when my contract's up, recommendations for EV tariffs?", "en", ("lead",), "sales",
         "competitor:lead"),
        ("I'm done with Stroomkracht, closing my account", "en", ("churn",), "sales", "competitor:churn"),
        ("Stroomkracht laadpaal is alweer kapot", "nl", ("complaint",), None, "competitor"),
        ("Ampera support sorted my issue in 5 minutes", "en", ("praise",), None, "competitor"),
        ("Hoe koppel ik mijn Ampera laadpas?", "nl", ("question",), None, "competitor"),
        ("Rook uit een Stroomkracht laadpaal bij het station", "nl", ("crisis",), None, "competitor"),
        ("Suing Stroomkracht over their mis-sold contract, any alternatives?", "en", ("churn",), None,
         "competitor"),
    ],
)  # fmt: skip
def test_competitors_are_only_ours_as_leads(
    text: str, language: str, intents: tuple[str, ...], department: str | None, because: str
) -> None:
    found = suggest(item(text, language=language, intents=intents, about="competitor"))
    assert (found.department, found.because) == (department, because)
    if department is None:
        assert found.priority is Priority.low


@pytest.mark.parametrize(
    ("text", "language", "cue"),
    [
        ("De branding van Voltaro is echt mooi geworden", "nl", "safety"),  # branding is not brand
        ("Love the brand, the green chargers make me happy", "en", "safety"),  # English brand is a make
        ("Lekker een rookworst gehaald bij de laadpaal", "nl", "safety"),
        ("Ik ben geschokt door de prijsverhoging", "nl", "safety"),  # shocked is not a shock
        ("Customer service is on fire today 🔥", "en", "safety"),
        ("The hold music is burned into my brain", "en", "safety"),
        ("De rechter paal op de parkeerplaats is kapot", "nl", "legal"),  # the right-hand one
        ("The charger at the food court is broken", "en", "legal"),
        ("Sue from support was lovely", "en", "legal"),
        ("Ik heb een acm-kabel besteld, de ap zegt dat hij past", "nl", "legal"),  # regulators: capitals
        ("Is there a student discount?", "en", "press"),
        ("Hoe voeg ik een tweede laadpas toe?", "nl", "product"),
    ],
)
def test_whole_words_only(text: str, language: str, cue: str) -> None:
    assert cue_words(cue, text, language) == ()


def test_regulators_acronyms_match_in_capitals() -> None:
    assert cue_words("legal", "Melding bij de AP en de ACM gedaan", "nl") == ("AP", "ACM")
    assert cue_words("legal", "Klacht bij de GBA en de FSMA", "nl") == ("GBA", "FSMA")


def test_dutch_brand_is_a_fire_only_in_dutch_or_an_unknown_language() -> None:
    assert cue_words("safety", "Brand in de meterkast", "nl") == ("brand",)
    assert cue_words("safety", "Brand in de meterkast", None) == ("brand",)
    assert cue_words("safety", "What a brand", "en") == ()


def test_words_match_regardless_of_case_and_accents_and_stems() -> None:
    assert cue_words("legal", "Mijn ADVOCATEN zijn ingeschakeld", "nl") == ("advocaten",)
    assert cue_words("safety", "Ik ben géëlektrocuteerd!", "nl") == ("geelektrocuteerd",)
    assert cue_words("press", "I’m a masters student at Leeds", "en") == ("i'm a masters student",)


def test_a_sarcastic_wish_is_a_complaint() -> None:
    found = suggest(item("Would be nice if you answered the phone for once", language="en",
                         intents=("complaint",), sentiment="negative"))  # fmt: skip
    assert found.department == "customer-service"


def test_priority_from_intent_sentiment_and_reach() -> None:
    complaint = item("Al weken geen reactie", intents=("complaint",), sentiment="negative")
    assert suggest(complaint).priority is Priority.normal
    loud = item("Al weken geen reactie", intents=("complaint",), sentiment="negative", followers=25_000)
    assert suggest(loud).priority is Priority.high
    churn = item("Ik zeg mijn contract op", intents=("complaint", "churn"), sentiment="negative")
    assert suggest(churn).priority is Priority.high
    crisis = item("Iedereen boycot Voltaro!", intents=("crisis",), sentiment="negative")
    assert suggest(crisis).priority is Priority.urgent
    praise = item("Top service!", intents=("praise",), sentiment="positive", followers=50_000)
    assert suggest(praise).priority is Priority.low
    legal = item("Klacht bij de Autoriteit Persoonsgegevens ingediend", intents=("complaint",))
    assert suggest(legal).priority is Priority.high


def test_the_score_is_the_analysers_for_the_deciding_intent() -> None:
    found = suggest(item("Wat kost een thuislader?", intents=("question", "lead"),
                         scores=(("lead", 0.83), ("question", 0.7))))  # fmt: skip
    assert (found.department, found.score, found.evidence) == ("sales", 0.83, ("lead",))
    assert suggest(item("Wat kost een thuislader?", intents=("lead",))).score == 0.5


@settings(max_examples=200, deadline=None)
@given(
    st.text(max_size=200),
    st.sampled_from(["nl", "en", None, "de"]),
    st.lists(
        st.sampled_from(["complaint", "question", "praise", "lead", "churn", "feedback", "crisis"]),
        max_size=3,
    ).map(tuple),  # fmt: skip
    st.sampled_from(["negative", "neutral", "positive", None]),
    st.one_of(st.none(), st.integers(0, 10**7)),
    st.sampled_from(["own", "competitor"]),
)
def test_any_mention_gets_a_known_department_or_none(
    text: str,
    language: str | None,
    intents: tuple[str, ...],
    sentiment: str | None,
    followers: int | None,
    about: Literal["own", "competitor"],
) -> None:
    found = suggest(
        TriageInput(text, None, language, intents or ("other",), None, sentiment, followers, about)
    )
    assert found.department in (*DEPARTMENTS, None)
    assert found.because in REASONS and 0.0 <= found.score <= 1.0
    if about == "competitor":
        assert found.department in ("sales", None)


def test_macro_f1_averages_the_six_departments_and_counts_none_against_the_department_chosen() -> None:
    gold = ["sales", "legal", None, "product", "marketing", "communications", "customer-service"]
    predicted = ["sales", "legal", "sales", "product", "marketing", "communications", "customer-service"]
    score = score_routing("test", gold, predicted, ["nl"] * 7)
    sales = next(row for row in score.per_department if row.department == "sales")
    assert (sales.precision, sales.recall) == (0.5, 1.0)
    assert score.macro_f1 == round((5 + 2 / 3) / 6, 3)
    assert score.per_department[-1].department == "none" and score.per_department[-1].recall == 0.0
