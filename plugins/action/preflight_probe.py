# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action of arcready.network.preflight_probe: the arc_preflight role's one task per host.

Reads the role's variables (plugin_utils/_preflight_inputs.py), runs the probe the way arcready.network.probe does
(plugin_utils/_probe_task.py) within the probe's time budget, then, where the agent is installed, the agent's own
check with the connection's plain command channel (what ``raw`` uses: no module, no Python started on the host).
One task instead of a probe task with twenty templated arguments and a separate agent-check task: at a thousand
hosts those tasks' templating and forks were most of the controller's work.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleError
from ansible.plugins.action import ActionBase

from ansible_collections.arcready.network.plugins.module_utils._catalogue import CatalogueError
from ansible_collections.arcready.network.plugins.module_utils._proxy import redact
from ansible_collections.arcready.network.plugins.plugin_utils import _alarm, _preflight_inputs, _probe_task, _verdict
from ansible_collections.arcready.network.plugins.plugin_utils._probe_args import proxy_secrets

MISSING = _preflight_inputs.MISSING


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        task_vars = task_vars or {}
        result["changed"] = False
        if self._task.args:
            result.update(failed=True, msg="arcready.network.preflight_probe takes no options (%s given): it reads "
                          "the arc_preflight role's variables; set those (arc_region, arc_scenarios, ...)"
                          % ", ".join(sorted(self._task.args)))
            return result

        def get(name):
            return self._templar.template(task_vars[name]) if name in task_vars else MISSING

        # A message about any variable may echo the proxy's password (a value typed in the wrong variable).
        proxy_url = get("arc_proxy_url")
        args = {"proxy_url": proxy_url} if isinstance(proxy_url, str) else {}
        try:
            args = _preflight_inputs.probe_arguments(get)
            budget = _preflight_inputs.task_timeout(get)
            agent_enabled, agent_seconds = _preflight_inputs.agent_check(get)
            module_args, catalogue_warnings = _probe_task.prepare(args)
            budget = budget or _verdict.probe_budget(module_args)
        except (CatalogueError, TypeError, ValueError) as exc:
            result.update(failed=True, msg=redact(str(exc), proxy_secrets(args)))
            return result

        # One host whose network stretches every deadline must not hold up the play; it gets "no result, and why"
        # in the reports. A task-level timeout, where a user sets one, takes precedence over this budget.
        try:
            with _alarm.limit(0 if self._task.timeout else budget):
                returned = _probe_task.execute(self, module_args, task_vars)
        except _alarm.Expired:
            result.update(failed=True, timedout={"period": budget},
                          msg="the probe ran past its time limit of %d s and was stopped (arc_probe_task_timeout "
                              "sets another)" % budget)
            return result
        result.update(_probe_task.conclude(returned, args, task_vars.get("inventory_hostname"), catalogue_warnings))
        if agent_enabled and isinstance(result.get("endpoints"), list) \
                and not _probe_task.is_powershell(self._connection):
            # The region as the catalogue names it; with explicit endpoints (no region sent) arc_region's own.
            result["agent_check"] = self._agent_check(module_args.get("region") or _preflight_inputs.region_of(get),
                                                      module_args.get("cloud") or _preflight_inputs.DEFAULT_CLOUD,
                                                      agent_seconds)
        return result

    def _agent_check(self, region, cloud, seconds):
        """{rc, stdout, stderr} of the agent's own check; rc 127 where no agent is installed. Never fails the host."""
        command = _preflight_inputs.agent_check_command(region, cloud)
        connection = self._connection
        # Without a tty, so the agent's JSON and the wrapper's stderr line stay apart over SSH.
        try:
            saved_tty = connection.get_option("use_tty")
        except KeyError:
            saved_tty = MISSING
        if saved_tty is not MISSING:
            connection.set_option("use_tty", False)
        try:
            with _alarm.limit(seconds):
                done = self._low_level_execute_command(command, sudoable=True, executable="/bin/sh")
        except _alarm.Expired:
            return {"rc": None, "stdout": "", "stderr": "", "timedout": {"period": seconds},
                    "msg": "the agent's check ran past arc_agent_check_timeout (%d s) and was left" % seconds}
        except (AnsibleError, OSError) as exc:  # a broken connection here must not cost the host its probe result
            return {"rc": None, "stdout": "", "stderr": "", "msg": "the agent's check could not run: %s" % exc}
        finally:
            if saved_tty is not MISSING:
                connection.set_option("use_tty", saved_tty)
        return {"rc": done.get("rc"), "stdout": done.get("stdout", ""), "stderr": done.get("stderr", "")}
