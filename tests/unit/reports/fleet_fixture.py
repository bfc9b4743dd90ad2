# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A fleet report with mixed results, built from the real endpoint catalogue (AzureCloud, eastus), for the report
tests. Each host's endpoints are what arcready.network.probe returns; EXPECTED says what the report must show.

One host name and one error text are hostile (markup, a script, a Jinja expression): the report must show them
as text.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.arcready.network.plugins.module_utils._catalogue import build

HOSTILE_HOST = '<img src=x onerror="window.__pwned=1">evil-01'
HOSTILE_ERROR = "TLS handshake with aka.ms failed: </script><script>window.__pwned=2</script> {{ lookup('pipe', 'id') }}"
PROXY_PASSWORD = "Pa55-in-url"

# host -> {endpoint host: (failed_stage, failed_reason, error)}; "*" applies to every probeable HTTPS endpoint.
FAILURES = {
    "web-01.contoso.example": {},
    "web-02.contoso.example": {},
    "web-03.contoso.example": {},
    "db-01.contoso.example": {
        "management.azure.com": (
            "tcp", "tcp.timeout",
            "TCP connect to 198.18.1.7:443 timed out after 5 s: a firewall is probably dropping it"),
        "eus.his.arc.azure.com": (
            "tcp", "tcp.timeout",
            "TCP connect to 198.18.1.9:443 timed out after 5 s: a firewall is probably dropping it"),
    },
    "db-02.contoso.example": {
        "login.microsoftonline.com": (
            "tcp", "tcp.timeout",
            "TCP connect to 198.18.1.4:443 timed out after 5 s: a firewall is probably dropping it"),
    },
    "app-01.contoso.example": {
        "*": ("tls_inspection", "tls_inspection.reissued",
              "the certificate of {host} is issued by 'Contoso TLS Inspection CA', not by a Microsoft CA: a proxy or "
              "firewall is inspecting TLS. Exempt the Arc endpoints from inspection"),
    },
    "branch-01.contoso.example": {
        "*": ("proxy", "proxy.auth_required",
              "the proxy http://***@proxy.branch.example:3128 answered 407 to CONNECT {host}:443: the credentials were "
              "rejected (note that the Arc agent does not support authenticating proxies)"),
    },
    "legacy-01.contoso.example": {
        "*": ("tls", "tls.local_policy",
              "this host's OpenSSL configuration does not allow TLS 1.2 or later (check MinProtocol/MaxProtocol and "
              "CipherString in openssl.cnf, or the crypto policy)"),
    },
    "tel-01.contoso.example": {
        "dc.services.visualstudio.com": (
            "tcp", "tcp.refused",
            "TCP connect to 198.18.1.30:443 was refused: nothing listens there, or a firewall rejects the connection"),
    },
    HOSTILE_HOST: {
        "aka.ms": ("tls", "tls.failed", HOSTILE_ERROR),
    },
}
SCENARIOS = {"tel-01.contoso.example": ["telemetry"], "web-03.contoso.example": ["esu"]}
UNREPORTED = {"gone-01.contoso.example": "Failed to connect to the host via ssh: ssh: connect to host 192.0.2.10 "
                                         "port 22: Connection timed out"}

EXPECTED_STATUS = {
    "web-01.contoso.example": "ready", "web-02.contoso.example": "ready", "web-03.contoso.example": "ready",
    "db-01.contoso.example": "not_ready", "db-02.contoso.example": "not_ready",
    "app-01.contoso.example": "not_ready", "branch-01.contoso.example": "not_ready",
    "legacy-01.contoso.example": "not_ready", "tel-01.contoso.example": "warning", HOSTILE_HOST: "not_ready",
}


def _result(row, failure):
    ep = {
        "host": row["host"], "port": row["port"], "scheme": row["scheme"], "url": row["url"],
        "purpose": row["purpose"], "required": row["required"], "probeable": row["probeable"],
        "reason": row["reason"], "pattern": row.get("pattern"), "private_capable": row["private_capable"],
        "ok": False, "failed_stage": None, "failed_reason": None, "error": None, "hint": None, "latency_ms": {}, "addresses": [],
        "private": None, "tls_version": None, "tls_cipher": None, "cert_issuer": None, "cert_subject": None,
        "cert_not_after": None, "tls_inspection": False, "http_status": None, "proxy": None,
    }
    if not row["probeable"]:
        ep["error"] = "not probed: %s" % row["reason"]
        return ep
    if failure is None:
        ep.update(ok=True, latency_ms={"dns": 2, "tcp": 11, "tls": 24, "http": 31}, addresses=["198.18.1.2"],
                  private=False, http_status=200, tls_version=None if row["scheme"] == "http" else "TLSv1.3",
                  cert_issuer=None if row["scheme"] == "http" else "Microsoft Azure RSA TLS Issuing CA 03")
        return ep
    stage, reason, error = failure
    ep.update(failed_stage=stage, failed_reason=reason, error=error.replace("{host}", row["host"]), latency_ms={"dns": 2})
    if stage == "tls_inspection":
        ep.update(tls_inspection=True, cert_issuer="Contoso TLS Inspection CA")
    return ep


def _summary(endpoints):
    failed = [e for e in endpoints if e["probeable"] and not e["ok"]]
    return {"total": len(endpoints), "ok": sum(1 for e in endpoints if e["ok"]), "failed": len(failed),
            "required_failed": sum(1 for e in failed if e["required"]),
            "not_probeable": sum(1 for e in endpoints if not e["probeable"]),
            "tls_inspection": sum(1 for e in endpoints if e["tls_inspection"])}


def fleet(fail_on="required"):
    hosts = {}
    for name, failures in FAILURES.items():
        rows = build("AzureCloud", "eastus", scenarios=SCENARIOS.get(name, []), edition="2024-03")
        endpoints = []
        for row in rows:
            failure = failures.get(row["host"])
            if failure is None and "*" in failures and row["probeable"] and row["scheme"] == "https":
                failure = failures["*"]
            endpoints.append(_result(row, failure))
        proxy = "http://arc:%s@proxy.branch.example:3128" % PROXY_PASSWORD if name.startswith("branch") else "auto"
        hosts[name] = {"endpoints": endpoints, "summary": _summary(endpoints), "table": "", "warnings": [],
                       "proxy": "http://***@proxy.branch.example:3128" if name.startswith("branch") else None,
                       "inputs": {"scenarios": SCENARIOS.get(name, []), "stage": "install", "private_link": False,
                                  "fail_on": fail_on, "proxy_url": proxy}}
    return copy.deepcopy({
        "generated": "2026-11-28T09:30:00Z",
        "parameters": {"cloud": "AzureCloud", "region": "eastus", "scenarios": [], "stage": "install",
                       "private_link": False, "fail_on": fail_on,
                       "proxy_url": "http://arc:%s@proxy.corp.example:3128" % PROXY_PASSWORD,
                       "timeout": 5.0, "min_tls_version": "1.2", "ansible_version": "2.19.14"},
        "hosts": hosts,
        "unreported": dict(UNREPORTED),
    })


def expected_cells(data, fail_on="required"):
    """{(host, url): result class} computed here, independently of the report code."""
    out = {}
    for name, report in data["hosts"].items():
        for ep in report["endpoints"]:
            if not ep["probeable"]:
                klass = "skip"
            elif ep["ok"]:
                klass = "ok"
            elif ep["required"] or fail_on == "any":
                klass = "fail"
            else:
                klass = "warn"
            out[(name, ep["url"])] = klass
    return out
