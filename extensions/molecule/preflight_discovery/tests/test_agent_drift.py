"""preflight_discovery: where the agent is installed, its own check is compared with the catalogue."""

import json

import arclab_verify as v

testinfra_hosts = ["arcpf-disc-agree"]

EXTRA = "newservice.arclab.invalid"


def test_the_agent_check_ran_read_only(host):
    calls = [json.loads(line) for line in host.run("cat /var/log/arclab-azcmagent-calls.txt").stdout.splitlines()]
    assert ["check", "--location", "eastus", "--cloud", "AzureCloud", "--json"] in calls
    assert not [c for c in calls if c[:2] in (["config", "set"], ["config", "clear"])]


def test_the_drift_is_reported_both_ways(host):
    drift = v.report(v.hostname(host))["agent_drift"]
    assert drift["error"] is None and drift["source"] == "json" and drift["rc"] == 0
    assert drift["agent_only"] == [EXTRA]
    assert drift["uncovered"] == [EXTRA]
    assert {"gbl.his.arc.azure.com", "eus.his.arc.azure.com", "management.azure.com"} <= set(drift["both"])
    assert "eastus.login.microsoft.com" in drift["catalogue_only"]
    assert drift["agent"] == "/opt/azcmagent/bin/azcmagent"


def test_uncovered_is_a_warning(host):
    rep = v.report(v.hostname(host))
    codes = [w["code"] for w in rep["warnings"]]
    assert codes.count("agent_drift.uncovered") == 1
    # Said once for the fleet by the report task (an Ansible warning), not once per host.
    output = " ".join((v.run()["stdout"] + v.run()["stderr"]).split())
    assert output.count("azcmagent check tests %s, which no catalogue endpoint covers" % EXTRA) == 1, output[-2000:]
