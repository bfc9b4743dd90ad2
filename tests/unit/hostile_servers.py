# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Servers on loopback that misbehave on purpose, for the engine case table (tests/unit/engine_cases.py): they
trickle an HTTP head, a CONNECT answer, a TLS handshake or a body one byte at a time, close at once, or answer
with something that is not HTTP. Also an RSA test PKI that both engines (Python's ssl and Mono) can read.

Built on tests/unit/servers.py (same accept loop, same loopback-only rules); each trickle sends a byte well within
the per-read ``timeout`` so only the endpoint's wall-clock budget can stop it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import ipaddress
import socket
import ssl
import threading

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from servers import INSPECTOR_ORG, LOOPBACK, TEST_CA_ORG, Certs, HTTPServer, SelfSigned, _Server, read_head

LOOPBACK6 = "::1"
TRICKLE_INTERVAL = 0.05


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Leaf(SelfSigned):
    """A certificate with an RSA key (a CA when the first name starts with "CA "), with SelfSigned's configure_cert().
    Names that are IP addresses go in the subjectAltName as addresses."""

    def __init__(self, names, organization, issuer=None, days=(-1, 30)):  # pylint: disable=super-init-not-called
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                             x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
        now = _utcnow()
        builder = (
            x509.CertificateBuilder().subject_name(subject)
            .issuer_name(issuer.subject if issuer else subject).public_key(self.key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now + datetime.timedelta(days=days[0]))
            .not_valid_after(now + datetime.timedelta(days=days[1]))
        )
        if names[0].startswith("CA "):
            builder = builder.add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            builder = builder.add_extension(x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
                critical=True)
        else:
            builder = builder.add_extension(x509.SubjectAlternativeName([_san(n) for n in names]), critical=False)
        self.subject = subject
        self.cert = builder.sign(issuer.key if issuer else self.key, hashes.SHA256())
        self.cert_pem = self.cert.public_bytes(serialization.Encoding.PEM)
        self.key_pem = self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption())


def _san(name):
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


class RsaCerts(Certs):
    """servers.Certs with RSA keys and no critical extension beyond BasicConstraints and KeyUsage.

    Mono's managed X.509 code cannot read EC public keys and flags trustme's critical extensions as invalid;
    SChannel on Windows has neither limitation, so this only adapts the test PKI to the runtimes that run here.
    """

    def __init__(self, tmp_path, names):  # pylint: disable=super-init-not-called
        self.names = list(names) + [LOOPBACK6]
        self.ca = Leaf(["CA " + TEST_CA_ORG], TEST_CA_ORG)
        self.inspector = Leaf(["CA " + INSPECTOR_ORG], INSPECTOR_ORG)
        self.ca_file = str(tmp_path / "test-ca.pem")
        with open(self.ca_file, "wb") as stream:
            stream.write(self.ca.cert_pem)
        self.valid = Leaf(self.names, "Arcready Test Leaf", self.ca)
        self.expired = Leaf(self.names, "Arcready Test Leaf", self.ca, days=(-60, -30))
        self.wrong_name = Leaf(["other.example.net", "www.other.example.net"], "Arcready Test Leaf", self.ca)
        self.self_signed = Leaf(self.names, "Self Signed Appliance")
        self.inspected = Leaf(self.names, "Arcready Test Leaf", self.inspector)


def on_ipv6(server):
    """Move a not yet started servers._Server to [::1] (same port number not guaranteed)."""
    server.sock.close()
    server.sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    server.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.sock.bind((LOOPBACK6, 0))
    server.sock.listen(16)
    server.port = server.sock.getsockname()[1]
    server.address = (LOOPBACK6, server.port)
    return server


def _tls_server_context(cert):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(ctx)
    return ctx


def _drip(conn, stopped, data, interval=TRICKLE_INTERVAL, forever=b""):
    """Send ``data`` one byte per ``interval``, then ``forever`` over and over, until the peer or the test stops."""
    def chunks():
        for i in range(len(data)):
            yield data[i:i + 1]
        while forever:
            for i in range(len(forever)):
                yield forever[i:i + 1]

    for byte in chunks():
        if stopped.wait(interval):
            return
        conn.sendall(byte)


class TrickleServer(_Server):
    """Reads a request head (after a TLS handshake with ``cert``), then answers ``head`` one byte at a time, and
    ``forever`` after it for good: a header that never ends, or with a complete head a body that never ends."""

    def __init__(self, head=b"HTTP/1.1 200 OK\r\n", forever=b"X-Trickle: 1\r\n", cert=None):
        super(TrickleServer, self).__init__()
        self.head = head
        self.forever = forever
        self.ctx = _tls_server_context(cert) if cert is not None else None

    def handle(self, conn, peer):
        conn.settimeout(30)
        if self.ctx is not None:
            conn = self.ctx.wrap_socket(conn, server_side=True)
        if read_head(conn):
            _drip(conn, self._stopped, self.head, forever=self.forever)


class TrickleProxy(TrickleServer):
    """A proxy that answers CONNECT byte by byte and never finishes its answer."""

    def __init__(self):
        super(TrickleProxy, self).__init__(head=b"HTTP/1.1 200 Connection established\r\n",
                                           forever=b"Via: 1.1 trickle\r\n")


class ClosingServer(_Server):
    """Accepts and closes at once: a reset during TLS, HTTP or CONNECT."""

    def handle(self, conn, peer):
        return


class SlowRelay(_Server):
    """Relays to ``upstream`` (a loopback (host, port)), passing what the server sends one byte at a time: a TLS
    handshake that crawls without ever stopping long enough for a read to time out."""

    def __init__(self, upstream):
        super(SlowRelay, self).__init__()
        self.upstream = upstream

    def handle(self, conn, peer):
        remote = socket.create_connection(self.upstream, timeout=30)
        conn.settimeout(30)

        def forward():
            try:
                while True:
                    chunk = conn.recv(65536)
                    if not chunk:
                        break
                    remote.sendall(chunk)
            except OSError:
                pass

        worker = threading.Thread(target=forward)
        worker.daemon = True
        worker.start()
        try:
            while not self._stopped.is_set():
                chunk = remote.recv(65536)
                if not chunk:
                    break
                _drip(conn, self._stopped, chunk)
        finally:
            remote.close()


def garbage_server(answer=b"SSH-2.0-OpenSSH_9.6\r\n"):
    """An HTTPServer that answers any request with something that is not HTTP."""
    return HTTPServer(answer=answer)


class FloodServer(_Server):
    """Answers with a complete head and then a body that never ends, as fast as the peer reads it."""

    def handle(self, conn, peer):
        conn.settimeout(30)
        if read_head(conn):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n")
            block = b"[" * 65536
            while not self._stopped.is_set():
                conn.sendall(block)
