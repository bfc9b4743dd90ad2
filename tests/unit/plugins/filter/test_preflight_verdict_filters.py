# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight role's filters for one host: the verdict of a registered probe result (with results, or none:
failed, stopped by the task timeout, unreachable) and the probe task's time limit."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.arcready.network.plugins.filter.preflight_verdict import FilterModule
from ansible_collections.arcready.network.plugins.plugin_utils import _verdict
from ansible_collections.arcready.network.plugins.plugin_utils._probe_args import expand

FILTERS = FilterModule().filters()
FAILED = {"host": "b.example", "port": 443, "url": "https://b.example", "required": True, "probeable": True,
          "ok": False, "failed_stage": "tcp", "failed_reason": "tcp.refused", "error": "refused"}

# registered result, fail_on, (failed, status, message start)
CASES = [
    ({"endpoints": [FAILED], "failed": False}, "required",
     (True, "not_ready", "1 required endpoint(s) unreachable from web01: b.example:443 (tcp): refused")),
    ({"endpoints": [FAILED]}, "never", (False, "not_ready", "web01 reaches every Azure Arc endpoint")),
    ({"endpoints": []}, "any", (False, "ready", "web01 reaches every Azure Arc endpoint")),
    ({"failed": True, "msg": "Task failed: Timed out", "timedout": {"period": 95}}, "never",
     (True, "no_result", "no result from web01: the probe task ran out of time after 95 s and was stopped")),
    ({"failed": True, "msg": "ca_path /x is not a file", "rc": 1}, "required",
     (True, "no_result", "no result from web01: ca_path /x is not a file (exit status 1)")),
    ({"unreachable": True, "msg": "ssh: connect to host web01 port 22: Connection refused"}, "required",
     (True, "no_result", "no result from web01: unreachable: ssh: connect to host web01 port 22")),
    ({"failed": True, "msg": "proxy_url: bad port in u:S3cr/t@proxy:99999"}, "required",
     (True, "no_result", "no result from web01: proxy_url: bad port in ********@proxy:99999")),
    ({}, "required", (True, "no_result", "no result from web01: the probe returned no result")),
]


@pytest.mark.parametrize("result, fail_on, expected", CASES)
def test_verdict_of_a_registered_result(result, fail_on, expected):
    verdict = FILTERS["preflight_verdict"](result, fail_on, "web01", "/r/preflight.html", "http://u:S3cr/t@proxy:99")
    assert (verdict["failed"], verdict["status"]) == expected[:2]
    assert verdict["msg"].startswith(expected[2]), verdict["msg"]
    assert "S3cr" not in verdict["msg"]


def test_verdict_refuses_a_bad_fail_on():
    with pytest.raises(AnsibleFilterError, match="fail_on must be one of required, any, never"):
        FILTERS["preflight_verdict"]({"endpoints": []}, "maybe")


@pytest.mark.parametrize("args, count", [
    ({"region": "eastus", "timeout": 5, "workers": 20}, len(expand({"region": "eastus"})["endpoints"])),
    ({"region": "eastus", "scenarios": ["sql", "esu"], "timeout": 2, "workers": 3},
     len(expand({"region": "eastus", "scenarios": ["sql", "esu"]})["endpoints"])),
    ({"endpoints": [{"host": "a"}] * 45, "region": "nowhere", "timeout": 1, "workers": 20}, 45),
    ({"region": "eastuss", "timeout": 5, "workers": 20}, 0),  # the probe task reports the bad region
])
def test_probe_timeout_follows_the_endpoint_count(args, count):
    bound = FILTERS["preflight_probe_timeout"](args)
    assert bound == _verdict.task_timeout(count, args["timeout"], args["workers"])


@pytest.mark.parametrize("args", [{"region": "eastus", "timeout": float("inf")}, {"region": "eastus", "workers": 0},
                                  "region=eastus"])
def test_probe_timeout_refuses_what_bounds_nothing(args):
    with pytest.raises(AnsibleFilterError, match="preflight_probe_timeout"):
        FILTERS["preflight_probe_timeout"](args)
