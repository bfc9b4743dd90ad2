# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The agent_drift filter: what ``azcmagent check`` checks that the catalogue does not, and the other way round.

Its documentation is in the sidecar file agent_drift.yml; the comparison is ``plugin_utils/_agent_drift.py``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.arcready.network.plugins.plugin_utils._agent_drift import DriftError, compare


def agent_drift(output, endpoints):
    """The drift dict, with ``error`` (why there is none) and ``warning`` (set when the catalogue is behind)."""
    if not isinstance(endpoints, (list, tuple)) or not all(isinstance(e, dict) for e in endpoints):
        raise AnsibleFilterError("agent_drift: endpoints must be a list of endpoint dicts (the probe's results)")
    try:
        drift = compare(str(output or ""), endpoints)
    except DriftError as exc:
        return {"source": None, "agent_only": [], "uncovered": [], "catalogue_only": [], "both": [],
                "error": str(exc), "warning": None}
    warning = None
    if drift["uncovered"]:
        warning = ("azcmagent check tests %s, which no catalogue endpoint covers: a firewall or proxy allowlist "
                   "built from the catalogue blocks %s" % (", ".join(drift["uncovered"]),
                                                           "it" if len(drift["uncovered"]) == 1 else "them"))
    return dict(drift, error=None, warning=warning)


class FilterModule(object):
    def filters(self):
        return {"agent_drift": agent_drift}
