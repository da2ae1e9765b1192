#!/usr/bin/env bash
# Install the mlguard release binary for this machine, verified by its SHA-256, or build it.
#
#   scripts/install.sh                 # the version in this checkout's Cargo.toml, into the cache
#   scripts/install.sh --version 0.2.0 --dir ~/.local/bin
#   scripts/install.sh --print-path    # install if needed, print the binary's path (for hooks)
#
# What it downloads is what .github/workflows/release.yml publishes for the tag v<VERSION>:
#   <repository>/releases/download/v<VERSION>/mlguard-v<VERSION>-<TARGET>.tar.gz (.zip on Windows)
#   <repository>/releases/download/v<VERSION>/SHA256SUMS
# where <repository> is `repository` in Cargo.toml (or MLGUARD_REPOSITORY). When there is no
# release for the version or this platform (a branch, a fork, an unusual machine), or
# MLGUARD_BUILD=1, it builds from this checkout with `cargo install --locked` instead. Either way
# the binary lands in a directory per version (MLGUARD_CACHE, default ~/.cache/mlguard), so a
# second run, and CI with that directory cached, installs nothing.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
manifest_value() { sed -n "s/^$1 = \"\(.*\)\"$/\1/p" "$ROOT/Cargo.toml" | head -1; }

VERSION=""
DIR=""
PRINT_PATH=0
while [ $# -gt 0 ]; do
  case "$1" in
    --version) VERSION=${2#v}; shift 2 ;;
    --dir) DIR=$2; shift 2 ;;
    --print-path) PRINT_PATH=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
VERSION=${VERSION:-$(manifest_value version)}
REPOSITORY=${MLGUARD_REPOSITORY:-$(manifest_value repository)}
CACHE=${MLGUARD_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/mlguard}
DIR=${DIR:-$CACHE/$VERSION/bin}
EXE=mlguard
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
log() { [ "$PRINT_PATH" = 1 ] && echo "$*" >&2 || echo "$*"; }

# the release target triple for this machine, empty when no release binary fits it
target() {
  local os arch
  os=$(uname -s)
  arch=$(uname -m)
  case "$arch" in
    x86_64|amd64) arch=x86_64 ;;
    aarch64|arm64) arch=aarch64 ;;
    *) return 0 ;;
  esac
  case "$os" in
    Linux) echo "$arch-unknown-linux-musl" ;;
    Darwin) echo "$arch-apple-darwin" ;;
    MINGW*|MSYS*|CYGWIN*|Windows_NT) [ "$arch" = x86_64 ] && echo "x86_64-pc-windows-msvc" ;;
  esac
}

sha256() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else shasum -a 256 "$1" | cut -d' ' -f1; fi
}

fetch() {
  if command -v curl >/dev/null 2>&1; then
    curl --proto '=https' --tlsv1.2 -fsSL --retry 3 -o "$2" "$1"
  else
    wget -q -O "$2" "$1"
  fi
}

# download, verify and unpack the release archive; non-zero when there is none for this machine
download() {
  local triple=$1 ext=tar.gz asset base want got
  case "$triple" in *windows*) ext=zip; EXE=mlguard.exe ;; esac
  asset="mlguard-v$VERSION-$triple.$ext"
  base="$REPOSITORY/releases/download/v$VERSION"
  fetch "$base/SHA256SUMS" "$tmp/SHA256SUMS" 2>/dev/null || return 1
  fetch "$base/$asset" "$tmp/$asset" || return 1
  want=$(awk -v a="$asset" '$2 == a || $2 == "*"a {print $1}' "$tmp/SHA256SUMS")
  got=$(sha256 "$tmp/$asset")
  if [ -z "$want" ] || [ "$want" != "$got" ]; then
    echo "install.sh: checksum mismatch for $asset (SHA256SUMS says ${want:-nothing}, got $got)" >&2
    exit 1
  fi
  mkdir -p "$DIR"
  if [ "$ext" = zip ]; then
    unzip -q -o "$tmp/$asset" -d "$tmp/x"
  else
    mkdir -p "$tmp/x" && tar -xzf "$tmp/$asset" -C "$tmp/x"
  fi
  install -m 0755 "$(find "$tmp/x" -name "$EXE" -type f | head -1)" "$DIR/$EXE"
  log "mlguard $VERSION ($triple) installed from $base, SHA-256 verified"
}

build() {
  if ! command -v cargo >/dev/null 2>&1; then
    echo "install.sh: no release of mlguard $VERSION for this machine and no cargo to build it (https://rustup.rs)" >&2
    exit 1
  fi
  log "building mlguard $VERSION from $ROOT (cargo install --locked; a few minutes, once per version)"
  local root=$tmp/build
  if [ "$PRINT_PATH" = 1 ]; then
    cargo install --locked --quiet --path "$ROOT" --bin mlguard --root "$root" >&2
  else
    cargo install --locked --path "$ROOT" --bin mlguard --root "$root"
  fi
  case "$(uname -s)" in MINGW*|MSYS*|CYGWIN*) EXE=mlguard.exe ;; esac
  mkdir -p "$DIR"
  install -m 0755 "$root/bin/$EXE" "$DIR/$EXE"
}

if [ -x "$DIR/mlguard" ] || [ -x "$DIR/mlguard.exe" ]; then
  [ -x "$DIR/mlguard.exe" ] && EXE=mlguard.exe
elif [ "${MLGUARD_BUILD:-0}" != 1 ] && triple=$(target) && [ -n "$triple" ] && download "$triple"; then
  :
else
  [ "${MLGUARD_BUILD:-0}" = 1 ] || log "no mlguard $VERSION release for this machine at $REPOSITORY"
  build
fi
if [ "$PRINT_PATH" = 1 ]; then
  echo "$DIR/$EXE"
else
  "$DIR/$EXE" --version
fi
