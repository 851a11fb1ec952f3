#!/usr/bin/env bash
# The main job: installs what is missing, builds limma-parity (release), runs
# the GSE60450 case against live R and prints where the report is.
# Extra arguments go to `limma-parity run` (e.g. another case, --out DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
swift build -c release --product limma-parity >&2
bin="$(swift build -c release --show-bin-path)/limma-parity"
if [ $# -eq 0 ]; then set -- reference/cases/gse60450-voom.json; fi
status=0
"$bin" run --out reports "$@" || status=$?
echo "report: $(pwd)/reports (report.html, report.md, report.json per case; junit.xml)"
exit $status
