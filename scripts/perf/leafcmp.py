#!/usr/bin/env python3
# leafcmp.py PERFDATA REGEX: for samples whose call chain has a frame matching REGEX, the leaf
# symbols per command name (one column per binary: record a loop that alternates binaries with
# different file names, e.g. perf record -g -- sh -c 'for i in 1 2 3; do ./a ...; ./b ...; done')
import sys, subprocess, re, collections
data=sys.argv[1]; rx=re.compile(sys.argv[2])
p=subprocess.run(["perf","script","-i",data,"-F","comm,ip,sym"],capture_output=True,text=True)
cnt=collections.defaultdict(collections.Counter)
for block in p.stdout.split("\n\n"):
    lines=[l.strip() for l in block.strip().splitlines() if l.strip()]
    if len(lines)<2: continue
    comm=lines[0].split()[0]
    syms=[l.split(None,1)[1] if len(l.split(None,1))>1 else "?" for l in lines[1:]]
    if any(rx.search(s) for s in syms): cnt[comm][syms[0][:90]]+=1
keys=set()
for c in cnt: keys|=set(k for k,_ in cnt[c].most_common(25))
comms=list(cnt)
print("%-90s"%"", " ".join("%8s"%c[-8:] for c in comms))
for k in sorted(keys,key=lambda k:-max(cnt[c][k] for c in comms)):
    print("%-90s"%k, " ".join("%8d"%cnt[c][k] for c in comms))
