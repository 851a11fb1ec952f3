# perfruns.py: the engine children that stepmed.py and alt.py time (imported by both).
import subprocess, re, os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))   # the repository

def run_children(n, case, bins, threads):
    """Runs `BIN bench --engine-child --threads THREADS CASE` for each binary in turn, n rounds,
    with LIMMA_PARITY_STEP_TIMES=1. Returns, per binary, a list of runs, each a dict of step
    wall times in ms (in step order)."""
    env = dict(os.environ, LIMMA_PARITY_STEP_TIMES="1")
    runs = {b: [] for b in bins}
    for _ in range(n):
        for b in bins:
            p = subprocess.run([os.path.abspath(b), "bench", "--engine-child", "--threads", str(threads), case],
                               env=env, capture_output=True, text=True, cwd=ROOT)
            steps = {}
            for line in p.stderr.splitlines():
                m = re.match(r"step (\S+): ([\d.]+) ms", line)
                if m:
                    steps[m.group(1)] = float(m.group(2))
            runs[b].append(steps)
    return runs
