"""The centre of excellence's knowledge base, its pure rules: what an article is (kind, language, slug,
tags), what a link to an alert, a conversation or a project is, and how text becomes search words.

Search words: runs of letters and digits, lower case, without the language's stop words, stemmed with
the Snowball stemmer of the language (``snowballstemmer``, pure Python). PostgreSQL stems with its own
Snowball configurations ('dutch', 'english') instead; SQLite has none, so the knowledge base keeps an FTS5
table of the stems made here (see :mod:`luister.organisation.knowledge_read`)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from functools import cache

import snowballstemmer  # type: ignore[import-untyped]

from luister.domain.said import Said


class ArticleKind(StrEnum):
    playbook = "playbook"
    holding_statement = "holding_statement"
    lesson_learned = "lesson_learned"
    project_evaluation = "project_evaluation"
    policy_faq = "policy_faq"


class Language(StrEnum):
    nl = "nl"
    en = "en"


class TargetKind(StrEnum):
    """What an article can be linked to. ``process`` waits for the policy's processes; until then a
    conversation finds its articles by intent, department and tag."""

    alert_rule = "alert_rule"  # an alert rule's id
    alert_kind = "alert_kind"  # every rule of a kind: volume_spike, intent, sla_breach, …
    intent = "intent"  # a conversation's intent: complaint, question, churn, …
    department = "department"  # a conversation's department: billing, outage, …
    tag = "tag"  # a conversation's tag
    project = "project"  # a project's id
    project_kind = "project_kind"  # every project of a kind: campaign, community, webcare_pilot
    process = "process"  # a process of the policy (by key)


STEMMERS = {Language.nl: "dutch", Language.en: "english"}
POSTGRES_CONFIGS = {Language.nl: "dutch", Language.en: "english"}
MAX_TITLE = 200
MAX_BODY = 50_000
MAX_TAGS = 20
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_TAG = re.compile(r"^[^\W_][\w-]{0,39}$")
_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$")
_WORD = re.compile(r"[^\W_]+")

# The most common function words of each language (a short list: the Snowball lists are longer, but
# these are the words that would otherwise decide a ranking: "wat", "how", "the" …)
STOP_WORDS: dict[Language, frozenset[str]] = {
    Language.nl: frozenset(
        "de het een en of maar dat die dit deze wat wie waar wanneer hoe waarom welk welke is zijn was waren "
        "ben bent wordt worden werd word zal zullen zou moet moeten kan kunnen mag mogen wil willen doe doen "
        "we wij jij je u jullie ze zij hij zij ik mij me mijn ons onze hun hem haar er hier daar dan als "
        "bij in op aan van voor met naar om over uit tot door te toe niet geen ook nog al wel zo na "
        "iets iemand heb hebt heeft hebben had gaan gaat".split()
    ),
    Language.en: frozenset(
        "a an the and or but that this these those what who whom where when how why which is are was were "
        "be been being do does did doing will would shall should can could may might must i me my we us our "
        "you your he him his she her it its they them their there here then than if at in on to of for with "
        "from by about into as not no so too very just any some all get got have has had".split()
    ),
}


class ArticleProblem(Said, ValueError):
    """Input that cannot be saved; ``field`` names what is wrong (in English and Dutch)."""


@dataclass(frozen=True, slots=True)
class ArticleText:
    """An article's checked text: what one version holds."""

    title: str
    body: str
    tags: tuple[str, ...]


def check_kind(value: str) -> ArticleKind:
    try:
        return ArticleKind(value)
    except ValueError:
        kinds = ", ".join(k.value for k in ArticleKind)
        raise ArticleProblem(
            "kind",
            f"kind: one of {kinds}; got {value[:40]!r}",
            f"soort: een van {kinds}; niet {value[:40]!r}",
        ) from None


def check_language(value: str) -> Language:
    try:
        return Language(value)
    except ValueError:
        raise ArticleProblem(
            "language", f"language: nl or en; got {value[:10]!r}", f"taal: nl of en; niet {value[:10]!r}"
        ) from None


def check_slug(value: str) -> str:
    slug = value.strip().lower()
    if not _SLUG.match(slug):
        raise ArticleProblem(
            "slug",
            "slug: 1 to 80 lower-case letters, digits and hyphens, e.g. outage-playbook",
            "slug: 1 tot 80 kleine letters, cijfers en streepjes, bijv. storing-draaiboek",
        )
    return slug


def slug_of(title: str) -> str:
    """A slug made from a title: "Storing: wat zeggen we?" → "storing-wat-zeggen-we"."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode().lower()
    return "-".join(re.findall(r"[a-z0-9]+", plain))[:80].strip("-") or "article"


def check_tags(values: Iterable[str]) -> tuple[str, ...]:
    tags: list[str] = []
    for value in values:
        tag = value.strip().lower().lstrip("#")
        if not _TAG.match(tag):
            raise ArticleProblem(
                "tags",
                f"tag {value[:40]!r}: letters, digits, - and _, up to 40",
                f"tag {value[:40]!r}: letters, cijfers, - en _, hoogstens 40",
            )
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ArticleProblem("tags", f"at most {MAX_TAGS} tags", f"hoogstens {MAX_TAGS} tags")
    return tuple(tags)


def check_text(*, title: str, body: str, tags: Iterable[str]) -> ArticleText:
    clean_title = " ".join(title.split())
    if not clean_title or len(clean_title) > MAX_TITLE:
        raise ArticleProblem(
            "title", f"title: 1 to {MAX_TITLE} characters", f"titel: 1 tot {MAX_TITLE} tekens"
        )
    clean_body = body.replace("\r\n", "\n").strip()
    if "\x00" in clean_body:
        raise ArticleProblem("body", "body: no NUL characters", "tekst: geen NUL-tekens")
    if not clean_body or len(clean_body) > MAX_BODY:
        raise ArticleProblem(
            "body",
            f"body: 1 to {MAX_BODY} characters of Markdown",
            f"tekst: 1 tot {MAX_BODY} tekens Markdown",
        )
    return ArticleText(clean_title, clean_body, check_tags(tags))


def check_target(kind: str, key: str) -> tuple[TargetKind, str]:
    try:
        target = TargetKind(kind)
    except ValueError:
        kinds = ", ".join(k.value for k in TargetKind)
        raise ArticleProblem(
            "target_kind",
            f"target_kind: one of {kinds}; got {kind[:40]!r}",
            f"soort koppeling: een van {kinds}; niet {kind[:40]!r}",
        ) from None
    clean = key.strip()
    if target in (TargetKind.alert_rule, TargetKind.project) and not (
        clean.isdigit() and 0 < int(clean) < 2**63
    ):
        raise ArticleProblem(
            "target_key",
            f"{target.value}: the id, a positive number; got {key[:40]!r}",
            f"{target.value}: het id, een positief getal; niet {key[:40]!r}",
        )
    if not _KEY.match(clean):
        raise ArticleProblem(
            "target_key",
            "target_key: 1 to 80 letters, digits, '_', '.', ':' or '-'",
            "sleutel: 1 tot 80 letters, cijfers, '_', '.', ':' of '-'",
        )
    if target in (TargetKind.intent, TargetKind.department, TargetKind.tag, TargetKind.alert_kind,
                  TargetKind.project_kind, TargetKind.process):  # fmt: skip
        clean = clean.lower()
    return target, clean


# --- search words ----------------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    """Runs of letters and digits, lower case (diacritics kept, as both databases keep them)."""
    return _WORD.findall(text.lower())


@cache
def _stemmer(language: Language) -> snowballstemmer.stemmer:
    return snowballstemmer.stemmer(STEMMERS[language])


def stems(text: str, language: Language) -> list[str]:
    """The text's words without the language's stop words, stemmed: "storingen bij betalingen" →
    ["stor", "betal"]."""
    kept = [w for w in words(text) if w not in STOP_WORDS[language]]
    return [str(s) for s in _stemmer(language).stemWords(kept)]


def query_words(text: str) -> list[str]:
    """A question's words for PostgreSQL (which stems them itself), without the stop words of both
    languages: a question may be in either; at most 32."""
    stop = STOP_WORDS[Language.nl] | STOP_WORDS[Language.en]
    seen: list[str] = []
    for w in words(text):
        if w not in stop and w not in seen:
            seen.append(w)
    return seen[:32]


def query_stems(text: str) -> list[str]:
    """A question's stems for SQLite: each word stemmed as Dutch and as English (a question may be in
    either language; the stems of the other language rarely match anything)."""
    found: list[str] = []
    for w in query_words(text):
        for language in Language:
            for stem in stems(w, language):
                if stem not in found:
                    found.append(stem)
    return found


def document_stems(text: ArticleText, language: Language) -> tuple[str, str, str]:
    """An article's title, tags and body as stems, for the SQLite search table."""
    return (
        " ".join(stems(text.title, language)),
        " ".join(stems(" ".join(t.replace("-", " ").replace("_", " ") for t in text.tags), language)),
        " ".join(stems(text.body, language)),
    )


# --- what a page links to --------------------------------------------------------------------------------

Target = tuple[TargetKind, str]


def alert_targets(*, rule_id: int | None, rule_kind: str, intent: str | None = None) -> list[Target]:
    """An alert's articles: those tied to its rule, then to every rule of its kind, then (a rule that
    watches an intent, e.g. crisis) to that intent."""
    mine = [(TargetKind.alert_rule, str(rule_id))] if rule_id is not None else []
    theirs = [(TargetKind.intent, intent.lower())] if intent else []
    return [*mine, (TargetKind.alert_kind, rule_kind.lower()), *theirs]


def conversation_targets(
    *, intent: str | None, department: str | None, tags: Iterable[str] = (), process: str | None = None
) -> list[Target]:
    """A conversation's articles: its process's (once processes exist), then by intent, department, tag."""
    found: list[Target] = []
    if process:
        found.append((TargetKind.process, process.lower()))
    if intent:
        found.append((TargetKind.intent, intent.lower()))
    if department:
        found.append((TargetKind.department, department.lower()))
    found += [(TargetKind.tag, t.lower()) for t in tags]
    return found


def project_targets(*, project_id: int, project_kind: str) -> list[Target]:
    return [(TargetKind.project, str(project_id)), (TargetKind.project_kind, project_kind.lower())]
