# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``run`` fixture: arcready.network.probe's main() in-process with injected arguments, as Ansible runs it.

The module's real exit_json/fail_json run (they are not patched): what a test reads is the JSON the module
prints, after AnsibleModule has masked no_log values, exactly as the controller would receive it. A run that
does not return within GUARD seconds is stopped (SIGALRM) and fails the test: a guard against hangs, not a
measure of speed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import signal

import pytest

from ansible.module_utils import _internal as module_utils_internal
from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.arcready.network.plugins.modules import probe as probe_module

GUARD = 60


class Hung(AssertionError):
    pass


def _hung(_signum, _frame):
    raise Hung("the probe module did not return within %d s" % GUARD)


@pytest.fixture
def run(capsys, monkeypatch, tmp_path):
    """run(args) -> (exit code, result dict). No azcmagent and no proxy variables unless a test sets them.

    ``run.raw`` holds the module's whole output (stdout and stderr) of the last run, for tests that grep it.
    """
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "NO_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.setattr(probe_module, "_AGENT_PATHS", [str(empty)])
    # This process also runs controller code (the lookup tests), which makes module warnings go to the
    # controller's display; a module on a managed host returns them in its result.
    monkeypatch.setattr(module_utils_internal, "is_controller", False)

    def runner(args):
        # Warnings are process-global; each module run here starts with none, as a real module process does.
        monkeypatch.setattr(module_warnings, "_global_warnings", {})
        monkeypatch.setattr(module_warnings, "_global_deprecations", {})
        previous = signal.signal(signal.SIGALRM, _hung)
        signal.alarm(GUARD)
        try:
            with patch_module_args(args):
                with pytest.raises(SystemExit) as caught:
                    probe_module.main()
        finally:
            signal.alarm(0)
            signal.signal(signal.SIGALRM, previous)
        captured = capsys.readouterr()
        runner.raw = captured.out + captured.err
        return caught.value.code, json.loads(captured.out)

    runner.raw = ""
    return runner
