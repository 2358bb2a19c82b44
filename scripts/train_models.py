"""Train luister's shipped analysis models from ../shared/data and the intent examples.

    python scripts/train_models.py [--data ../shared/data] [--encoder use|e5|none]

Writes src/luister/analysis/models/ (a few hundred kilobytes); commit the result together with the
regenerated docs/accuracy.md (`make docs`).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from luister.analysis.datasets import default_data_dir
from luister.analysis.encoder import load_encoder
from luister.analysis.models import packaged_models_dir
from luister.analysis.trainer import train_models


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=default_data_dir())
    parser.add_argument("--encoder", default="use", help="use, e5 or none (fast models only)")
    parser.add_argument("--out", type=Path, default=packaged_models_dir())
    args = parser.parse_args()
    if args.data is None or not args.data.exists():
        parser.error("the labelled data was not found; pass --data ../shared/data")
    encoder = None if args.encoder == "none" else load_encoder(args.encoder, threads=2)
    start = time.perf_counter()
    models = train_models(
        data_dir=args.data,
        encoder=encoder,
        progress=lambda step: print(f"[{time.perf_counter() - start:6.1f}s] {step}", flush=True),
    )
    models.save(args.out)
    print(f"wrote {args.out} (version {models.version})")


if __name__ == "__main__":
    main()
