#!/usr/bin/env bash
# Scan the real-code corpus (scripts/corpus.tsv; docs/real-code-audit.md says how to fetch it).
#   scripts/scan-corpus.sh [REPOS_DIR] [BIN] [OUT]
#     REPOS_DIR  directory holding one git checkout per repository   (default /work/corpus/repos)
#     BIN        mlguard binary                                        (default target/release/mlguard)
#     OUT        JSON Lines result file                                (default corpus-results.jsonl)
#   TIMING=1 also scans each repository alone under `timeout 120` and GNU time, and prints
#   wall seconds, peak RSS and exit code per repository (a hang shows as exit 124).
# Prints findings per repository and per rule. Compare two result files with scripts/corpus-diff.py.
set -uo pipefail
REPOS=${1:-/work/corpus/repos}
BIN=${2:-target/release/mlguard}
OUT=${3:-corpus-results.jsonl}
[ -x "$BIN" ] || { echo "no binary at $BIN" >&2; exit 2; }
[ -d "$REPOS" ] || { echo "no directory $REPOS" >&2; exit 2; }

"$BIN" scan --repos --format json --no-progress "$REPOS" > "$OUT"
code=$?
[ $code -le 1 ] || echo "scan exited with $code" >&2

python3 - "$OUT" <<'PY'
import collections, json, sys
per_repo, per_rule = collections.Counter(), collections.Counter()
failed = []
for line in open(sys.argv[1]):
    doc = json.loads(line)
    if doc.get("kind") == "total":
        continue
    if doc.get("failed"):
        failed.append(doc.get("repo"))
    per_repo[doc["repo"]] += 0
    for f in doc.get("findings", []):
        per_repo[doc["repo"]] += 1
        per_rule[f["rule"]] += 1
print(f"{'repository':60} findings")
for repo, n in sorted(per_repo.items(), key=lambda kv: (-kv[1], kv[0])):
    print(f"{repo:60} {n:8}")
print(f"\n{'rule':8} findings")
for rule, n in sorted(per_rule.items()):
    print(f"{rule:8} {n:8}")
print(f"\n{len(per_repo)} repositories, {sum(per_rule.values())} findings"
      + (f", failed: {', '.join(failed)}" if failed else ""))
PY

if [ "${TIMING:-0}" = 1 ]; then
  TMP=$(mktemp)
  trap 'rm -f "$TMP"' EXIT
  printf '\n%-60s %8s %8s %4s\n' repository wall_s rss_mb exit
  for dir in "$REPOS"/*/; do
    /usr/bin/time -f '%e %M' -o "$TMP" timeout 120 \
      "$BIN" scan --repos --format json --no-progress --quiet "$dir" >/dev/null 2>&1
    rc=$?
    read -r wall rss < <(tail -1 "$TMP")
    printf '%-60s %8s %8d %4s\n' "$(basename "$dir")" "$wall" "$((rss / 1024))" "$rc"
  done
fi
exit 0
