#!/usr/bin/env python3
# perfstep.py PERFDATA REGEX [N]: leaf symbols of samples whose callchain has a frame matching REGEX
import sys, subprocess, re, collections
data, rx = sys.argv[1], re.compile(sys.argv[2]); top=int(sys.argv[3]) if len(sys.argv)>3 else 40
p=subprocess.run(["perf","script","-i",data,"-F","ip,sym"],capture_output=True,text=True)
cnt=collections.Counter(); tot=0; allsamples=0
for block in p.stdout.split("\n\n"):
    lines=[l.strip() for l in block.strip().splitlines() if l.strip()]
    if not lines: continue
    allsamples+=1
    syms=[l.split(None,1)[1] if len(l.split(None,1))>1 else "?" for l in lines]
    if any(rx.search(s) for s in syms[1:]) or rx.search(syms[0]):
        tot+=1; cnt[syms[0][:110]]+=1
print("samples matching: %d of %d"%(tot,allsamples))
for s,c in cnt.most_common(top): print("%6d %5.1f%%  %s"%(c,100*c/max(tot,1),s))
