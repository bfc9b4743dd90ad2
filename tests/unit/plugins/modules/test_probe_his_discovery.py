# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The probe's regional HIS discovery, in-process, against a loopback global host (names mapped by ``resolve``),
and the action plugin's marking of the row discovery replaces."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

import pytest

from ansible_collections.arcready.network.plugins.action.probe import expand
from ansible_collections.arcready.network.plugins.module_utils._catalogue import his_host
from probe_runner import run  # noqa: F401  (a fixture)
from servers import LOOPBACK, TEST_CA_ORG, contract_checked, lab, pki, tls_context  # noqa: F401  (fixtures)

GBL = "gbl.his.arc.azure.com"
PATTERN = "*.his.arc.azure.com"
OTHER = "weu.his.arc.azure.com"


def warning_texts(result):
    return [w["event"]["msg"] if isinstance(w, dict) else w for w in result.get("warnings") or []]


def _args(pki, port, region, regional, **extra):
    """The endpoints as the action plugin sends them: the global host and the marked regional row."""
    args = dict(proxy_url="", ca_path=pki.ca_file, expected_issuers=[TEST_CA_ORG], timeout=2, fail_on="never",
                region=region, resolve=dict((h, LOOPBACK) for h in (GBL, "eus.his.arc.azure.com", OTHER)),
                endpoints=[{"host": GBL, "port": port, "pattern": PATTERN, "bypass": ["Arc"]}, regional])
    args.update(extra)
    return args


def _mapped_row(port):
    return {"host": "eus.his.arc.azure.com", "port": port, "pattern": PATTERN, "bypass": ["Arc"], "discover": True}


def _unknown_row(port):
    return {"host": PATTERN, "port": port, "pattern": PATTERN, "probeable": False, "discover": True,
            "reason": "the regional HIS shard for centralus is not known"}


def _server(lab, pki, status, body):
    cert = pki.ca.issue_cert(*(pki.names + [OTHER]))
    return lab.http(cert=cert, routes={"/discovery": (status, body)})


# (region, row, discovery status, body) -> (host probed, host_source, probeable, catalogue_host, warns, said)
CASES = {
    "agrees": ("eastus", _mapped_row, 200, b'"https://eus.his.arc.azure.com"',
               ("eus.his.arc.azure.com", "discovered", True, "eus.his.arc.azure.com", False, "discovered by")),
    "disagrees": ("eastus", _mapped_row, 200, json.dumps({"endpoint": "https://%s/" % OTHER}).encode(),
                  (OTHER, "discovered", True, "eus.his.arc.azure.com", True, "discovered by")),
    "fails_500": ("eastus", _mapped_row, 500, b"{}",
                  ("eus.his.arc.azure.com", "catalogue", True, "eus.his.arc.azure.com", False, "answered HTTP 500")),
    "not_understood": ("eastus", _mapped_row, 200, b"<html>busy</html>",
                       ("eus.his.arc.azure.com", "catalogue", True, "eus.his.arc.azure.com", False,
                        "names no regional his.arc.azure.com host: <html>busy</html>")),
    "fills_unknown_shard": ("centralus", _unknown_row, 200, b'"https://weu.his.arc.azure.com"',
                            (OTHER, "discovered", True, None, False, "discovered by")),
    "unknown_stays_unknown": ("centralus", _unknown_row, 404, b"{}",
                              (PATTERN, "unknown", False, None, False, "answered HTTP 404")),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_discovery_decides_the_regional_host(run, pki, lab, contract_checked, case):
    region, row, status, body, want = CASES[case]
    host, source, probeable, mapped, warns, said = want
    server = _server(lab, pki, status, body)
    code, result = run(_args(pki, server.port, region, row(server.port)))
    assert code == 0, result.get("msg")
    assert [r[3].split("?")[0] for r in server.requests].count("/discovery") == 1
    assert ("GET", "/discovery?location=%s&api-version=2.1" % region) in [(r[2], r[3]) for r in server.requests]
    gbl, regional = result["endpoints"]
    assert gbl["host_source"] is None and gbl["ok"] is True
    assert (regional["host"], regional["host_source"], regional["probeable"], regional["catalogue_host"]) == \
        (host, source, probeable, mapped)
    assert said in regional["discovery"]
    assert regional["ok"] is probeable
    assert any("discovery returned" in w for w in warning_texts(result)) is warns
    if source == "catalogue":
        assert said in regional["hint"]
    if source == "unknown":
        assert regional["reason"].startswith("discovery gave no regional host: the discovery request")
        assert regional["reason"].endswith("is not known")


def test_discover_his_false_asks_nothing(run, pki, lab):
    server = _server(lab, pki, 200, b'"https://weu.his.arc.azure.com"')
    code, result = run(_args(pki, server.port, "eastus", _mapped_row(server.port), discover_his=False))
    assert code == 0, result.get("msg")
    assert [r[3] for r in server.requests if r[3].startswith("/discovery")] == []
    assert [e["host"] for e in result["endpoints"]] == [GBL, "eus.his.arc.azure.com"]
    assert [e["host_source"] for e in result["endpoints"]] == [None, None]


def test_a_trickling_discovery_is_cut_by_the_deadline(run, pki, lab):
    server = lab.trickle(head=b"HTTP/1.1 200 OK\r\n\r\n\"", drip=b" ", interval=0.05, ctx=tls_context(pki.valid))
    code, result = run(_args(pki, server.port, "eastus", _mapped_row(server.port), timeout=0.5))
    assert code == 0, result.get("msg")
    regional = result["endpoints"][1]
    assert regional["host_source"] == "catalogue"
    assert "the discovery request https://%s:%d/discovery?location=eastus&api-version=2.1 failed" % (
        GBL, server.port) in regional["hint"]


@pytest.mark.parametrize("region, wildcard_hosts, marked", [
    ("eastus", {}, ["eus.his.arc.azure.com"]),
    ("East US", {}, ["eus.his.arc.azure.com"]),
    ("centralus", {}, [PATTERN]),
    ("centralus", {PATTERN: ["my.his.arc.azure.com"]}, []),
])
def test_the_action_marks_the_regional_row(region, wildcard_hosts, marked):
    args = expand({"region": region, "wildcard_hosts": wildcard_hosts})
    assert [e["host"] for e in args["endpoints"] if e["discover"]] == marked
    assert all(e["discover"] is False for e in args["endpoints"] if e["host"] not in marked)
    regional = [e for e in args["endpoints"] if e["pattern"] == PATTERN and e["host"] != GBL]
    assert regional, "the regional HIS row (or the unknown-shard row) is sent"


def test_the_catalogue_fallback_is_the_map():
    assert his_host("AzureCloud", "eastus")["host"] == "eus.his.arc.azure.com"
    assert his_host("AzureCloud", "centralus")["host"] is None
