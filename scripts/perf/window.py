#!/usr/bin/env python3
# window.py PERFDATA FROMMS TOMS: leaf symbols (and per-thread counts) of samples in a time window (ms from first sample)
import sys, subprocess, collections
data=sys.argv[1]; a=float(sys.argv[2]); b=float(sys.argv[3])
p=subprocess.run(["perf","script","-i",data,"-F","tid,time,ip,sym"],capture_output=True,text=True)
t0=None; leaf=collections.Counter(); tids=collections.Counter(); frames=collections.Counter()
for block in p.stdout.split("\n\n"):
    lines=[l.strip() for l in block.strip().splitlines() if l.strip()]
    if not lines: continue
    hdr=lines[0].split(); t=float(hdr[1].rstrip(':'))
    if t0 is None: t0=t
    ms=(t-t0)*1000
    if a<=ms<b:
        tids[hdr[0]]+=1
        syms=[l.split(None,1)[1] if len(l.split(None,1))>1 else "?" for l in lines[1:]]
        leaf[syms[0][:120] if syms else "?"]+=1
        for s in set(syms[1:]): frames[s[:120]]+=1
print("threads",dict(tids))
for s,c in leaf.most_common(12): print("leaf %5d %s"%(c,s))
for s,c in frames.most_common(25): print("frame %5d %s"%(c,s))
