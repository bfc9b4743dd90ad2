# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight's fleet report: verdicts, failure causes with their fixes, the summary, HTML and JUnit XML.

Private to the collection (leading underscore): the filters in ``plugins/filter/preflight_report.py`` and the
tests use it; its API may change at any time. Controller side only, standard library only.

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
import re
import xml.etree.ElementTree as ET

# ----------------------------------------------------------------------------------------------------------- causes

# A failed endpoint is put in the first cause whose stage matches and whose pattern (if any) is found in its error.
# key, stage, pattern (lower-case regex over the error), title, fix.
CAUSES = (
    ("dns_missing", "dns", r"does not exist|name or service not known|nodename nor servname",
     "DNS: the name does not resolve",
     "Make this host's DNS resolvers answer for the Azure public names (forward to a resolver that reaches the "
     "internet, or to Azure DNS 168.63.129.16 from an Azure VNet). With private link, link the privatelink DNS "
     "zones (or conditional forwarders) to the resolvers this host uses."),
    ("dns_timeout", "dns", r"timed out|did not answer",
     "DNS: the resolvers did not answer",
     "Check the nameservers in /etc/resolv.conf (Windows: the adapter's DNS servers) and allow UDP and TCP port 53 "
     "from this host to them."),
    ("dns", "dns", None,
     "DNS: lookup failed",
     "Fix name resolution on this host: the resolvers must answer for every Azure Arc name."),
    ("private_link", "private_link", None,
     "Private link: the name resolves to a public address",
     "Link the privatelink DNS zones (privatelink.his.arc.azure.com, privatelink.guestconfiguration.azure.com, "
     "privatelink.dp.kubernetesconfiguration.azure.com) or a conditional forwarder to this host's DNS servers, so "
     "these names resolve to the private endpoint's addresses."),
    ("tcp_timeout", "tcp", r"timed out",
     "TCP: connection timed out (a firewall drops it)",
     "Allow outbound TCP 443 (and TCP 80 to www.microsoft.com for ESU certificates) from this host to these names, "
     "or to the service tags AzureActiveDirectory, AzureTrafficManager, AzureResourceManager, AzureArcInfrastructure "
     "and Storage, in the host firewall, the NSG and the perimeter firewall; or send the agent through a proxy "
     "(arc_proxy_url)."),
    ("tcp_refused", "tcp", r"refused",
     "TCP: connection refused",
     "A firewall actively rejects the connection, or a DNS or hosts-file entry sends the name to the wrong "
     "address: allow outbound TCP 443 to these names and check what they resolve to on this host."),
    ("tcp_unreachable", "tcp", r"no route|unreachable",
     "TCP: no route to the address",
     "This host has no route to the internet (or to the private endpoint): check the default gateway, the route "
     "table and any user-defined routes."),
    ("tcp", "tcp", None,
     "TCP: connection failed",
     "Allow outbound TCP 443 from this host to these names."),
    ("proxy_auth", "proxy", r"\b407\b",
     "Proxy: authentication required (407)",
     "The Azure Connected Machine agent cannot authenticate to a proxy: allow these names on the proxy without "
     "authentication (for example by source address), or use a proxy that needs no credentials."),
    ("proxy_denied", "proxy", r"refused connect|\b403\b|allow this host",
     "Proxy: CONNECT refused by the proxy",
     "Add these names (port 443, and 80 for ESU) to the proxy's allow list; URL category or SSL rules can block "
     "CONNECT too."),
    ("proxy_scheme", "proxy", r"does not support: use an http",
     "Proxy: unsupported proxy URL",
     "Use an http:// proxy URL: the agent talks to its proxy in plain HTTP and tunnels TLS with CONNECT."),
    ("proxy_unreachable", "proxy", None,
     "Proxy: the proxy cannot be reached or does not answer",
     "Check arc_proxy_url (host and port) and that this host can reach the proxy."),
    ("tls_inspection", "tls_inspection", None,
     "TLS inspection: a middlebox re-signs the certificates",
     "Exempt the Azure Arc endpoints from TLS inspection (SSL bypass / do-not-decrypt rule) on the proxy or "
     "firewall: the agent only accepts Microsoft's certificates, and trusting the inspection CA does not help."),
    ("tls_version", "tls", r"does not allow tls|only offers|protocol version|no common protocol",
     "TLS: version or ciphers too old",
     "Enable TLS 1.2 or later: on Linux raise MinProtocol and the cipher list in openssl.cnf or the crypto policy "
     "(update-crypto-policies --set DEFAULT); on Windows enable TLS 1.2 for SCHANNEL and strong crypto for .NET."),
    ("tls_trust", "tls", r"not trusted|expired|for other names",
     "TLS: certificate not trusted or not for this name",
     "Update the host's CA certificates (ca-certificates package, Windows root certificate updates) and make sure "
     "DNS and the proxy send these names to Azure, not to another server."),
    ("tls_blocked", "tls", None,
     "TLS: handshake blocked",
     "A firewall or proxy filters TLS to these names (SNI filtering): allow them by name."),
    ("http", "http", None,
     "HTTP: no valid answer from the service",
     "Something between this host and Azure (a proxy, load balancer or captive portal) answers instead of the "
     "service: make sure these names reach Azure unchanged."),
    ("input", "input", None,
     "Input: the endpoint cannot be probed as given",
     "Fix the endpoint definition (arc_probe_endpoints or arc_probe_wildcard_hosts)."),
)
_CAUSE_BY_KEY = dict((c[0], c) for c in CAUSES)
OTHER_CAUSE = ("other", None, None, "Other failure", "Read the error and the host's JSON report.")

STAGE_CODES = {
    "dns": "DNS", "private_link": "PL", "tcp": "TCP", "proxy": "PRX", "tls": "TLS", "tls_inspection": "INSP",
    "http": "HTTP", "input": "IN",
}

# Result classes of a matrix cell (CSS classes ``r-<class>``); the colours are in CSS below.
RESULT_CLASSES = ("ok", "fail", "warn", "skip", "none")
COLOURS = {
    "ok": "#1a7f37",     # green: reachable
    "fail": "#cf222e",   # red: a failure that makes the host not ready
    "warn": "#bf8700",   # amber: a failure that does not (optional endpoint)
    "skip": "#8c959f",   # grey: not probeable (wildcard name)
    "none": "#ffffff",   # white: not checked on this host
}

_PROXY_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://)[^/\s]*@")


def redact_url(value):
    """A URL with any user:password@ part replaced by ***@."""
    if value is None:
        return None
    return _PROXY_USERINFO.sub(r"\1***@", str(value))


def cause_of(endpoint):
    """The CAUSES row for a failed endpoint."""
    stage = endpoint.get("failed_stage")
    error = (endpoint.get("error") or "").lower()
    for cause in CAUSES:
        if cause[1] != stage:
            continue
        if cause[2] is None or re.search(cause[2], error):
            return cause
    return OTHER_CAUSE


def cause_info(key):
    cause = _CAUSE_BY_KEY.get(key, OTHER_CAUSE)
    return {"key": cause[0], "stage": cause[1], "title": cause[3], "fix": cause[4]}


# ------------------------------------------------------------------------------------------------------ fleet model

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


def _failed(ep):
    return bool(ep.get("probeable", True)) and not ep.get("ok")


def _blocking(ep, fail_on):
    """Whether this failed endpoint makes its host not ready. ``never`` only stops the play failing: the report
    still calls a host with failed required endpoints not ready."""
    if not _failed(ep):
        return False
    if fail_on == "any":
        return True
    return bool(ep.get("required", True))


def result_class(ep, fail_on):
    if ep is None:
        return "none"
    if not ep.get("probeable", True):
        return "skip"
    if ep.get("ok"):
        return "ok"
    return "fail" if _blocking(ep, fail_on) else "warn"


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
        self.generated = str(data.get("generated") or "")
        params = dict(data.get("parameters") or {})
        if "proxy_url" in params:
            params["proxy_url"] = redact_url(params["proxy_url"])
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
                    if key == "proxy_url":
                        value = redact_url(value)
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
                    "reason": str(ep.get("reason") or ""),
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
        endpoints = report["endpoints"]
        if any(_blocking(ep, self.fail_on_of(report)) for ep in endpoints):
            return "not_ready"
        if any(_failed(ep) for ep in endpoints):
            return "warning"
        return "ready"

    def failures(self):
        """[(cause dict, [(host, endpoint), ...])] in CAUSES order, blocking failures before the others."""
        groups = {}
        blocking_keys = set()
        for name, report in self.hosts:
            for ep in report["endpoints"]:
                if _failed(ep):
                    key = cause_of(ep)[0]
                    groups.setdefault(key, []).append((name, ep))
                    if _blocking(ep, self.fail_on_of(report)):
                        blocking_keys.add(key)
        order = [c[0] for c in CAUSES] + [OTHER_CAUSE[0]]
        out = []
        for key in order:
            if key in groups:
                items = groups[key]
                blocking = key in blocking_keys
                out.append((dict(cause_info(key), blocking=blocking), items))
        out.sort(key=lambda group: not group[0]["blocking"])
        return out

    def summary(self):
        counts = {"ok": 0, "failed": 0, "required_failed": 0, "not_probeable": 0, "tls_inspection": 0, "total": 0}
        status = {"ready": [], "warning": [], "not_ready": []}
        for name, report in self.hosts:
            status[self.status(report)].append(name)
            for ep in report["endpoints"]:
                counts["total"] += 1
                if not ep.get("probeable", True):
                    counts["not_probeable"] += 1
                elif ep.get("ok"):
                    counts["ok"] += 1
                else:
                    counts["failed"] += 1
                    if ep.get("required", True):
                        counts["required_failed"] += 1
                if ep.get("tls_inspection"):
                    counts["tls_inspection"] += 1
        causes = {}
        for cause, items in self.failures():
            causes[cause["key"]] = {
                "title": cause["title"], "endpoints": len(items), "hosts": len(set(h for h, _ep in items)),
                "blocking": cause["blocking"],
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
.tiles{display:flex;flex-wrap:wrap;gap:10px}
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

_JS = """
(function(){
  var box=document.getElementById('filter'), only=document.getElementById('only-failed'),
      shown=document.getElementById('shown');
  function apply(){
    var q=box.value.trim().toLowerCase(), failedOnly=only.checked, n=0;
    document.querySelectorAll('#matrix tbody tr').forEach(function(tr){
      var hit=(!q||tr.getAttribute('data-search').indexOf(q)>=0)&&
              (!failedOnly||tr.getAttribute('data-status')!=='ready');
      tr.classList.toggle('hidden',!hit); if(hit){n++;}
    });
    shown.textContent=n;
    document.querySelectorAll('table.items tbody tr').forEach(function(tr){
      tr.classList.toggle('hidden',!!q&&tr.getAttribute('data-search').indexOf(q)<0);
    });
    document.querySelectorAll('details.cause').forEach(function(d){
      var rows=d.querySelectorAll('table.items tbody tr:not(.hidden)').length;
      d.classList.toggle('hidden',rows===0);
    });
  }
  box.addEventListener('input',apply); only.addEventListener('change',apply); apply();
})();
"""

_STATUS_TEXT = {"ready": "ready", "warning": "warning", "not_ready": "not ready", "no_result": "no result"}


def _cell(column, ep, fail_on):
    klass = result_class(ep, fail_on)
    if ep is None:
        return ('<td class="cell r-none" data-result="none" data-endpoint="%s" title="%s: not checked on this '
                'host"></td>' % (_e(column["key"]), _e(column["label"])))
    if klass == "ok":
        text, tip = "\u2713", "%s: reachable" % column["label"]
        extra = [ep.get("tls_version"), "private" if ep.get("private") else None,
                 "via proxy" if ep.get("proxy") else None]
        tip += "".join(" \u00b7 %s" % x for x in extra if x)
    elif klass == "skip":
        text, tip = "\u2013", "%s: not probed: %s" % (column["label"], ep.get("reason") or "")
    else:
        stage = ep.get("failed_stage") or ""
        text = STAGE_CODES.get(stage, (stage or "?")[:4].upper())
        tip = "%s%s: %s" % (column["label"], "" if ep.get("required", True) else " (optional)", ep.get("error") or "")
    return ('<td class="cell r-%s" data-result="%s" data-stage="%s" data-endpoint="%s" title="%s">%s</td>'
            % (klass, klass, _e(ep.get("failed_stage") or ""), _e(column["key"]), _e(tip), _e(text)))


def _no_result_group(w, fleet):
    w("<details class=\"cause blocking\" open data-cause=\"no_result\" data-endpoints=\"0\" data-hosts=\"%d\">"
      % len(fleet.unreported))
    count = len(fleet.unreported)
    w("<summary>No result \u2013 %d host%s</summary>" % (count, "" if count == 1 else "s"))
    w("<div class=\"fix\"><b>Fix:</b> %s</div>" % _e(
        "Make the host reachable for Ansible (connection, credentials, Python) and run the preflight again; "
        "the play output says why it stopped."))
    w("<table class=\"items\"><thead><tr><th>host</th><th>why</th></tr></thead><tbody>")
    for name, message in fleet.unreported:
        w("<tr data-search=\"%s\"><td>%s</td><td class=\"err\">%s</td></tr>"
          % (_e(("%s %s" % (name, message)).lower()), _e(name), _e(message)))
    w("</tbody></table></details>")


def render_html(data, title="Azure Arc network preflight"):
    fleet = Fleet(data)
    summ = fleet.summary()
    params = fleet.parameters
    out = []
    w = out.append
    w("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
    w("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
    w("<title>%s \u2013 %s %s</title>" % (_e(title), _e(params.get("cloud")), _e(params.get("region"))))
    w("<style>%s</style></head><body>" % _CSS)
    w("<header><h1>%s</h1><div class=\"sub\">%s \u00b7 %s \u00b7 generated %s by arcready.network</div></header>"
      % (_e(title), _e(params.get("cloud")), _e(params.get("region")), _e(fleet.generated)))
    w("<main>")

    # -- verdict and counts
    verdict_class = "v-ready" if summ["ready"] else "v-not_ready"
    if summ["hosts_total"] == 0:
        verdict = "No host reported a result"
    elif summ["ready"]:
        verdict = "All %d hosts reach every %sAzure Arc endpoint" % (
            summ["hosts_total"], "" if fleet.fail_on == "any" else "required ")
        if summ["hosts_warning"]:
            verdict += " (%d with optional endpoints failing)" % summ["hosts_warning"]
    else:
        verdict = "%d of %d hosts are not ready for Azure Arc" % (summ["hosts_failed"], summ["hosts_total"])
    w("<section id=\"summary\"><div class=\"verdict %s\" id=\"verdict\" data-ready=\"%s\">%s</div>"
      % (verdict_class, "true" if summ["ready"] else "false", _e(verdict)))
    w("<div class=\"tiles\">")
    for key, label, value in (
            ("total", "hosts", summ["hosts_total"]),
            ("ready", "ready", summ["hosts_ready"]),
            ("not_ready", "not ready", summ["hosts_not_ready"]),
            ("warning", "optional failing", summ["hosts_warning"]),
            ("no_result", "no result", summ["hosts_no_result"]),
            ("endpoints_ok", "checks ok", summ["endpoints_ok"]),
            ("endpoints_failed", "checks failed", summ["endpoints_failed"]),
            ("not_probeable", "not probeable", summ["not_probeable"])):
        w("<div class=\"tile t-%s\" id=\"count-%s\" data-count=\"%d\"><b>%d</b>%s</div>"
          % (key, key, value, value, _e(label)))
    w("</div></section>")

    # -- parameters
    w("<section id=\"parameters\"><h2>Run</h2><dl class=\"params\">")
    rows = [("generated (UTC)", fleet.generated)]
    names = (("cloud", "cloud"), ("region", "region"), ("scenarios", "scenarios"), ("stage", "stage"),
             ("private_link", "private link"), ("proxy_url", "proxy"), ("fail_on", "fail on"),
             ("timeout", "timeout (s)"), ("min_tls_version", "minimum TLS"), ("ansible_version", "ansible-core"))
    for key, label in names:
        if key in params:
            rows.append((label, params[key]))
    for key in sorted(k for k in params if k not in dict(names)):
        rows.append((key, params[key]))
    for label, value in rows:
        value = _text(value)
        w("<div><dt>%s</dt><dd data-param=\"%s\">%s</dd></div>" % (_e(label), _e(label), _e(value)))
    w("</dl></section>")

    # -- run id, work items (groups) and changes since the baseline
    from ansible_collections.arcready.network.plugins.plugin_utils import _groups_html
    w(_groups_html.section(data))

    # -- matrix
    w("<section id=\"matrix-section\"><h2>Hosts \u00d7 endpoints</h2><div class=\"tools\">")
    w("<input type=\"search\" id=\"filter\" placeholder=\"Filter hosts, endpoints, errors\u2026\" "
      "aria-label=\"Filter\" autocomplete=\"off\">")
    w("<label><input type=\"checkbox\" id=\"only-failed\"> only hosts with failures</label>")
    w("<span class=\"muted\">showing <b id=\"shown\">%d</b> of %d hosts</span>"
      % (len(fleet.hosts) + len(fleet.unreported), len(fleet.hosts) + len(fleet.unreported)))
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
    w("</tr></thead><tbody>")
    # Hosts without a result come right after the not ready ones.
    unreported_rows = [
        "<tr data-host=\"%s\" data-status=\"no_result\" data-search=\"%s\"><th class=\"host\">%s"
        "<span class=\"badge b-no_result\">no result</span></th><td class=\"count\">\u2013</td>"
        "<td class=\"muted noresult\" colspan=\"%d\">%s</td></tr>"
        % (_e(name), _e(("%s no result %s" % (name, message)).lower()), _e(name), max(1, len(fleet.columns)),
           _e(message or "no result: the host was unreachable or failed before the probe returned"))
        for name, message in fleet.unreported]
    severity = {"not_ready": 0, "warning": 2, "ready": 3}
    for name, report in sorted(fleet.hosts, key=lambda h: (severity[fleet.status(h[1])], h[0])):
        status = fleet.status(report)
        if status != "not_ready" and unreported_rows:
            w("".join(unreported_rows))
            unreported_rows = []
        cells = fleet.cells(report)
        probed = [ep for _c, ep in cells if ep is not None and ep.get("probeable", True)]
        ok = sum(1 for ep in probed if ep.get("ok"))
        search = [name, _STATUS_TEXT[status]] + [
            "%s %s %s" % (c["label"], ep.get("failed_stage") or "", ep.get("error") or "")
            for c, ep in cells if ep is not None and _failed(ep)]
        inputs = report.get("inputs") or {}
        tip = "; ".join("%s: %s" % (k.replace("_", " "), _text(redact_url(inputs[k]) if k == "proxy_url"
                                                               else inputs[k]))
                        for k in PER_HOST_INPUTS if k in inputs)
        w("<tr data-host=\"%s\" data-status=\"%s\" data-search=\"%s\"><th class=\"host\" title=\"%s\">%s"
          "<span class=\"badge b-%s\">%s</span></th><td class=\"count\" title=\"reachable / probed\">%d/%d</td>"
          % (_e(name), status, _e(" ".join(search).lower()), _e(tip), _e(name), status, _e(_STATUS_TEXT[status]),
             ok, len(probed)))
        for column, ep in cells:
            w(_cell(column, ep, fleet.fail_on_of(report)))
        w("</tr>")
    w("".join(unreported_rows))
    w("</tbody></table></div></section>")

    # -- failures by cause
    groups = fleet.failures()
    no_result_done = False
    w("<section id=\"causes\"><h2>Failures by cause</h2>")
    if not groups and not fleet.unreported:
        w("<p class=\"muted\" id=\"no-failures\">No endpoint failed.</p>")
    for cause, items in groups:
        if not cause["blocking"] and fleet.unreported and not no_result_done:
            _no_result_group(w, fleet)
            no_result_done = True
        hosts = sorted(set(h for h, _ep in items))
        w("<details class=\"cause%s\" open data-cause=\"%s\" data-endpoints=\"%d\" data-hosts=\"%d\">"
          % (" blocking" if cause["blocking"] else "", _e(cause["key"]), len(items), len(hosts)))
        w("<summary>%s \u2013 %d endpoint%s on %d host%s%s</summary>"
          % (_e(cause["title"]), len(items), "" if len(items) == 1 else "s", len(hosts), "" if len(hosts) == 1 else "s",
             "" if cause["blocking"] else " (optional endpoints only)"))
        w("<div class=\"fix\"><b>Fix:</b> %s</div>" % _e(cause["fix"]))
        w("<table class=\"items\"><thead><tr><th>host</th><th>endpoints</th><th>error</th></tr></thead><tbody>")
        per_host = []
        for host, ep in items:
            if not per_host or per_host[-1][0] != host:
                per_host.append((host, []))
            per_host[-1][1].append(ep)
        for host, eps in per_host:
            labels = ["%s%s" % (_endpoint_label(ep), "" if ep.get("required", True) else " (optional)") for ep in eps]
            errors = [str(ep.get("error") or "") for ep in eps]
            more = "" if len(eps) == 1 else " <span class=\"muted\">(+%d similar)</span>" % (len(eps) - 1)
            w("<tr data-search=\"%s\" data-host=\"%s\" data-endpoints=\"%d\"><td>%s</td><td>%s</td>"
              "<td class=\"err\" title=\"%s\">%s%s</td></tr>"
              % (_e(("%s %s %s" % (host, " ".join(labels), " ".join(errors))).lower()), _e(host), len(eps), _e(host),
                 _e(", ".join(labels)), _e("\n".join(errors)), _e(errors[0]), more))
        w("</tbody></table></details>")
    if fleet.unreported and not no_result_done:
        _no_result_group(w, fleet)
    w("</section>")

    # -- not probeable
    skipped = [c for c in fleet.columns if not c["probeable"]]
    if skipped:
        w("<section id=\"not-probeable\"><h2>Not probeable</h2><p class=\"muted\">Wildcard names have no single "
          "host to test: allow them by name in the proxy or firewall, or by service tag.</p>"
          "<table class=\"items\"><thead><tr><th>name</th><th>purpose</th><th>why</th></tr></thead><tbody>")
        for column in skipped:
            w("<tr data-search=\"%s\"><td>%s</td><td>%s</td><td>%s</td></tr>"
              % (_e(column["label"].lower()), _e(column["label"]), _e(column["purpose"]), _e(column["reason"])))
        w("</tbody></table></section>")
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
    fleet = Fleet(data)
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
                value = redact_url(inputs[key]) if key == "proxy_url" else inputs[key]
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
                cause = cause_info(cause_of(ep)[0])
                optional = "" if ep.get("required", True) else "[optional] "
                failure = ET.SubElement(case, "failure", type=_x(ep.get("failed_stage") or "unknown"),
                                        message=_x("%s%s" % (optional, ep.get("error") or "failed")))
                failure.text = _x("%s\nstage: %s\nrequired: %s\npurpose: %s\nerror: %s\nfix: %s\n" % (
                    cause["title"], ep.get("failed_stage"), bool(ep.get("required", True)), ep.get("purpose") or "",
                    ep.get("error") or "", cause["fix"]))
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
