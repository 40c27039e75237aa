#!/usr/bin/env bash
# Builds the tryggnews image without Docker Hub: the base image is made here from Debian's
# own packages (debootstrap, Debian bookworm with Python 3.11), then the Containerfile is
# built on it with podman. Everything comes from Debian's package mirror and PyPI.
#
#   sudo deploy/build-image.sh                 # base (if missing) + image
#   sudo deploy/build-image.sh --rebuild-base  # also remake the base (e.g. monthly, for
#                                              # Debian's security updates)
#
# Needs root and: apt-get install podman debootstrap
# Settings (environment):
#   TAG           the image built            (default localhost/tryggnews:latest)
#   BASE_TAG      the Debian-made base       (default localhost/debian-bookworm-python)
#   MIRROR        Debian's mirror            (default http://deb.debian.org/debian)
#   SECURITY      Debian's security mirror   (default http://deb.debian.org/debian-security)
#   EXTRA_CA_DIR  the site's own CA certificates, copied into the base so pip and apt trust
#                 a TLS-inspecting proxy as the host does (default
#                 /usr/local/share/ca-certificates; empty: none)
#   RUN_OPTS      extra `podman run` options for the final check, e.g. on a host whose
#                 kernel refuses podman's default limits:
#                 RUN_OPTS="--ulimit nofile=4096:4096 --ulimit nproc=4096:4096"
set -euo pipefail

TAG="${TAG:-localhost/tryggnews:latest}"
BASE_TAG="${BASE_TAG:-localhost/debian-bookworm-python}"
MIRROR="${MIRROR:-http://deb.debian.org/debian}"
SECURITY="${SECURITY:-http://deb.debian.org/debian-security}"
EXTRA_CA_DIR="${EXTRA_CA_DIR-/usr/local/share/ca-certificates}"
RUN_OPTS="${RUN_OPTS:-}"
SUITE=bookworm
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

rebuild_base=no
case "${1:-}" in
    "") ;;
    --rebuild-base) rebuild_base=yes ;;
    -h | --help) sed -n '2,21p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 2 ;;
esac

step() { printf '\n==> [%4ds] %s\n' "$SECONDS" "$*"; }
fail() { printf 'build-image: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (debootstrap and chroot need it)"
for tool in podman debootstrap; do
    command -v "$tool" >/dev/null || fail "$tool is missing: apt-get install podman debootstrap"
done

if [ "$rebuild_base" = no ] && podman image exists "$BASE_TAG"; then
    step "Base image $BASE_TAG exists; reusing it (--rebuild-base to make it anew)"
else
    work="$(mktemp -d /var/tmp/tryggnews-base.XXXXXX)"
    trap 'rm -rf --one-file-system "$work"' EXIT
    rootfs="$work/rootfs"

    step "Debian $SUITE (minbase) with python3, python3-venv, ca-certificates from $MIRROR"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates \
        "$SUITE" "$rootfs" "$MIRROR"

    step "Debian's security and point-release updates"
    cat >"$rootfs/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb $SECURITY $SUITE-security main
EOF
    # The chroot resolves names as the host does, only while it is being made.
    cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
    chroot "$rootfs" /usr/bin/env DEBIAN_FRONTEND=noninteractive \
        sh -c 'apt-get update -q && apt-get upgrade -y -q && apt-get clean'
    rm -rf "$rootfs"/var/lib/apt/lists/*
    : >"$rootfs/etc/resolv.conf"

    shopt -s nullglob
    cas=()
    [ -n "$EXTRA_CA_DIR" ] && cas=("$EXTRA_CA_DIR"/*.crt)
    if [ "${#cas[@]}" -gt 0 ]; then
        step "Trusting the site's CA certificates from $EXTRA_CA_DIR: ${cas[*]##*/}"
        cp "${cas[@]}" "$rootfs/usr/local/share/ca-certificates/"
        chroot "$rootfs" update-ca-certificates
    else
        step "No site CA certificates to add (EXTRA_CA_DIR=${EXTRA_CA_DIR:-<empty>})"
    fi

    step "Importing the file system as $BASE_TAG"
    tar --numeric-owner -C "$rootfs" -c . |
        podman import --change 'ENV LANG=C.UTF-8' --change 'CMD ["/usr/bin/python3"]' \
            - "$BASE_TAG"
fi

step "Building $TAG from $ROOT/Containerfile on $BASE_TAG (packages from PyPI)"
# chroot isolation: the RUN steps need no user namespaces or cgroups of their own, so the
# build works on virtual machines and in containers where those are restricted.
podman build --isolation chroot --format docker \
    --build-arg "BASE=$BASE_TAG" -t "$TAG" -f "$ROOT/Containerfile" "$ROOT"

step "Checking that the image starts: tryggnews --version"
# shellcheck disable=SC2086  # RUN_OPTS is a list of options
podman run --rm $RUN_OPTS "$TAG" --version ||
    fail "$TAG is built, but no container could start here (podman's error is above; see RUN_OPTS)"

step "Done: $TAG in ${SECONDS}s. Next: docs/deployment.md, \"With containers\""
