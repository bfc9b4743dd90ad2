#!/usr/bin/env python3
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Windows probe engine (plugins/module_utils/ArcProbe.cs, under Mono) against hostile servers: how long does a
batch of endpoints take, divided by ``timeout``, and how many threads does a large run peak at?

For each hostile server (header trickle, CONNECT trickle, slow TLS handshake, silent TCP) at 1, 10 and 50
endpoints with 20 workers: the engine's wall time / timeout. The target is at most 2 (the budget) per round of
``workers`` endpoints, plus start-up. Then the thread peak of the mono process for 2,000 endpoints (a refused
port), sampled from /proc; the target is at most workers + a small constant. ARC_BENCH_QUICK=1: 1 and 10
endpoints, 500 for the thread peak. Needs Mono (mcs, mono). Everything listens on loopback.
Prints the figures measured in this run; exits 1 only when a target is missed.
"""

import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "unit"))

from hostile_servers import RsaCerts, SlowRelay, TrickleProxy, TrickleServer  # noqa: E402
from servers import LOOPBACK, BlackHole, HTTPServer  # noqa: E402

QUICK = os.environ.get("ARC_BENCH_QUICK") == "1"
TIMEOUT = 1.0
WORKERS = 20
SIZES = (1, 10) if QUICK else (1, 10, 50)
THREAD_ENDPOINTS = 500 if QUICK else 2000
STARTUP = 1.0  # seconds of slack per run for mono start-up and the first TLS handshakes
THREAD_SLACK = 16  # mono's own threads: finaliser, timer, thread pool, I/O selector


def compile_harness(tmp):
    exe = os.path.join(tmp, "harness.exe")
    subprocess.run(["mcs", "-langversion:5", "-warnaserror", "-nologo", "-r:System.dll", "-r:System.Core.dll",
                    "-out:%s" % exe, os.path.join(ROOT, "plugins", "module_utils", "ArcProbe.cs"),
                    os.path.join(ROOT, "tests", "integration", "windows", "probe_harness.cs")], check=True)
    return exe


def run(exe, lines, sample_threads=False):
    """(engine seconds, thread peak or None) of one harness run."""
    proc = subprocess.Popen(["mono", exe], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    peak = [0]

    def sample():
        status = "/proc/%d/status" % proc.pid
        while proc.poll() is None:
            try:
                with open(status) as stream:
                    for line in stream:
                        if line.startswith("Threads:"):
                            peak[0] = max(peak[0], int(line.split()[1]))
            except OSError:
                return
            time.sleep(0.01)

    sampler = threading.Thread(target=sample, daemon=True)
    if sample_threads:
        sampler.start()
    out, _ = proc.communicate("\n".join(lines) + "\n", timeout=600)
    if proc.returncode != 0:
        raise SystemExit("the harness failed")
    return json.loads(out)["cases"][0]["seconds"], (peak[0] if sample_threads else None)


def lines_for(n, port, ca_file, proxy=None, scheme="https"):
    lines = ["case", "set\ttimeout\t%s" % TIMEOUT, "set\tworkers\t%d" % WORKERS, "set\tca\t%s" % ca_file,
             "issuer\tArcready Test Root CA"]
    if proxy:
        lines.append("proxy\thttp://%s:%d" % (LOOPBACK, proxy))
    for i in range(n):
        lines.append("resolve\th%d.arc.test\t%s" % (i, LOOPBACK))
        lines.append("ep\thost=h%d.arc.test\tport=%d\tscheme=%s" % (i, port, scheme))
    return lines


def main():
    missed = False
    with tempfile.TemporaryDirectory() as tmp:
        exe = compile_harness(tmp)
        pki = RsaCerts(__import__("pathlib").Path(tmp), ["h%d.arc.test" % i for i in range(max(SIZES))])
        tls = HTTPServer(cert=pki.valid).start()
        header = TrickleServer().start()
        connect = TrickleProxy().start()
        relay = SlowRelay((LOOPBACK, tls.port)).start()
        hole = BlackHole()
        kinds = [
            ("header trickle", lambda n: lines_for(n, header.port, pki.ca_file, scheme="http")),
            ("CONNECT trickle", lambda n: lines_for(n, 443, pki.ca_file, proxy=connect.port)),
            ("slow handshake", lambda n: lines_for(n, relay.port, pki.ca_file)),
            ("silent TCP", lambda n: lines_for(n, hole.port, pki.ca_file)),
        ]
        print("Windows engine under Mono, timeout %.1f s, %d workers%s"
              % (TIMEOUT, WORKERS, " (quick mode)" if QUICK else ""))
        print("%-16s %s" % ("server", "  ".join("%4d endpoints" % n for n in SIZES)))
        for name, make in kinds:
            cells = []
            for n in SIZES:
                seconds, _ = run(exe, make(n))
                ratio = seconds / TIMEOUT
                target = 2 * math.ceil(n / float(WORKERS)) + STARTUP / TIMEOUT
                missed = missed or ratio > target
                cells.append("%6.2fx (<=%.1f)" % (ratio, target))
            print("%-16s %s" % (name, "  ".join(cells)))
        closed = __import__("socket").socket()
        closed.bind((LOOPBACK, 0))
        port = closed.getsockname()[1]
        closed.close()
        _, peak = run(exe, lines_for(THREAD_ENDPOINTS, port, pki.ca_file), sample_threads=True)
        print("thread peak for %d endpoints: %d (target <= %d = workers + %d)"
              % (THREAD_ENDPOINTS, peak, WORKERS + THREAD_SLACK, THREAD_SLACK))
        missed = missed or peak > WORKERS + THREAD_SLACK
        for server in (tls, header, connect, relay, hole):
            server.stop()
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
