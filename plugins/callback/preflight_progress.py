# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: preflight_progress
type: aggregate
author: arcready.network maintainers (@arcready)
version_added: 0.1.0
short_description: Show how many hosts the Azure Arc preflight has probed, as the play runs
description:
  - 'Prints one line each time a host finishes the M(arcready.network.probe) task (or
    M(arcready.network.preflight_probe), the probe step of the preflight role), for example
    "arc preflight: 7/20 hosts probed (5 ready, 2 with failures, 0 unreachable, 0 errors) - web07: 12/12 endpoints
    ok", so a long preflight over many hosts shows hosts done out of total while it runs, in a terminal and in the
    job output of AWX / Automation Controller (which runs plays with ansible-runner).'
  - The total is the number of hosts the play targets (after C(--limit)), counted across C(serial) batches.
  - Works next to any stdout callback; it prints nothing under C(arcready.network.preflight), which prints a
    line per host itself. It must be enabled, like every callback that is not the stdout callback,
    with C(callbacks_enabled = arcready.network.preflight_progress) in the C([defaults]) section of C(ansible.cfg)
    (the AWX sample project in the collection's C(awx/project) does this) or with
    C(ANSIBLE_CALLBACKS_ENABLED=arcready.network.preflight_progress).
options:
  actions:
    description: Task actions whose results are counted.
    type: list
    elements: str
    default: [arcready.network.probe, arcready.network.preflight_probe]
    env:
      - name: ARCREADY_PROGRESS_ACTIONS
    ini:
      - section: arcready_preflight_progress
        key: actions
"""

from ansible import constants as C
from ansible.plugins.callback import CallbackBase

from ansible_collections.arcready.network.plugins.plugin_utils import _verdict


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "arcready.network.preflight_progress"
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self, display=None):
        super(CallbackModule, self).__init__(display=display)
        self._total = 0
        self._done = set()
        self._counts = {"ready": 0, "failures": 0, "unreachable": 0, "error": 0}
        self._actions = None
        self._play_uuid = None

    # -- configuration
    def set_options(self, task_keys=None, var_options=None, direct=None):
        super(CallbackModule, self).set_options(task_keys=task_keys, var_options=var_options, direct=direct)
        actions = self.get_option("actions") or []
        names = set()
        for action in actions:
            action = str(action).strip()
            if action:
                names.add(action)
                names.add(action.rsplit(".", 1)[-1])
        self._actions = names
        # The short console prints these lines itself; one line per host is enough.
        self._quiet = str(C.config.get_config_value("DEFAULT_STDOUT_CALLBACK")) == "arcready.network.preflight"

    def _counts_task(self, task):
        actions = self._actions if self._actions is not None else _verdict.PROBE_ACTIONS
        return any(name and str(name) in actions
                   for name in (getattr(task, "resolved_action", None), getattr(task, "action", None)))

    # -- play
    def v2_playbook_on_play_start(self, play):
        # Called again for each serial batch of the same play (same uuid): keep counting then.
        uuid = getattr(play, "_uuid", None)
        if uuid is not None and uuid == self._play_uuid:
            return
        self._play_uuid = uuid
        self._done = set()
        self._counts = {"ready": 0, "failures": 0, "unreachable": 0, "error": 0}
        self._total = 0
        try:
            hosts = play.get_variable_manager().get_vars(play=play).get("ansible_play_hosts_all") or []
            self._total = len(hosts)
        except Exception:  # pylint: disable=broad-except  # progress must never break a play
            self._total = 0

    # -- results
    def _record(self, result, outcome):
        task = result._task
        if getattr(self, "_quiet", False) or not self._counts_task(task):
            return
        host = result._host.get_name()
        if host in self._done:
            return
        self._done.add(host)
        detail = ""
        data = result._result or {}
        endpoints = data.get("endpoints")
        if outcome != "unreachable" and isinstance(endpoints, list):
            # The same counts as the action plugin and the reports, also when fail_on failed the task.
            summary = _verdict.summarize([ep for ep in endpoints if isinstance(ep, dict)])
            probed = summary["total"] - summary["not_probeable"]
            outcome = "failures" if summary["failed"] else "ready"
            detail = "%d/%d endpoints ok" % (summary.get("ok") or 0, probed)
            if summary.get("required_failed"):
                detail += ", %d required failed" % summary["required_failed"]
        elif outcome == "unreachable":
            detail = "unreachable"
        elif outcome == "ok":
            outcome, detail = "error", "no endpoint results"
        elif data.get("timedout"):
            detail = "probe stopped: no result within %s s" % data["timedout"].get("period", "?")
        else:
            detail = "probe failed"
        self._counts[outcome] += 1
        total = max(self._total, len(self._done))
        self._display.display(
            "arc preflight: %d/%d hosts probed (%d ready, %d with failures, %d unreachable, %d errors) - %s: %s"
            % (len(self._done), total, self._counts["ready"], self._counts["failures"],
               self._counts["unreachable"], self._counts["error"], host, detail))

    def v2_runner_on_ok(self, result):
        self._record(result, "ok")

    def v2_runner_on_failed(self, result, ignore_errors=False):
        self._record(result, "error")

    def v2_runner_on_unreachable(self, result):
        self._record(result, "unreachable")
