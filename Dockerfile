# The mlguard container image, for CI systems other than GitHub Actions:
#   docker run --rm -v "$PWD:/src" IMAGE scan .     (IMAGE: ghcr.io/mlguard/mlguard:<version>, named after the repository)
# Nothing but the static (musl) release binary: no shell, no package manager, no libc. The
# release workflow copies the binaries it built into dist/linux-<arch>/ and builds this for
# linux/amd64 and linux/arm64; scripts/package-test.sh builds and tests the same binary locally.
# Without git in the image, `scan --changed-since` and the commit in `evidence` are unavailable.
FROM scratch
ARG TARGETARCH=amd64
COPY --chmod=0755 dist/linux-${TARGETARCH}/mlguard /usr/local/bin/mlguard
# an unprivileged user with no home; mount the code read-only or with world-readable files
USER 65532:65532
WORKDIR /src
ENTRYPOINT ["/usr/local/bin/mlguard"]
CMD ["scan", "."]
