"""arc_proxy: what the agent's services see, how azcmagent was called, what the install script gets."""

import json

import pytest
import rolelab as r

PROXY = "http://198.18.2.10:3128"
SERVICES = ["himdsd", "gcad", "gcarcservice", "extd"]
RUNNING = ["himdsd", "gcad", "extd"]  # the stand-ins prepare installs (gcarcservice is the pre-1.62 name)
DROPIN = "/etc/systemd/system/%s.service.d/arcready-proxy.conf"
ENV_FILE = {"arcpx-noagent-deb13": "/etc/default/arc-proxy", "arcpx-agent-deb12": "/etc/default/arc-proxy",
            "arcpx-absent-deb12": "/etc/default/arc-proxy", "arcpx-agentonly-deb11": "/etc/default/arc-proxy"}


@pytest.fixture()
def state(host):
    return host_state(host)


def host_state(host):
    script = ["echo; echo '=== calls'; cat /var/log/arclab-azcmagent-calls.txt 2>/dev/null",
              "echo; echo '=== localconfig'; cat /var/opt/azcmagent/localconfig.json 2>/dev/null",
              "echo; echo '=== envfile'; cat /etc/default/arc-proxy 2>/dev/null"]
    for svc in SERVICES:
        script += ["echo; echo '=== show %s'; systemctl show -p Environment -p LoadState %s.service" % (svc, svc),
                   "echo; echo '=== dropin %s'; cat %s 2>/dev/null" % (svc, DROPIN % svc),
                   "echo; echo '=== running %s'; cat /run/arclab-%s.env 2>/dev/null" % (svc, svc),
                   "echo; echo '=== starts %s'; cat /var/log/arclab-%s-starts.log 2>/dev/null" % (svc, svc)]
    return r.gather(host, "\n".join(script))


def calls(state):
    return [json.loads(line) for line in state["calls"].splitlines() if line.strip()]


def changes(state):
    return [c for c in calls(state) if c[:2] in (["config", "set"], ["config", "clear"])]


def environment(text):
    return dict(line.split("=", 1) for line in text.splitlines() if "=" in line)


def test_agent_with_both_scopes(request):
    host = r.host_named(request, "arcpx-agent-deb12")  # host with the agent, both scopes
    state = host_state(host)
    # azcmagent: exactly one set per property, in the documented form; the idempotence run set nothing.
    assert changes(state) == [["config", "set", "proxy.url", PROXY], ["config", "set", "proxy.bypass", "AAD,Arc"]]
    assert json.loads(state["localconfig"]) == {"proxy.url": PROXY, "proxy.bypass": ["AAD", "Arc"]}
    # It was read before it was set (version check, then config get of both properties).
    assert ["version"] in calls(state) and ["config", "get", "proxy.url"] in calls(state)
    for svc in RUNNING:
        # The unit environment systemd gives the service, and what the running (restarted) service really has.
        show = state["show " + svc]
        assert "HTTPS_PROXY=%s" % PROXY in show and "https_proxy=%s" % PROXY in show, show
        running = environment(state["running " + svc])
        assert running["HTTPS_PROXY"] == PROXY and running["https_proxy"] == PROXY
        no_proxy = running["NO_PROXY"].split(",")
        assert no_proxy == running["no_proxy"].split(",")
        for entry in ("localhost", "127.0.0.1", "169.254.169.254", ".his.arc.azure.com",
                      ".guestconfiguration.azure.com", "login.microsoftonline.com", "login.windows.net",
                      "pas.windows.net"):
            assert entry in no_proxy, (entry, no_proxy)
        assert "management.azure.com" not in no_proxy  # ARM was not bypassed
        # Started by prepare, restarted once by converge, not by the idempotence run.
        assert len(state["starts " + svc].splitlines()) == 2, state["starts " + svc]


def test_agent_scope_only(request):
    host = r.host_named(request, "arcpx-agentonly-deb11")  # host with the agent, agent scope only
    state = host_state(host)
    # The trailing slash of the URL is not the agent's; the survey-style "ARM" string became the list.
    assert changes(state) == [["config", "set", "proxy.url", PROXY], ["config", "set", "proxy.bypass", "ARM"]]
    for svc in SERVICES:
        assert state["dropin " + svc] == ""
        assert "HTTPS_PROXY" not in state["show " + svc]
    for svc in RUNNING:
        assert "HTTPS_PROXY" not in environment(state["running " + svc])
        assert len(state["starts " + svc].splitlines()) == 1  # nothing changed for systemd: no restart
    assert state["envfile"] == ""


def test_no_agent_yet(request):
    host = r.host_named(request, "arcpx-noagent-deb13")  # host without the agent
    state = host_state(host)
    assert calls(state) == []
    for svc in SERVICES:
        # The drop-ins wait for the services, which do not exist yet.
        assert "Environment=\"HTTPS_PROXY=%s\"" % PROXY in state["dropin " + svc]
        assert "LoadState=not-found" in state["show " + svc]
        assert state["starts " + svc] == ""
    env = environment(state["envfile"])
    assert env["HTTPS_PROXY"] == env["https_proxy"] == "'%s'" % PROXY
    assert env["NO_PROXY"] == "'localhost,127.0.0.1,::1,169.254.169.254'"
    # The install script's way to read it: a shell sources it.
    out = host.run("set -a; . /etc/default/arc-proxy; set +a; sh -c 'echo $https_proxy'")
    assert out.stdout.strip() == PROXY


def test_absent(request):
    host = r.host_named(request, "arcpx-absent-deb12")  # host returned to no proxy
    state = host_state(host)
    # prepare's earlier run set both; converge cleared both, once.
    assert changes(state) == [["config", "set", "proxy.url", PROXY], ["config", "set", "proxy.bypass", "ARM"],
                              ["config", "clear", "proxy.url"], ["config", "clear", "proxy.bypass"]]
    assert json.loads(state["localconfig"]) == {}
    assert state["envfile"] == ""
    for svc in SERVICES:
        assert state["dropin " + svc] == ""
        assert "HTTPS_PROXY" not in state["show " + svc]
    for svc in RUNNING:
        assert "HTTPS_PROXY" not in environment(state["running " + svc])
        # Start, restart for the earlier proxy, restart for its removal; none by the idempotence run.
        assert len(state["starts " + svc].splitlines()) == 3, state["starts " + svc]
