"""The demo data set: deterministic, well-formed, and it tells the story the dashboards are built for."""

from __future__ import annotations

import collections
import functools
import json
import os
import re
import statistics
import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from luister.demo.data import DEMO_TOPICS, generate_demo_mentions

END = datetime(2026, 11, 30, tzinfo=UTC)  # a Monday; day 0 is 2026-10-01
START = END - timedelta(days=60)
KEYS = {
    "channel", "external_id", "url", "author_handle", "author_name", "author_followers", "title", "text",
    "language", "country", "published_at", "parent_id", "thread_id", "like_count", "share_count",
    "reply_count",
}  # fmt: skip
BRAND_ACCOUNTS = {"voltaro@mastodon.nl", "voltaro_uk@mastodon.social", "voltaro.nl", "voltaro.co.uk"}
OUTAGE_WORDS = (
    "storing", "app", "inlog", "wacht", "werkt", "doet het", "down", "outage", "log in", "offline",
    "overstap", "stap over", "switch", "meter", "datalek", "data breach",
)  # fmt: skip
Mention = dict[str, Any]


@pytest.fixture(scope="module")
def mentions() -> list[Mention]:
    return list(generate_demo_mentions(end=END))


def when(mention: Mention) -> datetime:
    return _parse(mention["published_at"])


@functools.cache
def _parse(published_at: str) -> datetime:
    return datetime.strptime(published_at, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)


def day(mention: Mention) -> int:
    return (when(mention) - START) // timedelta(days=1)


def names(mention: Mention, word: str) -> bool:
    return word in mention["text"].lower()


def per_day(rows: list[Mention]) -> list[int]:
    counts = collections.Counter(day(m) for m in rows)
    return [counts[d] for d in range(60)]


# ---- shape -------------------------------------------------------------------------------------------


def test_same_seed_and_end_give_byte_identical_output(mentions: list[Mention]) -> None:
    again = list(generate_demo_mentions(seed=42, end=END, days=60, count=24_000))
    assert json.dumps(again, ensure_ascii=False) == json.dumps(mentions, ensure_ascii=False)


def test_another_seed_gives_another_data_set() -> None:
    first = list(generate_demo_mentions(seed=1, end=END, count=2_000))
    second = list(generate_demo_mentions(seed=2, end=END, count=2_000))
    assert len(first) == len(second) == 2_000
    assert [m["text"] for m in first] != [m["text"] for m in second]


def test_defaults_give_at_least_twenty_thousand_mentions(mentions: list[Mention]) -> None:
    assert len(mentions) == 24_000 >= 20_000


def test_every_record_has_exactly_the_raw_keys_with_the_right_types(mentions: list[Mention]) -> None:
    for mention in mentions:
        assert set(mention) == KEYS
        for key in ("channel", "external_id", "url", "author_handle", "author_name", "text", "language"):
            assert isinstance(mention[key], str) and mention[key], key
        for key in ("title", "parent_id", "thread_id"):
            assert mention[key] is None or (isinstance(mention[key], str) and mention[key]), key
        for key in ("author_followers", "like_count", "share_count", "reply_count"):
            assert isinstance(mention[key], int) and mention[key] >= 0, key
        assert mention["url"].startswith("https://")


def test_published_at_is_utc_iso_inside_the_window_and_chronological(mentions: list[Mention]) -> None:
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", m["published_at"]) for m in mentions)
    moments = [when(m) for m in mentions]
    assert all(START <= moment < END for moment in moments)
    assert moments == sorted(moments)
    assert min(moments) < START + timedelta(days=1) and max(moments) > END - timedelta(days=1)


def test_other_windows_and_counts_are_honoured_to_the_second() -> None:
    end = datetime(2026, 3, 14, 15, 9, 26, 535_000, tzinfo=timezone(timedelta(hours=2)))
    rows = list(generate_demo_mentions(seed=7, end=end, days=7, count=300))
    assert len(rows) == 300
    assert all(end - timedelta(days=7) <= when(m) < end for m in rows)
    assert list(generate_demo_mentions(end=END, count=0)) == []


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"end": datetime(2026, 11, 30)}, "timezone-aware"),
        ({"end": END, "days": 0}, "days"),
        ({"end": END, "count": -1}, "count"),
    ],
)
def test_bad_arguments_are_refused(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        next(generate_demo_mentions(**kwargs))


def test_external_ids_are_unique_per_channel(mentions: list[Mention]) -> None:
    keys = [(m["channel"], m["external_id"]) for m in mentions]
    assert len(set(keys)) == len(keys)


PATTERNS = {
    "mastodon": (r"\d{17,19}", r"https://[a-z.]+/@\w+/\d+"),
    "bluesky": (r"at://did:plc:[a-z2-7]{24}/app\.bsky\.feed\.post/[2-7a-z]{13}", r"https://bsky\.app/profile/.+/post/\w{13}"),
    "reddit": (r"t[13]_[0-9a-z]{7}", r"https://www\.reddit\.com/r/\w+/comments/[0-9a-z]{7}/[a-z0-9-]+/([0-9a-z]{7}/)?"),
    "hackernews": (r"\d{8}", r"https://news\.ycombinator\.com/item\?id=\d{8}"),
    "rss": (r"(https://|tag:)\S+", r"https://[a-z.-]+/\w+/\d{4}/\d\d/\d\d/[a-z0-9-]+-\d{6}"),
    "discourse": (r"\d+/\d+", r"https://[a-z.-]+/t/[a-z0-9-]+/\d+(/\d+)?"),
    "review": (r"[0-9a-f]{24}", r"https://[a-z.]+/review/[a-z.]+/[0-9a-f]{24}"),
}  # fmt: skip


def test_ids_and_urls_have_the_shape_of_their_platform(mentions: list[Mention]) -> None:
    for mention in mentions:
        id_pattern, url_pattern = PATTERNS[mention["channel"]]
        assert re.fullmatch(id_pattern, mention["external_id"]), mention
        assert re.fullmatch(url_pattern, mention["url"]), mention
        if mention["channel"] == "discourse":
            assert mention["url"].endswith(mention["external_id"].removesuffix("/1").split("/")[-1])
        if mention["channel"] == "rss" and mention["external_id"].startswith("https://"):
            assert mention["external_id"] == mention["url"]


def test_every_channel_is_there_and_titles_go_where_platforms_have_them(mentions: list[Mention]) -> None:
    by_channel = collections.Counter(m["channel"] for m in mentions)
    assert set(by_channel) == {"mastodon", "bluesky", "reddit", "hackernews", "rss", "discourse", "review"}
    assert all(count >= 500 for count in by_channel.values())
    for mention in mentions:
        channel, root = mention["channel"], mention["parent_id"] is None
        if channel in ("rss", "review") or (channel in ("reddit", "discourse", "hackernews") and root):
            assert mention["title"], mention
        else:
            assert mention["title"] is None, mention


# ---- who speaks ----------------------------------------------------------------------------------------


def test_language_and_country_split(mentions: list[Mention]) -> None:
    languages = collections.Counter(m["language"] for m in mentions)
    assert set(languages) == {"nl", "en"}
    assert 0.55 <= languages["nl"] / len(mentions) <= 0.65
    for mention in mentions:
        assert mention["country"] in ({"NL", "BE"} if mention["language"] == "nl" else {"GB", "US"})
    countries = collections.Counter(m["country"] for m in mentions)
    assert all(countries[c] / len(mentions) >= 0.1 for c in ("NL", "BE", "GB", "US"))


def test_dutch_speakers_and_english_speakers_use_different_channels(mentions: list[Mention]) -> None:
    def dutch_share(channel: str) -> float:
        rows = [m for m in mentions if m["channel"] == channel]
        return float(sum(m["language"] == "nl" for m in rows)) / len(rows)

    assert dutch_share("hackernews") == 0
    assert dutch_share("reddit") < 0.5
    assert dutch_share("mastodon") > 0.6 and dutch_share("discourse") > 0.8


def test_belgian_texts_have_a_flemish_flavour(mentions: list[Mention]) -> None:
    flemish = ("allez", "amai", "ambetant", "goeiemorgen", " nie ", "technieker", "capaciteitstarief", " hé")
    belgian = [m["text"].lower() for m in mentions if m["country"] == "BE"]
    assert sum(any(word in text for word in flemish) for text in belgian) / len(belgian) > 0.1


def test_share_of_voice(mentions: list[Mention]) -> None:
    hits = {brand: sum(names(m, brand) for m in mentions) for brand in ("voltaro", "stroomwijs", "enerlux")}
    total = sum(hits.values())
    assert 0.40 <= hits["voltaro"] / total <= 0.52
    assert 0.25 <= hits["stroomwijs"] / total <= 0.36
    assert 0.15 <= hits["enerlux"] / total <= 0.27
    several = sum(sum(names(m, b) for b in hits) == 3 for m in mentions)
    assert 0.02 <= several / len(mentions) <= 0.08


def test_followers_are_heavy_tailed_and_engagement_follows_them(mentions: list[Mention]) -> None:
    people = [m for m in mentions if m["channel"] in ("mastodon", "bluesky")]
    followers = [m["author_followers"] for m in people]
    assert 20 <= statistics.median(followers) <= 800
    assert sum(20 <= f <= 800 for f in followers) / len(followers) > 0.7
    assert 0.005 <= sum(f >= 10_000 for f in followers) / len(followers) <= 0.1
    assert 10_000 <= max(m["author_followers"] for m in mentions) <= 250_000
    big = [m["like_count"] for m in people if m["author_followers"] >= 10_000]
    small = [m["like_count"] for m in people if m["author_followers"] < 800]
    assert statistics.mean(big) > 5 * statistics.mean(small)


def test_topics_describe_brand_competitors_and_campaign(mentions: list[Mention]) -> None:
    kinds = collections.Counter(t["kind"] for t in DEMO_TOPICS)
    assert kinds == {"brand": 1, "competitor": 2, "campaign": 1}
    assert DEMO_TOPICS[0]["name"] == "Voltaro"
    assert DEMO_TOPICS[0]["query"] == "voltaro OR #voltaro OR @voltaro"
    for topic in DEMO_TOPICS:
        assert set(topic) == {"name", "kind", "query", "description"}
        first_term = topic["query"].split(" OR ")[0]
        assert sum(names(m, first_term) for m in mentions) > 500, topic["name"]


# ---- when ---------------------------------------------------------------------------------------------


def test_the_outage_spike(mentions: list[Mention]) -> None:
    brand = [m for m in mentions if names(m, "voltaro")]
    daily = per_day(brand)
    assert daily.index(max(daily)) == 40
    assert daily[40] >= 5 * statistics.median(daily)
    assert daily[41] < daily[40] / 2 and daily[42] < 2 * statistics.median(daily)  # decays in ~2 days
    hourly = collections.Counter(when(m).replace(minute=0, second=0) for m in brand)
    usual = statistics.median(hourly.get(START + timedelta(hours=h), 0) for h in range(60 * 24))
    peak = START + timedelta(days=40, hours=9)  # 10:00 CET
    assert sum(hourly[peak + timedelta(hours=h)] >= 10 * usual for h in range(-1, 3)) >= 3
    on_the_day = [m["text"].lower() for m in brand if day(m) == 40]
    complaints = sum(any(word in text for word in OUTAGE_WORDS) for text in on_the_day)
    assert complaints / len(on_the_day) > 0.6


def test_the_outage_brings_churn_press_and_a_few_crisis_texts(mentions: list[Mention]) -> None:
    outage = [m for m in mentions if day(m) in (40, 41) and names(m, "voltaro")]
    texts = [m["text"].lower() for m in outage]
    assert sum("stap over" in t or "switching to" in t for t in texts) >= 20
    assert sum(m["channel"] == "rss" and "storing" in m["text"].lower() for m in outage) >= 10
    crisis = sum(
        any(w in t for w in ("rookmelder", "brandlucht", "datalek", "data breach", "smoke")) for t in texts
    )
    assert 10 <= crisis <= 150


def test_webcare_answers_in_minutes_but_in_hours_during_the_outage(mentions: list[Mention]) -> None:
    by_id = {(m["channel"], m["external_id"]): m for m in mentions}
    delays: dict[bool, list[float]] = {True: [], False: []}
    for mention in mentions:
        if mention["author_handle"] in BRAND_ACCOUNTS and mention["parent_id"]:
            parent = by_id[(mention["channel"], mention["parent_id"])]
            if parent["author_handle"] not in BRAND_ACCOUNTS:
                minutes = (when(mention) - when(parent)) / timedelta(minutes=1)
                delays[day(parent) == 40].append(minutes)
    assert len(delays[False]) > 200 and len(delays[True]) > 30
    assert statistics.median(delays[False]) < 60
    assert statistics.median(delays[True]) > 3 * statistics.median(delays[False])


def test_the_zonnedeal_campaign_bump(mentions: list[Mention]) -> None:
    campaign = [m for m in mentions if names(m, "zonnedeal")]
    in_window = [m for m in campaign if 15 <= day(m) <= 25]
    assert len(in_window) / len(campaign) > 0.95
    daily = per_day([m for m in mentions if names(m, "voltaro")])
    quiet = statistics.median(daily[:14] + daily[27:39] + daily[43:])
    assert statistics.mean(daily[15:26]) > 1.3 * quiet
    leads = ("offerte", "quote")
    assert sum(any(word in m["text"].lower() for word in leads) for m in in_window) > 100


def test_a_competitor_has_its_own_price_wave(mentions: list[Mention]) -> None:
    daily = per_day([m for m in mentions if names(m, "stroomwijs")])
    assert daily[30] > 2 * statistics.median(daily)
    assert daily.index(max(daily)) in (30, 31)


def test_nights_are_quieter_than_evenings(mentions: list[Mention]) -> None:
    for countries, offset in ((("NL", "BE"), 1), (("GB",), 0)):
        local_hours = collections.Counter(
            (when(m) + timedelta(hours=offset)).hour for m in mentions if m["country"] in countries
        )
        night = statistics.mean(local_hours[h] for h in range(1, 6))
        evening = statistics.mean(local_hours[h] for h in range(19, 22))
        assert night < 0.4 * evening, countries


def test_news_is_quiet_at_weekends_and_mondays_are_busy(mentions: list[Mention]) -> None:
    weekdays = collections.Counter(when(m).weekday() for m in mentions if m["channel"] == "rss")
    assert max(weekdays[5], weekdays[6]) < 0.6 * min(weekdays[d] for d in range(5))
    normal = [m for m in mentions if not 38 <= day(m) <= 42]
    everyday = collections.Counter(when(m).weekday() for m in normal)
    assert everyday[0] == max(everyday.values())


# ---- what ---------------------------------------------------------------------------------------------


def test_texts_are_mostly_distinct(mentions: list[Mention]) -> None:
    texts = [m["text"] for m in mentions]
    assert len(set(texts)) / len(texts) >= 0.9


def test_some_posts_are_near_duplicates(mentions: list[Mention]) -> None:
    echoes = ("Dit. ", "Precies dit: ", "Zelfde hier 👇 ", "RT ", "This. ", "Same here 👇 ", "Exactly this: ")
    bodies = [m["text"] for m in mentions]
    copied = sum(text.startswith(echoes) and any(text.endswith(b[-30:]) for b in bodies[:i][-300:])
                 for i, text in enumerate(bodies))  # fmt: skip
    assert copied > 100
    headlines = collections.defaultdict(set)
    for mention in mentions:
        if mention["channel"] == "rss":
            headlines[mention["title"]].add(mention["url"])
    assert sum(len(urls) > 1 for urls in headlines.values()) > 10


def test_some_texts_carry_hostile_markup_verbatim(mentions: list[Mention]) -> None:
    markup = re.compile(r"<script>|onerror=|onload=|<iframe|onmouseover=")
    hostile = [m for m in mentions if markup.search(m["text"])]
    assert 0.002 <= len(hostile) / len(mentions) <= 0.01
    assert not any("&lt;" in m["text"] for m in mentions)


def test_every_intent_shows_up(mentions: list[Mention]) -> None:
    texts = [m["text"].lower() for m in mentions]
    markers = {
        "question": ("?",),
        "praise": ("top geholpen", "compliment", "impressed", "shoutout"),
        "complaint": ("in de wacht", "voorschot", "on hold", "ridiculous"),
        "lead": ("offerte", "quote"),
        "churn": ("stap over", "overstappen", "switching to", "opgezegd", "cancelled"),
        "feedback": ("zou fijn zijn", "idee voor", "feature request", "would be nice"),
    }
    for intent, words in markers.items():
        assert sum(any(word in text for word in words) for text in texts) > 200, intent


# ---- threads ------------------------------------------------------------------------------------------


def test_replies_point_at_earlier_posts_in_the_same_thread(mentions: list[Mention]) -> None:
    by_id = {(m["channel"], m["external_id"]): m for m in mentions}
    children: collections.Counter[tuple[str, str]] = collections.Counter()
    for mention in mentions:
        channel, parent_id, thread_id = mention["channel"], mention["parent_id"], mention["thread_id"]
        assert (parent_id is None) == (thread_id is None)
        if parent_id is None:
            continue
        parent, root = by_id[(channel, parent_id)], by_id[(channel, thread_id)]
        assert when(parent) <= when(mention) and root["parent_id"] is None
        assert parent["thread_id"] in (None, thread_id)
        children[(channel, parent_id)] += 1
    for key, count in children.items():
        assert by_id[key]["reply_count"] >= count
    replies = collections.Counter(m["channel"] for m in mentions if m["parent_id"])
    assert all(replies[c] > 100 for c in ("reddit", "hackernews", "discourse", "mastodon", "bluesky"))
    assert all(
        m["external_id"].startswith("t1_") == bool(m["parent_id"])
        for m in mentions
        if m["channel"] == "reddit"
    )


def test_brand_accounts_reply_to_customers_on_mastodon_and_bluesky(mentions: list[Mention]) -> None:
    by_id = {(m["channel"], m["external_id"]): m for m in mentions}
    own = [m for m in mentions if m["author_handle"] in BRAND_ACCOUNTS]
    assert 300 <= len(own) <= 1_000
    assert all(m["channel"] in ("mastodon", "bluesky") for m in own)
    answers = [m for m in own if m["parent_id"]]
    to_customers = [
        m for m in answers if by_id[(m["channel"], m["parent_id"])]["author_handle"] not in BRAND_ACCOUNTS
    ]
    assert all(m["text"].startswith("@") and "Voltaro" in m["text"] for m in to_customers)
    status = [m for m in own if m not in to_customers]
    assert 4 <= len(status) <= 30 and all(day(m) in (40, 41) for m in status)


def test_output_does_not_depend_on_the_process_hash_seed() -> None:
    script = (
        "import hashlib, json, datetime as d;"
        "from luister.demo.data import generate_demo_mentions as g;"
        "rows = list(g(end=d.datetime(2026, 11, 30, tzinfo=d.UTC), count=3000));"
        "print(hashlib.sha256(json.dumps(rows).encode()).hexdigest())"
    )
    digests = {
        subprocess.run(
            [sys.executable, "-c", script],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    }
    assert len(digests) == 1
