"""arc_firewall: the Arc endpoints are reachable, what is not allowed is blocked, SSH still gets in."""

import json

import pytest
import rolelab as r


def _vars(host):
    return r.host_vars(host)


@pytest.fixture()
def state(host):
    script = [
        r.connect_section(_vars(host)["arclab_allowed"] + _vars(host)["arclab_blocked"]),
        "echo; echo '=== nft'; nft list ruleset 2>&1",
        "echo; echo '=== firewalld'; firewall-cmd --info-policy arcready-egress 2>&1",
        "echo; echo '=== ufw'; LC_ALL=C ufw status verbose 2>&1",
        "echo; echo '=== iptables'; iptables -w -S 2>&1",
        "echo; echo '=== ip6tables'; ip6tables -w -S 2>&1",
        "echo; echo '=== unit'; systemctl is-enabled arcready-egress.service 2>&1",
    ]
    return r.gather(host, "\n".join(script))


def test_the_probe_reaches_the_lab_endpoints(host):
    lab = r.lab()
    scenarios = _vars(host).get("arc_firewall_scenarios", [])
    args = {"cloud": lab["cloud"], "region": lab["region"], "scenarios": scenarios, "timeout": 3,
            "expected_issuers": [lab["ca"]["issuer_org"]], "fail_on": "never", "proxy_url": "none"}
    result = host.ansible("arcready.network.probe", json.dumps(args), check=False)
    assert "endpoints" in result, result
    probed = [e for e in result["endpoints"] if e["probeable"]]
    assert probed and all(e["ok"] for e in probed), [(e["url"], e["error"]) for e in probed if not e["ok"]]
    if "esu" in scenarios:
        assert [e for e in probed if e["port"] == 80 and e["ok"]]


def test_allowed_targets_are_reachable(host, state):
    reach = r.connected(state["connect"])
    allowed = _vars(host)["arclab_allowed"]
    # The Arc endpoints themselves are checked by the probe test above; extra allowed targets are optional, but
    # each host must have some target checked here or by the blocked test.
    assert allowed or _vars(host)["arclab_blocked"], "host_vars/%s.yml lists no target to connect to" % r.hostname(host)
    for target in allowed:
        assert reach[target] == "open", (target, reach[target])


def test_other_targets_are_blocked(host, state):
    reach = r.connected(state["connect"])
    blocked = _vars(host)["arclab_blocked"]
    # Only the host left without default-deny blocks nothing; every other one must have targets to check.
    assert bool(blocked) == bool(_vars(host).get("arc_firewall_default_deny_outbound")), blocked
    for target in blocked:
        assert reach[target].startswith("blocked"), (target, reach[target])


# The hosts converge reaches over SSH (the others are podman-only): SSH must still get in after the role.
SSH_HOSTS = sorted(name for name in r.platforms() if r.host_vars_of(name).get("arclab_ssh"))


def test_the_scenario_has_ssh_hosts():
    assert SSH_HOSTS, "no platform has arclab_ssh: true, so test_ssh_still_gets_in would check nothing"


@pytest.mark.parametrize("name", SSH_HOSTS)
def test_ssh_still_gets_in(request, name):
    out = r.ssh_echo(r.host_named(request, name))
    assert out.returncode == 0 and out.stdout.strip() == b"in", out.stderr


def test_backend_rules(host, state):
    name = r.hostname(host)
    if name == "arcfw-nft-deb13":
        nft = state["nft"]
        assert "table inet arcready_egress" in nft and "policy drop;" in nft
        assert "ip daddr 198.18.2.10 tcp dport 3128 accept" in nft
        assert "tcp dport 443 accept" in nft
        assert state["unit"] == "enabled"
    elif name == "arcfw-fwd-deb12":
        policy = state["firewalld"]
        assert "target: REJECT" in policy and "egress-zones: ANY" in policy and "ingress-zones: HOST" in policy
        assert 'rule family="ipv4" destination address="198.18.1.0/24" port port="443" protocol="tcp" accept' in policy
        assert "arcready_egress" not in state["nft"]
    elif name == "arcfw-ufw-deb12":
        ufw = state["ufw"]
        assert "Status: active" in ufw and "deny (outgoing)" in ufw and "deny (incoming)" in ufw
        assert "443/tcp                    ALLOW OUT   Anywhere                   # arcready-egress: Azure Arc endpoints" in ufw
    elif name == "arcfw-ipt-deb11":
        ipt = state["iptables"]
        assert "-P OUTPUT DROP" in ipt and "-A OUTPUT -j ARCREADY-EGRESS" in ipt
        assert "-A ARCREADY-EGRESS -d 198.18.1.0/24 -p tcp -m tcp --dport 80" in ipt
        assert "-P OUTPUT DROP" in state["ip6tables"]
        assert "arcready_egress" not in state["nft"]
        assert state["unit"] == "enabled"
    else:
        # No default deny: our table accepts and changes no policy; nothing else was added.
        nft = state["nft"]
        assert "table inet arcready_egress" in nft and "policy accept;" in nft and "policy drop" not in nft
        assert nft.count("table ") == 1
