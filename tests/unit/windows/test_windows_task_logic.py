# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The controller-side logic of the Windows task files, evaluated with Ansible's templar and the roles' own
defaults and vars: which firewall rules arc_firewall makes (chunks of at most 1000 merged prefixes, the proxy
rule, 'any' without destinations), and which machine-level variables arc_proxy sets. The Windows modules these
feed (win_firewall_rule, win_environment) cannot run here; what they receive can be checked."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os

import pytest
import yaml

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from templating import find_task, set_fact_values, trusted as _trust

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))


def _yaml(*parts):
    path = os.path.join(REPO, *parts)
    assert os.path.exists(path), "%s is missing" % os.path.join(*parts)
    with open(path) as stream:
        return yaml.safe_load(stream) or {}


def _task(role, name):
    return find_task(_yaml("roles", role, "tasks", "windows.yml"), name, "roles/%s/tasks/windows.yml" % role)


def role_templar(role, **overrides):
    """A templar with the role's defaults, vars/main.yml and the given variables (strings are templates)."""
    variables = {}
    variables.update(_yaml("roles", role, "defaults", "main.yml"))
    variables.update(_yaml("roles", role, "vars", "main.yml"))
    variables.update(overrides)
    return Templar(loader=DataLoader(), variables=_trust(variables))


def set_fact(templar, role, name):
    """Run a set_fact task of the role's windows.yml: returns the facts it would set."""
    return set_fact_values(templar, _task(role, name))


def firewall_rules(**overrides):
    overrides.setdefault("arc_scenarios", [])
    templar = role_templar("arc_firewall", **overrides)
    names = set_fact(templar, "arc_firewall", "Name the rules of the Windows branch")
    templar = Templar(loader=DataLoader(), variables=dict(templar.available_variables, **names))
    return set_fact(templar, "arc_firewall", "Work out the rules")["__arc_firewall_windows_rules"]


def test_no_destination_means_any_with_the_catalogue_ports():
    rules = firewall_rules()
    assert rules == [{"name": "Azure Arc outbound 1", "ports": "443", "remote": "any", "count": 1}]
    esu = firewall_rules(arc_firewall_scenarios=["esu"])
    assert esu[0]["ports"] == "80,443"


def test_destinations_are_merged_and_split_into_rules_of_at_most_1000():
    prefixes = [str(ipaddress.ip_address("10.0.0.0") + 2 * i) for i in range(2300)]
    prefixes += ["192.0.2.0/25", "192.0.2.128/25"]
    rules = firewall_rules(arc_firewall_destinations=prefixes)
    assert [r["name"] for r in rules] == ["Azure Arc outbound 1", "Azure Arc outbound 2", "Azure Arc outbound 3"]
    assert [r["count"] for r in rules] == [1000, 1000, 301]
    assert all(len(r["remote"].split(",")) <= 1000 for r in rules)
    assert rules[-1]["remote"].endswith("192.0.2.0/24")


def test_comma_separated_destinations_from_a_survey():
    rules = firewall_rules(arc_firewall_destinations="10.0.0.0/24, 10.0.1.0/24")
    assert [r["remote"] for r in rules] == ["10.0.0.0/23"]


def test_the_proxy_gets_its_own_rule():
    rules = firewall_rules(arc_firewall_proxy_url="http://proxy.corp.example:3128",
                           __arc_firewall_windows_proxy_lookup={"output": [["192.0.2.10", "2001:db8::10"]]})
    assert rules[-1] == {"name": "Azure Arc outbound proxy", "ports": "3128",
                         "remote": "192.0.2.10/32,2001:db8::10/128", "count": 2}
    unresolved = firewall_rules(arc_firewall_proxy_url="http://proxy.corp.example",
                                __arc_firewall_windows_proxy_lookup={"output": [[]]})
    assert unresolved[-1]["remote"] == "" and unresolved[-1]["ports"] == "80"


def test_absent_makes_no_rule_so_every_rule_of_the_group_goes():
    assert firewall_rules(arc_firewall_state="absent") == []


def test_proxy_environment_on_windows():
    templar = role_templar("arc_proxy", arc_proxy_url="http://proxy.corp.example:3128", arc_proxy_bypass="Arc",
                           arc_cloud="AzureCloud", arc_region="westeurope")
    task = _task("arc_proxy", "Configure the machine-level environment the agent's services read")["block"][0]
    items = templar.template(_trust(task["loop"]))
    values = dict((i["key"], i["value"]) for i in items)
    assert sorted(values) == ["HTTPS_PROXY", "NO_PROXY"]
    assert values["HTTPS_PROXY"] == "http://proxy.corp.example:3128"
    no_proxy = values["NO_PROXY"].split(",")
    # The Arc bypass name covers the HIS and guest configuration hosts, as the agent's proxy.bypass does.
    assert ".his.arc.azure.com" in no_proxy and ".guestconfiguration.azure.com" in no_proxy
    assert "localhost" in no_proxy and "management.azure.com" not in no_proxy
