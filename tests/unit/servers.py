# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Real servers on 127.0.0.1 for the probe's unit tests: TLS and plain HTTP servers with chosen certificates
and protocol versions, silent and black-hole ports, a refused port, and an HTTP CONNECT proxy.

Everything listens on loopback ephemeral ports and runs in daemon threads; the proxy only ever connects to
loopback. Certificates come from trustme CAs (and, for the self-signed one, from cryptography directly).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import ipaddress
import os
import socket
import ssl
import tempfile
import threading
import warnings

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

LOOPBACK = "127.0.0.1"
TEST_CA_ORG = "Arcready Test Root CA"
INSPECTOR_ORG = "Contoso Inspecting Firewall"


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


# ------------------------------------------------------------------ certificates

class SelfSigned:
    """A self-signed leaf certificate (its own issuer), with the same configure_cert() as trustme's LeafCert."""

    def __init__(self, names, organization="Self Signed Appliance"):
        key = ec.generate_private_key(ec.SECP256R1())
        subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization),
                             x509.NameAttribute(NameOID.COMMON_NAME, names[0])])
        now = _utcnow()
        cert = (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(subject)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(key, hashes.SHA256())
        )
        self.cert_pem = cert.public_bytes(serialization.Encoding.PEM)
        self.key_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                         serialization.NoEncryption())

    def configure_cert(self, ctx):
        handle, path = tempfile.mkstemp(suffix=".pem")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(self.key_pem + self.cert_pem)
            ctx.load_cert_chain(path)
        finally:
            os.unlink(path)


class Certs:
    """The certificates of the test PKI.

    ``ca`` is the CA the probe trusts (its PEM goes in Settings.ca_path, its organisation in
    expected_issuers); ``inspector`` is a CA the probe does not trust, standing for a TLS-inspecting firewall.
    """

    def __init__(self, tmp_path, names):
        self.names = list(names)
        self.ca = trustme.CA(organization_name=TEST_CA_ORG)
        self.inspector = trustme.CA(organization_name=INSPECTOR_ORG)
        self.ca_file = str(tmp_path / "test-ca.pem")
        self.ca.cert_pem.write_to_path(self.ca_file)
        self.valid = self.ca.issue_cert(*self.names)
        now = _utcnow()
        self.expired = self.ca.issue_cert(*self.names, not_before=now - datetime.timedelta(days=60),
                                          not_after=now - datetime.timedelta(days=30))
        self.wrong_name = self.ca.issue_cert("other.example.net", "www.other.example.net")
        self.self_signed = SelfSigned(self.names)
        self.self_signed_microsoft = SelfSigned(self.names, organization="Microsoft Corporation")
        self.inspected = self.inspector.issue_cert(*self.names)


# ------------------------------------------------------------------ servers

class _Server:
    """A listening socket on 127.0.0.1 with an accept loop in a daemon thread."""

    def __init__(self, backlog=16, host=LOOPBACK, port=0):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            self.sock.bind((host, port))
        except OSError:
            self.sock.close()
            raise
        self.sock.listen(backlog)
        self.port = self.sock.getsockname()[1]
        self.address = (host, self.port)
        self.connections = []
        self._stopped = threading.Event()
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._accept_loop, name=type(self).__name__)
        self._thread.daemon = True
        self._thread.start()
        return self

    def _accept_loop(self):
        while not self._stopped.is_set():
            try:
                conn, peer = self.sock.accept()
            except OSError:
                return  # stop() shut the listening socket down
            conn.settimeout(None)
            self.connections.append(conn)
            worker = threading.Thread(target=self._handle_safely, args=(conn, peer))
            worker.daemon = True
            worker.start()

    def _handle_safely(self, conn, peer):
        try:
            self.handle(conn, peer)
        except Exception:  # a probe that hangs up mid-way is not the server's problem
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def handle(self, conn, peer):
        raise NotImplementedError

    def stop(self):
        self._stopped.set()
        try:
            self.sock.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept() at once on Linux
        except OSError:
            pass
        self.sock.close()
        for conn in self.connections:
            try:
                conn.close()
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(2)


def read_head(conn, limit=65536):
    data = b""
    while b"\r\n\r\n" not in data and len(data) < limit:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
        if not data[:1].isalpha():
            break  # not HTTP (a TLS hello, say): answer at once, as a real server does
    return data


def parse_request(data):
    head = data.split(b"\r\n\r\n", 1)[0].decode("iso-8859-1")
    lines = head.split("\r\n")
    method, target, _version = (lines[0].split(" ", 2) + ["", "", ""])[:3]
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return method, target, headers


def http_response(status, reason="", body=b"", content_type="text/plain"):
    reason = reason or {200: "OK", 403: "Forbidden", 404: "Not Found", 407: "Proxy Authentication Required",
                        502: "Bad Gateway"}.get(status, "Status")
    head = ["HTTP/1.1 %d %s" % (status, reason), "Content-Type: %s" % content_type,
            "Content-Length: %d" % len(body), "Connection: close"]
    if status == 407:
        head.append('Proxy-Authenticate: Basic realm="arcready-test"')
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + body


class HTTPServer(_Server):
    """Answers every request with ``status`` (404 by default: any status proves the service answers), or with
    ``routes[path] = (status, body)``. With a ``cert`` it speaks TLS first, limited to the given versions.

    ``requests`` records (tls version, SNI name, method, target, headers) of each request served.
    """

    def __init__(self, cert=None, status=404, routes=None, minimum_version=None, maximum_version=None,
                 legacy_ciphers=False, answer=None, host=LOOPBACK, port=0):
        super(HTTPServer, self).__init__(host=host, port=port)
        self.status = status
        self.routes = dict(routes or {})
        self.answer = answer
        self.requests = []
        self.handshake_errors = []
        self.ctx = None
        if cert is not None:
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            cert.configure_cert(ctx)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecationWarning)  # TLSVersion.TLSv1 / TLSv1_1
                if legacy_ciphers:
                    # OpenSSL 3 refuses TLS 1.0/1.1 at the default security level.
                    ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
                if minimum_version is not None:
                    ctx.minimum_version = minimum_version
                if maximum_version is not None:
                    ctx.maximum_version = maximum_version
            self.sni = []

            def remember_sni(_sslobj, name, _ctx):
                self.sni.append(name)

            ctx.sni_callback = remember_sni
            self.ctx = ctx

    def handle(self, conn, peer):
        conn.settimeout(5)
        version, sni = None, None
        if self.ctx is not None:
            try:
                conn = self.ctx.wrap_socket(conn, server_side=True)
            except (ssl.SSLError, OSError) as exc:
                self.handshake_errors.append(str(exc))
                return
            version = conn.version()
            sni = self.sni[-1] if self.sni else None
        data = read_head(conn)
        if not data:
            return
        if not data[:1].isalpha():
            conn.sendall(http_response(400, "Bad Request"))
            return
        method, target, headers = parse_request(data)
        self.requests.append((version, sni, method, target, headers))
        if self.answer is not None:
            conn.sendall(self.answer)
        else:
            path = target.split("?", 1)[0]
            status, body = self.routes.get(path, (self.status, b"not here\n"))
            ctype = "application/json" if body[:1] in (b"{", b"[") else "text/plain"
            conn.sendall(http_response(status, body=body, content_type=ctype))
        try:
            if isinstance(conn, ssl.SSLSocket):
                conn.unwrap()
        except (ssl.SSLError, OSError):
            pass


class SilentServer(_Server):
    """Accepts connections and never says anything: a TLS handshake or HTTP request times out."""

    def handle(self, conn, peer):
        self._stopped.wait(30)


class BlackHole:
    """A port where TCP connect hangs: a listener with backlog 0 whose accept queue is already full.

    Linux drops further SYNs while the accept queue is full, so a connect times out exactly as it does when a
    firewall drops packets. ``works()`` checks that this kernel behaves so.
    """

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.bind((LOOPBACK, 0))
        self.sock.listen(0)
        self.port = self.sock.getsockname()[1]
        self.address = (LOOPBACK, self.port)
        self.fillers = []
        self.hangs = False
        for _ in range(8):  # Linux queues backlog + 1 connections; the next connect hangs
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.settimeout(0.1)
            try:
                filler.connect(self.address)
            except socket.timeout:
                filler.close()
                self.hangs = True
                break
            self.fillers.append(filler)

    def works(self):
        """Whether a connect to this port hangs (checked while filling the queue)."""
        return self.hangs

    def stop(self):
        for filler in self.fillers:
            filler.close()
        self.sock.close()


def refused_port():
    """A loopback port nothing listens on (bound, then closed)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((LOOPBACK, 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class ConnectProxy(_Server):
    """A minimal HTTP proxy: CONNECT tunnels and absolute-form GET, optional Basic auth, or refusing with 403.

    ``routes`` maps "host:port" (as the client names it) to a loopback (address, port); targets that are
    neither routed nor loopback literals get 502, so the proxy never connects off this machine.
    ``requests`` records (method, target, headers) of every request it received.
    """

    def __init__(self, routes=None, auth=None, refuse=False):
        super(ConnectProxy, self).__init__()
        self.routes = dict(routes or {})
        self.auth = auth
        self.refuse = refuse
        self.requests = []

    def _upstream(self, target):
        if target in self.routes:
            return self.routes[target]
        host, _, port = target.rpartition(":")
        try:
            if ipaddress.ip_address(host.strip("[]")).is_loopback:
                return host.strip("[]"), int(port)
        except ValueError:
            pass
        return None

    def _authorized(self, headers):
        if self.auth is None:
            return True
        expected = "Basic " + base64.b64encode(("%s:%s" % self.auth).encode("utf-8")).decode("ascii")
        return headers.get("proxy-authorization") == expected

    def handle(self, conn, peer):
        conn.settimeout(5)
        data = read_head(conn)
        if not data:
            return
        method, target, headers = parse_request(data)
        self.requests.append((method, target, headers))
        if self.refuse:
            conn.sendall(http_response(403, body=b"blocked by policy\n"))
            return
        if not self._authorized(headers):
            conn.sendall(http_response(407))
            return
        if method == "CONNECT":
            upstream = self._upstream(target)
            if upstream is None:
                conn.sendall(http_response(502))
                return
            remote = socket.create_connection(upstream, timeout=5)
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            rest = data.split(b"\r\n\r\n", 1)[1]
            if rest:
                remote.sendall(rest)
            self._pipe(conn, remote)
            return
        # Plain HTTP in absolute form: http://host[:port]/path
        if not target.startswith("http://"):
            conn.sendall(http_response(400))
            return
        hostport, _, path = target[len("http://"):].partition("/")
        upstream = self._upstream(hostport if ":" in hostport else hostport + ":80")
        if upstream is None:
            conn.sendall(http_response(502))
            return
        remote = socket.create_connection(upstream, timeout=5)
        head = data.split(b"\r\n\r\n", 1)[0].decode("iso-8859-1").split("\r\n")
        forwarded = ["%s /%s HTTP/1.1" % (method, path)] + [
            line for line in head[1:] if not line.lower().startswith("proxy-authorization:")]
        remote.sendall(("\r\n".join(forwarded) + "\r\n\r\n").encode("iso-8859-1"))
        self._pipe(conn, remote)

    @staticmethod
    def _pipe(a, b):
        def copy(src, dst):
            try:
                while True:
                    chunk = src.recv(65536)
                    if not chunk:
                        break
                    dst.sendall(chunk)
            except OSError:
                pass
            finally:
                for s in (src, dst):
                    try:
                        s.shutdown(socket.SHUT_RDWR)
                    except OSError:
                        pass

        other = threading.Thread(target=copy, args=(b, a))
        other.daemon = True
        other.start()
        copy(a, b)
        other.join(5)
        b.close()


# ------------------------------------------------------------------ hostile servers

def tls_context(cert):
    """A server-side TLS context presenting ``cert``."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(ctx)
    return ctx


class Trickle(_Server):
    """Sends ``head`` at once, then ``drip`` one byte every ``interval`` seconds, over and over when ``endless``.

    It first reads the client's request head (an HTTP request, or a proxy's CONNECT), speaking TLS first with a
    ``ctx``. It stands for a server or proxy that answers just fast enough never to hit a per-read timeout:
    ``Trickle(head=b"HTTP/1.1 200 OK\\r\\n", drip=b"X: y\\r\\n")`` trickles response headers that never end,
    ``interval=0`` with ``endless`` sends an endless body as fast as the client reads.
    """

    def __init__(self, head=b"", drip=b"", interval=1.0, endless=True, ctx=None):
        super(Trickle, self).__init__()
        self.head, self.drip, self.interval, self.endless, self.ctx = head, drip, interval, endless, ctx

    def handle(self, conn, peer):
        conn.settimeout(30)
        if self.ctx is not None:
            conn = self.ctx.wrap_socket(conn, server_side=True)
        read_head(conn)
        conn.sendall(self.head)
        while not self._stopped.is_set():
            if self.interval:
                for byte in range(len(self.drip)):
                    if self._stopped.wait(self.interval):
                        return
                    conn.sendall(self.drip[byte:byte + 1])
            else:
                conn.sendall(self.drip)
            if not self.endless:
                return


class SlowRelay(_Server):
    """Relays to ``upstream`` (a loopback address), passing what the upstream sends one byte every ``interval``
    seconds: in front of a TLS server, a handshake that takes ages but never fails."""

    def __init__(self, upstream, interval=0.05):
        super(SlowRelay, self).__init__()
        self.upstream, self.interval = upstream, interval

    def handle(self, conn, peer):
        remote = socket.create_connection(self.upstream, timeout=30)
        self.connections.append(remote)

        def forward():
            try:
                while not self._stopped.is_set():
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    remote.sendall(chunk)
            except OSError:
                pass

        worker = threading.Thread(target=forward)
        worker.daemon = True
        worker.start()
        while not self._stopped.is_set():
            chunk = remote.recv(65536)
            if not chunk:
                return
            for byte in range(len(chunk)):
                if self._stopped.wait(self.interval):
                    return
                conn.sendall(chunk[byte:byte + 1])


class SilentResolver:
    """socket.getaddrinfo for ``names`` that never answers until released: a DNS server that stays silent.

    ``install(monkeypatch)`` patches it in; ``release()`` lets the held lookups fail (call it when the test ends
    so no resolver thread stays held). ``calls`` counts the lookups that reached it.
    """

    def __init__(self, names=None):
        self.names = names
        self.released = threading.Event()
        self.calls = 0
        self._real = socket.getaddrinfo

    def __call__(self, host, *args, **kwargs):
        if self.names is not None and host not in self.names:
            return self._real(host, *args, **kwargs)
        self.calls += 1
        self.released.wait(120)
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    def install(self, monkeypatch):
        monkeypatch.setattr(socket, "getaddrinfo", self)
        return self

    def release(self):
        self.released.set()

    stop = release  # so a Lab can keep it


# ------------------------------------------------------------------ fixtures (import them into a test module)

SERVICE_BUS_HOSTS = ["azgn-eastus-public-1p-blzrnp0001.servicebus.windows.net",
                     "azgn-eastus-public-1p-blzrnp0002.servicebus.windows.net"]


def catalogue_names():
    """Every concrete host of the AzureCloud/eastus catalogue with all scenarios, and the test Service Bus hosts."""
    from ansible_collections.arcready.network.plugins.module_utils._catalogue import SCENARIOS, build
    names = []
    for row in build("AzureCloud", "eastus", scenarios=SCENARIOS):
        if row["probeable"] and row["host"] not in names:
            names.append(row["host"])
    return names + SERVICE_BUS_HOSTS


class Lab:
    """Starts servers for one test and stops them all afterwards."""

    def __init__(self):
        self._running = []

    def _keep(self, server):
        self._running.append(server)
        return server

    def http(self, **kwargs):
        return self._keep(HTTPServer(**kwargs).start())

    def silent(self):
        return self._keep(SilentServer().start())

    def blackhole(self):
        return self._keep(BlackHole())

    def proxy(self, **kwargs):
        return self._keep(ConnectProxy(**kwargs).start())

    def trickle(self, **kwargs):
        return self._keep(Trickle(**kwargs).start())

    def slow_relay(self, upstream, **kwargs):
        return self._keep(SlowRelay(upstream, **kwargs).start())

    def stop(self):
        for server in reversed(self._running):
            server.stop()


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    return Certs(tmp_path_factory.mktemp("pki"), catalogue_names())


@pytest.fixture
def lab():
    running = Lab()
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture(autouse=True)
def contract_checked(monkeypatch):
    """Every result the engine produces in a test that imports this fixture must follow _contract.py."""
    from ansible_collections.arcready.network.plugins.module_utils import _contract, _probe
    real = _probe.probe_endpoint
    checked = []

    def probe_endpoint(ep, settings, *args, **kwargs):
        result = real(ep, settings, *args, **kwargs)
        problems = _contract.check_result(result)
        assert not problems, (problems, result)
        checked.append(result)
        return result

    monkeypatch.setattr(_probe, "probe_endpoint", probe_endpoint)
    yield checked
