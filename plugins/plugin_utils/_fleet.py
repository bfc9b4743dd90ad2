# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The fleet report of one run (``preflight.json``), built once on the controller from every host's probe result.

PRIVATE to the collection, controller side. Shape (docs/reports.md)::

    {"run_id": "20261201T215012Z-3fa9c1", "generated": "2026-12-01T21:50:12Z", "parameters": {...},
     "hosts": {"<host>": {endpoints, summary, table, proxy, proxy_source, proxy_bypass, warnings, inputs,
                          verdict: {status, signature, cause, owner, everywhere, text}}},
     "unreported": {"<host>": "why there is no result"},
     "groups": [{signature, kind, count, hosts, failures, causes, title, fix, owner, path, blocking, says}],
     "summary": {... as the preflight_summary filter, plus run_id and the top groups},
     "changes": {...}  # only with a baseline (plugins/plugin_utils/_baseline.py)
     "slices": [...]   # only in a merged report (plugins/plugin_utils/_merge.py)
    }
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import binascii
import datetime
import json
import os

from ansible_collections.arcready.network.plugins.plugin_utils import _agent_drift, _baseline, _groups, _report

# What a host's entry keeps of its probe result.
RESULT_KEYS = ("endpoints", "summary", "table", "proxy", "proxy_source", "proxy_bypass", "warnings",
               "dns_servers", "default_route")
TOP_GROUPS = 10


def new_run_id(now=None):
    """Sortable by time, unique per run: ``YYYYmmddTHHMMSSZ-<6 hex>``."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    return "%s-%s" % (now.strftime("%Y%m%dT%H%M%SZ"), binascii.hexlify(os.urandom(3)).decode("ascii"))


def host_entry(result, inputs, agent_check=None):
    """A host's report entry; ``agent_check`` is the registered result of the role's azcmagent check, if any."""
    entry = dict((key, result[key]) for key in RESULT_KEYS if key in result)
    entry.setdefault("endpoints", [])
    # Structured warnings ({code, message}): the controller's verdict warnings, then the module's own (the catalogue,
    # HIS discovery), which carry no code. Ansible 2.19 may strip ``warnings`` from a registered result.
    structured = list((result.get("verdict") or {}).get("warnings") or [])
    shown = set(w.get("message") for w in structured if isinstance(w, dict))
    for warning in entry.get("warnings") or []:
        text = warning.get("message") if isinstance(warning, dict) else str(warning)
        if text not in shown:
            shown.add(text)
            structured.append(warning if isinstance(warning, dict) else {"code": None, "message": text})
    entry["warnings"] = structured
    entry["inputs"] = inputs
    entry["agent_drift"] = _agent_drift.from_check(agent_check, entry["endpoints"])
    if entry["agent_drift"] and entry["agent_drift"]["warning"]:
        entry["warnings"].append({"code": "agent_drift.uncovered", "message": entry["agent_drift"]["warning"]})
    return entry


def _fail_on(doc):
    default = str((doc.get("parameters") or {}).get("fail_on") or "required")
    if default.startswith("varies"):
        default = "required"

    def fail_on_of(_name, entry):
        return str((entry.get("inputs") or {}).get("fail_on") or default)
    return fail_on_of


def fleet_groups(doc, verdicts=None):
    return _groups.groups(doc.get("hosts") or {}, _fail_on(doc), doc.get("unreported") or {}, verdicts)


def finish(doc, baseline=None, baseline_path=None):
    """Add verdicts, groups, summary (and changes against a baseline) to a doc with run_id, generated,
    parameters, hosts and unreported. Returns the doc."""
    fail_on_of = _fail_on(doc)
    verdicts = {}
    for name, entry in (doc.get("hosts") or {}).items():
        entry["verdict"] = verdicts[name] = _groups.host_verdict(entry, fail_on_of(name, entry))
    doc["groups"] = fleet_groups(doc, verdicts)
    summary = _report.summary(doc)
    summary["run_id"] = doc.get("run_id")
    summary["groups_total"] = len(doc["groups"])
    summary["groups"] = [dict((k, g[k]) for k in ("signature", "count", "title", "owner", "blocking"))
                         for g in doc["groups"][:TOP_GROUPS]]
    if "slices" in doc:
        summary["slices"] = [piece.get("run_id") for piece in doc["slices"]]
    if baseline is not None:
        doc["changes"] = _baseline.changes(doc, baseline, baseline_path)
        summary["changes"] = doc["changes"]["counts"]
    doc["summary"] = summary
    return doc


def build(results, unreported, parameters, run_id=None, generated=None, baseline=None, baseline_path=None):
    """The fleet report from ``results`` (host -> (probe result, inputs[, agent check result])) and
    ``unreported`` (host -> why)."""
    run_id = run_id or new_run_id()
    doc = {
        "run_id": run_id,
        "generated": generated or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "parameters": dict(parameters),
        "hosts": dict((str(name), host_entry(*entry)) for name, entry in sorted(results.items())),
        "unreported": dict((str(name), str(why)) for name, why in sorted(unreported.items())
                           if str(name) not in results),
    }
    return finish(doc, baseline, baseline_path)


def drift_warnings(doc):
    """One warning per distinct agent drift message, naming how many hosts and the first few (not one per host)."""
    hosts_by_message = {}
    for name, entry in sorted(doc["hosts"].items()):
        drift = entry.get("agent_drift") or {}
        if drift.get("warning"):
            hosts_by_message.setdefault(drift["warning"], []).append(name)
    return ["%s (%d host%s: %s%s)" % (message, len(hosts), "" if len(hosts) == 1 else "s", ", ".join(hosts[:3]),
                                      ", ..." if len(hosts) > 3 else "")
            for message, hosts in sorted(hosts_by_message.items())]


def host_document(doc, name):
    """hosts/<name>.json: the host's entry (or, for a host without a result, why) with the run it belongs to."""
    if name not in doc["hosts"]:
        why = doc["unreported"][name]
        return {"host": name, "run_id": doc["run_id"], "generated": doc["generated"], "no_result": why,
                "verdict": {"status": "no_result", "failed": True, "failing": [], "warnings": [], "msg": why}}
    return dict(doc["hosts"][name], host=name, run_id=doc["run_id"], generated=doc["generated"])


def verdict_line(summary):
    if summary["ready"]:
        return "ready: every host reaches the Azure Arc endpoints"
    return "%d of %d hosts not ready" % (summary["hosts_failed"], summary["hosts_total"])


def group_lines(groups, limit=TOP_GROUPS):
    """One line per group, for a console: '312 hosts: <title>; who acts: <owner> [<signature>]'."""
    lines = ["%d host%s: %s; who acts: %s [%s]" % (g["count"], "" if g["count"] == 1 else "s", g["title"],
                                                   g["owner"], g["signature"]) for g in groups[:limit]]
    if len(groups) > limit:
        lines.append("... and %d more groups in preflight.json" % (len(groups) - limit))
    return lines


def host_file_name(name):
    """hosts/<name>.json, with what a file name cannot hold replaced."""
    safe = "".join("_" if c in "/\\\0" else c for c in name)
    return "hosts/%s.json" % ("_" + safe if safe.startswith(".") else safe)


def files(doc, title="Azure Arc network preflight"):
    """Every file of the run's report set: [(relative path, text)]; hosts/ is there even when empty."""
    fleet = _report.Fleet(doc)  # masked once for both renderers
    # Compact: at 5,000 hosts indenting adds a third to the size and quadruples the time (use jq to read it).
    out = [("preflight.json", json.dumps(doc, separators=(",", ":")) + "\n"),
           ("preflight.html", _report.render_html(fleet, title)),
           ("preflight.junit.xml", _report.render_junit(fleet)),
           ("hosts", None)]
    for name in list(doc["hosts"]) + sorted(doc.get("unreported") or ()):
        out.append((host_file_name(name), json.dumps(host_document(doc, name), indent=2) + "\n"))
    return out
