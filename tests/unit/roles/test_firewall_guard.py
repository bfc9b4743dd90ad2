# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""arc_firewall's rollback guard ("commit confirmed"), its shell run as the role renders it, with one-second
windows and files in a temporary directory: it rolls back a change nobody confirmed, and a guard armed by an
earlier run that is still waiting does not roll back the change of a second run within its window."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys
import time

import yaml

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from templating import trusted  # noqa: E402

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "arc_firewall")


def _guard_script(tmp_path, seconds):
    with open(os.path.join(ROLE, "tasks", "linux", "guard.yml")) as stream:
        task = yaml.safe_load(stream)[0]
    with open(os.path.join(ROLE, "vars", "main.yml")) as stream:
        role_vars = yaml.safe_load(stream)
    names = ("__arc_firewall_guard_file", "__arc_firewall_confirm_file", "__arc_firewall_rolledback_file")
    assert all(name in role_vars for name in names)
    variables = dict((name, str(tmp_path / name.rsplit("_", 2)[-2])) for name in names)
    variables.update(arc_firewall_confirm_timeout=seconds,
                     __arc_firewall_rollback="echo rolled-back >>%s" % (tmp_path / "rollbacks"))
    argv = task["ansible.builtin.command"]["argv"]
    assert argv[:2] == ["/bin/sh", "-c"]
    return Templar(loader=DataLoader(), variables=variables).template(trusted(argv[2])), variables


def _arm(script):
    process = subprocess.Popen(["/bin/sh", "-c", script])
    time.sleep(0.3)  # armed: the guard file written, the old confirmation cleared
    return process


def _confirm(variables):
    open(variables["__arc_firewall_confirm_file"], "w").close()


def _rollbacks(tmp_path):
    path = tmp_path / "rollbacks"
    return path.read_text().splitlines() if path.exists() else []


def test_an_unconfirmed_change_is_rolled_back(tmp_path):
    script, variables = _guard_script(tmp_path, 1)
    _arm(script).wait(timeout=10)
    assert _rollbacks(tmp_path) == ["rolled-back"]
    assert os.path.exists(variables["__arc_firewall_rolledback_file"])


def test_a_confirmed_change_stays_and_the_guard_cleans_up(tmp_path):
    script, variables = _guard_script(tmp_path, 1)
    guard = _arm(script)
    _confirm(variables)
    guard.wait(timeout=10)
    assert _rollbacks(tmp_path) == []
    assert not [name for name in os.listdir(str(tmp_path)) if name != "rollbacks"]


def _two_runs(tmp_path):
    """A first run armed and confirmed, then a second run armed within the first guard's window (which clears the
    first run's confirmation while the first guard still sleeps): (variables, second guard), the first one done."""
    script, variables = _guard_script(tmp_path, 2)
    first = _arm(script)
    _confirm(variables)
    time.sleep(0.7)
    second = _arm(script)
    first.wait(timeout=10)
    return variables, second


def test_a_second_run_within_the_window_is_not_rolled_back_by_the_first_guard(tmp_path):
    variables, second = _two_runs(tmp_path)
    assert _rollbacks(tmp_path) == [], "the first guard rolled back the second run's change"
    _confirm(variables)
    second.wait(timeout=10)
    assert _rollbacks(tmp_path) == []


def test_the_newest_guard_still_rolls_back_its_own_unconfirmed_change(tmp_path):
    _variables, second = _two_runs(tmp_path)
    second.wait(timeout=10)
    assert _rollbacks(tmp_path) == ["rolled-back"]
