# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action of arcready.network.preflight_report: every report file of a run, written once, on the controller.

One task (run_once) reads every play host's registered probe result from hostvars, builds the fleet report
(plugins/plugin_utils/_fleet.py: verdicts, groups, summary, changes against a baseline) and publishes the set
(plugins/plugin_utils/_publish.py). Nothing runs on the managed hosts, so there is no per-host task, no
delegated copy, nothing to diff, and it writes in check mode too: reports are not changes to a host.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import json
import time

from ansible.errors import AnsibleError
from ansible.module_utils.common.validation import check_type_bool
from ansible.plugins.action import ActionBase

from ansible_collections.arcready.network.plugins.module_utils import _proxy
from ansible_collections.arcready.network.plugins.plugin_utils import _console, _fleet, _merge, _publish, _verdict
from ansible_collections.arcready.network.plugins.plugin_utils._plain import plain

# input name -> the variable it comes from, for each host (they can differ per host: host_vars, group_vars).
DEFAULT_INPUTS = {"scenarios": "arc_scenarios", "stage": "arc_stage", "private_link": "arc_private_link",
                  "fail_on": "arc_fail_on", "proxy_url": "arc_proxy_url"}

ARGUMENT_SPEC = {
    "report_dir": {"type": "path", "required": True},
    "baseline": {"type": "path", "default": ""},
    "parameters": {"type": "dict", "default": {}},
    "result_var": {"type": "str", "default": "__arc_preflight_probe"},
    "inputs": {"type": "dict", "default": DEFAULT_INPUTS},
    "keep_runs": {"type": "int", "default": 5},
    "title": {"type": "str", "default": "Azure Arc network preflight"},
    "merge": {"type": "list", "elements": "str", "default": []},
}
NO_RESULT = "unreachable, or failed before the probe returned"


def normalise_input(name, value):
    if name == "scenarios":
        if isinstance(value, str):
            value = value.strip().strip("[]").split(",")
        return [str(v).strip().strip("'\"") for v in value or () if str(v).strip().strip("'\"")]
    if name == "private_link":
        try:
            return check_type_bool(value)
        except TypeError:
            return value
    if name == "proxy_url":
        return _proxy.redact("" if value is None else str(value))
    return plain(value)


def no_result_why(result):
    """Why a host has no result (the role's words, _verdict.no_result), or that it never reached the probe."""
    return (_verdict.no_result(result) if isinstance(result, dict) and result else None) or NO_RESULT


def read_report(path, option):
    """(report, problem): a fleet report read from ``path``, or None and why it cannot be used."""
    try:
        with open(path, "rb") as stream:
            data = json.loads(stream.read().decode("utf-8"))
    except (OSError, IOError) as exc:
        return None, "%s: cannot read %s (%s): give the path of a preflight.json" % (option, path, exc.strerror or exc)
    except (ValueError, RecursionError) as exc:
        return None, "%s: %s is not JSON (%s): give the path of a preflight.json" % (option, path, exc)
    if not isinstance(data, dict) or not isinstance(data.get("hosts", {}), dict):
        return None, "%s: %s is not a preflight.json (no 'hosts' dictionary)" % (option, path)
    return data, None


def merged(patterns):
    """The merge of the fleet reports the paths or glob patterns name; AnsibleError naming the option if any is
    missing or unreadable."""
    paths = []
    for pattern in patterns:
        found = sorted(glob.glob(pattern)) if glob.has_magic(pattern) else [pattern]
        if not found:
            raise AnsibleError("arc_merge_reports: no file matches %s: give the slices' preflight.json paths "
                               "(globs allowed)" % pattern)
        paths.extend(p for p in found if p not in paths)
    reports = []
    for path in paths:
        report, problem = read_report(path, "arc_merge_reports")
        if problem:
            raise AnsibleError(problem)
        reports.append(report)
    return reports


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = False
    TRANSFERS_FILES = False

    def _collect(self, task_vars, args):
        """({host: (result, inputs)}, {host: why}) for the play's hosts."""
        hostvars = task_vars["hostvars"]
        everyone = list(task_vars.get("ansible_play_hosts_all") or ())
        active = set(task_vars.get("ansible_play_hosts") or ())
        this_host = task_vars.get("inventory_hostname")
        this_raw = hostvars.raw_get(this_host) if this_host else {}
        role = getattr(self._task, "_role", None)
        defaults = role.get_default_vars() if role is not None else {}
        # A value a host does not set itself (inventory, extra vars) comes from the play or the role: the
        # value this task sees, unless this task's host set it in its own inventory, then the role default.
        fallback = {}
        for name, var in args["inputs"].items():
            fallback[name] = defaults.get(var) if var in this_raw else task_vars.get(var, defaults.get(var))
        results, unreported = {}, {}
        for host in everyone:
            # Untemplated: a registered result is data, and templating 1,000 of them costs seconds.
            variables = hostvars.raw_get(host)
            result = variables.get(args["result_var"])
            if host not in active or not isinstance(result, dict) or "endpoints" not in result \
                    or result.get("failed") or result.get("unreachable"):
                # No host name in it: hosts without a result are grouped by why.
                unreported[host] = _proxy.redact(no_result_why(result)[:800])
                continue
            inputs = {}
            for name, var in args["inputs"].items():
                value = variables[var] if var in variables else fallback[name]
                if isinstance(value, str) and ("{{" in value or "{%" in value):
                    value = hostvars[host][var] if var in variables else self._templar.template(value)
                inputs[name] = normalise_input(name, value)
            results[host] = (plain(result), inputs, plain(result.get("agent_check")))
        return results, unreported

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        del tmp
        validation, args = self.validate_argument_spec(argument_spec=ARGUMENT_SPEC)
        del validation
        started = time.monotonic()
        baseline, warning = read_report(args["baseline"], "arc_report_baseline") if args["baseline"] else (None, None)
        warnings = [warning] if warning else []
        baseline_path = args["baseline"] or None
        if args["merge"]:
            try:
                doc = _merge.merge(merged(args["merge"]), baseline=baseline, baseline_path=baseline_path)
            except _merge.MergeError as exc:
                raise AnsibleError("arc_merge_reports: %s" % exc)
            collected = time.monotonic()
        else:
            results, unreported = self._collect(task_vars, args)
            collected = time.monotonic()
            parameters = plain(args["parameters"])
            if "proxy_url" in parameters:
                parameters["proxy_url"] = _proxy.redact(str(parameters["proxy_url"]))
            doc = _fleet.build(results, unreported, parameters, baseline=baseline, baseline_path=baseline_path)
        if warning:
            doc["changes"] = {"error": warning}
        built = time.monotonic()
        files = _fleet.files(doc, args["title"])
        rendered = time.monotonic()
        try:
            run_dir = _publish.publish(args["report_dir"], files, doc["run_id"], keep=args["keep_runs"])
        except (OSError, IOError) as exc:
            raise AnsibleError("arcready.network.preflight_report: cannot write the reports in %s (%s): set "
                               "arc_report_dir to a directory the controller can write"
                               % (args["report_dir"], exc.strerror or exc))
        written = time.monotonic()
        result.update(
            changed=False,
            run_id=doc["run_id"],
            report_dir=args["report_dir"],
            run_dir=run_dir,
            files=sorted(set(path.split("/")[0] for path, _data in files)),
            summary=dict(doc["summary"], report_dir=args["report_dir"]),
            groups=doc["groups"],
            group_lines=_fleet.group_lines(doc["groups"]),
            verdict=_fleet.verdict_line(doc["summary"]),
            console=_console.lines(doc, args["report_dir"], written - started),
            changes=doc.get("changes"),
            timings={"collect_s": round(collected - started, 3), "build_s": round(built - collected, 3),
                     "render_s": round(rendered - built, 3), "write_s": round(written - rendered, 3),
                     "total_s": round(written - started, 3)},
            sizes=dict((path, len(data)) for path, data in files if data is not None and "/" not in path),
        )
        warnings.extend(_fleet.drift_warnings(doc))
        if warnings:
            result["warnings"] = warnings
        return result
