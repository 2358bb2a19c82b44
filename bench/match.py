"""Topic matching benchmark: 1,000 topics against 200,000 synthetic mentions on one core; print mentions/s.

    python bench/match.py                         # defaults: 1,000 topics, 200,000 mentions
    python bench/match.py --topics 200 --mentions 20000 --repeat 3

Topics have the shapes analysts write: brand and product names with variants, wildcards, phrases, NEAR,
hashtags, handles, domains, field filters, exclusions and references to other topics. Mentions are 10–60
words of Dutch and English with hashtags, handles, URLs, emoji; most name one or more brands, as mentions
fetched for a set of topics do. Generating them is not timed; compiling and matching are, separately.
Prints one figure per line. With ``--repeat``, ``match_mentions_per_s_quickest_slices`` adds up the
quickest of the passes over every slice of 10,000 mentions: this VM's neighbours slow whole passes by
2-5x at times, and the quickest slices are what the code does when they do not.

The generated mentions are frozen out of the cyclic garbage collector (``gc.freeze()``) before timing:
they are the benchmark's input, all 200,000 alive at once, where the pipeline holds one batch; otherwise
each of the collector's full passes walks them all and is timed as matching.
"""

from __future__ import annotations

import argparse
import gc
import random
import time
import timeit

from luister import compiled
from luister.domain.matcher import TopicMatcher
from luister.domain.queries import MatchDoc, Query, parse_query

SYLLABLES = (
    "volt aro ener giq zon ne kracht stroom wijs green watt lu men ko ra vi ta li nor da sun "
    "fa ber mo lo ki ne ax ion tri ple zet ka me ve po la dix tel na ri go"
).split()
PRODUCTS = (
    "app thuisbatterij laadpaal zonnepanelen warmtepomp meter contract abonnement energiecontract "
    "slimme-meter oplader kabel router glasvezel pakket bundel"
).split()
COMPLAINTS = (
    "storing storingen klacht klachten wachttijd boos slecht traag opgelicht oplichting fraude "
    "outage broken terrible refund scam"
).split()
DUTCH = (
    "de het een en van ik je dat is niet op te in wat voor met zijn er maar ook als bij nog dan "
    "al wel naar hebben heel weer mijn geen toch zo'n m'n auto's gewoon echt even vandaag gisteren "
    "klant klantenservice factuur prijs stroom gas energie overstappen vraag hoe waarom snel "
    "geholpen top goed prima duur goedkoop rekening maand jaar thuis huis wachten bellen mail "
    "e-mail website monteur afspraak levering besteld betaald terug geld"
).split()
ENGLISH = (
    "the a and to of is it that for on with this was but not my your have just so great service "
    "support thanks waiting bill price customer help team order delivery today really love hate "
    "can't don't app update new battery solar quote"
).split()
EMOJI = ("🔥", "😡", "👍", "🙏", "⚡️", "😂")
SLICE = 10_000  # mentions timed together: with --repeat, the quickest pass of each counts too
CHANNELS = ("mastodon", "bluesky", "reddit", "hackernews", "rss", "discourse")


def brand_names(rng: random.Random, count: int) -> list[tuple[str, ...]]:
    """Brand names as their syllables: ``("volt", "aro")`` is the brand voltaro."""
    names = {("volt", "aro"), ("ener", "giq"), ("zonne", "kracht"), ("stroom", "wijs"), ("green", "watt")}
    while len(names) < count:
        parts = tuple(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3)))
        if len("".join(parts)) >= 6:
            names.add(parts)
    return sorted(names)


def topic_queries(
    rng: random.Random, brands: list[tuple[str, ...]], count: int
) -> dict[int, tuple[str, Query]]:
    texts: list[tuple[str, str]] = []
    for index in range(count):
        parts, other = rng.choice(brands), "".join(rng.choice(brands))
        brand, spaced = "".join(parts), " ".join(parts)
        product, complaint = rng.choice(PRODUCTS), rng.choice(COMPLAINTS)
        shapes = [
            f"{brand} OR #{brand} OR @{brand} OR {brand}.nl"
            + (f' OR "{spaced}"' if min(map(len, parts)) >= 4 else ""),
            f'{brand}* -vacature* -"werken bij" -#job',
            f'"{brand} {product}" OR {brand}-{product} OR ({brand} NEAR/5 {product})',
            f"({brand} OR #{brand}) lang:nl",
            f'#{brand}{product.replace("-", "")} OR "{brand} {product}"~3',
            f'({brand} OR @{brand}) ({complaint} OR "werkt niet" OR klacht*)',
            f"{brand} followers:>1000",
            f"site:{brand}.nl OR {brand}.nl",
            f'{brand} -sentiment:positive -author:"{other}"',
            f"({brand} OR {other}) NEAR/10 ({product} OR {complaint})",
            f'title:{brand} OR title:"{brand} {product}"',
            f"{brand} {product} -{other} country:NL",
        ]
        if index >= 50 and index % 25 == 0:
            text = f"topic:t{rng.randrange(index)} ({complaint} OR {product})"  # refers to another topic
        elif index % 100 == 99:
            text = f"channel:{rng.choice(CHANNELS)} lang:nl followers:>10000"  # no literal: always checked
        else:
            text = rng.choice(shapes)
        texts.append((f"t{index}", text))
    return {index: (name, parse_query(text)) for index, (name, text) in enumerate(texts)}


def mentions(rng: random.Random, brand_parts: list[tuple[str, ...]], count: int) -> list[MatchDoc]:
    brands = ["".join(parts) for parts in brand_parts]
    popular = brands[: max(1, len(brands) // 10)]
    docs = []
    for n in range(count):
        words = [rng.choice(DUTCH if rng.random() < 0.65 else ENGLISH) for _ in range(rng.randint(10, 60))]
        for _ in range(rng.choice((0, 1, 1, 1, 2, 3))):  # most mentions name a brand, some several
            brand = rng.choice(popular if rng.random() < 0.5 else brands)
            form = rng.choice(
                (
                    brand,
                    brand.capitalize(),
                    f"{brand.capitalize()}'s",
                    f"#{brand}",
                    f"@{brand}",
                    f"{brand} {rng.choice(PRODUCTS)}",
                    f"{brand}-{rng.choice(PRODUCTS)}",
                )
            )
            words.insert(rng.randrange(len(words) + 1), form)
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words)), rng.choice(COMPLAINTS))
        if rng.random() < 0.3:
            words.insert(rng.randrange(len(words)), f"#{rng.choice(PRODUCTS + COMPLAINTS)}")
        if rng.random() < 0.2:
            words.insert(rng.randrange(len(words)), f"@user{rng.randrange(5000)}")
        if rng.random() < 0.2:
            words.append(f"https://www.{rng.choice(brands)}.nl/p/{n}?utm_source=x")
        if rng.random() < 0.2:
            words.insert(rng.randrange(len(words)), rng.choice(EMOJI))
        channel = rng.choice(CHANNELS)
        docs.append(
            MatchDoc(
                text=" ".join(words),
                title=" ".join(rng.sample(words, min(6, len(words)))).capitalize()
                if channel == "rss"
                else None,
                author_handle=f"user{rng.randrange(20000)}",
                author_name=f"User {n % 997}",
                language=rng.choice(("nl", "en")),
                channel=channel,
                country=rng.choice(("NL", "BE", "GB", "US")),
                url=f"https://{channel}.example/@u/{n}",
                followers=rng.randint(0, 50_000),
                sentiment=rng.choice((None, "negative", "neutral", "positive")),
            )
        )
    return docs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--topics", type=int, default=1000)
    parser.add_argument("--mentions", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=1, help="match this many times; report the best")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    brands = brand_names(rng, max(5, args.topics // 3))
    topics = topic_queries(rng, brands, args.topics)
    docs = mentions(rng, brands, args.mentions)
    gc.collect()
    gc.freeze()  # the input: see the module's doc

    started = time.perf_counter()
    matcher = TopicMatcher.compile(topics)
    compile_s = time.perf_counter() - started
    timings: list[float] = []  # whole passes
    slices = [float("inf")] * len(range(0, len(docs), SLICE))  # the quickest pass of every slice
    for _ in range(args.repeat):
        results: list[tuple[int, ...]] = []
        total = 0.0
        for number, start in enumerate(range(0, len(docs), SLICE)):
            started = time.perf_counter()
            results += matcher.match_many(docs[start : start + SLICE])
            spent = time.perf_counter() - started
            slices[number], total = min(slices[number], spent), total + spent
        timings.append(total)
    best = min(timings)
    calibration = min(timeit.repeat("sum(range(1000))", number=2000, repeat=5)) / 2000 * 1e6
    print(f"calibration_sum_range_1000_us {calibration:.1f}")  # this machine's Python speed, to compare runs
    print(f"topics {len(topics)}")
    print(f"mentions {len(docs)}")
    print(f"mean_words_per_mention {sum(len(d.text.split()) for d in docs) / len(docs):.1f}")
    print(f"compile_s {compile_s:.3f}")
    print(f"matcher {compiled.running()}")
    print(f"match_mentions_per_s {len(docs) / best:.0f}")
    if len(timings) > 1:
        print(f"match_mentions_per_s_worst {len(docs) / max(timings):.0f}")
        print(f"match_mentions_per_s_quickest_slices {len(docs) / sum(slices):.0f}")
    print(f"mean_topics_matched_per_mention {sum(map(len, results)) / len(docs):.2f}")
    print(f"mentions_with_a_match {sum(1 for r in results if r) / len(docs):.3f}")


if __name__ == "__main__":
    main()
