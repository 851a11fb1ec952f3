#!/usr/bin/env bash
# The test command: installs what is missing, builds, and runs every test
# (engine against live R, the CLI as a user calls it, the report files).
set -euo pipefail
cd "$(dirname "$0")/.."
LIMMA_WITH_CHROMIUM=1 ./scripts/setup.sh
swift build --build-tests
swift test --skip-build "$@"
