#!/usr/bin/env bash
# Build release and run the standard benchmark sizes of docs/performance.md.
#   scripts/bench.sh            # every size
#   RUNS=5 scripts/bench.sh     # more repetitions of the timed runs (medians are reported)
# Goals to measure and report, not pass/fail tests. The machine is shared: note the load.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-3}
TMP=${TMPDIR:-/tmp}
cargo build --release --bins >/dev/null
BIN=target/release/mlguard
BENCH=target/release/mlguard-bench
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

# wall ms (from the clock: GNU time's %e has 10 ms steps) and peak RSS MB of one command
timed() {
  local start end rss=n/a
  start=$(date +%s%N)
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f '%M' -o "$TMP/mlguard-time" "$@" >/dev/null 2>&1 || true
    # GNU time writes "Command exited with non-zero status 1" first when there are findings
    rss=$(tail -1 "$TMP/mlguard-time" | awk '{printf "%.1f", $1/1024}')
  else
    "$@" >/dev/null 2>&1 || true
  fi
  end=$(date +%s%N)
  echo "$(( (end - start) / 100000 ))" "$rss" | awk '{printf "%.1f %s\n", $1/10, $2}'
}

echo; echo "== pre-commit: one module of 50 files, process start included =="
$BENCH --module 50 --reuse
MODULE="$TMP/mlguard-bench-module-50/stacks/stack00"
ONE="$MODULE/storage.tf"      # what pre-commit passes: a file, widened to its module
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 3 --runs 20 "$BIN scan --no-progress --format json $MODULE" \
    "$BIN scan --no-progress --format json $ONE" 2>&1 | grep -E 'Time|Range|Benchmark'
else
  for target in "$MODULE" "$ONE"; do
    for i in $(seq 1 20); do timed "$BIN" scan --no-progress --format json "$target" | cut -d' ' -f1; done \
      | median | xargs printf "scan %s: median %s ms over 20 runs\n" "$target"
  done
fi

echo; echo "== pre-commit: one Google Cloud module of 53 files, process start included =="
$BENCH --gcp-module 53 --reuse
GCP="$TMP/mlguard-bench-gcp-module-53/platform"
if command -v hyperfine >/dev/null; then
  hyperfine -N --warmup 3 --runs 20 "$BIN scan --no-progress --format json $GCP" 2>&1 | grep -E 'Time|Range|Benchmark'
else
  for i in $(seq 1 20); do timed "$BIN" scan --no-progress --format json "$GCP" | cut -d' ' -f1; done \
    | median | xargs printf "scan %s: median %s ms over 20 runs\n" "$GCP"
fi

echo; echo "== 3,000 files, one project and bulk =="
$BENCH --files 3000 --reuse
$BENCH --files 3000 --reuse --repos

echo; echo "== 10,000 files (~27 MB), bulk, 1 vs 2 threads: medians of $RUNS runs =="
$BENCH --files 10000 --reuse --repos
for jobs in 1 2; do
  for i in $(seq 1 "$RUNS"); do
    timed "$BIN" scan --repos --jobs "$jobs" --no-progress --format json "$TMP/mlguard-bench-10000"
  done > "$TMP/mlguard-runs"
  echo "scan --repos --jobs $jobs: median $(cut -d' ' -f1 "$TMP/mlguard-runs" | median) ms, peak RSS median $(cut -d' ' -f2 "$TMP/mlguard-runs" | median) MB"
done

echo; echo "== for_each over 10,000 instances in one module =="
$BENCH --for-each 10000 --reuse
for i in $(seq 1 "$RUNS"); do
  timed "$BIN" scan --no-progress --format json "$TMP/mlguard-bench-foreach-10000"
done > "$TMP/mlguard-runs"
echo "scan (process): median $(cut -d' ' -f1 "$TMP/mlguard-runs" | median) ms, peak RSS median $(cut -d' ' -f2 "$TMP/mlguard-runs" | median) MB"
