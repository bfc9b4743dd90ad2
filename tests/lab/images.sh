#!/usr/bin/env bash
# Build the lab base images localhost/arcready-lab-debian:{11,12,13} with debootstrap
# (minbase) and `podman import`. Cached by tag: an image that already exists is skipped.
#
# Usage: tests/lab/images.sh [11] [12] [13] [services] [roles]   (default: 11 12 13)
#        FORCE=1 tests/lab/images.sh 12                  (rebuild even if present)
# "services" builds localhost/arcready-lab-services:12 (Debian 12 + tinyproxy + mitmproxy from PyPI, installed
# offline in the image from a wheelhouse built on this machine): the image of the lab's service container.
# Env:   ARCLAB_MIRROR   Debian mirror (default http://deb.debian.org/debian)
#        ARCLAB_IMAGE    image repository (default localhost/arcready-lab-debian)
#        ARCLAB_CACHE    debootstrap package cache dir (default /var/cache/arcready-lab/debootstrap)
#        ARCLAB_DEBOOTSTRAP_TRIES  attempts per image when the mirror fails to send a package (default 4)
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

MIRROR="${ARCLAB_MIRROR:-http://deb.debian.org/debian}"
IMAGE="${ARCLAB_IMAGE:-localhost/arcready-lab-debian}"
CACHE="${ARCLAB_CACHE:-/var/cache/arcready-lab/debootstrap}"
# What Ansible, the probe and the lab tests need inside a test host.
PACKAGES="python3,python3-apt,ca-certificates,openssl,nftables,iproute2,procps,curl,sudo,iputils-ping,netbase,gnupg"

codename() {
  case "$1" in
    11) echo bullseye ;;
    12) echo bookworm ;;
    13) echo trixie ;;
    *) echo "unknown Debian version: $1 (use 11, 12 or 13)" >&2; return 1 ;;
  esac
}

need() { command -v "$1" >/dev/null 2>&1 || { echo "missing $1: run tests/lab/setup.sh" >&2; exit 1; }; }
need podman
need debootstrap

# debootstrap gives up on the first package the mirror fails to send ("Couldn't download packages"), which
# happens now and then with several builds side by side. Retry: the package cache keeps what already arrived.
_debootstrap() {
  local suite="$1" rootfs="$2" include="$3" cache="$4" try tries="${ARCLAB_DEBOOTSTRAP_TRIES:-4}"
  mkdir -p "$cache"
  for (( try = 1; try <= tries; try++ )); do
    if debootstrap --variant=minbase --include="$include" --cache-dir="$cache" \
        "$suite" "$rootfs" "$MIRROR" >"$rootfs.log" 2>&1; then
      rm -f "$rootfs.log"
      return 0
    fi
    echo "images.sh: debootstrap $suite failed (attempt $try of $tries): $(grep -E '^E: ' "$rootfs.log" | tail -n 1)" >&2
    if (( try == tries )); then
      echo "debootstrap failed for $suite; last lines:" >&2; tail -n 30 "$rootfs.log" >&2; rm -f "$rootfs.log"
      return 1
    fi
    # A failure in debootstrap's second stage can leave /proc or /sys mounted in the target.
    awk -v r="$rootfs/" 'index($2, r) == 1 {print $2}' /proc/mounts | sort -r | xargs -r -n 1 umount -l
    find "$rootfs" -xdev -mindepth 1 -delete
    sleep $(( 5 * try ))
  done
}

build_one() {
  local ver="$1" suite tag rootfs t0
  suite="$(codename "$ver")"
  tag="${IMAGE}:${ver}"
  if [[ -z "${FORCE:-}" ]] && podman image exists "$tag"; then
    echo "images.sh: $tag present (cached)"
    return 0
  fi
  t0=$(date +%s)
  rootfs="$(mktemp -d /var/tmp/arclab-rootfs-"${ver}".XXXXXX)"
  # EXIT too: under set -e a failing step leaves the script without running RETURN traps.
  # shellcheck disable=SC2064
  trap "rm -rf '$rootfs' '$rootfs.log'" RETURN EXIT
  echo "images.sh: debootstrap $suite -> $tag"
  _debootstrap "$suite" "$rootfs" "$PACKAGES" "$CACHE/$suite"
  # Trim: apt lists and caches, docs. Keep the image small and imports fast.
  rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/var/cache/apt/archives/*.deb \
         "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/* "$rootfs"/usr/share/locale/*
  # No services are started in the containers; keep policy-rc.d to stop package scripts trying.
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"; chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
  # Lab hosts use /etc/hosts for names; avoid the host's resolv.conf leaking into the image.
  : >"$rootfs/etc/resolv.conf"
  echo "arclab" >"$rootfs/etc/hostname"
  tar -C "$rootfs" --numeric-owner -c . | podman import \
      --change 'CMD ["/bin/sleep","infinity"]' \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --message "arcready lab Debian $ver ($suite, debootstrap minbase)" - "$tag" >/dev/null
  echo "images.sh: built $tag in $(( $(date +%s) - t0 ))s"
}

SERVICES_IMAGE="${ARCLAB_SERVICES_IMAGE:-localhost/arcready-lab-services:12}"
MITMPROXY_SPEC="${ARCLAB_MITMPROXY_SPEC:-mitmproxy>=11,<12}"
WHEELS="${ARCLAB_WHEELS:-/var/cache/arcready-lab/wheels}"

lab_python() {
  # A Python with pip on this machine (same minor version as Debian 12's python3, 3.11, for the wheels).
  local py
  for py in "${ARCLAB_PYTHON:-}" python3 "$HERE/../../.venv/bin/python"; do
    [[ -n "$py" ]] && command -v "$py" >/dev/null 2>&1 && "$py" -m pip --version >/dev/null 2>&1 &&
      [[ "$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')" == 3.11 ]] && { echo "$py"; return; }
  done
  echo "images.sh: no Python 3.11 with pip found (the wheels must match Debian 12's python3); set ARCLAB_PYTHON" >&2
  return 1
}

build_services() {
  local tag="$SERVICES_IMAGE" rootfs t0 py version
  if [[ -z "${FORCE:-}" ]] && podman image exists "$tag"; then
    echo "images.sh: $tag present (cached)"
    return 0
  fi
  t0=$(date +%s)
  py="$(lab_python)"
  mkdir -p "$WHEELS" "$CACHE/bookworm-services"
  # Wheels for mitmproxy and its dependencies, made with this machine's pip (the ordinary client and its
  # settings), for CPython 3.11 = Debian 12's python3. The image installs them with --no-index.
  echo "images.sh: wheelhouse for $MITMPROXY_SPEC"
  "$py" -m pip wheel -q --disable-pip-version-check -w "$WHEELS" "$MITMPROXY_SPEC" 2>&1 | grep -v '^WARNING: Location' || true
  rootfs="$(mktemp -d /var/tmp/arclab-rootfs-services.XXXXXX)"
  # EXIT too: under set -e a failing step leaves the script without running RETURN traps.
  # shellcheck disable=SC2064
  trap "rm -rf '$rootfs' '$rootfs.log'" RETURN EXIT
  echo "images.sh: debootstrap bookworm -> $tag"
  _debootstrap bookworm "$rootfs" "$PACKAGES,tinyproxy,python3-venv" "$CACHE/bookworm-services"
  mkdir -p "$rootfs/tmp/wheels"
  cp "$WHEELS"/*.whl "$rootfs/tmp/wheels/"
  chroot "$rootfs" /usr/bin/python3 -m venv /opt/mitmproxy
  chroot "$rootfs" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    /opt/mitmproxy/bin/pip install -q --no-index --find-links /tmp/wheels --disable-pip-version-check "$MITMPROXY_SPEC"
  # Not `| head -1`: under pipefail, head closing the pipe early makes mitmdump die of BrokenPipeError.
  version="$(chroot "$rootfs" /opt/mitmproxy/bin/mitmdump --version)"
  echo "${version%%$'\n'*}"
  rm -rf "$rootfs/tmp/wheels" "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin \
         "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/usr/share/doc/* "$rootfs"/usr/share/man/*
  printf '#!/bin/sh\nexit 101\n' >"$rootfs/usr/sbin/policy-rc.d"; chmod 0755 "$rootfs/usr/sbin/policy-rc.d"
  : >"$rootfs/etc/resolv.conf"
  tar -C "$rootfs" --numeric-owner -c . | podman import \
      --change 'CMD ["/bin/sleep","infinity"]' \
      --change 'ENV PATH=/opt/mitmproxy/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --message "arcready lab services (Debian 12, tinyproxy, mitmproxy)" - "$tag" >/dev/null
  echo "images.sh: built $tag in $(( $(date +%s) - t0 ))s"
}

# "roles" builds the molecule role scenarios' images (extensions/molecule/_roles/Containerfile.j2 on each base
# image) ahead of time: molecule builds them again in its create step, which then finds every layer in podman's
# build cache instead of spending its first scenario's minutes in apt inside the image.
ROLE_CONTAINERFILE="$HERE/../../extensions/molecule/_roles/Containerfile.j2"
ROLE_IMAGE="${ARCLAB_ROLE_IMAGE:-localhost/arcready-lab-role}"
build_roles() {
  local dir v pids=() failed=0
  dir="$(mktemp -d /var/tmp/arclab-roles.XXXXXX)"
  for v in 11 12 13; do
    mkdir -p "$dir/$v"
    sed "s|{{ item.image }}|${IMAGE}:$v|" "$ROLE_CONTAINERFILE" >"$dir/$v/Dockerfile"
    ( start=$(date +%s)
      podman build -q -t "$ROLE_IMAGE:$v" -f "$dir/$v/Dockerfile" "$dir/$v" >"$dir/$v.log" 2>&1 &&
        echo "images.sh: built $ROLE_IMAGE:$v (molecule's role image layers) in $(( $(date +%s) - start ))s" ) &
    pids+=($!)
  done
  for v in "${pids[@]}"; do wait "$v" || failed=1; done
  if (( failed )); then tail -n 20 "$dir"/*.log >&2; fi
  rm -rf "$dir"
  return "$failed"
}

targets=()
roles=0
for t in "$@"; do if [[ "$t" == roles ]]; then roles=1; else targets+=("$t"); fi; done
if (( $# == 0 )); then targets=(11 12 13); fi
build_target() { if [[ "$1" == services ]]; then build_services; else build_one "$1"; fi; }

# Images are built side by side (ARCLAB_JOBS at a time, default 4): debootstrap mostly waits on the
# mirror and on dpkg, so this roughly halves a cold build on 2 cores.
jobs_max="${ARCLAB_JOBS:-4}"
todo=()
for t in "${targets[@]}"; do
  tag="${IMAGE}:${t}"; [[ "$t" == services ]] && tag="$SERVICES_IMAGE"
  if [[ -z "${FORCE:-}" ]] && podman image exists "$tag"; then echo "images.sh: $tag present (cached)"; else todo+=("$t"); fi
done
if (( ${#todo[@]} <= 1 || jobs_max <= 1 )); then
  for t in "${todo[@]}"; do build_target "$t"; done
  if (( roles )); then build_roles; fi
  exit 0
fi
logs="$(mktemp -d /var/tmp/arclab-images.XXXXXX)"
declare -A pid_of=()
failed=0
for t in "${todo[@]}"; do
  while (( $(jobs -rp | wc -l) >= jobs_max )); do wait -n || true; done
  ( build_target "$t" ) >"$logs/$t.log" 2>&1 &
  pid_of[$t]=$!
done
for t in "${todo[@]}"; do
  if wait "${pid_of[$t]}"; then grep -E '^(images.sh|Mitmproxy)' "$logs/$t.log" || true
  else echo "images.sh: building $t failed:" >&2; tail -n 40 "$logs/$t.log" >&2; failed=1; fi
done
rm -rf "$logs"
if (( roles && ! failed )); then build_roles || failed=1; fi
exit "$failed"
