#!/usr/bin/env bash
# Time Checkov (installed from PyPI into a temporary venv) against mlguard on the same generated
# tree, side by side in one run. Not run in CI: it downloads Checkov and takes minutes.
#   scripts/compare-checkov.sh [FILES]      # default 1000 files; CHECKOV_VERSION pins a version
# Checkov runs its whole Terraform check set (it has no ML rules); mlguard runs its rule pack.
# The ratio says what a scan costs in each tool, not that they check the same things.
set -euo pipefail
cd "$(dirname "$0")/.."
FILES=${1:-1000}
TMP=${TMPDIR:-/tmp}
# CHECKOV_VENV reuses a venv that already holds Checkov; otherwise a temporary one is made
if [ -n "${CHECKOV_VENV:-}" ]; then
  VENV=$CHECKOV_VENV
else
  VENV=$(mktemp -d "$TMP/mlguard-checkov.XXXXXX")
  trap 'rm -rf "$VENV"' EXIT
fi
cargo build --release --bins >/dev/null
target/release/mlguard-bench --files "$FILES" --reuse >/dev/null
TREE="$TMP/mlguard-bench-$FILES"
if [ ! -x "$VENV/bin/checkov" ]; then
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet "checkov${CHECKOV_VERSION:+==$CHECKOV_VERSION}"
fi
echo "checkov $("$VENV/bin/checkov" --version), mlguard $(target/release/mlguard --version | cut -d' ' -f2)"
echo "tree: $TREE ($FILES .tf files, $(du -sb --exclude=.git "$TREE" | cut -f1) bytes); load $(cut -d' ' -f1-3 /proc/loadavg)"

seconds() { local s e; s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N); echo "scale=2; ($e - $s) / 1000000000" | bc; }

MLG1=$(seconds target/release/mlguard scan --no-progress --format json "$TREE")
MLG2=$(seconds target/release/mlguard scan --repos --no-progress --format json "$TREE")
CKV=$(seconds "$VENV/bin/checkov" --quiet --compact --output json --framework terraform -d "$TREE")
printf "%-40s %8s s\n" "mlguard scan (one project)" "$MLG1" "mlguard scan --repos" "$MLG2" "checkov -d (terraform framework)" "$CKV"
echo "ratio checkov / mlguard --repos: $(echo "scale=1; $CKV / $MLG2" | bc)x"
