"""preflight_dropped: nftables in the host drops egress to some endpoints; the preflight fails the host."""

import arclab_verify as v

NAME = "arcpf-dropped"
DROPPED_REQUIRED = ("management.azure.com", "eus.his.arc.azure.com")
DROPPED_OPTIONAL = ("dc.services.visualstudio.com",)
DROPPED = DROPPED_REQUIRED + DROPPED_OPTIONAL


def test_preflight_failed_the_host_because_required_endpoints_failed(host):
    v.assert_host_failed_for_required(NAME, DROPPED_REQUIRED)
    # The optional telemetry host failed too, but it is not what failed the host.
    summary = v.report(NAME)["summary"]
    assert summary["required_failed"] == len(DROPPED_REQUIRED)
    assert summary["failed"] == len(DROPPED)


def test_report_shape(host):
    v.assert_report_shape(v.report(NAME))


def test_dropped_endpoints_reported_as_tcp_timeouts(host):
    lab = v.lab()
    endpoints = v.by_host(v.report(NAME))
    for name in DROPPED:
        ep = endpoints[(name, 443)]
        address = lab["hosts"][name]["public"]
        assert ep["ok"] is False, name
        assert ep["failed_stage"] == "tcp", name
        assert "timed out" in ep["error"] and "%s:443" % address in ep["error"], ep["error"]
        assert "firewall" in ep["error"], ep["error"]
        # DNS worked: the name resolved to the lab's public address, so the failure is the drop itself.
        assert ep["addresses"] == [address]
        assert ep["private"] is False
        assert ep["tls_version"] is None and ep["http_status"] is None and ep["cert_issuer"] is None
        assert ep["tls_inspection"] is False and ep["proxy"] is None
        assert "tcp" not in ep["latency_ms"] and "tls" not in ep["latency_ms"]
    assert endpoints[("dc.services.visualstudio.com", 443)]["required"] is False
    for name in DROPPED_REQUIRED:
        assert endpoints[(name, 443)]["required"] is True


def test_other_endpoints_still_ok(host):
    lab = v.lab()
    others = [e for e in v.probed(v.report(NAME)) if e["host"] not in DROPPED]
    assert len(others) >= 8
    for ep in others:
        v.assert_ok_direct(ep, lab["ca"]["issuer_cn"])


def test_table_marks_the_dropped_endpoints(host):
    table = v.report(NAME)["table"]
    for name in DROPPED:
        line = [ln for ln in table.splitlines() if ln.startswith("https://%s " % name)][0]
        assert "false (tcp." in line, line


def test_the_drop_is_in_the_host_firewall(host):
    lab = v.lab()
    ruleset = host.run("nft list table inet arclab").stdout
    for name in DROPPED:
        assert "ip daddr %s drop" % lab["hosts"][name]["public"] in ruleset
