# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""preflight_report verifiers: the ansible-runner job's artifacts and stats, the progress lines, the JUnit XML,
and the HTML report in headless Chromium. These are fleet checks: they read the controller-side files only.

ARC_REPORT_SCREENSHOT=path copies the screenshot there (docs/img/preflight-report.png is made so).
"""

import json
import os
import re
import shutil
import xml.etree.ElementTree as ET

import pytest

import chromium

EPHEMERAL = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "")
STATUS = {
    "arcrp-ready-deb12": "ready", "arcrp-ready-deb13": "ready", "arcrp-telemetry": "warning",
    "arcrp-dropped": "not_ready", "arcrp-mitm": "not_ready", "arcrp-proxy-noauth": "not_ready",
    "arcrp-legacy": "not_ready",
}
RGB = {"ok": "rgb(26, 127, 55)", "fail": "rgb(207, 34, 46)", "warn": "rgb(191, 135, 0)",
       "skip": "rgb(140, 149, 159)", "none": "rgb(255, 255, 255)"}


def _json(path):
    with open(path) as stream:
        return json.load(stream)


@pytest.fixture(scope="module")
def run():
    return _json(os.path.join(EPHEMERAL, "runner-run.json"))


@pytest.fixture(scope="module")
def fleet(run):
    return _json(os.path.join(run["reports"], "preflight.json"))


def test_runner_outcome(run):
    assert run["status"] == "failed" and run["rc"] == 2
    assert sorted(run["stats"]["failures"]) == sorted(h for h, s in STATUS.items() if s == "not_ready")
    assert not run["stats"]["dark"]
    for name in ("stdout", "status", "rc", "command", "job_events"):
        assert os.path.exists(os.path.join(run["artifacts"], name)), name


def test_set_stats_summary(run):
    summary = run["artifact_data"]["arc_preflight_summary"]
    assert summary["ready"] is False
    assert (summary["hosts_total"], summary["hosts_ready"], summary["hosts_warning"], summary["hosts_not_ready"],
            summary["hosts_no_result"]) == (7, 2, 1, 4, 0)
    causes = set(summary["causes"])  # keyed on reason codes
    assert {"tcp.timeout", "proxy.auth_required"} <= causes, causes
    assert [c for c in causes if c.startswith("tls_inspection.")] and [c for c in causes if c.startswith("tls.")], causes
    # arcrp-dropped: two required and the telemetry host; arcrp-telemetry: the telemetry host.
    assert summary["causes"]["tcp.timeout"] == dict(summary["causes"]["tcp.timeout"], endpoints=4, hosts=2)


def test_progress(run):
    done = [re.match(r"arc preflight: (\d+)/(\d+) hosts probed", line).groups() for line in run["progress"]]
    assert done == [(str(i), "7") for i in range(1, 8)]


def test_junit(run):
    root = ET.parse(os.path.join(run["reports"], "preflight.junit.xml")).getroot()
    suites = dict((s.get("name"), s) for s in root.findall("testsuite"))
    assert sorted(suites) == sorted(STATUS)
    assert suites["arcrp-ready-deb12"].get("failures") == "0"
    assert int(suites["arcrp-dropped"].get("failures")) == 3
    legacy = set(f.get("type") for f in suites["arcrp-legacy"].findall("testcase/failure"))
    assert legacy == {"tls"}


def test_html_in_chromium(run, fleet, tmp_path):
    if not all(chromium.binaries()):
        pytest.fail("chromium and chromium-driver are needed (tests/run.sh installs them)")
    browser = chromium.Chromium(str(tmp_path / "profile"), width=1400, height=1000)
    try:
        browser.get("file://" + os.path.join(run["reports"], "preflight.html"))
        rows = browser.execute("""
          return Array.from(document.querySelectorAll('#matrix tbody tr[data-host]')).map(function (tr) {
            return {host: tr.getAttribute('data-host'), status: tr.getAttribute('data-status'),
                    cells: Array.from(tr.querySelectorAll('td.cell')).map(function (td) {
                      return {url: td.getAttribute('data-endpoint'), result: td.getAttribute('data-result'),
                              bg: getComputedStyle(td).backgroundColor};
                    })};
          });""")
        assert browser.execute("return performance.getEntriesByType('resource').length;") == 0
        assert dict((r["host"], r["status"]) for r in rows) == STATUS
        for row in rows:
            endpoints = dict((e["url"], e) for e in fleet["hosts"][row["host"]]["endpoints"])
            for cell in row["cells"]:
                ep = endpoints.get(cell["url"])
                want = ("none" if ep is None else "skip" if not ep["probeable"] else "ok" if ep["ok"]
                        else "fail" if ep["required"] else "warn")
                assert (cell["result"], cell["bg"]) == (want, RGB[want]), (row["host"], cell["url"])
        tiles = browser.execute("var o = {}; document.querySelectorAll('.tile').forEach(function (t) {"
                                " o[t.id] = parseInt(t.getAttribute('data-count'), 10); }); return o;")
        assert (tiles["count-total"], tiles["count-ready"], tiles["count-not_ready"], tiles["count-warning"]) == \
            (7, 2, 4, 1)
        shot = os.path.join(EPHEMERAL, "preflight-report.png")
        png = browser.screenshot(shot)
        assert png[:8] == b"\x89PNG\r\n\x1a\n"
        if os.environ.get("ARC_REPORT_SCREENSHOT"):
            shutil.copyfile(shot, os.environ["ARC_REPORT_SCREENSHOT"])
    finally:
        browser.quit()
