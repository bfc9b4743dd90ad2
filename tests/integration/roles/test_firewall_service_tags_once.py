# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""arc_firewall reads the Service Tags file once per play, not once per host (issue 14 item 6).

A real ansible-playbook run over 30 inventory hosts with ansible_connection=local runs the role's service_tags.yml;
a Python audit hook (sitecustomize on PYTHONPATH, inherited by the forked workers) counts every open of the file.
Before the fix the count was 31; a host whose options differ from the first host's reads its own file.
Belongs in the integration suite (it runs ansible-playbook).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
FIXTURE = os.path.join(REPO, "tests", "data", "service_tags", "ServiceTags_Public_20260105.json")
HOOK = '''
import os, sys
_log = os.environ["ARC_TEST_OPEN_LOG"]
_watched = os.environ["ARC_TEST_WATCHED"]
def _hook(event, args):
    if event == "open" and args and str(args[0]) == _watched:
        with open(_log, "a") as stream:
            stream.write("%d\\n" % os.getpid())
sys.addaudithook(_hook)
'''
PLAY = '''
- hosts: fleet
  gather_facts: false
  vars:
    arc_firewall_destinations: service_tags
    arc_firewall_service_tags_path: {fixture}
  tasks:
    - name: The role's service tags tasks
      ansible.builtin.include_role:
        name: arcready.network.arc_firewall
        tasks_from: service_tags.yml
    - name: Every host has its prefixes
      ansible.builtin.assert:
        that: __arc_firewall_service_tags_result.prefixes | length > 0
'''


def reads(tmp_path, hosts=30, odd_host=None):
    (tmp_path / "hook").mkdir()
    (tmp_path / "hook" / "sitecustomize.py").write_text(HOOK)
    lines = ["[fleet]"]
    for index in range(hosts):
        line = "h%02d ansible_connection=local ansible_python_interpreter=%s" % (index, sys.executable)
        if index == odd_host:
            line += " arc_firewall_service_tags=AzureTrafficManager"
        lines.append(line)
    (tmp_path / "inventory").write_text("\n".join(lines) + "\n")
    (tmp_path / "play.yml").write_text(PLAY.format(fixture=FIXTURE))
    log = tmp_path / "opens.log"
    env = dict(os.environ, PYTHONPATH=str(tmp_path / "hook"), ARC_TEST_OPEN_LOG=str(log), ARC_TEST_WATCHED=FIXTURE,
               ANSIBLE_LOCALHOST_WARNING="0", ANSIBLE_FORKS="5")
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    run = subprocess.run([playbook, "-i", str(tmp_path / "inventory"), str(tmp_path / "play.yml")], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    assert run.returncode == 0, run.stdout.decode()[-3000:]
    return len(log.read_text().splitlines()) if log.exists() else 0


@pytest.mark.parametrize("odd_host, expected", [(None, 1), (7, 2)])
def test_the_file_is_read_once_per_play(tmp_path, odd_host, expected):
    assert reads(tmp_path, odd_host=odd_host) == expected
