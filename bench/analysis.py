"""Analysis benchmark on one core: fast mode end to end (language + sentiment + intents) and accurate mode.

    python bench/analysis.py                    # 40,000 texts fast, 2,000 accurate (200 with e5)
    python bench/analysis.py --fast 10000 --accurate 500

Texts are the demo story's mentions (Dutch and English social posts, 5–60 words) made unique with a
running number, so the repost cache does not flatter the figures; a last figure shows the ingest-time
enricher on the demo stream as it comes, with its reposts and copy-pasted texts. Prints one figure per line.
"""

from __future__ import annotations

import os

for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[variable] = "1"  # one core, before NumPy loads

import argparse  # noqa: E402
import time  # noqa: E402
from datetime import UTC, datetime  # noqa: E402

from luister.analysis.analyser import Analyser, AnalysisMode  # noqa: E402
from luister.analysis.encoder import load_encoder  # noqa: E402
from luister.analysis.models import load_models  # noqa: E402
from luister.connectors.records import FieldMapping  # noqa: E402
from luister.demo.data import generate_demo_mentions  # noqa: E402
from luister.domain.ingest import RawItem  # noqa: E402
from luister.services.analysis import AnalysisEnricher  # noqa: E402

BATCH = 2000


def demo_records(count: int) -> list[dict[str, object]]:
    end = datetime(2026, 11, 1, tzinfo=UTC)
    return list(generate_demo_mentions(seed=7, end=end, days=60, count=count))


def rate(analyser: Analyser, texts: list[str], languages: list[str | None]) -> float:
    start = time.perf_counter()
    for at in range(0, len(texts), BATCH):
        analyser.analyse(texts[at : at + BATCH], languages[at : at + BATCH])
    return len(texts) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fast", type=int, default=40_000)
    parser.add_argument("--accurate", type=int, default=2_000)
    args = parser.parse_args()
    records = demo_records(max(args.fast, args.accurate))
    texts = [f"{r['text']} ({n})" for n, r in enumerate(records)]
    unknown: list[str | None] = [None] * len(texts)
    models = load_models()
    fast = Analyser(models, mode=AnalysisMode.FAST)
    fast.analyse(texts[:100])  # load the language model
    print(f"fast_texts_per_s_language_detected {rate(fast, texts[: args.fast], unknown[: args.fast]):,.0f}")
    given = [str(r.get("lang") or "nl") for r in records]
    print(f"fast_texts_per_s_language_given {rate(fast, texts[: args.fast], given[: args.fast]):,.0f}")
    for name in models.heads:
        accurate = Analyser(models, mode=AnalysisMode.ACCURATE, encoder=load_encoder(name, threads=1))
        accurate.analyse(texts[:32])  # load the encoder
        count = args.accurate if name != "e5" else max(1, args.accurate // 10)  # e5 manages ~20/s here
        print(f"accurate_{name}_texts_per_s {rate(accurate, texts[:count], unknown[:count]):,.0f}")
    mapper = FieldMapping(channel="demo").map
    fetched = datetime.now(UTC)
    mentions = [
        mapper(RawItem(raw="{}", position=str(n), data=r), fetched)
        for n, r in enumerate(records[: args.fast])
    ]
    for m in mentions:
        m.language = None
    enricher = AnalysisEnricher(Analyser(models, mode=AnalysisMode.FAST))
    start = time.perf_counter()
    for at in range(0, len(mentions), BATCH):
        enricher.enrich(mentions[at : at + BATCH])
    print(f"fast_enricher_mentions_per_s_demo_stream {len(mentions) / (time.perf_counter() - start):,.0f}")


if __name__ == "__main__":
    main()
