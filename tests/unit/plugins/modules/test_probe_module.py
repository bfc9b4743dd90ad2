# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The arcready.network.probe module run in-process through AnsibleModule, against servers on loopback.

The module's real exit_json/fail_json run (they are not patched): what a test reads is the JSON the module
prints, after AnsibleModule has masked no_log values, exactly as the controller would receive it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import stat

import pytest

from ansible_collections.arcready.network.plugins.action.probe import ENDPOINT_KEYS, conclude, expand, module_arguments
from ansible_collections.arcready.network.plugins.module_utils._catalogue import (
    CatalogueError, SCENARIOS, build,
)
from ansible_collections.arcready.network.plugins.module_utils._his_probe import mark as mark_his
from ansible_collections.arcready.network.plugins.module_utils._contract import CONTRACT_VERSION
from ansible_collections.arcready.network.plugins.module_utils._probe import check_wildcard_hosts
from ansible_collections.arcready.network.plugins.module_utils._proxy import MASK
from ansible_collections.arcready.network.plugins.modules import probe as probe_module
from probe_runner import run  # noqa: F401  (a fixture)
from servers import (  # noqa: F401  (pki, lab and contract_checked are fixtures)
    LOOPBACK, SERVICE_BUS_HOSTS, TEST_CA_ORG, contract_checked, lab, pki, refused_port, tls_context,
)

HOST = "login.microsoftonline.com"
PASSWORD = "m0dule-Pa55w0rd"


def warning_texts(result):
    """The module's warnings as text (ansible-core 2.19 returns them as WarningSummary dicts)."""
    out = []
    for warning in result.get("warnings") or []:
        out.append(warning["event"]["msg"] if isinstance(warning, dict) else warning)
    return out


def run_task(run, args):
    """(exit code, result) of the task as a playbook runs it: the action plugin's arguments to the module, the
    module, then the action plugin's conclusion (summary, table, verdict and warnings are the controller's)."""
    code, returned = run(module_arguments(dict(args), []))
    result = conclude(returned, args, "testhost")
    return (1 if result.get("failed") else code), result


def base_args(pki, **kwargs):
    args = dict(proxy_url="", ca_path=pki.ca_file, expected_issuers=[TEST_CA_ORG], timeout=2,
                resolve={HOST: LOOPBACK, "management.azure.com": LOOPBACK})
    args.update(kwargs)
    return args


def test_explicit_endpoints(run, pki, lab):
    server = lab.http(cert=pki.valid)
    code, result = run_task(run, base_args(pki, endpoints=[{"host": HOST, "port": server.port},
                                                           {"host": HOST, "port": server.port, "path": "/x?y=1"}]))
    assert code == 0, result
    assert result["changed"] is False and result["contract"] == CONTRACT_VERSION
    assert result["deadline"] == 4.0  # twice the timeout
    assert "failed" not in result or result["failed"] is False
    assert [e["ok"] for e in result["endpoints"]] == [True, True]
    assert result["endpoints"][0]["url"] == "https://%s:%d" % (HOST, server.port)
    assert result["endpoints"][1]["url"] == "https://%s:%d/x?y=1" % (HOST, server.port)
    assert result["endpoints"][0]["http_status"] == 404
    assert result["summary"] == {"total": 2, "ok": 2, "failed": 0, "required_failed": 0, "not_probeable": 0,
                                 "tls_inspection": 0}
    assert result["table"].splitlines()[0].split() == ["ENDPOINT", "|", "REACHABLE", "|", "PRIVATE", "|", "TLS",
                                                       "|", "PROXY"]
    assert result["proxy"] is None and result["proxy_source"] == "none"
    assert result["verdict"] == {"fail_on": "required", "status": "ready", "failing": [], "warnings": []}
    assert sorted(r[3] for r in server.requests) == ["/", "/x?y=1"]


def test_the_module_itself_returns_endpoint_results_only(run, pki, lab):
    """Summary, table, verdict and their warnings are computed once, on the controller (plugins/plugin_utils/
    _verdict.py): the module run alone returns none of them, and does not fail on a failed endpoint."""
    code, result = run(base_args(pki, endpoints=[{"host": HOST, "port": refused_port()}], fail_on="any"))
    assert code == 0, result
    assert not set(result) & {"summary", "table", "verdict", "msg"}, sorted(result)
    assert (result["endpoints"][0]["failed_stage"], result["endpoints"][0]["failed_reason"]) == ("tcp", "tcp.refused")


def _mixed(pki, server, **kwargs):
    return base_args(pki, endpoints=[
        {"host": HOST, "port": server.port},
        {"host": HOST, "port": refused_port(), "required": False},
    ], **kwargs)


def test_fail_on_required_passes_when_only_optional_endpoints_fail(run, pki, lab):
    server = lab.http(cert=pki.valid)
    code, result = run_task(run, _mixed(pki, server))
    assert code == 0, result
    assert result["summary"]["failed"] == 1 and result["summary"]["required_failed"] == 0


def test_fail_on_any(run, pki, lab):
    server = lab.http(cert=pki.valid)
    code, result = run_task(run, _mixed(pki, server, fail_on="any"))
    assert code == 1
    assert result["failed"] is True
    assert result["msg"].startswith("1 endpoint(s) unreachable from testhost: %s:" % HOST)
    assert "(tcp): TCP connect to 127.0.0.1:" in result["msg"] and "was refused" in result["msg"]
    assert len(result["endpoints"]) == 2 and result["table"]  # the results come back on failure too


def test_fail_on_required_fails_on_a_required_endpoint(run, pki, lab):
    port = refused_port()
    code, result = run_task(run, base_args(pki, endpoints=[{"host": HOST, "port": port}]))
    assert code == 1
    assert result["msg"] == ("1 required endpoint(s) unreachable from testhost: %s:%d (tcp): TCP connect to "
                             "127.0.0.1:%d was refused: nothing listens there, or a firewall rejects the connection"
                             % (HOST, port, port))


def test_fail_on_never(run, pki):
    code, result = run_task(run, base_args(pki, endpoints=[{"host": HOST, "port": refused_port()}],
                                           fail_on="never"))
    assert code == 0
    assert result["summary"]["required_failed"] == 1


def test_check_mode_still_probes(run, pki, lab):
    server = lab.http(cert=pki.valid)
    code, result = run(base_args(pki, endpoints=[{"host": HOST, "port": server.port}], _ansible_check_mode=True))
    assert code == 0
    assert result["changed"] is False
    assert result["endpoints"][0]["ok"] is True and result["endpoints"][0]["http_status"] == 404
    assert len(server.requests) == 1


def test_bad_region_names_the_closest(run, pki):
    """An unlisted region of the cloud is accepted with a warning (the catalogue's tests); a region of another
    cloud is still refused, naming that cloud's regions and the right cloud."""
    code, result = run(base_args(pki, cloud="AzureUSGovernment", region="eastus"))
    assert code == 1
    assert result["msg"] == ("unknown region for AzureUSGovernment 'eastus'; valid choices, closest first: "
                             "usgovarizona, usgovtexas, usgovvirginia (eastus is a region of AzureCloud: set "
                             "cloud=AzureCloud)")


def test_region_or_endpoints_is_required(run, pki):
    code, result = run(base_args(pki))
    assert code == 1
    assert "one of the following is required: region, endpoints" in result["msg"]


def test_ca_path_missing(run, pki, tmp_path):
    missing = str(tmp_path / "nowhere" / "ca.pem")
    code, result = run(base_args(pki, region="eastus", ca_path=missing))
    assert code == 1
    assert result["msg"] == ("ca_path %s is not a file on this host (No such file or directory); give a PEM bundle "
                             "of CA certificates" % missing)
    assert result["contract"] == CONTRACT_VERSION


def test_bad_proxy_url_hides_the_password(run, pki):
    """A proxy_url that does not parse must not come back with its password (invocation.module_args included)."""
    code, result = run(base_args(pki, region="eastus", proxy_url="http://u:%s@proxy:notaport" % PASSWORD))
    assert code == 1
    assert result["msg"] == ("proxy_url: 'http://%s@proxy:notaport' has the port 'notaport'; a port is a number "
                             "from 1 to 65535" % MASK)
    assert PASSWORD not in json.dumps(result)


# ------------------------------------------------------------------ proxies and secrets

def test_proxy_password_option_is_masked(run, pki, lab):
    server = lab.http(cert=pki.valid)
    proxy = lab.proxy(routes={"%s:443" % HOST: server.address}, auth=("arcuser", PASSWORD))
    code, result = run_task(run, base_args(pki, endpoints=[{"host": HOST}],
                                           proxy_url="http://127.0.0.1:%d" % proxy.port, proxy_username="arcuser",
                                           proxy_password=PASSWORD))
    assert code == 0, result
    assert result["proxy"] == "http://%s@127.0.0.1:%d" % (MASK, proxy.port)
    assert result["proxy_source"] == "option"
    assert result["endpoints"][0]["proxy"] == result["proxy"]
    assert any("uses credentials" in w and "does not support authenticating proxies" in w
               for w in warning_texts(result)), result.get("warnings")
    assert PASSWORD not in json.dumps(result)


def test_proxy_password_in_the_url_is_masked(run, pki, lab):
    server = lab.http(cert=pki.valid)
    proxy = lab.proxy(routes={"%s:443" % HOST: server.address}, auth=("arcuser", PASSWORD))
    url = "http://arcuser:%s@127.0.0.1:%d" % (PASSWORD, proxy.port)
    code, result = run(base_args(pki, endpoints=[{"host": HOST}], proxy_url=url))
    assert code == 0, result
    assert result["endpoints"][0]["ok"] is True
    assert PASSWORD not in json.dumps(result)


def test_proxy_from_the_environment_with_no_proxy(run, pki, lab, monkeypatch):
    server = lab.http(cert=pki.valid)
    proxy = lab.proxy(routes={"%s:443" % HOST: server.address}, auth=("arcuser", PASSWORD))
    monkeypatch.setenv("HTTPS_PROXY", "http://arcuser:%s@127.0.0.1:%d" % (PASSWORD, proxy.port))
    monkeypatch.setenv("NO_PROXY", "localhost,.azure.com")
    code, result = run(base_args(pki, proxy_url="auto", endpoints=[
        {"host": HOST}, {"host": "management.azure.com", "port": server.port}]))
    assert code == 0, result
    assert result["proxy_source"] == "environment"
    assert result["proxy"] == "http://%s@127.0.0.1:%d" % (MASK, proxy.port)
    assert [e["proxy"] for e in result["endpoints"]] == [result["proxy"], None]
    assert all(e["ok"] for e in result["endpoints"])
    assert PASSWORD not in json.dumps(result)


def test_proxy_from_the_agent_with_its_bypass(run, pki, lab, tmp_path, monkeypatch):
    server = lab.http(cert=pki.valid)
    proxy = lab.proxy(refuse=True)
    agent_dir = tmp_path / "agent-bin"
    agent_dir.mkdir()
    agent = agent_dir / "azcmagent"
    agent.write_text("#!/bin/sh\n"
                     "case \"$3\" in\n"
                     "  proxy.url) echo 'http://127.0.0.1:%d' ;;\n"
                     "  proxy.bypass) echo '[\"AAD\"]' ;;\n"
                     "esac\n" % proxy.port)
    agent.chmod(agent.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(probe_module, "_AGENT_PATHS", [str(agent_dir)])
    code, result = run(base_args(pki, proxy_url="auto", fail_on="never", endpoints=[
        {"host": HOST, "port": server.port, "bypass": ["AAD"]},
        {"host": "management.azure.com", "bypass": ["ARM"]}]))
    assert code == 0, result
    assert result["proxy_source"] == "agent"
    assert result["proxy_bypass"] == ["AAD"]
    first, second = result["endpoints"]
    assert first["ok"] is True and first["proxy"] is None
    assert second["failed_stage"] == "proxy" and "403" in second["error"]


# ------------------------------------------------------------------ the whole catalogue on loopback

CATALOGUE_ADDRESS = "127.42.0.1"


@pytest.fixture
def port_443(pki, lab):
    """A TLS server on 127.42.0.1:443 (and plain HTTP on :80) for every catalogue name; needs root."""
    allowlist = json.dumps({"value": [{"host": h} for h in SERVICE_BUS_HOSTS]}).encode()
    try:
        tls = lab.http(cert=pki.valid, host=CATALOGUE_ADDRESS, port=443, routes={"/urls/allowlist": (200, allowlist)})
        plain = lab.http(host=CATALOGUE_ADDRESS, port=80)
    except OSError as exc:
        pytest.skip("cannot listen on %s:443 and :80 here (%s)" % (CATALOGUE_ADDRESS, exc))
    names = [r["host"] for r in build("AzureCloud", "eastus", scenarios=SCENARIOS) if r["probeable"]]
    resolve = dict((name, CATALOGUE_ADDRESS) for name in names + SERVICE_BUS_HOSTS)
    return tls, plain, resolve


@pytest.mark.integration  # needs root or an ansible-playbook subprocess
def test_catalogue_region_end_to_end(run, pki, port_443):
    tls, plain, resolve = port_443
    code, result = run_task(run, base_args(pki, region="East US", scenarios=list(SCENARIOS), resolve=resolve))
    assert code == 0, result.get("msg")
    rows = build("AzureCloud", "eastus", scenarios=SCENARIOS)
    assert [(e["host"], e["port"]) for e in result["endpoints"]] == [(r["host"], r["port"]) for r in rows]
    probed = [e for e in result["endpoints"] if e["probeable"]]
    assert probed and all(e["ok"] for e in probed), [e["error"] for e in probed if not e["ok"]]
    assert result["summary"]["not_probeable"] == len(rows) - len(probed)
    # The regional HIS host is asked for on the global host first (discovery), then every endpoint once.
    requests = [(h["host"], t) for _v, _s, _m, t, h in tls.requests]
    assert [r for r in requests if r[1].startswith("/discovery")] == [
        ("gbl.his.arc.azure.com", "/discovery?location=eastus&api-version=2.1")]
    assert sorted(host for host, target in requests if not target.startswith("/discovery")) == sorted(
        e["host"] for e in probed if e["port"] == 443)
    assert [r[3] for r in plain.requests] == ["/pkiops/certs"]
    assert "azgn*.servicebus.windows.net" in [e["host"] for e in result["endpoints"]]


@pytest.mark.integration  # needs root or an ansible-playbook subprocess
def test_expand_service_bus_from_the_catalogue(run, pki, port_443):
    tls, _plain, resolve = port_443
    code, result = run(base_args(pki, region="eastus", resolve=resolve, expand_service_bus=True))
    assert code == 0, result.get("msg")
    hosts = [e["host"] for e in result["endpoints"]]
    assert "azgn*.servicebus.windows.net" not in hosts
    assert [h for h in hosts if h.startswith("azgn")] == SERVICE_BUS_HOSTS
    assert all(e["ok"] for e in result["endpoints"] if e["host"] in SERVICE_BUS_HOSTS)
    asked = [t for _v, _s, _m, t, _h in tls.requests if t.startswith("/urls/allowlist")]
    assert asked == ["/urls/allowlist?api-version=2020-01-01&location=eastus"]


@pytest.mark.integration  # needs root or an ansible-playbook subprocess
def test_expand_service_bus_through_the_action_plugin(run, pki, port_443):
    """In a playbook the action plugin always fills endpoints from the catalogue (keeping region); the module
    must still expand the azgn* row when expand_service_bus is true."""
    _tls, _plain, resolve = port_443
    args = expand(base_args(pki, region="eastus", resolve=resolve, expand_service_bus=True))
    code, result = run(args)
    assert code == 0, result.get("msg")
    hosts = [e["host"] for e in result["endpoints"]]
    assert [h for h in hosts if h.startswith("azgn")] == SERVICE_BUS_HOSTS


# ------------------------------------------------------------------ the action plugin's expansion

def test_action_expand_fills_endpoints_from_the_catalogue():
    args = expand({"region": "ukwest", "scenarios": ["esu"], "stage": "run", "private_link": "yes"})
    rows = mark_his(build("AzureCloud", "ukwest", scenarios=["esu"], stage="run", private_link=True),
                    "AzureCloud", "ukwest")
    assert args["endpoints"] == [dict((k, r[k]) for k in ENDPOINT_KEYS) for r in rows]
    assert args["region"] == "ukwest"
    given = [{"host": "x.example"}]
    assert expand({"endpoints": given, "region": "nowhere"})["endpoints"] == given
    with pytest.raises(CatalogueError, match="one of the following is required: region, endpoints"):
        expand({})
    with pytest.raises(CatalogueError, match="closest first: usgovarizona"):
        expand({"cloud": "AzureUSGovernment", "region": "eastus"})


def test_action_endpoint_keys_are_module_options():
    import yaml
    documented = yaml.safe_load(probe_module.DOCUMENTATION)["options"]["endpoints"]["suboptions"]
    assert set(ENDPOINT_KEYS) <= set(documented), set(ENDPOINT_KEYS) - set(documented)


def test_tls_inspection_is_a_warning_and_a_failure(run, pki, lab):
    server = lab.http(cert=pki.inspected)
    code, result = run_task(run, base_args(pki, endpoints=[{"host": HOST, "port": server.port}]))
    assert code == 1
    endpoint = result["endpoints"][0]
    assert endpoint["failed_stage"] == "tls_inspection" and endpoint["tls_inspection"] is True
    assert result["summary"]["tls_inspection"] == 1
    assert any("1 endpoint(s) presented certificates not issued by an expected CA" in w
               for w in warning_texts(result)), result.get("warnings")


# ------------------------------------------------------------------ the allowlist fetch, bounded

GNS = "guestnotificationservice.azure.com"
AZGN = "azgn*.servicebus.windows.net"


def _allowlist_args(pki, port, extra_resolve=None):
    resolve = {GNS: LOOPBACK}
    resolve.update(extra_resolve or {})
    return base_args(pki, region="eastus", expand_service_bus=True, fail_on="never", resolve=resolve, endpoints=[
        {"host": GNS, "port": port},
        {"host": AZGN, "pattern": AZGN, "probeable": False, "reason": "wildcard"}])


def _azgn_row(result):
    return [e for e in result["endpoints"] if e["host"] == AZGN][0]


@pytest.mark.parametrize("answer, reason", [
    (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + b"[" * (2 * 1024 * 1024),
     "is larger than 1048576 bytes; wildcard"),
    (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n" + b"[" * 5000 + b"]" * 5000,
     "is not usable JSON (it nests deeper than 32 levels); wildcard"),
    (b"HTTP/1.1 200 OK\r\n\r\n<html>", "is not usable JSON (Expecting value: line 1 column 1 (char 0)); wildcard"),
    (b"HTTP/1.1 200 OK\r\n\r\n{\"value\": [\"other.example.com\"]}",
     "named no servicebus.windows.net hosts; wildcard"),
    (b"HTTP/1.1 503 Busy\r\n\r\n", "could not be fetched (HTTP 503); wildcard"),
])
def test_allowlist_that_cannot_be_used_is_a_reason(run, pki, lab, answer, reason):
    server = lab.http(cert=pki.valid, answer=answer)
    code, result = run(_allowlist_args(pki, server.port))
    assert code == 0, result
    row = _azgn_row(result)
    assert row["probeable"] is False
    assert row["reason"] == "the guest notification allowlist https://%s:%d/urls/allowlist?api-version=2020-01-01&" \
                            "location=eastus %s" % (GNS, server.port, reason)


def test_allowlist_trickled_is_cut_by_the_deadline(run, pki, lab):
    server = lab.trickle(head=b"HTTP/1.1 200 OK\r\n\r\n[", drip=b" ", interval=0.05, ctx=tls_context(pki.valid))
    args = _allowlist_args(pki, server.port)
    args.update(timeout=0.5)
    code, result = run(args)
    assert code == 0, result
    assert "could not be fetched (%s accepted the connection but sent no complete HTTP answer" % GNS in \
        _azgn_row(result)["reason"]


def test_allowlist_expansion_is_capped_with_a_warning(run, pki, lab):
    names = ["azgn-%03d.servicebus.windows.net" % i for i in range(600)]
    body = json.dumps({"value": names}).encode()
    server = lab.http(cert=pki.valid, routes={"/urls/allowlist": (200, body)})
    code, result = run(_allowlist_args(pki, server.port, dict((n, LOOPBACK) for n in names)))
    assert code == 0, result.get("msg")
    added = [e["host"] for e in result["endpoints"] if e["host"].startswith("azgn-")]
    assert added == names[:500]
    assert ("the guest notification allowlist https://%s:%d/urls/allowlist?api-version=2020-01-01&location=eastus "
            "names more than 500 servicebus.windows.net hosts; only the first 500 are probed"
            % (GNS, server.port)) in warning_texts(result)


def test_a_wildcard_hosts_string_is_a_list_of_names_not_of_characters():
    blob = "*.blob.core.windows.net"
    checked = check_wildcard_hosts({blob: "mystorage.blob.core.windows.net, Other.blob.core.windows.net"})
    assert checked == {blob: ["mystorage.blob.core.windows.net", "other.blob.core.windows.net"]}
    rows = build("AzureCloud", "eastus", wildcard_hosts=check_wildcard_hosts(
        {blob: "mystorage.blob.core.windows.net"}))
    assert [r["host"] for r in rows if r["pattern"] == blob] == ["mystorage.blob.core.windows.net"]


def test_ipv6_endpoints_are_bracketed_on_the_wire(run, pki, lab):
    """Through a proxy: CONNECT [::1]:port and the URL shown; the proxy routes the literal to its loopback server."""
    server = lab.http(cert=pki.valid)
    proxy = lab.proxy(routes={"[::1]:%d" % server.port: server.address})
    code, result = run(base_args(pki, endpoints=[{"host": "::1", "port": server.port}], fail_on="never",
                                 proxy_url="http://127.0.0.1:%d" % proxy.port))
    assert code == 0, result
    assert proxy.requests[0][:2] == ("CONNECT", "[::1]:%d" % server.port)
    assert proxy.requests[0][2]["host"] == "[::1]:%d" % server.port
    assert result["endpoints"][0]["url"] == "https://[::1]:%d" % server.port
    # The test certificate names no address: the handshake through the tunnel fails on the name, as it should.
    assert (result["endpoints"][0]["failed_stage"], result["endpoints"][0]["failed_reason"]) == (
        "tls", "tls.name_mismatch")


def test_the_module_returns_its_results_when_every_server_trickles(run, pki, lab):
    """30 endpoints on a server that trickles its headers forever, 10 workers: three batches, each cut by its
    stage timeout; every result comes back with its reason (the run fixture's alarm guards against a hang)."""
    server = lab.trickle(head=b"HTTP/1.1 200 OK\r\n", drip=b"X-Slow: 1\r\n", interval=0.05)
    endpoints = [{"host": HOST, "port": server.port, "scheme": "http", "purpose": str(i)} for i in range(30)]
    code, result = run_task(run, base_args(pki, endpoints=endpoints, timeout=0.3, workers=10, fail_on="never"))
    assert code == 0, result
    assert result["deadline"] == 0.6
    assert [e["purpose"] for e in result["endpoints"]] == [str(i) for i in range(30)]
    assert set((e["failed_stage"], e["failed_reason"]) for e in result["endpoints"]) == {("http", "http.timeout")}
    assert result["summary"]["failed"] == 30
