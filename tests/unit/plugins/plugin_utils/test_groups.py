# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Grouped verdicts (plugins/plugin_utils/_groups.py, through _fleet.build): one group per failure signature
and network path, keyed on reason codes, with owner and fix; the host verdict said once."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "reports"))
import synthetic_fleet as sf  # noqa: E402

from ansible_collections.arcready.network.plugins.plugin_utils import _fleet, _groups, _report  # noqa: E402


def _build(results, unreported=None):
    return _fleet.build(results, unreported or {}, sf.PARAMETERS, run_id="run-1", generated="2026-12-01T00:00:00Z")


def _profile(name):
    return next(p for p in sf.PROFILES if p[0] == name)


def test_37_hosts_with_identical_failures_are_one_group():
    results = dict(("db-%02d" % i, (sf.host_result(_profile("dropped")), sf.inputs(_profile("dropped"))))
                   for i in range(37))
    doc = _build(results)
    assert len(doc["groups"]) == 1
    group = doc["groups"][0]
    assert group["count"] == 37 and len(group["hosts"]) == 37
    assert [(f["host"], f["failed_reason"]) for f in group["failures"]] == [
        ("eus.his.arc.azure.com", "tcp.timeout"), ("management.azure.com", "tcp.timeout")]
    assert group["owner"] == "network / firewall team" and group["blocking"] is True
    assert group["fix"] and group["title"]
    assert doc["summary"]["groups_total"] == 1 and doc["summary"]["groups"][0]["count"] == 37


# profile -> (owner, blocking, title mentions the proxy)
EXPECTED = {
    "dns": ("DNS team", True, None),
    "dropped": ("network / firewall team", True, None),
    "proxy_auth": ("proxy / security team", True, sf.PROXY_B),
    "inspected": ("proxy / security team", True, sf.PROXY_A),
    "telemetry": ("network / firewall team", False, None),
}


def test_each_profile_is_one_group_with_its_owner_blocking_first():
    doc = _build(sf.results(60))
    by_host = dict((h, g) for g in doc["groups"] for h in g["hosts"])
    assert len(doc["groups"]) == len(EXPECTED)
    for index, profile in enumerate(sf.PROFILES * 10):
        host = "host-%05d" % index
        if profile[0] == "ready":
            assert host not in by_host
            assert doc["hosts"][host]["verdict"]["status"] == "ready"
            continue
        owner, blocking, proxy = EXPECTED[profile[0]]
        group = by_host[host]
        assert (group["owner"], group["blocking"], group["count"]) == (owner, blocking, 10), profile[0]
        assert group["path"]["proxy"] == proxy
        assert (proxy in group["title"]) if proxy else ("behind" not in group["title"])
    assert [g["blocking"] for g in doc["groups"]] == [True] * 4 + [False]


def test_the_same_failures_behind_two_proxies_are_two_groups():
    profile_a = ("auth_a", sf.PROXY_A, _profile("proxy_auth")[2], [])
    profile_b = _profile("proxy_auth")
    results = {"a1": (sf.host_result(profile_a), {}), "a2": (sf.host_result(profile_a), {}),
               "b1": (sf.host_result(profile_b), {})}
    groups = _build(results)["groups"]
    assert sorted((g["path"]["proxy"], g["hosts"]) for g in groups) == [(sf.PROXY_A, ["a1", "a2"]),
                                                                        (sf.PROXY_B, ["b1"])]


def test_groups_key_on_codes_not_on_error_text():
    dropped = _profile("dropped")
    other_words = sf.host_result(dropped, error_suffix=" (worded differently by the other engine)")
    other_code = copy.deepcopy(sf.host_result(dropped))
    for ep in other_code["endpoints"]:
        if ep["failed_reason"]:
            ep["failed_reason"] = "tcp.unreachable"
    results = {"h1": (sf.host_result(dropped), {}), "h2": (other_words, {}), "h3": (other_code, {})}
    groups = _build(results)["groups"]
    assert sorted(g["hosts"] for g in groups) == [["h1", "h2"], ["h3"]]


def test_signature_is_stable_and_carries_no_host_name():
    first = _build(sf.results(12))["groups"]
    again = _build(sf.results(12, start=600))["groups"]
    assert [g["signature"] for g in first] == [g["signature"] for g in again]
    reordered = sf.results(12)
    for result, _inputs in reordered.values():
        result["endpoints"].reverse()
    assert [g["signature"] for g in _build(reordered)["groups"]] == [g["signature"] for g in first]
    for group in first:
        assert not any(h in group["signature"] for h in group["hosts"])


@pytest.mark.parametrize("profile, says", [
    ("dns", "no Azure name resolves on this host: its DNS servers do not answer for public names"),
    ("proxy_auth", "the proxy wants credentials for every Azure name, which the agent cannot give"),
    ("inspected", "every Azure connection from this host is TLS-inspected: exempt the endpoints"),
])
def test_a_host_failing_everywhere_the_same_way_says_it_once(profile, says):
    doc = _build({"h1": (sf.host_result(_profile(profile)), {})})
    verdict = doc["hosts"]["h1"]["verdict"]
    assert verdict == dict(verdict, status="not_ready", everywhere=True, text=says)
    assert doc["groups"][0]["says"] == says


def test_dns_nxdomain_everywhere_says_the_same_sentence():
    profile = ("nx", None, {"*": ("dns", "dns.nxdomain", "{host} does not exist")}, [])
    verdict = _build({"h1": (sf.host_result(profile), {})})["hosts"]["h1"]["verdict"]
    assert verdict["text"].startswith("no Azure name resolves on this host")


def test_a_partial_failure_names_the_first_blocking_endpoint():
    verdict = _build({"h1": (sf.host_result(_profile("dropped")), {})})["hosts"]["h1"]["verdict"]
    assert verdict["everywhere"] is False
    assert verdict["text"].startswith("2 of ") and "eus.his.arc.azure.com:443 (tcp.timeout)" in verdict["text"]
    optional = _build({"h1": (sf.host_result(_profile("telemetry")), {})})["hosts"]["h1"]["verdict"]
    assert optional["status"] == "warning" and "(optional only)" in optional["text"]


def test_hosts_without_a_result_are_grouped_by_why():
    doc = _build({}, {"a": "unknown region 'nowhere'", "b": "unknown region 'nowhere'", "c": "ssh: timed out"})
    assert [(g["kind"], g["hosts"], g["owner"]) for g in doc["groups"]] == [
        ("no_result", ["a", "b"], "host team"), ("no_result", ["c"], "host team")]
    assert "unknown region" in doc["groups"][0]["title"]


def test_a_group_takes_title_fix_and_owner_from_the_cause_table():
    group = _build({"h1": (sf.host_result(_profile("dropped")), {})})["groups"][0]
    expected = _report.cause_of({"failed_stage": "tcp", "failed_reason": "tcp.timeout"})
    assert (group["title"].split(" (")[0], group["fix"], group["owner"]) == (
        expected["title"].split(" (")[0], expected["fix"], expected["owner_label"])


@pytest.mark.parametrize("stage, reason, owner", [
    ("dns", "dns.timeout", "DNS team"), ("private_link", "private_link.public_address", "DNS team"),
    ("tcp", "tcp.refused", "network / firewall team"), ("proxy", "proxy.refused", "proxy / security team"),
    ("tls_inspection", "tls_inspection.untrusted", "proxy / security team"), ("input", "input.invalid", "host team"),
])
def test_group_owner_comes_from_the_one_cause_table(stage, reason, owner):
    assert _groups.cause(stage, reason)["owner"] == owner
