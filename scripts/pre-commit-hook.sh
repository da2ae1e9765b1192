#!/usr/bin/env bash
# The `mlguard` pre-commit hook: runs the release binary of the version this hook repository is
# pinned at (`rev:`), downloaded and checked by scripts/install.sh on first use and cached per
# version; built with cargo only when no release fits the machine.
set -euo pipefail
BIN=$("$(dirname "${BASH_SOURCE[0]}")/install.sh" --print-path)
exec "$BIN" "$@"
