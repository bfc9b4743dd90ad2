"""arc_firewall in service_tags mode: endpoints inside the Arc tags of the newest Service Tags file are reachable,
the others are blocked, SSH still gets in, and the rules carry the newest file (the second verify runs after
side_effect dropped a newer file with other ranges)."""

import glob
import ipaddress
import json
import os

import pytest
import rolelab as r

# The tags Microsoft's Arc network requirements name for AzureCloud (no wac scenario here): the role's default.
ARC_TAGS = {"AzureActiveDirectory", "AzureTrafficManager", "AzureResourceManager", "AzureArcInfrastructure", "Storage"}
# Since April 2026 also AzureFrontDoor.Frontend (a dotted global tag, not a regional variant).
ARC_GLOBAL_DOTTED = {"AzureFrontDoor.Frontend"}


def _files():
    pattern = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "service_tags", "ServiceTags_Public_*.json")
    # Named ServiceTags_Public_YYYYMMDD.json: the name sorts by date, and the role reads the newest.
    files = sorted(glob.glob(pattern))
    assert files, "prepare wrote no Service Tags file into %s" % pattern
    return files


def _load(path):
    with open(path) as stream:
        return json.load(stream)


def _arc_networks(doc):
    return [ipaddress.ip_network(p) for v in doc["values"]
            if v["name"].split(".")[0] in ARC_TAGS or v["name"] in ARC_GLOBAL_DOTTED
            for p in v["properties"]["addressPrefixes"]]


def _expected(doc):
    """{address: True when inside the Arc tags} for every lab endpoint."""
    nets = _arc_networks(doc)
    return dict((h["public"], any(ipaddress.ip_address(h["public"]) in n for n in nets))
                for h in r.lab()["hosts"].values())


@pytest.fixture(scope="module")
def newest():
    return _load(_files()[-1])


@pytest.fixture()
def reach(host):
    targets = sorted("%s:443" % a for a in _expected(_load(_files()[-1])))
    out = r.gather(host, r.connect_section(targets, "reach"))["reach"]
    return dict((target.rsplit(":", 1)[0], result) for target, result in r.connected(out).items())


@pytest.fixture()
def state(host):
    return r.gather(host, "\n".join([
        "echo; echo '=== nft'; nft list table inet arcready_egress 2>&1",
        "echo; echo '=== nftfile'; head -8 /etc/arcready/egress.nft 2>&1",
        "echo; echo '=== ipset'; cat /etc/firewalld/ipsets/arcready-egress-v4.xml 2>&1",
        "echo; echo '=== fwdipset'; firewall-cmd --ipset=arcready-egress-v4 --get-entries 2>&1",
        "echo; echo '=== policy'; firewall-cmd --info-policy arcready-egress 2>&1",
        "echo; echo '=== ufw'; LC_ALL=C ufw show added 2>&1",
    ]))


def test_the_files_split_the_lab_endpoints(newest):
    """Else "reachable inside, blocked outside" would prove nothing."""
    expected = _expected(newest)
    assert sum(expected.values()) >= 3 and len(expected) - sum(expected.values()) >= 3, expected


def test_endpoints_inside_the_tags_are_reachable(reach, newest):
    inside = [a for a, wanted in _expected(newest).items() if wanted]
    assert inside
    assert dict((a, reach[a]) for a in inside) == dict((a, "open") for a in inside)


def test_endpoints_outside_the_tags_are_blocked(reach, newest):
    outside = [a for a, wanted in _expected(newest).items() if not wanted]
    assert outside
    assert [a for a in outside if not reach[a].startswith("blocked")] == [], reach


def test_the_rules_are_those_of_the_newest_file(host, state, newest):
    name = r.hostname(host)
    change = newest["changeNumber"]
    inside = sorted(a for a, wanted in _expected(newest).items() if wanted)
    if name.startswith("arcst-nft"):
        assert "changeNumber %d" % change in state["nftfile"], state["nftfile"]
        assert "set arc_service_tags_v4" in state["nft"] and "flags interval" in state["nft"]
        assert "ip daddr @arc_service_tags_v4 tcp dport 443 accept" in state["nft"]
        assert "policy drop;" in state["nft"]
        for address in inside:
            assert address in state["nft"], (address, state["nft"])
    elif name.startswith("arcst-fwd"):
        assert "changeNumber %d" % change in state["ipset"], state["ipset"]
        assert 'destination ipset="arcready-egress-v4"' in state["policy"], state["policy"]
        entries = state["fwdipset"].split()
        for address in inside:
            assert address + "/32" in entries or address in entries, (address, entries)
    else:
        ours = [line for line in state["ufw"].splitlines() if "arcready-egress" in line]
        for address in inside:
            assert [line for line in ours if "to %s port 443" % address in line], (address, ours)


def test_a_newer_file_moved_endpoints(newest):
    """After side_effect: what the newer file dropped is blocked now, what it added is open (the tests above)."""
    files = _files()
    if len(files) < 2:
        # First verify (before side_effect): this test must run again after it, or it would never check.
        sequence = r.scenario()["test_sequence"]
        assert len(files) == 1 and "side_effect" in sequence[sequence.index("verify"):], (files, sequence)
    else:
        old, new = _expected(_load(files[-2])), _expected(newest)
        assert [a for a in old if old[a] and not new[a]] and [a for a in old if new[a] and not old[a]], (old, new)


def test_ssh_still_gets_in(host):
    out = r.ssh_echo(host)
    assert out.returncode == 0 and out.stdout.strip() == b"in", out.stderr
