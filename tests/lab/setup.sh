#!/usr/bin/env bash
# One-time (and idempotent) setup of the arcready container lab on a Debian host, as root:
#   1. apt packages podman, runc, netavark, aardvark-dns, iptables, debootstrap, nftables (only those missing;
#      netavark 1.4 sets up container networks with iptables, which podman only suggests);
#   2. /etc/containers/containers.conf with the settings measured to work here (runc, cgroupfs, ulimits),
#      written only when the file is missing, and network_backend = "netavark" set in it in any case;
#   3. base images localhost/arcready-lab-debian:{11,12,13} and localhost/arcready-lab-services:12
#      (debootstrap + podman import; cached by tag), and the role scenarios' image layers (images.sh roles);
#   4. the lab networks, the lab state (CA, server certificates for every catalogue name, proxy configs);
#   5. the service container (tests/lab/lab.sh up), unless ARCLAB_NO_UP=1.
# Env: ARCLAB_IMAGES="11 12 13 services roles" (what to build), ARCLAB_STATE, ARCLAB_CLOUD, ARCLAB_REGION.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
t0=$(date +%s)
step() { echo "setup.sh: $* (+$(( $(date +%s) - t0 ))s)"; }

if [[ $EUID -ne 0 ]]; then echo "setup.sh: run as root (podman, debootstrap and apt need it)" >&2; exit 1; fi

missing=()
for pkg in podman runc netavark aardvark-dns iptables debootstrap nftables ca-certificates; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
done
if (( ${#missing[@]} )); then
  step "apt-get install ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

conf=/etc/containers/containers.conf
if [[ ! -e "$conf" ]]; then
  step "writing $conf"
  mkdir -p /etc/containers
  cat >"$conf" <<'CONF'
# Written by arcready tests/lab/setup.sh: crun fails on these hosts ("cgroups in hybrid mode not supported",
# setrlimit EPERM); runc with the cgroupfs manager and explicit ulimits works.
[containers]
default_ulimits = ["nofile=1024:1024", "nproc=4096:4096"]
[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
elif ! grep -Eq '^\s*runtime\s*=\s*"runc"' "$conf"; then
  echo "setup.sh: warning: $conf exists and does not select runc; containers may fail to start" >&2
fi

# Podman 4.3 picks its network backend on first run and records it in defaultNetworkBackend: CNI when netavark
# was not installed yet. CNI's host-local IPAM refuses the lab's static addresses (outside --ip-range), netavark
# takes them, so the backend is selected explicitly instead of being left to that first run.
backend_was="$(podman info --format '{{.Host.NetworkBackend}}' 2>/dev/null || true)"
if ! grep -Eq '^\s*network_backend\s*=\s*"netavark"' "$conf"; then
  step "selecting network_backend = netavark in $conf (was: ${backend_was:-unknown})"
  if grep -Eq '^\s*network_backend\s*=' "$conf"; then
    sed -i -E 's/^(\s*network_backend\s*=).*/\1 "netavark"/' "$conf"
  elif grep -Eq '^\s*\[network\]' "$conf"; then
    sed -i -E '0,/^\s*\[network\]/s//[network]\nnetwork_backend = "netavark"/' "$conf"
  else
    printf '[network]\nnetwork_backend = "netavark"\n' >>"$conf"
  fi
fi
backend="$(podman info --format '{{.Host.NetworkBackend}}')"
if [[ "$backend" != netavark ]]; then
  echo "setup.sh: podman still uses the $backend network backend; check $conf" >&2; exit 1
fi
if [[ -n "$backend_was" && "$backend_was" != netavark ]]; then
  # Lab networks and the service container made under CNI are invisible to (or broken under) netavark: drop the
  # old definitions so lab.sh makes them again under netavark. Images are kept.
  podman rm -f -t 2 arclab-svc >/dev/null 2>&1 || true
  rm -f /etc/cni/net.d/arclab.conflist /etc/cni/net.d/arclab-pl.conflist
  step "network backend switched from $backend_was to netavark"
fi

step "images"
# shellcheck disable=SC2086
"$HERE/images.sh" ${ARCLAB_IMAGES:-11 12 13 services roles}

if [[ -z "${ARCLAB_NO_UP:-}" ]]; then
  step "lab services"
  "$HERE/lab.sh" up
fi
step "done"
