# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The probe engine: DNS, TCP, proxy, TLS and HTTP checks of one endpoint, and many in parallel.

PRIVATE to the collection. Runs on managed hosts: standard library only, Python 3.8+.
Every result follows ``_contract.py``: a failure carries ``failed_stage`` and a ``failed_reason`` code (what code
keys on) and one ``error`` sentence (what people read). Every endpoint has a wall-clock budget (``deadline``) that
no server behaviour stretches: each wait on the network is cut to what is left of its stage and of the budget.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import collections
import errno
import ipaddress
import json
import math
import os
import re
import socket
import ssl
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

try:
    from urllib.parse import quote, urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported on targets
    from urlparse import urlsplit  # type: ignore
    from urllib import quote  # type: ignore

from ansible_collections.arcready.network.plugins.module_utils import _contract
from ansible_collections.arcready.network.plugins.module_utils._proxy import ProxyURL, parse as parse_proxy, redact

# Leaf-certificate issuers of Microsoft's public endpoints (matched as case-insensitive substrings of
# the issuer's O and CN). Anything else signing an Arc endpoint is most likely a TLS-inspecting proxy.
DEFAULT_EXPECTED_ISSUERS = (
    "Microsoft Corporation",
    "Microsoft Azure",
    "Microsoft RSA",
    "Microsoft ECC",
    "DigiCert",
    "GeoTrust",
    "GlobalSign",
)

# Ranges that count as "private" for private link: RFC 1918, carrier-grade NAT (RFC 6598), IPv6 ULA.
_PRIVATE_NETS = tuple(ipaddress.ip_network(n) for n in
                      ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "fc00::/7"))

_TLS_VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}
USER_AGENT = "arcready-probe/1"
INSPECTION_HINT = ("Azure Arc does not support TLS-inspecting proxies or firewalls: exempt the Arc endpoints "
                   "from inspection")
DEFAULT_PORTS = {"https": 443, "http": 80}
_BAD_TEXT = re.compile(r"[\s\x00-\x1f\x7f]")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9_-]{1,63}(?<!-)$")


class ProbeError(Exception):
    """A failed stage: ``stage`` and ``reason`` (a ``_contract.REASONS`` code) for code, the message for people."""

    def __init__(self, stage, reason, message, **details):
        super(ProbeError, self).__init__(message)
        self.stage = stage
        self.reason = reason
        self.details = details


class Proxy(ProxyURL):
    """An HTTP proxy parsed by ``_proxy.parse``; ``display`` never contains the credentials."""

    def __init__(self, url, username=None, password=None, source="option"):
        parsed = parse_proxy(url, username, password)
        super(Proxy, self).__init__(parsed.scheme, parsed.host, parsed.port, parsed.username, parsed.password)
        self.source = source

    @staticmethod
    def redact(url):
        return redact(url)


def check_number(value, option, low, high, unit="seconds"):
    """``value`` as a float in (low, high], or ValueError naming ``option`` (inf, nan and bools refused)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError("%s: expected a number of %s, got %r" % (option, unit, value))
    value = float(value)
    if not math.isfinite(value) or not low < value <= high:
        raise ValueError("%s: %r is out of range; give a number of %s above %g and at most %g"
                         % (option, value, unit, low, high))
    return value


class Settings:
    """What every endpoint of one run shares. ``timeout`` bounds each stage, ``deadline`` the whole endpoint."""

    def __init__(self, timeout=5.0, min_tls_version="1.2", ca_path=None, expected_issuers=None, proxy=None,
                 bypass=(), no_proxy=(), resolve=None, private_link=False, check_inspection=True, deadline=None):
        self.timeout = check_number(timeout, "timeout", 0, _contract.MAX_TIMEOUT)
        self.deadline = check_number(_contract.default_deadline(self.timeout) if deadline is None else deadline,
                                     "deadline", 0, _contract.MAX_DEADLINE)
        self.min_tls_version = min_tls_version
        self.ca_path = ca_path or None
        self.expected_issuers = list(expected_issuers or DEFAULT_EXPECTED_ISSUERS)
        self.proxy = proxy
        self.bypass = set(bypass or ())
        self.no_proxy = [n.strip().lower() for n in no_proxy if n.strip()]
        self.resolve = dict((key.lower(), value.strip("[]")) for key, value in (resolve or {}).items())
        self.private_link = private_link
        self.check_inspection = check_inspection
        self._tls_lock = threading.Lock()
        self._tls_context = None

    def tls_context(self):
        """The verifying client context all handshakes of the run share, built on first use: loading a CA bundle
        costs milliseconds and a probe makes dozens of handshakes; an SSLContext may be shared between threads."""
        with self._tls_lock:
            if self._tls_context is None:
                ctx = ssl.create_default_context(cafile=self.ca_path)
                ctx.minimum_version = _TLS_VERSIONS[self.min_tls_version]
                self._tls_context = ctx
            return self._tls_context


def is_private(address):
    ip = ipaddress.ip_address(address.split("%")[0])
    return any(ip in net for net in _PRIVATE_NETS if net.version == ip.version)


_VERSION_NAMES = {"SSLv3": "SSL 3.0", "TLSv1": "TLS 1.0", "TLSv1.1": "TLS 1.1", "TLSv1.2": "TLS 1.2",
                  "TLSv1.3": "TLS 1.3"}


def version_name(version):
    """Python's protocol name as people write it: TLSv1 is TLS 1.0."""
    return _VERSION_NAMES.get(version, version)


def _seconds(value):
    return ("%g s" % value)


def _ms(start):
    return int(round((time.monotonic() - start) * 1000))


def no_proxy_match(host, patterns):
    """NO_PROXY semantics as curl and Go apply them: exact host, domain suffix, or '*'."""
    host = host.lower()
    for pattern in patterns:
        if pattern == "*":
            return True
        bare = pattern.lstrip(".").split(":")[0]
        if host == bare or host.endswith("." + bare):
            return True
    return False


# ---------------------------------------------------------------- input

def check_host(host, option="host"):
    """The host as it is probed (IPv6 literals without brackets), or ValueError naming ``option``."""
    if not isinstance(host, str):
        raise ValueError("%s: expected a host name or address, got %s" % (option, type(host).__name__))
    if not host:
        raise ValueError("%s: is empty; give a host name such as management.azure.com" % option)
    if _BAD_TEXT.search(host):
        raise ValueError("%s: %r holds white space or a control character (CR, LF, NUL...); give the bare host name"
                         % (option, host))
    bare = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    if ":" in bare:
        try:
            return str(ipaddress.IPv6Address(bare.split("%")[0])) + ("%" + bare.split("%", 1)[1] if "%" in bare
                                                                     else "")
        except ValueError:
            raise ValueError("%s: %r is neither a host name nor an IPv6 address (put a port in the port option, "
                             "and IPv6 addresses in brackets or bare)" % (option, host))
    if bare != host:
        raise ValueError("%s: %r has brackets around something that is not an IPv6 address" % (option, host))
    try:
        ascii_name = wire_host(host.rstrip("."))
    except UnicodeError:
        raise ValueError("%s: %r is not a valid host name (IDNA encoding failed)" % (option, host))
    if len(ascii_name) > 253 or not all(_LABEL.match(label) for label in ascii_name.split(".")):
        raise ValueError("%s: %r is not a valid host name (letters, digits, '-' and '_' in dot-separated labels "
                         "of at most 63 characters)" % (option, host))
    return host.rstrip(".").lower()


def check_port(port, option="port"):
    if isinstance(port, bool) or not isinstance(port, int) or not 1 <= port <= 65535:
        raise ValueError("%s: %r is not a TCP port; give a whole number from 1 to 65535" % (option, port))
    return port


def check_path(path, option="path"):
    if not isinstance(path, str) or not path.startswith("/"):
        raise ValueError("%s: %r is not an HTTP path; it must start with /" % (option, path))
    if _BAD_TEXT.search(path):
        raise ValueError("%s: %r holds white space or a control character; percent-encode it (%%20)" % (option, path))
    return path


def check_endpoint(ep, option="endpoint"):
    """The endpoint with host, port and path checked (ValueError naming ``option``); nothing is sent before."""
    checked = dict(ep)
    checked["host"] = check_host(ep.get("host"), option + ".host")
    checked["port"] = check_port(ep.get("port", 443), option + ".port")
    checked["path"] = check_path(ep.get("path") or "/", option + ".path")
    checked["scheme"] = ep.get("scheme") or "https"
    if checked["scheme"] not in DEFAULT_PORTS:
        raise ValueError("%s.scheme: %r is not https or http" % (option, ep.get("scheme")))
    return checked


def check_wildcard_hosts(value):
    """wildcard_hosts as {pattern: [host, ...]}; a string value is a comma-separated list, never characters."""
    out = {}
    for pattern, hosts in value.items():
        if not isinstance(pattern, str) or not pattern.strip():
            raise ValueError("wildcard_hosts: the key %r is not a catalogue pattern string" % (pattern,))
        if isinstance(hosts, str):
            hosts = [h.strip() for h in hosts.split(",") if h.strip()]
        if not isinstance(hosts, list):
            raise ValueError("wildcard_hosts[%s]: expected a list of host names, got %s"
                             % (pattern, type(hosts).__name__))
        out[pattern] = [check_host(h, "wildcard_hosts[%s][%d]" % (pattern, i)) for i, h in enumerate(hosts)]
    return out


def authority(host, port, scheme="https"):
    """``host[:port]`` as it goes into Host headers and URLs; IPv6 literals in brackets, default ports left out."""
    name = "[%s]" % host if ":" in host else wire_host(host)
    return name if DEFAULT_PORTS.get(scheme) == port else "%s:%d" % (name, port)


def _hostport(host, port):
    return "[%s]:%d" % (host, port) if ":" in host else "%s:%d" % (wire_host(host), port)


def wire_host(host):
    """The ASCII form of a host name (IDNA), as it goes into Host headers and CONNECT lines."""
    try:
        host.encode("ascii")
        return host
    except UnicodeError:
        return host.encode("idna").decode("ascii")


def wire_path(path):
    """A request target with anything outside ASCII percent-encoded; existing escapes are kept."""
    return quote(path, safe="/?&=%:@;+,!$'()*~-._#")


# ---------------------------------------------------------------- the budget

class Budget:
    """One endpoint's wall clock: each stage may take ``timeout``, the whole endpoint ``deadline``.

    ``wait()`` is what the next socket operation may take; every operation sets it as its socket timeout, so a
    server trickling bytes, or a stage after another that just made it, cannot stretch the endpoint.
    """

    def __init__(self, settings):
        self.timeout = settings.timeout
        self.started = time.monotonic()
        self.end = self.started + settings.deadline
        self.stage = "input"
        self.stage_end = self.end

    def begin(self, stage):
        self.stage = stage
        self.stage_end = min(time.monotonic() + self.timeout, self.end)

    def left(self):
        return self.stage_end - time.monotonic()

    def wait(self, reason, message):
        """Seconds left for this stage; ProbeError(timeout or deadline) when none."""
        left = self.left()
        if left <= 0:
            raise self.ran_out(reason, message)
        return left

    def ran_out(self, reason, message):
        """The error for a wait that ended without an answer: the stage's timeout or the endpoint's deadline."""
        if self.stage_end >= self.end and time.monotonic() >= self.end - 0.005:
            return ProbeError(self.stage, "deadline.exceeded", "%s: the endpoint's budget of %s ran out in the %s "
                              "stage" % (message, _seconds(round(self.end - self.started, 3)), self.stage))
        return ProbeError(self.stage, reason, message)


# ---------------------------------------------------------------- DNS

class _Lookup:
    def __init__(self, host):
        self.host = host
        self.done = threading.Event()
        self.infos = None
        self.error = None
        self.waiters = 0


class Resolver:
    """getaddrinfo on at most ``threads`` daemon threads, shared by every worker.

    getaddrinfo cannot be cancelled: a silent DNS server holds a thread until the system resolver gives up. Here
    at most ``threads`` threads are ever held (in flight lookups of one name are shared, abandoned ones are
    skipped), and a worker waits only for what is left of its budget. Idle threads exit.
    """

    def __init__(self, threads=_contract.RESOLVER_THREADS, idle=2.0):
        self.max_threads = threads
        self.idle = idle
        self._cond = threading.Condition()
        self._queue = collections.deque()
        self._pending = {}
        self._threads = 0
        self._free = 0

    def lookup(self, host, wait):
        """Addresses of ``host``; ``wait`` is the seconds the caller may wait. Raises socket.timeout or the
        resolver's own error."""
        with self._cond:
            job = self._pending.get(host)
            if job is None:
                job = self._pending[host] = _Lookup(host)
                self._queue.append(job)
                if self._free == 0 and self._threads < self.max_threads:
                    self._threads += 1
                    worker = threading.Thread(target=self._run, name="arcready-resolver")
                    worker.daemon = True
                    worker.start()
                self._cond.notify()
            job.waiters += 1
        try:
            answered = job.done.wait(wait)
        finally:
            with self._cond:
                job.waiters -= 1
        if not answered:
            raise socket.timeout("lookup of %s did not finish" % host)
        if job.error is not None:
            raise job.error
        return job.infos

    def _next(self):
        with self._cond:
            while True:
                while self._queue:
                    job = self._queue.popleft()
                    if job.waiters > 0:
                        return job
                    self._pending.pop(job.host, None)  # nobody waits for it any more
                self._free += 1
                self._cond.wait(self.idle)
                self._free -= 1
                if not self._queue:
                    self._threads -= 1
                    return None

    def _run(self):
        while True:
            job = self._next()
            if job is None:
                return
            try:
                job.infos = socket.getaddrinfo(job.host, None, 0, socket.SOCK_STREAM)
            except Exception as exc:  # socket.gaierror and friends (the test network guard too)
                job.error = exc
            with self._cond:
                self._pending.pop(job.host, None)
            job.done.set()


RESOLVER = Resolver()

_NO_ADDRESS = tuple(getattr(socket, name) for name in ("EAI_NODATA", "EAI_ADDRFAMILY") if hasattr(socket, name))


def _resolve(host, settings, budget):
    if host in settings.resolve:
        return [settings.resolve[host]]
    try:
        ipaddress.ip_address(host.split("%")[0])
        return [host]
    except ValueError:
        pass
    timed_out = "DNS lookup of %s timed out after %s: the DNS servers did not answer" % (
        host, _seconds(round(min(budget.left(), budget.timeout), 3)))
    try:
        infos = RESOLVER.lookup(host, budget.wait("dns.timeout", timed_out))
    except socket.timeout:
        raise budget.ran_out("dns.timeout", timed_out)
    except socket.gaierror as exc:
        if exc.errno == socket.EAI_NONAME:
            raise ProbeError("dns", "dns.nxdomain", "DNS lookup of %s failed: the name does not exist for this "
                             "host's DNS servers (check the resolvers, or the private DNS zone when using private "
                             "link)" % host)
        if exc.errno in _NO_ADDRESS:
            raise ProbeError("dns", "dns.no_address", "DNS lookup of %s failed: the name has no address (%s)"
                             % (host, exc.strerror or exc))
        raise ProbeError("dns", "dns.failed", "DNS lookup of %s failed: %s" % (host, exc.strerror or exc))
    except Exception as exc:
        why = getattr(exc, "strerror", None) or exc
        raise ProbeError("dns", "dns.failed", "DNS lookup of %s failed: %s" % (host, why))
    addresses = []
    for info in infos:
        address = info[4][0]
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise ProbeError("dns", "dns.no_address", "DNS lookup of %s returned no address" % host)
    return addresses


# ---------------------------------------------------------------- TCP

_LOCAL_LIMITS = (errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM)


def _connect(address, port, budget, what):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    timed_out = "TCP connect to %s timed out after %s: a firewall is probably dropping it" % (
        what, _seconds(round(min(budget.left(), budget.timeout), 3)))
    try:
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as exc:
        if exc.errno in _LOCAL_LIMITS:
            raise ProbeError("tcp", "tcp.local_limit", "could not open a socket to %s: %s (lower workers or raise "
                             "the open files limit)" % (what, os.strerror(exc.errno)))
        raise ProbeError("tcp", "tcp.failed", "could not open a socket to %s: %s" % (what, exc))
    try:
        sock.settimeout(budget.wait("tcp.timeout", timed_out))
        sock.connect((address, port))
    except socket.timeout:
        sock.close()
        raise budget.ran_out("tcp.timeout", timed_out)
    except ProbeError:
        sock.close()
        raise
    except OSError as exc:
        sock.close()
        code = getattr(exc, "errno", None)
        if code == errno.ECONNREFUSED:
            raise ProbeError("tcp", "tcp.refused", "TCP connect to %s was refused: nothing listens there, or a "
                             "firewall rejects the connection" % what)
        if code in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            raise ProbeError("tcp", "tcp.unreachable", "TCP connect to %s failed: no route to the host (%s)"
                             % (what, os.strerror(code)))
        raise ProbeError("tcp", "tcp.failed", "TCP connect to %s failed: %s" % (what, exc))
    except BaseException:
        sock.close()
        raise
    return sock


def _connect_any(addresses, port, budget):
    """Try each address; a timeout stops the walk so one endpoint never costs more than one timeout."""
    last = None
    for address in addresses:
        try:
            return _connect(address, port, budget, _hostport(address, port)), address
        except ProbeError as exc:
            last = exc
            if exc.reason in ("tcp.timeout", "deadline.exceeded", "tcp.local_limit"):
                break
    raise last


# ---------------------------------------------------------------- HTTP on a socket

def _recv(sock, size, budget, reason, message):
    sock.settimeout(budget.wait(reason, message))
    try:
        return sock.recv(size)
    except socket.timeout:
        raise budget.ran_out(reason, message)


def _recv_head(sock, budget, reason, message, limit=_contract.MAX_HEAD_BYTES):
    data = b""
    while b"\r\n\r\n" not in data and len(data) <= limit:
        chunk = _recv(sock, 4096, budget, reason, message)
        if not chunk:
            break
        data += chunk
    return data


def _endless(data):
    """A head that went past the cap without its blank line: not an HTTP answer."""
    return len(data) > _contract.MAX_HEAD_BYTES and b"\r\n\r\n" not in data


def _parse_head(data):
    head, _sep, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    status_line = lines[0] if lines else ""
    fields = status_line.split(" ", 2)
    if len(fields) < 2 or not fields[0].startswith("HTTP/") or not fields[1].isdigit() or len(fields[1]) != 3:
        return None, "", {}, rest
    headers = {}
    for line in lines[1:]:
        name, _sep, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(fields[1]), fields[2] if len(fields) > 2 else "", headers, rest


def _dechunk(body):
    out = b""
    while body:
        size_line, _sep, body = body.partition(b"\r\n")
        try:
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
        except ValueError:
            break
        if size == 0:
            break
        out += body[:size]
        body = body[size + 2:]
    return out


def _send(sock, data, budget, reason, message):
    sock.settimeout(budget.wait(reason, message))
    try:
        sock.sendall(data)
    except socket.timeout:
        raise budget.ran_out(reason, message)


def _read_body(sock, headers, rest, budget, limit, message):
    """The body, at most ``limit`` bytes; ``(body, truncated)``. Stops at Content-Length, close or the budget."""
    body = rest
    try:
        length = int(headers.get("content-length", ""))
    except ValueError:
        length = None
    while len(body) <= limit and (length is None or len(body) < length):
        chunk = _recv(sock, 65536, budget, "http.timeout", message)
        if not chunk:
            break
        body += chunk
    truncated = len(body) > limit
    body = body[:limit]
    if "chunked" in headers.get("transfer-encoding", "").lower():
        body = _dechunk(body)
    return body, truncated


def _http_exchange(sock, target, host, port, scheme, budget, extra_headers=(), body_limit=0):
    """GET ``target`` (already in wire form); returns (status, reason, headers, body, truncated, raw head)."""
    request = ["GET %s HTTP/1.1" % target, "Host: %s" % authority(host, port, scheme),
               "User-Agent: %s" % USER_AGENT, "Accept: */*", "Connection: close"]
    request.extend(extra_headers)
    silent = "%s accepted the connection but sent no complete HTTP answer within %s" % (
        host, _seconds(round(min(budget.left(), budget.timeout), 3)))
    _send(sock, ("\r\n".join(request) + "\r\n\r\n").encode("ascii"), budget, "http.timeout", silent)
    data = _recv_head(sock, budget, "http.timeout", silent)
    status, reason, headers, rest = _parse_head(data)
    body, truncated = b"", False
    if body_limit and status is not None:
        body, truncated = _read_body(sock, headers, rest, budget, body_limit, silent)
    return status, reason, headers, body, truncated, data


# ---------------------------------------------------------------- proxy

def _tunnel(sock, proxy, host, port, budget):
    auth = proxy.authorization()
    headers = ["Proxy-Authorization: %s" % auth] if auth else []
    target = _hostport(host, port)
    silent = "the proxy %s did not answer CONNECT %s within %s" % (
        proxy.display, target, _seconds(round(min(budget.left(), budget.timeout), 3)))
    try:
        request = ["CONNECT %s HTTP/1.1" % target, "Host: %s" % target, "User-Agent: %s" % USER_AGENT] + headers
        _send(sock, ("\r\n".join(request) + "\r\n\r\n").encode("ascii"), budget, "proxy.timeout", silent)
        data = _recv_head(sock, budget, "proxy.timeout", silent)
    except OSError as exc:
        raise ProbeError("proxy", "proxy.closed", "the proxy %s dropped the connection during CONNECT %s: %s"
                         % (proxy.display, target, exc))
    status, reason, _headers, _rest = _parse_head(data)
    if not data:
        raise ProbeError("proxy", "proxy.closed", "the proxy %s closed the connection without answering CONNECT %s"
                         % (proxy.display, target))
    if status is None or _endless(data):
        raise ProbeError("proxy", "proxy.not_http", "the proxy %s did not answer CONNECT %s with HTTP: is it "
                         "really an HTTP proxy?" % (proxy.display, target))
    if status == 407:
        why = "the credentials were rejected" if auth else "it requires authentication"
        raise ProbeError("proxy", "proxy.auth_required", "the proxy %s answered 407 to CONNECT %s: %s (note that "
                         "the Arc agent does not support authenticating proxies)" % (proxy.display, target, why))
    if status // 100 != 2:
        raise ProbeError("proxy", "proxy.refused", "the proxy %s refused CONNECT %s with %d %s: allow this host and "
                         "port on the proxy" % (proxy.display, target, status, reason.strip()))


# ---------------------------------------------------------------- TLS

def _name(pairs, key):
    for rdn in pairs or ():
        for name, value in rdn:
            if name == key:
                return value
    return None


def _describe(pairs):
    cn, org = _name(pairs, "commonName"), _name(pairs, "organizationName")
    if cn and org and org not in cn:
        return "%s (%s)" % (cn, org)
    return cn or org or ""


def _decode_der(der):
    """Decode a certificate that failed validation, to say who issued it. Best effort."""
    try:
        handle, path = tempfile.mkstemp(suffix=".pem")
    except OSError:
        return {}
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(ssl.DER_cert_to_PEM_cert(der))
        return ssl._ssl._test_decode_cert(path)  # pylint: disable=protected-access
    except Exception:
        return {}
    finally:
        os.unlink(path)


def _open_stream(ep, settings, use_proxy, addresses, budget):
    """TCP (and CONNECT) to the endpoint; returns (socket, latency dict, address or None)."""
    latency = {}
    start = time.monotonic()
    if use_proxy:
        proxy = settings.proxy
        budget.begin("proxy")
        try:
            proxy_addresses = _resolve(proxy.host, settings, budget)
            sock, _address = _connect_any(proxy_addresses, proxy.port, budget)
        except ProbeError as exc:
            if exc.reason in ("deadline.exceeded", "tcp.local_limit"):
                raise ProbeError("proxy", exc.reason, "could not reach the proxy %s: %s" % (proxy.display, exc))
            raise ProbeError("proxy", "proxy.unreachable", "could not reach the proxy %s: %s" % (proxy.display, exc))
        latency["tcp"] = _ms(start)
        if ep["scheme"] == "https":
            start = time.monotonic()
            budget.begin("proxy")
            try:
                _tunnel(sock, proxy, ep["host"], ep["port"], budget)
            except BaseException:
                sock.close()
                raise
            latency["proxy"] = _ms(start)
        return sock, latency, None
    budget.begin("tcp")
    sock, address = _connect_any(addresses, ep["port"], budget)
    latency["tcp"] = _ms(start)
    return sock, latency, address


def _unverified_handshake(ep, settings, use_proxy, addresses, budget, ctx, read):
    """A second connection to explain a failed handshake, out of the same budget; None when it fails."""
    try:
        sock, _lat, _addr = _open_stream(ep, settings, use_proxy, addresses, budget)
    except ProbeError:
        return None
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    budget.begin("tls")
    tls = None
    try:
        tls = ctx.wrap_socket(sock, server_hostname=_sni(ep["host"]), do_handshake_on_connect=False)
        tls.settimeout(budget.wait("tls.timeout", "explaining"))
        tls.do_handshake()
        return read(tls)
    except Exception:
        return None
    finally:
        (tls or sock).close()


def _server_versions(ep, settings, use_proxy, addresses, budget):
    """Which TLS version the server picks when we allow old ones: explains a failed 1.2 handshake."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    try:
        with warnings.catch_warnings():
            # Old versions are deprecated on purpose; here they only name what the server offers.
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    except (ValueError, ssl.SSLError):
        pass
    return _unverified_handshake(ep, settings, use_proxy, addresses, budget, ctx, lambda tls: tls.version())


def _peer_cert_unverified(ep, settings, use_proxy, addresses, budget):
    der = _unverified_handshake(ep, settings, use_proxy, addresses, budget, ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT),
                                lambda tls: tls.getpeercert(binary_form=True))
    return _decode_der(der) if der else {}


def _issuer_expected(issuer, settings):
    text = " ".join(filter(None, (_name(issuer, "organizationName"), _name(issuer, "commonName")))).lower()
    return any(expected.lower() in text for expected in settings.expected_issuers)


def _sni(host):
    """The server_hostname to verify against; Python sends no SNI for an address literal (RFC 6066)."""
    try:
        ipaddress.ip_address(host.split("%")[0])
        return host
    except ValueError:
        return wire_host(host)


_VERSION_ORDER = ("SSLv2", "SSLv3", "TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3")


def _older_than_minimum(offered, minimum):
    """Whether the version a server picked (``tls.version()``) is older than ``min_tls_version``: a TLS 1.2
    server against a minimum of 1.3 offers only versions older than the minimum, as a TLS 1.0 one does against 1.2."""
    if offered not in _VERSION_ORDER:
        return False
    return _VERSION_ORDER.index(offered) < _VERSION_ORDER.index("TLSv" + minimum)


def _tls_failure(exc, ep, settings, use_proxy, addresses, budget):
    host = ep["host"]
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = getattr(exc, "verify_code", None)
        cert = _peer_cert_unverified(ep, settings, use_proxy, addresses, budget)
        issuer = _describe(cert.get("issuer"))
        if code == 10:
            return ProbeError("tls", "tls.expired", "the certificate of %s expired on %s"
                              % (host, cert.get("notAfter", "?")), cert=cert)
        if code == 62 or "hostname mismatch" in str(exc).lower() or "ip address mismatch" in str(exc).lower():
            names = ", ".join(v for k, v in cert.get("subjectAltName", ()) if k == "DNS") or _describe(
                cert.get("subject"))
            return ProbeError("tls", "tls.name_mismatch", "the certificate presented for %s is for other names (%s): "
                              "a proxy or DNS entry is sending this name to the wrong server"
                              % (host, names or "unknown"), cert=cert)
        if cert and issuer and not _issuer_expected(cert.get("issuer"), settings):
            return ProbeError("tls_inspection", "tls_inspection.untrusted", "the certificate of %s is issued by '%s', "
                              "which this host does not trust and which is not a Microsoft CA: %s"
                              % (host, issuer, INSPECTION_HINT), cert=cert, inspection=True)
        return ProbeError("tls", "tls.untrusted", "the certificate of %s is not trusted by this host (%s%s)"
                          % (host, getattr(exc, "verify_message", None) or exc,
                             ", issuer '%s'" % issuer if issuer else ""), cert=cert)
    text = str(exc).lower()
    if "no protocols available" in text or "no ciphers available" in text:
        return ProbeError("tls", "tls.local_policy", "this host's OpenSSL configuration does not allow TLS %s or "
                          "later (check MinProtocol/MaxProtocol and CipherString in openssl.cnf, or the crypto "
                          "policy)" % settings.min_tls_version)
    if any(marker in text for marker in ("wrong version number", "http request", "record layer failure",
                                         "packet length too long")):
        return ProbeError("tls", "tls.not_tls", "%s answered the TLS hello with something else, most likely plain "
                          "HTTP: port %d does not speak TLS here (a proxy or load balancer in the way?)"
                          % (host, ep["port"]))
    if any(marker in text for marker in ("protocol version", "unsupported protocol",
                                         "version too low", "no shared cipher", "handshake failure")):
        offered = _server_versions(ep, settings, use_proxy, addresses, budget)
        if _older_than_minimum(offered, settings.min_tls_version):
            return ProbeError("tls", "tls.protocol_too_old", "%s only offers %s; Azure Arc needs TLS %s or later"
                              % (host, version_name(offered), settings.min_tls_version))
        return ProbeError("tls", "tls.no_common_cipher", "TLS handshake with %s failed: no common protocol version "
                          "or cipher at TLS %s or later (%s)" % (host, settings.min_tls_version, exc))
    if "eof" in text or "reset" in text:
        return ProbeError("tls", "tls.reset", "the connection to %s was closed during the TLS handshake (%s): a "
                          "firewall or proxy is probably blocking TLS to this name" % (host, exc))
    return ProbeError("tls", "tls.failed", "TLS handshake with %s failed: %s" % (host, exc))


def _handshake(sock, ep, settings, use_proxy, addresses, budget):
    budget.begin("tls")
    silent = ("TLS handshake with %s timed out after %s: the connection opened but nothing answered the TLS hello "
              "(a firewall or proxy filtering TLS?)" % (ep["host"], _seconds(round(min(budget.left(),
                                                                                       budget.timeout), 3))))
    ctx = settings.tls_context()
    tls = None
    try:
        tls = ctx.wrap_socket(sock, server_hostname=_sni(ep["host"]), do_handshake_on_connect=False)
        # One timeout for the whole handshake: Python applies it as a deadline to do_handshake.
        tls.settimeout(budget.wait("tls.timeout", silent))
        tls.do_handshake()
        return tls
    except socket.timeout:
        failure = budget.ran_out("tls.timeout", silent)
    except (ssl.SSLError, ssl.CertificateError) as exc:
        (tls or sock).close()
        raise _tls_failure(exc, ep, settings, use_proxy, addresses, budget)
    except ProbeError as exc:
        failure = exc
    except OSError as exc:
        failure = ProbeError("tls", "tls.reset", "the connection to %s was closed during the TLS handshake (%s): a "
                             "firewall or proxy is probably blocking TLS to this name" % (ep["host"], exc))
    except BaseException:
        (tls or sock).close()
        raise
    (tls or sock).close()
    raise failure


def _cert_fields(cert):
    return {
        "cert_issuer": _describe(cert.get("issuer")) or None,
        "cert_subject": _describe(cert.get("subject")) or None,
        "cert_not_after": cert.get("notAfter"),
    }


# ---------------------------------------------------------------- one endpoint

def _uses_proxy(ep, settings):
    if settings.proxy is None:
        return False
    if set(ep.get("bypass") or ()) & settings.bypass:
        return False
    return not no_proxy_match(ep["host"], settings.no_proxy)


def new_result(ep):
    """A result with every ``_contract.RESULT_FIELDS`` key; the catalogue fields echo the endpoint."""
    scheme = ep.get("scheme", "https")
    host, port = ep.get("host"), ep.get("port", 443)
    url = ep.get("url")
    if not url:
        try:
            url = "%s://%s%s" % (scheme, authority(host, port, scheme), ep.get("path") or "/")
        except (TypeError, AttributeError, UnicodeError):
            url = "%s://%r:%r" % (scheme, host, port)
    result = dict((key, None) for key in _contract.RESULT_FIELDS)
    result.update({
        "host": host,
        "port": port,
        "scheme": scheme,
        "url": url,
        "purpose": ep.get("purpose", ""),
        "required": bool(ep.get("required", True)),
        "probeable": bool(ep.get("probeable", True)),
        "reason": ep.get("reason", ""),
        "pattern": ep.get("pattern"),
        "private_capable": bool(ep.get("private_capable", False)),
        "ok": False,
        "latency_ms": {},
        "elapsed_ms": 0,
        "addresses": [],
        "tls_inspection": False,
    })
    return result


def probe_endpoint(ep, settings, body_limit=0):
    """Probe one endpoint dict (host, port, scheme, path, ...); always returns a result dict within the deadline.

    ``body_limit`` > 0 also reads up to that many bytes of the body into ``result["body"]`` (and sets
    ``result["body_truncated"]`` when there was more).
    """
    budget = Budget(settings)
    result = new_result(ep)
    if not result["probeable"]:
        result["error"] = "not probed: %s" % result["reason"]
        return result
    try:
        ep = check_endpoint(ep)
        use_proxy = _uses_proxy(ep, settings)
        result["proxy"] = settings.proxy.display if use_proxy else None
        _probe_stages(ep, settings, use_proxy, result, budget, body_limit)
        result["ok"] = True
    except ProbeError as exc:
        result["failed_stage"] = exc.stage
        result["failed_reason"] = exc.reason
        result["error"] = str(exc)
        if exc.details.get("cert"):
            result.update(_cert_fields(exc.details["cert"]))
        if exc.details.get("inspection"):
            result["tls_inspection"] = True
    except (ValueError, UnicodeError) as exc:
        # A name or path that cannot be put on the wire is the caller's input, not the network's fault.
        result["failed_stage"] = "input"
        result["failed_reason"] = "input.invalid"
        result["error"] = "cannot probe %s:%s: %s" % (ep.get("host"), ep.get("port"), exc)
    except AssertionError:
        raise  # the unit tests' network guard
    except Exception as exc:  # a bug must cost one endpoint, not every result of the run
        result["failed_stage"] = budget.stage
        result["failed_reason"] = "engine.error"
        result["error"] = "the probe met an unexpected error in the %s stage: %s: %s" % (
            budget.stage, type(exc).__name__, exc)
    result["elapsed_ms"] = _ms(budget.started)
    return result


def _probe_stages(ep, settings, use_proxy, result, budget, body_limit):
    host, port = ep["host"], ep["port"]
    if use_proxy and settings.proxy.scheme != "http":
        raise ProbeError("proxy", "proxy.unsupported_scheme", "the proxy %s uses %s://, which the Arc agent does not "
                         "support: use an http:// proxy URL" % (settings.proxy.display, settings.proxy.scheme))
    start = time.monotonic()
    addresses = []
    budget.begin("dns")
    try:
        addresses = _resolve(host, settings, budget)
    except ProbeError as exc:
        if not use_proxy or exc.reason == "deadline.exceeded":
            raise
        # Behind a proxy the proxy resolves the name; local DNS only matters for private link.
        result["hint"] = "resolved by the proxy only (%s)" % exc
    result["latency_ms"]["dns"] = _ms(start)
    result["addresses"] = addresses
    if addresses and not use_proxy:
        result["private"] = all(is_private(a) for a in addresses)
    if settings.private_link and ep.get("private_capable"):
        if use_proxy:
            result["hint"] = ("private link with a proxy: add 'Arc' to the agent's proxy.bypass so this host is "
                              "reached on its private endpoint")
        elif not result["private"]:
            public = [a for a in addresses if not is_private(a)]
            raise ProbeError("private_link", "private_link.public_address", "%s resolves to public address %s, but "
                             "with private link it must resolve to the private endpoint: link the privatelink DNS "
                             "zone (or a conditional forwarder) to this host's DNS servers" % (host, ", ".join(public)))
    sock, latency, _address = _open_stream(ep, settings, use_proxy, addresses, budget)
    result["latency_ms"].update(latency)
    try:
        if ep.get("scheme", "https") == "https":
            start = time.monotonic()
            tls = _handshake(sock, ep, settings, use_proxy, addresses, budget)
            sock = tls
            result["latency_ms"]["tls"] = _ms(start)
            result["tls_version"] = tls.version()
            result["tls_cipher"] = (tls.cipher() or (None,))[0]
            cert = tls.getpeercert() or {}
            result.update(_cert_fields(cert))
            if settings.check_inspection and not _issuer_expected(cert.get("issuer"), settings):
                result["tls_inspection"] = True
                raise ProbeError("tls_inspection", "tls_inspection.reissued", "the certificate of %s is issued by "
                                 "'%s', not by a Microsoft CA: a proxy or firewall is inspecting TLS. %s"
                                 % (host, result["cert_issuer"], INSPECTION_HINT))
            target = wire_path(ep.get("path") or "/")
        else:
            # Plain HTTP through a proxy uses the absolute form of the request target.
            path = wire_path(ep.get("path") or "/")
            target = "http://%s%s" % (authority(host, port, "http"), path) if use_proxy else path
        start = time.monotonic()
        budget.begin("http")
        extra = []
        if use_proxy and ep.get("scheme") == "http" and settings.proxy.authorization():
            extra.append("Proxy-Authorization: %s" % settings.proxy.authorization())
        try:
            status, _reason, _headers, body, truncated, raw = _http_exchange(
                sock, target, host, port, ep.get("scheme", "https"), budget, extra, body_limit)
        except ProbeError:
            raise
        except OSError as exc:
            raise ProbeError("http", "http.closed", "%s closed the connection before answering HTTP: %s"
                             % (host, exc))
        result["latency_ms"]["http"] = _ms(start)
        if status is None or _endless(raw):
            if not raw:
                raise ProbeError("http", "http.closed", "%s closed the connection before answering HTTP" % host)
            raise ProbeError("http", "http.not_http", "%s did not answer with HTTP (is something else listening on "
                             "port %d?)" % (host, port))
        result["http_status"] = status
        if use_proxy and ep.get("scheme") == "http" and status == 407:
            raise ProbeError("proxy", "proxy.auth_required", "the proxy %s answered 407 to GET %s: it requires "
                             "authentication (the Arc agent does not support authenticating proxies)"
                             % (settings.proxy.display, target))
        if body_limit:
            result["body"] = body.decode("utf-8", "replace")
            result["body_truncated"] = truncated
    finally:
        sock.close()


# ---------------------------------------------------------------- many endpoints

def probe_all(endpoints, settings, workers=20):
    """Probe every endpoint in parallel; results keep the order of ``endpoints``.

    At most ``_contract.MAX_WORKERS`` threads probe, plus the shared resolver's few; the run takes at most about
    one deadline per batch of ``workers`` endpoints.
    """
    if not endpoints:
        return []
    width = max(1, min(int(workers), _contract.MAX_WORKERS, len(endpoints)))
    with ThreadPoolExecutor(max_workers=width) as pool:
        return list(pool.map(lambda ep: probe_endpoint(ep, settings), endpoints))


def json_depth(text, limit):
    """Whether JSON ``text`` nests arrays and objects deeper than ``limit`` (strings are skipped)."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > limit:
                return True
        elif char in "]}":
            depth -= 1
    return False


def servicebus_hosts(body, suffix, limit=_contract.MAX_ALLOWLIST_HOSTS, depth=_contract.MAX_JSON_DEPTH):
    """Host names ending in the Service Bus suffix, wherever they sit in the allowlist JSON: ``(hosts, cut)``.

    At most ``limit`` hosts (``cut`` tells whether more were named); ValueError when the body is not JSON or
    nests deeper than ``depth``. Names that are not valid host names are skipped.
    """
    if json_depth(body, depth):
        raise ValueError("it nests deeper than %d levels" % depth)
    found, cut = [], False
    stack = [json.loads(body)]
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            stack.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, str):
            name = node.strip().lower()
            if "://" in name:
                try:
                    name = urlsplit(name).hostname or ""
                except ValueError:
                    continue
            try:
                name = check_host(name)
            except ValueError:
                continue
            if name.endswith("." + suffix) and name not in found:
                if len(found) >= limit:
                    cut = True
                    break
                found.append(name)
    return found, cut
