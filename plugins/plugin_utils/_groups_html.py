# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTML of a fleet report's run id, work items (groups) and changes since the baseline.

PRIVATE to the collection, controller side; ``_report.render_html`` puts it before the matrix. Every value is
escaped. A report without ``groups`` (written before they existed) gets them computed here.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import html

# Hosts named in a group's row before "and N more" (the matrix and preflight.json have them all).
HOSTS_SHOWN = 20


def _e(value):
    return html.escape("" if value is None else str(value), quote=True)


def hosts_text(names):
    shown = ", ".join(names[:HOSTS_SHOWN])
    if len(names) > HOSTS_SHOWN:
        shown += " and %d more" % (len(names) - HOSTS_SHOWN)
    return shown


def _hosts_cell(names):
    """The hosts of a work item, collapsed: a count to open, then the names (capped)."""
    return "<details class=\"hosts\"><summary>%d host%s</summary>%s</details>" % (
        len(names), "" if len(names) == 1 else "s", _e(hosts_text(names)))


def _changes(changes):
    if not changes:
        return ""
    if changes.get("error"):
        return "<div class=\"changes\" id=\"changes\" data-error=\"true\"><b>Compared with the baseline:</b> %s</div>" \
            % _e(changes["error"])
    counts = changes.get("counts") or {}
    base = changes.get("baseline") or {}
    out = ["<div class=\"changes\" id=\"changes\"><b>Since run %s (%s):</b> "
           % (_e(base.get("run_id")), _e(base.get("generated")))]
    parts = []
    for key, label in (("newly_failing", "newly failing"), ("fixed", "fixed"), ("still_failing", "still failing")):
        entries = changes.get(key) or []
        detail = "; ".join("%d: %s" % (e["count"], e.get("title") or e["signature"]) for e in entries[:5])
        parts.append("<span data-change=\"%s\" data-count=\"%d\">%d %s</span>%s"
                     % (key, counts.get(key, 0), counts.get(key, 0), label, (" (%s)" % _e(detail)) if detail else ""))
    out.append(" \u00b7 ".join(parts))
    out.append("</div>")
    return "".join(out)


def section(data):
    """<section id="groups">: run id, changes, then one row per group (work item)."""
    groups = data.get("groups")
    if groups is None:
        from ansible_collections.arcready.network.plugins.plugin_utils import _fleet
        groups = _fleet.fleet_groups(data)
    out = ["<section id=\"groups\" data-run-id=\"%s\"><h2>Work items</h2>" % _e(data.get("run_id")),
           "<p class=\"muted\">Run <code id=\"run-id\">%s</code>. Hosts that fail the same way on the same network "
           "path are one item.</p>" % _e(data.get("run_id") or "(no run id)"),
           _changes(data.get("changes"))]
    if not groups:
        out.append("<p class=\"muted\" id=\"no-groups\">No host fails.</p></section>")
        return "".join(out)
    out.append("<table class=\"items groups\"><thead><tr><th>hosts</th><th>what fails</th><th>who acts</th>"
               "<th>fix</th><th>which hosts</th></tr></thead><tbody>")
    for group in groups:
        failing = ", ".join("%s:%s %s" % (f["host"], f["port"], f["failed_reason"] or f["failed_stage"])
                            for f in group.get("failures") or [])
        search = " ".join([group["title"], group["owner"], failing] + list(group["hosts"])).lower()
        out.append("<tr class=\"group%s\" data-signature=\"%s\" data-count=\"%d\" data-search=\"%s\">"
                   "<td class=\"count\">%d</td><td><b>%s</b>%s<div class=\"muted\">%s</div></td><td>%s</td>"
                   "<td>%s</td><td>%s</td></tr>"
                   % (" blocking" if group.get("blocking") else "", _e(group["signature"]), group["count"],
                      _e(search), group["count"], _e(group["title"]),
                      ("<div>%s</div>" % _e(group["says"])) if group.get("says") else "", _e(failing),
                      _e(group["owner"]), _e(group["fix"]), _hosts_cell(group["hosts"])))
    out.append("</tbody></table></section>")
    return "".join(out)
