# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The probe engine against real servers on 127.0.0.1: valid, expired, wrong-name, self-signed and
inspected certificates; TLS 1.0/1.1-only and TLS 1.3-only servers; refused, silent and black-hole ports;
an HTTP CONNECT proxy with and without authentication, and one that refuses.

Catalogue names are mapped to 127.0.0.1 with the probe's ``resolve`` setting (like curl --resolve); the
network guard of tests/unit/conftest.py fails any test that would reach further.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import socket
import ssl
import threading
import time

import pytest

from ansible_collections.arcready.network.plugins.module_utils import _probe as probe
from ansible_collections.arcready.network.plugins.module_utils._probe import Proxy, Settings
from ansible_collections.arcready.network.plugins.module_utils._proxy import MASK
from ansible_collections.arcready.network.plugins.plugin_utils import _verdict
from servers import (  # noqa: F401  (pki, lab and contract_checked are fixtures)
    INSPECTOR_ORG, LOOPBACK, TEST_CA_ORG, contract_checked, lab, pki, refused_port,
)

HOST = "login.microsoftonline.com"
T = 0.5  # seconds per stage for the cases that wait for a timeout
PASSWORD = "s3cr3t-Pa55"


def settings(pki, **kwargs):
    options = dict(timeout=2, ca_path=pki.ca_file, expected_issuers=[TEST_CA_ORG], resolve={HOST: LOOPBACK})
    options.update(kwargs)
    return Settings(**options)


def endpoint(port, host=HOST, scheme="https", path="/", **kwargs):
    ep = dict(host=host, port=port, scheme=scheme, path=path, purpose="test", required=True)
    ep.update(kwargs)
    return ep


def assert_failed(result, stage, reason, *words):
    assert result["ok"] is False, result
    assert (result["failed_stage"], result["failed_reason"]) == (stage, reason), result
    for word in words:
        assert word in result["error"], (word, result["error"])
    assert result["error"].count(". ") <= 1 or stage == "tls_inspection"  # one sentence (plus the hint)


# ------------------------------------------------------------------ certificates

def test_valid_certificate(pki, lab):
    server = lab.http(cert=pki.valid)
    result = probe.probe_endpoint(endpoint(server.port), settings(pki))
    assert result["ok"] is True, result
    assert result["failed_stage"] is None and result["error"] is None
    assert result["tls_version"] == "TLSv1.3"
    assert result["tls_cipher"]
    assert result["http_status"] == 404
    assert result["addresses"] == [LOOPBACK]
    assert result["private"] is False
    assert result["proxy"] is None
    assert result["tls_inspection"] is False
    assert TEST_CA_ORG in result["cert_issuer"]
    assert result["cert_not_after"]
    assert set(result["latency_ms"]) == {"dns", "tcp", "tls", "http"}
    # SNI and Host name the endpoint, not the address it was mapped to.
    version, sni, method, target, headers = server.requests[0]
    assert (sni, method, target, headers["host"]) == (HOST, "GET", "/", "%s:%d" % (HOST, server.port))
    assert headers["user-agent"] == probe.USER_AGENT


@pytest.mark.parametrize("status", [200, 301, 403, 500])
def test_any_http_status_counts(pki, lab, status):
    server = lab.http(cert=pki.valid, status=status)
    result = probe.probe_endpoint(endpoint(server.port, path="/pkiops/certs"), settings(pki))
    assert result["ok"] is True
    assert result["http_status"] == status
    assert server.requests[0][3] == "/pkiops/certs"


def test_issuer_not_expected_is_tls_inspection(pki, lab):
    server = lab.http(cert=pki.valid)
    result = probe.probe_endpoint(endpoint(server.port), settings(pki, expected_issuers=None))
    assert_failed(result, "tls_inspection", "tls_inspection.reissued",
                  HOST, TEST_CA_ORG, "not by a Microsoft CA", "inspecting TLS",
                  probe.INSPECTION_HINT)
    assert result["tls_inspection"] is True
    assert result["tls_version"] == "TLSv1.3"
    assert TEST_CA_ORG in result["cert_issuer"]
    assert _verdict.summarize([result])["tls_inspection"] == 1


def test_inspection_check_can_be_disabled(pki, lab):
    server = lab.http(cert=pki.valid)
    result = probe.probe_endpoint(endpoint(server.port), settings(pki, expected_issuers=None,
                                                                  check_inspection=False))
    assert result["ok"] is True and result["tls_inspection"] is False


def test_untrusted_ca_that_is_not_microsoft_is_tls_inspection(pki, lab):
    server = lab.http(cert=pki.inspected)
    result = probe.probe_endpoint(endpoint(server.port), settings(pki))
    assert_failed(result, "tls_inspection", "tls_inspection.untrusted",
                  HOST, "issued by '", INSPECTOR_ORG, "does not trust",
                  "not a Microsoft CA", "TLS-inspecting")
    assert result["tls_inspection"] is True
    assert INSPECTOR_ORG in result["cert_issuer"]
    assert result["http_status"] is None


def test_untrusted_ca_with_an_expected_name_is_a_tls_failure(pki, lab):
    server = lab.http(cert=pki.inspected)
    result = probe.probe_endpoint(endpoint(server.port), settings(pki, expected_issuers=[INSPECTOR_ORG]))
    assert_failed(result, "tls", "tls.untrusted", "not trusted by this host", "issuer '", INSPECTOR_ORG)
    assert result["tls_inspection"] is False


def test_expired_certificate(pki, lab):
    server = lab.http(cert=pki.expired)
    result = probe.probe_endpoint(endpoint(server.port), settings(pki))
    assert_failed(result, "tls", "tls.expired", "the certificate of %s expired on " % HOST, result["cert_not_after"])
    assert result["cert_not_after"] and "GMT" in result["cert_not_after"]


def test_wrong_name(pki, lab):
    server = lab.http(cert=pki.wrong_name)
    result = probe.probe_endpoint(endpoint(server.port), settings(pki))
    assert_failed(result, "tls", "tls.name_mismatch",
                  "presented for %s is for other names (other.example.net, www.other.example.net)"
                  % HOST, "wrong server")


def test_self_signed_certificate(pki, lab):
    server = lab.http(cert=pki.self_signed)
    result = probe.probe_endpoint(endpoint(server.port), settings(pki))
    assert_failed(result, "tls_inspection", "tls_inspection.untrusted", "Self Signed Appliance", "does not trust")
    assert result["tls_inspection"] is True


def test_self_signed_certificate_claiming_microsoft(pki, lab):
    server = lab.http(cert=pki.self_signed_microsoft)
    result = probe.probe_endpoint(endpoint(server.port), settings(pki, expected_issuers=None))
    assert_failed(result, "tls", "tls.untrusted", "not trusted by this host", "self-signed", "Microsoft Corporation")
    assert result["tls_inspection"] is False


def test_host_trust_store_does_not_trust_the_test_ca(pki, lab):
    server = lab.http(cert=pki.valid)
    result = probe.probe_endpoint(endpoint(server.port), settings(pki, ca_path=None))
    assert_failed(result, "tls", "tls.untrusted",
                  "the certificate of %s is not trusted by this host" % HOST, TEST_CA_ORG)


# ------------------------------------------------------------------ TLS versions

@pytest.mark.parametrize("version, words", [("TLSv1", "TLS 1.0"), ("TLSv1_1", "TLS 1.1")])
def test_old_tls_only_server(pki, lab, version, words):
    old = getattr(ssl.TLSVersion, version)
    server = lab.http(cert=pki.valid, minimum_version=ssl.TLSVersion.TLSv1, maximum_version=old,
                      legacy_ciphers=True)
    result = probe.probe_endpoint(endpoint(server.port), settings(pki))
    assert_failed(result, "tls", "tls.protocol_too_old",
                  "%s only offers %s; Azure Arc needs TLS 1.2 or later" % (HOST, words))
    assert result["tls_version"] is None


def test_tls13_only_server(pki, lab):
    server = lab.http(cert=pki.valid, minimum_version=ssl.TLSVersion.TLSv1_3)
    result = probe.probe_endpoint(endpoint(server.port), settings(pki))
    assert result["ok"] is True and result["tls_version"] == "TLSv1.3"
    result = probe.probe_endpoint(endpoint(server.port), settings(pki, min_tls_version="1.3"))
    assert result["ok"] is True and result["tls_version"] == "TLSv1.3"


def test_tls12_only_server(pki, lab):
    server = lab.http(cert=pki.valid, maximum_version=ssl.TLSVersion.TLSv1_2)
    result = probe.probe_endpoint(endpoint(server.port), settings(pki))
    assert result["ok"] is True and result["tls_version"] == "TLSv1.2"
    result = probe.probe_endpoint(endpoint(server.port), settings(pki, min_tls_version="1.3"))
    # Only versions older than the minimum (docs/result_contract.md): the same code as a TLS 1.0 server at 1.2.
    assert_failed(result, "tls", "tls.protocol_too_old",
                  "%s only offers TLS 1.2; Azure Arc needs TLS 1.3 or later" % HOST)


# ------------------------------------------------------------------ TCP, silence, plain HTTP

def test_refused_port(pki):
    port = refused_port()
    result = probe.probe_endpoint(endpoint(port), settings(pki))
    assert_failed(result, "tcp", "tcp.refused",
                  "TCP connect to 127.0.0.1:%d was refused" % port, "nothing listens there")
    assert result["addresses"] == [LOOPBACK]


def test_port_that_accepts_but_never_answers_tls(pki, lab):
    server = lab.silent()
    start = time.monotonic()
    result = probe.probe_endpoint(endpoint(server.port), settings(pki, timeout=T))
    elapsed = time.monotonic() - start
    assert_failed(result, "tls", "tls.timeout",
                  "TLS handshake with %s timed out after 0.5 s" % HOST, "nothing answered")
    assert "tcp" in result["latency_ms"]
    assert elapsed < 3 * T


def test_tls_timeout_wording_in_whole_seconds(pki, lab):
    server = lab.silent()
    result = probe.probe_endpoint(endpoint(server.port), settings(pki, timeout=1))
    assert_failed(result, "tls", "tls.timeout", "timed out after 1 s")


def test_port_that_accepts_but_never_answers_http(pki, lab):
    server = lab.silent()
    result = probe.probe_endpoint(endpoint(server.port, scheme="http"), settings(pki, timeout=T))
    assert_failed(result, "http", "http.timeout",
                  "%s accepted the connection but sent no complete HTTP answer within 0.5 s" % HOST)


def test_tcp_connect_that_never_completes(pki, lab):
    hole = lab.blackhole()
    if not hole.works():
        pytest.skip("this kernel completes connects to a full accept queue; no TCP black hole on loopback")
    start = time.monotonic()
    result = probe.probe_endpoint(endpoint(hole.port), settings(pki, timeout=T))
    elapsed = time.monotonic() - start
    assert_failed(result, "tcp", "tcp.timeout", "TCP connect to 127.0.0.1:%d timed out after 0.5 s" % hole.port,
                  "firewall is probably dropping it")
    assert elapsed < 3 * T


def test_plain_http(pki, lab):
    server = lab.http()
    result = probe.probe_endpoint(endpoint(server.port, scheme="http", path="/pkiops/certs"), settings(pki))
    assert result["ok"] is True
    assert result["http_status"] == 404
    assert result["tls_version"] is None and result["cert_issuer"] is None
    assert set(result["latency_ms"]) == {"dns", "tcp", "http"}
    assert server.requests[0][2:4] == ("GET", "/pkiops/certs")


def test_something_else_than_http(pki, lab):
    server = lab.http(cert=pki.valid, answer=b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
    result = probe.probe_endpoint(endpoint(server.port), settings(pki))
    assert_failed(result, "http", "http.not_http",
                  "%s did not answer with HTTP (is something else listening on port %d?)"
                  % (HOST, server.port))
    assert result["tls_version"] == "TLSv1.3"


def test_tls_spoken_to_a_plain_http_server(pki, lab):
    server = lab.http()
    result = probe.probe_endpoint(endpoint(server.port), settings(pki))
    assert result["ok"] is False and result["failed_stage"] == "tls"
    assert HOST in result["error"]


# ------------------------------------------------------------------ DNS

def _fake_getaddrinfo(monkeypatch, error=None, delay=None):
    real = socket.getaddrinfo

    def fake(host, *args, **kwargs):
        if host != HOST:
            return real(host, *args, **kwargs)
        if delay:
            time.sleep(delay)
        raise error

    monkeypatch.setattr(socket, "getaddrinfo", fake)


def test_dns_name_does_not_exist(pki, monkeypatch):
    _fake_getaddrinfo(monkeypatch, socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    result = probe.probe_endpoint(endpoint(443), settings(pki, resolve={}))
    assert_failed(result, "dns", "dns.nxdomain",
                  "DNS lookup of %s failed: the name does not exist" % HOST, "private DNS zone")
    assert result["addresses"] == []


def test_dns_other_failure(pki, monkeypatch):
    _fake_getaddrinfo(monkeypatch, socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution"))
    result = probe.probe_endpoint(endpoint(443), settings(pki, resolve={}))
    assert_failed(result, "dns", "dns.failed", "DNS lookup of %s failed: Temporary failure in name resolution" % HOST)


def test_dns_timeout(pki, monkeypatch):
    _fake_getaddrinfo(monkeypatch, socket.gaierror(socket.EAI_AGAIN, "late"), delay=1.0)
    start = time.monotonic()
    result = probe.probe_endpoint(endpoint(443), settings(pki, resolve={}, timeout=0.3))
    assert_failed(result, "dns", "dns.timeout", "DNS lookup of %s timed out after 0.3 s" % HOST)
    assert time.monotonic() - start < 0.9


def test_real_resolver_for_localhost(pki, lab):
    """The probe's resolver thread goes through the (guarded) socket.getaddrinfo; localhost is allowed."""
    server = lab.http()
    result = probe.probe_endpoint(endpoint(server.port, host="localhost", scheme="http"), settings(pki, resolve={}))
    assert result["ok"] is True, result
    assert LOOPBACK in result["addresses"]


# ------------------------------------------------------------------ private link

def test_private_link_endpoint_resolving_to_a_public_address(pki, lab):
    server = lab.http(cert=pki.valid)
    ep = endpoint(server.port, private_capable=True)
    result = probe.probe_endpoint(ep, settings(pki, private_link=True))
    assert_failed(result, "private_link", "private_link.public_address",
                  "%s resolves to public address 127.0.0.1" % HOST, "privatelink DNS zone")
    # Endpoints that are not private-capable only need to be reachable.
    result = probe.probe_endpoint(endpoint(server.port), settings(pki, private_link=True))
    assert result["ok"] is True


def test_private_link_through_a_proxy_gives_a_hint(pki, lab):
    server = lab.http(cert=pki.valid)
    proxy = lab.proxy(routes={"%s:443" % HOST: server.address})
    s = settings(pki, private_link=True, proxy=Proxy("http://127.0.0.1:%d" % proxy.port))
    result = probe.probe_endpoint(endpoint(443, private_capable=True), s)
    assert result["ok"] is True
    assert "proxy.bypass" in result["hint"]
    assert result["private"] is None


@pytest.mark.parametrize("address, private", [("10.1.2.3", True), ("172.16.0.1", True), ("192.168.1.1", True),
                                              ("100.64.0.1", True), ("fd00::1", True), ("20.50.2.1", False),
                                              ("127.0.0.1", False), ("172.32.0.1", False), ("2603:1000::1", False),
                                              ("fe80::1%eth0", False)])
def test_is_private(address, private):
    assert probe.is_private(address) is private


# ------------------------------------------------------------------ proxies

def _routes(server):
    return {"%s:443" % HOST: server.address}


def test_connect_proxy_without_auth(pki, lab):
    server = lab.http(cert=pki.valid)
    proxy = lab.proxy(routes=_routes(server))
    s = settings(pki, proxy=Proxy("http://127.0.0.1:%d" % proxy.port))
    result = probe.probe_endpoint(endpoint(443), s)
    assert result["ok"] is True, result
    assert result["proxy"] == "http://127.0.0.1:%d" % proxy.port
    assert result["private"] is None
    assert set(result["latency_ms"]) == {"dns", "tcp", "proxy", "tls", "http"}
    method, target, headers = proxy.requests[0]
    assert (method, target, headers["host"]) == ("CONNECT", "%s:443" % HOST, "%s:443" % HOST)
    assert "proxy-authorization" not in headers
    assert server.requests[0][1] == HOST  # SNI through the tunnel


def test_connect_proxy_with_a_minimal_endpoint(pki, lab):
    """Only host and port given (scheme, path and the rest take their defaults)."""
    server = lab.http(cert=pki.valid)
    proxy = lab.proxy(routes=_routes(server))
    result = probe.probe_endpoint({"host": HOST, "port": 443}, settings(pki, proxy=Proxy("http://127.0.0.1:%d"
                                                                                         % proxy.port)))
    assert result["ok"] is True, result


def test_connect_proxy_with_auth(pki, lab):
    server = lab.http(cert=pki.valid)
    proxy = lab.proxy(routes=_routes(server), auth=("arcuser", PASSWORD))
    s = settings(pki, proxy=Proxy("http://arcuser:%s@127.0.0.1:%d" % (PASSWORD, proxy.port)))
    result = probe.probe_endpoint(endpoint(443), s)
    assert result["ok"] is True, result
    assert result["proxy"] == "http://%s@127.0.0.1:%d" % (MASK, proxy.port)
    assert PASSWORD not in json.dumps(result)
    assert "arcuser" not in json.dumps(result)
    assert proxy.requests[0][2]["proxy-authorization"].startswith("Basic ")


def test_connect_proxy_auth_required_but_not_given(pki, lab):
    server = lab.http(cert=pki.valid)
    proxy = lab.proxy(routes=_routes(server), auth=("arcuser", PASSWORD))
    s = settings(pki, proxy=Proxy("http://127.0.0.1:%d" % proxy.port))
    result = probe.probe_endpoint(endpoint(443), s)
    assert_failed(result, "proxy", "proxy.auth_required",
                  "the proxy http://127.0.0.1:%d answered 407 to CONNECT %s:443" % (proxy.port, HOST),
                  "it requires authentication", "does not support authenticating proxies")


def test_connect_proxy_wrong_password(pki, lab):
    server = lab.http(cert=pki.valid)
    proxy = lab.proxy(routes=_routes(server), auth=("arcuser", "the-right-one"))
    s = settings(pki, proxy=Proxy("http://127.0.0.1:%d" % proxy.port, username="arcuser", password=PASSWORD))
    result = probe.probe_endpoint(endpoint(443), s)
    assert_failed(result, "proxy", "proxy.auth_required", "407", "the credentials were rejected",
                  "http://%s@127.0.0.1" % MASK)
    assert PASSWORD not in json.dumps(result)


def test_proxy_that_refuses(pki, lab):
    proxy = lab.proxy(refuse=True)
    s = settings(pki, proxy=Proxy("http://127.0.0.1:%d" % proxy.port))
    result = probe.probe_endpoint(endpoint(443), s)
    assert_failed(result, "proxy", "proxy.refused",
                  "refused CONNECT %s:443 with 403 Forbidden" % HOST, "allow this host and port")


def test_proxy_port_refused(pki):
    port = refused_port()
    s = settings(pki, proxy=Proxy("http://127.0.0.1:%d" % port))
    result = probe.probe_endpoint(endpoint(443), s)
    assert_failed(result, "proxy", "proxy.unreachable",
                  "could not reach the proxy http://127.0.0.1:%d" % port, "was refused")


def test_proxy_that_never_answers(pki, lab):
    silent = lab.silent()
    s = settings(pki, timeout=T, proxy=Proxy("http://127.0.0.1:%d" % silent.port))
    result = probe.probe_endpoint(endpoint(443), s)
    assert_failed(result, "proxy", "proxy.timeout", "did not answer CONNECT %s:443 within 0.5 s" % HOST)


def test_proxy_that_is_not_an_http_proxy(pki, lab):
    tls_server = lab.http(cert=pki.valid)
    s = settings(pki, proxy=Proxy("http://127.0.0.1:%d" % tls_server.port))
    result = probe.probe_endpoint(endpoint(443), s)
    assert result["failed_stage"] == "proxy", result
    assert "http://127.0.0.1:%d" % tls_server.port in result["error"]


def test_https_proxy_is_not_supported(pki):
    s = settings(pki, proxy=Proxy("https://127.0.0.1:3129"))
    result = probe.probe_endpoint(endpoint(443), s)
    assert_failed(result, "proxy", "proxy.unsupported_scheme", "uses https://, which the Arc agent does not support")


def test_local_dns_failure_behind_a_proxy_is_a_hint(pki, lab, monkeypatch):
    _fake_getaddrinfo(monkeypatch, socket.gaierror(socket.EAI_NONAME, "Name or service not known"))
    server = lab.http(cert=pki.valid)
    proxy = lab.proxy(routes=_routes(server))
    s = settings(pki, resolve={}, proxy=Proxy("http://127.0.0.1:%d" % proxy.port))
    result = probe.probe_endpoint(endpoint(443), s)
    assert result["ok"] is True, result
    assert result["hint"].startswith("resolved by the proxy only")


def test_inspection_through_the_proxy(pki, lab):
    server = lab.http(cert=pki.inspected)
    proxy = lab.proxy(routes=_routes(server))
    s = settings(pki, proxy=Proxy("http://127.0.0.1:%d" % proxy.port))
    result = probe.probe_endpoint(endpoint(443), s)
    assert_failed(result, "tls_inspection", "tls_inspection.untrusted", INSPECTOR_ORG)
    assert result["proxy"] == "http://127.0.0.1:%d" % proxy.port


def test_plain_http_through_the_proxy(pki, lab):
    origin = lab.http()
    proxy = lab.proxy(routes={"www.microsoft.com:80": origin.address}, auth=("arcuser", PASSWORD))
    s = settings(pki, resolve={"www.microsoft.com": LOOPBACK},
                 proxy=Proxy("http://127.0.0.1:%d" % proxy.port, "arcuser", PASSWORD))
    ep = endpoint(80, host="www.microsoft.com", scheme="http", path="/pkiops/certs")
    result = probe.probe_endpoint(ep, s)
    assert result["ok"] is True, result
    assert result["http_status"] == 404
    method, target, headers = proxy.requests[0]
    assert (method, target) == ("GET", "http://www.microsoft.com/pkiops/certs")
    assert headers["proxy-authorization"].startswith("Basic ")
    assert origin.requests[0][2:4] == ("GET", "/pkiops/certs")
    assert PASSWORD not in json.dumps(result)


def test_plain_http_through_a_proxy_that_wants_auth(pki, lab):
    proxy = lab.proxy(auth=("arcuser", PASSWORD))
    s = settings(pki, resolve={"www.microsoft.com": LOOPBACK}, proxy=Proxy("http://127.0.0.1:%d" % proxy.port))
    ep = endpoint(80, host="www.microsoft.com", scheme="http", path="/pkiops/certs")
    result = probe.probe_endpoint(ep, s)
    assert_failed(result, "proxy", "proxy.auth_required", "answered 407 to GET http://www.microsoft.com/pkiops/certs",
                  "requires authentication")
    assert result["http_status"] == 407


def test_bypass_and_no_proxy_go_direct(pki, lab):
    server = lab.http(cert=pki.valid)
    proxy = lab.proxy(refuse=True)
    via = Proxy("http://127.0.0.1:%d" % proxy.port)
    bypassed = probe.probe_endpoint(endpoint(server.port, bypass=["AAD"]), settings(pki, proxy=via, bypass=["AAD"]))
    assert bypassed["ok"] is True and bypassed["proxy"] is None
    no_proxy = probe.probe_endpoint(endpoint(server.port), settings(pki, proxy=via, no_proxy=[".microsoftonline.com"]))
    assert no_proxy["ok"] is True and no_proxy["proxy"] is None
    through = probe.probe_endpoint(endpoint(server.port), settings(pki, proxy=via, bypass=["Arc"]))
    assert through["failed_stage"] == "proxy"
    assert proxy.requests and server.requests


# ------------------------------------------------------------------ Proxy and NO_PROXY parsing

def test_proxy_display_never_shows_credentials():
    proxy = Proxy("http://user:%s@proxy.corp.example:3128" % PASSWORD)
    assert proxy.display == "http://%s@proxy.corp.example:3128" % MASK
    assert (proxy.username, proxy.password) == ("user", PASSWORD)
    assert proxy.authorization().startswith("Basic ")
    assert Proxy("proxy.corp.example").display == "http://proxy.corp.example:80"
    assert Proxy("http://[fd00::5]:8080").display == "http://[fd00::5]:8080"
    assert Proxy("http://p:3128", username="u", password=PASSWORD).display == "http://%s@p:3128" % MASK
    assert Proxy("http://u%40corp:p%3Aw@p:3128").password == "p:w"
    assert Proxy.redact("http://user:%s@p:3128" % PASSWORD) == "http://%s@p:3128" % MASK


@pytest.mark.parametrize("url", ["http://user:%s@" % PASSWORD, "http://user:%s@proxy:port" % PASSWORD])
def test_bad_proxy_url_messages_hide_the_password(url):
    with pytest.raises(ValueError) as caught:
        Proxy(url)
    assert PASSWORD not in str(caught.value)
    assert str(caught.value).startswith("proxy_url: ")


@pytest.mark.parametrize("host, patterns, match", [
    ("login.microsoftonline.com", ["*"], True),
    ("login.microsoftonline.com", [".microsoftonline.com"], True),
    ("login.microsoftonline.com", ["microsoftonline.com"], True),
    ("login.microsoftonline.com", ["login.microsoftonline.com:443"], True),
    ("Login.MicrosoftOnline.com", ["login.microsoftonline.com"], True),
    ("login.microsoftonline.com", ["online.com"], False),
    ("login.microsoftonline.com", ["localhost", "10.0.0.0/8"], False),
])
def test_no_proxy_match(host, patterns, match):
    assert probe.no_proxy_match(host, patterns) is match


# ------------------------------------------------------------------ many endpoints, summary, table

def test_not_probeable_rows_are_reported_not_probed(pki):
    ep = dict(host="*.blob.core.windows.net", port=443, probeable=False, reason="wildcard", required=True)
    result = probe.probe_endpoint(ep, settings(pki))
    assert result["ok"] is False and result["failed_stage"] is None
    assert result["error"] == "not probed: wildcard"


def test_probe_all_keeps_order_and_runs_in_parallel(pki, lab):
    silent = lab.silent()
    good = lab.http(cert=pki.valid)
    eps = [endpoint(silent.port, purpose=str(i)) for i in range(8)] + [endpoint(good.port, purpose="good")]
    start = time.monotonic()
    results = probe.probe_all(eps, settings(pki, timeout=T), workers=20)
    assert time.monotonic() - start < 4 * T
    assert [r["purpose"] for r in results] == [str(i) for i in range(8)] + ["good"]
    assert [r["failed_stage"] for r in results] == ["tls"] * 8 + [None]
    assert probe.probe_all([], settings(pki)) == []


def test_the_controller_reads_live_engine_results(pki, lab):
    """Summary and table are the controller's (plugin_utils/_verdict.py, whose own tests are data tables): here
    over what the engine really returns."""
    good = lab.http(cert=pki.valid)
    eps = [
        endpoint(good.port),
        endpoint(refused_port(), required=False),
        endpoint(refused_port(), host="management.azure.com"),
        dict(host="*.blob.core.windows.net", port=443, url="https://*.blob.core.windows.net", probeable=False,
             reason="wildcard"),
    ]
    s = settings(pki, resolve={HOST: LOOPBACK, "management.azure.com": LOOPBACK})
    results = probe.probe_all(eps, s)
    assert _verdict.summarize(results) == {"total": 4, "ok": 1, "failed": 2, "required_failed": 1,
                                           "not_probeable": 1, "tls_inspection": 0}
    lines = _verdict.table(results).splitlines()
    assert [c.strip() for c in lines[0].split("|")] == ["ENDPOINT", "REACHABLE", "PRIVATE", "TLS", "PROXY"]
    cells = [[c.strip() for c in line.split("|")] for line in lines[1:]]
    assert ["https://*.blob.core.windows.net", "not probed", "-", "-", "-"] in cells
    assert any(c[1] == "true" and c[3] == "TLS 1.3" and c[2] == "false" and c[4] == "not used" for c in cells)
    assert sum(1 for c in cells if c[1] == "false (tcp.refused)") == 2


def test_servicebus_hosts_from_the_allowlist():
    body = json.dumps({"value": [
        {"endpoint": "azgn-eastus-1.servicebus.windows.net"},
        {"url": "https://AZGN-eastus-2.servicebus.windows.net/$hc/x"},
        ["azgn-eastus-1.servicebus.windows.net", "other.example.com", 42],
    ]})
    assert probe.servicebus_hosts(body, "servicebus.windows.net") == ([
        "azgn-eastus-1.servicebus.windows.net", "azgn-eastus-2.servicebus.windows.net"], False)
    with pytest.raises(ValueError):
        probe.servicebus_hosts("<html>", "servicebus.windows.net")


def test_a_result_is_returned_for_any_path(pki, lab):
    """probe_endpoint promises to always return a result dict; a non-ASCII path must not raise."""
    server = lab.http(cert=pki.valid)
    result = probe.probe_endpoint(endpoint(server.port, path="/caf\u00e9"), settings(pki))
    assert isinstance(result, dict)


@pytest.mark.parametrize("host, port, scheme, expected", [
    ("::1", 8443, "https", "[::1]:8443"),
    ("::1", 443, "https", "[::1]"),
    ("fd00::5", 80, "http", "[fd00::5]"),
    ("fd00::5", 443, "http", "[fd00::5]:443"),
    ("login.microsoftonline.com", 443, "https", "login.microsoftonline.com"),
    ("bücher.example", 8080, "http", "xn--bcher-kva.example:8080"),
])
def test_authority_brackets_ipv6_and_drops_default_ports(host, port, scheme, expected):
    assert probe.authority(host, port, scheme) == expected


@pytest.mark.parametrize("given, checked", [
    ("[::1]", "::1"), ("::1", "::1"), ("FD00:0::5", "fd00::5"),
    ("Login.MicrosoftOnline.com.", "login.microsoftonline.com"),
    ("127.0.0.1", "127.0.0.1"), ("under_score.example", "under_score.example"),
])
def test_check_host_normalises(given, checked):
    assert probe.check_host(given) == checked


def test_direct_ipv6_request_names_the_bracketed_host(pki, lab):
    """A plain HTTP GET through the proxy to an IPv6 literal uses the bracketed absolute form."""
    origin = lab.http()
    proxy = lab.proxy(routes={"[::1]:%d" % origin.port: origin.address})
    s = settings(pki, proxy=Proxy("http://127.0.0.1:%d" % proxy.port))
    result = probe.probe_endpoint(endpoint(origin.port, host="::1", scheme="http", path="/x"), s)
    assert result["ok"] is True, result
    method, target, headers = proxy.requests[0]
    assert (method, target, headers["host"]) == ("GET", "http://[::1]:%d/x" % origin.port, "[::1]:%d" % origin.port)


def test_handshakes_of_a_run_share_one_verifying_context(monkeypatch):
    # Loading the system CA bundle costs tens of milliseconds; a probe makes dozens of handshakes.
    built = []
    real = ssl.create_default_context

    def counting(*args, **kwargs):
        built.append(kwargs.get("cafile"))
        return real(*args, **kwargs)

    monkeypatch.setattr(probe.ssl, "create_default_context", counting)
    settings = Settings(min_tls_version="1.3")
    contexts = set()
    threads = [threading.Thread(target=lambda: contexts.add(id(settings.tls_context()))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(contexts) == 1 and built == [None]
    assert settings.tls_context().minimum_version == ssl.TLSVersion.TLSv1_3
    assert settings.tls_context().verify_mode == ssl.CERT_REQUIRED and settings.tls_context().check_hostname
