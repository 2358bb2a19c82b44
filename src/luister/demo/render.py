"""How ``demo_data`` turns planned mentions into raw records: threads, authors, words, platform ids.

Internal to ``demo_data`` and pure like it: no I/O, no clock, randomness only from the ``random.Random``
it is given.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import re
import time
import unicodedata
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

from luister.demo import texts as tx

HOUR: Final = 3600
DAY: Final = 86_400
MICRO: Final = ("mastodon", "bluesky")
THREADED: Final = {"reddit": 0.72, "hackernews": 0.75, "discourse": 0.68}  # share of posts that are replies
_LONG_FORM: Final = ("reddit", "hackernews", "discourse", "review")
_B32: Final = "abcdefghijklmnopqrstuvwxyz234567"
_S32: Final = "234567abcdefghijklmnopqrstuvwxyz"  # AT Protocol TID alphabet
_S32_PAIRS: Final = [a + b for a in _S32 for b in _S32]
_B36: Final = "0123456789abcdefghijklmnopqrstuvwxyz"
_SLOT: Final = re.compile(r"\{(\w+)\}")
_PARTS: dict[str, list[str]] = {}  # templates split at their slots, filled on first use
_NAMES: Final = {form for name in (tx.BRAND, *tx.RIVALS, "Zonnedeal") for form in (name, name.lower())}
_T = TypeVar("_T")


def pick(rng: random.Random, items: Sequence[_T]) -> _T:
    """``rng.choice``, a few times faster (one float per draw)."""
    return items[int(rng.random() * len(items))]


def rand_int(rng: random.Random, low: int, high: int) -> int:
    """``rng.randint(low, high)``, a few times faster."""
    return low + int(rng.random() * (high - low + 1))


class Weighted:
    """A weighted choice among strings, drawn with one random number."""

    __slots__ = ("cum", "items")

    def __init__(self, weights: tx.Weights) -> None:
        self.items = tuple(weights)
        self.cum = list(itertools.accumulate(weights.values()))

    def pick(self, rng: random.Random) -> str:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


_RIVALS: Final = {key: Weighted(w) for key, w in tx.RIVAL_MIX.items()}
_SITES: Final = {  # news sites per country, with cumulative weights (big sites publish more)
    country: (sites, list(itertools.accumulate(site[2] ** 0.3 for site in sites)))
    for country in tx.CITIES
    for sites in [[site for site in tx.OUTLETS if site[3] == country]]
}


@dataclass(frozen=True, slots=True)
class Author:
    """Who posts: the same person keeps handle, name and followers across posts."""

    handle: str
    name: str
    followers: int
    first: str
    user: str
    home: str  # mastodon instance, bluesky DID, or news site


@dataclass(slots=True, eq=False)
class Draft:
    """A mention as planned (``demo_data``), then written (``Renderer``)."""

    seq: int
    ts: int
    stream: str  # base, multi, outage, campaign, price, webcare, followup, status
    brand: str  # "" for talk about several suppliers
    intent: str
    lang: str
    country: str
    channel: str
    wants_reply: bool = False
    parent: Draft | None = None
    root: Draft | None = None
    author: Author | None = None
    external_id: str = ""
    url: str = ""
    title: str | None = None
    text: str = ""
    children: int = 0
    place: str = ""  # subreddit, forum or news site
    slug: str = ""
    ref: str = ""  # reddit base-36 id or discourse topic id
    posts: int = 1
    members: list[Draft] = field(default_factory=list)


class Renderer:
    """Turns drafts, in time order, into records: threads, authors, words, ids."""

    def __init__(self, rng: random.Random, count: int) -> None:
        self.rng = rng
        self.pool_size = max(6, count // 80)
        self.pools: dict[tuple[str, str, bool], list[Author]] = {}
        self.taken: set[tuple[str, str]] = set()
        self.ids: set[tuple[str, str]] = set()
        self.roots: dict[tuple[str, str, str, str], deque[Draft]] = {}
        self.last_status: dict[tuple[str, str], Draft] = {}
        self.recent: dict[tuple[str, str, bool], deque[tuple[str | None, str]]] = {}
        self.staff: dict[str, list[Author]] = {}
        self.dates: dict[int, str] = {}
        self.hn_last, self.topic_next = 0, 14_000 + rng.randrange(3_000)
        self.accounts = {}
        for key, (user, home, name, followers) in tx.ACCOUNTS.items():
            on_mastodon = key.startswith("mastodon")
            handle, where = (f"{user}@{home}", home) if on_mastodon else (home, self._did())
            self.accounts[key] = Author(handle, name, followers, "", user, where)

    def render(self, d: Draft) -> None:
        self._thread(d)
        d.author = self._author(d)
        if not d.text:
            d.title, d.text = _Text(self.rng, d).compose()
            self._echo(d)
        self._identify(d)

    def _thread(self, d: Draft) -> None:
        """Reddit, HN and forum posts join a recent thread on the same subject; outage posts answer status."""
        rng = self.rng
        if d.stream == "status":
            self.last_status[(d.channel, d.lang)] = d
        elif d.stream == "outage" and d.channel in MICRO and d.intent not in ("news", "crisis", "hostile"):
            status = self.last_status.get((d.channel, d.lang))
            if status is not None and d.ts - status.ts < 12 * HOUR and rng.random() < 0.3:
                d.parent = status
        elif d.channel in THREADED:
            key = (d.channel, d.stream, d.brand, d.lang)
            roots = self.roots.get(key) or self.roots.setdefault(key, deque())
            while roots and roots[0].ts < d.ts - 72 * HOUR:
                roots.popleft()
            usable = [r for r in itertools.islice(reversed(roots), 6) if r.ts < d.ts - 60]
            if d.wants_reply and usable:
                root = usable[int(len(usable) * rng.random() ** 1.5)]
                d.parent = root if rng.random() < 0.55 or not root.members else pick(rng, root.members)
                root.members.append(d)
            else:
                d.wants_reply = False
                roots.append(d)
        if d.parent is not None:
            d.root = d.parent.root or d.parent
            d.parent.children += 1

    def _author(self, d: Draft) -> Author:
        rng = self.rng
        if d.stream in ("status", "webcare"):
            return self.accounts[f"{d.channel}.{d.lang}"]
        if d.stream == "followup" and d.parent and d.parent.parent and d.parent.parent.author:
            return d.parent.parent.author
        if d.channel == "rss":
            sites, weights = _SITES[d.country]
            domain, name, audience, *_ = rng.choices(sites, cum_weights=weights)[0]
            d.place = domain
            staff = self.staff.setdefault(domain, [])
            if len(staff) < 3:
                first, last = pick(rng, tx.FIRST_NAMES[d.country]), pick(rng, tx.LAST_NAMES[d.country])
                byline = f"{first} {last}" if staff else f"Redactie {name}" if d.lang == "nl" else name
                staff.append(Author(domain, byline, audience, first, domain.removeprefix("www."), domain))
            return pick(rng, staff)
        press = d.intent == "news" and d.channel in MICRO and rng.random() < 0.3
        key = (d.channel, d.country, press)
        pool = self.pools.get(key) or self.pools.setdefault(key, [])
        index = int((6 if press else self.pool_size) * rng.random() ** 1.5)
        while len(pool) <= index:
            pool.append(self._new_author(d.channel, d.country, press))
        return pool[index]

    def _new_author(self, channel: str, country: str, press: bool) -> Author:
        rng = self.rng
        first, last = pick(rng, tx.FIRST_NAMES[country]), pick(rng, tx.LAST_NAMES[country])
        given, family = _ascii(first).replace("-", ""), _ascii(last).replace(" ", "")
        nickname = pick(rng, tx.NICKNAMES[tx.LANGUAGE[country]])
        user = pick(
            rng,
            (
                f"{given}{family[0]}",
                f"{given}_{family}",
                f"{given}{rand_int(rng, 70, 99)}",
                f"{nickname}{rand_int(rng, 1, 999)}",
                f"{given}{family}",
            ),
        )
        while (channel, user) in self.taken:
            user += str(rand_int(rng, 0, 9))
        self.taken.add((channel, user))
        if channel == "review":
            followers = int(rng.lognormvariate(math.log(6), 1.0))
        elif press or rng.random() < 0.012:
            followers = int(10_000 * 25 ** rng.random())  # journalists and influencers: 10k-250k
        else:
            followers = max(3, min(9_999, int(rng.lognormvariate(math.log(180), 0.9))))
        name = pick(rng, (f"{first} {last}", f"{first} {last}", first, user))
        if channel == "mastodon":
            home = pick(rng, tx.INSTANCES[country])
            return Author(f"{user}@{home}", name, followers, first, user, home)
        if channel == "bluesky":
            own_domain = rng.random() < 0.08
            handle = (
                f"{user.replace('_', '-')}{tx.TLD[country]}"
                if own_domain
                else f"{user.replace('_', '-')}.bsky.social"
            )
            return Author(handle, name, followers, first, user, self._did())
        if channel == "review":
            return Author(user, f"{first} {last[0]}.", followers, first, user, "")
        return Author(user, name if channel == "discourse" else user, followers, first, user, "")

    def _did(self) -> str:
        return "did:plc:" + "".join(self.rng.choices(_B32, k=24))

    def _echo(self, d: Draft) -> None:
        """~3 % copy a recent text: reposts, 'this', copy-pasted news with another URL."""
        if d.stream not in ("base", "multi", *tx.EVENTS) or d.channel == "review" or d.intent == "hostile":
            return
        key = (d.stream, d.lang, d.channel == "rss")
        recent = self.recent.get(key)
        if recent is None:
            recent = self.recent[key] = deque(maxlen=40)
        rng = self.rng
        if recent and rng.random() < 0.03:
            title, text = pick(rng, recent)
            if d.channel == "rss":
                d.title, d.text = title, text
            elif d.wants_reply or d.channel in MICRO:
                echo = pick(rng, tx.ECHO[d.lang][: None if d.channel in MICRO else -1])  # RT: micro only
                d.text = echo + text + (" 🔁" if rng.random() < 0.2 else "")
        else:
            recent.append((d.title, d.text))

    def _identify(self, d: Draft) -> None:
        """Platform-shaped ids and URLs, unique per channel."""
        rng, author = self.rng, d.author
        assert author is not None
        while True:
            if d.channel == "mastodon":
                d.external_id = str(((d.ts * 1000 + rand_int(rng, 0, 999)) << 16) + rand_int(rng, 0, 65_535))
                d.url = f"https://{author.home}/@{author.user}/{d.external_id}"
            elif d.channel == "bluesky":
                rkey = _tid(d.ts * 1_000_000 + rand_int(rng, 0, 999_999), rand_int(rng, 0, 1023))
                d.external_id = f"at://{author.home}/app.bsky.feed.post/{rkey}"
                d.url = f"https://bsky.app/profile/{author.handle}/post/{rkey}"
            elif d.channel == "reddit":
                self._reddit(d, d.root)
            elif d.channel == "hackernews":
                guess = 41_000_000 + max(0, d.ts - 1_720_000_000) * 3 // 20
                self.hn_last = max(self.hn_last + 1 + rand_int(rng, 0, 3), guess + rand_int(rng, 0, 39))
                d.external_id = str(self.hn_last)
                d.url = f"https://news.ycombinator.com/item?id={d.external_id}"
            elif d.channel == "discourse":
                self._discourse(d, d.root)
            elif d.channel == "review":
                d.external_id = f"{rng.getrandbits(96):024x}"
                site, domain = tx.REVIEW_SITES[d.country], d.brand.lower() + tx.TLD[d.country]
                d.url = f"https://{site}/review/{domain}/{d.external_id}"
            else:
                self._article(d)
            if (d.channel, d.external_id) not in self.ids:
                self.ids.add((d.channel, d.external_id))
                return

    def _reddit(self, d: Draft, root: Draft | None) -> None:
        rng = self.rng
        short = pick(rng, "lmn" if root else "1") + "".join(rng.choices(_B36, k=6))
        if root is None:
            d.place, d.slug, d.ref = pick(rng, tx.SUBREDDITS[d.country]), _slug(d.title or d.text), short
            d.external_id = f"t3_{short}"
            d.url = f"https://www.reddit.com/r/{d.place}/comments/{short}/{d.slug}/"
        else:
            d.external_id = f"t1_{short}"
            d.url = f"https://www.reddit.com/r/{root.place}/comments/{root.ref}/{root.slug}/{short}/"

    def _discourse(self, d: Draft, root: Draft | None) -> None:
        if root is None:
            self.topic_next += self.rng.randint(1, 12)
            d.place = {"nl": "forum.energiepraat.nl", "en": "discuss.solarshed.org"}[d.lang]
            if d.brand == tx.BRAND and d.lang == "nl":
                d.place = "forum.voltaro-community.nl"
            d.ref, d.slug = str(self.topic_next), _slug(d.title or d.text)
            d.external_id, d.url = f"{d.ref}/1", f"https://{d.place}/t/{d.slug}/{d.ref}"
        else:
            root.posts += 1
            d.external_id = f"{root.ref}/{root.posts}"
            d.url = f"https://{root.place}/t/{root.slug}/{root.ref}/{root.posts}"

    def _article(self, d: Draft) -> None:
        site = next(site for site in tx.OUTLETS if site[0] == d.place)
        day, number = time.strftime("%Y/%m/%d", time.gmtime(d.ts)), rand_int(self.rng, 100_000, 999_999)
        d.url = f"https://{d.place}/{site[5]}/{day}/{_slug(d.title or d.text)}-{number}"
        d.external_id = f"tag:{d.place},{day[:4]}:{number}" if site[4] == "tag" else d.url

    def _iso(self, ts: int) -> str:
        day, second = divmod(ts, DAY)
        date = self.dates.get(day)
        if date is None:
            date = self.dates[day] = time.strftime("%Y-%m-%d", time.gmtime(ts))
        return f"{date}T{second // HOUR:02d}:{second // 60 % 60:02d}:{second % 60:02d}Z"

    def record(self, d: Draft) -> dict[str, Any]:
        """The raw record; engagement grows with followers, heavy-tailed, and counts the replies we made."""
        rng, author = self.rng, d.author
        assert author is not None
        scale = {"outage": 2.5, "webcare": 0.3, "followup": 0.2, "status": 3.0}.get(d.stream, 1.0)
        scale *= {"crisis": 4.0, "news": 1.5}.get(d.intent, 1.0)
        likes = int(author.followers**0.55 * 0.12 * scale * math.exp(rng.gauss(0, 1.0)))
        shares = int(likes * (0.05 + 0.4 * rng.random())) + (rng.random() < 0.1)
        replies = d.children + int(likes * (0.02 + 0.23 * rng.random()))
        if d.channel in ("hackernews", "review", "discourse") or (d.channel == "reddit" and d.root):
            shares = 0
        if d.channel == "review":
            likes, replies = min(likes, 40), d.children
        elif d.channel == "hackernews" and d.root is not None:
            likes, replies = 0, d.children
        return {
            "channel": d.channel,
            "external_id": d.external_id,
            "url": d.url,
            "author_handle": author.handle,
            "author_name": author.name,
            "author_followers": author.followers,
            "title": d.title,
            "text": d.text,
            "language": d.lang,
            "country": d.country,
            "published_at": self._iso(d.ts),
            "parent_id": d.parent.external_id if d.parent else None,
            "thread_id": d.root.external_id if d.root else None,
            "like_count": likes,
            "share_count": shares,
            "reply_count": replies,
        }


class _Text:
    """Composes the title and text of one draft from the template tables."""

    def __init__(self, rng: random.Random, d: Draft) -> None:
        self.rng, self.d = rng, d
        self.micro = d.channel in MICRO
        self._rival = self._city = ""
        self.named = False
        self.first = d.parent.author.first if d.parent and d.parent.author else ""

    def fill(self, template: str) -> str:
        parts = _PARTS.get(template)
        if parts is None:  # literal, slot, literal, slot, ..., literal
            parts = _PARTS[template] = _SLOT.split(template)
        if len(parts) == 1:
            return template
        out = [parts[0]]
        for i in range(1, len(parts), 2):
            filler = _FILLERS.get(parts[i])
            out.append(filler(self) if filler else pick(self.rng, tx.WORDS[f"{parts[i]}.{self.d.lang}"]))
            out.append(parts[i + 1])
        return "".join(out)

    def compose(self) -> tuple[str | None, str]:
        d, rng = self.d, self.rng
        if d.stream == "webcare":
            return None, self._webcare()
        if d.stream == "followup":
            return None, self._at_brand() + self.fill(pick(rng, tx.FOLLOWUPS[d.lang]))
        if d.channel == "rss":
            kind = "blog" if d.stream == "base" and rng.random() < 0.3 else d.stream
            headline = self.fill(pick(rng, tx.HEADLINES[f"{kind}.{d.lang}"]))
            first, second = rng.sample(tx.NEWS_TAILS[f"{kind}.{d.lang}"], 2)
            sentence = headline if headline[-1] in "?!" else headline + "."
            return headline, self.fill(
                f"{pick(rng, tx.CITIES[d.country]).upper()} - {sentence} {first} {second}"
            )
        title = None
        if d.root is None and d.channel in ("reddit", "discourse"):
            title = self.fill(pick(rng, tx.THREAD_TITLES[f"{d.stream}.{d.lang}"]))
        elif d.root is None and d.channel == "hackernews":
            title = self.fill(pick(rng, tx.HN_TITLES[d.stream]))
        elif d.channel == "review":
            titles = tx.REVIEW_TITLES.get(f"{d.stream}.{d.intent}.{d.lang}", ())
            title = pick(rng, titles or tx.REVIEW_TITLES[f"{d.intent}.{d.lang}"])
        template = self._template()
        text = self.fill(template)
        if template.startswith(("{dur}", "{day}")):
            text = text[0].upper() + text[1:]
        if title and d.channel == "hackernews" and not title.startswith("Ask HN"):
            return title, f"{title} {self.outlet(True)}"  # a link submission
        text = self._decorate(text)
        if (
            d.parent is not None
            and d.parent.stream == "status"
            and not text.lstrip("@#").lower().startswith(tx.BRAND.lower())
        ):
            text = self._at_brand() + text
        return title, text

    def _template(self) -> str:
        d, rng = self.d, self.rng
        if d.intent == "hostile":
            return pick(rng, tx.HOSTILE_TEMPLATES[d.lang])
        if d.country == "BE" and rng.random() < 0.35:
            flemish = "outage" if d.stream == "outage" and d.intent in ("complaint", "humor") else d.intent
            if d.stream in ("base", "outage") and flemish in tx.FLEMISH:
                return pick(rng, tx.FLEMISH[flemish])
        return pick(rng, tx.TEMPLATES[f"{d.stream}.{d.intent}.{d.lang}"])

    def _decorate(self, text: str) -> str:
        """Openers, context, closers, emoji, hashtags and typos: few texts come out the same."""
        d, rng, micro, long_form = self.d, self.rng, self.micro, self.d.channel in _LONG_FORM
        mood = tx.MOOD.get(d.intent)
        if d.country == "BE" and text[-1] not in "?!" and rng.random() < 0.08:
            text += pick(rng, (" hé", ", allez", " zeg"))
        if rng.random() < (0.15 if micro else 0.06):
            prefix, word = pick(rng, tx.PREFIXES[d.country]), text.split(" ", 1)[0]
            lower = prefix[-2] in ",:" and word[1:2].islower() and word not in tx.BRAND_FORMS and word != "I"
            text = prefix + (text[0].lower() + text[1:] if lower else text)
        if d.intent not in ("news", "hostile") and rng.random() < (0.7 if long_form else 0.15):
            pool = tx.CONTEXT[d.lang] + (tx.CONTEXT[f"vent.{d.lang}"] if mood == "vent" else ())
            context = self.fill(pick(rng, pool))
            before = rng.random() < 0.4 or text.rsplit(" ", 1)[-1].startswith("http")
            text = f"{context} {text}" if before else f"{_stop(text)} {context}"
        if d.channel in THREADED and rng.random() < 0.1:
            text = f"{_stop(text)} {self.fill(pick(rng, tx.CONTEXT[f'thread.{d.lang}']))}"
        if mood and rng.random() < (0.45 if long_form else 0.1):
            closer = pick(rng, tx.CLOSERS[f"{mood}.{d.lang}"])
            text = text if closer in text else f"{_stop(text)} {closer}"
        emoji = tx.EMOJI.get(d.intent)
        if emoji and d.channel != "hackernews" and rng.random() < (0.45 if micro else 0.08):
            text += " " + "".join(rng.sample(emoji, min(len(emoji), pick(rng, (1, 1, 2)))))
        if micro and rng.random() < 0.25:
            tags = tx.HASHTAGS.get(f"{d.stream}.{d.lang}") if rng.random() < 0.6 else None
            text += " " + pick(rng, tags or tx.HASHTAGS[d.lang])
        if rng.random() < (0.15 if micro else 0.08):
            text = _typo(rng, text, d.lang)
        return text

    def _webcare(self) -> str:
        d, rng, parent = self.d, self.rng, self.d.parent
        assert parent is not None and parent.author is not None
        mention = parent.author.handle if d.channel == "bluesky" else parent.author.user
        body = pick(rng, tx.WEBCARE_OPENERS[d.lang]) + pick(rng, tx.WEBCARE[f"{d.intent}.{d.lang}"])
        return f"@{mention} " + self.fill(body + pick(rng, tx.WEBCARE_CLOSERS[d.lang]))

    def _at_brand(self) -> str:
        user, handle, *_ = tx.ACCOUNTS[f"{self.d.channel}.{self.d.lang}"]
        return f"@{user if self.d.channel == 'mastodon' else handle} "

    @property
    def rival(self) -> str:
        """Another supplier, the same one throughout a text."""
        if not self._rival:
            d = self.d
            known = d.brand in tx.BRAND_FORMS
            self._rival = (
                _RIVALS[f"{d.brand}.{d.lang}"].pick(self.rng) if known else pick(self.rng, tx.RIVALS)
            )
        return self._rival

    def brand(self) -> str:
        """The brand the first time as people write it on social media (@voltaro), then its name."""
        d, rng = self.d, self.rng
        if self.named or not self.micro or d.brand not in tx.BRAND_FORMS:
            return d.brand or self.rival
        self.named = True
        form = pick(rng, tx.BRAND_FORMS[d.brand])
        return "@voltaro_uk" if form == "@voltaro" and d.country == "GB" and rng.random() < 0.5 else form

    def money(self, low: int, high: int) -> str:
        rng = self.rng
        value, cents, with_cents = rand_int(rng, low, high), rand_int(rng, 0, 99), rng.random() < 0.3
        if self.d.lang == "nl":
            whole = f"{value:,}".replace(",", ".")
            return f"€{whole},{cents:02d}" if with_cents else f"€{whole}"
        sign = "£" if self.d.country == "GB" else "$"
        return f"{sign}{value:,}.{cents:02d}" if with_cents else f"{sign}{value:,}"

    def duration(self) -> str:
        rng = self.rng
        minutes, hours = rand_int(rng, 25, 95), rand_int(rng, 2, 3)
        if self.d.lang == "nl":
            options = (f"{minutes} minuten", f"{hours} uur", "anderhalf uur", "ruim een uur", "drie kwartier")
        else:
            options = (
                f"{minutes} minutes",
                f"{hours} hours",
                "an hour and a half",
                "over an hour",
                "45 mins",
            )
        return pick(rng, options)

    def clock(self) -> str:
        hour, minute = rand_int(self.rng, 12, 17), rand_int(self.rng, 0, 59)
        return f"{hour}:{minute:02d}" if self.d.lang == "nl" else f"{hour - 12 or 12}:{minute:02d}pm"

    def outlet(self, link: bool) -> str:
        domain, name, _, _, _, section = pick(self.rng, _SITES[self.d.country][0])
        return f"https://{domain}/{section}/{rand_int(self.rng, 10**6, 10**7 - 1)}" if link else name

    def city(self) -> str:
        """A city in the author's country, the same one throughout a text."""
        if not self._city:
            self._city = pick(self.rng, tx.CITIES[self.d.country])
        return self._city

    def usage(self) -> str:
        value = rand_int(self.rng, 18, 52) * 100
        return f"{value:,} kWh".replace(",", ".") if self.d.lang == "nl" else f"{value:,} kWh"


_FILLERS: Final[dict[str, Callable[[_Text], str]]] = {
    "b": _Text.brand,
    "B": lambda t: t.d.brand or t.rival,
    "c": lambda t: t.rival,
    "camp": lambda t: pick(t.rng, ("#Zonnedeal", "#Zonnedeal", "#zonnedeal", "Zonnedeal")),
    "amt": lambda t: t.money(45, 175),
    "amt_hi": lambda t: t.money(180, 420),
    "amt_big": lambda t: t.money(250, 1_900),
    "quote": lambda t: t.money(2_800, 9_500),
    "n": lambda t: str(rand_int(t.rng, 2, 14)),
    "pct": lambda t: str(rand_int(t.rng, 4, 28)),
    "kwh": _Text.usage,
    "dur": _Text.duration,
    "time": _Text.clock,
    "city": _Text.city,
    "ticket": lambda t: str(rand_int(t.rng, 1_000_000, 9_999_999)),
    "url": lambda t: t.outlet(True),
    "site": lambda t: t.outlet(False),
    "first": lambda t: t.first or pick(t.rng, tx.FIRST_NAMES[t.d.country]),
    "x": lambda t: pick(t.rng, tx.HOSTILE_SNIPPETS),
}


def _stop(text: str) -> str:
    """End a sentence, so another can follow."""
    return text if text[-1:] in ".!?)" else text + "."


def _typo(rng: random.Random, text: str, lang: str) -> str:
    roll = rng.random()
    if roll < 0.25:
        return text.lower()
    if roll < 0.4:
        return text.rstrip(".!?") + pick(rng, ("", "!!", "??", "..."))
    if roll < 0.7:
        for old, new in rng.sample(tx.SLANG[lang], len(tx.SLANG[lang])):
            if old in text:
                return text.replace(old, new, 1)
    words = text.split(" ")
    long_words = [
        i for i, word in enumerate(words) if len(word) > 5 and word.isalpha() and word not in _NAMES
    ]
    if long_words:  # swap two letters, never in the names the topics look for
        i = pick(rng, long_words)
        word, j = words[i], rand_int(rng, 1, len(words[i]) - 3)
        words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)


def _tid(microseconds: int, clock_id: int) -> str:
    """An AT Protocol record key (TID): 53 bits of microseconds and 10 of clock id, base32-sortable."""
    value = (microseconds << 10) | clock_id
    pairs = [_S32_PAIRS[value >> shift & 1023] for shift in (50, 40, 30, 20, 10, 0)]
    return _S32[value >> 60] + "".join(pairs)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _ascii(text)).strip("-")[:60].rstrip("-") or "post"
