# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run inside ``unshare --net --mount`` (by test_probe_engine_mono.py): a fresh network namespace with only
loopback, /etc/resolv.conf bind-mounted to a DNS server of ours on 127.0.0.1:53, and both engines probing names that
server answers in chosen ways. Prints {"cs": [results], "py": [results or {"raised": text}]} as JSON.

    python dns_in_netns.py <harness.exe> <timeout>

Nothing can leave the namespace: it has no interface but lo.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import json
import os
import socket
import struct
import subprocess
import sys
import tempfile
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
UNIT = os.path.join(os.path.dirname(os.path.dirname(HERE)), "unit")

# name -> what the server does: "silent" (never answers), "nxdomain", "nodata" (NOERROR, no address), or an IPv4
# address to answer A queries with.
NAMES = {
    "silent.arcready.test": "silent",
    "missing.arcready.test": "nxdomain",
    "empty.arcready.test": "nodata",
    "refused.arcready.test": "127.0.0.1",
}


def answer(query):
    """The reply to one DNS query, or None to stay silent."""
    ident, _flags, qdcount = struct.unpack("!HHH", query[:6])
    pos, labels = 12, []
    while query[pos]:
        labels.append(query[pos + 1:pos + 1 + query[pos]].decode("ascii").lower())
        pos += 1 + query[pos]
    qtype = struct.unpack("!H", query[pos + 1:pos + 3])[0]
    question = query[12:pos + 5]
    what = NAMES.get(".".join(labels), "nxdomain")
    if what == "silent":
        return None
    rcode = 3 if what == "nxdomain" else 0
    records = b""
    if what not in ("nxdomain", "nodata") and qtype == 1:
        records = struct.pack("!HHHIH", 0xC00C, 1, 1, 60, 4) + socket.inet_aton(what)
    return struct.pack("!HHHHHH", ident, 0x8180 | rcode, qdcount, 1 if records else 0, 0, 0) + question + records


def serve(sock):
    while True:
        query, peer = sock.recvfrom(512)
        reply = answer(query)
        if reply is not None:
            sock.sendto(reply, peer)


def main():
    harness, timeout = sys.argv[1], float(sys.argv[2])
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    conf = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    conf.write("nameserver 127.0.0.1\noptions timeout:%d attempts:1\n" % max(1, int(timeout * 3)))
    conf.close()
    subprocess.run(["mount", "--bind", conf.name, "/etc/resolv.conf"], check=True)
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    udp.bind(("127.0.0.1", 53))
    server = threading.Thread(target=serve, args=(udp,))
    server.daemon = True
    server.start()
    port = socket.socket()
    port.bind(("127.0.0.1", 0))
    closed = port.getsockname()[1]
    port.close()
    endpoints = [dict(host=name, port=closed, scheme="https", path="/") for name in sorted(NAMES)]

    lines = ["case", "set\ttimeout\t%s" % timeout, "issuer\tMicrosoft Corporation"]
    lines += ["ep\t" + "\t".join("%s=%s" % item for item in sorted(ep.items())) for ep in endpoints]
    run = subprocess.run(["mono", harness], input="\n".join(lines) + "\n", capture_output=True, text=True,
                         timeout=60)
    if run.returncode != 0:
        raise SystemExit(run.stderr)
    cs = json.loads(run.stdout)["cases"][0]["results"]

    spec = importlib.util.spec_from_file_location("arcready_unit_conftest", os.path.join(UNIT, "conftest.py"))
    spec.loader.exec_module(importlib.util.module_from_spec(spec))
    sys.path.insert(0, UNIT)
    from engine_cases import run_python  # pylint: disable=import-error
    py = []
    for ep in endpoints:
        settings = dict(timeout=timeout, ca_file=None, issuers=["Microsoft Corporation"], inspection=True,
                        private_link=False, min_tls_version="1.2", proxy=None, bypass=[], resolve={})
        try:
            result, _seconds = run_python(ep, settings)
            py.append(result)
        except Exception as exc:  # pylint: disable=broad-except  (reported by the test)
            py.append({"raised": repr(exc)})
    print(json.dumps({"cs": cs, "py": py}))


if __name__ == "__main__":
    main()
