#!/bin/bash
# Entry point of the lab's service container (arclab-svc): runs inside it, not on the host.
# Adds one address per catalogue name (public side) and per private-capable name (private side),
# makes the catalogue names resolve to them for the proxies, then runs the fake Azure service,
# two tinyproxy instances (plain and basic auth) and mitmproxy (TLS inspection). Exits when any dies.
set -euo pipefail
STATE=/lab/state
BIN=/lab/bin

iface_for() {  # the interface holding an address in the given prefix (e.g. "198.18.")
  ip -o -4 addr show | awk -v p="$1" 'index($4, p) == 1 {print $2; exit}'
}
pub_if="$(iface_for 198.18.)"
priv_if="$(iface_for 172.30.)"
python3 - "$STATE/lab.json" >/tmp/addresses <<'PY'
import json, sys
lab = json.load(open(sys.argv[1]))
for host, entry in sorted(lab["hosts"].items()):
    print("public", entry["public"])
    if entry.get("private"):
        print("private", entry["private"])
for addr in sorted(lab.get("discovery", {}).get("by_address", {})):  # the global HIS host's other answers
    print("public", addr)
PY
while read -r side addr; do
  if [[ "$side" == public ]]; then dev="$pub_if"; else dev="$priv_if"; fi
  [[ -n "$dev" ]] || { echo "no interface for the $side lab network" >&2; exit 1; }
  ip addr add "$addr/32" dev "$dev" 2>/dev/null || true
done </tmp/addresses
cat "$STATE/hosts.svc" >>/etc/hosts

# mitmproxy wants a writable confdir; its CA comes from the lab state.
mkdir -p /tmp/mitm && cp "$STATE"/mitmproxy/mitmproxy-ca.pem "$STATE"/mitmproxy/mitmproxy-ca-cert.pem /tmp/mitm/
ports="$(python3 -c 'import json; p=json.load(open("/lab/state/lab.json"))["proxies"]["ports"]; print(p["mitm"])')"

pids=()
python3 -u "$BIN/fakeazure.py" --state "$STATE" ${ARCLAB_VERBOSE:+--verbose} & pids+=($!)
tinyproxy -d -c "$STATE/tinyproxy-plain.conf" & pids+=($!)
tinyproxy -d -c "$STATE/tinyproxy-auth.conf" & pids+=($!)
mitmdump --listen-host 0.0.0.0 --listen-port "$ports" --set confdir=/tmp/mitm \
  --set ssl_verify_upstream_trusted_ca="$STATE/ca/ca.pem" --set block_global=false \
  -q & pids+=($!)
trap 'kill "${pids[@]}" 2>/dev/null || true' TERM INT
wait -n "${pids[@]}"
echo "svc-entrypoint: a lab service exited; stopping" >&2
kill "${pids[@]}" 2>/dev/null || true
exit 1
