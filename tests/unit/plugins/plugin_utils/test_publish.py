# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A run's report set is published whole (plugins/plugin_utils/_publish.py, with _fleet.files): one run_id in
every file, a killed run leaves the previous complete set, hosts/ belongs to its run, old layouts migrate."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import sys
import xml.etree.ElementTree as ET

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "reports"))
import synthetic_fleet as sf  # noqa: E402

from ansible_collections.arcready.network.plugins.plugin_utils import _fleet, _publish  # noqa: E402

TOP = ["hosts", "preflight.html", "preflight.json", "preflight.junit.xml"]


def _publish_run(report_dir, count, run_id, keep=5):
    doc = _fleet.build(sf.results(count), {}, sf.PARAMETERS, run_id=run_id)
    _publish.publish(str(report_dir), _fleet.files(doc), run_id, keep=keep)
    return doc


def _run_ids(report_dir):
    """The run_id each user-facing file carries."""
    ids = {}
    with open(str(report_dir / "preflight.json")) as stream:
        ids["preflight.json"] = json.load(stream)["run_id"]
    html = (report_dir / "preflight.html").read_text()
    ids["preflight.html"] = html.split('data-run-id="', 1)[1].split('"', 1)[0]
    props = ET.parse(str(report_dir / "preflight.junit.xml")).getroot().findall("./testsuite/properties/property")
    ids["preflight.junit.xml"] = sorted(set(p.get("value") for p in props if p.get("name") == "run_id"))
    for name in os.listdir(str(report_dir / "hosts")):
        with open(str(report_dir / "hosts" / name)) as stream:
            ids.setdefault("hosts", set()).add(json.load(stream)["run_id"])
    return ids


def test_every_file_of_the_set_carries_the_run_id_and_the_groups(tmp_path):
    doc = _publish_run(tmp_path, 12, "20261201T000000Z-aaaaaa")
    assert sorted(n for n in os.listdir(str(tmp_path)) if not n.startswith(".")) == sorted(TOP + ["current"])
    assert _run_ids(tmp_path) == {"preflight.json": doc["run_id"], "preflight.html": doc["run_id"],
                                  "preflight.junit.xml": [doc["run_id"]], "hosts": {doc["run_id"]}}
    html = (tmp_path / "preflight.html").read_text()
    for group in doc["groups"]:
        assert 'data-signature="%s" data-count="%d"' % (group["signature"], group["count"]) in html
    junit_groups = set(p.get("value") for p in ET.parse(str(tmp_path / "preflight.junit.xml")).getroot()
                       .findall("./testsuite/properties/property") if p.get("name") == "group")
    assert junit_groups == set(g["signature"] for g in doc["groups"]) | {""}
    assert os.readlink(str(tmp_path / "current")) == os.path.join(".runs", doc["run_id"])


def test_hosts_of_an_earlier_run_are_not_mixed_with_the_new_ones(tmp_path):
    _publish_run(tmp_path, 12, "20261201T000000Z-aaaaaa")
    _publish_run(tmp_path, 2, "20261201T000100Z-bbbbbb")
    assert sorted(os.listdir(str(tmp_path / "hosts"))) == ["host-00000.json", "host-00001.json"]
    assert _run_ids(tmp_path)["hosts"] == {"20261201T000100Z-bbbbbb"}


def test_a_run_killed_while_writing_leaves_the_previous_complete_set(tmp_path, monkeypatch):
    first = _publish_run(tmp_path, 6, "20261201T000000Z-aaaaaa")
    written = []
    real_write = _publish._write

    def dying_write(path, data):
        if len(written) == 3:
            raise KeyboardInterrupt("killed")
        written.append(path)
        real_write(path, data)
    monkeypatch.setattr(_publish, "_write", dying_write)
    with pytest.raises(KeyboardInterrupt):
        _publish_run(tmp_path, 9, "20261201T000100Z-bbbbbb")
    ids = _run_ids(tmp_path)
    assert ids == {"preflight.json": first["run_id"], "preflight.html": first["run_id"],
                   "preflight.junit.xml": [first["run_id"]], "hosts": {first["run_id"]}}
    assert len(os.listdir(str(tmp_path / "hosts"))) == 6
    # The next run clears the killed run's partial directory of the same id and publishes.
    monkeypatch.setattr(_publish, "_write", real_write)
    _publish_run(tmp_path, 9, "20261201T000100Z-bbbbbb")
    assert _run_ids(tmp_path)["preflight.json"] == "20261201T000100Z-bbbbbb"
    assert not [n for n in os.listdir(str(tmp_path / ".runs")) if n.endswith(".partial")]


def test_a_report_dir_of_the_old_layout_is_taken_over(tmp_path):
    (tmp_path / "hosts").mkdir()
    (tmp_path / "hosts" / "stale-host.json").write_text("{}")
    for name in ("preflight.json", "preflight.html", "preflight.junit.xml"):
        (tmp_path / name).write_text("old")
    doc = _publish_run(tmp_path, 3, "20261201T000000Z-aaaaaa")
    assert _run_ids(tmp_path)["preflight.json"] == doc["run_id"]
    assert "stale-host.json" not in os.listdir(str(tmp_path / "hosts"))
    legacy = [n for n in os.listdir(str(tmp_path / ".runs")) if n.startswith("legacy-")]
    assert len(legacy) == 1 and os.listdir(str(tmp_path / ".runs" / legacy[0] / "hosts")) == ["stale-host.json"]


def test_older_runs_beyond_keep_are_removed(tmp_path):
    for index in range(4):
        _publish_run(tmp_path, 1, "20261201T00000%dZ-aaaaaa" % index, keep=2)
    assert sorted(os.listdir(str(tmp_path / ".runs"))) == ["20261201T000002Z-aaaaaa", "20261201T000003Z-aaaaaa"]


@pytest.mark.parametrize("name, file_name", [
    ("web-01", "hosts/web-01.json"), ("a/b", "hosts/a_b.json"), ("..", "hosts/_...json"),
    (".hidden", "hosts/_.hidden.json"),
])
def test_host_file_names_stay_inside_hosts(name, file_name):
    assert _fleet.host_file_name(name) == file_name
