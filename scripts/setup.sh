#!/usr/bin/env bash
# Installs what limma-swift needs and is missing (Debian): the system libraries
# the engine links (LAPACK/BLAS, libRmath, zlib) and R with limma and edgeR for
# the parity side. Runs apt-get update once, only when something is missing.
set -euo pipefail
# r-cran-mass: MASS::rlm, which limma's lmFit(method = "robust") calls on the R side.
pkgs=(r-base-core r-bioc-limma r-bioc-edger r-cran-statmod r-cran-mass r-cran-jsonlite r-mathlib
      liblapack-dev libblas-dev zlib1g-dev)
[ "${LIMMA_WITH_CHROMIUM:-0}" = 1 ] && pkgs+=(chromium)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"
  $SUDO apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
