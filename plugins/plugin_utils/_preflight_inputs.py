# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The arc_preflight role's variables as the probe's arguments: PRIVATE to the collection, controller side.

The role's probe step (the arcready.network.preflight_probe action) reads the ``arc_*`` variables itself, once per
host, instead of a task templating twenty arguments and the role's derived variables: every host's task runs in a
fork of its own, where each template is compiled again, and at a thousand hosts that compiling cost the controller
more than the probe's own work. A bad value fails with a message naming the variable.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math
import shlex

from ansible.module_utils.common.validation import check_type_bool

from ansible_collections.arcready.network.plugins.module_utils._catalogue import BYPASS_SERVICES, SCENARIOS
from ansible_collections.arcready.network.plugins.plugin_utils._agent_drift import AGENT_MARK, NO_AGENT
from ansible_collections.arcready.network.plugins.plugin_utils._lists import ListError, as_list

# What an unset arc_region means (the console says so: report parameters, region_defaulted); vars/main.yml
# derives the report's region the same way.
DEFAULT_REGION = "eastus"
DEFAULT_CLOUD = "AzureCloud"

MISSING = object()

# Where the agent's own check is looked for; the wrapper names the agent it ran on a marked stderr line (a login
# banner may come first) and exits NO_AGENT where there is none (plugin_utils/_agent_drift.py reads both).
AGENT_PATHS = ("/opt/azcmagent/bin/azcmagent", "/usr/local/bin/azcmagent", "/usr/bin/azcmagent")

# probe option, role variable, kind. "optional" options are left out when the variable is empty, so the
# probe's own default applies (the role used to send ``omit``).
OPTIONS = (
    ("cloud", "arc_cloud", "str"),
    ("edition", "arc_edition", "str"),
    ("scenarios", "arc_scenarios", "scenarios"),
    ("stage", "arc_stage", "str"),
    ("private_link", "arc_private_link", "bool"),
    ("esu_only", "arc_esu_only", "bool"),
    ("auto_upgrade", "arc_auto_upgrade", "bool"),
    ("key_vault", "arc_key_vault", "optional"),
    ("wildcard_hosts", "arc_probe_wildcard_hosts", "dict"),
    ("expand_service_bus", "arc_probe_expand_service_bus", "bool"),
    ("discover_his", "arc_probe_discover_his", "bool"),
    ("timeout", "arc_probe_timeout", "float"),
    ("workers", "arc_probe_workers", "int"),
    ("proxy_url", "arc_proxy_url", "raw"),
    ("proxy_bypass", "arc_proxy_bypass", "bypass"),
    ("resolve", "arc_probe_resolve", "dict"),
    ("ca_path", "arc_probe_ca_path", "optional"),
    ("min_tls_version", "arc_probe_min_tls_version", "str"),
    ("expected_issuers", "arc_probe_expected_issuers", "list"),
)


class InputError(ValueError):
    """A role variable that cannot be used; the message names it."""


def region(value):
    """The region checked: arc_region, or eastus when it is unset or empty."""
    return (str(value).strip() if value else "") or DEFAULT_REGION


def region_of(get):
    """region() of the arc_region variable, also when it is not set at all."""
    value = get("arc_region")
    return region(None if value is MISSING else value)


def _convert(name, kind, value):
    if kind == "bool":
        try:
            return check_type_bool(value)
        except TypeError:
            raise InputError("%s must be true or false (yes/no also work), not %r" % (name, value))
    if kind in ("float", "int"):
        try:
            number = float(value) if kind == "float" else int(value)
        except (TypeError, ValueError, OverflowError):
            raise InputError("%s must be a number, not %r" % (name, value))
        if kind == "float" and not math.isfinite(number):
            raise InputError("%s must be a finite number, not %r" % (name, value))
        return number
    if kind == "dict":
        if value in (None, ""):
            return {}
        if not isinstance(value, dict):
            raise InputError("%s must be a dictionary, not %s" % (name, type(value).__name__))
        return value
    try:
        if kind == "scenarios":
            return as_list(value, name, list(SCENARIOS))
        if kind == "bypass":
            return as_list(value, name, list(BYPASS_SERVICES))
        if kind == "list":
            return as_list(value, name)
    except ListError as exc:
        raise InputError(str(exc))
    if kind == "str":
        return "" if value is None else str(value)
    return value


def probe_arguments(get):
    """The probe's options from the role's variables; ``get(name)`` returns a variable's value or MISSING.

    A variable that is not set at all (the action used outside the role) leaves its option to the probe's default.
    """
    args = {"fail_on": "never"}  # the verdict is the role's last task, after every report is written
    endpoints = get("arc_probe_endpoints")
    if endpoints not in (MISSING, None, "", []):
        if not isinstance(endpoints, list):
            raise InputError("arc_probe_endpoints must be a list of endpoints (each a dictionary with a host), "
                             "not %s" % type(endpoints).__name__)
        args["endpoints"] = endpoints
    else:
        args["region"] = region_of(get)
    for option, name, kind in OPTIONS:
        value = get(name)
        if value is MISSING:
            continue
        value = _convert(name, kind, value)
        if kind in ("optional", "bypass", "list") and not value:
            continue
        args[option] = value
    return args


def task_timeout(get):
    """arc_probe_task_timeout as whole seconds; 0 (or unset) means the probe's own budget decides."""
    value = get("arc_probe_task_timeout")
    if value in (MISSING, None, ""):
        return 0
    seconds = _convert("arc_probe_task_timeout", "int", value)
    if seconds < 0:
        raise InputError("arc_probe_task_timeout must be 0 (the probe's own budget) or a number of seconds, not %r"
                         % value)
    return seconds


def agent_check(get):
    """(enabled, seconds) of the agent's own check from arc_agent_check and arc_agent_check_timeout."""
    enabled = get("arc_agent_check")
    enabled = False if enabled is MISSING else _convert("arc_agent_check", "bool", enabled)
    seconds = get("arc_agent_check_timeout")
    seconds = 60 if seconds in (MISSING, None, "") else _convert("arc_agent_check_timeout", "int", seconds)
    if seconds < 1:
        raise InputError("arc_agent_check_timeout must be at least 1 second, not %r" % seconds)
    return enabled, seconds


def agent_check_command(region_name, cloud, paths=AGENT_PATHS):
    """The read-only shell command that runs the agent's own connectivity check, where the agent is installed."""
    paths = " ".join(shlex.quote(path) for path in paths)
    return ('for agent in %s; do if [ -x "$agent" ]; then echo "%s$agent" >&2; '
            'exec "$agent" check --location %s --cloud %s --json; fi; done; exit %d'
            % (paths, AGENT_MARK, shlex.quote(region_name), shlex.quote(cloud), NO_AGENT))
