"""How well the default routing (``inbox.triage``) picks the department, measured on the labelled routing
examples through the real analysers: what ``luister eval`` prints and docs/accuracy.md shows.

Each text goes through the fast analyser as a mention would at ingest (language detected, sentiment,
intents, primary intent), then :func:`luister.inbox.triage.suggest`. Department macro-F1 is the
unweighted mean of the six departments' F1; a competitor mention that should go nowhere counts against
the department it was wrongly sent to (its own row, "none", is shown beside them but not averaged).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from luister.analysis.evaluation import f1
from luister.inbox.triage import DEPARTMENTS, Suggestion, TriageInput, suggest

if TYPE_CHECKING:
    from luister.analysis.analyser import Analyser

EXAMPLES = "routing_examples.jsonl"
NONE = "none"  # the row of mentions no department should answer


@dataclass(frozen=True, slots=True)
class RoutingExample:
    id: str
    text: str
    lang: str
    about: Literal["own", "competitor"]
    department: str | None
    split: str


@dataclass(frozen=True, slots=True)
class DepartmentScore:
    department: str  # a department key, or "none"
    precision: float
    recall: float
    f1: float
    n: int  # gold examples


@dataclass(frozen=True, slots=True)
class RoutingScore:
    split: str
    n: int
    macro_f1: float  # over the six departments
    accuracy: float  # every example, "none" included
    per_department: tuple[DepartmentScore, ...]  # the six departments, then "none"
    by_language: tuple[tuple[str, float], ...]  # language → accuracy


@dataclass(frozen=True, slots=True)
class RoutingReport:
    model: str  # the analyser's model name
    test: RoutingScore
    train: RoutingScore

    def score(self, split: str) -> RoutingScore:
        return self.test if split == "test" else self.train


def routing_examples(split: str | None = None, path: Path | None = None) -> list[RoutingExample]:
    """The hand-labelled routing examples (``data/ROUTING_GUIDELINES.md``), one split or all."""
    if path is not None:
        text = path.read_text("utf-8")
    else:
        text = resources.files(__package__).joinpath("data", EXAMPLES).read_text("utf-8")
    found = []
    for line in text.splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        if split is None or row["split"] == split:
            found.append(RoutingExample(row["id"], row["text"], row["lang"], row["about"], row["department"],
                                        row["split"]))  # fmt: skip
    return found


def route(analyser: Analyser, examples: Sequence[RoutingExample]) -> list[Suggestion]:
    """The suggestion for each example, from the analyser's labels as a stored mention would carry them
    (the language detected: a platform does not always give one)."""
    analyses = analyser.analyse([example.text for example in examples])
    return [
        suggest(
            TriageInput(
                text=example.text,
                title=None,
                language=found.language,
                intents=found.intents,
                primary_intent=found.primary_intent,
                sentiment=found.sentiment.label,
                followers=None,
                about=example.about,
                intent_scores=tuple(found.intent_scores.items()),
            )
        )
        for example, found in zip(examples, analyses, strict=True)
    ]


def score_routing(
    split: str, gold: Sequence[str | None], predicted: Sequence[str | None], languages: Sequence[str]
) -> RoutingScore:
    """Per-department precision, recall and F1, their macro mean over the six departments, accuracy."""
    pairs = [(g or NONE, p or NONE) for g, p in zip(gold, predicted, strict=True)]
    rows, exact = [], []
    for department in (*DEPARTMENTS, NONE):
        tp = sum(g == p == department for g, p in pairs)
        fp = sum(p == department != g for g, p in pairs)
        fn = sum(g == department != p for g, p in pairs)
        precision, recall, score = f1(tp, fp, fn)
        exact.append(score)
        rows.append(
            DepartmentScore(department, round(precision, 3), round(recall, 3), round(score, 3), tp + fn)
        )
    macro = sum(exact[: len(DEPARTMENTS)]) / len(DEPARTMENTS)
    right = [g == p for g, p in pairs]
    by_language = []
    for language in sorted(set(languages)):
        hits = [r for r, lang in zip(right, languages, strict=True) if lang == language]
        by_language.append((language, round(sum(hits) / len(hits), 3)))
    accuracy = sum(right) / len(right) if right else 0.0
    return RoutingScore(
        split, len(pairs), round(macro, 3), round(accuracy, 3), tuple(rows), tuple(by_language)
    )


def evaluate_routing(analyser: Analyser | None = None) -> RoutingReport:
    """Route the test split (and the train split, for reference) through ``analyser`` (default: the
    shipped models in fast mode) and score both."""
    if analyser is None:
        from luister.analysis.analyser import Analyser, AnalysisMode
        from luister.analysis.models import ModelSet, packaged_models_dir

        analyser = Analyser(ModelSet.load(packaged_models_dir()), mode=AnalysisMode.FAST)
    scores = {}
    for split in ("test", "train"):
        examples = routing_examples(split)
        routed = route(analyser, examples)
        scores[split] = score_routing(split, [e.department for e in examples],
                                      [s.department for s in routed], [e.lang for e in examples])  # fmt: skip
    return RoutingReport(analyser.model_name, scores["test"], scores["train"])


def render_markdown(report: RoutingReport) -> str:
    """The "Department routing" section of docs/accuracy.md."""
    test, train = report.test, report.train
    lines = [
        "## Department routing",
        "",
        "Which department owns a mention when no routing rule of the user's matches: the default routing "
        "(`luister.inbox.triage`) on the hand-written routing examples "
        "(`src/luister/inbox/data/routing_examples.jsonl`, guidelines in `ROUTING_GUIDELINES.md`), each "
        f"text analysed by the real analyser ({report.model}) as it would be at ingest. The word lists were "
        "tuned on the train split only; the test split was scored once at the end.",
        "",
        f"**Test split: department macro-F1 {test.macro_f1:.3f}** "
        f"(accuracy {test.accuracy:.3f}, n {test.n}); "
        f"train split: macro-F1 {train.macro_f1:.3f} (accuracy {train.accuracy:.3f}, n {train.n}). "
        "Macro-F1 averages the six departments; *none* (a competitor mention no department should answer) "
        "is shown but not averaged.",
        "",
        "| department | test precision | test recall | test F1 | test n | train F1 | train n |",
        "|---|---|---|---|---|---|---|",
    ]
    for row, other in zip(test.per_department, train.per_department, strict=True):
        lines.append(
            f"| {row.department} | {row.precision:.3f} | {row.recall:.3f} | {row.f1:.3f} | {row.n} "
            f"| {other.f1:.3f} | {other.n} |"
        )
    languages = ", ".join(f"{lang} {accuracy:.3f}" for lang, accuracy in test.by_language)
    lines += ["", f"Test accuracy by language: {languages}.", ""]
    return "\n".join(lines)
