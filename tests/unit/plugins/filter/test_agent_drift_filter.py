# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The agent_drift filter over the probe's results for eastus and the agent stub's two output forms."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.arcready.network.plugins.filter.agent_drift import FilterModule, agent_drift
from ansible_collections.arcready.network.plugins.module_utils._catalogue import build

ENDPOINTS = build("AzureCloud", "eastus")
AGENT = ["https://gbl.his.arc.azure.com", "https://eus.his.arc.azure.com", "https://management.azure.com",
         "https://eastus.login.microsoft.com", "https://newservice.arclab.invalid"]
TABLE = "ENDPOINT | REACHABLE | PRIVATE | TLS | PROXY\n" + "\n".join(
    "%s | true | false | TLS 1.3 | not set" % url for url in AGENT)

CASES = {
    "json": (json.dumps({"endpoints": [{"endpoint": u, "reachable": True} for u in AGENT]}), "json"),
    "table": (TABLE, "table"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_catalogue_is_behind_the_agent(case):
    output, source = CASES[case]
    drift = agent_drift(output, ENDPOINTS)
    assert drift["source"] == source and drift["error"] is None
    assert drift["agent_only"] == ["newservice.arclab.invalid"]
    assert drift["uncovered"] == ["newservice.arclab.invalid"]
    assert "newservice.arclab.invalid, which no catalogue endpoint covers" in drift["warning"]
    assert set(drift["both"]) == {"gbl.his.arc.azure.com", "eus.his.arc.azure.com", "management.azure.com",
                                  "eastus.login.microsoft.com"}
    assert "pas.windows.net" in drift["catalogue_only"]


def test_nothing_uncovered_means_no_warning():
    drift = agent_drift(json.dumps(AGENT[:3]), ENDPOINTS)
    assert drift["uncovered"] == [] and drift["warning"] is None


@pytest.mark.parametrize("output", ["", "azcmagent: unknown command \"check\"", None])
def test_output_without_endpoints_is_an_error_not_a_failure(output):
    drift = agent_drift(output, ENDPOINTS)
    assert drift["error"].startswith("azcmagent check printed no endpoint")
    assert (drift["agent_only"], drift["uncovered"], drift["warning"]) == ([], [], None)


@pytest.mark.parametrize("endpoints", ["gbl.his.arc.azure.com", [1, 2], None])
def test_endpoints_must_be_results(endpoints):
    with pytest.raises(AnsibleFilterError, match="endpoints must be a list of endpoint dicts"):
        agent_drift(TABLE, endpoints)


def test_the_filter_is_registered():
    assert FilterModule().filters() == {"agent_drift": agent_drift}
