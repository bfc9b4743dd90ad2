# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""One probe of one host, as the action plugins run it: PRIVATE to the collection, controller side.

Shared by arcready.network.probe (the probe's options as task arguments) and arcready.network.preflight_probe
(the arc_preflight role's variables). Before the module runs the catalogue is expanded and the defaults filled in
(``_probe_args``), so the Python module (Linux hosts) and the PowerShell module (Windows hosts) receive the same
concrete arguments; after it returns the controller computes what the results mean (``_verdict``): ``summary``,
``table``, the warnings and the ``fail_on`` verdict, overwriting whatever an engine computed, and masks the
proxy's credentials.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.arcready.network.plugins.module_utils._proxy import redact
from ansible_collections.arcready.network.plugins.plugin_utils import _verdict
from ansible_collections.arcready.network.plugins.plugin_utils._probe_args import (
    module_arguments, proxy_credentials, proxy_secrets,
)

MODULE = "arcready.network.probe"


def prepare(args):
    """(module arguments, catalogue warnings); CatalogueError, TypeError or ValueError for a bad input."""
    _verdict.check_fail_on(args.get("fail_on"))
    warnings = []
    return module_arguments(args, warnings), warnings


def execute(action, module_args, task_vars):
    """The probe module's raw result on the action's host."""
    # probe.py and probe.ps1 share a name; connections without a PowerShell shell prefer no suffix, and the
    # loader would then hand them the .ps1. Pin the Python implementation for every non-PowerShell host.
    connection = action._connection
    saved = connection.module_implementation_preferences
    if not is_powershell(connection):
        connection.module_implementation_preferences = (".py", "")
    try:
        return action._execute_module(module_name=MODULE, module_args=module_args, task_vars=task_vars)
    finally:
        connection.module_implementation_preferences = saved


def is_powershell(connection):
    return getattr(connection._shell, "SHELL_FAMILY", None) == "powershell"


def conclude(result, args, host=None, catalogue_warnings=()):
    """The module's result with the controller's meaning: summary, table, verdict (failed, msg) and warnings."""
    secrets = proxy_secrets(args)
    # The module's captured error repeats its msg (credentials an engine let through included) and its verdict
    # sentence; Ansible rebuilds it from the masked msg below.
    result = redact(dict((k, v) for k, v in result.items() if k != "exception"), secrets)
    endpoints = result.get("endpoints")
    if isinstance(endpoints, list):
        verdict = _verdict.evaluate(endpoints, args.get("fail_on"), proxy=result.get("proxy"),
                                    proxy_credentials=proxy_credentials(args), host=host, secrets=secrets)
        result.update(summary=verdict["summary"], table=verdict["table"], failed=verdict["failed"],
                      msg=verdict["msg"])
        result["verdict"] = dict((key, verdict[key]) for key in ("fail_on", "status", "failing", "warnings"))
        shown = list(result.get("warnings") or [])
        result["warnings"] = shown + [w["message"] for w in verdict["warnings"] if w["message"] not in shown]
    # else the module failed before probing: its own msg says why
    if catalogue_warnings:
        result["warnings"] = list(catalogue_warnings) + list(result.get("warnings") or [])
    return result
