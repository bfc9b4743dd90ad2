# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of arcready.network.probe: the controller side of the probe.

Before the module runs it expands the endpoint catalogue and fills in the defaults (``plugin_utils/_probe_args``),
so the Python module (Linux hosts) and the PowerShell module (Windows hosts) receive the same concrete arguments.
After it returns it computes what the results mean (``plugin_utils/_verdict``): ``summary``, ``table``, the
warnings and the ``fail_on`` verdict, overwriting whatever an engine computed, and masks the proxy's credentials.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.arcready.network.plugins.module_utils._catalogue import CatalogueError
from ansible_collections.arcready.network.plugins.module_utils._proxy import redact
from ansible_collections.arcready.network.plugins.plugin_utils import _verdict
from ansible_collections.arcready.network.plugins.plugin_utils._probe_args import (  # noqa: F401 (re-exported)
    ENDPOINT_KEYS, expand, module_arguments, proxy_credentials, proxy_secrets,
)


def conclude(result, args, host=None):
    """The module's result with the controller's meaning: summary, table, verdict (failed, msg) and warnings."""
    secrets = proxy_secrets(args)
    # The module's captured error repeats its msg (credentials an engine let through included) and its verdict
    # sentence; Ansible rebuilds it from the masked msg below.
    result = redact(dict((k, v) for k, v in result.items() if k != "exception"), secrets)
    endpoints = result.get("endpoints")
    if not isinstance(endpoints, list):
        return result  # the module failed before probing: its own msg says why
    verdict = _verdict.evaluate(endpoints, args.get("fail_on"), proxy=result.get("proxy"),
                                proxy_credentials=proxy_credentials(args), host=host, secrets=secrets)
    result.update(summary=verdict["summary"], table=verdict["table"], failed=verdict["failed"], msg=verdict["msg"])
    result["verdict"] = dict((key, verdict[key]) for key in ("fail_on", "status", "failing", "warnings"))
    shown = list(result.get("warnings") or [])
    result["warnings"] = shown + [w["message"] for w in verdict["warnings"] if w["message"] not in shown]
    return result


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        try:
            _verdict.check_fail_on(args.get("fail_on"))
            catalogue_warnings = []
            module_args = module_arguments(args, catalogue_warnings)
        except (CatalogueError, TypeError, ValueError) as exc:
            result.update(failed=True, changed=False, msg=redact(str(exc), proxy_secrets(args)))
            return result
        # probe.py and probe.ps1 share a name; connections without a PowerShell shell prefer no suffix, and the
        # loader would then hand them the .ps1. Pin the Python implementation for every non-PowerShell host.
        connection = self._connection
        saved = connection.module_implementation_preferences
        if getattr(connection._shell, "SHELL_FAMILY", None) != "powershell":
            connection.module_implementation_preferences = (".py", "")
        try:
            returned = self._execute_module(module_name="arcready.network.probe", module_args=module_args,
                                            task_vars=task_vars)
        finally:
            connection.module_implementation_preferences = saved
        result.update(conclude(returned, args, (task_vars or {}).get("inventory_hostname")))
        if catalogue_warnings:
            result["warnings"] = catalogue_warnings + list(result.get("warnings") or [])
        return result
