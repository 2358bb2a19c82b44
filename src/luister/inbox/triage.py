"""The default department of a mention that needs action, and its priority (pure).

Routing rules written by users come first; when none matches, :func:`suggest` decides as a company
would expect (``data/ROUTING_GUIDELINES.md``):

1. A mention about a **competitor** is not ours to answer, unless its author is shopping for another
   supplier (a lead or a churn threat there is a lead for us): then sales; otherwise no department.
2. **Press and research** questions (journalists, students, researchers) go to communications, whatever
   they ask about: the author decides who answers, not the subject.
3. **Physical safety** (fire, smoke, sparks, overheating, a shock, an injury) goes to customer service as
   urgent: someone has to make it safe now, even when a lawyer is mentioned too.
4. **Legal** (lawyers, lawsuits, regulators, privacy and data breaches) goes to legal.
5. **Product ideas** phrased as wishes ("would be nice if", "zou handig zijn als") go to product unless
   the mention is a complaint or churn threat (sarcastic wishes are complaints).
6. Otherwise the analyser's primary intent: lead → sales; complaint, churn, question → customer service;
   feedback → product; praise → marketing; crisis and other → customer service.

Cues are words and phrases matched on whole words in the folded text (lower case, no accents), so
*branding* is not *brand*; acronyms of regulators (ACM, AP, GBA, …) match in capitals only. Words whose
meaning depends on the language (Dutch *brand* is a fire, English *brand* a make) are listed under
their language and used only when the mention is not known to be in another one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from typing import Literal

from luister.domain.analysis import primary_intent
from luister.domain.mentions import fold
from luister.inbox.status import Priority

DEPARTMENTS = ("customer-service", "sales", "product", "marketing", "communications", "legal")
LARGE_REACH = 10_000  # followers from which a negative mention is high priority
RULE_SCORE = 1.0

# The cue words, one place. Keys: "any" (every language), then a language code for words that mean
# something else elsewhere. Entries are words or phrases; a trailing ``*`` allows any ending
# ("advoca*" is advocaat, advocaten); inner spaces match any run of spaces.
CUES: dict[str, dict[str, tuple[str, ...]]] = {
    "press": {  # the author asks as press or researcher
        "any": (
            "journalist*", "reporter", "verslaggever*", "redacteur*", "redactie", "editor at", "hoofdredact*",
            "persvraag", "persbericht", "press inquiry", "press enquiry", "press contact", "press release",
            "press office", "woordvoerder", "spokesperson", "interview*",
            "voor een artikel", "voor mijn artikel", "een reportage", "voor de krant", "een stuk voor",
            "een vergelijking van", "de uitzending", "lokale omroep", "for an article", "for my article",
            "writing an article", "writing a piece", "writing a feature", "a piece on", "a feature for",
            "for a story", "for our story", "for our next issue", "segment on", "documentary",
            "trade magazine", "comment on reports", "voor de podcast", "voor onze podcast", "our podcast",
            "my podcast", "host a * podcast",
            # students say who they are: "student discount" and "voor studenten" are leads, not research
            "ik ben * student*", "student* hier", "student here", "students here", "i'm a * student",
            "i am a * student", "als * student*", "wij zijn * student*", "we are * students", "student doing",
            "student journalist", "scholier*", "havisten", "scriptie", "thesis", "dissertation", "afstudeer*",
            "profielwerkstuk", "casestudy", "case study", "phd", "masters student", "onderzoeker*",
            "researcher*", "research project", "for my research", "voor mijn onderzoek", "voor een onderzoek",
            "voor onderzoek", "doen onderzoek", "doe onderzoek", "for uni",
        ),
    },
    "safety": {  # a physical hazard or an injury
        "any": (
            "vonk*", "oververhit*", "stroomschok", "elektrische schok", "geelektrocuteerd", "vlam*",
            "brandweer", "brandgevaar", "brandlucht", "brandplek", "schroeiplek*", "gesmolten", "smelt",
            "smeult", "smeulen", "knettert", "verbrand*", "gewond", "draden uit", "ontplof*",
            "spark*", "smoke", "smoking", "smoulder*", "overheat*", "electric shock", "shock from",
            "electrocut*", "caught fire", "fire brigade", "fire service", "fire started", "fire hazard",
            "flames", "burning smell", "smells like burning", "burning plastic", "burned my", "burnt my",
            "burned her", "burned his", "scorch*", "melted", "melting", "live wires", "exposed wires",
            "too hot to touch", "injur*",
        ),
        "nl": ("brand", "rook", "rookt", "rookontwikkeling", "schok", "schokken"),  # English: a make
        "en": ("fire in",),
    },
    "legal": {  # lawyers, courts, regulators, data protection
        "any": (
            "advoca*", "jurist*", "rechtszaak", "naar de rechter", "voor de rechter", "bij de rechter",
            "rechtbank", "dagvaard*", "ingebrekestelling", "sommatie", "aansprakelijk*", "juridisch*",
            "rechtsbijstand*", "geschillencommissie", "ombudsdienst", "ombudsman", "economische inspectie",
            "fod economie", "consumentenautoriteit", "autoriteit persoonsgegevens",
            "gegevensbeschermingsautoriteit", "gdpr", "datalek*", "gelekt", "inzageverzoek", "privacy",
            "lawyer*", "attorney*", "solicitor*", "to sue", "will sue", "gonna sue", "sue you", "sue them",
            "suing", "lawsuit", "legal action", "legal notice", "legal team", "class action", "in court",
            "to court", "claims court", "court case", "cease and desist", "data breach", "data leak",
            "privacy leak", "leaked", "subject access request", "regulator", "ofgem", "trading standards",
            "consumer authority", "not legal",
        ),
    },
    "product": {  # an idea or a wish for the product
        "any": (
            "zou * mooi zijn", "zou * fijn zijn", "zou * handig zijn", "zou * ideaal zijn", "zou * top zijn",
            "zou * graag zien", "idee voor", "klein idee", "suggestie", "voorstel",
            "feature request", "tip voor", "ik mis", "voeg alsjeblieft", "voeg aub", "kunnen jullie * maken",
            "would love a", "would be nice", "would be great", "it'd be great", "would make life easier",
            "would really like", "i'd really like", "idea for", "product idea", "suggestion", "wish",
            "please add", "pls add", "can you add", "could you add", "any chance of", "how about a",
            "killer feature", "should let", "should really add", "would it be possible",
            "only thing missing",
        ),
    },
    "lead": {  # a competitor's customer shopping for another supplier
        "any": (
            "aanbieder", "alternatie*", "andere leverancier", "nieuwe leverancier",
            "nieuwe energieleverancier", "andere * aanraden", "wie kan * aanraden", "iemand * aanraden",
            "iemand een andere", "tips", "goeie tip", "welke partij", "op zoek naar",
            "alternative*", "anyone recommend", "recommendations", "recommend a", "recommend an", "switch to",
            "switching from", "somewhere cheaper", "what should i switch", "who do you all use",
            "new * provider", "looking to switch", "looking for a",
        ),
    },
}  # fmt: skip
ACRONYMS: dict[str, tuple[str, ...]] = {  # capitals only: "AP" is the Dutch data protection authority
    "legal": ("ACM", "AP", "GBA", "FSMA", "ICO", "AVG", "CMA", "FCA"),
}


@dataclass(frozen=True, slots=True)
class TriageInput:
    text: str
    title: str | None
    language: str | None
    intents: tuple[str, ...]
    primary_intent: str | None
    sentiment: str | None  # negative / neutral / positive
    followers: int | None
    about: Literal["own", "competitor"]
    # the analyser's score per intent (the mention's intent_scores), when known: the suggestion's score
    intent_scores: tuple[tuple[str, float], ...] = ()


@dataclass(frozen=True, slots=True)
class Suggestion:
    department: str | None  # a key of DEPARTMENTS, or None: no department should answer
    priority: Priority
    because: str  # a short code the UI says in Dutch or English: "words:legal", "intent:complaint", …
    evidence: tuple[str, ...]  # the words or label that decided
    score: float  # 1.0 for a word rule, else the analyser's score for the deciding intent


INTENT_DEPARTMENT = {
    "lead": "sales",
    "complaint": "customer-service",
    "churn": "customer-service",
    "question": "customer-service",
    "feedback": "product",
    "praise": "marketing",
    "crisis": "customer-service",
    "other": "customer-service",
}
CUE_DEPARTMENT = {"press": "communications", "safety": "customer-service", "legal": "legal"}
# Every ``because`` code suggest() gives, for the edges to say in Dutch and English.
REASONS = (
    "words:press", "words:safety", "words:legal", "words:product",
    *(f"intent:{label}" for label in INTENT_DEPARTMENT),
    "competitor", "competitor:lead", "competitor:churn",
)  # fmt: skip
UNSCORED = 0.5  # an intent whose score the input does not carry: the analyser's usual threshold


def suggest(item: TriageInput) -> Suggestion:
    """The default department, priority and the reason for them (see the module docstring)."""
    text = " ".join(part for part in (item.title, item.text) if part)
    intents = _intents(item)
    primary = item.primary_intent or primary_intent(tuple(intents))
    scores = dict(item.intent_scores)
    if item.about == "competitor":
        return _competitor(text, item.language, intents, scores)
    for cue in ("press", "safety", "legal"):
        found = cue_words(cue, text, item.language)
        if found:
            department = CUE_DEPARTMENT[cue]
            return Suggestion(department, _priority(item, cue), f"words:{cue}", found, RULE_SCORE)
    if primary not in ("complaint", "churn") or item.sentiment != "negative":
        found = cue_words("product", text, item.language)
        if found:
            return Suggestion("product", _priority(item, None), "words:product", found, RULE_SCORE)
    if "praise" in intents and item.sentiment == "positive" and primary not in ("question", "lead"):
        # the analyser's complaint or churn in a positive text is mostly a negated problem word
        # ("not a single problem", "nooit een probleem"): the author praises
        score = scores.get("praise", UNSCORED)
        return Suggestion("marketing", Priority.low, "intent:praise", ("praise", "positive"), score)
    department = INTENT_DEPARTMENT.get(primary, "customer-service")
    score = scores.get(primary, UNSCORED)
    return Suggestion(department, _priority(item, None), f"intent:{primary}", (primary,), score)


def _intents(item: TriageInput) -> set[str]:
    return set(item.intents) | ({item.primary_intent} if item.primary_intent else set())


def _competitor(text: str, language: str | None, intents: set[str], scores: dict[str, float]) -> Suggestion:
    """A competitor's customer shopping around is our lead; anything else about them is not ours."""
    if not any(cue_words(cue, text, language) for cue in ("press", "safety", "legal")):
        shopping = cue_words("lead", text, language)
        if shopping:
            return Suggestion("sales", Priority.normal, "competitor:lead", shopping, RULE_SCORE)
        for intent in ("lead", "churn"):
            if intent in intents:
                score = scores.get(intent, UNSCORED)
                return Suggestion("sales", Priority.normal, f"competitor:{intent}", (intent,), score)
    return Suggestion(None, Priority.low, "competitor", (), RULE_SCORE)


def _priority(item: TriageInput, cue: str | None) -> Priority:
    """Safety and crises are urgent; legal, press, churn and a negative mention with a large reach are
    high; praise is low; the rest normal."""
    intents = _intents(item)
    if cue == "safety" or "crisis" in intents:
        return Priority.urgent
    negative = item.sentiment == "negative"
    if cue in ("legal", "press") or "churn" in intents or (negative and (item.followers or 0) >= LARGE_REACH):
        return Priority.high
    if item.primary_intent == "praise" or (intents == {"praise"}):
        return Priority.low
    return Priority.normal


def cue_words(cue: str, text: str, language: str | None) -> tuple[str, ...]:
    """The words of ``cue`` found in ``text`` as whole words, in order of appearance, each once."""
    text = text.replace("\u2019", "'")  # a typographic apostrophe: i’m is i'm
    folded = fold(text)
    found: list[str] = []
    for pattern, on_folded in _patterns(cue, _language_key(language)):
        for match in pattern.finditer(folded if on_folded else text):
            if match.group(0) not in found:
                found.append(match.group(0))
    return tuple(found)


def _language_key(language: str | None) -> str | None:
    """Language-specific words apply to their language, and to both when the language is unknown."""
    return language.split("-")[0].lower() if language else None


@cache
def _patterns(cue: str, language: str | None) -> tuple[tuple[re.Pattern[str], bool], ...]:
    """The cue's words as one pattern on the folded text, and its acronyms as one on the text as written."""
    lists = CUES[cue]
    words = list(lists.get("any", ()))
    for key, extra in lists.items():
        if key != "any" and (language is None or key == language):
            words.extend(extra)
    patterns = [(re.compile(r"\b(?:" + "|".join(_regex(fold(word)) for word in words) + r")\b"), True)]
    if cue in ACRONYMS:
        patterns.append((re.compile(r"\b(?:" + "|".join(ACRONYMS[cue]) + r")\b"), False))
    return tuple(patterns)


def _regex(word: str) -> str:
    """``word*``: any ending; ``*`` alone: up to six words; a space: any run of spaces."""
    regex = ""
    for token in word.split(" "):
        if token == "*":
            regex += r"(?:\w+\s+){0,6}?"
        elif token.endswith("*"):
            regex += re.escape(token[:-1]) + r"\w*\s+"
        else:
            regex += re.escape(token) + r"\s+"
    return regex.removesuffix(r"\s+")
