# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters the preflight role uses for one host: its verdict, and how long its probe task may run.

Both are ``plugins/plugin_utils/_verdict.py``, the functions the probe action plugin, the callback and the reports
use. Documentation: preflight_verdict.yml and preflight_probe_timeout.yml.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.arcready.network.plugins.module_utils._catalogue import CatalogueError
from ansible_collections.arcready.network.plugins.plugin_utils import _verdict
from ansible_collections.arcready.network.plugins.plugin_utils._probe_args import expand
from ansible_collections.arcready.network.plugins.plugin_utils._plain import plain
from ansible_collections.arcready.network.plugins.plugin_utils._secrets import proxy_secrets


def preflight_verdict(result, fail_on="required", host=None, report=None, proxy=None):
    result = plain(result)
    secrets = proxy_secrets(plain(proxy))
    try:
        missing = _verdict.no_result(result, secrets)
        if missing is not None:
            return {"failed": True, "status": "no_result", "fail_on": _verdict.check_fail_on(fail_on),
                    "failing": [], "warnings": [],
                    "msg": "no result from %s: %s" % (host or "this host", missing)}
        verdict = _verdict.evaluate(result["endpoints"], fail_on, proxy=result.get("proxy"), host=host,
                                    report=report, secrets=secrets)
    except (TypeError, ValueError, AttributeError) as exc:
        raise AnsibleFilterError("arcready.network.preflight_verdict: %s" % to_native(exc))
    del verdict["table"]
    return verdict


def preflight_probe_timeout(probe_args):
    """Seconds for the probe task: the module's budget for this many endpoints, generously."""
    args = plain(probe_args)
    if not isinstance(args, dict):
        raise AnsibleFilterError("arcready.network.preflight_probe_timeout: expected the probe's arguments as a "
                                 "dictionary, got %s" % type(args).__name__)
    try:
        expanded = expand(args)
    except (CatalogueError, TypeError, ValueError):
        expanded = dict(args, endpoints=[])  # the probe task itself reports the bad input; bound it as a short run
    try:
        return _verdict.probe_budget(expanded)
    except ValueError as exc:
        raise AnsibleFilterError("arcready.network.preflight_probe_timeout: %s" % to_native(exc))


class FilterModule(object):
    def filters(self):
        return {
            "preflight_verdict": preflight_verdict,
            "preflight_probe_timeout": preflight_probe_timeout,
        }
