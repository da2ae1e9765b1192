#!/usr/bin/env bash
# Build the release artifacts locally and time "nothing to a first scan" through each of them,
# as a new user on a fresh machine would go (only the download is replaced by a local file):
#
#   1. the static Linux binary (musl) that the release archive and the container image carry:
#      archived and summed as the release workflow does, verified and unpacked into an empty
#      directory, run as an unprivileged user (the image's 65532) on the example platform, then
#      the image itself when a container builder is available;
#   2. the Python wheel (maturin, `bindings = "bin"`): installed with pip into a fresh venv,
#      whose `mlguard` scans the example platform.
#
#   scripts/package-test.sh                  # profile release (what `cargo install` builds)
#   PROFILE=dist scripts/package-test.sh     # the published profile (fat LTO: much slower)
#
# Needs: cargo, python3 with venv, network to the package index for maturin (once). The musl
# target (`rustup target add x86_64-unknown-linux-musl`, musl-gcc from musl-tools) is used when
# present, else the host target. Artifacts go to dist/ (git-ignored).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
PROFILE=${PROFILE:-release}
OUT=$ROOT/dist
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
VERSION=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -1)
EXAMPLE=fixtures/examples/ml-platform-violations
ms() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }
report() { printf '%-58s %s\n' "$1" "$2"; }

# expect exit 1 and DT006 among the findings: the example has one violation per rule
check_scan() {
  local bin=$1 dir=$2 code=0
  "$bin" scan --no-progress --format json "$dir" > "$TMP/scan.json" || code=$?
  if [ "$code" -ne 1 ] || ! grep -q '"rule": "DT006"' "$TMP/scan.json"; then
    echo "package-test: $bin scan $dir exited $code without the expected findings" >&2
    exit 1
  fi
}

echo "== mlguard $VERSION, profile $PROFILE; machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# ---- 1. the static binary, as the release archive and the image carry it
TARGET=x86_64-unknown-linux-musl
if ! rustup target list --installed 2>/dev/null | grep -qx "$TARGET" || ! command -v musl-gcc >/dev/null; then
  echo "musl target or musl-gcc missing: building for the host instead (not static)"
  TARGET=$(rustc -vV | sed -n 's/^host: //p')
fi
start=$(date +%s%N)
cargo build --locked --profile "$PROFILE" --target "$TARGET" --bin mlguard
report "build $TARGET ($PROFILE)" "$(ms "$start") ms"
BIN=target/$TARGET/$PROFILE/mlguard
report "binary size" "$(stat -c %s "$BIN") bytes"
file "$BIN" 2>/dev/null | sed 's/^/  /' || true
case "$TARGET" in
  *musl) file "$BIN" | grep -Eq 'static(ally|-pie) linked' || { echo "not static" >&2; exit 1; } ;;
esac

# what the Dockerfile copies, and what the release workflow archives and sums
mkdir -p "$OUT/linux-amd64" "$OUT/release"
cp "$BIN" "$OUT/linux-amd64/mlguard"
name=mlguard-v$VERSION-$TARGET
mkdir -p "$TMP/stage/$name" && cp "$BIN" README.md "$TMP/stage/$name/"
tar -C "$TMP/stage" -czf "$OUT/release/$name.tar.gz" "$name"
(cd "$OUT/release" && sha256sum "$name.tar.gz" > SHA256SUMS)
report "release archive" "$(stat -c %s "$OUT/release/$name.tar.gz") bytes ($name.tar.gz)"

# nothing to a first scan: verify, unpack, scan a copy of the example in an empty directory
FRESH=$TMP/fresh-binary
mkdir -p "$FRESH/home" "$FRESH/work"
cp -r "$EXAMPLE" "$FRESH/work/platform"
start=$(date +%s%N)
(
  cd "$FRESH"
  cp "$OUT/release/$name.tar.gz" "$OUT/release/SHA256SUMS" .
  sha256sum --quiet -c SHA256SUMS
  tar -xzf "$name.tar.gz"
  check_scan "$FRESH/$name/mlguard" work/platform
)
report "binary: verify + unpack + first scan" "$(ms "$start") ms"

# the image's user: uid 65532, no home, nothing but the binary and the mounted code
if [ "$(id -u)" = 0 ] && command -v setpriv >/dev/null; then
  chmod a+rx "$TMP" && chmod -R a+rX "$FRESH"
  start=$(date +%s%N)
  code=0
  env -i setpriv --reuid 65532 --regid 65532 --clear-groups \
    "$FRESH/$name/mlguard" scan --no-progress "$FRESH/work/platform" > "$TMP/nonroot.txt" 2>&1 || code=$?
  [ "$code" -eq 1 ] && grep -q DT006 "$TMP/nonroot.txt" || { cat "$TMP/nonroot.txt"; exit 1; }
  report "binary as uid 65532 with an empty environment" "$(ms "$start") ms, exit $code"
fi

# the image itself, when something can build it
if command -v docker >/dev/null && docker info >/dev/null 2>&1; then
  docker build -q -t mlguard-package-test "$ROOT" >/dev/null
  docker run --rm -v "$FRESH/work/platform:/src:ro" mlguard-package-test scan --no-progress . || [ $? -eq 1 ]
  report "container image" "built and scanned"
else
  report "container image" "not built: no container builder runs here (the binary it copies was tested above)"
fi

# ---- 2. the wheel
VENV_TOOLS=$TMP/tools
python3 -m venv "$VENV_TOOLS"
"$VENV_TOOLS/bin/pip" install -q "maturin>=1.9,<2"
start=$(date +%s%N)
# the static binary runs on glibc and musl systems alike: one wheel tagged for both
"$VENV_TOOLS/bin/maturin" build --locked --profile "$PROFILE" --out "$OUT/wheels" \
  $( [ "$TARGET" = x86_64-unknown-linux-musl ] && echo --target "$TARGET" --compatibility manylinux2014 musllinux_1_2 )
report "maturin build ($PROFILE)" "$(ms "$start") ms"
WHEEL=$(ls -t "$OUT"/wheels/mlguard_cli-"$VERSION"-*.whl | head -1)
report "wheel" "$(stat -c %s "$WHEEL") bytes ($(basename "$WHEEL"))"
if unzip -l "$WHEEL" | grep -q 'mlguard-bench'; then
  echo "the wheel carries the benchmark binary" >&2
  exit 1
fi

# nothing to a first scan: a fresh venv, the wheel installed from a local file, the example
FRESH=$TMP/fresh-wheel
mkdir -p "$FRESH"
cp -r "$EXAMPLE" "$FRESH/platform"
start=$(date +%s%N)
python3 -m venv "$FRESH/venv"
"$FRESH/venv/bin/pip" install -q --no-index "$WHEEL" 2>&1 | grep -v 'musllinux' || true
if [ -x "$FRESH/venv/bin/mlguard" ]; then
  check_scan "$FRESH/venv/bin/mlguard" "$FRESH/platform"
  report "wheel: fresh venv + pip install + first scan" "$(ms "$start") ms"
  "$FRESH/venv/bin/mlguard" --version
else
  # pip on a glibc system refuses a musllinux wheel; install its files by hand to test them
  echo "pip did not install the $TARGET wheel on this system; unpacking it to test the binary"
  python3 -m zipfile -e "$WHEEL" "$FRESH/unpacked"
  bin=$(find "$FRESH/unpacked" -path '*scripts/mlguard' | head -1)
  chmod +x "$bin"
  check_scan "$bin" "$FRESH/platform"
  report "wheel: venv + unpack + first scan" "$(ms "$start") ms"
fi
echo "== all artifacts in $OUT"
