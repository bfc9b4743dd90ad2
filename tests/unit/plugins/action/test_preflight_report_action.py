# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The pieces of the preflight_report action and the merge filter that need no play: per-host inputs as people
type them, baseline and merge files that cannot be used, the filter's errors."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys

import pytest
from ansible.errors import AnsibleError, AnsibleFilterError

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "reports"))
import synthetic_fleet as sf  # noqa: E402

from ansible_collections.arcready.network.plugins.action import preflight_report as action  # noqa: E402
from ansible_collections.arcready.network.plugins.filter.merge_preflight_reports import (  # noqa: E402
    merge_preflight_reports)
from ansible_collections.arcready.network.plugins.plugin_utils import _fleet  # noqa: E402


@pytest.mark.parametrize("name, value, expected", [
    ("scenarios", "sql,esu", ["sql", "esu"]),
    ("scenarios", "[sql, esu]", ["sql", "esu"]),
    ("scenarios", "['sql','esu']", ["sql", "esu"]),
    ("scenarios", ["sql", " esu "], ["sql", "esu"]),
    ("scenarios", "", []),
    ("scenarios", [], []),
    ("private_link", "yes", True),
    ("private_link", "false", False),
    ("proxy_url", "http://user:S3cret@proxy:3128", "http://user:********@proxy:3128"),
    ("fail_on", "any", "any"),
])
def test_per_host_inputs_as_people_type_them(name, value, expected):
    got = action.normalise_input(name, value)
    if name == "proxy_url":
        assert "S3cret" not in got and got.startswith("http://") and got.endswith("@proxy:3128")
    else:
        assert got == expected


@pytest.mark.parametrize("content, message", [
    (None, "arc_report_baseline: cannot read"),
    ("{not json", "arc_report_baseline: .* is not JSON"),
    ("[1, 2]", "is not a preflight.json"),
    ('{"hosts": []}', "is not a preflight.json"),
])
def test_an_unusable_baseline_is_named_with_its_option(tmp_path, content, message):
    path = tmp_path / "old.json"
    if content is not None:
        path.write_text(content)
    report, problem = action.read_report(str(path), "arc_report_baseline")
    assert report is None
    assert __import__("re").search(message, problem), problem


def test_merge_files_globs_and_missing_ones(tmp_path):
    for index in (1, 2):
        doc = _fleet.build(sf.results(3, start=index * 10), {}, sf.PARAMETERS, run_id="slice-%d" % index)
        (tmp_path / ("s%d" % index)).mkdir()
        (tmp_path / ("s%d" % index) / "preflight.json").write_text(json.dumps(doc))
    reports = action.merged([str(tmp_path / "s*" / "preflight.json")])
    assert [r["run_id"] for r in reports] == ["slice-1", "slice-2"]
    with pytest.raises(AnsibleError, match="arc_merge_reports: no file matches"):
        action.merged([str(tmp_path / "nothing-*" / "preflight.json")])
    with pytest.raises(AnsibleError, match="arc_merge_reports: cannot read"):
        action.merged([str(tmp_path / "absent.json")])


def test_the_filter_merges_and_names_itself_in_errors():
    one = _fleet.build(sf.results(4), {}, sf.PARAMETERS, run_id="a")
    two = _fleet.build(sf.results(4, start=4), {}, sf.PARAMETERS, run_id="b")
    merged = merge_preflight_reports([one, two])
    assert len(merged["hosts"]) == 8 and [s["run_id"] for s in merged["slices"]] == ["a", "b"]
    with pytest.raises(AnsibleFilterError, match="arcready.network.merge_preflight_reports: give a non-empty list"):
        merge_preflight_reports([])


def test_plain_gives_json_types_and_the_text_of_warning_summaries():
    from ansible_collections.arcready.network.plugins.plugin_utils._plain import plain

    class Event(object):
        msg = "the agent's proxy.bypass lists an unknown service"

    class Summary(object):
        event = Event()
    value = plain({"warnings": [Summary(), "plain text"], "n": 1, "ok": True, "none": None, "t": ("a",)})
    assert value == {"warnings": ["the agent's proxy.bypass lists an unknown service", "plain text"], "n": 1,
                     "ok": True, "none": None, "t": ["a"]}
    assert json.dumps(value)
