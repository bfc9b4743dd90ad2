# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight_progress callback in plain ansible-playbook runs: hosts done out of total, --limit, serial."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import subprocess
import sys

import pytest

import four_hosts
from servers import refused_port

PLAY = """
- hosts: all
  gather_facts: false
  serial: "{{ batch | default(0) | int }}"
  tasks:
    - name: Something else first
      ansible.builtin.debug:
        msg: not counted
    - name: Probe
      arcready.network.probe:
        endpoints:
          - {host: ok.example, port: %(port)d, scheme: https}
          - {host: wildcard.example, port: 443, scheme: https, probeable: false, reason: wildcard}
        resolve: {ok.example: 127.0.0.1}
        proxy_url: none
        timeout: 1
        fail_on: never
"""


def _run(tmp_path, *args, callbacks="arcready.network.preflight_progress"):
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAY % {"port": refused_port()})
    inventory = four_hosts.inventory(tmp_path)
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORKS="4")
    env.pop("ANSIBLE_CALLBACKS_ENABLED", None)
    if callbacks:
        env["ANSIBLE_CALLBACKS_ENABLED"] = callbacks
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", str(inventory),
                           str(playbook)] + list(args), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, env=env)
    lines = re.findall(r"^arc preflight: .*$", done.stdout, re.M)
    return done, lines


def test_counts_every_host_of_the_play(tmp_path):
    done, lines = _run(tmp_path)
    assert done.returncode == 2, done.stdout  # h4 has no Python
    assert [re.match(r"arc preflight: (\d+/\d+)", line).group(1) for line in lines] == ["1/4", "2/4", "3/4", "4/4"]
    assert "(0 ready, 3 with failures, 0 unreachable, 1 errors)" in lines[-1]
    assert any(re.search(r"- h\d: 0/1 endpoints ok, 1 required failed$", line) for line in lines)
    assert any(line.endswith("- h4: probe failed") for line in lines)
    # Each line follows a result of the probe task, inside that task's output.
    probe_task = done.stdout.index("TASK [Probe]")
    assert all(done.stdout.index(line) > probe_task for line in lines)


def test_limit_and_serial(tmp_path):
    _done, lines = _run(tmp_path, "--limit", "h1,h2,h3", "-e", "batch=1")
    assert [re.match(r"arc preflight: (\d+/\d+)", line).group(1) for line in lines] == ["1/3", "2/3", "3/3"]


def test_silent_unless_enabled(tmp_path):
    done, lines = _run(tmp_path, callbacks=None)
    assert "TASK [Probe]" in done.stdout and lines == []


@pytest.mark.parametrize("plugin_type", ["callback"])
def test_documented(plugin_type):
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-doc"), "-t", plugin_type,
                           "arcready.network.preflight_progress"], stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True)
    assert done.returncode == 0 and "callbacks_enabled" in done.stdout, done.stdout


@pytest.mark.parametrize("name", ["preflight_html", "preflight_junit", "preflight_summary", "preflight_verdict",
                                  "preflight_probe_timeout", "proxy_redact", "proxy_parse"])
def test_filters_documented(name):
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-doc"), "-t", "filter",
                           "arcready.network." + name], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True)
    assert done.returncode == 0 and "arcready.network." + name in done.stdout and "not found" not in done.stdout
