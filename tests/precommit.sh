#!/usr/bin/env bash
# Runs the hook definition in .pre-commit-hooks.yaml with `pre-commit try-repo` on a temporary
# git repository: a staged file with a violation fails the hook, a clean one passes, and a
# suppression with a reason makes the violation pass.
#
#   pip install pre-commit && bash tests/precommit.sh            # the `mlguard` hook
#   HOOK=mlguard-system bash tests/precommit.sh                   # an mlguard already on PATH
#   HOOK=mlguard-cargo bash tests/precommit.sh                    # compiled by pre-commit
#
# The `mlguard` hook runs scripts/install.sh: the release binary of Cargo.toml's version,
# downloaded and checked against SHA256SUMS, cached in $MLGUARD_CACHE/<version>/bin (default
# ~/.cache/mlguard); without a release (or network) it builds once with `cargo install`. A binary
# already in that directory is used as is: scripts/package-test.sh's can be put there to test
# the hook offline. Not run by `cargo test`. Skips cleanly (exit 0) when pre-commit is not
# installed.
set -euo pipefail

if ! command -v pre-commit >/dev/null 2>&1; then
    echo "skip: pre-commit is not installed (pip install pre-commit)"
    exit 0
fi
hook="${HOOK:-mlguard}"
repo="$(cd "$(dirname "$0")/.." && pwd)"
fixtures="$repo/fixtures/rules/DT002-training-reads-raw"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# try-repo installs the hook afresh on every call; a shared cargo target directory makes every
# build after the first one a quick re-link
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/mlguard-precommit-target}"

cd "$work"
git init -q
git config user.name test
git config user.email test@example.com
git config commit.gpgsign false

# the fixture is about DT002; other rules (provenance tags) would fire on it too
printf '[rules]\nselect = ["DT002"]\n' > mlguard.toml
git add mlguard.toml

fail() { echo "FAIL: $*" >&2; exit 1; }
run_hook() { pre-commit try-repo "$repo" "$hook" --files "$@"; }

# 1. a violation: the hook fails and names the rule
cp "$fixtures/fire/main.tf" main.tf
git add main.tf
if out="$(run_hook main.tf 2>&1)"; then
    echo "$out"; fail "the hook passed on a violation"
fi
grep -q "DT002" <<<"$out" || { echo "$out"; fail "the output does not name DT002"; }
echo "ok: a violation fails the hook"

# 2. the same violation, suppressed with a reason: the hook passes
sed 's/^resource "aws_iam_role_policy"/# mlguard:ignore DT002 -- the bootstrap job reads raw data once\n&/' \
    "$fixtures/fire/main.tf" > main.tf
grep -q "mlguard:ignore" main.tf || fail "the suppression was not inserted"
git add main.tf
out="$(run_hook main.tf 2>&1)" || { echo "$out"; fail "the hook failed on a suppressed violation"; }
echo "ok: a suppressed violation passes"

# 3. a clean module: the hook passes
cp "$fixtures/silent/main.tf" main.tf
git add main.tf
out="$(run_hook main.tf 2>&1)" || { echo "$out"; fail "the hook failed on a clean file"; }
echo "ok: a clean file passes"

# 4. a file the hook does not match is not passed to it
echo "notes" > README.md
git add README.md
out="$(run_hook README.md 2>&1)" || { echo "$out"; fail "the hook failed on an unmatched file"; }
grep -q "no files to check" <<<"$out" || { echo "$out"; fail "README.md was passed to the hook"; }
echo "ok: other files are not checked"
echo "pre-commit hook: all checks passed"
