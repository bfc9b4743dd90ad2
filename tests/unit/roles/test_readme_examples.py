# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The README's examples run as written: the YAML parses, and the tasks run in a play on this machine, the probe's
names mapped to loopback (module_defaults adds ``resolve``; nothing listens there, so endpoints fail), and the
probe example does not fail its task, so the next example runs. Needs an ansible-playbook subprocess
(integration kind)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import subprocess
import sys

import pytest
import yaml

from ansible_collections.arcready.network.plugins.module_utils._catalogue import build

README = os.path.join(os.path.dirname(__file__), "..", "..", "..", "README.md")


def _examples():
    with open(README) as stream:
        text = stream.read()
    section = text[text.index("## Examples"):]
    return re.search(r"```yaml\n(.*?)```", section, re.S).group(1)


def test_the_examples_parse_as_tasks():
    tasks = yaml.safe_load(_examples())
    assert isinstance(tasks, list) and len(tasks) >= 4
    assert all(isinstance(t, dict) and t.get("name") for t in tasks)
    probe = [t for t in tasks if "arcready.network.probe" in t]
    assert len(probe) == 1 and probe[0]["arcready.network.probe"].get("fail_on") == "never"


@pytest.mark.integration  # runs ansible-playbook
def test_the_examples_run_against_loopback(tmp_path):
    tasks = yaml.safe_load(_examples())
    probe = [t for t in tasks if "arcready.network.probe" in t][0]["arcready.network.probe"]
    names = set(r["host"] for r in build("AzureCloud", probe["region"], scenarios=probe.get("scenarios") or [])
                if r["probeable"])
    play = [{"hosts": "localhost", "gather_facts": False,
             "module_defaults": {"arcready.network.probe": {"resolve": dict((n, "127.0.0.1") for n in names)}},
             "tasks": tasks}]
    playbook = tmp_path / "readme.yml"
    playbook.write_text(yaml.safe_dump(play))
    env = dict(os.environ, ANSIBLE_NOCOLOR="1")
    for key in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        env.pop(key, None)
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", "localhost,",
                           "-c", "local", "-e", "ansible_python_interpreter=%s" % sys.executable, str(playbook)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env)
    assert done.returncode == 0, done.stdout[-4000:]
    assert re.search(r"ok=%d\s+changed=0\s+unreachable=0\s+failed=0" % len(tasks), done.stdout), done.stdout[-2000:]
    assert "ENDPOINT" in done.stdout  # the last example showed the table
