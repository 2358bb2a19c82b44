"""Terms for trend detection: content words, hashtags and word pairs, and bursts against a baseline.

Dutch and English stop words are dropped, as are links, handles, numbers and one- or two-letter words.
A term *bursts* when it occurs in more mentions now than its own baseline rate predicts for the current
volume: the score is a Poisson z-value ``(n − e) / √(e + 1)`` (the +1 keeps brand-new terms from
scoring infinitely on a single mention).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from luister.analysis.features import tokens

_DUTCH = """
aan al alle alles als alweer ben bij bijna daar dan dat de deze die dit doe doen door dus een eens en er ff
gaan gaat geen geweest had heb hebben heeft hem het hier hij hoe hun iemand iets ik in is ja je jij jou jouw
jullie kan kon kun kunnen maar me meer men met mij mijn moet na naar niet niets nog nu of om omdat ons onze
ook op over te tegen toch toen tot u uit van veel voor want was wat we wel werd wie wij wil word worden wordt
zal ze zelf zich zij zijn zo zonder zou m'n z'n da's 't mekaar ge gij da weer even
af altijd andere haar onder reeds uw waren zei nooit echt gewoon heel erg nou eigenlijk blijkbaar misschien
elke elk ieder iedere volgend volgende vorig vorige laatste eerste steeds soms jaar jaren maand maanden week
weken dag dagen vandaag morgen gisteren vanavond vanochtend vanmiddag zo'n zulke per tussen rond sinds
tijdens na vanaf binnen buiten behalve
"""
_ENGLISH = """
about after again all also am an and any are as at be been before being but by can could did do does doing
don't for from get got had has have he her here him his how i i'm if in into is it it's its just me more most
my no not now of on only or other our out over same she should so some still such than that the their them
then there these they this those through to too under until up very was we were what when where which while
who why will with would you your you're via amp rt didn't doesn't isn't wasn't can't won't we'll i'll i've
you'll they're we're that's there's let's
every each next last first already always never ever really apparently actually maybe much many few one two
anyone someone something anything year years month months week weeks day days today tomorrow yesterday
tonight around between across without within because since though although another
"""
STOPWORDS = frozenset((_DUTCH + _ENGLISH).split())
MIN_LENGTH = 3
MIN_SCORE = 3.0  # about three standard deviations above the baseline


def mention_terms(text: str) -> set[str]:
    """The distinct terms of one mention: content words, #hashtags and adjacent content-word pairs."""
    words = tokens(text)
    content = [_is_content(t) for t in words]
    found = {t for t, keep in zip(words, content, strict=True) if keep}
    for at in range(len(words) - 1):  # neighbours in the text itself: "call back", never across a stop word
        a, b = words[at], words[at + 1]
        if content[at] and content[at + 1] and a[0] != "#" and b[0] != "#":
            found.add(f"{a} {b}")
    return found


def _is_content(token: str) -> bool:
    if token[0] == "\x00" or not (token[0].isalpha() or token[0] == "#"):
        return False
    return len(token.lstrip("#")) >= MIN_LENGTH and token not in STOPWORDS


def document_frequencies(texts: Iterable[str]) -> tuple[Counter[str], int]:
    """How many texts contain each term, and how many texts there were."""
    counts: Counter[str] = Counter()
    total = 0
    for text in texts:
        counts.update(mention_terms(text))
        total += 1
    return counts, total


@dataclass(frozen=True, slots=True)
class Burst:
    term: str
    mentions: int  # texts containing the term in the current window
    expected: float  # from the term's baseline rate and the current volume
    score: float


def find_bursts(
    current: Counter[str],
    current_total: int,
    baseline: Counter[str],
    baseline_total: int,
    *,
    min_mentions: int = 3,
    limit: int = 20,
) -> list[Burst]:
    """Terms that occur clearly more often now than before, strongest first."""
    found = []
    for term, n in current.items():
        if n < min_mentions:
            continue
        rate = baseline.get(term, 0) / baseline_total if baseline_total else 0.0
        expected = rate * current_total
        score = (n - expected) / math.sqrt(expected + 1)
        if n <= 1.5 * expected or score < MIN_SCORE:
            continue
        found.append(Burst(term, n, round(expected, 2), round(score, 2)))
    found.sort(key=lambda b: (-b.score, b.term))
    return _without_covered(found)[:limit]


def _without_covered(bursts: list[Burst]) -> list[Burst]:
    """Drop a single word when a pair containing it bursts almost as often (``voltaro storing`` covers
    ``storing`` seen in about the same mentions)."""
    pairs = [b for b in bursts if " " in b.term]
    kept = []
    for burst in bursts:
        if " " not in burst.term and any(
            burst.term in pair.term.split() and pair.mentions >= 0.8 * burst.mentions for pair in pairs
        ):
            continue
        kept.append(burst)
    return kept
