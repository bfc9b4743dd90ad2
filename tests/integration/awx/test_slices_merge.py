# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""AWX job slicing through ansible-runner: two slices of one inventory (disjoint --limit), each writing its own
report set, merged by the merge_reports playbook, equal the report of one run over the whole inventory but for
run ids and timings. Local-connection hosts probe loopback servers (names mapped with arc_probe_resolve).
Belongs in the integration suite (ansible-runner subprocesses)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import json
import os
import shutil
import sys

import pytest

from servers import TEST_CA_ORG, ConnectProxy, lab, pki, refused_port  # noqa: F401  (fixtures)

ansible_runner = pytest.importorskip("ansible_runner")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PROJECT = os.path.join(REPO, "awx", "project")
NAMES = ("management.azure.com", "login.microsoftonline.com")
SLICE_1 = ["ok-1", "ok-2", "drop-1", "px-1"]
SLICE_2 = ["ok-3", "drop-2", "px-2", "px-3"]
# What differs between one run and a merge of slices: ids, times, and the engine's measured latencies.
VOLATILE = ("run_id", "generated", "slices", "latency_ms", "elapsed_ms")


def _inventory(pki, good_port, bad_port, proxy):  # noqa: F811
    def endpoints(port):
        return [{"host": name, "port": port} for name in NAMES]
    common = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, "arc_probe_timeout": 1,
              "arc_proxy_url": "none", "arc_probe_resolve": dict((n, "127.0.0.1") for n in NAMES),
              "arc_probe_ca_path": pki.ca_file, "arc_probe_expected_issuers": [TEST_CA_ORG],
              "arc_probe_endpoints": endpoints(good_port)}
    hosts = {}
    for name in SLICE_1 + SLICE_2:
        if name.startswith("drop"):
            hosts[name] = {"arc_probe_endpoints": endpoints(bad_port)}
        elif name.startswith("px"):
            hosts[name] = {"arc_proxy_url": "http://%s:%d" % proxy.address}
        else:
            hosts[name] = {}
    return {"all": {"vars": common, "hosts": hosts}}


def _runner(private, playbook, ident, extravars, limit=None):
    return ansible_runner.run(private_data_dir=private, playbook=playbook, extravars=extravars, ident=ident,
                              limit=limit, quiet=True, timeout=300,
                              envvars={"ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
                                       "PATH": os.pathsep.join([os.path.dirname(sys.executable),
                                                                os.environ.get("PATH", "")])})


@pytest.fixture(scope="module")
def runs(pki, tmp_path_factory):  # noqa: F811
    private = tmp_path_factory.mktemp("slices")
    shutil.copytree(PROJECT, str(private / "project"))
    os.makedirs(str(private / "inventory"))
    from servers import HTTPServer
    good = HTTPServer(cert=pki.valid).start()
    proxy = ConnectProxy(auth=("branch", "Sl1ce-proxy-pw")).start()
    try:
        with open(str(private / "inventory" / "hosts.json"), "w") as stream:
            json.dump(_inventory(pki, good.port, refused_port(), proxy), stream)
        out = {}
        reports = dict((key, str(private / "reports" / key)) for key in ("whole", "slice-1", "slice-2", "fleet"))
        base = {"arc_cloud": "AzureCloud", "arc_region": "eastus", "arc_fail_on": "required"}
        out["whole"] = _runner(str(private), "preflight.yml", "whole", dict(base, arc_report_dir=reports["whole"]))
        for key, hosts in (("slice-1", SLICE_1), ("slice-2", SLICE_2)):
            out[key] = _runner(str(private), "preflight.yml", key, dict(base, arc_report_dir=reports[key]),
                               limit=",".join(hosts))
    finally:
        good.stop()
        proxy.stop()
    out["fleet"] = _runner(str(private), "merge_reports.yml", "merge",
                           {"arc_merge_reports": str(private / "reports" / "slice-*" / "preflight.json"),
                            "arc_report_dir": reports["fleet"]})
    docs = {}
    for key, path in reports.items():
        with open(os.path.join(path, "preflight.json")) as stream:
            docs[key] = json.load(stream)
    return {"runners": out, "docs": docs, "reports": reports}


def _stable(value):
    if isinstance(value, dict):
        return dict((k, _stable(v)) for k, v in value.items() if k not in VOLATILE)
    if isinstance(value, list):
        return [_stable(v) for v in value]
    return value


def test_each_slice_writes_its_own_set_of_its_hosts(runs):
    for key, hosts in (("slice-1", SLICE_1), ("slice-2", SLICE_2)):
        assert runs["runners"][key].status == "failed" and runs["runners"][key].rc == 2  # not ready hosts
        assert sorted(runs["docs"][key]["hosts"]) == sorted(hosts)
        assert sorted(os.listdir(os.path.join(runs["reports"][key], "hosts"))) == sorted(h + ".json" for h in hosts)
    assert runs["docs"]["slice-1"]["run_id"] != runs["docs"]["slice-2"]["run_id"]


def test_the_merge_of_the_slices_equals_one_run_over_the_whole_inventory(runs):
    assert runs["runners"]["fleet"].status == "successful", runs["runners"]["fleet"].stdout.read()
    whole, fleet = runs["docs"]["whole"], runs["docs"]["fleet"]
    assert sorted(fleet["hosts"]) == sorted(SLICE_1 + SLICE_2)
    assert _stable(copy.deepcopy(fleet)) == _stable(copy.deepcopy(whole))
    assert sorted(s["run_id"] for s in fleet["slices"]) == sorted(
        runs["docs"][key]["run_id"] for key in ("slice-1", "slice-2"))
    # One set of groups over the fleet: the refused hosts, the proxy hosts (behind their proxy).
    assert [(g["count"], g["hosts"]) for g in fleet["groups"]] == [
        (3, ["px-1", "px-2", "px-3"]), (2, ["drop-1", "drop-2"])]
    assert "behind http://127.0.0.1:" in fleet["groups"][0]["title"]


def test_the_merged_set_is_complete_and_carries_its_run_id(runs):
    fleet_dir = runs["reports"]["fleet"]
    run_id = runs["docs"]["fleet"]["run_id"]
    assert sorted(os.listdir(os.path.join(fleet_dir, "hosts"))) == sorted(h + ".json" for h in SLICE_1 + SLICE_2)
    for name in os.listdir(os.path.join(fleet_dir, "hosts")):
        with open(os.path.join(fleet_dir, "hosts", name)) as stream:
            assert json.load(stream)["run_id"] == run_id
    for name in ("preflight.html", "preflight.junit.xml"):
        with open(os.path.join(fleet_dir, name)) as stream:
            assert run_id in stream.read()
    events = [e for e in runs["runners"]["fleet"].events if e.get("event") == "playbook_on_stats"]
    summary = events[0]["event_data"]["artifact_data"]["arc_preflight_summary"]
    assert summary["run_id"] == run_id and summary["hosts_total"] == 8 and summary["hosts_not_ready"] == 5
