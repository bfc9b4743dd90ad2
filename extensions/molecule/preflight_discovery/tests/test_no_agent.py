"""preflight_discovery: hosts without the agent have no drift section and no drift warning."""

import arclab_verify as v

testinfra_hosts = ["arcpf-disc-disagree", "arcpf-disc-fail"]


def test_no_agent_no_drift(host):
    rep = v.report(v.hostname(host))
    assert "agent_drift" in rep and rep["agent_drift"] is None
    assert "agent_drift.uncovered" not in [w["code"] for w in rep["warnings"]]
    assert host.run("test -e /opt/azcmagent/bin/azcmagent").rc == 1
