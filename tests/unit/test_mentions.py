import unicodedata
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from luister.domain.errors import MappingError
from luister.domain.mentions import (
    MAX_ID_CHARS,
    MAX_NAME_CHARS,
    derive_external_id,
    fold,
    new_mention,
    normalise_inline,
    normalise_text,
    text_fingerprint,
)
from luister.domain.timestamps import parse_timestamp
from luister.domain.urls import canonical_url, domain_of

NOW = datetime(2026, 10, 1, 12, 0, tzinfo=UTC)


def mention(**fields: object):
    base: dict[str, object] = {
        "channel": "Mastodon",
        "external_id": "1",
        "text": "hallo",
        "published_at": "2026-10-01T08:00:00Z",
        "fetched_at": NOW,
        "raw": "{}",
    }
    base.update(fields)
    return new_mention(**base)  # type: ignore[arg-type]


class TestNormaliseText:
    def test_nfc_joins_decomposed_accents(self) -> None:
        assert normalise_text("cafe\u0301") == "café"

    def test_collapses_spaces_but_keeps_paragraphs(self) -> None:
        assert normalise_text("  een\t\ttwee \u00a0drie\r\n\r\n\r\n\nvier  ") == "een twee drie\n\nvier"

    def test_removes_control_and_zero_width_characters(self) -> None:
        assert normalise_text("a\x00b\u200bc\x1b[31m") == "abc[31m"

    def test_inline_is_one_line_and_empty_is_none(self) -> None:
        assert normalise_inline(" Jan \n de Vries ") == "Jan de Vries"
        assert normalise_inline(" \n ") is None

    def test_hostile_markup_is_kept_as_text(self) -> None:
        assert normalise_text("<script>alert(1)</script>") == "<script>alert(1)</script>"


class TestCanonicalUrl:
    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            ("HTTPS://Example.NL:443/pad?utm_source=x&id=3#top", "https://example.nl/pad?id=3"),
            ("http://example.nl:8080", "http://example.nl:8080/"),
            ("https://example.nl/a?fbclid=1&gclid=2", "https://example.nl/a"),
            ("https://example.nl/a?b=2&a=1", "https://example.nl/a?b=2&a=1"),
        ],
    )
    def test_canonical_forms(self, given: str, expected: str) -> None:
        assert canonical_url(given) == expected

    @pytest.mark.parametrize(
        "bad", ["", "niet een url", "javascript:alert(1)", "ftp://x.nl/a", "https://[::1"]
    )
    def test_unusable_urls_become_none(self, bad: str) -> None:
        assert canonical_url(bad) is None

    def test_domain_drops_www(self) -> None:
        assert domain_of("https://www.nos.nl/artikel/1") == "nos.nl"


class TestTimestamps:
    @pytest.mark.parametrize(
        ("given", "expected"),
        [
            ("2026-10-01T08:00:00Z", datetime(2026, 10, 1, 8, tzinfo=UTC)),
            ("2026-10-01T10:00:00+02:00", datetime(2026, 10, 1, 8, tzinfo=UTC)),
            ("2026-10-01 08:00:00", datetime(2026, 10, 1, 8, tzinfo=UTC)),
            ("Thu, 01 Oct 2026 10:00:00 +0200", datetime(2026, 10, 1, 8, tzinfo=UTC)),
            (1790841600, datetime(2026, 10, 1, 8, tzinfo=UTC)),
            ("1790841600000", datetime(2026, 10, 1, 8, tzinfo=UTC)),
            ("01-10-2026 08:00", datetime(2026, 10, 1, 8, tzinfo=UTC)),
            ("1/10/2026", datetime(2026, 10, 1, tzinfo=UTC)),
            (
                datetime(2026, 10, 1, 10, tzinfo=timezone(timedelta(hours=2))),
                datetime(2026, 10, 1, 8, tzinfo=UTC),
            ),
        ],
    )
    def test_formats_become_utc(self, given: object, expected: datetime) -> None:
        parsed = parse_timestamp(given)
        assert parsed == expected
        assert parsed.tzinfo is UTC

    @pytest.mark.parametrize("bad", ["gisteren", "", "31-02-2026", True, [], "1850-01-01T00:00:00Z", 10**30])
    def test_unreadable_says_field_and_value(self, bad: object) -> None:
        with pytest.raises(MappingError) as info:
            parse_timestamp(bad)
        assert info.value.field == "published_at"


class TestNewMention:
    def test_normalises_every_field(self) -> None:
        m = mention(
            channel=" Mastodon ",
            external_id=" 42 ",
            text="Voltaro  app\u00a0kapot",
            url="HTTPS://A.nl/x#y",
            author_handle=" @anna ",
            author_followers="1200",
            language="NL",
            country="be",
            like_count=3.0,
        )
        assert (m.channel, m.external_id, m.text, m.url) == (
            "mastodon",
            "42",
            "Voltaro app kapot",
            "https://a.nl/x",
        )
        assert (m.author_handle, m.author_followers, m.language, m.country, m.like_count) == (
            "@anna",
            1200,
            "nl",
            "BE",
            3,
        )
        assert m.published_at == datetime(2026, 10, 1, 8, tzinfo=UTC)
        assert m.key == ("mastodon", "42")

    @pytest.mark.parametrize(
        ("given", "expected"),
        [("1.234", 1234), ("12,345,678", 12345678), ("12.0", 12), ("1.2k", 1200), ("3M", 3_000_000), (7, 7)],
    )
    def test_counts_in_human_formats(self, given: object, expected: int) -> None:
        assert mention(author_followers=given).author_followers == expected

    @pytest.mark.parametrize("missing", [None, "", "  "])
    def test_missing_timestamp_is_kept_as_unknown_not_silently_now(self, missing: object) -> None:
        """Issue #24 defect 3: placed at the fetch time, but marked, so people are told."""
        found = mention(published_at=missing)
        assert (found.published_at, found.date_known) == (NOW, False)
        assert mention().date_known is True

    @pytest.mark.parametrize(
        ("language", "country", "expected"),
        [
            ("Portuguese", "Netherlands", ("pt", "NL")),
            ("French", "France", ("fr", "FR")),
            ("es-419", "Nederland", ("es", "NL")),
            ("zh-Hant-TW", "nld", ("zh", "NL")),
            ("pt-BR", "be", ("pt", "BE")),
            ("zhCn", "USA", ("zh", "US")),  # a Mastodon outbox's contentMap key
        ],
    )
    def test_language_and_country_names_and_tags_become_codes(
        self, language: str, country: str, expected: tuple[str, str]
    ) -> None:
        """Issue #24 defect 5: names and BCP-47 tags are normalised, not quarantined nor stored as is."""
        found = mention(language=language, country=country)
        assert (found.language, found.country) == expected
        assert "dropped" not in found.extra

    def test_a_language_or_country_that_cannot_be_read_is_dropped_and_noted(self) -> None:
        found = mention(language="nederlands!", country="Atlantis")
        assert (found.language, found.country, found.text) == (None, None, "hallo")
        assert found.extra["dropped"] == ["language 'nederlands!'", "country 'Atlantis'"]

    def test_title_alone_is_enough(self) -> None:
        assert mention(text=None, title="Storing bij Voltaro").title == "Storing bij Voltaro"

    @pytest.mark.parametrize(
        ("fields", "field"),
        [
            ({"text": "   "}, "text"),
            ({"text": {"nested": 1}}, "text"),
            ({"channel": "twitter/x"}, "channel"),
            ({"external_id": ""}, "external_id"),
            ({"published_at": "2026-12-01T00:00:00Z"}, "published_at"),
            ({"author_followers": "veel"}, "author_followers"),
            ({"like_count": -1}, "like_count"),
        ],
    )
    def test_bad_fields_are_named(self, fields: dict[str, object], field: str) -> None:
        with pytest.raises(MappingError) as info:
            mention(**fields)
        assert info.value.field == field

    def test_broken_url_does_not_cost_the_mention(self) -> None:
        assert mention(url="http://[broken").url is None


FINGERPRINT_PIECES = [
    "Voltaro", "storing", " ", "  ", "\t", "\n", "\x0b", "\x0c", "\x1c", "\x1f", "\x85", "\xa0", "RT ", "rt ",
    "boost ", "https://", "http://x.nl/a?b", "www.", "@", "@jan ", "!", "'", "-", "—", "…", "é", "3.5", "a.b",
]  # fmt: skip


def _reference_fingerprint(text: str) -> int | None:
    """text_fingerprint as first written, on str: stored fingerprints were made this way."""
    import hashlib
    import re
    import string

    folded = fold(text)
    if "http" in folded or "www." in folded or "@" in folded:
        folded = re.sub(r"(?:https?://|www\.|@)\S*", " ", folded)
    table = str.maketrans(dict.fromkeys(string.punctuation + "‘’‚‛“”„‟«»‹›–—―…·•¡¿", " "))
    words = folded.translate(table).split()
    if words and words[0] in {"rt", "boost", "repost"}:
        del words[0]
    if len(words) < 4:
        return None
    digest = hashlib.blake2b(" ".join(words).encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def test_derived_ids_are_stable_and_distinct() -> None:
    a = derive_external_id("csv", None, "anna", "2026-10-01", "hallo")
    assert a == derive_external_id("csv", None, "anna", "2026-10-01", "hallo")
    assert a != derive_external_id("csv", None, "anna", "2026-10-01", "hallo!")
    assert a.startswith("h:")


class TestFastPathsAgreeWithTheFullRules:
    """The shortcuts in normalisation must give exactly what the general code gives."""

    url_parts = st.tuples(
        st.sampled_from(["http://", "https://", "HTTPS://", "ftp://", ""]),
        st.sampled_from(
            [
                "voltaro.nl",
                "www.Voltaro.nl",
                "a.b.example",
                "127.0.0.1",
                "x.nl:443",
                "x.nl:8080",
                "user@x.nl",
                "x.nl.",
                "",
            ]
        ),
        st.sampled_from(["", "/", "/pad/naar/artikel", "/a;b", "/%7Euser"]),
        st.sampled_from(["", "?", "?id=3", "?utm_source=x&id=3", "?id=3&fbclid=1", "?q=utm_x"]),
        st.sampled_from(["", "#", "#top"]),
    )

    @given(url_parts)
    def test_canonical_url_fast_path(self, parts: tuple[str, ...]) -> None:
        from luister.domain.urls import _already_canonical, _parsed_canonical

        url = "".join(parts)
        fast = _already_canonical(url)
        if fast is not None:
            assert fast == _parsed_canonical(url)

    @given(st.text(alphabet=st.sampled_from(list("ab é\u00a0\t\n\r\x00\u200b.")), max_size=30))
    def test_normalise_text_fast_path(self, text: str) -> None:
        assert normalise_text(text) == _slow_normalise_text(text)

    @given(st.text(alphabet=st.sampled_from(list("ab é  \u00a0\t\n\x00")), max_size=20))
    def test_normalise_inline_fast_path(self, text: str) -> None:
        expected = " ".join(unicodedata.normalize("NFC", text).replace("\x00", "").split()) or None
        assert normalise_inline(text) == expected


def _slow_normalise_text(value: str) -> str:
    import re

    text = unicodedata.normalize("NFC", value).replace("\r\n", "\n").replace("\r", "\n")
    text = re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b\u2028\u2029\ufeff]", "", text)
    text = re.sub(r"[^\S\n]+", " ", text)
    text = "\n".join(line.strip() for line in text.split("\n"))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


class TestFingerprint:
    def test_reposts_with_other_links_and_handles_match(self) -> None:
        a = text_fingerprint("Storing bij Voltaro: app en slimme meter plat https://nos.example/1")
        b = text_fingerprint(
            "RT @nieuws: Storing bij voltaro — app en slimme méter plat! https://t.example/2"
        )
        assert a is not None and a == b

    def test_different_texts_differ(self) -> None:
        assert text_fingerprint("de app van Voltaro werkt weer") != text_fingerprint(
            "de app van Enerlux werkt weer"
        )

    def test_short_texts_have_none(self) -> None:
        assert text_fingerprint("Thanks @voltaro!") is None

    def test_fits_a_signed_bigint(self) -> None:
        fp = text_fingerprint("een twee drie vier vijf")
        assert fp is not None and -(2**63) <= fp < 2**63

    def test_fold_ignores_case_and_accents(self) -> None:
        assert fold("Café ÉÉN") == fold("cafe een")

    def test_stored_fingerprints_stay_as_they_were(self) -> None:
        # stored mentions are deduplicated against these values: a new way to compute them must agree
        assert text_fingerprint("Storing bij Voltaro: app en slimme meter plat https://nos.example/1") == (
            _reference_fingerprint("Storing bij Voltaro: app en slimme meter plat https://nos.example/1")
        )
        assert text_fingerprint("RT @x: een twee drie vier") == _reference_fingerprint("een twee drie vier")

    @given(st.lists(st.sampled_from(FINGERPRINT_PIECES) | st.text(max_size=4), max_size=14).map("".join))
    @example("een twee drie @jan\x1cvier vijf")  # \x1c ends a handle in a str pattern, not in bytes
    @example("RT\x1fhallo een twee drie vier")
    def test_ascii_texts_are_fingerprinted_as_any_text(self, text: str) -> None:
        assert text_fingerprint(text) == _reference_fingerprint(text)


def test_a_mention_pickles_with_every_field() -> None:
    """Batches cross to the writer process pickled (luister.services.ingest_workers): no field is lost.
    A field added to Mention fails here until it has a value below (and a place in ``astuple``)."""
    import dataclasses
    import pickle

    from luister.domain.mentions import Mention

    moment = datetime(2026, 10, 1, 9, tzinfo=UTC)
    values: dict[str, object] = {
        "channel": "mastodon", "external_id": "m1", "text": "tekst", "published_at": moment,
        "fetched_at": moment + timedelta(hours=1), "raw": "{}", "url": "https://x.example/1", "title": "t",
        "author_handle": "anna", "author_name": "Anna", "author_followers": 12, "language": "nl",
        "country": "BE", "parent_id": "p", "thread_id": "t", "like_count": 1, "share_count": 2,
        "reply_count": 3, "view_count": 4, "source_id": 5, "fingerprint": -6, "topic_ids": (7, 8),
        "sentiment": "negative", "sentiment_score": -0.5, "sentiment_confidence": 0.9,
        "intents": ("complaint",), "intent_scores": {"complaint": 0.8}, "analysis_model": "fast-1",
        "extra": {"k": "v"}, "date_known": False, "primary_intent": "complaint",
    }  # fmt: skip
    assert set(values) == {spec.name for spec in dataclasses.fields(Mention)}
    original = Mention(**values)  # type: ignore[arg-type]
    copy = pickle.loads(pickle.dumps(original))
    assert {name: getattr(copy, name) for name in values} == values
    assert Mention(*original.astuple()) == original  # how a prepared batch carries its mentions


class TestDatabaseLimits:
    """Both backends store the same: PostgreSQL's column widths are enforced here, for SQLite too."""

    @given(
        st.text(min_size=513, max_size=2000).filter(lambda t: len(normalise_inline(t) or "") > MAX_ID_CHARS)
    )
    def test_a_long_id_is_shortened_stably_and_a_reply_keeps_pointing_at_it(self, long_id: str) -> None:
        first = mention(external_id=long_id, parent_id=long_id)
        assert len(first.external_id) <= MAX_ID_CHARS
        assert first.external_id == mention(external_id=long_id).external_id == first.parent_id
        assert first.external_id != mention(external_id=long_id + "x").external_id

    def test_ids_within_the_limit_are_kept_as_they_are(self) -> None:
        assert mention(external_id="x" * MAX_ID_CHARS, thread_id="t").external_id == "x" * MAX_ID_CHARS

    def test_names_are_cut_with_an_ellipsis(self) -> None:
        found = mention(author_handle="a" * 300, author_name="Zoë " * 100)
        assert len(found.author_handle or "") == len(found.author_name or "") == MAX_NAME_CHARS
        assert (found.author_handle or "").endswith("…") and (found.author_name or "").endswith("…")

    @pytest.mark.parametrize("control", ["\u202e", "\u202d", "\u2066", "\u2067", "\u200f", "\u061c"])
    def test_bidi_controls_never_reach_a_handle(self, control: str) -> None:
        found = mention(author_handle=f"{control}evil{control}.com", author_name=f"Anna {control}Smit")
        assert found.author_handle == "evil.com"
        assert found.author_name in ("Anna Smit", f"Anna {control}Smit")  # LRM, RLM, ALM may stay in a name
        assert "\u202e" not in (found.author_name or "")

    @pytest.mark.parametrize("text", ["\u200c", "\u200d\u200c \u200d", "\u2060\u00ad", "\ufe0f"])
    def test_invisible_only_text_is_no_mention(self, text: str) -> None:
        with pytest.raises(MappingError, match="no text"):
            mention(text=text)

    def test_joiners_inside_words_stay(self) -> None:
        assert mention(text="می\u200cخواهم").text == "می\u200cخواهم"  # Persian needs its ZWNJ
        assert mention(text="👩\u200d💻").text == "👩\u200d💻"

    @pytest.mark.parametrize("stamp", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00"])
    def test_out_of_range_timestamps_are_mapping_errors(self, stamp: str) -> None:
        with pytest.raises(MappingError, match="out of range"):
            mention(published_at=stamp)


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("Wed Oct 10 20:19:24 +0000 2018", datetime(2018, 10, 10, 20, 19, 24, tzinfo=UTC)),  # Twitter/X
        ("07-Jan-2021 08:41AM", datetime(2021, 1, 7, 8, 41, tzinfo=UTC)),  # Meltwater
        ("1/7/2021 8:41:13 AM", datetime(2021, 1, 7, 8, 41, 13, tzinfo=UTC)),  # US spreadsheet
        ("2021-01-07 08:41:13 UTC", datetime(2021, 1, 7, 8, 41, 13, tzinfo=UTC)),
    ],
)
def test_export_timestamp_shapes(written: str, expected: datetime) -> None:
    """Issue #24, also decide: shapes exports write that were not recognised."""
    from luister.domain.timestamps import parse_timestamp

    assert parse_timestamp(written) == expected


def test_dates_without_a_zone_or_with_day_and_month_in_doubt_are_read_as_told() -> None:
    from zoneinfo import ZoneInfo

    from luister.domain.timestamps import AMBIGUOUS, NAIVE, DateReading, date_flags, parse_timestamp

    amsterdam_us = DateReading(zone=ZoneInfo("Europe/Amsterdam"), dayfirst=False)
    assert parse_timestamp("07/01/2021 08:41") == datetime(2021, 1, 7, 8, 41, tzinfo=UTC)
    assert parse_timestamp("07/01/2021 08:41", reading=amsterdam_us) == datetime(
        2021, 7, 1, 6, 41, tzinfo=UTC
    )
    assert parse_timestamp("2021-01-07T08:41:00Z", reading=amsterdam_us) == datetime(
        2021, 1, 7, 8, 41, tzinfo=UTC
    )
    assert date_flags("07/01/2021 08:41") == NAIVE | AMBIGUOUS
    assert date_flags("13/01/2021") == NAIVE and date_flags("2021-01-07T08:41:00+01:00") == 0
    assert date_flags("1609998073") == 0  # epoch seconds are UTC
