"""A reproducible corpus of mentions at any size, for search tests and benchmarks (``bench/search.py``).

Several years of mentions on 8 channels, 50 topics (brands, competitors, products, campaigns), words drawn
from a Zipf-like vocabulary of real Dutch and English words and generated ones, with what the query
language has to get right: accents (``café``), apostrophes (``Voltaro's``, ``zo'n``), hyphens (``e-mail``),
hashtags, @handles, links and domains, emoji. The same ``seed`` and ``count`` always give the same
mentions; most arrive in published order, one in twenty is history imported later (an older date under a
newer id). :data:`RARE` occurs only in the three oldest mentions. Pure: no database.

    python bench/search.py --mentions 10000000   # builds a 10M database with it (see BENCHMARKS.md)
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

from luister.domain.mentions import Mention

START = datetime(2023, 1, 1, tzinfo=UTC)
RARE = "zeldzaamheidje"  # only in the three oldest mentions
BRANDS = (
    "Voltaro", "Stroomwijs", "Enerlux", "Groenstroom", "Wattwerk", "Zonnig", "Netvolt", "Kabelkracht",
    "Helderlicht", "Energiek", "Windkracht", "Polderstroom", "Duinzon", "Watertrap", "Vonkvrij",
)  # fmt: skip
PRODUCTS = ("laadpaal", "thuisbatterij", "zonnepaneel", "warmtepomp", "slimme meter", "energiecontract")
CAMPAIGNS = tuple(f"actie{n}" for n in range(1, 21))
COMMON = (
    "de", "het", "een", "en", "van", "ik", "is", "dat", "niet", "op", "met", "voor", "maar", "ze", "weer",
    "nog", "geen", "al", "bij", "ook", "the", "and", "to", "of", "it", "my", "again", "still", "storing",
    "klantenservice", "factuur", "app", "inloggen", "stroom", "gas", "rekening", "wachten", "bellen",
    "snel", "geholpen", "slecht", "goed", "top", "duur", "prijs", "monteur", "afspraak", "contract",
    "overstappen", "opzeggen", "klant", "klanten", "service", "login", "error", "down", "outage", "bill",
    "meter", "storingen", "vandaag", "gisteren", "morgen", "uur", "dagen", "week", "maand",
)  # fmt: skip
SPECIAL = (
    "e-mail", "auto's", "zo'n", "m'n", "café", "coöperatie", "één", "Voltaro's", "wi-fi", "t-shirt",
    "🔥", "😤", "👍🏽", "❤️", "#storing", "#klantenservice", "#energie", "@voltaro",
    "@stroomwijs@mastodon.social",
    "voltaro.nl", "mijn.voltaro.nl", "https://www.voltaro.nl/storing/123", "https://stroomwijs.nl/tarieven",
    "info@voltaro.nl", "(klant)", "storing!", "stroom?", "24/7",
)  # fmt: skip
CHANNELS = ("rss", "mastodon", "reddit", "bluesky", "hackernews", "discourse", "review", "webhook")
CHANNEL_WEIGHTS = (5, 4, 3, 3, 1, 1, 1, 1)
LANGUAGES = ("nl", "en", "de", None)
LANGUAGE_WEIGHTS = (8, 4, 1, 1)
COUNTRIES = ("NL", "BE", None, "GB", "DE", "US", "FR")
COUNTRY_WEIGHTS = (6, 3, 3, 1, 1, 1, 1)
SENTIMENTS = ("negative", "neutral", "positive")
SYLLABLES = ("ka", "lo", "mi", "ver", "sto", "ring", "ten", "ba", "de", "ge", "wo", "zo", "pel", "an",
             "ter", "kla", "nu", "ri", "se", "tu", "vo", "el", "ijs", "oe", "aa")  # fmt: skip


def topics() -> list[tuple[str, str, str]]:
    """50 topics as (name, kind, query): what a listening team would save."""
    found: list[tuple[str, str, str]] = [
        ("Voltaro", "brand", 'voltaro OR "volt aro" OR @voltaro OR voltaro.nl')
    ]
    found += [(brand, "competitor", brand.lower()) for brand in BRANDS[1:]]
    found += [(f"Voltaro {p}", "other", f'voltaro AND "{p}"') for p in PRODUCTS]
    found += [(f"Campagne {c}", "campaign", f"#{c} OR {c}") for c in CAMPAIGNS]
    found += [
        ("Storingen", "other", "(storing* OR outage OR down) NOT test"),
        ("Klantenservice", "other", 'klantenservice NEAR/5 (wachten OR bellen) OR "slecht geholpen"'),
        ("Facturen", "other", "factuur* OR rekening OR bill"),
        ("Overstappers", "other", "(overstappen OR opzeggen) AND (voltaro OR stroomwijs) lang:nl"),
        ("Boos", "other", "😤 OR 🔥 OR #storing sentiment:negative"),
        ("Mail", "other", "e-mail OR info@voltaro.nl"),
        ("Invloedrijk", "other", "voltaro followers:>10000"),
        ("Login", "other", 'inloggen OR login OR "app down"'),
        ("Prijzen", "other", "prijs OR duur OR tarieven"),
    ]
    return found[:50]


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    """The common words first (the head of the distribution), then generated ones."""
    words = dict.fromkeys(COMMON)
    while len(words) < size:
        words["".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4)))] = None
    return list(words)


def corpus(count: int, *, years: int = 3, seed: int = 7, start: datetime = START) -> Iterator[Mention]:
    """``count`` mentions over ``years`` years from ``start`` (see the module text)."""
    rng = random.Random(seed)
    vocabulary = _vocabulary(rng, 4000)
    weights = [1.0 / (rank + 8) for rank in range(len(vocabulary))]  # Zipf-like, a flat head
    cumulative, total = [], 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)
    extras = [*BRANDS, *PRODUCTS, *CAMPAIGNS, *(f"#{c}" for c in CAMPAIGNS), *SPECIAL]
    span = years * 365 * 86400
    fetched = start + timedelta(seconds=span)
    for n in range(count):
        if n < 3:
            moment = n  # the oldest three
        elif rng.random() < 0.05:
            moment = rng.randint(3, max(3, int(span * n / count)))  # history imported later
        else:
            moment = int(span * n / count) + rng.randint(0, 59)
        words = rng.choices(vocabulary, cum_weights=cumulative, k=rng.randint(6, 30))
        for _ in range(rng.choice((0, 1, 1, 2, 3))):
            words.insert(rng.randrange(len(words) + 1), rng.choice(extras))
        if n < 3:
            words.append(RARE)
        text = " ".join(words)
        channel = rng.choices(CHANNELS, weights=CHANNEL_WEIGHTS)[0]
        sentiment = rng.choice(SENTIMENTS)
        yield Mention(
            channel=channel, external_id=f"c{n}", text=text[:1].upper() + text[1:],
            published_at=start + timedelta(seconds=moment), fetched_at=fetched, raw="{}",
            url=f"https://{rng.choice(('voltaro.nl', 'forum.example.nl', 'reddit.com'))}/{channel}/{n}",
            title=" ".join(rng.choices(vocabulary[:300], k=4)) if channel in ("rss", "review") else None,
            author_handle=f"user{rng.randint(1, 50000)}", author_name=None,
            author_followers=rng.choice((10, 150, 1200, 25000)),
            language=rng.choices(LANGUAGES, weights=LANGUAGE_WEIGHTS)[0],
            country=rng.choices(COUNTRIES, weights=COUNTRY_WEIGHTS)[0],
            sentiment=sentiment, intents=rng.choice(((), ("complaint",), ("question",), ("praise",))),
        )  # fmt: skip


__all__ = ["RARE", "START", "corpus", "topics"]
