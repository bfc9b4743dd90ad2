# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The arcready.network.endpoints lookup, loaded through Ansible's lookup loader, and its EXAMPLES."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest
import yaml

from ansible.errors import AnsibleError, AnsibleLookupError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import lookup_loader
from ansible.template import Templar, trust_as_template

from ansible_collections.arcready.network.plugins.lookup import endpoints as endpoints_plugin
from ansible_collections.arcready.network.plugins.module_utils._catalogue import build


@pytest.fixture
def lookup():
    plugin = lookup_loader.get("arcready.network.endpoints", loader=DataLoader(), templar=None)
    assert plugin is not None, "lookup arcready.network.endpoints not found"
    return plugin


def test_default_is_the_install_stage_of_azure_cloud_in_the_current_edition(lookup):
    rows = lookup.run([], variables={}, region="eastus")
    assert rows == build("AzureCloud", "eastus", edition="2026-06")
    assert [r["host"] for r in rows if r["probeable"]][:3] == ["download.microsoft.com", "packages.microsoft.com",
                                                               "login.microsoftonline.com"]
    assert [r["host"] for r in rows if r["retired"]] == ["aka.ms", "login.windows.net", "*.blob.core.windows.net"]


def test_seed_edition_is_the_seed(lookup):
    rows = lookup.run([], variables={}, region="eastus", edition="2024-03")
    assert rows == build("AzureCloud", "eastus", edition="2024-03")
    assert [r["host"] for r in rows if r["probeable"]][:3] == ["aka.ms", "download.microsoft.com",
                                                               "packages.microsoft.com"]
    assert not [r for r in rows if r["retired"]]


def test_new_options_are_passed_to_the_catalogue(lookup):
    options = dict(region="westeurope", scenarios=["sql", "sql_entra", "licensing"], stage="run", auto_upgrade=True,
                   key_vault="kv-sql1")
    rows = lookup.run([], variables={}, **options)
    assert rows == build("AzureCloud", "westeurope", scenarios=["sql", "sql_entra", "licensing"], stage="run",
                         auto_upgrade=True, key_vault="kv-sql1")
    hosts = dict((r["host"], r["required"]) for r in rows)
    assert hosts["kv-sql1.vault.azure.net"] and hosts["dls.microsoft.com"] and hosts["download.microsoft.com"]
    esu = lookup.run([], variables={}, region="eastus", esu_only=True)
    assert esu == build("AzureCloud", "eastus", esu_only=True)
    current = lookup.run([], variables={}, region="eastus", include_retired=False)
    assert current == [r for r in build("AzureCloud", "eastus") if not r["retired"]]


def test_options_are_passed_to_the_catalogue(lookup):
    options = dict(cloud="AzureUSGovernment", region="US Gov Virginia", scenarios=["esu"], stage="run",
                   private_link=True)
    rows = lookup.run([], variables={}, **options)
    assert rows == build("AzureUSGovernment", "usgovvirginia", scenarios=["esu"], stage="run", private_link=True)
    assert {r["region"] for r in rows} == {"usgovvirginia"}
    assert ("www.microsoft.com", 80) in [(r["host"], r["port"]) for r in rows]


def test_probeable_only_and_wildcard_hosts(lookup):
    rows = lookup.run([], variables={}, region="eastus", probeable_only=True,
                      wildcard_hosts={"*.blob.core.windows.net": ["acct.blob.core.windows.net"]})
    assert all(r["probeable"] for r in rows)
    assert "acct.blob.core.windows.net" in [r["host"] for r in rows]
    assert "azgn*.servicebus.windows.net" not in [r["host"] for r in rows]


def test_terms_are_refused(lookup):
    with pytest.raises(AnsibleLookupError, match="takes no terms, only options"):
        lookup.run(["eastus"], variables={})


def test_unlisted_region_is_a_warning(lookup, monkeypatch):
    said = []
    monkeypatch.setattr(endpoints_plugin.display, "warning", said.append)
    rows = lookup.run([], variables={}, region="eastuss")
    assert rows == build("AzureCloud", "eastuss")
    assert len(said) == 1 and said[0].startswith("arcready.network.endpoints: region 'eastuss' is not in the "
                                                 "catalogue's list of AzureCloud regions (closest: eastus")


def test_region_of_another_cloud_names_the_closest(lookup):
    with pytest.raises(AnsibleLookupError) as caught:
        lookup.run([], variables={}, cloud="AzureUSGovernment", region="eastus")
    assert str(caught.value).startswith("arcready.network.endpoints: unknown region for AzureUSGovernment 'eastus'; "
                                        "valid choices, closest first: ")


def test_bad_edition(lookup):
    with pytest.raises(AnsibleError, match="edition"):
        lookup.run([], variables={}, region="eastus", edition="2025-01")


def test_bad_scenario(lookup):
    with pytest.raises(AnsibleLookupError, match="unknown scenario 'sqll'; valid choices, closest first: sql"):
        lookup.run([], variables={}, region="eastus", scenarios=["sqll"])


def test_bad_cloud_and_missing_region(lookup):
    with pytest.raises(AnsibleError):
        lookup.run([], variables={}, cloud="AzureGerman", region="eastus")
    with pytest.raises(AnsibleError, match="region"):
        lookup.run([], variables={})


# ------------------------------------------------------------------ EXAMPLES

def _example_expressions():
    out = []
    for task in yaml.safe_load(endpoints_plugin.EXAMPLES):
        for key, value in task.items():
            if isinstance(value, dict):
                for arg, expr in value.items():
                    if isinstance(expr, str) and "{{" in expr:
                        out.append((task["name"], expr))
    return out


def _template(expr):
    return Templar(loader=DataLoader(), variables={}).template(trust_as_template(expr))


def test_examples_are_four_templated_queries():
    assert len(_example_expressions()) == 4


def test_example_urls():
    name, expr = _example_expressions()[0]
    urls = _template(expr)
    assert urls == [r["url"] for r in build("AzureCloud", "eastus")]


def test_example_json_query_private_hosts():
    """The json_query example: host names that must stay on the private link."""
    name, expr = _example_expressions()[1]
    assert "community.general.json_query('[?private_capable && probeable].host')" in expr
    assert _template(expr) == ["gbl.his.arc.azure.com", "weu.his.arc.azure.com",
                               "agentserviceapi.guestconfiguration.azure.com",
                               "westeurope-gas.guestconfiguration.azure.com"]


def test_example_retired_hosts_with_their_reason():
    name, expr = _example_expressions()[2]
    retired = _template(expr)
    assert sorted(retired) == ["*.blob.core.windows.net", "aka.ms", "login.windows.net"]
    assert all(reason.startswith("removed from Microsoft's page on ") for reason in retired.values())


def test_example_json_query_host_port():
    name, expr = _example_expressions()[3]
    result = _template(expr)
    assert "login.microsoftonline.us:443" in result
    assert all(":" in item for item in result)
    rows = [r for r in build("AzureUSGovernment", "usgovvirginia", scenarios=["esu"]) if r["required"]
            and r["probeable"]]
    assert result == ["%s:%d" % (r["host"], r["port"]) for r in rows]


@pytest.mark.integration  # needs root or an ansible-playbook subprocess
def test_examples_run_in_ansible_playbook(tmp_path):
    """The EXAMPLES tasks, verbatim, in a real ansible-playbook run on localhost (the lookup runs on the
    controller; nothing is contacted)."""
    tasks = yaml.safe_load(endpoints_plugin.EXAMPLES)
    tasks.append({"name": "Show the fact", "ansible.builtin.debug": {"var": "arc_allow"}})
    playbook = [{"hosts": "localhost", "gather_facts": False, "connection": "local", "tasks": tasks}]
    path = tmp_path / "examples.yml"
    path.write_text(yaml.safe_dump(playbook))
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="json",
               ANSIBLE_LOCALHOST_WARNING="false", ANSIBLE_INVENTORY_UNPARSED_WARNING="false",
               ANSIBLE_NOCOLOR="1", ANSIBLE_DEPRECATION_WARNINGS="false", ANSIBLE_RETRY_FILES_ENABLED="false",
               ANSIBLE_LOCAL_TEMP=str(tmp_path / "tmp"), ANSIBLE_HOME=str(tmp_path / "home"))
    binary = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    if not os.path.exists(binary):
        pytest.skip("ansible-playbook is not beside %s" % sys.executable)
    run = subprocess.run([sys.executable, binary, "-i", "localhost,", str(path)], env=env, cwd=str(tmp_path),
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True, timeout=120)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads(run.stdout)
    results = [t["hosts"]["localhost"] for play in report["plays"] for t in play["tasks"]]
    assert results[0]["msg"][0] == "https://download.microsoft.com"
    assert results[1]["msg"] == ["gbl.his.arc.azure.com", "weu.his.arc.azure.com",
                                 "agentserviceapi.guestconfiguration.azure.com",
                                 "westeurope-gas.guestconfiguration.azure.com"]
    assert "aka.ms" in results[2]["msg"]
    assert "login.microsoftonline.us:443" in results[4]["arc_allow"]


def test_example_json_queries_use_current_jmespath_syntax():
    """`:` in backticks is JMESPath's deprecated string-literal form (jmespath warns); ':' is the current one."""
    import re
    import warnings

    import jmespath
    import jmespath.parser
    queries = [q for _name, expr in _example_expressions() for q in re.findall(r"json_query\('(.*?)'\)", expr)]
    assert queries, "no json_query('...') found in the EXAMPLES: the pattern or the examples changed"
    for query in queries:
        with warnings.catch_warnings():
            warnings.simplefilter("error", PendingDeprecationWarning)
            jmespath.parser.Parser.purge()  # parsed expressions are cached; lex again
            jmespath.compile(query)
