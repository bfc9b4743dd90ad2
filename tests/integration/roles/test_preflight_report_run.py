# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The report set of real ansible-playbook runs of playbooks/preflight.yml (local connection, loopback servers):
written once for the play by arcready.network.preflight_report, in check mode too and without diffs, compared
with a baseline, and written (saying so) when the probe fails on every host. Belongs in the integration suite
(ansible-playbook subprocesses)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shutil
import subprocess
import sys

from servers import TEST_CA_ORG, lab, pki, refused_port  # noqa: F401  (fixtures)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
BIN = os.path.dirname(sys.executable)
NAME = "management.azure.com"


def _inventory(tmp_path, pki, good_port, bad_port, fixed=False):  # noqa: F811
    common = {"ansible_connection": "local", "ansible_python_interpreter": sys.executable, "arc_probe_timeout": 1,
              "arc_proxy_url": "none", "arc_probe_resolve": {NAME: "127.0.0.1"}, "arc_probe_ca_path": pki.ca_file,
              "arc_probe_expected_issuers": [TEST_CA_ORG]}
    good = {"arc_probe_endpoints": [{"host": NAME, "port": good_port}]}
    bad = {"arc_probe_endpoints": [{"host": NAME, "port": good_port if fixed else bad_port}]}
    path = tmp_path / ("inventory-fixed.json" if fixed else "inventory.json")
    path.write_text(json.dumps({"all": {"vars": common, "hosts": {"web-01": good, "web-02": good, "db-01": bad}}}))
    return str(path)


def _play(tmp_path, inventory, *args, **extra):
    variables = dict({"arc_report_dir": str(tmp_path / "reports")}, **extra)
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_DEPRECATION_WARNINGS="0",
               ANSIBLE_RETRY_FILES_ENABLED="0")
    done = subprocess.run([os.path.join(BIN, "ansible-playbook"), os.path.join(REPO, "playbooks", "preflight.yml"),
                           "-i", inventory, "-e", json.dumps(variables)] + list(args),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env,
                          cwd=str(tmp_path), timeout=300)
    with open(str(tmp_path / "reports" / "preflight.json")) as stream:
        return done, json.load(stream)


def test_check_diff_run_writes_the_set_once_without_diffs_then_a_baseline_gives_changes(tmp_path, pki, lab):  # noqa: F811
    server = lab.http(cert=pki.valid)
    inventory = _inventory(tmp_path, pki, server.port, refused_port())
    done, first = _play(tmp_path, inventory, "--check", "--diff")
    assert done.returncode == 2, done.stdout
    # One report task for the play, nothing changed, no diff of any report file.
    assert len(re.findall(r"TASK \[arcready\.network\.arc_preflight : Write the reports of every host at once\]",
                          done.stdout)) == 1
    assert "--- before" not in done.stdout and "+++ after" not in done.stdout
    assert re.findall(r"changed=(\d+)", done.stdout) == ["0", "0", "0"], done.stdout
    assert sorted(first["hosts"]) == ["db-01", "web-01", "web-02"]
    assert [(g["count"], g["hosts"], g["owner"]) for g in first["groups"]] == [(1, ["db-01"], "network / firewall team")]
    assert first["hosts"]["db-01"]["verdict"]["status"] == "not_ready"
    assert first["run_id"] in done.stdout
    baseline = tmp_path / "last-week.json"
    shutil.copy(str(tmp_path / "reports" / "preflight.json"), str(baseline))

    done, second = _play(tmp_path, _inventory(tmp_path, pki, server.port, 0, fixed=True),
                         arc_report_baseline=str(baseline))
    assert done.returncode == 0, done.stdout
    assert second["run_id"] != first["run_id"] and second["groups"] == []
    changes = second["changes"]
    assert changes["baseline"]["run_id"] == first["run_id"]
    assert [(e["hosts"], e["signature"]) for e in changes["fixed"]] == [(["db-01"], first["groups"][0]["signature"])]
    assert changes["counts"]["newly_failing"] == 0 and changes["counts"]["still_failing"] == 0
    assert 'data-change="fixed" data-count="1"' in (tmp_path / "reports" / "preflight.html").read_text()
    # The first run's set is kept under .runs, whole.
    runs = sorted(os.listdir(str(tmp_path / "reports" / ".runs")))
    assert runs == sorted([first["run_id"], second["run_id"]])


def test_an_input_error_on_every_host_still_writes_a_report_saying_so(tmp_path, pki, lab):  # noqa: F811
    server = lab.http(cert=pki.valid)
    inventory = _inventory(tmp_path, pki, server.port, refused_port())
    _done, good = _play(tmp_path, inventory)
    # A region of another cloud is still an input error (an unlisted region of the cloud is only a warning).
    done, bad = _play(tmp_path, inventory, arc_probe_endpoints=[], arc_region="usgovvirginia")
    assert done.returncode == 2, done.stdout
    assert bad["run_id"] != good["run_id"] and bad["hosts"] == {}
    assert sorted(bad["unreported"]) == ["db-01", "web-01", "web-02"]
    assert all("unknown region" in why and "usgovvirginia" in why for why in bad["unreported"].values())
    assert [(g["kind"], g["count"]) for g in bad["groups"]] == [("no_result", 3)]
    html = (tmp_path / "reports" / "preflight.html").read_text()
    assert bad["run_id"] in html and "unknown region" in html
    assert bad["run_id"] in (tmp_path / "reports" / "preflight.junit.xml").read_text()
    # Every host of the run has its file, saying why it has no result.
    files = sorted(os.listdir(str(tmp_path / "reports" / "hosts")))
    assert files == ["db-01.json", "web-01.json", "web-02.json"]
    with open(str(tmp_path / "reports" / "hosts" / "web-01.json")) as stream:
        host = json.load(stream)
    assert host["verdict"]["status"] == "no_result" and "usgovvirginia" in host["no_result"]
    assert host["run_id"] == bad["run_id"]
