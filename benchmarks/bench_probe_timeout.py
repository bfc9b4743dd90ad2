#!/usr/bin/env python3
"""How long does the probe take when half its endpoints never answer?

20 loopback endpoints: 10 TLS servers that answer, 10 that accept the connection and never speak. With a
3 s timeout the probe should return within one deadline (2x the timeout) plus start-up, because the endpoints
are probed in parallel (one batch of 20 workers) and each endpoint is bounded by its deadline. Start-up is
measured in the same run as the wall time of `ansible localhost -m ping` and printed apart. Prints the figures
measured in this run; exits 1 only when the target is missed. ARC_BENCH_QUICK=1: timeout 1 s.
Everything listens on 127.0.0.1: nothing leaves this machine.
"""

import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import json

import trustme

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TIMEOUT = 1.0 if os.environ.get("ARC_BENCH_QUICK") == "1" else 3.0
TARGET = 2.0  # one deadline (2 x timeout) for one batch of workers


def _tls_server(ctx):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)

    def serve():
        while True:
            conn, _ = listener.accept()
            try:
                with ctx.wrap_socket(conn, server_side=True) as tls:
                    tls.recv(4096)
                    tls.sendall(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            except (OSError, ssl.SSLError):
                pass

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def _silent_server(held):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)

    def serve():
        while True:
            conn, _ = listener.accept()
            held.append(conn)  # accepted, never answered

    threading.Thread(target=serve, daemon=True).start()
    return listener.getsockname()[1]


def main():
    ca = trustme.CA(organization_name="Arcready Bench CA")
    cert = ca.issue_cert("bench.arc.test")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(ctx)
    held = []
    endpoints = [{"host": "bench.arc.test", "port": _tls_server(ctx)} for _ in range(10)]
    endpoints += [{"host": "bench.arc.test", "port": _silent_server(held)} for _ in range(10)]

    with tempfile.TemporaryDirectory() as tmp:
        ca_path = os.path.join(tmp, "ca.pem")
        ca.cert_pem.write_to_path(ca_path)
        args = {
            "endpoints": endpoints, "timeout": TIMEOUT, "ca_path": ca_path, "fail_on": "never",
            "resolve": {"bench.arc.test": "127.0.0.1"}, "proxy_url": "none",
            "expected_issuers": ["Arcready Bench CA"],
        }
        env = dict(os.environ, ANSIBLE_COLLECTIONS_PATH=os.environ.get("ANSIBLE_COLLECTIONS_PATH", ""))
        # The whole module as Ansible runs it, so start-up and serialisation are in the figure too.
        command = ["ansible", "localhost", "-m", "arcready.network.probe", "-a", json.dumps(args), "-o",
                   "-e", "ansible_python_interpreter=%s" % sys.executable]
        ping = ["ansible", "localhost", "-m", "ansible.builtin.ping", "-o",
                "-e", "ansible_python_interpreter=%s" % sys.executable]
        start = time.monotonic()
        subprocess.run(ping, env=env, capture_output=True, text=True, cwd=tmp)
        startup = time.monotonic() - start
        start = time.monotonic()
        run = subprocess.run(command, env=env, capture_output=True, text=True, cwd=tmp)
        elapsed = time.monotonic() - start
    if run.returncode != 0 or "SUCCESS" not in run.stdout:
        print(run.stdout[-2000:], run.stderr[-2000:])
        print("probe benchmark: the module run failed")
        return 1
    result = json.loads(run.stdout.split("=>", 1)[1])
    ok = result["summary"]["ok"]
    failed = result["summary"]["failed"]
    ratio = max(0.0, elapsed - startup) / TIMEOUT
    verdict = "PASS" if ratio <= TARGET and ok == 10 and failed == 10 else "FAIL"
    print("probe, 20 loopback endpoints (10 never answer), timeout %g s: %.2f s wall, start-up (ansible ping) "
          "%.2f s, so the probe took %.2fx the timeout (target <= %.1fx, one deadline); %d ok, %d failed: %s"
          % (TIMEOUT, elapsed, startup, ratio, TARGET, ok, failed, verdict))
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
