#!/usr/bin/env bash
# gates.sh BIN [BASELINE]: every CSV the engine BIN writes for the shipped cases and three
# synthetic ones (20k x 12, 60k x 100, 60k x 1000), compared byte for byte with BASELINE's
# (another limma-parity binary, default the last one this script was given as BASELINE, kept in
# $PERF_DIR/baseline), by default, with LIMMA_AVX512=0 and with LIMMA_FMA=0. Prints IDENTICAL
# (and the number of files) or the first differences, per mode. Speed work in issue 5 ran it after
# every change: a kernel must give the same bits as the plain code, at every size.
# PERF_DIR (default .build/perf) holds the synthetic data and the baseline's outputs.
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PERF_DIR=${PERF_DIR:-$ROOT/.build/perf}
BIN=$(realpath "$1")
mkdir -p "$PERF_DIR"
if [ $# -ge 2 ]; then
  cp "$(realpath "$2")" "$PERF_DIR/baseline"
  rm -rf "$PERF_DIR/out-base" "$PERF_DIR/out-base1000"
fi
[ -x "$PERF_DIR/baseline" ] || { echo "gates.sh: no baseline yet; give one: gates.sh BIN BASELINE" >&2; exit 2; }
BASE=$PERF_DIR/baseline
synth() {   # name genes replicates
  [ -f "$PERF_DIR/$1/$1.json" ] || "$BASE" synth --seed 2 --genes "$2" --replicates "$3" --name "$1" --out "$PERF_DIR/$1" >/dev/null
}
synth s20k12 20000 6; synth s60k100 60000 50; synth s60k1000 60000 500
cases="$ROOT/reference/cases $PERF_DIR/s20k12/s20k12.json $PERF_DIR/s60k100/s60k100.json"
big="$PERF_DIR/s60k1000/s60k1000.json"
cd "$ROOT"
if [ ! -d "$PERF_DIR/out-base" ]; then
  "$BASE" engine $cases --out "$PERF_DIR/out-base" >/dev/null 2>&1
  "$BASE" engine "$big" --out "$PERF_DIR/out-base1000" >/dev/null 2>&1
fi
status=0
for mode in default AVX0 FMA0; do
  envs=""; [ $mode = AVX0 ] && envs="LIMMA_AVX512=0"; [ $mode = FMA0 ] && envs="LIMMA_FMA=0"
  o=$(mktemp -d /tmp/gates-XXXX)/$mode
  env $envs "$BIN" engine $cases --out "$o" >/dev/null 2>&1
  env $envs "$BIN" engine "$big" --out "$o-1000" >/dev/null 2>&1
  d1=$(diff -rq -x '*.html' -x '*.md' -x '*.json' -x '*.xml' "$PERF_DIR/out-base" "$o" | head -5)
  d2=$(diff -rq -x '*.html' -x '*.md' -x '*.json' -x '*.xml' "$PERF_DIR/out-base1000" "$o-1000" | head -5)
  n=$(find "$o" "$o-1000" -name '*.csv' | wc -l)
  if [ -z "$d1$d2" ] && [ "$n" -gt 0 ]; then echo "$mode: IDENTICAL ($n csv files)"; else echo "$mode: DIFFER ($n csv files)"; echo "$d1"; echo "$d2"; status=1; fi
  rm -rf "$(dirname "$o")"
done
exit $status
