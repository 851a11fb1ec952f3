#!/usr/bin/env python3
# alt.py N CASE BIN... : alternate binaries N times at THREADS (default 2); pipeline sum (ms) per run, medians
import sys, statistics, os
from perfruns import run_children
n = int(sys.argv[1]); case = sys.argv[2]; bins = sys.argv[3:]
runs = run_children(n, case, bins, os.environ.get("THREADS", "2"))
for b in bins:
    totals = [sum(r.values()) for r in runs[b]]
    print("%-14s median %.1f  runs %s" % (os.path.basename(b), statistics.median(totals), " ".join("%.0f" % x for x in totals)))
    steps = runs[b][0].keys() if runs[b] else []
    print("    " + " ".join("%s %.1f" % (k, statistics.median([r.get(k, 0) for r in runs[b]])) for k in steps))
