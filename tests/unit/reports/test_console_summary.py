# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The console's fleet summary: at most 30 lines on screen whatever the fleet, naming cloud, region and edition
(loudly when the region is only the default), counts, changes, the top work items and where the reports are."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import synthetic_fleet as sf
from ansible_collections.arcready.network.plugins.plugin_utils import _console, _fleet

DEBUG_TASK_LINES = 5  # ok: [host] => {, "msg": [, ], }, and the task banner


def _doc(count=60, parameters=None, profiles=sf.PROFILES, baseline=None):
    return _fleet.build(sf.results(count, profiles=profiles), {}, dict(sf.PARAMETERS, **(parameters or {})),
                        baseline=baseline)


def test_names_what_was_checked_counts_and_reports():
    lines = _console.lines(_doc(parameters={"edition": "2026-06"}), "/srv/reports", 1.5)
    assert lines[0] == "verdict: 40 of 60 hosts are not ready for Azure Arc"
    assert lines[1] == "checked: cloud AzureCloud, region eastus, edition 2026-06"
    assert lines[2].startswith("hosts: 10 ready, 40 not ready, 0 no result (of 60), 10 with optional endpoints failing") and "checks: " in lines[2]
    assert lines[-1].startswith("reports: /srv/reports/preflight.html") and lines[-1].endswith("written in 1.50 s")
    assert any("who acts" in line for line in lines)


def test_a_defaulted_region_is_said_loudly():
    line = _console.lines(_doc(6, {"region_defaulted": True}), "r")[1]
    assert "WARNING: arc_region is not set, eastus was assumed" in line


def test_no_dns_is_said_once_per_group_not_per_endpoint():
    lines = _console.lines(_doc(12, profiles=[p for p in sf.PROFILES if p[0] == "dns"]), "r")
    said = [line for line in lines if "no Azure name resolves on this host" in line]
    assert len(said) == 1 and said[0].startswith("  12 hosts: ")


def test_never_more_than_thirty_lines_on_screen():
    # Every host its own group: far more groups than fit.
    results = dict(sf.results(200))
    for index, name in enumerate(sorted(results)):
        result, _inputs = results[name]
        for ep in result["endpoints"]:
            if not ep["ok"] and ep.get("probeable", True):
                ep["host"] = "host-%d.example" % index
    doc = _fleet.build(results, dict(("gone-%d" % i, "unreachable") for i in range(5)), sf.PARAMETERS,
                       baseline=_doc(30))
    lines = _console.lines(doc, "r")
    assert len(doc["groups"]) > 30
    assert len(lines) + DEBUG_TASK_LINES <= 30
    assert any(line.startswith("changes since run ") for line in lines)
    assert any(line.startswith("  ... and ") for line in lines)
