"""preflight_private_link: private-capable names on private endpoints (private=true), or still public (failed)."""

import arclab_verify as v
import catalogue_expect as ce

PL, PUBLIC_DNS = "arcpf-pl", "arcpf-pl-public-dns"


def test_report_shape(host):
    v.assert_report_shape(v.report(v.hostname(host)))


def test_private_link_host_ok_with_private_addresses():
    v.platform(PL)
    lab = v.lab()
    rep = v.report(PL)
    assert v.recap(PL)["failed"] == 0
    assert rep["summary"]["failed"] == 0
    capable = [e for e in v.probed(rep) if lab["hosts"][e["host"]]["private_capable"]]
    assert sorted(e["host"] for e in capable) == sorted(
        ["gbl.his.arc.azure.com", "eus.his.arc.azure.com", "agentserviceapi.guestconfiguration.azure.com",
         "eastus-gas.guestconfiguration.azure.com"])
    for ep in v.probed(rep):
        v.assert_ok_direct(ep, lab["ca"]["issuer_cn"])
        entry = lab["hosts"][ep["host"]]
        if entry["private_capable"]:
            assert ep["private"] is True, ep["url"]
            assert ep["addresses"] == [entry["private"]]
            assert v.in_net(ep["addresses"][0], lab["networks"]["private"]["subnet"])
        else:
            # Entra ID, ARM and the rest stay public with private link.
            assert ep["private"] is False, ep["url"]
            assert ep["addresses"] == [entry["public"]]
    for line in rep["table"].splitlines():
        if line.startswith("https://gbl.his.arc.azure.com "):
            assert "| true " in line and line.split("|")[2].strip() == "true", line


def test_blob_storage_not_required_with_private_link(host):
    rep = v.report(v.hostname(host))
    expected = ce.expected(v.lab(), private_link=True)
    got = dict(((e["host"], e["port"]), e) for e in rep["endpoints"])
    assert sorted(got) == sorted(expected)
    blob = [e for e in rep["endpoints"] if e["host"] == "*.blob.core.windows.net"]
    assert blob and blob[0]["required"] is False and blob[0]["probeable"] is False


def test_public_dns_fails_at_the_private_link_stage():
    v.platform(PUBLIC_DNS)
    lab = v.lab()
    rep = v.report(PUBLIC_DNS)
    failing = []
    for ep in v.probed(rep):
        entry = lab["hosts"][ep["host"]]
        if entry["private_capable"]:
            failing.append(ep["host"])
            assert ep["ok"] is False
            assert ep["failed_stage"] == "private_link", ep["url"]
            assert ep["private"] is False and ep["addresses"] == [entry["public"]]
            assert "public address %s" % entry["public"] in ep["error"], ep["error"]
            assert "private" in ep["error"] and "DNS" in ep["error"], ep["error"]
        else:
            assert ep["ok"] is True, ep["url"]
    assert len(failing) == 4
    v.assert_host_failed_for_required(PUBLIC_DNS, failing)


def test_host_sees_the_private_endpoint_addresses(host):
    lab = v.lab()
    hosts_file = host.run("cat /etc/hosts").stdout  # one ansible run; host.file() costs several
    entry = lab["hosts"]["gbl.his.arc.azure.com"]
    want = entry["private"] if v.hostname(host) == PL else entry["public"]
    assert "%s gbl.his.arc.azure.com" % want in hosts_file
