# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight run through ansible-runner, the engine AWX / Automation Controller runs jobs with.

The AWX sample project (awx/project: ansible.cfg, preflight.yml) is the runner's project directory, the inventory
is the loopback fleet of tests/integration/fleetlab.py (mixed results: ready, tcp timeouts, TLS inspection, an optional
failure, a proxy 407, a host without a result), and the answers come as extra vars the way a survey passes them.
The run happens once per module; the tests read its artifacts: status, rc, stdout, job_events, the
playbook_on_stats event's artifact_data (set_stats, what AWX turns into workflow artifacts), the progress lines
of the callback, and the reports on disk.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import os
import re
import shutil
import sys
import time
import xml.etree.ElementTree as ET

import pytest

from fleetlab import DROPPED, EXPECTED_STATUS, HOSTS, TELEMETRY, FleetLab
from servers import pki  # noqa: F401  (fixture)

ansible_runner = pytest.importorskip("ansible_runner")

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
PROJECT = os.path.join(REPO, "awx", "project")


@pytest.fixture(scope="module")
def run(pki, tmp_path_factory):  # noqa: F811
    lab = FleetLab(pki)
    try:
        private = tmp_path_factory.mktemp("runner")
        shutil.copytree(PROJECT, str(private / "project"))
        os.makedirs(str(private / "inventory"))
        with open(str(private / "inventory" / "hosts.yml"), "w") as stream:
            json.dump(lab.inventory(), stream)
        reports = str(private / "reports")
        # Survey answers arrive as extra vars, strings for multiplechoice questions.
        extravars = {"arc_cloud": "AzureCloud", "arc_region": "eastus", "arc_private_link": "false",
                     "arc_fail_on": "required", "arc_report_dir": reports}
        # ANSIBLE_COLLECTIONS_PATH (set by conftest.py) reaches the job through the environment, as AWX's does.
        start = time.monotonic()
        runner = ansible_runner.run(private_data_dir=str(private), playbook="preflight.yml", extravars=extravars,
                                    ident="preflight", quiet=True, timeout=300,
                                    envvars={"ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
                                             # ansible-playbook of the Python running the tests
                                             "PATH": os.pathsep.join([os.path.dirname(sys.executable),
                                                                      os.environ.get("PATH", "")])})
        elapsed = time.monotonic() - start
    finally:
        lab.stop()
    artifacts = os.path.join(str(private), "artifacts", "preflight")
    return {"runner": runner, "artifacts": artifacts, "reports": reports, "elapsed": elapsed,
            "events": list(runner.events)}


def _stdout(run):
    with open(os.path.join(run["artifacts"], "stdout")) as stream:
        return stream.read()


def test_runner_status_and_rc(run):
    runner = run["runner"]
    # Hosts that are not ready fail the play (arc_fail_on=required), after the reports are written.
    assert runner.status == "failed", _stdout(run)[-3000:]
    assert runner.rc == 2
    assert run["elapsed"] < 240


def test_artifacts_layout(run):
    artifacts = run["artifacts"]
    for name in ("stdout", "status", "rc", "command", "job_events"):
        assert os.path.exists(os.path.join(artifacts, name)), name
    with open(os.path.join(artifacts, "status")) as stream:
        assert stream.read().strip() == "failed"
    with open(os.path.join(artifacts, "rc")) as stream:
        assert stream.read().strip() == "2"
    events = sorted(glob.glob(os.path.join(artifacts, "job_events", "*.json")))
    assert len(events) > 20
    with open(events[0]) as stream:
        first = json.load(stream)
    assert first["event"] == "playbook_on_start"
    assert "uuid" in first and "counter" in first


def test_runner_stats(run):
    stats = run["runner"].stats
    failed = set(stats["failures"])
    assert failed == {"arc-db-03", "arc-app-04", "arc-branch-06", "arc-broken-07"}
    assert not stats["dark"]
    assert set(stats["ok"]) >= {"arc-web-01", "arc-web-02", "arc-tel-05"}


def test_set_stats_reach_the_artifacts(run):
    stats_events = [e for e in run["events"] if e["event"] == "playbook_on_stats"]
    assert len(stats_events) == 1
    summary = stats_events[0]["event_data"]["artifact_data"]["arc_preflight_summary"]
    assert summary["ready"] is False
    assert summary["hosts_total"] == 7
    assert summary["hosts_ready"] == 2
    assert summary["hosts_warning"] == 1
    assert summary["hosts_not_ready"] == 3
    assert summary["hosts_no_result"] == 1
    assert summary["hosts_failed"] == 4
    assert sorted(summary["not_ready_hosts"]) == ["arc-app-04", "arc-branch-06", "arc-db-03"]
    assert summary["no_result_hosts"] == ["arc-broken-07"]
    # The lab's inspecting proxy signs with a CA these hosts do not trust.
    assert set(summary["causes"]) == {"tcp.timeout", "tls_inspection.untrusted", "proxy.auth_required", "tcp.refused"}
    assert summary["causes"]["tcp.timeout"]["endpoints"] == len(DROPPED)
    assert summary["causes"]["tcp.refused"]["blocking"] is False
    assert summary["report_dir"] == run["reports"]
    assert summary["cloud"] == "AzureCloud" and summary["region"] == "eastus"


def test_progress_lines_while_probing(run):
    """The callback enabled by the project's ansible.cfg prints hosts done out of total as results arrive."""
    lines = [e["stdout"] for e in run["events"] if "arc preflight:" in (e.get("stdout") or "")]
    done = [int(re.search(r"arc preflight: (\d+)/(\d+) hosts probed", line).group(1)) for line in lines]
    totals = set(int(re.search(r"/(\d+) hosts probed", line).group(1)) for line in lines)
    assert done == list(range(1, len(HOSTS) + 1)), lines
    assert totals == {len(HOSTS)}
    # Each line comes right after that host's probe result, before the next task starts.
    counters = dict((e["counter"], e) for e in run["events"])
    probe_task_start = [e["counter"] for e in run["events"] if e["event"] == "playbook_on_task_start"
                        and e["event_data"].get("resolved_action") == "arcready.network.preflight_probe"]
    next_task = [e["counter"] for e in run["events"] if e["event"] == "playbook_on_task_start"
                 and e["counter"] > probe_task_start[0]][0]
    progress = [e["counter"] for e in run["events"] if "arc preflight:" in (e.get("stdout") or "")]
    assert all(probe_task_start[0] < c < next_task for c in progress)
    results = [c for c in range(probe_task_start[0], next_task)
               if counters.get(c, {}).get("event") in ("runner_on_ok", "runner_on_failed", "runner_on_unreachable")]
    assert len(results) == len(HOSTS)
    # Progress is interleaved with the results, not printed in one go at the end.
    assert progress[0] < results[-1]
    assert "(2 ready, 4 with failures, 0 unreachable, 1 errors)" in lines[-1], lines[-1]


def test_reports_on_disk(run):
    reports = run["reports"]
    with open(os.path.join(reports, "preflight.json")) as stream:
        fleet = json.load(stream)
    assert sorted(fleet["hosts"]) == sorted(EXPECTED_STATUS)
    assert list(fleet["unreported"]) == ["arc-broken-07"]
    assert "python" in fleet["unreported"]["arc-broken-07"].lower() or fleet["unreported"]["arc-broken-07"]
    for host in EXPECTED_STATUS:
        assert os.path.exists(os.path.join(reports, "hosts", host + ".json"))
    db = dict((e["host"], e) for e in fleet["hosts"]["arc-db-03"]["endpoints"])
    for name in DROPPED:
        assert db[name]["failed_stage"] == "tcp" and "timed out" in db[name]["error"]
    tel = dict((e["host"], e) for e in fleet["hosts"]["arc-tel-05"]["endpoints"])
    assert tel[TELEMETRY]["required"] is False and tel[TELEMETRY]["failed_stage"] == "tcp"
    assert all(e["failed_stage"] == "tls_inspection" for e in fleet["hosts"]["arc-app-04"]["endpoints"]
               if e["probeable"])
    assert all(e["failed_stage"] == "proxy" and "407" in e["error"]
               for e in fleet["hosts"]["arc-branch-06"]["endpoints"] if e["probeable"])
    assert fleet["parameters"]["private_link"] is False
    # The proxy password is nowhere in what the job leaves behind.
    left = glob.glob(os.path.join(reports, "**", "*"), recursive=True) + [os.path.join(run["artifacts"], "stdout")]
    for path in left:
        if os.path.isfile(path):
            with open(path, errors="replace") as stream:
                assert "S3cret-proxy-pw" not in stream.read(), path


def test_junit_report_of_the_run(run):
    tree = ET.parse(os.path.join(run["reports"], "preflight.junit.xml"))
    root = tree.getroot()
    suites = dict((s.get("name"), s) for s in root.findall("testsuite"))
    assert sorted(suites) == sorted(HOSTS)
    assert int(root.get("errors")) == 1
    assert suites["arc-web-01"].get("failures") == "0"
    assert int(suites["arc-db-03"].get("failures")) == len(DROPPED)
    failures = suites["arc-db-03"].findall("testcase/failure")
    assert set(f.get("type") for f in failures) == {"tcp"}
    tel = [c for c in suites["arc-tel-05"].findall("testcase") if c.find("failure") is not None]
    assert len(tel) == 1 and tel[0].find("failure").get("message").startswith("[optional] ")
    assert suites["arc-web-01"].findall("testcase/skipped")  # the wildcard rows


def test_html_report_of_the_run(run):
    with open(os.path.join(run["reports"], "preflight.html")) as stream:
        page = stream.read()
    # The matrix rows are data the page draws (one JSON script element).
    data = json.loads(re.search(r'<script type="application/json" id="matrix-data">(.*?)</script>', page, re.S).group(1))
    statuses = dict((row[0], row[1]) for row in data["rows"])
    for host, status in EXPECTED_STATUS.items():
        assert statuses[host] == status, host
    assert statuses["arc-broken-07"] == "no_result"
    assert "S3cret-proxy-pw" not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
