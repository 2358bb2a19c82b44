"""Alert titles are stored as a key and values and read in each person's language."""

from __future__ import annotations

import pytest

from luister.alerts.texts import TITLES, message, render
from luister.web.i18n import translations


def test_titles_in_english_and_dutch() -> None:
    spike = message("negative_spike", subject="Voltaro", count=87, expected=2)
    assert render(spike) == "Voltaro: 87 negative mentions in the last hour (expected about 2)"
    dutch = translations("nl").gettext
    assert (
        render(spike, dutch)
        == "Voltaro: 87 negatieve vermeldingen in het afgelopen uur (verwacht: ongeveer 2)"
    )
    share = message("negative_share", subject=None, share=40, negative=8, total=20)
    assert render(share) == "all mentions: 40% negative in the last hour (8 of 20)"
    assert render(share, dutch) == "alle vermeldingen: 40% negatief in het afgelopen uur (8 van 20)"
    intent = message("intent_one", subject="<b>X</b>", count=1, intent="churn")
    assert render(intent, dutch).startswith("<b>X</b>: 1 nieuwe vermelding met intentie ")  # escaped by pages


def test_every_title_fills_in_and_unknown_keys_are_refused() -> None:
    values = {"count": 3, "expected": 1, "share": 5, "negative": 1, "total": 20, "query": "a%b",
              "intent": "lead", "followers": "10,000", "hours": 4, "conversation": 12}  # fmt: skip
    dutch = translations("nl").gettext
    for key in TITLES:
        assert render(message(key, subject="T", **values), dutch).startswith("T: ")
    with pytest.raises(KeyError):
        message("nope", subject=None)


def test_a_rise_says_for_how_long_in_both_languages() -> None:
    rise = message("rise", subject="Voltaro", count=40, expected=18, hours=5)
    assert render(rise) == "Voltaro: mentions rising for 5 hours, 40 in the last hour (expected about 18)"
    dutch = translations("nl").gettext
    assert render(rise, dutch).startswith("Voltaro: vermeldingen stijgen al 5 uur, 40 in het afgelopen uur")


def test_stored_english_summaries_and_titles_read_back_in_dutch() -> None:
    from luister.alerts.texts import SUMMARIES, summary, translate

    values = {"subject": "Voltaro: app", "count": "87", "at": "2026-12-07 09:00", "ratio": "12.5",
              "p": "1.0e-09", "start": "2026-12-07 08:00", "end": "10:00", "share": "40%", "threshold": "30%",
              "rule": "'Crisis'", "followers": "12,000", "conversation": "12", "department": "legal",
              "due": "2026-12-07 10:00"}  # fmt: skip
    dutch = translations("nl").gettext
    for key in SUMMARIES:
        english = summary(key, **values)
        assert translate(english, str) == english  # read back and filled in again: the same text
        assert translate(english, dutch) == dutch(SUMMARIES[key]) % values != english, key
    assert translate("Stroomwijs: 30 mentions in an hour (expected about 2)", dutch) == (
        "Stroomwijs: 30 vermeldingen in een uur (verwacht: ongeveer 2)"
    )
    assert translate("all mentions: 3 new mentions with intent churn", dutch).startswith(
        "alle vermeldingen: 3"
    )
    assert translate("incident over; statement online", dutch) == "incident over; statement online"
