# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The C# probe engine of plugins/modules/probe.ps1, compiled and run under Mono, against servers on 127.0.0.1.

No PowerShell can be installed from the registries this project reaches (see docs/windows.md), so the
PowerShell glue of probe.ps1 is not executed here. Its engine is: the ``$ProbeEngine`` here-string is C# 5 that
uses no PowerShell types, so Mono's ``mcs -langversion:5 -warnaserror`` compiles it as Windows PowerShell 5.1's
csc would (warnings are errors there too), and ``mono`` runs it through tests/unit/windows/probe_harness.cs.

Each network case runs the same endpoint through the Python engine (_probe.py) too and checks both give the
same verdict, so the two implementations stay in step. Mono is not .NET on Windows: its TLS stack (BoringSSL)
stops at TLS 1.2 and its messages differ from SChannel's, so the tests check stages and the engine's own
sentences, not the runtime's wording. Every host is mapped to 127.0.0.1 (``resolve``); the engine runs in a
separate process that the network guard cannot see, so ``script()`` refuses a script that would resolve a name.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import json
import os
import re
import shutil
import subprocess

import pytest
import trustme
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID

from ansible_collections.arcready.network.plugins.module_utils import _probe as probe
from ansible_collections.arcready.network.plugins.module_utils._probe import Proxy, Settings
from servers import (  # noqa: F401  (lab is a fixture)
    INSPECTOR_ORG, LOOPBACK, TEST_CA_ORG, Certs, SelfSigned, catalogue_names, lab, refused_port,
)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
PS1 = os.path.join(REPO, "plugins", "modules", "probe.ps1")
HOST = "login.microsoftonline.com"

pytestmark = pytest.mark.skipif(not (shutil.which("mcs") and shutil.which("mono")),
                                reason="Mono (apt: mono-mcs mono-runtime) is not installed")


def _utcnow():
    return datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None)


class Leaf(SelfSigned):
    """A leaf certificate with an RSA key, with servers.SelfSigned's configure_cert()."""

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
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]),
                                            critical=False)
        self.subject = subject
        self.cert = builder.sign(issuer.key if issuer else self.key, hashes.SHA256())
        self.cert_pem = self.cert.public_bytes(serialization.Encoding.PEM)
        self.key_pem = self.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption())


class RsaCerts(Certs):
    """servers.Certs for Mono: RSA keys, and no critical extension beyond BasicConstraints and KeyUsage.

    Mono's managed X.509 code cannot read EC public keys and flags trustme's critical extensions as invalid;
    SChannel on Windows has neither limitation, so this only adapts the test PKI to the runtime that runs here.
    """

    def __init__(self, tmp_path, names):  # pylint: disable=super-init-not-called
        self.names = list(names)
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


@pytest.fixture(scope="session")
def pki(tmp_path_factory):
    return RsaCerts(tmp_path_factory.mktemp("rsa-pki"), catalogue_names())


def engine_source():
    text = open(PS1).read()
    match = re.search(r"^\$ProbeEngine = @'\r?\n(.*?)\r?\n'@$", text, re.S | re.M)
    assert match, "probe.ps1 has no $ProbeEngine = @' ... '@ here-string"
    return match.group(1)


@pytest.fixture(scope="session")
def harness(tmp_path_factory):
    out = tmp_path_factory.mktemp("mono")
    source = out / "engine.cs"
    source.write_text(engine_source())
    exe = out / "harness.exe"
    proc = subprocess.run(["mcs", "-langversion:5", "-warnaserror", "-nologo", "-r:System.dll", "-r:System.Core.dll",
                           "-out:%s" % exe, str(source), os.path.join(HERE, "probe_harness.cs")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return str(exe)


def run_script(harness, lines, timeout=60):
    resolved = set(l.split("\t")[1] for l in lines if l.startswith("resolve\t"))
    for line in lines:
        if line.startswith("ep\t"):
            host = dict(f.split("=", 1) for f in line.split("\t")[1:])["host"]
            assert host in resolved or host == LOOPBACK, "map %s to 127.0.0.1 with resolve" % host
        if line.startswith("proxy\t"):
            assert "//%s:" % LOOPBACK in line, "proxies must be on 127.0.0.1"
    env = dict(os.environ, MONO_ENV_OPTIONS="", LANG="C.UTF-8")
    proc = subprocess.run(["mono", harness], input="\n".join(lines) + "\n", capture_output=True, text=True,
                          timeout=timeout, env=env)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def ep_line(**fields):
    def text(v):
        if isinstance(v, bool):
            return "true" if v else "false"
        if isinstance(v, list):
            return ",".join(v)
        return "null" if v is None else str(v)
    return "ep\t" + "\t".join("%s=%s" % (k, text(v)) for k, v in fields.items())


def one(harness, pki, port, host=HOST, scheme="https", path="/", timeout=2, issuers=(TEST_CA_ORG,), extra=(),
        **fields):
    lines = ["set\ttimeout\t%s" % timeout, "set\tca\t%s" % pki.ca_file, "resolve\t%s\t%s" % (host, LOOPBACK)]
    lines += ["issuer\t%s" % i for i in issuers] + list(extra)
    lines.append(ep_line(host=host, port=port, scheme=scheme, path=path, purpose="test", required=True, **fields))
    lines.append("run")
    return run_script(harness, lines)["results"][0]


def python_result(pki, port, host=HOST, scheme="https", path="/", timeout=2, issuers=(TEST_CA_ORG,), **kwargs):
    settings = Settings(timeout=timeout, ca_path=pki.ca_file, expected_issuers=list(issuers),
                        resolve={host: LOOPBACK}, **kwargs)
    return probe.probe_endpoint(dict(host=host, port=port, scheme=scheme, path=path, purpose="test", required=True),
                                settings)


def same_verdict(cs, py):
    assert (cs["ok"], cs["failed_stage"], cs["tls_inspection"]) == (py["ok"], py["failed_stage"], py["tls_inspection"]), \
        (cs, py)
    assert set(cs) == set(py), set(cs) ^ set(py)


# ------------------------------------------------------------------ pure functions, side by side with Python

ADDRESSES = ["10.0.0.1", "10.255.255.255", "172.16.0.1", "172.31.255.254", "172.32.0.1", "172.15.0.1",
             "192.168.1.1", "192.169.0.1", "100.64.0.1", "100.127.255.255", "100.128.0.1", "8.8.8.8",
             "127.0.0.1", "fc00::1", "fd12:3456::1", "fe80::1%2", "2001:db8::1", "::1", "::ffff:10.0.0.1"]


def test_is_private_matches_python(harness):
    out = run_script(harness, ["call\tIsPrivate\t%s" % a for a in ADDRESSES])
    assert out["calls"] == [probe.is_private(a) for a in ADDRESSES]


NO_PROXY = [("gbl.his.arc.azure.com", ".azure.com"), ("gbl.his.arc.azure.com", "azure.com"),
            ("notazure.com", "azure.com"), ("management.azure.com", "management.azure.com:443"),
            ("anything.example", "*"), ("login.windows.net", "localhost, 127.0.0.1"), ("HOST.Example", "host.example")]


def test_no_proxy_matches_python(harness):
    out = run_script(harness, ["call\tNoProxyMatch\t%s\t%s" % case for case in NO_PROXY])
    expected = [probe.no_proxy_match(host, [p.strip().lower() for p in patterns.split(",") if p.strip()])
                for host, patterns in NO_PROXY]
    assert out["calls"] == expected


PATHS = ["/", "/pkiops/certs", "/urls/allowlist?api-version=2020-01-01&location=eastus", "/a b", "/ü/%20/x#y",
         "/<script>"]


def test_wire_path_and_host_match_python(harness):
    hosts = ["bücher.example", "gbl.his.arc.azure.com"]
    lines = ["call\tWirePath\t%s" % p for p in PATHS] + ["call\tWireHost\t%s" % h for h in hosts]
    out = run_script(harness, lines)
    assert out["calls"] == [probe.wire_path(p) for p in PATHS] + [probe.wire_host(h) for h in hosts]


PROXIES = ["http://proxy.corp.example:3128", "proxy.corp.example:8080", "http://Proxy.Example", "https://p.example",
           "http://user:p%40ss@proxy.example:3128", "http://user@proxy.example:3128", "http://[2001:db8::1]:3128"]


def test_proxy_parsing_matches_python(harness):
    lines = ["call\tProxyDisplay\t%s" % u for u in PROXIES] + ["call\tProxyRedact\t%s" % u for u in PROXIES]
    lines += ["call\tProxyAuthorization\thttp://user:p%40ss@proxy.example:3128",
              "call\tProxyAuthorization\thttp://proxy.example:3128\tbob\tsecret",
              "call\tProxyDisplay\thttp://:3128", "call\tProxyDisplay\thttp://host:notaport",
              "call\tUrlSecrets\thttp://user:p%40ss@proxy.example:3128", "call\tUrlSecrets\thttp://proxy.example"]
    out = run_script(harness, lines)["calls"]
    n = len(PROXIES)
    assert out[:n] == [Proxy(u).display for u in PROXIES]
    assert out[n:2 * n] == [Proxy.redact(u) for u in PROXIES]
    assert out[2 * n] == Proxy("http://user:p%40ss@proxy.example:3128").authorization()
    assert out[2 * n + 1] == Proxy("http://proxy.example:3128", "bob", "secret").authorization()
    assert out[2 * n + 2] == {"error": "proxy URL 'http://:3128' has no host; use the form http://proxy.example.com:3128"}
    assert "invalid port" in out[2 * n + 3]["error"]
    assert out[2 * n + 4] == ["p%40ss", "p@ss"]
    assert out[2 * n + 5] == []


def test_explicit_endpoint_url_matches_the_python_module(harness):
    from ansible_collections.arcready.network.plugins.modules.probe import _explicit_endpoints
    items = [dict(host="h.example", port=443, scheme="https", path="/", url=None),
             dict(host="h.example", port=8443, scheme="https", path="/x", url=None),
             dict(host="www.microsoft.com", port=80, scheme="http", path="/pkiops/certs", url=None),
             dict(host="h.example", port=443, scheme="https", path="/", url="https://given")]
    lines = ["call\tExplicit\t" + "\t".join("%s=%s" % (k, "null" if v is None else v) for k, v in i.items())
             for i in items]
    out = run_script(harness, lines)["calls"]
    assert [o["url"] for o in out] == [e["url"] for e in _explicit_endpoints(items)]


def _results_for_table():
    rows = [
        dict(host="b.example", url="https://b.example", ok=True, private=False, tls_version="TLSv1.2"),
        dict(host="a.example", url="https://a.example", ok=False, failed_stage="tcp"),
        dict(host="www.microsoft.com", url="http://www.microsoft.com/pkiops/certs", port=80, scheme="http", ok=True,
             private=True),
        dict(host="*.blob.core.windows.net", url="https://*.blob.core.windows.net", probeable=False,
             reason="wildcard", required=True),
        dict(host="c.example", url="https://c.example", ok=False, failed_stage="tls_inspection", tls_inspection=True,
             proxy="http://127.0.0.1:3128", required=False),
        dict(host="d.example", url="https://d.example", ok=True, tls_version="TLSv1.3", proxy="http://127.0.0.1:3128"),
    ]
    out = []
    for row in rows:
        result = probe.new_result(dict(host=row["host"], port=row.get("port", 443), url=row["url"],
                                       scheme=row.get("scheme", "https"), required=row.get("required", True),
                                       probeable=row.get("probeable", True), reason=row.get("reason", "")))
        result.update(row)
        out.append(result)
    return out


def test_table_and_summary_match_python(harness):
    results = _results_for_table()
    keys = ("host", "port", "scheme", "url", "ok", "failed_stage", "private", "tls_version", "proxy", "required",
            "probeable", "tls_inspection")

    def value(v):
        return "null" if v is None else ("true" if v is True else "false" if v is False else str(v))

    lines = ["result\t" + "\t".join("%s=%s" % (k, value(r[k])) for k in keys) for r in results] + ["table"]
    out = run_script(harness, lines)
    assert out["table"] == probe.table(results)
    assert out["summary"] == probe.summarize(results)


# ------------------------------------------------------------------ the network stages against loopback servers

def test_valid_certificate(harness, pki, lab):
    server = lab.http(cert=pki.valid)
    cs = one(harness, pki, server.port)
    assert cs["ok"] is True, cs
    assert cs["tls_version"] in ("TLSv1.2", "TLSv1.3")
    assert cs["tls_cipher"]
    assert cs["http_status"] == 404
    assert cs["addresses"] == [LOOPBACK]
    assert cs["private"] is False and cs["proxy"] is None and cs["tls_inspection"] is False
    assert TEST_CA_ORG in cs["cert_issuer"]
    assert re.match(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4} GMT$", cs["cert_not_after"]), cs["cert_not_after"]
    assert set(cs["latency_ms"]) == {"dns", "tcp", "tls", "http"}
    # SNI and Host name the endpoint, not the address it was mapped to.
    _version, sni, method, target, headers = server.requests[0]
    assert (sni, method, target, headers["host"], headers["user-agent"]) == (HOST, "GET", "/", HOST, probe.USER_AGENT)
    py = python_result(pki, server.port)
    same_verdict(cs, py)
    assert cs["cert_issuer"] == py["cert_issuer"] and cs["cert_subject"] == py["cert_subject"]
    assert cs["cert_not_after"] == py["cert_not_after"]


def test_issuer_not_expected_is_tls_inspection(harness, pki, lab):
    server = lab.http(cert=pki.valid)
    cs = one(harness, pki, server.port, issuers=("Microsoft Corporation",))
    assert cs["failed_stage"] == "tls_inspection" and cs["tls_inspection"] is True
    assert "not by a Microsoft CA" in cs["error"] and probe.INSPECTION_HINT in cs["error"]
    same_verdict(cs, python_result(pki, server.port, issuers=("Microsoft Corporation",)))


def test_inspection_check_can_be_disabled(harness, pki, lab):
    server = lab.http(cert=pki.valid)
    cs = one(harness, pki, server.port, issuers=("Microsoft Corporation",), extra=["set\tinspection\tfalse"])
    assert cs["ok"] is True and cs["tls_inspection"] is False


@pytest.mark.parametrize("cert, stage, words", [
    ("inspected", "tls_inspection", [INSPECTOR_ORG, "does not trust", "not a Microsoft CA"]),
    ("expired", "tls", ["expired on"]),
    ("wrong_name", "tls", ["is for other names (other.example.net, www.other.example.net)", "wrong server"]),
    ("self_signed", "tls_inspection", ["Self Signed Appliance", "does not trust"]),
])
def test_certificate_failures(harness, pki, lab, cert, stage, words):
    server = lab.http(cert=getattr(pki, cert))
    cs = one(harness, pki, server.port)
    assert cs["ok"] is False and cs["failed_stage"] == stage, cs
    for word in words:
        assert word in cs["error"], (word, cs["error"])
    assert cs["cert_issuer"] and cs["cert_not_after"]
    assert cs["http_status"] is None
    py = python_result(pki, server.port)
    same_verdict(cs, py)
    if cert == "expired":
        assert cs["cert_not_after"] in cs["error"]


def test_untrusted_ca_with_an_expected_name_is_a_tls_failure(harness, pki, lab):
    server = lab.http(cert=pki.inspected)
    cs = one(harness, pki, server.port, issuers=(INSPECTOR_ORG,))
    assert cs["failed_stage"] == "tls" and "not trusted by this host" in cs["error"] and INSPECTOR_ORG in cs["error"]
    same_verdict(cs, python_result(pki, server.port, issuers=(INSPECTOR_ORG,)))


def test_refused_port(harness, pki):
    port = refused_port()
    cs = one(harness, pki, port)
    assert cs["failed_stage"] == "tcp" and "was refused" in cs["error"], cs
    assert "latency_ms" in cs and "dns" in cs["latency_ms"]
    same_verdict(cs, python_result(pki, port))


def test_silent_server_times_out_in_tls(harness, pki, lab):
    server = lab.silent()
    cs = one(harness, pki, server.port, timeout=0.5)
    assert cs["failed_stage"] == "tls" and "timed out after 0.5 s" in cs["error"], cs
    same_verdict(cs, python_result(pki, server.port, timeout=0.5))


def test_legacy_only_server(harness, pki, lab):
    import ssl
    server = lab.http(cert=pki.valid, minimum_version=ssl.TLSVersion.TLSv1, maximum_version=ssl.TLSVersion.TLSv1_1,
                      legacy_ciphers=True)
    cs = one(harness, pki, server.port)
    assert cs["failed_stage"] == "tls", cs
    # Mono may or may not still offer TLS 1.0/1.1 to find out what the server speaks; SChannel does unless disabled.
    assert "only offers TLS 1." in cs["error"] or "no common protocol version" in cs["error"], cs["error"]
    same_verdict(cs, python_result(pki, server.port))


def test_tls13_minimum_on_a_host_without_tls13(harness, pki, lab):
    server = lab.http(cert=pki.valid)
    cs = one(harness, pki, server.port, extra=["set\tmin\t1.3"])
    assert cs["failed_stage"] == "tls" and "TLS 1.3 needs Windows Server 2022 or later" in cs["error"], cs


def test_plain_http_on_a_tls_port(harness, pki, lab):
    server = lab.http()
    cs = one(harness, pki, server.port)
    assert cs["failed_stage"] == "tls", cs
    assert python_result(pki, server.port)["failed_stage"] == "tls"


def test_plain_http_endpoint(harness, pki, lab):
    server = lab.http(status=301)
    cs = one(harness, pki, server.port, scheme="http", path="/pkiops/certs")
    assert cs["ok"] is True and cs["http_status"] == 301 and cs["tls_version"] is None, cs
    assert server.requests[0][3] == "/pkiops/certs"
    same_verdict(cs, python_result(pki, server.port, scheme="http", path="/pkiops/certs"))


def test_private_link_public_address_fails(harness, pki, lab):
    server = lab.http(cert=pki.valid)
    cs = one(harness, pki, server.port, extra=["set\tprivate_link\ttrue"], private_capable=True)
    assert cs["failed_stage"] == "private_link" and "resolves to public address 127.0.0.1" in cs["error"], cs


def test_through_the_proxy(harness, pki, lab):
    server = lab.http(cert=pki.valid)
    proxy = lab.proxy(routes={"%s:443" % HOST: (LOOPBACK, server.port)})
    cs = one(harness, pki, 443, extra=["proxy\thttp://%s:%d" % (LOOPBACK, proxy.port)])
    assert cs["ok"] is True, cs
    assert cs["proxy"] == "http://%s:%d" % (LOOPBACK, proxy.port)
    assert set(cs["latency_ms"]) == {"dns", "tcp", "proxy", "tls", "http"}
    assert proxy.requests[0][:2] == ("CONNECT", "%s:443" % HOST)


def test_proxy_credentials_and_407(harness, pki, lab):
    server = lab.http(cert=pki.valid)
    proxy = lab.proxy(routes={"%s:443" % HOST: (LOOPBACK, server.port)}, auth=("bob", "s3cret"))
    url = "http://%s:%d" % (LOOPBACK, proxy.port)
    ok = one(harness, pki, 443, extra=["proxy\t%s\tbob\ts3cret" % url])
    assert ok["ok"] is True and ok["proxy"] == "http://***@%s:%d" % (LOOPBACK, proxy.port), ok
    denied = one(harness, pki, 443, extra=["proxy\t%s" % url])
    assert denied["failed_stage"] == "proxy" and "answered 407" in denied["error"], denied
    assert "s3cret" not in json.dumps(ok) + json.dumps(denied)


def test_proxy_refuses(harness, pki, lab):
    proxy = lab.proxy(refuse=True)
    cs = one(harness, pki, 443, extra=["proxy\thttp://%s:%d" % (LOOPBACK, proxy.port)])
    assert cs["failed_stage"] == "proxy" and "refused CONNECT %s:443 with 403" % HOST in cs["error"], cs


def test_bypass_goes_direct(harness, pki, lab):
    server = lab.http(cert=pki.valid)
    proxy = lab.proxy(refuse=True)
    cs = one(harness, pki, server.port, extra=["proxy\thttp://%s:%d" % (LOOPBACK, proxy.port), "bypass\tAAD"],
             bypass=["AAD"])
    assert cs["ok"] is True and cs["proxy"] is None, cs
    assert proxy.requests == []


def test_not_probeable_rows_are_reported_not_probed(harness, pki):
    cs = one(harness, pki, 443, host=LOOPBACK, probeable=False, reason="wildcard")
    assert cs["ok"] is False and cs["failed_stage"] is None and cs["error"] == "not probed: wildcard"


def test_many_endpoints_in_parallel_keep_their_order(harness, pki, lab):
    servers = [lab.http(cert=pki.valid) for _ in range(3)]
    silent = lab.silent()
    names = ["h%d.example" % i for i in range(8)]
    lines = ["set\ttimeout\t1", "set\tca\t%s" % pki.ca_file, "set\tworkers\t4", "issuer\t%s" % TEST_CA_ORG]
    lines += ["resolve\t%s\t%s" % (n, LOOPBACK) for n in names]
    ports = [servers[i % 3].port for i in range(7)] + [silent.port]
    lines += [ep_line(host=n, port=p) for n, p in zip(names, ports)]
    lines.append("run")
    out = run_script(harness, lines)
    assert [r["host"] for r in out["results"]] == names
    # The certificate names the catalogue hosts, not h*.example: every TLS stage fails on the name, except the silent
    # one, which times out; the whole run is bounded by the per-stage timeout, not by the number of endpoints.
    assert [r["failed_stage"] for r in out["results"]] == ["tls"] * 8
    assert "timed out" in out["results"][-1]["error"]
    assert out["summary"]["failed"] == 8
    assert out["table"].splitlines()[0].startswith("ENDPOINT")
