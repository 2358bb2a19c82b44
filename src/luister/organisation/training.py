"""The curriculum (pure): training modules shipped as Markdown files in ``curriculum/``, one per language
(``<slug>.nl.md`` and ``<slug>.en.md``), each opening with TOML front matter between ``+++`` lines:

    belt = "white"          # the belt the module counts towards
    title = "Listening basics"
    pass_mark = 80          # percent (the default is belts.PASS_MARK)
    [[questions]]
    text = "…"
    options = ["…", "…", "…"]
    answer = 1              # the right option, from 0; never sent to the reader

Answers are checked here, on the server (:func:`check`); the reader only sees the questions and options."""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources

from luister.domain.said import Said
from luister.organisation.belts import PASS_MARK, Belt, Score, score

LANGUAGES = ("nl", "en")
WORDS_PER_MINUTE = 200
MAX_MINUTES = 5
_FRONT = re.compile(r"\A\+\+\+\n(.*?)\n\+\+\+\n(.*)\Z", re.S)


class CurriculumProblem(ValueError):
    """A module file that cannot be read (says which file and why)."""


class UnknownModule(LookupError):
    """No module with that slug (or not in that language)."""


class BadAnswers(Said, ValueError):
    """Answers that do not fit the quiz (says which and why, in English and Dutch)."""


@dataclass(frozen=True, slots=True)
class Question:
    text: str
    options: tuple[str, ...]
    answer: int


@dataclass(frozen=True, slots=True)
class Module:
    slug: str
    language: str
    belt: Belt
    title: str
    body: str  # Markdown
    pass_mark: int
    questions: tuple[Question, ...]

    @property
    def words(self) -> int:
        return len(self.body.split())

    @property
    def minutes(self) -> int:
        """Reading time, rounded up, at :data:`WORDS_PER_MINUTE`."""
        return max(1, -(-self.words // WORDS_PER_MINUTE))


def parse(name: str, text: str) -> Module:
    """One module file (``name``: ``<slug>.<language>.md``) or :class:`CurriculumProblem`."""
    parts = name.split(".")
    if len(parts) != 3 or parts[2] != "md" or parts[1] not in LANGUAGES:
        raise CurriculumProblem(f"{name}: a module file is named <slug>.nl.md or <slug>.en.md")
    found = _FRONT.match(text.replace("\r\n", "\n"))
    if found is None:
        raise CurriculumProblem(f"{name}: the file must open with front matter between +++ lines")
    try:
        front = tomllib.loads(found.group(1))
        belt = Belt[str(front["belt"])]
        questions = tuple(
            Question(str(q["text"]), tuple(str(o) for o in q["options"]), int(q["answer"]))
            for q in front["questions"]
        )
        title, mark = str(front["title"]), int(front.get("pass_mark", PASS_MARK))
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError) as exc:
        raise CurriculumProblem(f"{name}: front matter: {exc}") from exc
    if not questions:
        raise CurriculumProblem(f"{name}: a module needs quiz questions")
    for n, q in enumerate(questions, 1):
        if len(q.options) < 2 or not 0 <= q.answer < len(q.options):
            raise CurriculumProblem(f"{name}: question {n} needs two options or more and a valid answer")
    if not 1 <= mark <= 100:
        raise CurriculumProblem(f"{name}: pass_mark is a percentage, 1 to 100")
    return Module(parts[0], parts[1], belt, title, found.group(2).strip(), mark, questions)


@functools.cache
def curriculum() -> Mapping[tuple[str, str], Module]:
    """Every module shipped with luister, by (slug, language)."""
    folder = resources.files("luister.organisation") / "curriculum"
    found = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".md"):
            module = parse(entry.name, entry.read_text(encoding="utf-8"))
            found[(module.slug, module.language)] = module
    return found


def module(slug: str, language: str) -> Module:
    found = curriculum().get((slug, language if language in LANGUAGES else "en"))
    if found is None:
        raise UnknownModule(f"there is no training module {slug!r}")
    return found


def modules(language: str) -> list[Module]:
    """The modules in one language, by belt, then slug."""
    lang = language if language in LANGUAGES else "en"
    return sorted((m for (_s, lg), m in curriculum().items() if lg == lang), key=lambda m: (m.belt, m.slug))


def by_belt() -> dict[Belt, list[str]]:
    """The slugs each belt needs (from the English files; the Dutch ones mirror them, tested)."""
    found: dict[Belt, list[str]] = {}
    for m in modules("en"):
        found.setdefault(m.belt, []).append(m.slug)
    return found


def check(slug: str, language: str, answers: Sequence[int | None]) -> Score:
    """Score answers on the server: one chosen option (from 0) per question, None for unanswered."""
    found = module(slug, language)
    if len(answers) != len(found.questions):
        asked, given = len(found.questions), len(answers)
        raise BadAnswers(
            "answers", f"the quiz of {slug!r} has {asked} questions; {given} answers given",
            f"de toets van {slug!r} heeft {asked} vragen; er zijn {given} antwoorden gegeven",
        )  # fmt: skip
    for n, (a, q) in enumerate(zip(answers, found.questions, strict=True), 1):
        if a is not None and not 0 <= a < len(q.options):
            raise BadAnswers(
                "answers",
                f"question {n}: choose an option from 0 to {len(q.options) - 1}",
                f"vraag {n}: kies een optie van 0 tot en met {len(q.options) - 1}",
            )
    result = score(answers, [q.answer for q in found.questions])
    return Score(result.correct, result.total, result.right)


def passes(result: Score, slug: str, language: str) -> bool:
    return result.total > 0 and 100 * result.correct >= module(slug, language).pass_mark * result.total
