#!/usr/bin/env bash
# Local stand-ins for the Dockerfile's base images, for machines that reach no image registry
# (only Debian's archive and the language registries). Each is made once and reused:
#   $DEBIAN_BASE     Debian bookworm (debootstrap minbase) with python3 + venv: stands in for
#                    python:3.11-slim-bookworm (the builder and runtime base).
#                    It trusts this machine's CA certificates too (the registries may be reached
#                    through a TLS-inspecting proxy whose CA only the host knows).
#   $TOOLCHAIN_BASE  that plus this machine's Rust and Go toolchains: stands in for the rust and
#                    golang images (the parser wheel and grpc_health_probe stages).
set -euo pipefail

DEBIAN_BASE=${DEBIAN_BASE:-localhost/ggserve-base/debian:bookworm}
ROOTFS_BASE=${ROOTFS_BASE:-localhost/ggserve-base/debootstrap:bookworm}
HOST_CA_BUNDLE=${HOST_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}
TOOLCHAIN_BASE=${TOOLCHAIN_BASE:-localhost/ggserve-base/toolchain:bookworm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
RUST_TOOLCHAIN=${RUST_TOOLCHAIN:-$(rustc --print sysroot)}
GO_ROOT=${GO_ROOT:-$(go env GOROOT)}

if ! podman image exists "$ROOTFS_BASE"; then
    root=$(mktemp -d /var/tmp/ggserve-debootstrap.XXXXXX)
    trap 'rm -rf "$root"' EXIT
    echo "image bases: debootstrap bookworm -> $ROOTFS_BASE"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        bookworm "$root" "$MIRROR" >/dev/null
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/archives/*.deb
    tar -C "$root" --numeric-owner -c . |
        podman import --change 'CMD ["/bin/bash"]' - "$ROOTFS_BASE" >/dev/null
    rm -rf "$root"
    trap - EXIT
fi

if ! podman image exists "$DEBIAN_BASE"; then
    echo "image bases: $ROOTFS_BASE + this machine's CA certificates -> $DEBIAN_BASE"
    ctr=$(buildah from --quiet "$ROOTFS_BASE")
    trap 'buildah rm "$ctr" >/dev/null' EXIT
    buildah copy --quiet "$ctr" "$HOST_CA_BUNDLE" /usr/local/share/ca-certificates/host.crt >/dev/null
    buildah run --isolation chroot "$ctr" -- update-ca-certificates >/dev/null
    # pip and requests read their own bundle unless told to use the system's.
    buildah config --env PIP_CERT=/etc/ssl/certs/ca-certificates.crt \
        --env REQUESTS_CA_BUNDLE=/etc/ssl/certs/ca-certificates.crt "$ctr"
    buildah commit --quiet --rm "$ctr" "$DEBIAN_BASE" >/dev/null
    trap - EXIT
fi

if ! podman image exists "$TOOLCHAIN_BASE"; then
    echo "image bases: $DEBIAN_BASE + rust ($RUST_TOOLCHAIN) + go ($GO_ROOT) -> $TOOLCHAIN_BASE"
    ctr=$(buildah from --quiet "$DEBIAN_BASE")
    trap 'buildah rm "$ctr" >/dev/null' EXIT
    # The toolchain without its documentation (share/ is 0.8 GB of HTML).
    for part in bin lib libexec; do
        buildah copy --quiet "$ctr" "$RUST_TOOLCHAIN/$part" "/usr/local/rust/$part" >/dev/null
    done
    buildah copy --quiet "$ctr" "$GO_ROOT" /usr/local/go >/dev/null
    buildah config \
        --env PATH=/usr/local/rust/bin:/usr/local/go/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
        --env CARGO_HOME=/usr/local/cargo "$ctr"
    buildah commit --quiet --rm "$ctr" "$TOOLCHAIN_BASE" >/dev/null
    trap - EXIT
fi
