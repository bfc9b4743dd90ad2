# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""arc_firewall in service_tags mode, evaluated without hosts with Ansible's templar and the role's own defaults,
vars and task expressions: when the mode is on, what the lookup task keeps, the rule list per backend (sets for
nftables and firewalld, one rule per prefix for iptables and ufw), the rendered nftables file (checked with
`nft -c` in a throwaway network namespace when that is possible) and the Windows chunks."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import shutil
import subprocess

import pytest
import yaml

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from templating import find_task, set_fact_values, trusted as _trust

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
ROLE = os.path.join(REPO, "roles", "arc_firewall")
FIXTURE = os.path.join(REPO, "tests", "data", "service_tags", "ServiceTags_Public_20260105.json")


def _yaml(*parts):
    with open(os.path.join(ROLE, *parts)) as stream:
        return yaml.safe_load(stream)


def templar(**overrides):
    variables = {"arc_scenarios": [], "ansible_facts": {"dns": {"nameservers": ["192.0.2.53"]}}}
    variables.update(_yaml("defaults", "main.yml"))
    variables.update(_yaml("vars", "main.yml"))
    variables.update(overrides)
    return Templar(loader=DataLoader(), variables=_trust(variables))


def set_fact(tmpl, tasks, name):
    return set_fact_values(tmpl, find_task(tasks, name))


def read_tags(**overrides):
    overrides.setdefault("arc_firewall_service_tags_path", FIXTURE)
    tmpl = templar(arc_firewall_destinations="service_tags", **overrides)
    facts = set_fact(tmpl, _yaml("tasks", "service_tags.yml"), "Read the Service Tags file once for the play")
    (key, result), = facts["__arc_firewall_service_tags_cache"].items()
    assert key == tmpl.template(_trust("{{ __arc_firewall_service_tags_key }}"))
    return tmpl, result


def rules(backend, **overrides):
    tmpl, result = read_tags(**overrides)
    tmpl = Templar(loader=DataLoader(), variables=dict(
        tmpl.available_variables, __arc_firewall_service_tags_result=result, __arc_firewall_backend_used=backend,
        __arc_firewall_dns=["192.0.2.53"], __arc_firewall_proxy_addresses=[], __arc_firewall_proxy_port=0))
    built = set_fact(tmpl, _yaml("tasks", "linux", "rules.yml"), "Build the rule list")["__arc_firewall_rules"]
    return tmpl, result, built


@pytest.mark.parametrize("value, mode", [
    ("service_tags", True), (["service_tags"], True), (" Service_Tags ", True), ("service_tags,", True),
    ([], False), ("192.0.2.0/24", False), (["service_tags", "192.0.2.0/24"], False),
])
def test_the_mode_is_the_single_word(value, mode):
    assert templar(arc_firewall_destinations=value).template(
        _trust("{{ __arc_firewall_service_tags_mode }}")) is mode


def test_the_lookup_result_is_kept_small_and_split_by_family():
    dummy, result = read_tags()
    assert result["change_number"] == 400 and result["source"] == FIXTURE
    assert result["v4"] and result["v6"]
    assert result["prefixes"] == result["v4"] + result["v6"]
    assert all(":" not in p for p in result["v4"]) and all(":" in p for p in result["v6"])


def test_options_reach_the_lookup():
    dummy, default = read_tags()
    dummy, one_tag = read_tags(arc_firewall_service_tags="AzureTrafficManager")
    assert set(one_tag["prefixes"]) < set(default["prefixes"]) and one_tag["prefixes"]


def test_nftables_and_firewalld_match_sets_one_rule_per_family_and_port():
    for backend in ("nftables", "firewalld"):
        dummy, result, built = rules(backend)
        tagged = [r for r in built if r.get("set")]
        assert [(r["family"], r["dest"], r["port"]) for r in tagged] == [("ipv4", "v4", 443), ("ipv6", "v6", 443)]
        assert not [r for r in built if r["why"] == "Azure Arc endpoints"]


def test_iptables_and_ufw_get_one_rule_per_prefix():
    for backend in ("iptables", "ufw"):
        dummy, result, built = rules(backend, arc_firewall_scenarios=["esu"])
        arc = [r for r in built if r["why"] == "Azure Arc endpoints"]
        assert len(arc) == 2 * len(result["prefixes"])
        assert not [r for r in built if r.get("set")]
        assert not [r for r in arc if r["dest"] == "any"]


@pytest.mark.integration  # needs root or an ansible-playbook subprocess
def test_the_nftables_file_has_interval_sets_in_the_same_transaction_as_the_rules():
    tmpl, result, built = rules("nftables", arc_firewall_default_deny_outbound=True)
    tmpl = Templar(loader=DataLoader(), variables=dict(tmpl.available_variables, __arc_firewall_rules=built))
    with open(os.path.join(ROLE, "templates", "egress.nft.j2")) as stream:
        text = tmpl.template(_trust(stream.read()))
    # One file: declare, delete, redefine, with the sets inside the redefined table.
    head = text.index("delete table inet arcready_egress")
    assert text.index("set arc_service_tags_v4 {") > head and text.index("chain output {") > head
    assert "flags interval" in text and "changeNumber 400" in text
    assert "ip daddr @arc_service_tags_v4 tcp dport 443 accept" in text
    assert "ip6 daddr @arc_service_tags_v6 tcp dport 443 accept" in text
    for prefix in result["prefixes"]:
        assert "\t\t\t%s" % prefix in text
    if os.geteuid() != 0 or not shutil.which("nft") or not shutil.which("unshare"):
        pytest.skip("nft -c needs root, nft and unshare")
    check = subprocess.run(["unshare", "--net", "nft", "-c", "-f", "-"], input=text.encode(),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert check.returncode == 0, check.stderr.decode()


def test_windows_rules_get_the_prefixes_in_chunks():
    tmpl, result = read_tags()
    tasks = _yaml("tasks", "windows.yml")
    tmpl = Templar(loader=DataLoader(), variables=dict(tmpl.available_variables,
                                                       __arc_firewall_service_tags_result=result))
    names = set_fact(tmpl, tasks, "Name the rules of the Windows branch")
    tmpl = Templar(loader=DataLoader(), variables=dict(tmpl.available_variables, **names))
    win = set_fact(tmpl, tasks, "Work out the rules")["__arc_firewall_windows_rules"]
    assert len(win) == 1 and win[0]["remote"] != "any"
    assert sorted(win[0]["remote"].split(",")) == sorted(result["prefixes"])


def test_gov_rules_take_the_public_file_given_to_the_role():
    gov = os.path.join(REPO, "tests", "data", "service_tags", "ServiceTags_AzureGovernment_20260105.json")
    dummy, alone = read_tags(arc_firewall_cloud="AzureUSGovernment", arc_firewall_service_tags_path=gov)
    dummy, both = read_tags(arc_firewall_cloud="AzureUSGovernment", arc_firewall_service_tags_path=gov,
                            arc_firewall_service_tags_public_path=FIXTURE)
    # The public AzureArcInfrastructure ranges (203.0.113.0/27, 203.0.113.40/29, 2001:db8:d::/48) are added.
    assert set(both["prefixes"]) - set(alone["prefixes"]) >= {"203.0.113.40/29", "2001:db8:d::/48"}


def test_the_file_is_read_by_the_first_host_and_taken_by_the_others():
    tasks = _yaml("tasks", "service_tags.yml")
    first = find_task(tasks, "Read the Service Tags file once for the play")
    take = find_task(tasks, "Take this host's prefixes")
    own = find_task(tasks, "Read this host's own file (its options differ from the first host's)")
    assert first.get("run_once") is True
    # Only the host whose options are not in the cache reads; the others only index the cache.
    assert "__arc_firewall_service_tags_read" not in str(take["ansible.builtin.set_fact"])
    assert " not in " not in take["when"]
    assert own["when"] == take["when"].replace(" in ", " not in ")
