# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The stdout callback arcready.network.preflight: one line per host as its probe finishes, other per-host ok and
skipping lines left out at default verbosity (run-once tasks and failures shown), a compact recap; with -v the
default output comes back. The runs are ansible-playbook subprocesses (integration kind)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import subprocess
import sys

import pytest

import four_hosts
from servers import refused_port
from ansible_collections.arcready.network.plugins.callback.preflight import host_line

PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Per host, not the probe
      ansible.builtin.debug:
        msg: left out at default verbosity
    - name: Probe
      arcready.network.probe:
        endpoints:
          - {host: ok.example, port: %(port)d, scheme: https}
        resolve: {ok.example: 127.0.0.1}
        proxy_url: none
        timeout: 1
        fail_on: never
      ignore_errors: true
      ignore_unreachable: true
    - name: Once for the play
      ansible.builtin.debug:
        msg: shown
      run_once: true
    - name: A real failure is shown
      ansible.builtin.fail:
        msg: boom
      when: inventory_hostname == 'h2'
"""


def _run(tmp_path, *args):
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAY % {"port": refused_port()})
    inventory = four_hosts.inventory(tmp_path)
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORKS="4", ANSIBLE_STDOUT_CALLBACK="arcready.network.preflight")
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(inventory),
                           str(playbook)] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, env=env)
    return done


def test_one_line_per_host_and_a_compact_recap(tmp_path):
    done = _run(tmp_path)
    out = done.stdout
    progress = re.findall(r"^\[(\d)/4\] (h\d): (.*)$", out, re.M)
    assert sorted(p[1] for p in progress) == ["h1", "h2", "h3", "h4"]
    assert sorted(p[0] for p in progress) == ["1", "2", "3", "4"]
    said = dict((host, text) for _n, host, text in progress)
    assert said["h1"] == said["h2"] == said["h3"] and said["h1"].startswith("not ready: ")
    assert said["h4"].startswith("no result: ")
    assert "left out at default verbosity" not in out and not re.search(r"^ok: \[h\d\]$", out, re.M)
    assert '"msg": "shown"' in out
    assert re.search(r"^fatal: \[h2\]: FAILED! .*boom", out, re.M)
    assert "...ignoring" not in out
    recap = out[out.index("PLAY RECAP"):].splitlines()
    assert recap[1:] == ["4 hosts: 3 ok, 1 failed, 0 unreachable", "failed: h2"]
    assert done.returncode == 2


def test_verbose_gives_the_default_output_back(tmp_path):
    out = _run(tmp_path, "-v").stdout
    assert len(re.findall(r"^\[\d/4\] h\d: ", out, re.M)) == 4
    assert "left out at default verbosity" in out
    assert re.search(r"^h1\s+: ok=", out, re.M)


@pytest.mark.parametrize("data, outcome, said", [
    ({"endpoints": [{"host": "a", "port": 443, "ok": True, "required": True}]}, "ok", "ready"),
    ({"endpoints": [{"host": "a", "port": 443, "ok": False, "required": True, "failed_stage": "dns",
                     "failed_reason": "dns.nxdomain"},
                    {"host": "b", "port": 443, "ok": False, "required": True, "failed_stage": "dns",
                     "failed_reason": "dns.nxdomain"}]}, "ok", "not ready: no Azure name resolves on this host"),
    ({"endpoints": [{"host": "a", "port": 443, "ok": True, "required": True},
                    {"host": "b", "port": 443, "ok": False, "required": False, "failed_stage": "tcp",
                     "failed_reason": "tcp.refused"}]}, "ok", "ready, optional failing: "),
    ({"msg": "MODULE FAILURE\nmore"}, "failed", "no result: MODULE FAILURE"),
    ({"msg": "Failed to connect"}, "unreachable", "no result: Failed to connect"),
    ({}, "unreachable", "no result: unreachable"),
])
def test_host_line(data, outcome, said):
    assert host_line(data, outcome).startswith(said)
