"""preflight_discovery: each host's regional HIS host comes from discovery, or from the map when it fails."""

import json

import arclab_verify as v

testinfra_hosts = ["arcpf-disc-agree", "arcpf-disc-disagree", "arcpf-disc-fail"]

MAPPED = "eus.his.arc.azure.com"
# host -> (regional host probed, host_source, what `discovery` says)
EXPECT = {
    "arcpf-disc-agree": (MAPPED, "discovered", "discovered by https://gbl.his.arc.azure.com/discovery?location=eastus"),
    "arcpf-disc-disagree": ("weu.his.arc.azure.com", "discovered", "discovered by https://gbl.his.arc.azure.com/"),
    "arcpf-disc-fail": (MAPPED, "catalogue", "answered HTTP 500"),
}
DISAGREE = ("regional HIS host: discovery returned weu.his.arc.azure.com but the catalogue's shard map says "
            "eus.his.arc.azure.com")


def _regional(name):
    rows = [e for e in v.report(name)["endpoints"] if e.get("host_source") is not None]
    assert len(rows) == 1, rows
    return rows[0]


def test_preflight_passed(host):
    name = v.hostname(host)
    assert v.run()["rc"] == 0, v.run()["stdout"][-3000:]
    assert v.recap(name)["failed"] == 0 and v.recap(name)["unreachable"] == 0


def test_regional_host_and_its_source(host):
    name = v.hostname(host)
    want_host, want_source, said = EXPECT[name]
    row = _regional(name)
    assert (row["host"], row["host_source"], row["catalogue_host"]) == (want_host, want_source, MAPPED)
    assert said in row["discovery"], row["discovery"]
    assert row["probeable"] is True and row["ok"] is True, row
    assert row["pattern"] == "*.his.arc.azure.com"
    assert row["url"] == "https://" + want_host
    assert row["addresses"] == [v.public_lab_address(want_host)]


def test_only_the_regional_row_carries_a_source(host):
    rep = v.report(v.hostname(host))
    sources = [e["host_source"] for e in rep["endpoints"]]
    assert sources.count(None) == len(sources) - 1
    assert [e["host"] for e in rep["endpoints"]].count("gbl.his.arc.azure.com") == 1


def test_the_fallback_says_why(host):
    name = v.hostname(host)
    row = _regional(name)
    assert (row["host_source"] == "catalogue") is (name == "arcpf-disc-fail")
    assert ("host from the catalogue's shard map: the discovery request" in (row["hint"] or "")) is \
        (name == "arcpf-disc-fail"), row["hint"]


def test_the_disagreement_is_warned_once(host):
    # Ansible writes warnings to stderr, and may wrap one over several lines.
    output = " ".join((v.run()["stdout"] + "\n" + v.run()["stderr"]).split())
    assert output.count(DISAGREE) == 1, [line for line in v.run()["stderr"].splitlines() if "WARNING" in line]
    assert (_regional(v.hostname(host))["host"] != MAPPED) is (v.hostname(host) == "arcpf-disc-disagree")


def test_the_host_asked_the_global_host_once(host):
    # The fake service logs nothing per request by default; the report's gbl row and the discovery sentence
    # are the evidence that the request went through the probe's own settings (same resolve).
    rep = v.report(v.hostname(host))
    gbl = [e for e in rep["endpoints"] if e["host"] == "gbl.his.arc.azure.com"][0]
    assert gbl["ok"] is True
    lab = v.lab()
    want = {"arcpf-disc-agree": lab["hosts"]["gbl.his.arc.azure.com"]["public"],
            "arcpf-disc-disagree": lab["discovery"]["addresses"]["disagree"],
            "arcpf-disc-fail": lab["discovery"]["addresses"]["fail"]}[v.hostname(host)]
    assert gbl["addresses"] == [want], json.dumps(gbl)
