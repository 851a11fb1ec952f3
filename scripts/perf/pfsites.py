#!/usr/bin/env python3
# pfsites.py PERFDATA STEPREGEX: page faults in a step by the first Limma/LimmaParity/Swift frame
import sys, subprocess, re, collections
data, st = sys.argv[1], re.compile(sys.argv[2])
p=subprocess.run(["perf","script","-i",data,"-F","ip,sym"],capture_output=True,text=True)
cnt=collections.Counter(); tot=0
for block in p.stdout.split("\n\n"):
    lines=[l.strip() for l in block.strip().splitlines() if l.strip()]
    if not lines: continue
    syms=[l.split(None,1)[1] if len(l.split(None,1))>1 else "?" for l in lines]
    if not any(st.search(s) for s in syms): continue
    tot+=1
    c=next((s for s in syms if s.startswith('$s5Limma') or s.startswith('$s11Limma') or s.startswith('$s8Limma')), syms[0])
    cnt[c[:130]]+=1
print(tot)
for s,c in cnt.most_common(25): print("%6d  %s"%(c,s))
