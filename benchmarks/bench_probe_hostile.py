#!/usr/bin/env python3
"""How long does the probe take against servers that try to hold it, and how many threads does it use?

For each hostile server (header trickle, CONNECT trickle, slow TLS handshake, silent TCP, silent DNS) and 1, 10
and 50 endpoints, prints the wall time of probe_all divided by the timeout, next to the limit the contract sets:
one deadline (2 x timeout) per batch of `workers` endpoints. Then the thread peak (threading.active_count
sampled every few milliseconds) for 2,000 endpoints with workers=20 behind a silent DNS server, next to its limit
(workers + the resolver's 4 threads + a few). Exits 1 when a figure misses its limit.

Everything stays on this machine: the servers listen on 127.0.0.1, and the silent DNS cases run in a network
namespace of their own (`unshare --net --mount`, loopback only) whose /etc/resolv.conf names a UDP server on
127.0.0.1:53 that reads queries and never answers. Without unshare, getaddrinfo is replaced by one that never
returns (the figures say which).

ARC_BENCH_QUICK=1: timeout 0.3 s instead of 1 s (same sizes, same figures).
"""

from __future__ import annotations

import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "unit"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_service_tags import collection_loader  # noqa: E402  (one way to import the collection)

QUICK = os.environ.get("ARC_BENCH_QUICK") == "1"
TIMEOUT = 0.3 if QUICK else 1.0
WORKERS = 20
SIZES = (1, 10, 50)
THREAD_ENDPOINTS = 2000
THREAD_SLACK = 4  # main thread, sampler, and the short-lived ones of the loopback servers
HOST = "login.microsoftonline.com"


class _Sampler:
    def __init__(self):
        self.peak = threading.active_count()
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._done.wait(0.002):
            self.peak = max(self.peak, threading.active_count())

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()


def _measure(endpoints, settings):
    from ansible_collections.arcready.network.plugins.module_utils import _probe
    start = time.monotonic()
    with _Sampler() as sampler:
        results = _probe.probe_all(endpoints, settings, workers=WORKERS)
    return time.monotonic() - start, sampler.peak, results


def _limit(count, settings):
    return math.ceil(count / min(WORKERS, count)) * settings.deadline / settings.timeout


def _reasons(results):
    return ",".join(sorted(set("%s/%s" % (r["failed_stage"], r["failed_reason"]) for r in results)))


def network_cases():
    """The hostile servers reachable over loopback TCP, in this process."""
    import trustme
    import servers
    from ansible_collections.arcready.network.plugins.module_utils._probe import Proxy, Settings

    ca = trustme.CA(organization_name=servers.TEST_CA_ORG)
    cert = ca.issue_cert(HOST)
    tmp = tempfile.mkdtemp(prefix="arc-bench-hostile-")
    ca_file = os.path.join(tmp, "ca.pem")
    ca.cert_pem.write_to_path(ca_file)
    lab = servers.Lab()
    interval = TIMEOUT / 4  # each byte comes well inside a per-read timeout: only a deadline stops it
    base = dict(timeout=TIMEOUT, ca_path=ca_file, expected_issuers=[servers.TEST_CA_ORG], resolve={HOST: "127.0.0.1"})
    cases = []
    trickle = lab.trickle(head=b"HTTP/1.1 200 OK\r\n", drip=b"X-Slow: 1\r\n", interval=interval)
    cases.append(("header trickle", Settings(**base), dict(host=HOST, port=trickle.port, scheme="http")))
    proxy = lab.trickle(head=b"HTTP/1.1 200 Connection established\r\n", drip=b"Via: 1\r\n", interval=interval)
    cases.append(("CONNECT trickle", Settings(proxy=Proxy("http://127.0.0.1:%d" % proxy.port), **base),
                  dict(host=HOST, port=443)))
    relay = lab.slow_relay(lab.http(cert=cert).address, interval=TIMEOUT / 20)
    cases.append(("slow TLS handshake", Settings(**base), dict(host=HOST, port=relay.port)))
    hole = lab.blackhole()
    if hole.works():
        cases.append(("silent TCP (full backlog)", Settings(**base), dict(host=HOST, port=hole.port)))
    else:
        print("silent TCP: this kernel completes connects to a full accept queue; case left out")
    return lab, cases


def silent_dns_case(count):
    """(wall, thread peak, results, how) for ``count`` distinct names behind a DNS server that never answers."""
    from ansible_collections.arcready.network.plugins.module_utils._probe import Settings
    endpoints = [dict(host="n%d.silent.arc.test" % i, port=443) for i in range(count)]
    wall, peak, results = _measure(endpoints, Settings(timeout=TIMEOUT))
    return wall, peak, results


def _silent_udp_server():
    """A DNS server on 127.0.0.1:53 that reads queries and never answers; returns the query counter."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 53))
    seen = [0]

    def serve():
        while True:
            sock.recv(4096)
            seen[0] += 1

    threading.Thread(target=serve, daemon=True).start()
    return seen


def inside_namespace(sizes):
    """Runs in the private network namespace: loopback up, resolv.conf -> the silent server."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    tmp = tempfile.mkdtemp(prefix="arc-bench-dns-")
    for name, text in (("resolv.conf", "nameserver 127.0.0.1\noptions timeout:30 attempts:1\n"),
                       ("nsswitch.conf", "hosts: files dns\n")):
        path = os.path.join(tmp, name)
        with open(path, "w") as stream:
            stream.write(text)
        subprocess.run(["mount", "--bind", path, "/etc/" + name], check=True)
    seen = _silent_udp_server()
    out = []
    for count in sizes:
        wall, peak, results = silent_dns_case(count)
        out.append(dict(count=count, wall=wall, peak=peak, reasons=_reasons(results)))
    out.append(dict(queries=seen[0]))
    print("RESULT " + json.dumps(out))


def run_silent_dns(sizes):
    """The silent DNS figures from a private network namespace, or (without unshare) from a patched resolver."""
    command = ["unshare", "--net", "--mount"] + ([] if os.geteuid() == 0 else ["--map-root-user"])
    command += [sys.executable, os.path.abspath(__file__), "--in-namespace", json.dumps(list(sizes))]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as exc:
        done = None
        why = str(exc)
    if done is not None and done.returncode == 0 and "RESULT " in done.stdout:
        rows = json.loads(done.stdout.split("RESULT ", 1)[1])
        return rows[:-1], "network namespace, UDP server on 127.0.0.1:53 that never answers (%d queries seen)" % (
            rows[-1]["queries"])
    why = done.stderr.strip().splitlines()[-1:] if done is not None else why
    held = threading.Event()

    def never(*_args, **_kwargs):
        held.wait(3600)
        raise socket.gaierror(socket.EAI_AGAIN, "held")

    socket.getaddrinfo = never
    rows = []
    for count in sizes:
        wall, peak, results = silent_dns_case(count)
        rows.append(dict(count=count, wall=wall, peak=peak, reasons=_reasons(results)))
    return rows, "simulated: getaddrinfo never returns (no network namespace: %s)" % why


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--in-namespace":
        collection_loader()
        inside_namespace(json.loads(sys.argv[2]))
        return 0
    collection_loader()
    from ansible_collections.arcready.network.plugins.module_utils import _contract
    from ansible_collections.arcready.network.plugins.module_utils._probe import Settings
    deadline = Settings(timeout=TIMEOUT).deadline
    print("probe against hostile loopback servers: timeout %g s, deadline %g s, workers %d%s"
          % (TIMEOUT, deadline, WORKERS, " (quick)" if QUICK else ""))
    print("%-28s %5s %9s %9s %8s  %s" % ("server", "n", "wall/T", "limit/T", "verdict", "stage/reason"))
    failures = 0
    lab, cases = network_cases()
    try:
        for name, settings, endpoint in cases:
            for count in SIZES:
                wall, _peak, results = _measure([dict(endpoint) for _ in range(count)], settings)
                limit = _limit(count, settings)
                ok = wall / TIMEOUT <= limit and not any(r["ok"] or r["failed_reason"] == "engine.error"
                                                         for r in results)
                failures += not ok
                print("%-28s %5d %9.2f %9.2f %8s  %s"
                      % (name, count, wall / TIMEOUT, limit, "PASS" if ok else "FAIL", _reasons(results)))
    finally:
        lab.stop()
    rows, how = run_silent_dns(list(SIZES) + [THREAD_ENDPOINTS])
    settings = Settings(timeout=TIMEOUT)
    for row in rows[:-1]:
        limit = _limit(row["count"], settings)
        ok = row["wall"] / TIMEOUT <= limit
        failures += not ok
        print("%-28s %5d %9.2f %9.2f %8s  %s"
              % ("silent DNS", row["count"], row["wall"] / TIMEOUT, limit, "PASS" if ok else "FAIL", row["reasons"]))
    big = rows[-1]
    thread_limit = WORKERS + _contract.RESOLVER_THREADS + THREAD_SLACK
    ok = big["peak"] <= thread_limit and big["wall"] / TIMEOUT <= _limit(big["count"], settings)
    failures += not ok
    print("silent DNS: %s" % how)
    print("thread peak, %d endpoints behind silent DNS, workers %d: %d threads (limit %d = workers + %d resolver "
          "+ %d); wall %.1f s = %.1f x timeout (limit %.0f): %s"
          % (big["count"], WORKERS, big["peak"], thread_limit, _contract.RESOLVER_THREADS, THREAD_SLACK,
             big["wall"], big["wall"] / TIMEOUT, _limit(big["count"], settings), "PASS" if ok else "FAIL"))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
