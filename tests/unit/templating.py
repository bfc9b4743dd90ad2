# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for tests that evaluate a role's own YAML with Ansible's templar."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar, trust_as_template


def trusted(value):
    """Role files are trusted templates in a play; values loaded with yaml.safe_load must be marked so by hand."""
    if isinstance(value, dict):
        return dict((k, trusted(v)) for k, v in value.items())
    if isinstance(value, list):
        return [trusted(v) for v in value]
    if isinstance(value, str):
        return trust_as_template(value)
    return value


def find_task(tasks, name, where="the task list"):
    """The task called name, at the top level or inside a block (then with the block's vars under its own)."""
    for task in tasks:
        if task.get("name") == name:
            return task
        for inner in task.get("block", []):
            if inner.get("name") == name:
                return dict(inner, vars=dict(task.get("vars") or {}, **(inner.get("vars") or {})))
    raise AssertionError("no task %r in %s" % (name, where))


def set_fact_values(templar, task):
    """What a set_fact task would set: its values templated with the templar's variables plus the task's vars."""
    local = Templar(loader=DataLoader(), variables=dict(templar.available_variables, **trusted(task.get("vars") or {})))
    return dict((key, local.template(trusted(value))) for key, value in task["ansible.builtin.set_fact"].items())
