# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Drift between azcmagent check and the catalogue, from its table output and from JSON of unknown shape."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.arcready.network.plugins.module_utils._catalogue import build
from ansible_collections.arcready.network.plugins.plugin_utils import _agent_drift as drift

# The columns and hosts of a public azcmagent check output (ukwest, 2023), with one host the catalogue lacks.
TABLE = """\
ENDPOINT                                             |REACHABLE  |PRIVATE  |TLS      |PROXY
https://agentserviceapi.guestconfiguration.azure.com |true       |false    |TLS 1.3  |not used
https://gbl.his.arc.azure.com                        |true       |false    |TLS 1.3  |not used
https://login.microsoftonline.com                    |true       |false    |TLS 1.3  |not used
https://management.azure.com                         |true       |false    |TLS 1.3  |not used
https://pas.windows.net                              |true       |false    |TLS 1.3  |not used
https://uks.his.arc.azure.com                        |true       |false    |TLS 1.3  |not used
https://ukwest-gas.guestconfiguration.azure.com      |true       |false    |TLS 1.3  |not used
https://ukw-ats.his.arc.azure.com                    |false      |false    |unknown  |not used
"""


def test_table_output_gives_differences_both_ways():
    result = drift.compare(TABLE, build("AzureCloud", "ukwest"))
    assert result["source"] == "table"
    assert result["agent_only"] == ["ukw-ats.his.arc.azure.com"]
    assert result["uncovered"] == []  # *.his.arc.azure.com covers it in a firewall
    assert "uks.his.arc.azure.com" in result["both"]
    assert "ukwest-gas.guestconfiguration.azure.com" in result["both"]
    assert "packages.microsoft.com" in result["catalogue_only"]
    assert not set(result["agent_only"]) & set(result["both"])


@pytest.mark.parametrize("document", [
    [{"endpoint": "https://uks.his.arc.azure.com", "reachable": True},
     {"endpoint": "https://eu.login.microsoft.com/", "reachable": True}],
    {"results": {"https://uks.his.arc.azure.com": {"reachable": True}, "x": "https://eu.login.microsoft.com"}},
], ids=["list of objects", "object keyed by URL"])
def test_json_output_of_any_shape(document):
    result = drift.compare(json.dumps(document), [
        {"host": "uks.his.arc.azure.com", "pattern": "*.his.arc.azure.com"},
        {"host": "*.login.microsoft.com", "pattern": "*.login.microsoft.com"},
    ])
    assert result["source"] == "json"
    assert result["agent_only"] == ["eu.login.microsoft.com"]
    assert result["uncovered"] == []
    assert result["both"] == ["uks.his.arc.azure.com"]


def test_a_name_no_pattern_covers_is_uncovered():
    result = drift.compare("https://new.example.azure.com | true", [{"host": "a.azure.com", "pattern": "*.x.com"}])
    assert result["uncovered"] == ["new.example.azure.com"]
    assert result["catalogue_only"] == ["a.azure.com"]


def test_output_without_endpoints_says_what_came():
    with pytest.raises(drift.DriftError, match="printed no endpoint .*Error: unknown flag --json"):
        drift.compare("Error: unknown flag --json\n", [])


def test_from_check_reads_the_role_tasks_result():
    endpoints = build("AzureCloud", "ukwest")
    # What the role's raw task registers: a login banner may come before the wrapper's marked stderr line.
    check = {"rc": 0, "stdout": TABLE, "stderr": "Authorized use only\narc-agent-check: /opt/azcmagent/bin/azcmagent\n"}
    entry = drift.from_check(check, endpoints)
    assert entry["agent"] == "/opt/azcmagent/bin/azcmagent"
    assert entry["rc"] == 0
    assert entry["agent_only"] == ["ukw-ats.his.arc.azure.com"]
    assert drift.from_check(dict(check, stderr="no mark here\n"), endpoints)["agent"] is None


@pytest.mark.parametrize("check", [None, {"skipped": True}, {"rc": drift.NO_AGENT, "stdout": "", "stderr": ""},
                                   {"stdout": TABLE}])
def test_from_check_without_an_agent_run_is_none(check):
    assert drift.from_check(check, build("AzureCloud", "ukwest")) is None
