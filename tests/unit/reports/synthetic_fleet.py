# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Synthetic probe results for fleets of any size, following the result contract (reason codes), for the
grouping, baseline, merge and report-writing tests and benchmarks/bench_fleet_reports.py.

Host i gets PROFILES[i % len(PROFILES)]; each profile is one expected group (proxies split the proxy ones).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.arcready.network.plugins.module_utils._catalogue import build
from ansible_collections.arcready.network.plugins.module_utils._contract import RESULT_FIELDS

PROXY_A = "http://proxy-a.example:3128"
PROXY_B = "http://proxy-b.example:3128"
DROPPED = ("management.azure.com", "eus.his.arc.azure.com")
TELEMETRY = "dc.services.visualstudio.com"

# name -> (proxy, {endpoint host or "*": (stage, reason, error)}, scenarios)
PROFILES = (
    ("ready", None, {}, []),
    ("dns", None, {"*": ("dns", "dns.timeout", "the DNS servers did not answer for {host} within 5 s")}, []),
    ("dropped", None, dict((h, ("tcp", "tcp.timeout", "TCP connect to 198.18.0.1:443 timed out after 5 s"))
                           for h in DROPPED), []),
    ("proxy_auth", PROXY_B, {"*": ("proxy", "proxy.auth_required", "the proxy answered 407 to CONNECT {host}:443")},
     []),
    ("inspected", PROXY_A, {"*": ("tls_inspection", "tls_inspection.reissued",
                                  "the certificate of {host} is issued by 'Contoso Inspection CA'")}, []),
    ("telemetry", None, {TELEMETRY: ("tcp", "tcp.refused", "TCP connect to 198.18.0.2:443 was refused")},
     ["telemetry"]),
)


def _rows(scenarios):
    return build("AzureCloud", "eastus", scenarios=scenarios)


_ROWS = {}


def endpoint(row, proxy, failure, error_suffix=""):
    result = dict((key, None) for key in RESULT_FIELDS)
    result.update((key, row.get(key)) for key in ("host", "port", "scheme", "url", "purpose", "required",
                                                  "probeable", "reason", "pattern", "private_capable"))
    result.update(ok=False, latency_ms={}, elapsed_ms=0, addresses=[], tls_inspection=False)
    if not row["probeable"]:
        result["error"] = "not probed: %s" % row["reason"]
        return result
    result["proxy"] = proxy
    if failure is None:
        result.update(ok=True, latency_ms={"dns": 1.0, "tcp": 2.0, "tls": 5.0, "http": 3.0}, elapsed_ms=11,
                      addresses=["198.18.0.10"], private=False, tls_version="TLSv1.3", http_status=404,
                      cert_issuer="Microsoft Azure RSA TLS Issuing CA 03")
    else:
        stage, reason, error = failure
        result.update(failed_stage=stage, failed_reason=reason, error=error.format(host=row["host"]) + error_suffix,
                      latency_ms={"dns": 1.0}, tls_inspection=stage == "tls_inspection")
    return result


def host_result(profile, error_suffix=""):
    _name, proxy, failures, scenarios = profile
    key = tuple(scenarios)
    if key not in _ROWS:
        _ROWS[key] = _rows(scenarios)
    endpoints = [endpoint(row, proxy, failures.get(row["host"], failures.get("*")), error_suffix)
                 for row in _ROWS[key]]
    probed = [e for e in endpoints if e["probeable"]]
    summary = {"total": len(endpoints), "ok": sum(1 for e in probed if e["ok"]),
               "failed": sum(1 for e in probed if not e["ok"]),
               "required_failed": sum(1 for e in probed if not e["ok"] and e["required"]),
               "not_probeable": len(endpoints) - len(probed),
               "tls_inspection": sum(1 for e in endpoints if e["tls_inspection"])}
    return {"endpoints": endpoints, "summary": summary, "table": "(table)", "proxy": proxy,
            "proxy_source": "explicit" if proxy else None, "proxy_bypass": [], "warnings": []}


def inputs(profile):
    return {"scenarios": list(profile[3]), "stage": "install", "private_link": False, "fail_on": "required",
            "proxy_url": profile[1] or "none"}


def results(count, start=0, profiles=PROFILES):
    """{host: (result, inputs)} for hosts start .. start+count-1."""
    out = {}
    for index in range(start, start + count):
        profile = profiles[index % len(profiles)]
        out["host-%05d" % index] = (host_result(profile), inputs(profile))
    return out


PARAMETERS = {"cloud": "AzureCloud", "region": "eastus", "timeout": 5.0, "min_tls_version": "1.2",
              "scenarios": [], "stage": "install", "private_link": False, "fail_on": "required",
              "proxy_url": "none"}
