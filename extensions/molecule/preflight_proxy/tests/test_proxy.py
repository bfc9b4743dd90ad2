"""preflight_proxy: proxy-only hosts; ok through tinyproxy (proxy reported), basic-auth proxy with/without creds."""

import json

import pytest

import arclab_verify as v

PLAIN, AUTH, NOAUTH = "arcpf-proxy", "arcpf-proxy-auth", "arcpf-proxy-noauth"


def _proxy_display(url, creds=False):
    return url.replace("http://", "http://********@") if creds else url


def test_report_shape(host):
    v.assert_report_shape(v.report(v.hostname(host)))


def test_recap(host):
    name = v.hostname(host)
    assert v.recap(name)["unreachable"] == 0
    assert v.recap(name)["failed"] == (1 if name == NOAUTH else 0)


@pytest.mark.parametrize("name", [PLAIN, AUTH])
def test_ok_through_the_proxy_field_by_field(name):
    v.platform(name)
    lab = v.lab()
    rep = v.report(name)
    want = _proxy_display(lab["proxies"]["plain" if name == PLAIN else "auth"], creds=(name == AUTH))
    assert rep["proxy"] == want
    assert rep["summary"]["failed"] == 0 and rep["summary"]["ok"] == len(v.probed(rep))
    assert ("www.microsoft.com", 80) in v.by_host(rep)
    for ep in v.probed(rep):
        where = ep["url"]
        assert ep["ok"] is True, "%s: %s" % (where, ep["error"])
        assert ep["failed_stage"] is None and ep["error"] is None
        assert ep["proxy"] == want, where
        # No DNS for Azure names on a proxy-only host: the proxy resolves them.
        assert ep["addresses"] == [] and ep["private"] is None, where
        assert ep["http_status"] == 200, where
        assert ep["tls_inspection"] is False, where
        if ep["scheme"] == "https":
            assert ep["tls_version"] in ("TLSv1.2", "TLSv1.3"), where
            assert lab["ca"]["issuer_cn"] in ep["cert_issuer"], where
            assert "proxy" in ep["latency_ms"], where
    for line in rep["table"].splitlines()[1:]:
        if "not probed" not in line:
            assert line.rstrip().endswith("| used"), line


def test_credentials_are_redacted_and_warned_about():
    name = v.platform(AUTH)
    lab = v.lab()
    password = lab["proxies"]["auth_credentials"]["password"]
    rep = v.report(name)
    assert password not in json.dumps(rep)
    assert password not in json.dumps(v.fleet())
    assert password not in v.run()["stdout"]
    assert "proxy.credentials" in [w["code"] for w in rep["warnings"]], rep["warnings"]


def test_without_credentials_the_proxy_stage_fails_with_407():
    name = v.platform(NOAUTH)
    lab = v.lab()
    rep = v.report(name)
    assert rep["proxy"] == lab["proxies"]["auth"]
    failing = v.probed(rep)
    assert failing and rep["summary"]["ok"] == 0
    for ep in failing:
        assert ep["ok"] is False
        assert ep["failed_stage"] == "proxy", ep["url"]
        assert "407" in ep["error"] and lab["proxies"]["auth"] in ep["error"], ep["error"]
    v.assert_host_failed_for_required(name, ["management.azure.com"])


def test_direct_egress_is_really_blocked(host):
    # Without the proxy the host reaches nothing: no Azure names in /etc/hosts, and its firewall only lets
    # the proxy port out (one command on the host: each costs an ansible run).
    lab = v.lab()
    address = lab["hosts"]["management.azure.com"]["public"]
    cmd = host.run("grep -c management.azure.com /etc/hosts; "
                   "timeout 1 bash -c 'exec 3<>/dev/tcp/%s/443' 2>/dev/null && echo open || echo blocked" % address)
    assert cmd.stdout.split() == ["0", "blocked"], cmd.stdout
