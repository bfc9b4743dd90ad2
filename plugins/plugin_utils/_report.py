# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight's fleet report: verdicts, failure causes with their fixes, the summary, HTML and JUnit XML.

Private to the collection (leading underscore): the filters in ``plugins/filter/preflight_report.py`` and the
tests use it; its API may change at any time. Controller side only. Causes key on the endpoints'
``(failed_stage, failed_reason)`` codes (``module_utils/_contract.py``), verdicts come from ``_verdict``.

Input is the fleet report the ``arc_preflight`` role writes as ``preflight.json``::

    {"generated": "2026-11-28T16:00:00Z",
     "parameters": {"cloud": "AzureCloud", "region": "eastus", "scenarios": [], "stage": "install",
                    "private_link": false, "fail_on": "required", "proxy_url": "auto", ...},
     "hosts": {"<inventory_hostname>": {"endpoints": [...], "summary": {...}, "table": "...", "proxy": null,
                                        "warnings": []}},
     "unreported": {"<inventory_hostname>": "why the host has no result"}}

``endpoints`` are the ``arcready.network.probe`` module's results. Host names, error texts, certificate names
and everything else in there is untrusted (a TLS-inspecting middlebox chooses its issuer name, a proxy its
reason phrase): the HTML escapes every value it prints and the JUnit XML is written by ElementTree.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import html
import json
import re
import xml.etree.ElementTree as ET


from ansible_collections.arcready.network.plugins.module_utils import _contract
from ansible_collections.arcready.network.plugins.module_utils._proxy import redact
from ansible_collections.arcready.network.plugins.plugin_utils import _groups_html, _verdict

# ----------------------------------------------------------------------------------------------------------- causes

# Who acts on a cause (issue owners per group): code -> label.
OWNERS = {
    "host": "host team",
    "dns": "DNS team",
    "network": "network / firewall team",
    "proxy": "proxy / security team",
}

_FIX_DNS = ("Make this host's DNS resolvers answer for the Azure public names (forward to a resolver that reaches "
            "the internet, or to Azure DNS 168.63.129.16 from an Azure VNet). With private link, link the "
            "privatelink DNS zones (or conditional forwarders) to the resolvers this host uses.")
_FIX_DNS_TIMEOUT = ("Check the nameservers in /etc/resolv.conf (Windows: the adapter's DNS servers) and allow UDP "
                    "and TCP port 53 from this host to them.")
_FIX_PRIVATE = ("Link the privatelink DNS zones (privatelink.his.arc.azure.com, "
                "privatelink.guestconfiguration.azure.com, privatelink.dp.kubernetesconfiguration.azure.com) or a "
                "conditional forwarder to this host's DNS servers, so these names resolve to the private endpoint's "
                "addresses.")
_FIX_ALLOW = ("Allow outbound TCP 443 (and TCP 80 to www.microsoft.com for ESU certificates) from this host to these "
              "names, or to the service tags AzureActiveDirectory, AzureTrafficManager, AzureResourceManager, "
              "AzureArcInfrastructure and Storage, in the host firewall, the NSG and the perimeter firewall; or send "
              "the agent through a proxy (arc_proxy_url).")
_FIX_REFUSED = ("A firewall actively rejects the connection, or a DNS or hosts-file entry sends the name to the wrong "
                "address: allow outbound TCP 443 to these names and check what they resolve to on this host.")
_FIX_ROUTE = ("This host has no route to the internet (or to the private endpoint): check the default gateway, the "
              "route table and any user-defined routes.")
_FIX_PROXY_URL = ("Use an http:// proxy URL: the agent talks to its proxy in plain HTTP and tunnels TLS with "
                  "CONNECT.")
_FIX_PROXY_REACH = "Check arc_proxy_url (host and port), that the proxy runs, and that this host can reach it."
_FIX_PROXY_AUTH = ("The Azure Connected Machine agent cannot authenticate to a proxy: allow these names on the proxy "
                   "without authentication (for example by source address), or use a proxy that needs no "
                   "credentials.")
_FIX_PROXY_ALLOW = ("Add these names (port 443, and 80 for ESU) to the proxy's allow list; URL category or SSL rules "
                    "can block CONNECT too.")
_FIX_TRUST = ("Update the host's CA certificates (ca-certificates package, Windows root certificate updates) and make "
              "sure DNS and the proxy send these names to Azure, not to another server.")
_FIX_TLS_VERSION = ("Enable TLS 1.2 or later: on Linux raise MinProtocol and the cipher list in openssl.cnf or the "
                    "crypto policy (update-crypto-policies --set DEFAULT); on Windows enable TLS 1.2 for SCHANNEL and "
                    "strong crypto for .NET.")
_FIX_SNI = "A firewall or proxy filters TLS to these names (SNI filtering): allow them by name."
_FIX_INSPECTION = ("Exempt the Azure Arc endpoints from TLS inspection (SSL bypass / do-not-decrypt rule) on the proxy "
                   "or firewall: the agent only accepts Microsoft's certificates, and trusting the inspection CA does "
                   "not help.")
_FIX_HTTP = ("Something between this host and Azure (a proxy, load balancer or captive portal) answers instead of "
             "the service: make sure these names reach Azure unchanged.")

# reason code -> (title, fix, owner). Every code of _contract.REASONS has a row (a unit test iterates REASONS); the
# stages a code may come from are the contract's. ``deadline.exceeded`` is split by stage in DEADLINE_CAUSES.
CAUSES = {
    "input.invalid": ("Input: the endpoint cannot be probed as given",
                      "Fix the endpoint definition (arc_probe_endpoints or arc_probe_wildcard_hosts).", "host"),
    "dns.nxdomain": ("DNS: the name does not exist", _FIX_DNS, "dns"),
    "dns.timeout": ("DNS: the resolvers did not answer", _FIX_DNS_TIMEOUT, "dns"),
    "dns.no_address": ("DNS: the name has no usable address",
                       "Make the resolvers return an IPv4 (or IPv6, where this host has it) address for these names.",
                       "dns"),
    "dns.failed": ("DNS: lookup failed",
                   "Fix name resolution on this host: the resolvers must answer for every Azure Arc name.", "dns"),
    "private_link.public_address": ("Private link: the name resolves to a public address", _FIX_PRIVATE, "dns"),
    "tcp.timeout": ("TCP: connection timed out (a firewall drops it)", _FIX_ALLOW, "network"),
    "tcp.refused": ("TCP: connection refused", _FIX_REFUSED, "network"),
    "tcp.unreachable": ("TCP: no route to the address", _FIX_ROUTE, "network"),
    "tcp.failed": ("TCP: connection failed", "Allow outbound TCP 443 from this host to these names.", "network"),
    "tcp.local_limit": ("TCP: this host ran out of sockets or file descriptors",
                        "Lower arc_probe_workers, or raise the open-files limit (ulimit -n) of the user Ansible runs "
                        "as on this host.", "host"),
    "proxy.unsupported_scheme": ("Proxy: unsupported proxy URL", _FIX_PROXY_URL, "host"),
    "proxy.unreachable": ("Proxy: the proxy cannot be reached", _FIX_PROXY_REACH, "proxy"),
    "proxy.timeout": ("Proxy: the proxy did not answer CONNECT in time",
                      "Check the proxy's health and its upstream connectivity to these names.", "proxy"),
    "proxy.closed": ("Proxy: the proxy closed the connection during CONNECT",
                     "Look at the proxy's log for these names: it drops the tunnel request.", "proxy"),
    "proxy.not_http": ("Proxy: the proxy does not speak HTTP",
                       "arc_proxy_url points at something that is not an HTTP proxy (a TLS port, or another "
                       "service): use the proxy's plain HTTP port.", "host"),
    "proxy.auth_required": ("Proxy: authentication required (407)", _FIX_PROXY_AUTH, "proxy"),
    "proxy.refused": ("Proxy: CONNECT refused by the proxy", _FIX_PROXY_ALLOW, "proxy"),
    "tls.expired": ("TLS: the certificate has expired",
                    "Check this host's clock, then what answers for these names: Azure's certificates are current.",
                    "host"),
    "tls.name_mismatch": ("TLS: the certificate is for other names", _FIX_TRUST, "network"),
    "tls.untrusted": ("TLS: certificate not trusted", _FIX_TRUST, "host"),
    "tls.protocol_too_old": ("TLS: the server offers only old TLS versions",
                             "Something between this host and Azure answers with TLS older than 1.2 (Azure offers "
                             "1.2 and 1.3): send these names to Azure unchanged.", "network"),
    "tls.local_policy": ("TLS: this host's configuration forbids TLS 1.2", _FIX_TLS_VERSION, "host"),
    "tls.no_common_cipher": ("TLS: no protocol version or cipher in common", _FIX_TLS_VERSION, "host"),
    "tls.not_tls": ("TLS: plain HTTP answered on a TLS port", _FIX_HTTP, "network"),
    "tls.timeout": ("TLS: the handshake did not complete", _FIX_SNI, "network"),
    "tls.reset": ("TLS: handshake reset or closed", _FIX_SNI, "network"),
    "tls.failed": ("TLS: handshake failed", _FIX_SNI, "network"),
    "tls_inspection.reissued": ("TLS inspection: a middlebox re-signs the certificates", _FIX_INSPECTION, "proxy"),
    "tls_inspection.untrusted": ("TLS inspection: re-signed by a CA this host does not trust", _FIX_INSPECTION,
                                 "proxy"),
    "http.timeout": ("HTTP: no answer from the service in time", _FIX_HTTP, "network"),
    "http.closed": ("HTTP: the connection closed before an answer", _FIX_HTTP, "network"),
    "http.not_http": ("HTTP: the answer was not HTTP", _FIX_HTTP, "network"),
    "engine.error": ("Probe: the engine failed on this endpoint",
                     "A defect of the probe, not of the network: keep the host's JSON report (it holds the error) "
                     "and report it to the arcready.network maintainers.", "host"),
    "deadline.exceeded": ("Deadline: the endpoint's time budget ran out",
                          "Something answers too slowly or trickles its answer: see the stage named.", "network"),
}

# ``deadline.exceeded`` by the stage it ran out in: stage -> (title, fix, owner).
DEADLINE_CAUSES = {
    "input": ("Deadline: ran out before the probe started", "Give the probe more time (arc_probe_timeout) or fewer "
              "endpoints per host (arc_probe_workers).", "host"),
    "dns": ("Deadline: DNS answered too slowly", _FIX_DNS_TIMEOUT, "dns"),
    "private_link": ("Deadline: DNS answered too slowly", _FIX_DNS_TIMEOUT, "dns"),
    "tcp": ("Deadline: the TCP connect took too long", _FIX_ALLOW, "network"),
    "proxy": ("Deadline: the proxy answered CONNECT too slowly",
              "The proxy trickles or delays its answer: check its health and upstream connectivity.", "proxy"),
    "tls": ("Deadline: the TLS handshake took too long", _FIX_SNI, "network"),
    "tls_inspection": ("Deadline: the TLS handshake took too long", _FIX_INSPECTION, "proxy"),
    "http": ("Deadline: the service's HTTP answer took too long", _FIX_HTTP, "network"),
}

OTHER_CAUSE = {"key": "other", "stage": None, "reason": None, "title": "Other failure",
               "fix": "Read the error and the host's JSON report.", "owner": "host",
               "owner_label": OWNERS["host"]}

STAGE_CODES = {
    "dns": "DNS", "private_link": "PL", "tcp": "TCP", "proxy": "PRX", "tls": "TLS", "tls_inspection": "INSP",
    "http": "HTTP", "input": "IN",
}


def _cause(key, stage, reason, row):
    title, fix, owner = row
    return {"key": key, "stage": stage, "reason": reason, "title": title, "fix": fix, "owner": owner,
            "owner_label": OWNERS[owner]}


def cause_of(endpoint):
    """The cause of a failed endpoint, from its ``(failed_stage, failed_reason)``; never from its error text."""
    stage, reason = _verdict.cause_key(endpoint)
    if reason == "deadline.exceeded" and stage in DEADLINE_CAUSES:
        return _cause("deadline.exceeded.%s" % stage, stage, reason, DEADLINE_CAUSES[stage])
    if reason in CAUSES:
        return _cause(reason, stage, reason, CAUSES[reason])
    return dict(OTHER_CAUSE, stage=stage)


def cause_info(key):
    """The cause for a key of cause_of() (as the summary's ``causes`` are keyed)."""
    if key.startswith("deadline.exceeded.") and key.rsplit(".", 1)[1] in DEADLINE_CAUSES:
        stage = key.rsplit(".", 1)[1]
        return _cause(key, stage, "deadline.exceeded", DEADLINE_CAUSES[stage])
    if key in CAUSES:
        return _cause(key, _contract.REASONS[key][0][0], key, CAUSES[key])
    return dict(OTHER_CAUSE)


def cause_order():
    """Keys in report order: the contract's order of codes, each deadline after its stage's codes, other last."""
    order = []
    for code in _contract.REASONS:
        if code != "deadline.exceeded":
            order.append(code)
    order.extend("deadline.exceeded.%s" % stage for stage in _contract.STAGES)
    return order + ["deadline.exceeded", OTHER_CAUSE["key"]]


# Result classes of a matrix cell (CSS classes ``r-<class>``); the colours are in CSS below.
RESULT_CLASSES = ("ok", "fail", "warn", "skip", "none")
COLOURS = {
    "ok": "#1a7f37",     # green: reachable
    "fail": "#cf222e",   # red: a failure that makes the host not ready
    "warn": "#bf8700",   # amber: a failure that does not (optional endpoint)
    "skip": "#8c959f",   # grey: not probeable (wildcard name)
    "none": "#ffffff",   # white: not checked on this host
}

# ------------------------------------------------------------------------------------------------------ fleet model

# Text that may hold a credential ``_proxy.redact`` masks without knowing it (user:pass@, an auth header). Only such
# strings go through it, and of the endpoint results only the fields with text from a person or a server: a large
# fleet's report stays fast.
_AUTH_WORDS = ("Basic ", "Bearer ", "Negotiate ", "NTLM ", "basic ", "bearer ", "negotiate ", "ntlm ")
_TEXT_FIELDS = ("host", "url", "purpose", "reason", "pattern", "error", "hint", "proxy", "cert_issuer",
                "cert_subject")


def _mask_text(value):
    if isinstance(value, str) and ("@" in value or any(word in value for word in _AUTH_WORDS)):
        return redact(value)
    return value


def _masked(value):
    if isinstance(value, dict):
        return dict((key, _masked(item)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return [_masked(item) for item in value]
    return _mask_text(value)


def _masked_report(data):
    """The fleet report with every credential in front of a host masked, whatever wrote it."""
    out = _masked(dict((key, value) for key, value in data.items() if key != "hosts"))
    hosts = data.get("hosts")
    if not isinstance(hosts, dict):
        out["hosts"] = hosts
        return out
    out["hosts"] = {}
    for name, report in hosts.items():
        if not isinstance(report, dict):
            out["hosts"][name] = report
            continue
        masked = _masked(dict((key, value) for key, value in report.items() if key != "endpoints"))
        masked["endpoints"] = [
            dict(ep, **dict((key, _mask_text(ep[key])) for key in _TEXT_FIELDS if key in ep))
            if isinstance(ep, dict) else ep for ep in (report.get("endpoints") or [])]
        out["hosts"][_mask_text(name)] = masked
    return out


def _endpoint_key(ep):
    url = ep.get("url")
    if url:
        return str(url)
    return "%s://%s:%s%s" % (ep.get("scheme") or "https", ep.get("host"), ep.get("port"), ep.get("path") or "/")


def _endpoint_label(ep):
    host = str(ep.get("host") or ep.get("pattern") or _endpoint_key(ep))
    port = ep.get("port")
    scheme = ep.get("scheme") or "https"
    default = 80 if scheme == "http" else 443
    label = host
    if port not in (None, default) or scheme == "http":
        label += ":%s" % port
    return label


def _as_list(value):
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return list(value)
    if isinstance(value, str):
        return [v.strip() for v in re.split(r"[,\n]", value) if v.strip()]
    return [value]


def result_class(ep, fail_on):
    if ep is None:
        return "none"
    if not ep.get("probeable", True):
        return "skip"
    if ep.get("ok"):
        return "ok"
    return "fail" if _verdict.blocking(ep, fail_on) else "warn"


PER_HOST_INPUTS = ("scenarios", "stage", "private_link", "fail_on", "proxy_url")


def _text(value):
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value) or "none"
    if isinstance(value, dict):
        return ", ".join("%s=%s" % (k, v) for k, v in sorted(value.items())) or "none"
    return "" if value is None else str(value)


class Fleet:
    """The fleet report, normalised: hosts in name order, endpoint columns in first-seen (catalogue) order."""

    def __init__(self, data):
        data = data or {}
        if not isinstance(data, dict):
            raise TypeError("the preflight report must be a dictionary (the fleet report), not %s"
                            % type(data).__name__)
        # Whatever wrote the report, a credential in front of a host never reaches a page or a property.
        data = _masked_report(data)
        self.data = data
        self.generated = str(data.get("generated") or "")
        params = dict(data.get("parameters") or {})
        self.parameters = params
        self.fail_on = str(params.get("fail_on") or "required")
        hosts = data.get("hosts") or {}
        if not isinstance(hosts, dict):
            raise TypeError("the report's 'hosts' must be a dictionary of host name to probe result")
        self.hosts = []  # (name, report), in name order
        for name in sorted(hosts, key=lambda n: str(n)):
            report = hosts[name] or {}
            endpoints = [ep for ep in (report.get("endpoints") or []) if isinstance(ep, dict)]
            self.hosts.append((str(name), dict(report, endpoints=endpoints)))
        unreported = data.get("unreported") or {}
        if isinstance(unreported, (list, tuple)):
            unreported = dict((str(h), "") for h in unreported)
        self.unreported = sorted((str(h), str(msg or "")) for h, msg in unreported.items()
                                 if str(h) not in hosts)
        # Inputs that can differ per host (host_vars); the run's parameters say so when they do.
        for key in PER_HOST_INPUTS:
            values = []
            for _name, report in self.hosts:
                inputs = report.get("inputs") or {}
                if key in inputs:
                    value = inputs[key]
                    if value not in values:
                        values.append(value)
            if len(values) > 1:
                self.parameters[key] = "varies by host: " + "; ".join(_text(v) for v in values)
            elif len(values) == 1:
                self.parameters[key] = values[0]
        self.columns = []  # dicts: key, label, url, purpose, required, probeable, reason
        seen = {}
        for _name, report in self.hosts:
            for ep in report["endpoints"]:
                key = _endpoint_key(ep)
                if key in seen:
                    column = seen[key]
                    column["required"] = column["required"] or bool(ep.get("required", True))
                    continue
                column = {
                    "key": key, "label": _endpoint_label(ep), "url": key, "purpose": str(ep.get("purpose") or ""),
                    "required": bool(ep.get("required", True)), "probeable": bool(ep.get("probeable", True)),
                    "reason": str(ep.get("reason") or ""), "pattern": str(ep.get("pattern") or ""),
                }
                seen[key] = column
                self.columns.append(column)

    # -- per host
    def fail_on_of(self, report):
        return str((report.get("inputs") or {}).get("fail_on") or self.fail_on)

    def cells(self, report):
        by_key = dict((_endpoint_key(ep), ep) for ep in report["endpoints"])
        return [(column, by_key.get(column["key"])) for column in self.columns]

    def status(self, report):
        return _verdict.status(report["endpoints"], self.fail_on_of(report))

    def failures(self):
        """[(cause dict, [(host, endpoint), ...])] in CAUSES order, blocking failures before the others."""
        groups = {}
        blocking_keys = set()
        for name, report in self.hosts:
            for ep in report["endpoints"]:
                if _verdict.failed(ep):
                    key = cause_of(ep)["key"]
                    groups.setdefault(key, []).append((name, ep))
                    if _verdict.blocking(ep, self.fail_on_of(report)):
                        blocking_keys.add(key)
        order = cause_order()
        out = []
        for key in order:
            if key in groups:
                items = groups[key]
                blocking = key in blocking_keys
                out.append((dict(cause_info(key), blocking=blocking), items))
        out.sort(key=lambda group: not group[0]["blocking"])
        return out

    def summary(self):
        counts = _verdict.summarize([])
        status = {"ready": [], "warning": [], "not_ready": []}
        for name, report in self.hosts:
            status[self.status(report)].append(name)
            for key, value in _verdict.summarize(report["endpoints"]).items():
                counts[key] += value
        causes = {}
        for cause, items in self.failures():
            causes[cause["key"]] = {
                "title": cause["title"], "endpoints": len(items), "hosts": len(set(h for h, _ep in items)),
                "blocking": cause["blocking"], "stage": cause["stage"], "reason": cause["reason"],
                "owner": cause["owner"],
            }
        no_result = [h for h, _msg in self.unreported]
        total = len(self.hosts) + len(no_result)
        return {
            "ready": not status["not_ready"] and not no_result and total > 0,
            "generated": self.generated,
            "cloud": self.parameters.get("cloud"),
            "region": self.parameters.get("region"),
            "fail_on": self.parameters.get("fail_on", self.fail_on),
            "hosts_total": total,
            "hosts_ready": len(status["ready"]),
            "hosts_warning": len(status["warning"]),
            "hosts_not_ready": len(status["not_ready"]),
            "hosts_no_result": len(no_result),
            "hosts_failed": len(status["not_ready"]) + len(no_result),
            "not_ready_hosts": status["not_ready"],
            "no_result_hosts": no_result,
            "endpoints_total": counts["total"],
            "endpoints_ok": counts["ok"],
            "endpoints_failed": counts["failed"],
            "required_failed": counts["required_failed"],
            "not_probeable": counts["not_probeable"],
            "tls_inspection": counts["tls_inspection"],
            "causes": causes,
        }


def summary(data):
    return Fleet(data).summary()


# ------------------------------------------------------------------------------------------------------------- HTML

def _e(value):
    """HTML-escape any value (quotes included, so it is safe in attributes too)."""
    return html.escape("" if value is None else str(value), quote=True)


_CSS = """
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 "DejaVu Sans",system-ui,-apple-system,"Segoe UI",Roboto,Arial,sans-serif;color:#1f2328;
 background:#f6f8fa}
header{padding:18px 24px 14px;background:#24292f;color:#fff}
header h1{margin:0 0 4px;font-size:22px;font-weight:600}
header .sub{color:#d0d7de;font-size:13px}
main{padding:16px 24px 32px}
section{background:#fff;border:1px solid #d0d7de;border-radius:8px;padding:14px 16px;margin:0 0 16px}
h2{margin:0 0 10px;font-size:17px}
.verdict{font-size:18px;font-weight:600;padding:10px 14px;border-radius:6px;margin:0 0 12px;color:#fff}
.verdict.v-ready{background:#1a7f37}.verdict.v-not_ready{background:#cf222e}
.tiles{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin:0 0 8px}
.tiles-title{min-width:150px;color:#57606a;font-size:13px}
.pager button{padding:3px 8px}
.tile{min-width:110px;padding:8px 12px;border-radius:6px;border:1px solid #d0d7de;background:#f6f8fa}
.tile b{display:block;font-size:24px;line-height:1.2}
.tile.t-ready b{color:#1a7f37}.tile.t-not_ready b{color:#cf222e}.tile.t-warning b{color:#9a6700}
.tile.t-no_result b{color:#57606a}
dl.params{display:flex;flex-wrap:wrap;gap:6px 28px;margin:0;font-size:13px}
dl.params dt{color:#57606a}
dl.params dd{margin:0;font-family:"DejaVu Sans Mono",monospace;font-weight:600}
.tools{display:flex;flex-wrap:wrap;gap:14px;align-items:center;margin:0 0 10px}
.tools input[type=search]{width:320px;max-width:100%;padding:6px 10px;font-size:14px;border:1px solid #8c959f;
 border-radius:6px}
.legend{display:flex;flex-wrap:wrap;gap:10px;font-size:12px;color:#57606a}
.legend span.sw{display:inline-block;width:14px;height:14px;border-radius:3px;vertical-align:-3px;margin-right:4px;
 border:1px solid #d0d7de}
.scroll{overflow:auto;max-width:100%}
table.matrix{border-collapse:separate;border-spacing:2px;font-size:12px}
table.matrix th.col{vertical-align:bottom;height:300px;padding:0 0 4px;white-space:nowrap;font-weight:normal}
table.matrix th.col div{writing-mode:vertical-rl;transform:rotate(180deg);margin:0 auto;max-height:295px;
 overflow:hidden;text-overflow:ellipsis}
table.matrix th.col.opt div{color:#57606a;font-style:italic}
table.matrix th.host{text-align:left;padding:2px 10px 2px 4px;white-space:nowrap;font-weight:600;
 position:sticky;left:0;background:#fff}
table.matrix td.cell{width:44px;min-width:44px;height:26px;text-align:center;font-weight:700;font-size:11px;
 border-radius:3px;color:#fff;font-family:"DejaVu Sans Mono",monospace}
td.cell.r-ok{background:#1a7f37}
td.cell.r-fail{background:#cf222e}
td.cell.r-warn{background:#bf8700;color:#1f2328}
td.cell.r-skip{background:#8c959f}
td.cell.r-none{background:#ffffff;border:1px dashed #d0d7de;color:#8c959f}
td.count{padding:0 8px;white-space:nowrap;color:#57606a;font-family:"DejaVu Sans Mono",monospace}
.badge{display:inline-block;padding:1px 7px;border-radius:10px;font-size:11px;font-weight:700;color:#fff;
 vertical-align:1px;margin-left:6px}
.b-ready{background:#1a7f37}.b-not_ready{background:#cf222e}.b-warning{background:#bf8700;color:#1f2328}
.b-no_result{background:#57606a}
tr.hidden,div.hidden{display:none}
details.cause{border:1px solid #d0d7de;border-left:6px solid #bf8700;border-radius:6px;margin:0 0 10px;padding:8px 12px}
details.cause.blocking{border-left-color:#cf222e}
details.cause summary{cursor:pointer;font-weight:600;font-size:15px}
details.cause .fix{margin:6px 0 8px;padding:6px 10px;background:#ddf4ff;border-radius:6px}
table.items{border-collapse:collapse;font-size:12px;width:100%}
table.items th{text-align:left;color:#57606a;font-weight:normal;border-bottom:1px solid #d0d7de;padding:3px 8px 3px 0}
table.items td{border-bottom:1px solid #eaeef2;padding:3px 8px 3px 0;vertical-align:top}
table.items td:first-child{white-space:nowrap;font-weight:600}
table.items td.err{font-family:"DejaVu Sans Mono",monospace;word-break:break-word}
.muted{color:#57606a}
footer{color:#57606a;font-size:12px;padding:0 24px 24px}
"""

# The matrix is data: every host once, as compact JSON in the page, drawn PAGE_SIZE rows at a time by the script
# below; filter and "only failures" run over every host, not only the rows drawn. Cells point into a table of the
# distinct cells of the fleet (class, text, tooltip), so 5,000 hosts with the same few failures stay small.
PAGE_SIZE = 100

_JS = """
(function(){
  var D=JSON.parse(document.getElementById('matrix-data').textContent);
  var box=document.getElementById('filter'), only=document.getElementById('only-failed'),
      shown=document.getElementById('shown'), body=document.querySelector('#matrix tbody'),
      pageNo=document.getElementById('page-no'), pages=document.getElementById('page-count'),
      prev=document.getElementById('page-prev'), next=document.getElementById('page-next');
  var STATUS={ready:'ready',warning:'warning',not_ready:'not ready',no_result:'no result'};
  var rows=D.rows.map(function(r){
    var s=[r[0],STATUS[r[1]]];
    if(r[1]==='no_result'){s.push(r[2]);}
    else{r[4].forEach(function(k){var c=D.cells[k]; if(c[3]){s.push(c[3]);}});}
    return {r:r, s:s.join(' ').toLowerCase()};
  });
  var hits=rows, page=0;
  function el(tag,cls,text){var e=document.createElement(tag); if(cls){e.className=cls;}
    if(text!==undefined){e.textContent=text;} return e;}
  function draw(){
    var count=Math.max(1,Math.ceil(hits.length/D.page)); if(page>=count){page=count-1;}
    pageNo.textContent=page+1; pages.textContent=count; shown.textContent=hits.length;
    prev.disabled=page===0; next.disabled=page>=count-1;
    var frag=document.createDocumentFragment();
    hits.slice(page*D.page,(page+1)*D.page).forEach(function(h){
      var r=h.r, tr=el('tr'), th=el('th','host',r[0]);
      tr.setAttribute('data-host',r[0]); tr.setAttribute('data-status',r[1]);
      th.appendChild(el('span','badge b-'+r[1],STATUS[r[1]])); tr.appendChild(th);
      if(r[1]==='no_result'){
        tr.appendChild(el('td','count','\\u2013'));
        var td=el('td','muted noresult',r[2]); td.colSpan=Math.max(1,D.cols.length); tr.appendChild(td);
      } else {
        th.title=D.tips[r[5]]||'';
        var n=el('td','count',r[2]+'/'+r[3]); n.title='reachable / probed'; tr.appendChild(n);
        r[4].forEach(function(k,i){
          var c=D.cells[k], td=el('td','cell r-'+c[0],c[1]);
          td.setAttribute('data-result',c[0]); td.setAttribute('data-endpoint',D.cols[i]); td.title=c[2];
          tr.appendChild(td);
        });
      }
      frag.appendChild(tr);
    });
    body.textContent=''; body.appendChild(frag);
  }
  function apply(){
    var q=box.value.trim().toLowerCase(), failedOnly=only.checked;
    hits=rows.filter(function(h){return (!q||h.s.indexOf(q)>=0)&&(!failedOnly||h.r[1]!=='ready');});
    page=0; draw();
  }
  prev.addEventListener('click',function(){page--; draw();});
  next.addEventListener('click',function(){page++; draw();});
  box.addEventListener('input',apply); only.addEventListener('change',apply); apply();
})();
"""

_STATUS_TEXT = {"ready": "ready", "warning": "warning", "not_ready": "not ready", "no_result": "no result"}


def _cell_kind(column, ep, fail_on):
    """(class, text, tooltip, search text) of a matrix cell."""
    klass = result_class(ep, fail_on)
    if ep is None:
        return ("none", "", "%s: not checked on this host" % column["label"], "")
    if klass == "ok":
        extra = [ep.get("tls_version"), "private" if ep.get("private") else None,
                 "via proxy" if ep.get("proxy") else None]
        return ("ok", "\u2713", "%s: reachable%s" % (column["label"], "".join(" \u00b7 %s" % x for x in extra if x)),
                "")
    if klass == "skip":
        return ("skip", "\u2013", "%s: not probed: %s" % (column["label"], ep.get("reason") or ""), "")
    stage = ep.get("failed_stage") or ""
    return (klass, STAGE_CODES.get(stage, (stage or "?")[:4].upper()),
            "%s%s: %s" % (column["label"], "" if ep.get("required", True) else " (optional)", ep.get("error") or ""),
            "%s %s %s" % (column["label"], stage, ep.get("error") or ""))


def _script_json(value):
    """JSON that cannot end the <script> element it sits in (nor be read as markup)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for char, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028"),
                          ("\u2029", "\\u2029")):
        text = text.replace(char, escaped)
    return text


def _matrix_data(fleet):
    """{cols, cells, tips, rows, page}: the rows are [host, status, ok, probed, [cell index per column], tip index],
    or [host, 'no_result', why] for a host without a result; not ready first, then no result, warning, ready."""
    kinds, tips = {}, {}

    def index(table, value):
        if value not in table:
            table[value] = len(table)
        return table[value]

    rows, no_result = [], [
        [name, "no_result", message or "no result: the host was unreachable or failed before the probe returned"]
        for name, message in fleet.unreported]
    severity = {"not_ready": 0, "warning": 2, "ready": 3}
    for name, report in sorted(fleet.hosts, key=lambda h: (severity[fleet.status(h[1])], h[0])):
        status = fleet.status(report)
        if status != "not_ready" and no_result:
            rows.extend(no_result)
            no_result = []
        cells = fleet.cells(report)
        probed = [ep for _c, ep in cells if ep is not None and ep.get("probeable", True)]
        fail_on = fleet.fail_on_of(report)
        inputs = report.get("inputs") or {}
        tip = "; ".join("%s: %s" % (k.replace("_", " "), _text(inputs[k])) for k in PER_HOST_INPUTS if k in inputs)
        rows.append([name, status, sum(1 for ep in probed if ep.get("ok")), len(probed),
                     [index(kinds, _cell_kind(c, ep, fail_on)) for c, ep in cells], index(tips, tip)])
    rows.extend(no_result)

    def ordered(table):
        return [k for k, _v in sorted(table.items(), key=lambda kv: kv[1])]
    return {"cols": [c["key"] for c in fleet.columns], "cells": [list(k) for k in ordered(kinds)],
            "tips": ordered(tips), "rows": rows, "page": PAGE_SIZE}


def _plural(count, word):
    return "%d %s%s" % (count, word, "" if count == 1 else "s")


def verdict_text(summ, fail_on="required"):
    """The page's one-line verdict, in plain words for any count (one host, all hosts, some)."""
    total, failed = summ["hosts_total"], summ["hosts_failed"]
    if total == 0:
        return "No host reported a result"
    if summ["ready"]:
        which = "" if fail_on == "any" else "required "
        text = ("The host reaches every %sAzure Arc endpoint" % which if total == 1
                else "All %d hosts reach every %sAzure Arc endpoint" % (total, which))
        if summ["hosts_warning"]:
            text += " (%s with optional endpoints failing)" % _plural(summ["hosts_warning"], "host")
        return text
    if total == 1:
        return "The host is not ready for Azure Arc"
    if failed == total:
        return "None of the %d hosts is ready for Azure Arc" % total
    return "%d of %d hosts %s not ready for Azure Arc" % (failed, total, "is" if failed == 1 else "are")


def _tiles(w, title, tiles):
    w("<div class=\"tiles\" data-tiles=\"%s\"><span class=\"tiles-title\">%s</span>" % (_e(title), _e(title)))
    for key, label, value in tiles:
        w("<div class=\"tile t-%s\" id=\"count-%s\" data-count=\"%d\"><b>%d</b>%s</div>"
          % (key, key, value, value, _e(label)))
    w("</div>")


def not_probeable_hint(column, parameters):
    """What to do about a name the probe cannot test, naming the playbook variables people set; keyed on the
    catalogue pattern and the run's parameters, never on the module's sentence (which names module options)."""
    pattern = column.get("pattern") or column["label"]
    expanded = parameters.get("expand_service_bus") in (True, "true", "True", "yes")
    if pattern.startswith("azgn*."):
        if expanded:
            return ("arc_probe_expand_service_bus is set, yet no concrete name was found for %s: allow it by name "
                    "in the proxy or firewall, or list the names in arc_probe_wildcard_hosts" % pattern)
        return ("set arc_probe_expand_service_bus: true to fetch the concrete names from the guest notification "
                "allowlist API, or list them in arc_probe_wildcard_hosts")
    if pattern.startswith("<azure-keyvault-name>"):
        return "set arc_key_vault to the Key Vault that holds the SQL Server's Entra certificate"
    if ".his.arc." in pattern:
        return ("the regional HIS shard is not known for this region: run 'azcmagent check --location <region>' "
                "and list that host for %s in arc_probe_wildcard_hosts" % pattern)
    return ("no single host to test: allow %s by name in the proxy or firewall (or by service tag), or list hosts "
            "for it in arc_probe_wildcard_hosts" % pattern)


def _causes(w, fleet):
    """Failures by cause, one compact block per cause (the hosts collapsed), for who wants the reason codes."""
    groups = fleet.failures()
    w("<section id=\"causes\"><h2>Failures by cause</h2>")
    if not groups and not fleet.unreported:
        w("<p class=\"muted\" id=\"no-failures\">No endpoint failed.</p>")
    entries = [(cause, sorted(set(h for h, _ep in items)), len(items)) for cause, items in groups]
    if fleet.unreported:
        no_result = {"key": "no_result", "blocking": True, "title": "No result", "owner_label": OWNERS["host"],
                     "owner": "host", "fix": "Make the host reachable for Ansible (connection, credentials, Python) "
                                             "and run the preflight again; the matrix row says why it stopped."}
        at = len([e for e in entries if e[0]["blocking"]])
        entries.insert(at, (no_result, [h for h, _m in fleet.unreported], 0))
    for cause, hosts, endpoints in entries:
        w("<details class=\"cause%s\" data-cause=\"%s\" data-endpoints=\"%d\" data-hosts=\"%d\">"
          % (" blocking" if cause["blocking"] else "", _e(cause["key"]), endpoints, len(hosts)))
        counted = _plural(len(hosts), "host") if not endpoints else "%s on %s" % (
            _plural(endpoints, "endpoint"), _plural(len(hosts), "host"))
        w("<summary>%s \u2013 %s%s</summary>"
          % (_e(cause["title"]), counted, "" if cause["blocking"] else " (optional endpoints only)"))
        w("<div class=\"fix\" data-owner=\"%s\"><b>Fix</b> (%s): %s</div>"
          % (_e(cause["owner"]), _e(cause["owner_label"]), _e(cause["fix"])))
        w("<p class=\"hosts\">%s</p></details>" % _e(_groups_html.hosts_text(hosts)))
    w("</section>")


def render_html(data, title="Azure Arc network preflight"):
    """``data``: the fleet report, or a Fleet of it (one Fleet serves both renderers: masking 5,000 hosts twice
    costs seconds). The page, read from the top: verdict and counts, changes and work items, the matrix, causes, the run."""
    fleet = data if isinstance(data, Fleet) else Fleet(data)
    data = fleet.data
    summ = fleet.summary()
    params = fleet.parameters
    out = []
    w = out.append
    w("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
    w("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
    w("<title>%s \u2013 %s %s</title>" % (_e(title), _e(params.get("cloud")), _e(params.get("region"))))
    w("<style>%s</style></head><body>" % _CSS)
    w("<header><h1>%s</h1><div class=\"sub\">%s \u00b7 %s \u00b7 edition %s \u00b7 generated %s by arcready.network"
      "</div></header>" % (_e(title), _e(params.get("cloud")), _e(params.get("region")),
                           _e(params.get("edition") or "default"), _e(fleet.generated)))
    w("<main>")

    # -- verdict, then host counts and check counts apart (a wildcard counts once for the fleet)
    skipped = [c for c in fleet.columns if not c["probeable"]]
    w("<section id=\"summary\"><div class=\"verdict %s\" id=\"verdict\" data-ready=\"%s\">%s</div>"
      % ("v-ready" if summ["ready"] else "v-not_ready", "true" if summ["ready"] else "false",
         _e(verdict_text(summ, fleet.fail_on))))
    _tiles(w, "Hosts", (("total", "hosts", summ["hosts_total"]), ("ready", "ready", summ["hosts_ready"]),
                        ("not_ready", "not ready", summ["hosts_not_ready"]),
                        ("warning", "optional failing", summ["hosts_warning"]),
                        ("no_result", "no result", summ["hosts_no_result"])))
    _tiles(w, "Checks (host \u00d7 endpoint)", (("endpoints_ok", "checks ok", summ["endpoints_ok"]),
                                                ("endpoints_failed", "checks failed", summ["endpoints_failed"])))
    _tiles(w, "Names", (("names", "endpoint names", len(fleet.columns)),
                        ("not_probeable", "not probeable (wildcards)", len(skipped))))
    w("</section>")

    # -- run id, changes since the baseline, then the work items (groups)
    w(_groups_html.section(data))

    # -- matrix
    total = len(fleet.hosts) + len(fleet.unreported)
    w("<section id=\"matrix-section\"><h2>Hosts \u00d7 endpoints</h2><div class=\"tools\">")
    w("<input type=\"search\" id=\"filter\" placeholder=\"Filter hosts, endpoints, errors\u2026\" "
      "aria-label=\"Filter\" autocomplete=\"off\">")
    w("<label><input type=\"checkbox\" id=\"only-failed\"> only hosts with failures</label>")
    w("<span class=\"muted\"><b id=\"shown\">%d</b> of <span id=\"hosts-total\">%d</span> hosts match</span>"
      % (total, total))
    w("<span class=\"pager\"><button type=\"button\" id=\"page-prev\">\u2039 previous</button> page "
      "<b id=\"page-no\">1</b> of <b id=\"page-count\">1</b> <button type=\"button\" id=\"page-next\">next "
      "\u203a</button></span>")
    w("<span class=\"legend\">")
    for klass, label in (("ok", "reachable"), ("fail", "failed (host not ready)"), ("warn", "failed, optional"),
                         ("skip", "not probeable"), ("none", "not checked")):
        w("<span><span class=\"sw\" style=\"background:%s\"></span>%s</span>" % (COLOURS[klass], _e(label)))
    w("</span></div><div class=\"scroll\"><table class=\"matrix\" id=\"matrix\"><thead><tr><th></th><th></th>")
    for column in fleet.columns:
        w("<th class=\"col%s\" data-endpoint=\"%s\" title=\"%s\"><div>%s</div></th>"
          % ("" if column["required"] else " opt", _e(column["key"]),
             _e("%s \u2013 %s%s" % (column["url"], column["purpose"], "" if column["required"] else " (optional)")),
             _e(column["label"])))
    w("</tr></thead><tbody></tbody></table></div>")
    w("<script type=\"application/json\" id=\"matrix-data\">%s</script></section>" % _script_json(_matrix_data(fleet)))

    _causes(w, fleet)

    # -- not probeable
    if skipped:
        w("<section id=\"not-probeable\"><h2>Not probeable</h2><p class=\"muted\">Wildcard names have no single "
          "host to test: allow them by name in the proxy or firewall, or by service tag.</p>"
          "<table class=\"items\"><thead><tr><th>name</th><th>purpose</th><th>what to do</th></tr></thead><tbody>")
        for column in skipped:
            w("<tr data-pattern=\"%s\"><td>%s</td><td>%s</td><td>%s</td></tr>"
              % (_e(column.get("pattern") or ""), _e(column["label"]), _e(column["purpose"]),
                 _e(not_probeable_hint(column, params))))
        w("</tbody></table></section>")

    # -- parameters
    w("<section id=\"parameters\"><h2>Run</h2><dl class=\"params\">")
    rows = [("generated (UTC)", fleet.generated)]
    names = (("cloud", "cloud"), ("region", "region"), ("edition", "edition"), ("scenarios", "scenarios"),
             ("stage", "stage"), ("private_link", "private link"), ("proxy_url", "proxy"), ("fail_on", "fail on"),
             ("timeout", "timeout (s)"), ("min_tls_version", "minimum TLS"), ("ansible_version", "ansible-core"))
    for key, label in names:
        if key in params:
            rows.append((label, params[key]))
    for key in sorted(k for k in params if k not in dict(names)):
        rows.append((key, params[key]))
    for label, value in rows:
        w("<div><dt>%s</dt><dd data-param=\"%s\">%s</dd></div>" % (_e(label), _e(label), _e(_text(value))))
    w("</dl></section>")
    w("</main><footer>Full results: preflight.json and hosts/&lt;host&gt;.json next to this page; JUnit XML: "
      "preflight.junit.xml.</footer>")
    w("<script>%s</script></body></html>\n" % _JS)
    return "".join(out)


# ------------------------------------------------------------------------------------------------------------ JUnit

_XML_INVALID = re.compile(u"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def _x(value):
    """Text that XML 1.0 can carry (control characters dropped)."""
    return _XML_INVALID.sub("", "" if value is None else str(value))


def _seconds(ep):
    latency = ep.get("latency_ms") or {}
    try:
        return "%.3f" % (sum(float(v) for v in latency.values() if v is not None) / 1000.0)
    except (TypeError, ValueError):
        return "0.000"


def render_junit(data, suite_name="arcready.network preflight"):
    """JUnit XML: a testsuite per host, a testcase per endpoint; failed endpoints are failures (type = the failed
    stage, optional ones marked so in the message), not probeable ones skipped, hosts without a result errors."""
    fleet = data if isinstance(data, Fleet) else Fleet(data)
    data = fleet.data
    timestamp = fleet.generated.rstrip("Z") or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    root = ET.Element("testsuites", name=_x(suite_name))
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "time": 0.0}
    properties = [(k, v) for k, v in sorted(fleet.parameters.items())] + [("run_id", data.get("run_id") or "")]
    for name, report in fleet.hosts:
        suite = ET.SubElement(root, "testsuite", name=_x(name), hostname=_x(name), timestamp=_x(timestamp))
        props = ET.SubElement(suite, "properties")
        inputs = report.get("inputs") or {}
        for key, value in properties:
            if key in inputs:
                value = inputs[key]
            if isinstance(value, (list, tuple)):
                value = ",".join(str(v) for v in value)
            ET.SubElement(props, "property", name=_x(key), value=_x(value))
        ET.SubElement(props, "property", name="group", value=_x((report.get("verdict") or {}).get("signature") or ""))
        counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "time": 0.0}
        for ep in report["endpoints"]:
            counts["tests"] += 1
            seconds = _seconds(ep)
            counts["time"] += float(seconds)
            case = ET.SubElement(suite, "testcase", classname=_x(name), name=_x(_endpoint_key(ep)), time=seconds)
            if not ep.get("probeable", True):
                counts["skipped"] += 1
                ET.SubElement(case, "skipped", message=_x("not probed: %s" % (ep.get("reason") or "")))
            elif not ep.get("ok"):
                counts["failures"] += 1
                cause = cause_of(ep)
                optional = "" if ep.get("required", True) else "[optional] "
                failure = ET.SubElement(case, "failure", type=_x(ep.get("failed_stage") or "unknown"),
                                        message=_x("%s%s" % (optional, ep.get("error") or "failed")))
                failure.text = _x("%s\nstage: %s\nreason: %s\nrequired: %s\npurpose: %s\nerror: %s\nfix: %s\n"
                                  "who acts: %s\n" % (
                                      cause["title"], ep.get("failed_stage"), ep.get("failed_reason"),
                                      bool(ep.get("required", True)), ep.get("purpose") or "", ep.get("error") or "",
                                      cause["fix"], cause["owner_label"]))
        suite.set("tests", str(counts["tests"]))
        suite.set("failures", str(counts["failures"]))
        suite.set("errors", "0")
        suite.set("skipped", str(counts["skipped"]))
        suite.set("time", "%.3f" % counts["time"])
        for key in ("tests", "failures", "skipped", "time"):
            totals[key] += counts[key]
    for name, message in fleet.unreported:
        suite = ET.SubElement(root, "testsuite", name=_x(name), hostname=_x(name), timestamp=_x(timestamp),
                              tests="1", failures="0", errors="1", skipped="0", time="0.000")
        ET.SubElement(ET.SubElement(suite, "properties"), "property", name="run_id", value=_x(data.get("run_id") or ""))
        case = ET.SubElement(suite, "testcase", classname=_x(name), name="preflight", time="0.000")
        ET.SubElement(case, "error", type="no_result", message=_x(message or "the host has no preflight result"))
        totals["tests"] += 1
        totals["errors"] += 1
    for key in ("tests", "failures", "errors", "skipped"):
        root.set(key, str(totals[key]))
    root.set("time", "%.3f" % totals["time"])
    if hasattr(ET, "indent"):
        ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
