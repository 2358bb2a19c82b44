"""Measuring the models (`luister eval`) and retraining them with corrections (`luister train`)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy.engine import Engine

from luister.analysis.analyser import Analyser, AnalysisMode
from luister.analysis.datasets import Example
from luister.analysis.encoder import CachedEncoder, load_encoder
from luister.analysis.models import load_models, trained_models_dir
from luister.analysis.report import EvalReport, all_analysers, evaluate
from luister.analysis.trainer import train_models
from luister.services.corrections import corrected_mentions
from luister.settings import Settings


def evaluate_models(
    *, settings: Settings, data_dir: Path | None, progress: Callable[[str], None] = lambda step: None
) -> EvalReport:
    """Both modes of the current models and the baselines on every held-out set."""
    models = load_models(settings.data_dir)
    cache = settings.data_dir / "cache"
    return evaluate(analysers=all_analysers(models, cache=cache), data_dir=data_dir, progress=progress)


@dataclass(frozen=True, slots=True)
class RetrainResult:
    before: EvalReport
    after: EvalReport
    corrections: int
    version: str
    path: Path


def retrain(
    *,
    engine: Engine,
    settings: Settings,
    data_dir: Path | None,
    accurate: bool = True,
    tune_thresholds: bool = True,
    progress: Callable[[str], None] = lambda step: None,
) -> RetrainResult:
    """Train a new model set from the labelled data plus every correction, measure the current and the
    new set (fast mode) on the held-out data, and save the new set in the data directory."""
    corrections = [
        Example(c.text, c.language or "und", c.sentiment, c.intents or (), source="corrections")
        for c in corrected_mentions(engine=engine)
    ]
    before = load_models(settings.data_dir)
    encoders = [
        CachedEncoder(load_encoder(name), settings.data_dir / "cache" / f"embeddings-{name}.npz")
        for name in (before.heads if accurate else ())
    ]
    after = train_models(
        data_dir=data_dir, encoders=encoders, corrections=corrections, tune_thresholds=tune_thresholds,
        progress=progress,
    )  # fmt: skip
    if not accurate:  # the encoder heads (and their thresholds) stay as they were
        thresholds = before.manifest.get("intent_thresholds", {}) | after.manifest["intent_thresholds"]
        scales = before.manifest.get("neutral_scale", {}) | after.manifest.get("neutral_scale", {})
        manifest = after.manifest | {
            "encoders": sorted(before.heads), "intent_thresholds": thresholds, "neutral_scale": scales
        }  # fmt: skip
        after = replace(after, heads=before.heads, manifest=manifest)
    reports = [
        evaluate(
            analysers={"fast": Analyser(models, mode=AnalysisMode.FAST)}, data_dir=data_dir, baselines=False
        )
        for models in (before, after)
    ]
    target = trained_models_dir(settings.data_dir)
    after.save(target)
    return RetrainResult(reports[0], reports[1], len(corrections), after.version, target)
