"""preflight_direct: every catalogue endpoint is reachable directly; the preflight passes."""

import pytest

import arclab_verify as v
import catalogue_expect as ce

SCENARIOS = {
    "arcpf-direct-deb11": ([], "install"),
    "arcpf-direct-deb12": (["esu", "sql", "telemetry"], "install"),
    "arcpf-direct-deb13": (["esu"], "run"),
}


def test_preflight_passed(host):
    name = v.hostname(host)
    assert v.run()["rc"] == 0, v.run()["stdout"][-3000:]
    assert v.recap(name)["failed"] == 0
    assert v.recap(name)["unreachable"] == 0


def test_report_shape(host):
    v.assert_report_shape(v.report(v.hostname(host)))


def test_report_covers_the_catalogue(host):
    name = v.hostname(host)
    scenarios, stage = SCENARIOS[name]
    rep = v.report(name)
    expected = ce.expected(v.lab(), scenarios=scenarios, stage=stage)
    got = dict(((e["host"], e["port"]), e) for e in rep["endpoints"])
    assert sorted(got) == sorted(expected)
    for key, want in expected.items():
        assert got[key]["required"] is want["required"], key
        assert got[key]["probeable"] is want["probeable"], key
        assert got[key]["scheme"] == want["scheme"], key


def test_every_endpoint_ok_field_by_field(host):
    lab = v.lab()
    rep = v.report(v.hostname(host))
    assert rep["summary"]["failed"] == 0
    assert rep["summary"]["required_failed"] == 0
    assert rep["summary"]["ok"] == len(v.probed(rep)) > 0
    assert rep["proxy"] is None
    for ep in v.probed(rep):
        v.assert_ok_direct(ep, lab["ca"]["issuer_cn"])
        assert ep["addresses"] == [lab["hosts"][ep["host"]]["public"]], ep["url"]
        assert v.in_net(ep["addresses"][0], lab["networks"]["public"]["subnet"])
        assert ep["private"] is False, ep["url"]


@pytest.mark.parametrize("name", sorted(n for n, (scenarios, _stage) in SCENARIOS.items() if "esu" in scenarios))
def test_esu_http_endpoint(name):
    ep = v.by_host(v.report(v.platform(name)))[("www.microsoft.com", 80)]
    assert ep["scheme"] == "http" and ep["url"] == "http://www.microsoft.com/pkiops/certs"
    assert ep["ok"] and ep["http_status"] == 200 and ep["tls_version"] is None


def test_table_lists_every_endpoint(host):
    rep = v.report(v.hostname(host))
    lines = rep["table"].splitlines()
    assert lines[0].split("|")[0].strip() == "ENDPOINT"
    assert len(lines) == 1 + len(rep["endpoints"])
    for ep in v.probed(rep):
        assert any(line.startswith(ep["url"]) and "| true" in line for line in lines), ep["url"]


def test_fleet_report_lists_the_host(host):
    fleet = v.fleet()
    assert v.hostname(host) in str(fleet.get("hosts"))


def test_names_resolve_to_the_fake_service_on_the_host(host):
    # The host itself maps each catalogue name (from the lookup) to the lab's address.
    lab = v.lab()
    hosts_file = host.run("cat /etc/hosts").stdout  # one ansible run; host.file() costs several
    for name in ("management.azure.com", "gbl.his.arc.azure.com", "guestnotificationservice.azure.com"):
        assert "%s %s" % (lab["hosts"][name]["public"], name) in hosts_file
