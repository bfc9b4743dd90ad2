#!/usr/bin/env bash
# Bring the arcready lab's services up or down (for development and for the Molecule scenarios).
#
#   tests/lab/lab.sh up       # networks + state (CA, certificates, configs) + the service container, then wait
#   tests/lab/lab.sh down     # remove the service container (networks, images and state stay)
#   tests/lab/lab.sh purge    # down + remove the lab networks and state (the CA is regenerated next time)
#   tests/lab/lab.sh status   # what runs, the addresses, the proxies, a quick probe of each service
#   tests/lab/lab.sh hosts    # /etc/hosts lines mapping every catalogue name to the fake service
#   tests/lab/lab.sh logs     # the service container's log
#
# Needs tests/lab/setup.sh to have run once (packages, podman settings, images).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export ARCLAB_STATE="${ARCLAB_STATE:-/var/lib/arcready-lab}"
SVC=arclab-svc
SVC_IMAGE="${ARCLAB_SERVICES_IMAGE:-localhost/arcready-lab-services:12}"

pick_python() {  # a python3 with 'cryptography' (the dev venv has it)
  local py
  for py in "${ARCLAB_PYTHON:-}" python3 python "$HERE/../../.venv/bin/python"; do
    [[ -n "$py" ]] && command -v "$py" >/dev/null 2>&1 && "$py" -c 'import cryptography' 2>/dev/null && {
      echo "$py"; return; }
  done
  echo "lab.sh: no python with 'cryptography' found; set ARCLAB_PYTHON (e.g. .venv/bin/python)" >&2
  return 1
}

labjson() { python3 -c "import json,sys; d=json.load(open('$ARCLAB_STATE/lab.json')); print(eval(sys.argv[1]))" "$1"; }

networks() {
  # name subnet ip-range gateway
  local name subnet range gateway
  while read -r name subnet range gateway; do
    set -- "$name" "$subnet" "$range" "$gateway"
    if ! podman network exists "$1"; then
      podman network create --subnet "$2" --ip-range "$3" --gateway "$4" "$1" >/dev/null
      echo "lab.sh: network $1 ($2) created"
    fi
  done <<'NETS'
arclab 198.18.0.0/16 198.18.0.0/24 198.18.0.1
arclab-pl 172.30.0.0/16 172.30.0.0/24 172.30.0.1
NETS
}

wait_ready() {  # [seconds]
  local svc_ip
  svc_ip="$(labjson 'd["service"]["public_ip"]')"
  python3 - "$svc_ip" "$(labjson 'list(d["hosts"].values())[0]["public"]')" "${1:-60}" <<'PY' || return 1
import socket, sys, time
svc, ep = sys.argv[1], sys.argv[2]
targets = [(ep, 443), (ep, 80), (svc, 3128), (svc, 3129), (svc, 8080)]
deadline = time.time() + float(sys.argv[3])
pending = list(targets)
while pending and time.time() < deadline:
    for t in list(pending):
        try:
            socket.create_connection(t, timeout=1).close()
            pending.remove(t)
        except OSError:
            pass
    if pending:
        time.sleep(0.3)
if pending:
    sys.exit("lab.sh: services not answering: %s" % pending)
PY
}

up() {
  podman image exists "$SVC_IMAGE" || { echo "lab.sh: image $SVC_IMAGE missing: run tests/lab/setup.sh" >&2; exit 1; }
  networks
  "$(pick_python)" "$HERE/arclab.py" generate >/dev/null
  local digest current
  digest="$(labjson 'd["digest"]')-$(cat "$HERE"/fakeazure.py "$HERE"/svc-entrypoint.sh | sha256sum | cut -c1-12)"
  if podman container exists "$SVC"; then
    current="$(podman inspect -f '{{ index .Config.Labels "arclab.digest" }} {{ .State.Running }}' "$SVC")"
    # A container left running across a reboot or a network reset can be "Up" yet unreachable: recreate it.
    if [[ "$current" == "$digest true" ]] && wait_ready 5 2>/dev/null; then
      echo "lab.sh: $SVC already up"
      return 0
    fi
    podman rm -f -t 2 "$SVC" >/dev/null
  fi
  podman run -d --name "$SVC" --hostname arclab-svc \
    --network "arclab:ip=$(labjson 'd["service"]["public_ip"]')" \
    --network "arclab-pl:ip=$(labjson 'd["service"]["private_ip"]')" \
    --cap-add NET_ADMIN --label arclab.digest="$digest" --label arclab=service \
    -v "$ARCLAB_STATE:/lab/state:ro" -v "$HERE:/lab/bin:ro" \
    ${ARCLAB_VERBOSE:+-e ARCLAB_VERBOSE=1} \
    "$SVC_IMAGE" /lab/bin/svc-entrypoint.sh >/dev/null 9>&-  # the container (conmon) must not inherit the lock
  if ! wait_ready; then podman logs --tail 40 "$SVC" >&2; exit 1; fi
  echo "lab.sh: $SVC up ($(labjson 'd["service"]["public_ip"]'), $(labjson 'len(d["hosts"])') catalogue names, $(labjson 'd["cloud"]') $(labjson 'd["region"]'))"
}

down() {
  if podman container exists "$SVC"; then podman rm -f -t 2 "$SVC" >/dev/null; echo "lab.sh: $SVC removed"; fi
}

purge() {
  down
  local left
  for net in arclab arclab-pl; do
    if podman network exists "$net"; then
      left="$(podman ps -a --filter network="$net" --format '{{.Names}}' | tr '\n' ' ')"
      if [[ -n "${left// }" ]]; then echo "lab.sh: network $net still used by: $left (left in place)"; continue; fi
      podman network rm "$net" >/dev/null && echo "lab.sh: network $net removed"
    fi
  done
  rm -rf "$ARCLAB_STATE" && echo "lab.sh: state $ARCLAB_STATE removed"
}

status() {
  echo "network backend: $(podman info --format '{{.Host.NetworkBackend}}') (recorded first-run choice: $(cat /var/lib/containers/storage/defaultNetworkBackend 2>/dev/null || echo none))"
  echo "images:"; podman images --format '  {{.Repository}}:{{.Tag}}  {{.Size}}' | grep arcready-lab || echo "  (none: run setup.sh)"
  echo "networks:"; for n in arclab arclab-pl; do podman network exists "$n" && echo "  $n $(podman network inspect -f '{{range .Subnets}}{{.Subnet}}{{end}}' "$n")" || echo "  $n missing"; done
  echo "service:"; podman ps -a --filter name="^$SVC\$" --format '  {{.Names}} {{.Status}}' ; podman container exists "$SVC" || echo "  $SVC not created"
  if [[ -f "$ARCLAB_STATE/lab.json" ]]; then
    echo "state: $ARCLAB_STATE ($(labjson 'd["cloud"]') $(labjson 'd["region"]'), $(labjson 'len(d["hosts"])') names)"
    echo "proxies: plain $(labjson 'd["proxies"]["plain"]')  auth $(labjson 'd["proxies"]["auth"]')  tls-inspecting $(labjson 'd["proxies"]["mitm"]')"
    if podman container exists "$SVC" && wait_ready 5 2>/dev/null; then echo "health: all service ports answer"; fi
  fi
}

lock() {  # one lab.sh changing the lab at a time (Molecule scenarios and developers may overlap)
  mkdir -p /run/lock
  exec 9>/run/lock/arcready-lab.lock
  flock -w 120 9 || { echo "lab.sh: another lab.sh holds /run/lock/arcready-lab.lock" >&2; exit 1; }
}

case "${1:-}" in
  up) lock; up ;;
  down) lock; down ;;
  purge) lock; purge ;;
  status) status ;;
  hosts) cat "$ARCLAB_STATE/hosts.svc" ;;
  logs) podman logs "$SVC" ;;
  *) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
