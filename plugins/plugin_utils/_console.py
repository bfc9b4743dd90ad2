# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The console's fleet summary: at most MAX_LINES lines naming what was checked (cloud, region, edition), the
counts, the changes since the baseline, the top work items and where the reports are.

PRIVATE to the collection, controller side: the report action returns these lines, the role prints them once.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.arcready.network.plugins.plugin_utils._preflight_inputs import DEFAULT_REGION  # noqa: F401
from ansible_collections.arcready.network.plugins.plugin_utils._report import verdict_text

MAX_LINES = 25  # the debug task that prints them adds 5 lines of its own: 30 on the screen
TOP_GROUPS = 8


def _plural(count, word):
    return "%d %s%s" % (count, word, "" if count == 1 else "s")


def checked_line(parameters):
    """What was checked: cloud, region (loudly when it is only the default), edition."""
    region = parameters.get("region") or DEFAULT_REGION
    line = "checked: cloud %s, region %s, edition %s" % (parameters.get("cloud") or "AzureCloud", region,
                                                         parameters.get("edition") or "default")
    if parameters.get("region_defaulted"):
        line += " -- WARNING: arc_region is not set, %s was assumed: set arc_region to your servers' region" % region
    return line


def counts_line(summary):
    return "hosts: %d ready, %d not ready, %d no result (of %d)%s; checks: %d ok, %d failed" % (
        summary.get("hosts_ready", 0), summary.get("hosts_not_ready", 0), summary.get("hosts_no_result", 0),
        summary.get("hosts_total", 0),
        (", %d with optional endpoints failing" % summary["hosts_warning"]) if summary.get("hosts_warning") else "",
        summary.get("endpoints_ok", 0), summary.get("endpoints_failed", 0))


def changes_lines(changes):
    if not changes:
        return []
    if changes.get("error"):
        return ["changes: %s" % changes["error"]]
    counts = changes.get("counts") or {}
    base = changes.get("baseline") or {}
    lines = ["changes since run %s: %d newly failing, %d fixed, %d still failing"
             % (base.get("run_id") or "?", counts.get("newly_failing", 0), counts.get("fixed", 0),
                counts.get("still_failing", 0))]
    for entry in (changes.get("newly_failing") or [])[:3]:
        lines.append("  newly failing: %s: %s" % (_plural(entry.get("count", 0), "host"),
                                                  entry.get("title") or entry.get("signature")))
    return lines


def group_line(group):
    says = group.get("says")
    return "  %s: %s%s; who acts: %s" % (_plural(group["count"], "host"), group["title"],
                                         (" (%s)" % says) if says else "", group["owner"])


def lines(doc, report_dir, seconds=None):
    """The summary lines (never more than MAX_LINES) for the fleet report ``doc``."""
    summary = doc.get("summary") or {}
    groups = doc.get("groups") or []
    verdict = verdict_text(summary, summary.get("fail_on") or "required") if summary else "no report"
    out = ["verdict: " + verdict, checked_line(doc.get("parameters") or {}), counts_line(summary)]
    out.extend(changes_lines(doc.get("changes")))
    if groups:
        out.append("work items (%d):" % len(groups))
        room = MAX_LINES - len(out) - 3
        shown = groups[:max(1, min(TOP_GROUPS, room))]
        out.extend(group_line(g) for g in shown)
        if len(groups) > len(shown):
            out.append("  ... and %d more in preflight.json / preflight.html" % (len(groups) - len(shown)))
    out.append("reports: %s/preflight.html (also preflight.json, preflight.junit.xml, hosts/), run %s%s"
               % (report_dir, doc.get("run_id"), "" if seconds is None else ", written in %.2f s" % seconds))
    return out[:MAX_LINES]
