# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Drift between the catalogue and what the installed agent checks (``azcmagent check``), both ways.

PRIVATE to the collection; runs on the controller. The JSON form of ``azcmagent check`` is not documented, so the
reader takes any JSON and collects the endpoint URLs in it, and falls back to the text table
(``ENDPOINT | REACHABLE | PRIVATE | TLS | PROXY``). Hosts are compared by name; a catalogue wildcard
(``*.login.microsoft.com``) covers the agent's concrete names under it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

MAX_OUTPUT = 1024 * 1024
AGENT_MARK = "arc-agent-check: "
_URL = re.compile(r"(?i)\bhttps?://([a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?)(?::\d+)?(?:/[^\s|\"']*)?")
_HEADER = re.compile(r"(?i)^\s*ENDPOINT\s*\|")


class DriftError(ValueError):
    """The agent's output holds no endpoint; the message says what came instead."""


def _json_strings(node, depth=0):
    if depth > 16:
        return
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for key, value in node.items():
            yield str(key)
            for item in _json_strings(value, depth + 1):
                yield item
    elif isinstance(node, list):
        for value in node:
            for item in _json_strings(value, depth + 1):
                yield item


def agent_hosts(output):
    """(sorted host names the agent checked, 'json' or 'table') from ``azcmagent check`` output."""
    text = (output or "")[:MAX_OUTPUT]
    try:
        document = json.loads(text)
    except (ValueError, RecursionError):
        document = None
    if isinstance(document, (dict, list)):
        hosts = set()
        for value in _json_strings(document):
            hosts.update(m.group(1).lower() for m in _URL.finditer(value))
        if hosts:
            return sorted(hosts), "json"
    rows = [line for line in text.splitlines() if "|" in line and not _HEADER.match(line)]
    hosts = set()
    for line in rows:
        match = _URL.search(line.split("|", 1)[0])
        if match:
            hosts.add(match.group(1).lower())
    if not hosts:
        shown = " ".join(text.split())[:120]
        raise DriftError("azcmagent check printed no endpoint (neither JSON nor its ENDPOINT table): %s"
                         % (shown or "nothing"))
    return sorted(hosts), "table"


def _covers(pattern, host):
    pattern = pattern.lower()
    if pattern.startswith("*."):
        return host.endswith(pattern[1:])
    return host == pattern


def compare(output, endpoints):
    """Differences between the agent's checked hosts and the catalogue's endpoints for the same region.

    ``endpoints`` are catalogue rows (``build()`` or the probe's results): their ``host`` and ``pattern``.
    Returns ``agent_only`` (the agent checks a name the catalogue does not probe), ``uncovered`` (those of them
    no catalogue pattern covers either: the catalogue is behind the agent, and a firewall built from it blocks
    them), ``catalogue_only`` (probed by the catalogue, not checked by the agent: usually scenario rows), ``both``
    and ``source``.
    """
    hosts, source = agent_hosts(output)
    names = set()
    patterns = set()
    for ep in endpoints:
        names.add(str(ep.get("host", "")).lower())
        if ep.get("pattern"):
            patterns.add(str(ep["pattern"]).lower())
    agent_only = [h for h in hosts if h not in names]
    covered = set(hosts) - set(agent_only)
    catalogue_only = sorted(n for n in names if n and "*" not in n and n not in covered)
    return {
        "source": source,
        "agent_only": agent_only,
        "uncovered": [h for h in agent_only if not any(_covers(p, h) for p in patterns)],
        "catalogue_only": catalogue_only,
        "both": sorted(covered),
    }


# The exit status of the role's wrapper when no azcmagent is installed: the host has nothing to compare.
NO_AGENT = 127


def report(output, endpoints, rc=None, agent=None):
    """The drift entry of a host report: compare() plus ``error`` (why there is none), ``warning`` (set when the
    catalogue is behind the agent), the agent's exit status and path."""
    try:
        drift = compare(str(output or ""), endpoints)
    except DriftError as exc:
        drift = {"source": None, "agent_only": [], "uncovered": [], "catalogue_only": [], "both": [],
                 "error": str(exc)}
    else:
        drift["error"] = None
    drift["warning"] = None
    if drift["uncovered"]:
        drift["warning"] = ("azcmagent check tests %s, which no catalogue endpoint covers: a firewall or proxy "
                            "allowlist built from the catalogue blocks %s"
                            % (", ".join(drift["uncovered"]), "it" if len(drift["uncovered"]) == 1 else "them"))
    drift.update(rc=rc, agent=agent)
    return drift


def from_check(check, endpoints):
    """The drift entry for a registered result of the role's agent check, or None (skipped, or no agent)."""
    if not isinstance(check, dict) or check.get("skipped") or check.get("rc") in (None, NO_AGENT):
        return None
    # The role's wrapper names the agent it ran on a marked line of stderr (a login banner may come first).
    agent = None
    for line in str(check.get("stderr") or "").splitlines():
        if line.startswith(AGENT_MARK):
            agent = line[len(AGENT_MARK):].strip()
            break
    return report(check.get("stdout"), endpoints, rc=check.get("rc"), agent=agent)
