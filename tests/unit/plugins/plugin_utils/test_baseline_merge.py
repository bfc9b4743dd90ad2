# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Changes against a baseline (plugins/plugin_utils/_baseline.py) and the merge of slices (_merge.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "reports"))
import synthetic_fleet as sf  # noqa: E402

from ansible_collections.arcready.network.plugins.plugin_utils import _fleet, _merge  # noqa: E402

READY, DNS, DROPPED = sf.PROFILES[0], sf.PROFILES[1], sf.PROFILES[2]


def _doc(profiles, run_id, baseline=None, unreported=None):
    results = dict((host, (sf.host_result(p), sf.inputs(p))) for host, p in profiles.items())
    return _fleet.build(results, unreported or {}, sf.PARAMETERS, run_id=run_id,
                        generated="2026-12-01T00:00:0%sZ" % run_id[-1], baseline=baseline, baseline_path="old.json")


def test_changes_newly_failing_fixed_still_failing_by_group():
    before = _doc({"a": READY, "b": DNS, "c": DNS, "d": DROPPED, "gone": DROPPED}, "run-1")
    after = _doc({"a": DROPPED, "b": READY, "c": DNS, "d": DNS, "new": DNS}, "run-2", baseline=before)
    changes = after["changes"]
    sig = dict((g["hosts"][0], g["signature"]) for g in after["groups"])
    assert changes["baseline"] == {"run_id": "run-1", "generated": before["generated"], "path": "old.json"}
    assert sorted((e["hosts"], e["signature"]) for e in changes["newly_failing"]) == [
        (["a"], sig["a"]), (["new"], sig["c"])]
    assert [e["hosts"] for e in changes["fixed"]] == [["b"]]
    assert [(e["hosts"], e["moved"]) for e in changes["still_failing"]] == [(["c", "d"], ["d"])]
    assert changes["counts"] == {"newly_failing": 2, "fixed": 1, "still_failing": 2, "not_in_baseline": 1,
                                 "not_in_this_run": 1}
    assert changes["new_groups"] == [] and changes["gone_groups"] == []
    assert after["summary"]["changes"] == changes["counts"]


def test_a_baseline_without_groups_gets_them_computed():
    before = _doc({"b": DNS}, "run-1")
    before.pop("groups")
    after = _doc({"b": READY}, "run-2", baseline=before)
    assert [e["hosts"] for e in after["changes"]["fixed"]] == [["b"]]


def _stable(doc):
    """A fleet report without what differs between one run and a merge of slices."""
    text = json.dumps(doc, sort_keys=True)
    data = json.loads(text)
    for key in ("run_id", "generated", "slices"):
        data.pop(key, None)
    data["summary"].pop("run_id")
    data["summary"].pop("generated")
    data["summary"].pop("slices", None)
    return data


def test_merge_of_two_slices_equals_one_run_over_all_hosts():
    everything = sf.results(30)
    whole = _fleet.build(everything, {"lost-1": "ssh: timed out"}, sf.PARAMETERS, run_id="whole")
    names = sorted(everything)
    one = _fleet.build(dict((h, everything[h]) for h in names[::2]), {"lost-1": "ssh: timed out"}, sf.PARAMETERS,
                       run_id="slice-1")
    two = _fleet.build(dict((h, everything[h]) for h in names[1::2]), {}, sf.PARAMETERS, run_id="slice-2")
    merged = _merge.merge([one, two], run_id="merged")
    assert _stable(merged) == _stable(whole)
    assert [s["run_id"] for s in merged["slices"]] == ["slice-1", "slice-2"]
    assert merged["summary"]["slices"] == ["slice-1", "slice-2"]
    assert len(merged["groups"]) == len(whole["groups"])


def test_merge_keeps_the_newest_result_of_a_host_in_two_slices():
    old = _doc({"a": DNS}, "run-1")
    new = _doc({"a": READY, "b": DNS}, "run-2")
    merged = _merge.merge([new, old])
    assert merged["hosts"]["a"]["verdict"]["status"] == "ready"
    assert merged["duplicates"] == {"a": ["run-1", "run-2"]}


def test_merge_says_where_slices_disagree():
    one = _doc({"a": READY}, "run-1")
    two = _doc({"b": READY}, "run-2")
    two["parameters"] = dict(two["parameters"], region="westeurope")
    assert _merge.merge([one, two])["parameters"]["region"] == "varies by slice: eastus; westeurope"


@pytest.mark.parametrize("reports, message", [
    ([], "non-empty list"),
    ("preflight.json", "non-empty list"),
    ([{"hosts": []}], "report 1 is not a preflight report"),
    ([{"hosts": {}}, "text"], "report 2 is not a preflight report"),
])
def test_merge_rejects_what_is_not_a_list_of_reports(reports, message):
    with pytest.raises(_merge.MergeError, match=message):
        _merge.merge(reports)
