#!/usr/bin/env bash
# Build the cargo-fuzz targets of fuzz/ and run each one with a seed corpus made from fixtures/.
#   scripts/fuzz.sh                      # every target, 600 s each
#   scripts/fuzz.sh hcl_eval 60          # one target, 60 s
#   JOBS=2 scripts/fuzz.sh all 600       # two targets at a time
#   scripts/fuzz.sh --seeds              # only (re)build the seed corpora
# Environment: JOBS (targets at once, default 1), TIMEOUT (seconds one input may take, default 20),
# RSS_MB (memory one input may use, default 2048), KEEP_GOING (default 1: record a crash, timeout
# or out-of-memory input under fuzz/artifacts/TARGET/ and go on; 0: stop at the first).
# Uses the nightly toolchain when rustup has one, else stable with RUSTC_BOOTSTRAP=1; needs
# cargo-fuzz (`cargo install cargo-fuzz --locked`). Runs at nice 19: the machine stays usable.
# Logs: fuzz/artifacts/TARGET.log, with a summary line per target at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TARGETS=(hcl_eval policy_json config_toml suppressions cedar_rules)
TARGET=${1:-all}
SECONDS_EACH=${2:-600}
JOBS=${JOBS:-1}
TIMEOUT=${TIMEOUT:-20}
RSS_MB=${RSS_MB:-2048}
KEEP_GOING=${KEEP_GOING:-1}

# --- seed corpora: fixtures packed the way the targets read them ---------------------------------

# A directory tree as one hcl_eval input: each file after a `#%% relative/path` line
# (fuzz/src/lib.rs, `unpack`). Hidden directories and documentation stay out.
pack_dir() {
  local dir=$1
  (cd "$dir" && find . -maxdepth 4 -type f \( -name '*.tf' -o -name '*.tfvars' -o -name '*.json' \
      -o -name '*.toml' -o -name '*.tpl' -o -name '*.tftpl' \) -not -path '*/.*/*' | sort) |
    while read -r f; do
      printf '#%%%% %s\n' "${f#./}"
      cat "$dir/$f"
      # a file without a final newline would swallow the next header
      [ -z "$(tail -c1 "$dir/$f")" ] || echo
    done
}

# Copy files into a corpus, named by their path so a rebuild replaces rather than duplicates.
seed_files() {
  local out=$1
  shift
  local f
  for f in "$@"; do
    cp "$f" "$out/fixture-$(echo "$f" | tr '/' '_')"
  done
}

build_seeds() {
  local c=fuzz/corpus
  mkdir -p $c/hcl_eval $c/policy_json $c/config_toml $c/suppressions $c/cedar_rules
  # every directory that holds .tf files, with what lies under it (its modules, tfvars, config)
  local d
  while read -r d; do
    pack_dir "$d" >"$c/hcl_eval/fixture-$(echo "$d" | tr '/' '_')"
  done < <(find fixtures -name '*.tf' -exec dirname {} \; | sort -u)
  mapfile -t json < <(grep -rl --include='*.json' '"Statement"' fixtures | sort)
  seed_files $c/policy_json "${json[@]}"
  mapfile -t toml < <(find fixtures -name '*.toml' | sort)
  seed_files $c/config_toml "${toml[@]}"
  # every .tf file: those with suppressions, and the block shapes comments can sit in
  mapfile -t tf < <(find fixtures -name '*.tf' | sort)
  seed_files $c/suppressions "${tf[@]}"
  mapfile -t cedar < <(find fixtures policies -name '*.cedar' | sort)
  seed_files $c/cedar_rules "${cedar[@]}"
  # small hand-written seeds for shapes the fixtures lack
  local t
  for t in "${TARGETS[@]}"; do
    if [ -d "fuzz/seeds/$t" ]; then
      cp fuzz/seeds/"$t"/* "$c/$t/"
    fi
  done
  for t in "${TARGETS[@]}"; do
    echo "seeds: $t $(find "$c/$t" -type f | wc -l) files"
  done
}

if [ "$TARGET" = "--seeds" ]; then
  build_seeds
  exit 0
fi

# --triage [TARGET]: replay every stored crash input and group them by where they fail
if [ "$TARGET" = "--triage" ]; then
  for t in ${2:-${TARGETS[*]}}; do
    bin=fuzz/target/x86_64-unknown-linux-gnu/release/$t
    [ -x "$bin" ] || continue
    for f in fuzz/artifacts/"$t"/crash-* fuzz/artifacts/"$t"/timeout-* fuzz/artifacts/"$t"/oom-*; do
      [ -f "$f" ] || continue
      out=$(timeout 60 "$bin" -rss_limit_mb="$RSS_MB" -timeout="$TIMEOUT" "$f" 2>&1 || true)
      where=$(echo "$out" | grep -m1 -oE "panicked at [^ ]+|has overflowed its stack|ERROR: libFuzzer: [a-z -]+" || true)
      what=$(echo "$out" | grep -m1 -A1 'panicked at' | tail -1 | cut -c1-100 || true)
      echo "$t | ${where:-no failure on replay} | $what | $f"
    done
  done | sort -t'|' -k1,2 | awk -F' [|] ' '{k=$1" | "$2" | "$3; n[k]++; if (!(k in ex)) ex[k]=$4}
    END {for (k in n) printf "%4d  %s  (e.g. %s)\n", n[k], k, ex[k]}' | sort -k2
  exit 0
fi
if [ "$TARGET" != all ] && ! printf '%s\n' "${TARGETS[@]}" | grep -qx "$TARGET"; then
  echo "unknown target \`$TARGET\`; use one of: all ${TARGETS[*]}" >&2
  exit 2
fi
[ "$TARGET" = all ] && RUN=("${TARGETS[@]}") || RUN=("$TARGET")

# --- toolchain ------------------------------------------------------------------------------------

if rustup toolchain list 2>/dev/null | grep -q '^nightly'; then
  CARGO=(cargo +nightly)
else
  # libFuzzer's instrumentation flags are unstable; stable rustc accepts them this way
  export RUSTC_BOOTSTRAP=1
  CARGO=(cargo)
fi
if ! "${CARGO[@]}" fuzz --version >/dev/null 2>&1; then
  echo "cargo-fuzz is not installed: cargo install cargo-fuzz --locked" >&2
  exit 3
fi

build_seeds
# no sanitizer (safe Rust: panics and aborts are what we look for, at full speed), debug
# assertions on (arithmetic overflow panics instead of wrapping)
BUILD=(fuzz build --sanitizer none --debug-assertions)
if [ "$TARGET" = all ]; then
  nice -n 19 "${CARGO[@]}" "${BUILD[@]}"
else
  nice -n 19 "${CARGO[@]}" "${BUILD[@]}" "$TARGET"
fi

# --- runs -----------------------------------------------------------------------------------------

run_one() {
  local t=$1
  local log="fuzz/artifacts/$t.log"
  local dict=()
  [ -f "fuzz/dicts/$t.dict" ] && dict=("-dict=$ROOT/fuzz/dicts/$t.dict")
  local keep=()
  [ "$KEEP_GOING" = 1 ] && keep=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
  mkdir -p "fuzz/artifacts/$t"
  local start
  start=$(date +%s)
  # the corpus grows in fuzz/corpus/TARGET; findings land in fuzz/artifacts/TARGET/
  nice -n 19 "${CARGO[@]}" fuzz run "${BUILD[@]:2}" "$t" "fuzz/corpus/$t" -- \
    -max_total_time="$SECONDS_EACH" -timeout="$TIMEOUT" -rss_limit_mb="$RSS_MB" \
    -print_final_stats=1 "${dict[@]}" "${keep[@]}" >"$log" 2>&1 || true
  summarize "$t" "$(( $(date +%s) - start ))" || true
}

# One line per target from its log: executions, coverage, corpus and findings.
summarize() {
  local t=$1 secs=$2 log="fuzz/artifacts/$t.log"
  local execs cov ft corpus found
  # the last status line (`#EXECS: cov: N ft: N ...`) counts executions and coverage, in fork
  # mode (which prints no final stats) too
  local last
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  execs=$(echo "$last" | grep -oE '^#[0-9]+' | tr -d '#' || true)
  cov=$(echo "$last" | grep -oE 'cov: [0-9]+' | grep -oE '[0-9]+' || true)
  ft=$(echo "$last" | grep -oE 'ft: [0-9]+' | grep -oE '[0-9]+' || true)
  corpus=$(find "fuzz/corpus/$t" -type f | wc -l)
  found=$(find "fuzz/artifacts/$t" -type f -newer "$MARK" \( -name 'crash-*' -o -name 'timeout-*' \
    -o -name 'oom-*' \) | wc -l)
  printf '%-13s %5ss  execs %-9s cov %-6s ft %-6s corpus %-6s artifacts %s\n' \
    "$t" "$secs" "${execs:-?}" "${cov:-?}" "${ft:-?}" "$corpus" "$found" | tee -a fuzz/artifacts/summary.txt
}

mkdir -p fuzz/artifacts
# findings of this run are the files newer than this mark
MARK=fuzz/artifacts/.run-start
touch "$MARK"
echo "fuzz run $(date -u +%FT%TZ), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)," \
  "${SECONDS_EACH}s per target, $JOBS at a time" | tee -a fuzz/artifacts/summary.txt
running=0
for t in "${RUN[@]}"; do
  run_one "$t" &
  running=$((running + 1))
  if [ "$running" -ge "$JOBS" ]; then
    wait -n || true
    running=$((running - 1))
  fi
done
wait
found=$(find fuzz/artifacts -type f -newer "$MARK" \( -name 'crash-*' -o -name 'timeout-*' -o -name 'oom-*' \) |
  wc -l)
if [ "$found" -gt 0 ]; then
  echo "inputs to look at (crash, timeout, out of memory): $found under fuzz/artifacts/" >&2
  exit 1
fi
