# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The arcready.network.allowlist playbook through ansible-playbook, as users run it: files written once, a second
run unchanged, check mode writing nothing and showing no file contents, list variables as people type them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
BIN = os.path.dirname(sys.executable)


def playbook(tmp_path, *extra):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_DEPRECATION_WARNINGS="0",
               ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_LOCALHOST_WARNING="0")
    done = subprocess.run([os.path.join(BIN, "ansible-playbook"), os.path.join(REPO, "playbooks", "allowlist.yml"),
                           "-e", "ansible_python_interpreter=%s" % sys.executable] + list(extra),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env,
                          cwd=str(tmp_path), timeout=300)
    recap = re.search(r"localhost\s+: ok=(\d+)\s+changed=(\d+)\s+unreachable=\d+\s+failed=(\d+)", done.stdout)
    assert recap, done.stdout
    return done, dict(zip(("ok", "changed", "failed"), (int(n) for n in recap.groups())))


def snapshot(path):
    """{name: (size, mtime in ns)}: a file rewritten with the same bytes still shows."""
    return dict((name, (os.stat(os.path.join(path, name)).st_size, os.stat(os.path.join(path, name)).st_mtime_ns))
                for name in os.listdir(path))


def read(path, name):
    with open(os.path.join(path, name), "rb") as stream:
        return stream.read()


def test_playbook_writes_once_then_is_unchanged_and_check_mode_writes_nothing(tmp_path):
    dest = str(tmp_path / "allow")
    done, recap = playbook(tmp_path, "-e", "arc_region=eastus", "-e", "arc_allowlist_dir=%s" % dest,
                           "-e", "arc_scenarios=[sql,esu]")
    assert done.returncode == 0 and recap["changed"] == 1, done.stdout
    files = snapshot(dest)
    assert "squid-arc-allowlist.conf" in files and "NOTES.txt" in files
    assert b"www.microsoft.com" in read(dest, "names.txt")  # esu came through the [sql,esu] string
    assert b".eastus.arcdataservices.com" in read(dest, "squid-arc-allowlist.conf")  # and sql
    assert "wrote %d files in %s" % (len(files), dest) in done.stdout

    done, recap = playbook(tmp_path, "-e", "arc_region=eastus", "-e", "arc_allowlist_dir=%s" % dest,
                           "-e", "arc_scenarios=sql,esu")
    assert done.returncode == 0 and recap["changed"] == 0, done.stdout
    assert snapshot(dest) == files

    done, recap = playbook(tmp_path, "-e", "arc_region=eastus", "-e", "arc_allowlist_dir=%s" % dest, "--check",
                           "--diff")
    assert done.returncode == 0 and recap["changed"] == 1, done.stdout
    assert "would write" in done.stdout
    assert snapshot(dest) == files
    assert "acl arcready_arc" not in done.stdout and "dstdomain" not in done.stdout


def test_playbook_names_the_variable_to_fix(tmp_path):
    done, recap = playbook(tmp_path, "-e", "arc_allowlist_dir=%s" % (tmp_path / "allow"))
    assert done.returncode != 0 and recap["failed"] == 1
    assert "region (arc_region) is required" in done.stdout
    assert "Traceback" not in done.stdout
    assert not os.path.exists(str(tmp_path / "allow"))
