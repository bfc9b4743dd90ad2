# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The report's words: the verdict reads naturally for any count, and a host without a result says what the
module said (its exit status and last words), not only Ansible's message."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.arcready.network.plugins.action.preflight_report import NO_RESULT, no_result_why
from ansible_collections.arcready.network.plugins.plugin_utils._report import verdict_text


def _summary(total, failed, ready=None, warning=0):
    return {"hosts_total": total, "hosts_failed": failed, "hosts_warning": warning,
            "ready": (failed == 0 and total > 0) if ready is None else ready}


@pytest.mark.parametrize("total, failed, warning, text", [
    (0, 0, 0, "No host reported a result"),
    (1, 1, 0, "The host is not ready for Azure Arc"),
    (1, 0, 0, "The host reaches every required Azure Arc endpoint"),
    (3, 3, 0, "None of the 3 hosts is ready for Azure Arc"),
    (11, 1, 0, "1 of 11 hosts is not ready for Azure Arc"),
    (11, 7, 0, "7 of 11 hosts are not ready for Azure Arc"),
    (5, 0, 1, "All 5 hosts reach every required Azure Arc endpoint (1 host with optional endpoints failing)"),
    (5, 0, 2, "All 5 hosts reach every required Azure Arc endpoint (2 hosts with optional endpoints failing)"),
])
def test_verdict_reads_naturally(total, failed, warning, text):
    assert verdict_text(_summary(total, failed, warning=warning)) == text


@pytest.mark.parametrize("result, parts", [
    (None, [NO_RESULT]),
    ({}, [NO_RESULT]),
    ({"msg": "MODULE FAILURE\nSee stdout/stderr for the exact error", "rc": 1,
      "module_stderr": "Traceback...\nMemoryError: out of memory\n"},
     ["MODULE FAILURE", "exit status 1", "module stderr: MemoryError: out of memory"]),
    ({"msg": "Unable to deserialize the module's output", "rc": 137, "module_stdout": "{\"partial\": "},
     ["deserialize", "exit status 137", "module stdout: {\"partial\":"]),
    ({"msg": "Failed to connect to the host via ssh", "unreachable": True}, ["Failed to connect"]),
])
def test_no_result_names_the_exit_status_and_last_words(result, parts):
    why = no_result_why(result)
    for part in parts:
        assert part in why
