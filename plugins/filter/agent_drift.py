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

from ansible_collections.arcready.network.plugins.plugin_utils._agent_drift import report


def agent_drift(output, endpoints):
    """The drift dict, with ``error`` (why there is none) and ``warning`` (set when the catalogue is behind)."""
    if not isinstance(endpoints, (list, tuple)) or not all(isinstance(e, dict) for e in endpoints):
        raise AnsibleFilterError("agent_drift: endpoints must be a list of endpoint dicts (the probe's results)")
    drift = report(output, endpoints)
    del drift["rc"], drift["agent"]
    return drift


class FilterModule(object):
    def filters(self):
        return {"agent_drift": agent_drift}
