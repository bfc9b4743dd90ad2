# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Compare a run with an earlier one (``arc_report_baseline``): newly failing, fixed and still failing, by group.

PRIVATE to the collection, controller side. Both sides are fleet reports (``preflight.json``) with ``groups``
(plugins/plugin_utils/_groups.py); a baseline written before groups existed has its groups computed here. Group
signatures carry no host name, so the same fault has the same signature in both runs.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type


def _failing(report):
    """host -> the group it is in, for hosts whose results fail (or that have no result)."""
    out = {}
    for group in report.get("groups") or ():
        for host in group.get("hosts") or ():
            out[str(host)] = group
    return out


def _hosts(report):
    return set(str(h) for h in (report.get("hosts") or {})) | set(str(h) for h in (report.get("unreported") or {}))


def _by_group(items):
    """[(host, group)] -> one entry per group signature, biggest first."""
    entries = {}
    for host, group in items:
        entry = entries.get(group["signature"])
        if entry is None:
            entry = entries[group["signature"]] = {
                "signature": group["signature"], "title": group.get("title"), "owner": group.get("owner"),
                "blocking": bool(group.get("blocking")), "hosts": []}
        entry["hosts"].append(host)
    out = sorted(entries.values(), key=lambda e: (not e["blocking"], -len(e["hosts"]), e["signature"]))
    for entry in out:
        entry["hosts"].sort()
        entry["count"] = len(entry["hosts"])
    return out


def changes(current, baseline, source=None):
    """The ``changes`` of a fleet report against a baseline fleet report.

    newly_failing: hosts failing now that were ready in the baseline or not in it, by their group now;
    fixed: hosts failing in the baseline that are ready now, by their baseline group;
    still_failing: hosts failing in both, by their group now (``moved`` lists those whose group changed);
    new_groups / gone_groups: signatures only in this run / only in the baseline."""
    if not baseline.get("groups") and (baseline.get("hosts") or baseline.get("unreported")):
        from ansible_collections.arcready.network.plugins.plugin_utils import _fleet
        baseline = dict(baseline, groups=_fleet.fleet_groups(baseline))
    now, before = _failing(current), _failing(baseline)
    now_hosts, before_hosts = _hosts(current), _hosts(baseline)
    newly = [(h, g) for h, g in sorted(now.items()) if h not in before]
    fixed = [(h, g) for h, g in sorted(before.items()) if h not in now and h in now_hosts]
    still = [(h, g) for h, g in sorted(now.items()) if h in before]
    still_entries = _by_group(still)
    for entry in still_entries:
        entry["moved"] = [h for h in entry["hosts"] if before[h]["signature"] != entry["signature"]]
    now_sigs = set(g["signature"] for g in current.get("groups") or ())
    before_sigs = set(g["signature"] for g in baseline.get("groups") or ())
    return {
        "baseline": {"run_id": baseline.get("run_id"), "generated": baseline.get("generated"), "path": source},
        "newly_failing": _by_group(newly),
        "fixed": _by_group(fixed),
        "still_failing": still_entries,
        "new_groups": sorted(now_sigs - before_sigs),
        "gone_groups": sorted(before_sigs - now_sigs),
        "counts": {
            "newly_failing": len(newly), "fixed": len(fixed), "still_failing": len(still),
            "not_in_baseline": len(now_hosts - before_hosts), "not_in_this_run": len(before_hosts - now_hosts),
        },
    }
