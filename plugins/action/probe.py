# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of arcready.network.probe: the controller side of the probe, with the probe's options as the
task's arguments (plugin_utils/_probe_task.py: the catalogue expanded before the module runs, the meaning of its
results computed after)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.arcready.network.plugins.module_utils._catalogue import CatalogueError
from ansible_collections.arcready.network.plugins.module_utils._proxy import redact
from ansible_collections.arcready.network.plugins.plugin_utils import _probe_task
from ansible_collections.arcready.network.plugins.plugin_utils._probe_args import (  # noqa: F401 (re-exported)
    ENDPOINT_KEYS, expand, module_arguments, proxy_credentials, proxy_secrets,
)
from ansible_collections.arcready.network.plugins.plugin_utils._probe_task import conclude  # noqa: F401


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        args = dict(self._task.args)
        try:
            module_args, catalogue_warnings = _probe_task.prepare(args)
        except (CatalogueError, TypeError, ValueError) as exc:
            result.update(failed=True, changed=False, msg=redact(str(exc), proxy_secrets(args)))
            return result
        returned = _probe_task.execute(self, module_args, task_vars)
        result.update(_probe_task.conclude(returned, args, (task_vars or {}).get("inventory_hostname"),
                                           catalogue_warnings))
        return result
