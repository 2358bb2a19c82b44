from luister.domain.ingest import Rejection
from luister.services.ingest import KEEP_REJECTED, BatchResult, IngestSummary


def test_summary_counts_every_rejection_but_keeps_only_the_first() -> None:
    summary = IngestSummary()
    batch = BatchResult(
        stored=[], rejected=[Rejection("f", f"line {n}", "bad", "") for n in range(700)], known=0
    )
    for _ in range(3):
        summary.add(batch, 700)
    assert summary.rejected_count == 2100
    assert len(summary.rejected) == KEEP_REJECTED
    assert summary.rejected[0].position == "line 0"
