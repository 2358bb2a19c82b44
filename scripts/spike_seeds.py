"""Spike alerts on the labelled scenarios over many seeds, replayed in memory (``replay_in_memory``,
the same pure parts as ``luister alerts replay``): check a change to the detector on all of them, not one.

    python scripts/spike_seeds.py                  # first seeds 100 to 1100 (649 scenarios)
    python scripts/spike_seeds.py 100 200 300      # these first seeds
"""

import sys

from luister.alerts.evaluation import scores_over_seeds

seeds = [int(arg) for arg in sys.argv[1:]] or list(range(100, 1200, 100))
print(f"first seeds {', '.join(map(str, seeds))}")
print("rule kind       incidents found in-time within-1h slow<2x false-alerts quiet-days-alerted")
for kind, s in scores_over_seeds(seeds).items():
    print(f"{kind:15s} {s.incidents:9d} {s.found:5d} {s.in_time:7d} {s.within_hour:9d} "
          f"{s.slow_before_double:3d}/{s.slow_builds:<3d} {s.alerts - s.true_alerts:12d} "
          f"{s.quiet_days_alerted:8d}/{s.quiet_days}")  # fmt: skip
