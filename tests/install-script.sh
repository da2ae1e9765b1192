#!/usr/bin/env bash
# scripts/install.sh without a network: a `curl` on PATH serves a fake release from a temporary
# directory, laid out as the release workflow lays it out (mlguard-vX.Y.Z-<target>.tar.gz and
# SHA256SUMS under releases/download/vX.Y.Z/). Checks that a good archive is verified, unpacked
# and cached, that a second run downloads nothing, that a checksum mismatch is refused, and that
# a missing release falls back to building (here: fails clearly without cargo). Run by .ci/run;
# takes a second.
set -euo pipefail
repo="$(cd "$(dirname "$0")/.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) target=x86_64-unknown-linux-musl ;;
  Linux-aarch64) target=aarch64-unknown-linux-musl ;;
  Darwin-x86_64) target=x86_64-apple-darwin ;;
  Darwin-arm64) target=aarch64-apple-darwin ;;
  *) echo "skip: no release target for $(uname -s) $(uname -m)"; exit 0 ;;
esac
version=9.8.7
server="$work/server/releases/download/v$version"
mkdir -p "$server" "$work/bin" "$work/stage/mlguard-v$version-$target"
# the "binary": prints what `mlguard --version` prints
printf '#!/bin/sh\necho "mlguard %s (commit 0123456789ab)"\n' "$version" \
  > "$work/stage/mlguard-v$version-$target/mlguard"
chmod +x "$work/stage/mlguard-v$version-$target/mlguard"
tar -C "$work/stage" -czf "$server/mlguard-v$version-$target.tar.gz" "mlguard-v$version-$target"
sum() { if command -v sha256sum >/dev/null; then sha256sum "$@"; else shasum -a 256 "$@"; fi; }
(cd "$server" && sum "mlguard-v$version-$target.tar.gz" > SHA256SUMS)

# curl -o FILE URL, served from $work/server; counts downloads
cat > "$work/bin/curl" <<EOF
#!/usr/bin/env bash
out=""; url=""
while [ \$# -gt 0 ]; do
  case "\$1" in -o) out=\$2; shift 2 ;; --proto|--retry) shift 2 ;; -*) shift ;; *) url=\$1; shift ;; esac
done
echo "\$url" >> "$work/downloads"
path="$work/server/\${url#https://example.test/acme/mlguard/}"
[ -f "\$path" ] || exit 22
cp "\$path" "\$out"
EOF
chmod +x "$work/bin/curl"
run() {
  env PATH="$work/bin:/usr/bin:/bin" MLGUARD_REPOSITORY=https://example.test/acme/mlguard \
    MLGUARD_CACHE="$work/cache" HOME="$work/home" "$repo/scripts/install.sh" "$@"
}

# 1. a good release: verified, unpacked, cached per version, runs
out=$(run --version "$version" 2>&1) || { echo "$out"; fail "install failed"; }
grep -q "SHA-256 verified" <<<"$out" || { echo "$out"; fail "no verification reported"; }
[ "$(run --version "$version" --print-path 2>/dev/null)" = "$work/cache/$version/bin/mlguard" ] \
  || fail "--print-path does not name the cached binary"
"$work/cache/$version/bin/mlguard" | grep -q "mlguard $version" || fail "the installed binary does not run"
grep -q "releases/download/v$version/SHA256SUMS" "$work/downloads" || fail "SHA256SUMS not fetched"
echo "ok: a release is downloaded, verified against SHA256SUMS and cached"

# 2. the second run downloads nothing
before=$(wc -l < "$work/downloads")
run --version "$version" >/dev/null 2>&1
[ "$(wc -l < "$work/downloads")" = "$before" ] || fail "the cached binary was downloaded again"
echo "ok: a cached version downloads nothing"

# 3. a tampered archive is refused, and nothing is installed
echo "tampered" >> "$server/mlguard-v$version-$target.tar.gz"
if out=$(run --version "$version" --dir "$work/other" 2>&1); then
  echo "$out"; fail "a checksum mismatch was accepted"
fi
grep -q "checksum mismatch" <<<"$out" || { echo "$out"; fail "the mismatch is not named"; }
[ ! -e "$work/other/mlguard" ] || fail "a tampered binary was installed"
echo "ok: a checksum mismatch is refused"

# 4. no release for the version: the build fallback, which needs cargo (absent from this PATH)
if env PATH="/usr/bin:/bin" sh -c 'command -v cargo' >/dev/null; then
  echo "install.sh: all checks passed (the fallback not tried: cargo is in /usr/bin)"
  exit 0
fi
if out=$(run --version 0.0.1 --dir "$work/none" 2>&1); then
  echo "$out"; fail "a missing release without cargo succeeded"
fi
grep -q "no cargo to build it" <<<"$out" || { echo "$out"; fail "the fallback is not explained"; }
echo "ok: a missing release falls back to building"
echo "install.sh: all checks passed"
