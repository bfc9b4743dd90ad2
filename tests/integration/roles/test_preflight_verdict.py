# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight's verdict as a person reads it, from a real run of playbooks/preflight.yml against localhost.

Five loopback endpoints that refuse: after writing the reports the host fails (counted in the stats) with a short
message pointing at the fleet summary, which names the counts, the work item and who acts, cloud, region (loudly:
it was not set) and edition. A comma-separated string of
scenarios reaches the probe as a list, and a relative arc_report_dir lands under the directory the run started in.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import subprocess
import sys

from servers import refused_port

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
BIN = os.path.dirname(sys.executable)


def _run(tmp_path, extra):
    variables = dict({"ansible_python_interpreter": sys.executable, "arc_probe_timeout": 1}, **extra)
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_DEPRECATION_WARNINGS="0",
               ANSIBLE_RETRY_FILES_ENABLED="0")
    env.pop("PWD", None)  # the report directory must not depend on it
    return subprocess.run([os.path.join(BIN, "ansible-playbook"), os.path.join(REPO, "playbooks", "preflight.yml"),
                           "-i", "localhost,", "-c", "local", "-e", json.dumps(variables)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env,
                          cwd=str(tmp_path), timeout=300)


def test_verdict_names_the_first_failures_and_counts_the_rest(tmp_path):
    ports = [refused_port() for _ in range(5)]
    done = _run(tmp_path, {"arc_probe_endpoints": [{"host": "127.0.0.1", "port": p} for p in ports],
                           "arc_scenarios": "ssh,esu", "arc_report_dir": "reports"})
    assert done.returncode != 0, done.stdout
    # The host fails in the stats (AWX counts it), with a short message: the fleet summary says why.
    fatal = re.findall(r'^fatal: \[(\S+)\]: FAILED! => (.*)$', done.stdout, re.M)
    assert len(fatal) == 1 and fatal[0][0] == "localhost", done.stdout
    text = json.loads(fatal[0][1])["msg"]
    assert text == "localhost is not ready (arc_fail_on=required): see the fleet summary above and %s" % (
        tmp_path / "reports" / "preflight.html")
    assert re.search(r"^localhost\s+: ok=\d+ .*failed=1 ", done.stdout, re.M)
    summary = done.stdout[done.stdout.index("Show the fleet summary"):]
    assert "checked: cloud AzureCloud, region eastus, edition 2026-06 -- WARNING: arc_region is not set" in summary
    assert "hosts: 0 ready, 1 not ready, 0 no result (of 1); checks: 0 ok, 5 failed" in summary
    assert "1 host: TCP: connection refused" in summary and "who acts: network / firewall team" in summary

    report = json.loads((tmp_path / "reports" / "hosts" / "localhost.json").read_text())
    assert report["warnings"] == []
    assert report["inputs"]["scenarios"] == ["ssh", "esu"]
    assert report["summary"]["required_failed"] == 5
    assert (tmp_path / "reports" / "preflight.html").is_file()
