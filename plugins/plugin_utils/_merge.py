# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Merge the fleet reports of several runs over disjoint hosts (AWX job slices) into one fleet report.

PRIVATE to the collection, controller side. Hosts, hosts without a result and parameters are joined; verdicts,
groups, the summary (and changes against a baseline) are computed again over the whole fleet, so the merge of the
slices of one inventory equals the report of one run over all of it, but for run_id, generated and timings.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.arcready.network.plugins.plugin_utils import _fleet

# What the merge computes again (a slice's own is dropped).
DERIVED = ("verdict",)


class MergeError(ValueError):
    pass


def _parameters(reports):
    keys = []
    for report in reports:
        for key in report.get("parameters") or {}:
            if key not in keys:
                keys.append(key)
    out = {}
    for key in keys:
        values = []
        for report in reports:
            params = report.get("parameters") or {}
            if key in params and params[key] not in values:
                values.append(params[key])
        out[key] = values[0] if len(values) == 1 else "varies by slice: " + "; ".join(str(v) for v in values)
    return out


def merge(reports, run_id=None, baseline=None, baseline_path=None):
    """One fleet report from ``reports`` (a list of fleet reports). A host reported by more than one keeps the
    result of the newest report (by ``generated``) and is listed in ``duplicates``."""
    if not isinstance(reports, (list, tuple)) or not reports:
        raise MergeError("give a non-empty list of preflight reports (the slices' preflight.json)")
    for index, report in enumerate(reports):
        if not isinstance(report, dict) or not isinstance(report.get("hosts", {}), dict):
            raise MergeError("report %d is not a preflight report (a dictionary with 'hosts')" % (index + 1))
    ordered = sorted(enumerate(reports), key=lambda item: (str(item[1].get("generated") or ""), item[0]))
    hosts, origin, unreported, duplicates = {}, {}, {}, {}
    for _index, report in ordered:
        for name, entry in (report.get("hosts") or {}).items():
            if name in origin:
                duplicates.setdefault(name, [origin[name]]).append(report.get("run_id"))
            hosts[name] = dict((k, v) for k, v in (entry or {}).items() if k not in DERIVED)
            origin[name] = report.get("run_id")
        for name, why in (report.get("unreported") or {}).items():
            unreported[name] = why
    doc = {
        "run_id": run_id or _fleet.new_run_id(),
        "generated": max(str(r.get("generated") or "") for r in reports),
        "parameters": _parameters(reports),
        "hosts": dict(sorted(hosts.items())),
        "unreported": dict(sorted((h, w) for h, w in unreported.items() if h not in hosts)),
        "slices": [{"run_id": r.get("run_id"), "generated": r.get("generated"),
                    "hosts": len(r.get("hosts") or {}), "unreported": len(r.get("unreported") or {})}
                   for r in reports],
    }
    if duplicates:
        doc["duplicates"] = duplicates
    return _fleet.finish(doc, baseline, baseline_path)
