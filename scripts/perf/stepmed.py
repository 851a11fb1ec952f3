#!/usr/bin/env python3
# stepmed.py N CASE BIN... : alternate binaries N times (THREADS, default 1), median wall ms per step and pipeline sum
import sys, statistics, os
from perfruns import run_children
n = int(sys.argv[1]); case = sys.argv[2]; bins = sys.argv[3:]
runs = run_children(n, case, bins, os.environ.get("THREADS", "1"))
steps = list(runs[bins[0]][0].keys()) if runs[bins[0]] else []
print("%-22s" % "step" + "".join("%12s" % os.path.basename(b)[-12:] for b in bins))
for s in steps + ["TOTAL"]:
    def med(b):
        vals = [sum(r.values()) if s == "TOTAL" else r.get(s, 0) for r in runs[b]]
        return statistics.median(vals) if vals else 0
    print("%-22s" % s + "".join("%12.3f" % med(b) for b in bins))
