# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The probe action plugin's expansion passes the catalogue's options (edition, esu_only, auto_upgrade, key_vault)
through, typed as surveys send them, and hands back the catalogue's warnings; every such option is documented by
the module and the preflight role."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible_collections.arcready.network.plugins.action.probe import ENDPOINT_KEYS, expand
from ansible_collections.arcready.network.plugins.module_utils._catalogue import (
    BYPASS_SERVICES, SCENARIOS, CatalogueError, build,
)
from ansible_collections.arcready.network.plugins.module_utils._his_probe import mark as mark_his
from ansible_collections.arcready.network.plugins.modules import probe as probe_module
from ansible_collections.arcready.network.plugins.plugin_utils._preflight_inputs import OPTIONS

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))))
# The catalogue's module options -> the preflight role's variables.
ROLE_VARIABLES = {"edition": "arc_edition", "esu_only": "arc_esu_only", "auto_upgrade": "arc_auto_upgrade",
                  "key_vault": "arc_key_vault"}


def _endpoints(rows):
    rows = mark_his(rows, rows[0]["cloud"], rows[0]["region"]) if rows else rows  # as the action sends them
    return [dict((key, row[key]) for key in ENDPOINT_KEYS) for row in rows]


@pytest.mark.parametrize("args, kwargs", [
    ({"edition": "2024-03"}, {"edition": "2024-03"}),
    ({"esu_only": "yes", "stage": "run"}, {"esu_only": True, "stage": "run"}),
    ({"auto_upgrade": "true", "stage": "connect"}, {"auto_upgrade": True, "stage": "connect"}),
    ({"scenarios": "sql_entra,licensing", "key_vault": "kv-1"},
     {"scenarios": ["sql_entra", "licensing"], "key_vault": "kv-1"}),
])
def test_catalogue_options_reach_the_catalogue(args, kwargs):
    expanded = expand(dict({"region": "eastus"}, **args))
    assert expanded["endpoints"] == _endpoints(build("AzureCloud", "eastus", **kwargs))


def test_default_edition_is_the_current_page():
    hosts = [e["host"] for e in expand({"region": "eastus"})["endpoints"]]
    assert hosts[0] == "download.microsoft.com" and "eastus.login.microsoft.com" in hosts
    retired = [e for e in expand({"region": "eastus"})["endpoints"] if e["host"] == "aka.ms"]
    assert [e["required"] for e in retired] == [False]


def test_catalogue_warnings_are_handed_back():
    warnings = []
    expand({"region": "newregion1", "scenarios": ["wac"]}, warnings)
    assert len(warnings) == 2
    assert "not in the catalogue's list of AzureCloud regions" in warnings[0]
    assert warnings[1].startswith("scenario wac: Windows Admin Center in Azure is offered in these")


def test_bad_catalogue_options_are_refused():
    with pytest.raises(CatalogueError, match="unknown edition"):
        expand({"region": "eastus", "edition": "2025-01"})
    with pytest.raises(CatalogueError, match="not available in Azure operated by 21Vianet"):
        expand({"cloud": "AzureChinaCloud", "region": "chinanorth3", "esu_only": True})


def test_catalogue_options_are_documented_module_options_and_role_variables():
    documented = yaml.safe_load(probe_module.DOCUMENTATION)["options"]
    with open(os.path.join(REPO, "roles", "arc_preflight", "meta", "argument_specs.yml")) as stream:
        role = yaml.safe_load(stream)["argument_specs"]["main"]["options"]
    with open(os.path.join(REPO, "roles", "arc_preflight", "defaults", "main.yml")) as stream:
        defaults = yaml.safe_load(stream)
    # The role's probe task (arcready.network.preflight_probe) reads each variable into its option.
    read = dict((option, variable) for option, variable, _kind in OPTIONS)
    for option, variable in ROLE_VARIABLES.items():
        assert option in documented and variable in role and variable in defaults, option
        assert read[option] == variable, option
        assert documented[option].get("choices") == role[variable].get("choices"), option
    assert documented["edition"]["default"] == role["arc_edition"]["default"] == defaults["arc_edition"] == "2026-06"
    # Every option it reads is a module option, from a variable the role documents and defaults.
    for option, variable in read.items():
        assert option in documented and variable in role and variable in defaults, option
    # The role takes these lists as typed (type raw); the action checks them against the module's choices, and
    # the report task's copy of the scenarios against the same ones.
    assert documented["scenarios"]["choices"] == list(SCENARIOS)
    assert documented["proxy_bypass"]["choices"] == list(BYPASS_SERVICES)
    with open(os.path.join(REPO, "roles", "arc_preflight", "vars", "main.yml")) as stream:
        role_vars = yaml.safe_load(stream)
    for variable in ("arc_scenarios", "arc_proxy_bypass"):
        assert role[variable]["type"] == "raw"
    assert str(documented["scenarios"]["choices"]) in " ".join(role_vars["__arc_preflight_scenarios"].split())
