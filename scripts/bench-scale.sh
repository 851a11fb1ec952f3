#!/usr/bin/env bash
# The scale series of issue 5: synthetic voom cases of 20k x 12, 60k x 100,
# 60k x 500 and 60k x 1000 (genes x samples, two groups, seed 2), made by
# `limma-parity synth` (the same seed gives the same bytes), each timed by
# `limma-parity bench` against R. bench.json / bench.md carry the
# nanoseconds per cell of each side.
#
#   scripts/bench-scale.sh [--reps N] [--threads N] [--out DIR] [--data DIR] [--sizes "s20k12 s60k100 ..."]
#
# --reps      engine rounds per size (default 5); R runs as many rounds, except
#             at 60k x 1000 where it runs once (minutes and GBs); R_REPS_LARGE=N changes that
# --threads   engine threads (default: every core); R is always single-threaded
# --out       where bench.json / bench.md go, one directory per size (default reports/bench-scale)
# --data      where the synthetic sets are (re)used or written (default: a temporary
#             directory, removed at the end); a set already there is not rewritten
# --sizes     a subset of: s20k12 s60k100 s60k500 s60k1000
#
# Needs a release build (swift build -c release) and R with limma and edgeR.
set -euo pipefail
cd "$(dirname "$0")/.."
reps=5
threads=""
out=reports/bench-scale
data=""
sizes="s20k12 s60k100 s60k500 s60k1000"
while [ $# -gt 0 ]; do
  case "$1" in
    --reps) reps="$2"; shift 2 ;;
    --threads) threads="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --data) data="$2"; shift 2 ;;
    --sizes) sizes="$2"; shift 2 ;;
    -h|--help) sed -n '2,19p' "$0"; exit 0 ;;
    *) echo "bench-scale: unknown argument $1" >&2; exit 2 ;;
  esac
done
bin="$(swift build -c release --show-bin-path)/limma-parity"
[ -x "$bin" ] || { echo "bench-scale: no release build; run: swift build -c release" >&2; exit 2; }
if [ -z "$data" ]; then
  data="$(mktemp -d /tmp/limma-bench-scale.XXXXXX)"
  trap 'rm -rf "$data"' EXIT
fi
mkdir -p "$out"
status=0
summary="$out/scale.md"
: > "$summary"
for name in $sizes; do
  case "$name" in
    s20k12) genes=20000; replicates=6 ;;
    s60k100) genes=60000; replicates=50 ;;
    s60k500) genes=60000; replicates=250 ;;
    s60k1000) genes=60000; replicates=500 ;;
    *) echo "bench-scale: unknown size $name (s20k12 s60k100 s60k500 s60k1000)" >&2; exit 2 ;;
  esac
  dir="$data/$name"
  if [ ! -f "$dir/$name.json" ]; then
    "$bin" synth --seed 2 --genes "$genes" --replicates "$replicates" --name "$name" --out "$dir" >/dev/null
  fi
  rreps="$reps"
  if [ "$name" = s60k1000 ]; then rreps="${R_REPS_LARGE:-1}"; fi
  [ "$rreps" -le "$reps" ] || rreps="$reps"
  args=(bench "$dir/$name.json" --reps "$reps" --r-reps "$rreps" --out "$out/$name")
  [ -n "$threads" ] && args+=(--threads "$threads")
  "$bin" "${args[@]}" || status=$?
  { echo "# $name ($genes genes x $((2 * replicates)) samples)"; echo; cat "$out/$name/bench.md"; echo; } >> "$summary"
done
echo "bench-scale: $summary (bench.json and bench.md per size under $out/)"
exit $status
