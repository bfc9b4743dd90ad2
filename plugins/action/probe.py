# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of arcready.network.probe: expands the endpoint catalogue on the controller.

Doing the expansion here means the Python module (Linux hosts) and the PowerShell module (Windows hosts) receive
the same concrete endpoint list, and neither has to carry its own copy of the catalogue.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.validation import check_type_bool, check_type_list
from ansible.plugins.action import ActionBase

from ansible_collections.arcready.network.plugins.module_utils._catalogue import CatalogueError, build

# What the module's endpoints option accepts of each catalogue row.
ENDPOINT_KEYS = ("host", "port", "scheme", "path", "required", "purpose", "url", "pattern", "bypass",
                 "private_capable", "probeable", "reason")


def expand(args, warnings=None):
    """The module arguments with the catalogue turned into an explicit endpoints list; the catalogue's warnings
    (an unlisted region, wac outside its regions) are appended to ``warnings`` when a list is given."""
    if args.get("endpoints"):
        return dict(args)
    region = args.get("region")
    if not region:
        raise CatalogueError("one of the following is required: region, endpoints")
    rows = build(
        args.get("cloud") or "AzureCloud",
        region,
        scenarios=check_type_list(args.get("scenarios") or []),
        stage=args.get("stage") or "install",
        private_link=check_type_bool(args.get("private_link") or False),
        wildcard_hosts=args.get("wildcard_hosts") or {},
        edition=args.get("edition"),
        auto_upgrade=check_type_bool(args.get("auto_upgrade") or False),
        esu_only=check_type_bool(args.get("esu_only") or False),
        key_vault=args.get("key_vault"),
        warnings=warnings,
    )
    out = dict(args)
    out["endpoints"] = [dict((key, row[key]) for key in ENDPOINT_KEYS) for row in rows]
    return out


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        catalogue_warnings = []
        try:
            module_args = expand(self._task.args, catalogue_warnings)
        except (CatalogueError, TypeError) as exc:
            result.update(failed=True, changed=False, msg=str(exc))
            return result
        # probe.py and probe.ps1 share a name; connections without a PowerShell shell prefer no suffix, and the
        # loader would then hand them the .ps1. Pin the Python implementation for every non-PowerShell host.
        connection = self._connection
        saved = connection.module_implementation_preferences
        if getattr(connection._shell, "SHELL_FAMILY", None) != "powershell":
            connection.module_implementation_preferences = (".py", "")
        try:
            result.update(self._execute_module(module_name="arcready.network.probe", module_args=module_args,
                                               task_vars=task_vars))
        finally:
            connection.module_implementation_preferences = saved
        if catalogue_warnings:
            result["warnings"] = catalogue_warnings + list(result.get("warnings") or [])
        return result
