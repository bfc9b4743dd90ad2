# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The case table both probe engines must pass: one loopback server setup + one endpoint + options -> the
contract fields expected (plugins/module_utils/_contract.py, docs/result_contract.md).

The same table drives the Python engine live (tests/unit/test_engine_cases.py) and the C# engine under Mono
(tests/integration/windows/test_probe_engine_mono.py, which also compares the two field by field). Where an engine
cannot agree for a reason of its platform, ``differs`` names the engine, the fields it reports instead, and why.

Every case uses ``TIMEOUT``; the budget is the engines' default, twice that, unless the row gives ``deadline``.
Each stage may take ``TIMEOUT`` (docs/result_contract.md, "Deadlines and budgets"): a server trickling bytes ends
its stage with the stage's own ``*.timeout`` code; ``deadline.exceeded`` is what the rows with a deadline shorter
than one stage give. Every host is mapped to loopback with
``resolve`` (IP literals need no mapping), so nothing is ever looked up in DNS.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import ssl

from hostile_servers import (
    LOOPBACK6, ClosingServer, FloodServer, SlowRelay, TrickleProxy, TrickleServer, garbage_server, on_ipv6,
)
from servers import INSPECTOR_ORG, LOOPBACK, TEST_CA_ORG, HTTPServer, refused_port

HOST = "login.microsoftonline.com"
TIMEOUT = 2.0
BUDGET = 2 * TIMEOUT
# Shorter than one stage, and long enough for the TCP connect before the trickled stage on a loaded machine.
SHORT_DEADLINE = TIMEOUT - 0.25
# The fields compared, engine against table and engine against engine.
COMPARED = ("ok", "failed_stage", "failed_reason", "tls_inspection", "private", "http_status", "proxy", "addresses")
# Stand-in in ``expect`` for the display form of the case's proxy (credentials masked), known once it listens.
PROXY = "<proxy>"


def _is_address(host):
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        return False


def _keep(lab, server):
    return lab._keep(server.start())  # pylint: disable=protected-access


# ------------------------------------------------------------------ server setups: (lab, pki) -> what to probe

def https(cert, **kwargs):
    def setup(lab, pki):
        return dict(port=lab.http(cert=getattr(pki, cert), **kwargs).port)
    return setup


def plain(**kwargs):
    def setup(lab, pki):
        return dict(port=lab.http(**kwargs).port)
    return setup


def own(factory):
    """A hostile server of hostile_servers.py; ``factory(pki)`` builds it."""
    def setup(lab, pki):
        return dict(port=_keep(lab, factory(pki)).port)
    return setup


def slow_handshake(lab, pki):
    server = lab.http(cert=pki.valid)
    return dict(port=_keep(lab, SlowRelay((LOOPBACK, server.port))).port)


def silent(lab, pki):
    return dict(port=lab.silent().port)


def blackhole(lab, pki):
    hole = lab.blackhole()
    assert hole.works(), "this kernel does not drop SYNs on a full accept queue; the black-hole case cannot run"
    return dict(port=hole.port)


def refused(lab, pki):
    return dict(port=refused_port())


def ipv6_plain(lab, pki):
    server = _keep(lab, on_ipv6(HTTPServer(status=204)))
    return dict(port=server.port, seen=server)


def via(proxy_kind, cert="valid", scheme="https", user=None, password=None, proxy_scheme="http", host=HOST):
    """An endpoint behind a proxy on loopback. ``proxy_kind``: route (a ConnectProxy that tunnels to a server with
    ``cert``), auth (the same, wanting bob:s3cret), refuse, silent, closing, garbage, trickle or unreachable."""
    def setup(lab, pki):
        if host == LOOPBACK6:
            server = _keep(lab, on_ipv6(HTTPServer(cert=getattr(pki, cert))))
        elif scheme == "https":
            server = lab.http(cert=getattr(pki, cert))
        else:
            server = lab.http(status=200)
        target = "[%s]" % host if ":" in host else host
        routes = {"%s:%d" % (target, 443 if scheme == "https" else 80): (server.address[0], server.port)}
        if proxy_kind in ("route", "auth"):
            proxy = lab.proxy(routes=routes, auth=("bob", "s3cret") if proxy_kind == "auth" else None)
            port = proxy.port
        elif proxy_kind == "refuse":
            proxy = lab.proxy(refuse=True)
            port = proxy.port
        elif proxy_kind == "silent":
            proxy = lab.silent()
            port = proxy.port
        elif proxy_kind == "closing":
            proxy = _keep(lab, ClosingServer())
            port = proxy.port
        elif proxy_kind == "garbage":
            proxy = _keep(lab, garbage_server())
            port = proxy.port
        elif proxy_kind == "trickle":
            proxy = _keep(lab, TrickleProxy())
            port = proxy.port
        else:
            proxy, port = None, refused_port()
        url = "%s://%s:%d" % (proxy_scheme, LOOPBACK, port)
        return dict(port=443 if scheme == "https" else 80, proxy=(url, user, password), seen=proxy,
                    server_port=server.port)
    return setup


# ------------------------------------------------------------------ the table

def case(name, setup, expect, host=HOST, scheme="https", path="/", differs=None, check=None, **options):
    """One row. ``expect`` lists the COMPARED fields (missing ones take the defaults of a failure before DNS is
    answered: no addresses, private and http_status null, no proxy, no inspection). ``options``: issuers,
    inspection, private_link, min_tls_version, bypass (the Settings), and endpoint fields (probeable, reason,
    private_capable, bypass_names, read_body, port)."""
    full = dict(ok=False, failed_stage=None, failed_reason=None, tls_inspection=False, private=None,
                http_status=None, proxy=None, addresses=[])
    full.update(expect)
    return dict(name=name, setup=setup, expect=full, host=host, scheme=scheme, path=path, differs=differs or {},
                check=check, options=options)


DIRECT = dict(addresses=[LOOPBACK], private=False)


def _ok(status=404, **extra):
    out = dict(DIRECT, ok=True, http_status=status)
    out.update(extra)
    return out


def _fail(stage, reason, **extra):
    out = dict(DIRECT, failed_stage=stage, failed_reason=reason)
    out.update(extra)
    return out


def _proxied(**extra):
    out = dict(addresses=[LOOPBACK], private=None, proxy=PROXY)
    out.update(extra)
    return out


def _saw_connect(target):
    def check(seen, port):
        want = target.replace("PORT", str(port))
        assert seen.requests and seen.requests[0][:2] == ("CONNECT", want), (seen.requests, want)
    return check


def _saw_host(value):
    def check(seen, port):
        want = value.replace("PORT", str(port))
        assert seen.requests and seen.requests[0][4].get("host") == want, (seen.requests, want)
    return check


LEGACY = dict(minimum_version=ssl.TLSVersion.TLSv1, maximum_version=ssl.TLSVersion.TLSv1_1, legacy_ciphers=True)
TLS12_ONLY = dict(maximum_version=ssl.TLSVersion.TLSv1_2)
TRICKLE_BODY = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n"

CASES = [
    # certificates
    case("valid certificate", https("valid"), _ok()),
    case("expired certificate", https("expired"), _fail("tls", "tls.expired")),
    case("certificate for other names", https("wrong_name"), _fail("tls", "tls.name_mismatch")),
    case("self-signed certificate", https("self_signed"),
         _fail("tls_inspection", "tls_inspection.untrusted", tls_inspection=True)),
    case("untrusted CA, unexpected issuer", https("inspected"),
         _fail("tls_inspection", "tls_inspection.untrusted", tls_inspection=True)),
    case("untrusted CA, expected issuer", https("inspected"), _fail("tls", "tls.untrusted"),
         issuers=[INSPECTOR_ORG]),
    case("trusted but not a Microsoft CA", https("valid"),
         _fail("tls_inspection", "tls_inspection.reissued", tls_inspection=True), issuers=["Microsoft Corporation"]),
    case("inspection check off", https("valid"), _ok(), issuers=["Microsoft Corporation"], inspection=False),
    # TLS versions and protocols
    case("server only speaks TLS 1.0/1.1", https("valid", **LEGACY), _fail("tls", "tls.protocol_too_old")),
    case("minimum TLS 1.3 against a TLS 1.2 server", https("valid", **TLS12_ONLY),
         _fail("tls", "tls.protocol_too_old"), min_tls_version="1.3",
         differs=dict(cs=dict(fields=dict(failed_reason="tls.local_policy"),
                              why="Mono (and Windows before Server 2022) cannot offer TLS 1.3 at all"))),
    case("plain HTTP on a TLS port", plain(), _fail("tls", "tls.not_tls")),
    case("server closes during the handshake", own(lambda pki: ClosingServer()), _fail("tls", "tls.reset")),
    case("silent server: the TLS hello is never answered", silent, _fail("tls", "tls.timeout")),
    # TCP
    case("refused port", refused, _fail("tcp", "tcp.refused")),
    case("black hole: SYNs dropped", blackhole, _fail("tcp", "tcp.timeout")),
    # HTTP
    case("plain HTTP endpoint", plain(status=301), _ok(301), scheme="http", path="/pkiops/certs"),
    case("plain HTTP server never answers", silent, _fail("http", "http.timeout"), scheme="http"),
    case("plain HTTP server closes at once", own(lambda pki: ClosingServer()), _fail("http", "http.closed"),
         scheme="http"),
    case("not HTTP behind the port", own(lambda pki: garbage_server()), _fail("http", "http.not_http"),
         scheme="http"),
    case("private link: public address", https("valid"), _fail("private_link", "private_link.public_address"),
         private_link=True, private_capable=True),
    case("not probeable row", refused, dict(addresses=[]), probeable=False, reason="wildcard"),
    # proxies
    case("through the proxy", via("route"), _proxied(ok=True, http_status=404), check=_saw_connect(HOST + ":443")),
    case("proxy with credentials", via("auth", user="bob", password="s3cret"), _proxied(ok=True, http_status=404)),
    case("proxy wants credentials", via("auth"), _proxied(failed_stage="proxy", failed_reason="proxy.auth_required")),
    case("proxy refuses CONNECT", via("refuse"), _proxied(failed_stage="proxy", failed_reason="proxy.refused")),
    case("proxy unreachable", via("unreachable"), _proxied(failed_stage="proxy", failed_reason="proxy.unreachable")),
    case("https:// proxy", via("route", proxy_scheme="https"),
         _proxied(failed_stage="proxy", failed_reason="proxy.unsupported_scheme", addresses=[])),
    case("proxy never answers CONNECT", via("silent"), _proxied(failed_stage="proxy", failed_reason="proxy.timeout")),
    case("proxy closes at once", via("closing"), _proxied(failed_stage="proxy", failed_reason="proxy.closed")),
    case("proxy answers with something else", via("garbage"),
         _proxied(failed_stage="proxy", failed_reason="proxy.not_http")),
    case("bypass goes direct", via("refuse", cert="valid"), dict(DIRECT, ok=True, http_status=404),
         bypass=["AAD"], bypass_names=["AAD"], port_from="server"),
    case("plain HTTP through the proxy", via("route", scheme="http"), _proxied(ok=True, http_status=200),
         scheme="http"),
    case("plain HTTP through a proxy that wants credentials", via("auth", scheme="http"),
         _proxied(failed_stage="proxy", failed_reason="proxy.auth_required", http_status=407), scheme="http"),
    # hard time limits: each byte comes within the timeout of one read; the stage's time stops them (its own
    # *.timeout code), or the endpoint's deadline when that is shorter (deadline.exceeded, in the stage it was in)
    case("HTTP head trickled", own(lambda pki: TrickleServer()), _fail("http", "http.timeout"), scheme="http"),
    # The handshake before it may take most of a stage on a loaded machine (a cold Mono TLS provider): a wider
    # deadline keeps the row about the HTTP stage's own time.
    case("HTTPS head trickled", own(lambda pki: TrickleServer(cert=pki.valid)), _fail("http", "http.timeout"),
         deadline=3 * TIMEOUT),
    case("TLS handshake trickled", slow_handshake, _fail("tls", "tls.timeout")),
    case("CONNECT answer trickled", via("trickle"), _proxied(failed_stage="proxy", failed_reason="proxy.timeout")),
    case("body trickled", own(lambda pki: TrickleServer(head=TRICKLE_BODY, forever=b"[")),
         _fail("http", "http.timeout"), scheme="http", read_body=True),
    case("HTTP head trickled past the deadline", own(lambda pki: TrickleServer()), _fail("http", "deadline.exceeded"),
         scheme="http", deadline=SHORT_DEADLINE),
    case("TLS handshake trickled past the deadline", slow_handshake, _fail("tls", "deadline.exceeded"),
         deadline=SHORT_DEADLINE),
    case("CONNECT answer trickled past the deadline", via("trickle"),
         _proxied(failed_stage="proxy", failed_reason="deadline.exceeded"), deadline=SHORT_DEADLINE),
    case("body never ends, read bounded", own(lambda pki: FloodServer()), _ok(200), scheme="http", read_body=True),
    # input refused before anything goes on the wire
    case("CR LF in the host", refused, _fail("input", "input.invalid", addresses=[], private=None),
         host=HOST + "\r\nX-Injected: 1"),
    case("NUL in the host", refused, _fail("input", "input.invalid", addresses=[], private=None), host=HOST + "\x00"),
    case("space in the host", refused, _fail("input", "input.invalid", addresses=[], private=None),
         host="login microsoftonline.com"),
    case("CR LF in the path", refused, _fail("input", "input.invalid", addresses=[], private=None),
         path="/\r\nX-Injected: 1"),
    case("port 0", refused, _fail("input", "input.invalid", addresses=[], private=None), port=0),
    case("port 65536", refused, _fail("input", "input.invalid", addresses=[], private=None), port=65536),
    # IPv6 literals: bracketed on the wire
    case("IPv6 literal, plain HTTP", ipv6_plain, dict(ok=True, http_status=204, addresses=[LOOPBACK6], private=False),
         host=LOOPBACK6, scheme="http", check=_saw_host("[%s]:PORT" % LOOPBACK6)),
    case("IPv6 literal through the proxy", via("route", host=LOOPBACK6),
         _proxied(ok=True, http_status=404, addresses=[LOOPBACK6]), host=LOOPBACK6,
         check=_saw_connect("[%s]:443" % LOOPBACK6)),
]

SETTING_OPTIONS = ("issuers", "inspection", "private_link", "min_tls_version", "bypass", "deadline")
ENDPOINT_OPTIONS = ("probeable", "reason", "private_capable", "read_body", "port")


def prepare(row, lab, pki):
    """Start the row's servers; returns (endpoint dict, settings dict, what the servers saw, proxy display or None).

    The settings are plain data (timeout, deadline (None: the default), ca_file, issuers, inspection, private_link, min_tls_version, proxy =
    (url, username, password) or None, bypass, resolve) for each engine's runner to turn into its own Settings.
    """
    from ansible_collections.arcready.network.plugins.module_utils import _proxy
    made = row["setup"](lab, pki)
    options = row["options"]
    endpoint = dict(host=row["host"], port=made["port"], scheme=row["scheme"], path=row["path"], purpose="test",
                    required=True, bypass=options.get("bypass_names", []))
    for key in ENDPOINT_OPTIONS:
        if key in options:
            endpoint[key] = options[key]
    if options.get("port_from") == "server":
        endpoint["port"] = made["server_port"]
    settings = dict(timeout=TIMEOUT, deadline=options.get("deadline"), ca_file=pki.ca_file, issuers=options.get("issuers", [TEST_CA_ORG]),
                    inspection=options.get("inspection", True), private_link=options.get("private_link", False),
                    min_tls_version=options.get("min_tls_version", "1.2"), proxy=made.get("proxy"),
                    bypass=options.get("bypass", []), resolve={} if _is_address(row["host"]) else {row["host"]: LOOPBACK})
    display = None
    if made.get("proxy"):
        url, user, password = made["proxy"]
        display = _proxy.parse(url, user, password).display
    return endpoint, settings, made.get("seen"), display


def expected(row, engine, display):
    """The COMPARED fields ``engine`` ("py" or "cs") must report for this row."""
    out = dict(row["expect"])
    out.update(row["differs"].get(engine, {}).get("fields", {}))
    if out["proxy"] == PROXY:
        out["proxy"] = display
    return out


def problems(row, engine, result, display, elapsed):
    """What is wrong with one engine's result for this row (empty when right): contract, fields, budget."""
    from ansible_collections.arcready.network.plugins.module_utils._contract import check_result
    found = ["contract: %s" % p for p in check_result(result)]
    want = expected(row, engine, display)
    for key in COMPARED:
        if result.get(key, "<missing>") != want[key]:
            found.append("%s: got %r, want %r" % (key, result.get(key, "<missing>"), want[key]))
    # The budget plus start-up and scheduling slack on a shared machine.
    budget = row["options"].get("deadline") or BUDGET
    if elapsed > budget + 1.5:
        found.append("took %.1f s, budget %.1f s" % (elapsed, budget))
    return found


def ids():
    return [row["name"] for row in CASES]


def run_python(endpoint, settings):
    """(result, seconds) of the Python engine for one prepared row; result None when it did not return within the
    budget plus a margin (the thread is a daemon and ends when the row's servers stop). An exception the engine
    raised is raised here: an engine returns a result for every input."""
    import threading
    import time
    from ansible_collections.arcready.network.plugins.module_utils import _probe, _proxy
    proxy = None
    if settings["proxy"]:
        proxy = _proxy.parse(*settings["proxy"])
    engine_settings = _probe.Settings(
        timeout=settings["timeout"], min_tls_version=settings["min_tls_version"], ca_path=settings["ca_file"],
        expected_issuers=settings["issuers"], proxy=proxy, bypass=settings["bypass"], resolve=settings["resolve"],
        private_link=settings["private_link"], check_inspection=settings["inspection"], deadline=settings.get("deadline"))
    box = {}

    def probe():
        try:
            box["result"] = _probe.probe_endpoint(dict(endpoint), engine_settings)
        except Exception as exc:  # pylint: disable=broad-except
            box["raised"] = exc

    start = time.monotonic()
    worker = threading.Thread(target=probe)
    worker.daemon = True
    worker.start()
    worker.join((settings.get("deadline") or BUDGET) + 2)
    if "raised" in box:
        raise box["raised"]
    return box.get("result"), time.monotonic() - start


def run_python_all(prepared):
    """run_python for every (row, prepare() answer) at once: {row name: (result or None, seconds or the exception)}."""
    import threading
    out = {}

    def one(name, endpoint, settings):
        try:
            out[name] = run_python(endpoint, settings)
        except Exception as exc:  # pylint: disable=broad-except  (the row's test reports it)
            out[name] = (None, exc)

    workers = [threading.Thread(target=one, args=(row["name"], endpoint, settings))
               for row, (endpoint, settings, _seen, _display) in prepared]
    for worker in workers:
        worker.daemon = True
        worker.start()
    for worker in workers:
        worker.join()
    return out
