#!/usr/bin/env python3
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's fake Azure service: one TLS server for every catalogue host name, plain HTTP on port 80.

Runs inside the lab's service container (standard library only). Reads the state made by arclab.py:

- HTTPS on :443 (TLS 1.2 minimum, like Azure's endpoints), the certificate chosen by SNI from the per-name
  certificates issued by the lab CA; an unknown name gets a certificate for default.arclab.invalid.
- HTTP on :80 (the ESU certificate host, www.microsoft.com/pkiops/certs).
- GET /urls/allowlist?api-version=2020-01-01&location=<region> on guestnotificationservice.<suffix> answers
  the JSON list of the lab's azgn-... Service Bus names.
- GET /discovery?location=<region>&api-version=... on gbl.his.arc.azure.<suffix> answers the regional HIS host
  as a JSON string URL, from lab.json's ``discovery``: by the address the request came in on (``by_address``,
  for scenarios that map the global host there), else by region (``regions``, overridden by the optional
  ``$ARCLAB_STATE/discovery.json``, read at each request). An answer is a URL or {"status": .., "body": ..};
  an unknown region answers 404.
- Any other request answers 200 with a small JSON document naming the host, so a probe sees a real answer.

    python3 fakeazure.py --state /lab/state [--https-port 443] [--http-port 80] [--bind 0.0.0.0]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import socketserver
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit


class Handler(BaseHTTPRequestHandler):
    server_version = "arclab-fakeazure/1"
    protocol_version = "HTTP/1.1"
    lab = {}

    def log_message(self, fmt, *args):  # one short line per request on stdout
        if self.server.verbose:
            sys.stdout.write("%s %s %s\n" % (self.server.label, self.address_string(), fmt % args))
            sys.stdout.flush()

    def _send(self, status, body, ctype="application/json"):
        data = body.encode("utf-8") if isinstance(body, str) else body
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)
        self.close_connection = True

    def do_GET(self):  # noqa: N802 (http.server naming)
        host = (self.headers.get("Host") or "").split(":")[0].lower()
        parts = urlsplit(self.path)
        path = parts.path
        if parts.scheme and parts.netloc:  # absolute form (plain HTTP through a proxy)
            host = parts.hostname or host
        if path == "/urls/allowlist" and host.startswith("guestnotificationservice."):
            query = parse_qs(parts.query)
            if query.get("location", [""])[0].lower() != self.lab.get("region", "").lower():
                self._send(404, json.dumps({"error": {"code": "LocationNotFound",
                                                      "message": "no allowlist for this location in the lab"}}))
                return
            self._send(200, json.dumps(self.lab.get("servicebus", [])))
            return
        if path == "/discovery" and host.startswith("gbl.his.arc.azure."):
            self._discovery(parse_qs(parts.query).get("location", [""])[0].lower())
            return
        if path.startswith("/pkiops/certs"):
            self._send(200, "arcready lab: ESU intermediate certificates would be here\n", "text/plain")
            return
        self._send(200, json.dumps({"lab": "arcready fake Azure", "host": host, "path": path,
                                    "tls": self.server.label == "https"}))

    def _discovery(self, region):
        plan = self.lab.get("discovery", {})
        regions = dict(plan.get("regions", {}))
        try:
            with open(plan.get("override") or os.devnull) as stream:
                regions.update(json.load(stream))
        except (OSError, ValueError):
            pass
        local = self.connection.getsockname()[0]
        answer = plan.get("by_address", {}).get(local, regions.get(region))
        if answer is None:
            self._send(404, json.dumps({"error": {"code": "LocationNotFound",
                                                  "message": "no regional host for %r in the lab" % region}}))
        elif isinstance(answer, dict):
            self._send(int(answer.get("status", 200)), answer.get("body", ""))
        else:
            self._send(200, json.dumps(answer))

    do_HEAD = do_GET
    do_POST = do_GET
    do_PUT = do_GET


class Server(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 512

    def __init__(self, address, label, context=None, verbose=False):
        self.label = label
        self.context = context
        self.verbose = verbose
        socketserver.TCPServer.__init__(self, address, Handler)

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the request's own thread, so a slow client never blocks accept().
        if self.context is not None:
            request.settimeout(30)
            try:
                request = self.context.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                if self.verbose:
                    sys.stdout.write("https %s handshake failed: %s\n" % (client_address[0], exc))
                return
        Handler(request, client_address, self)

    def handle_error(self, request, client_address):
        if self.verbose:
            socketserver.TCPServer.handle_error(self, request, client_address)


def tls_context(state):
    certs = os.path.join(state, "certs")
    with open(os.path.join(certs, "index.json")) as stream:
        index = json.load(stream)

    def context_for(cert, key):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.load_cert_chain(os.path.join(certs, cert), os.path.join(certs, key))
        return ctx

    per_name = dict((name, context_for(v["cert"], v["key"])) for name, v in index.items())
    default = context_for("_default.pem", "_default.key")

    def pick(sslobj, server_name, _ctx):
        chosen = per_name.get((server_name or "").lower())
        if chosen is not None:
            sslobj.context = chosen
        return None

    default.sni_callback = pick
    return default


def main(argv=None):
    parser = argparse.ArgumentParser(description="arcready lab fake Azure service")
    parser.add_argument("--state", default=os.environ.get("ARCLAB_STATE", "/lab/state"))
    parser.add_argument("--bind", default="0.0.0.0")
    parser.add_argument("--https-port", type=int, default=443)
    parser.add_argument("--http-port", type=int, default=80)
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args(argv)
    with open(os.path.join(args.state, "lab.json")) as stream:
        Handler.lab = json.load(stream)
    servers = [Server((args.bind, args.https_port), "https", tls_context(args.state), args.verbose),
               Server((args.bind, args.http_port), "http", None, args.verbose)]
    for server in servers[1:]:
        threading.Thread(target=server.serve_forever, daemon=True).start()
    names = len(Handler.lab.get("hosts", {}))
    sys.stdout.write("fakeazure: %d names, https :%d, http :%d\n" % (names, args.https_port, args.http_port))
    sys.stdout.flush()
    try:
        servers[0].serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    socket.setdefaulttimeout(None)
    sys.exit(main())
