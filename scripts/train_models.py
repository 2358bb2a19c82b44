"""Train luister's shipped analysis models from ../shared/data and the intent examples.

    python scripts/train_models.py [--data ../shared/data] [--encoders e5,use]
    python scripts/train_models.py --encoders '' --keep-heads --calibrate-kept e5,use
        # fast models only, encoder heads kept (minutes); what was used for the shipped set

Writes src/luister/analysis/models/ (a few hundred kilobytes); commit the result together with the
regenerated docs/accuracy.md (`make docs`).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from luister.analysis.datasets import default_data_dir
from luister.analysis.encoder import CachedEncoder, load_encoder
from luister.analysis.models import ModelSet, packaged_models_dir
from luister.analysis.trainer import train_models


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data_dir())
    parser.add_argument("--encoders", default="e5,use", help="comma-separated; '' for the fast models only")
    parser.add_argument("--cache", type=Path, default=Path(".cache"), help="embedding cache folder")
    parser.add_argument("--out", type=Path, default=packaged_models_dir())
    parser.add_argument(
        "--keep-heads", action="store_true",
        help="ship the current encoder heads again instead of retraining them (no embedding needed)",
    )  # fmt: skip
    parser.add_argument(
        "--calibrate-kept", default="",
        help="comma-separated encoders of kept heads whose neutral weight to calibrate on the webcare "
        "training rows (which the kept heads never saw); embeds only those rows",
    )  # fmt: skip
    args = parser.parse_args()
    if args.data is None or not args.data.exists():
        parser.error("the labelled data was not found; pass --data ../shared/data")
    encoders = [
        CachedEncoder(load_encoder(name, threads=1), args.cache / f"embeddings-{name}.npz")
        for name in filter(None, args.encoders.split(","))
    ]
    start = time.perf_counter()
    models = train_models(
        data_dir=args.data,
        encoders=encoders,
        keep_heads=ModelSet.load(packaged_models_dir()).heads if args.keep_heads else None,
        calibrate_kept=[
            CachedEncoder(load_encoder(name, threads=1), args.cache / f"embeddings-{name}.npz")
            for name in filter(None, args.calibrate_kept.split(","))
        ],
        progress=lambda step: print(f"[{time.perf_counter() - start:6.1f}s] {step}", flush=True),
    )
    models.save(args.out)
    print(f"wrote {args.out} (version {models.version})")


if __name__ == "__main__":
    main()
