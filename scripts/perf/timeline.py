#!/usr/bin/env python3
# timeline.py PERFDATA [binms]: per time bin, samples (4 kHz per thread) and the step they are in
import sys, subprocess, re, collections
data=sys.argv[1]; binms=float(sys.argv[2]) if len(sys.argv)>2 else 20
steps=[("read","FastMatrixParser|readCounts|ReadMatrix"),("filter","filterByExpr|filterScan|keepRows"),("tmm","calcNormFactors|tmm|TMM|upperQuartile"),
 ("voom","voom|Voom|lowess|Lowess"),("lmFit","lmFit|LinearModelFit|LaneLeastSquares"),("ebayes","eBayes|StudentT|PowerSeries|fitFDist"),("top","topTable|decideTests"),("out","OutputsCSV|Lossless")]
p=subprocess.run(["perf","script","-i",data,"-F","tid,time,ip,sym"],capture_output=True,text=True)
bins=collections.defaultdict(collections.Counter); t0=None
for block in p.stdout.split("\n\n"):
    lines=[l.strip() for l in block.strip().splitlines() if l.strip()]
    if not lines: continue
    hdr=lines[0].split(); t=float(hdr[1].rstrip(':'))
    if t0 is None: t0=t
    chain=" ".join(lines[1:])
    st=next((n for n,rx in steps if re.search(rx,chain)),"other")
    bins[int((t-t0)*1000/binms)][st]+=1
for b in sorted(bins):
    c=bins[b]; tot=sum(c.values())
    print("%6.0f ms %4d  %s"%(b*binms,tot," ".join("%s:%d"%(k,v) for k,v in c.most_common(3))))
