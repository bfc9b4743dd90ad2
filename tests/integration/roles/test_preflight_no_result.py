# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""INTEGRATION (runs ansible-playbook; belongs in tests/integration): one host whose probe never returns in time
does not hold up the preflight, and every host's report is written.

Two hosts on the local connection: "quick" probes a refused loopback port, "stuck" probes a server that accepts
and never answers, with a probe task timeout far below the probe's own budget, and a third whose probe module
fails at once (a ca_path that does not exist). The stuck probe is stopped by its task timeout (the message
says after how long), each host has its hosts/<host>.json, and the fleet report lists the stuck and failed hosts under "no result" with why.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import yaml

from servers import SilentServer, refused_port

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
BIN = os.path.dirname(sys.executable)


def test_a_stuck_host_is_cut_off_and_every_report_is_written(tmp_path):
    silent = SilentServer().start()
    try:
        hosts = {
            "quick": {"arc_probe_endpoints": [{"host": "127.0.0.1", "port": refused_port()}]},
            "stuck": {"arc_probe_endpoints": [{"host": "127.0.0.1", "port": silent.port}],
                      "arc_probe_timeout": 30, "arc_probe_task_timeout": 3},
            "broken": {"arc_probe_endpoints": [{"host": "127.0.0.1", "port": refused_port()}],
                       "arc_probe_ca_path": str(tmp_path / "missing.pem")},
        }
        inventory = tmp_path / "inventory.yml"
        inventory.write_text(yaml.safe_dump({"all": {"hosts": hosts, "vars": {
            "ansible_connection": "local", "ansible_python_interpreter": sys.executable, "arc_probe_timeout": 1,
            "arc_report_dir": str(tmp_path / "reports")}}}))
        done = subprocess.run([os.path.join(BIN, "ansible-playbook"), "-i", str(inventory),
                               os.path.join(REPO, "playbooks", "preflight.yml")], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, universal_newlines=True, timeout=300,
                              env=dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORKS="3"))
    finally:
        silent.stop()
    assert done.returncode != 0, done.stdout
    reports = tmp_path / "reports"
    for host in hosts:
        assert (reports / "hosts" / ("%s.json" % host)).is_file(), (host, done.stdout[-3000:])
    fleet = json.loads((reports / "preflight.json").read_text())
    assert list(fleet["hosts"]) == ["quick"]
    assert fleet["unreported"]["stuck"] == "the probe task ran out of time after 3 s and was stopped"
    assert fleet["unreported"]["broken"].startswith("ca_path ")
    stuck = json.loads((reports / "hosts" / "stuck.json").read_text())
    assert stuck["verdict"]["status"] == "no_result" and "endpoints" not in stuck
    html = (reports / "preflight.html").read_text()
    assert 'data-cause="no_result"' in html and "ran out of time after 3 s" in html
    # Each host fails after the reports: the fleet summary says why once per group, the verdict names each host.
    assert "the probe task ran out of time after 3 s and was stopped" in done.stdout
    assert "stuck is without a result" in done.stdout and "broken is without a result" in done.stdout
    assert "quick is not ready" in done.stdout
