# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The probe engine: DNS, TCP, proxy, TLS and HTTP checks of one endpoint, and many in parallel.

Private to the collection. Runs on managed hosts: standard library only, Python 3.8+.
Every failure becomes one sentence that says what failed, where, and the likely cause.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import errno
import ipaddress
import json
import os
import socket
import ssl
import tempfile
import threading
import time
import warnings
from concurrent.futures import ThreadPoolExecutor

try:
    from urllib.parse import quote, urlsplit, unquote
except ImportError:  # pragma: no cover - Python 2 is not supported on targets
    from urlparse import urlsplit  # type: ignore
    from urllib import quote, unquote  # type: ignore

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
_READ_LIMIT = 1024 * 1024
USER_AGENT = "arcready-probe/1"
INSPECTION_HINT = ("Azure Arc does not support TLS-inspecting proxies or firewalls: exempt the Arc endpoints "
                   "from inspection")


class ProbeError(Exception):
    """A failed stage: ``stage`` names it, the message is the sentence shown to people."""

    def __init__(self, stage, message, **details):
        super(ProbeError, self).__init__(message)
        self.stage = stage
        self.details = details


class Proxy:
    """An HTTP proxy; ``display`` never contains the credentials."""

    def __init__(self, url, username=None, password=None, source="option"):
        parts = urlsplit(url if "://" in url else "http://" + url)
        if not parts.hostname:
            raise ValueError("proxy URL %r has no host; use the form http://proxy.example.com:3128" % self.redact(url))
        self.scheme = parts.scheme.lower()
        self.host = parts.hostname
        try:
            self.port = parts.port or (443 if self.scheme == "https" else 80)
        except ValueError:
            raise ValueError("proxy URL %r has an invalid port" % self.redact(url))
        self.username = username if username is not None else (unquote(parts.username) if parts.username else None)
        self.password = password if password is not None else (unquote(parts.password) if parts.password else None)
        self.source = source
        creds = "***@" if self.username or self.password else ""
        host = "[%s]" % self.host if ":" in self.host else self.host
        self.display = "%s://%s%s:%d" % (self.scheme, creds, host, self.port)

    @staticmethod
    def redact(url):
        parts = urlsplit(url if "://" in url else "http://" + url)
        if parts.username or parts.password:
            return url.replace(parts.netloc, "***@" + parts.netloc.rsplit("@", 1)[1])
        return url

    def authorization(self):
        if self.username is None and self.password is None:
            return None
        raw = ("%s:%s" % (self.username or "", self.password or "")).encode("utf-8")
        return "Basic " + base64.b64encode(raw).decode("ascii")


class Settings:
    def __init__(self, timeout=5.0, min_tls_version="1.2", ca_path=None, expected_issuers=None, proxy=None,
                 bypass=(), no_proxy=(), resolve=None, private_link=False, check_inspection=True):
        self.timeout = float(timeout)
        self.min_tls_version = min_tls_version
        self.ca_path = ca_path or None
        self.expected_issuers = list(expected_issuers or DEFAULT_EXPECTED_ISSUERS)
        self.proxy = proxy
        self.bypass = set(bypass or ())
        self.no_proxy = [n.strip().lower() for n in no_proxy if n.strip()]
        self.resolve = dict(resolve or {})
        self.private_link = private_link
        self.check_inspection = check_inspection


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


# ---------------------------------------------------------------- DNS

def _resolve(host, port, settings):
    if host in settings.resolve:
        return [settings.resolve[host]]
    box = {}

    def lookup():
        try:
            box["infos"] = socket.getaddrinfo(host, port, 0, socket.SOCK_STREAM)
        except Exception as exc:  # socket.gaierror and friends
            box["error"] = exc

    # getaddrinfo has no timeout of its own; a daemon thread bounds the wait.
    worker = threading.Thread(target=lookup)
    worker.daemon = True
    worker.start()
    worker.join(settings.timeout)
    if worker.is_alive():
        raise ProbeError("dns", "DNS lookup of %s timed out after %s: the DNS servers did not answer"
                         % (host, _seconds(settings.timeout)))
    if "error" in box:
        exc = box["error"]
        if isinstance(exc, socket.gaierror) and exc.errno in (socket.EAI_NONAME, getattr(socket, "EAI_NODATA", -5)):
            raise ProbeError("dns", "DNS lookup of %s failed: the name does not exist for this host's DNS servers "
                             "(check the resolvers, or the private DNS zone when using private link)" % host)
        raise ProbeError("dns", "DNS lookup of %s failed: %s" % (host, getattr(exc, "strerror", None) or exc))
    addresses = []
    for info in box["infos"]:
        address = info[4][0]
        if address not in addresses:
            addresses.append(address)
    return addresses


# ---------------------------------------------------------------- TCP

def _connect(address, port, timeout, what):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.settimeout(timeout)
    try:
        sock.connect((address, port))
    except socket.timeout:
        sock.close()
        raise ProbeError("tcp", "TCP connect to %s timed out after %s: a firewall is probably dropping it"
                         % (what, _seconds(timeout)))
    except (OSError, socket.error) as exc:
        sock.close()
        code = getattr(exc, "errno", None)
        if code == errno.ECONNREFUSED:
            raise ProbeError("tcp", "TCP connect to %s was refused: nothing listens there, or a firewall rejects "
                             "the connection" % what)
        if code in (errno.ENETUNREACH, errno.EHOSTUNREACH):
            raise ProbeError("tcp", "TCP connect to %s failed: no route to the host (%s)"
                             % (what, os.strerror(code)))
        raise ProbeError("tcp", "TCP connect to %s failed: %s" % (what, exc))
    return sock


def _connect_any(addresses, port, timeout):
    """Try each address; a timeout stops the walk so one endpoint never costs more than one timeout."""
    last = None
    for address in addresses:
        what = ("[%s]:%d" if ":" in address else "%s:%d") % (address, port)
        try:
            return _connect(address, port, timeout, what), address
        except ProbeError as exc:
            last = exc
            if "timed out" in str(exc):
                break
    raise last


# ---------------------------------------------------------------- HTTP on a socket

def _recv_head(sock, limit=65536):
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > limit:
            break
    return data


def _parse_head(data):
    head, _, rest = data.partition(b"\r\n\r\n")
    lines = head.decode("iso-8859-1").split("\r\n")
    status_line = lines[0] if lines else ""
    fields = status_line.split(" ", 2)
    if len(fields) < 2 or not fields[0].startswith("HTTP/") or not fields[1].isdigit():
        return None, "", {}, rest
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(fields[1]), fields[2] if len(fields) > 2 else "", headers, rest


def _dechunk(body):
    out = b""
    while body:
        size_line, _, body = body.partition(b"\r\n")
        try:
            size = int(size_line.split(b";")[0].strip() or b"0", 16)
        except ValueError:
            break
        if size == 0:
            break
        out += body[:size]
        body = body[size + 2:]
    return out


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


def _http_exchange(sock, method, target, host, extra_headers=(), read_body=False):
    request = ["%s %s HTTP/1.1" % (method, wire_path(target)), "Host: %s" % wire_host(host),
               "User-Agent: %s" % USER_AGENT,
               "Accept: */*", "Connection: close"]
    request.extend(extra_headers)
    sock.sendall(("\r\n".join(request) + "\r\n\r\n").encode("ascii"))
    data = _recv_head(sock)
    status, reason, headers, rest = _parse_head(data)
    body = b""
    if read_body and status is not None:
        body = rest
        while len(body) < _READ_LIMIT:
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
        if "chunked" in headers.get("transfer-encoding", "").lower():
            body = _dechunk(body)
    return status, reason, headers, body, data


# ---------------------------------------------------------------- proxy

def _tunnel(sock, proxy, host, port, timeout):
    auth = proxy.authorization()
    headers = ["Proxy-Authorization: %s" % auth] if auth else []
    target = "%s:%d" % (wire_host(host), port)
    try:
        request = ["CONNECT %s HTTP/1.1" % target, "Host: %s" % target, "User-Agent: %s" % USER_AGENT] + headers
        sock.sendall(("\r\n".join(request) + "\r\n\r\n").encode("ascii"))
        status, reason, _headers, _rest = _parse_head(_recv_head(sock))
    except socket.timeout:
        raise ProbeError("proxy", "the proxy %s did not answer CONNECT %s within %s"
                         % (proxy.display, target, _seconds(timeout)))
    except (OSError, socket.error) as exc:
        raise ProbeError("proxy", "the proxy %s dropped the connection during CONNECT %s: %s"
                         % (proxy.display, target, exc))
    if status is None:
        raise ProbeError("proxy", "the proxy %s did not answer CONNECT %s with HTTP: is it really an HTTP proxy?"
                         % (proxy.display, target))
    if status == 407:
        why = "the credentials were rejected" if auth else "it requires authentication"
        raise ProbeError("proxy", "the proxy %s answered 407 to CONNECT %s: %s (note that the Arc agent does not "
                         "support authenticating proxies)" % (proxy.display, target, why))
    if status // 100 != 2:
        raise ProbeError("proxy", "the proxy %s refused CONNECT %s with %d %s: allow this host and port on the proxy"
                         % (proxy.display, target, status, reason.strip()))


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
    handle, path = tempfile.mkstemp(suffix=".pem")
    try:
        with os.fdopen(handle, "w") as stream:
            stream.write(ssl.DER_cert_to_PEM_cert(der))
        return ssl._ssl._test_decode_cert(path)  # pylint: disable=protected-access
    except Exception:
        return {}
    finally:
        os.unlink(path)


def _open_stream(ep, settings, use_proxy, addresses):
    """TCP (and CONNECT) to the endpoint; returns (socket, latency dict, address or None)."""
    latency = {}
    start = time.monotonic()
    if use_proxy:
        proxy = settings.proxy
        proxy_addresses = [settings.resolve.get(proxy.host, proxy.host)]
        try:
            if proxy.host not in settings.resolve:
                proxy_addresses = _resolve(proxy.host, proxy.port, settings)
            sock, _address = _connect_any(proxy_addresses, proxy.port, settings.timeout)
        except ProbeError as exc:
            raise ProbeError("proxy", "could not reach the proxy %s: %s" % (proxy.display, exc))
        latency["tcp"] = _ms(start)
        if ep["scheme"] == "https":
            start = time.monotonic()
            _tunnel(sock, proxy, ep["host"], ep["port"], settings.timeout)
            latency["proxy"] = _ms(start)
        return sock, latency, None
    sock, address = _connect_any(addresses, ep["port"], settings.timeout)
    latency["tcp"] = _ms(start)
    return sock, latency, address


def _server_versions(ep, settings, use_proxy, addresses):
    """Which TLS version the server picks when we allow old ones: explains a failed 1.2 handshake."""
    try:
        sock, _lat, _addr = _open_stream(ep, settings, use_proxy, addresses)
    except ProbeError:
        return None
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with warnings.catch_warnings():
            # Old versions are deprecated on purpose; here they only name what the server offers.
            warnings.simplefilter("ignore", DeprecationWarning)
            ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
    except (ValueError, ssl.SSLError):
        pass
    try:
        with ctx.wrap_socket(sock, server_hostname=ep["host"]) as tls:
            return tls.version()
    except Exception:
        return None
    finally:
        sock.close()


def _peer_cert_unverified(ep, settings, use_proxy, addresses):
    try:
        sock, _lat, _addr = _open_stream(ep, settings, use_proxy, addresses)
    except ProbeError:
        return {}
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    try:
        with ctx.wrap_socket(sock, server_hostname=ep["host"]) as tls:
            der = tls.getpeercert(binary_form=True)
    except Exception:
        return {}
    finally:
        sock.close()
    return _decode_der(der) if der else {}


def _issuer_expected(issuer, settings):
    text = " ".join(filter(None, (_name(issuer, "organizationName"), _name(issuer, "commonName")))).lower()
    return any(expected.lower() in text for expected in settings.expected_issuers)


def _tls_failure(exc, ep, settings, use_proxy, addresses):
    host = ep["host"]
    if isinstance(exc, ssl.SSLCertVerificationError):
        code = getattr(exc, "verify_code", None)
        cert = _peer_cert_unverified(ep, settings, use_proxy, addresses)
        issuer = _describe(cert.get("issuer"))
        if code == 10:
            return ProbeError("tls", "the certificate of %s expired on %s" % (host, cert.get("notAfter", "?")),
                              cert=cert)
        if code == 62 or "hostname mismatch" in str(exc).lower():
            names = ", ".join(v for k, v in cert.get("subjectAltName", ()) if k == "DNS") or _describe(
                cert.get("subject"))
            return ProbeError("tls", "the certificate presented for %s is for other names (%s): a proxy or DNS "
                              "entry is sending this name to the wrong server" % (host, names or "unknown"),
                              cert=cert)
        if cert and issuer and not _issuer_expected(cert.get("issuer"), settings):
            return ProbeError("tls_inspection", "the certificate of %s is issued by '%s', which this host does not "
                              "trust and which is not a Microsoft CA: %s" % (host, issuer, INSPECTION_HINT),
                              cert=cert, inspection=True)
        return ProbeError("tls", "the certificate of %s is not trusted by this host (%s%s)"
                          % (host, getattr(exc, "verify_message", None) or exc,
                             ", issuer '%s'" % issuer if issuer else ""), cert=cert)
    text = str(exc).lower()
    if "no protocols available" in text or "no ciphers available" in text:
        return ProbeError("tls", "this host's OpenSSL configuration does not allow TLS %s or later (check "
                          "MinProtocol/MaxProtocol and CipherString in openssl.cnf, or the crypto policy)"
                          % settings.min_tls_version)
    if "wrong version number" in text or "http request" in text:
        return ProbeError("tls", "%s answered the TLS hello with something else, most likely plain HTTP: port %d "
                          "does not speak TLS here (a proxy or load balancer in the way?)" % (host, ep["port"]))
    if any(marker in text for marker in ("protocol version", "unsupported protocol",
                                         "version too low", "no shared cipher", "handshake failure")):
        offered = _server_versions(ep, settings, use_proxy, addresses)
        if offered and offered not in ("TLSv1.2", "TLSv1.3"):
            return ProbeError("tls", "%s only offers %s; Azure Arc needs TLS %s or later"
                              % (host, version_name(offered), settings.min_tls_version))
        return ProbeError("tls", "TLS handshake with %s failed: no common protocol version or cipher at TLS %s or "
                          "later (%s)" % (host, settings.min_tls_version, exc))
    return ProbeError("tls", "TLS handshake with %s failed: %s" % (host, exc))


def _handshake(sock, ep, settings, use_proxy, addresses):
    ctx = ssl.create_default_context(cafile=settings.ca_path)
    ctx.minimum_version = _TLS_VERSIONS[settings.min_tls_version]
    try:
        return ctx.wrap_socket(sock, server_hostname=ep["host"])
    except socket.timeout:
        sock.close()
        raise ProbeError("tls", "TLS handshake with %s timed out after %s: the connection opened but nothing "
                         "answered the TLS hello (a firewall or proxy filtering TLS?)"
                         % (ep["host"], _seconds(settings.timeout)))
    except (ssl.SSLError, ssl.CertificateError) as exc:
        sock.close()
        raise _tls_failure(exc, ep, settings, use_proxy, addresses)
    except (OSError, socket.error) as exc:
        sock.close()
        raise ProbeError("tls", "the connection to %s was closed during the TLS handshake (%s): a firewall or "
                         "proxy is probably blocking TLS to this name" % (ep["host"], exc))


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
    result = {
        "host": ep["host"],
        "port": ep["port"],
        "scheme": ep.get("scheme", "https"),
        "url": ep.get("url") or "%s://%s:%d%s" % (ep.get("scheme", "https"), ep["host"], ep["port"],
                                                  ep.get("path", "/")),
        "purpose": ep.get("purpose", ""),
        "required": bool(ep.get("required", True)),
        "probeable": bool(ep.get("probeable", True)),
        "reason": ep.get("reason", ""),
        "pattern": ep.get("pattern"),
        "private_capable": bool(ep.get("private_capable", False)),
        "ok": False,
        "failed_stage": None,
        "error": None,
        "hint": None,
        "latency_ms": {},
        "addresses": [],
        "private": None,
        "tls_version": None,
        "tls_cipher": None,
        "cert_issuer": None,
        "cert_subject": None,
        "cert_not_after": None,
        "tls_inspection": False,
        "http_status": None,
        "proxy": None,
    }
    return result


def probe_endpoint(ep, settings):
    """Probe one endpoint dict (host, port, scheme, path, ...); always returns a result dict."""
    result = new_result(ep)
    if not result["probeable"]:
        result["error"] = "not probed: %s" % result["reason"]
        return result
    use_proxy = _uses_proxy(ep, settings)
    result["proxy"] = settings.proxy.display if use_proxy else None
    try:
        _probe_stages(ep, settings, use_proxy, result)
        result["ok"] = True
    except ProbeError as exc:
        result["failed_stage"] = exc.stage
        result["error"] = str(exc)
        if exc.details.get("cert"):
            result.update(_cert_fields(exc.details["cert"]))
        if exc.details.get("inspection"):
            result["tls_inspection"] = True
    except (ValueError, UnicodeError) as exc:
        # A name or path that cannot be put on the wire is the caller's input, not the network's fault.
        result["failed_stage"] = "input"
        result["error"] = "cannot probe %s:%s: %s" % (ep["host"], ep["port"], exc)
    return result


def _probe_stages(ep, settings, use_proxy, result):
    host, port = ep["host"], ep["port"]
    if use_proxy and settings.proxy.scheme != "http":
        raise ProbeError("proxy", "the proxy %s uses %s://, which the Arc agent does not support: use an http:// "
                         "proxy URL" % (settings.proxy.display, settings.proxy.scheme))
    start = time.monotonic()
    addresses = []
    try:
        addresses = _resolve(host, port, settings)
    except ProbeError as exc:
        if not use_proxy:
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
            raise ProbeError("private_link", "%s resolves to public address %s, but with private link it must "
                             "resolve to the private endpoint: link the privatelink DNS zone (or a conditional "
                             "forwarder) to this host's DNS servers" % (host, ", ".join(public)))
    sock, latency, _address = _open_stream(ep, settings, use_proxy, addresses)
    result["latency_ms"].update(latency)
    try:
        if ep.get("scheme", "https") == "https":
            start = time.monotonic()
            tls = _handshake(sock, ep, settings, use_proxy, addresses)
            sock = tls
            result["latency_ms"]["tls"] = _ms(start)
            result["tls_version"] = tls.version()
            result["tls_cipher"] = (tls.cipher() or (None,))[0]
            cert = tls.getpeercert() or {}
            result.update(_cert_fields(cert))
            if settings.check_inspection and not _issuer_expected(cert.get("issuer"), settings):
                result["tls_inspection"] = True
                raise ProbeError("tls_inspection", "the certificate of %s is issued by '%s', not by a Microsoft CA: "
                                 "a proxy or firewall is inspecting TLS. %s"
                                 % (host, result["cert_issuer"], INSPECTION_HINT))
            target = ep.get("path") or "/"
        else:
            # Plain HTTP through a proxy uses the absolute form of the request target.
            target = "http://%s%s" % (host, ep.get("path") or "/") if use_proxy else (ep.get("path") or "/")
        start = time.monotonic()
        extra = []
        if use_proxy and ep.get("scheme") == "http" and settings.proxy.authorization():
            extra.append("Proxy-Authorization: %s" % settings.proxy.authorization())
        try:
            status, _reason, _headers, body, _raw = _http_exchange(
                sock, "GET", target, host, extra, read_body=bool(ep.get("read_body")))
        except socket.timeout:
            raise ProbeError("http", "%s accepted the connection but sent no HTTP answer within %s"
                             % (host, _seconds(settings.timeout)))
        except (OSError, socket.error) as exc:
            raise ProbeError("http", "%s closed the connection before answering HTTP: %s" % (host, exc))
        result["latency_ms"]["http"] = _ms(start)
        if status is None:
            raise ProbeError("http", "%s did not answer with HTTP (is something else listening on port %d?)"
                             % (host, port))
        result["http_status"] = status
        if use_proxy and ep.get("scheme") == "http" and status == 407:
            raise ProbeError("proxy", "the proxy %s answered 407 to GET %s: it requires authentication (the Arc "
                             "agent does not support authenticating proxies)" % (settings.proxy.display, target))
        if ep.get("read_body"):
            result["body"] = body.decode("utf-8", "replace")
    finally:
        sock.close()


# ---------------------------------------------------------------- many endpoints

def probe_all(endpoints, settings, workers=20):
    """Probe every endpoint in parallel; results keep the order of ``endpoints``."""
    if not endpoints:
        return []
    with ThreadPoolExecutor(max_workers=max(1, min(workers, len(endpoints)))) as pool:
        return list(pool.map(lambda ep: probe_endpoint(ep, settings), endpoints))


def servicebus_hosts(body, suffix):
    """Host names ending in the Service Bus suffix, wherever they sit in the allowlist JSON."""
    found = []

    def walk(node):
        if isinstance(node, dict):
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
        elif isinstance(node, str):
            name = node.strip().lower()
            if "://" in name:
                name = urlsplit(name).hostname or ""
            if name.endswith("." + suffix) and name not in found:
                found.append(name)

    walk(json.loads(body))
    return found


def summarize(results):
    failed = [r for r in results if r["probeable"] and not r["ok"]]
    return {
        "total": len(results),
        "ok": sum(1 for r in results if r["ok"]),
        "failed": len(failed),
        "required_failed": sum(1 for r in failed if r["required"]),
        "not_probeable": sum(1 for r in results if not r["probeable"]),
        "tls_inspection": sum(1 for r in results if r["tls_inspection"]),
    }


def _cell_private(result):
    if result["proxy"] or result["private"] is None:
        return "unknown"
    return "true" if result["private"] else "false"


def _cell_tls(result):
    if result["tls_version"]:
        return version_name(result["tls_version"])
    return "n/a" if result["scheme"] == "http" else "unknown"


def table(results):
    """azcmagent check style: ENDPOINT | REACHABLE | PRIVATE | TLS | PROXY, sorted by endpoint."""
    rows = [("ENDPOINT", "REACHABLE", "PRIVATE", "TLS", "PROXY")]
    for r in sorted(results, key=lambda r: (r["url"], r["port"])):
        if not r["probeable"]:
            rows.append((r["url"], "not probed", "-", "-", "-"))
            continue
        rows.append((
            r["url"],
            "true" if r["ok"] else "false (%s)" % r["failed_stage"],
            _cell_private(r),
            _cell_tls(r),
            "used" if r["proxy"] else "not used",
        ))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join(" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows)
