# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Grouped verdicts: hosts that fail the same way, on the same network path, are one work item.

PRIVATE to the collection, controller side. A host's failure signature is the set of
``(endpoint host, port, failed_stage, failed_reason)`` of its failed probeable endpoints; hosts with the same
signature and the same network path (the proxy the endpoints went through, and where results carry them the DNS
servers and the default route) form one group. The group id (``signature``) is a short hash of both, with no host
name in it, so the same fault has the same id from run to run and from slice to slice (baselines and merges key
on it). Meaning comes from the reason codes of ``plugins/module_utils/_contract.py``, never from ``error`` text.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import hashlib
import json

from ansible_collections.arcready.network.plugins.plugin_utils import _report

# Network path fields a host result may carry (the proxy is read from the endpoint results).
PATH_FIELDS = ("proxy", "dns_servers", "default_route")

# What a host's verdict says once when every probeable endpoint fails with the same stage (or code).
_EVERYWHERE = {
    "dns.timeout": "no Azure name resolves on this host: its DNS servers do not answer for public names",
    "dns.nxdomain": "no Azure name resolves on this host: its DNS servers do not answer for public names",
    "dns": "no Azure name resolves on this host",
    "private_link": "no Azure name resolves to a private endpoint on this host: the privatelink zones are not "
                    "linked to its DNS servers",
    "tcp.timeout": "no Azure endpoint answers from this host: outbound TCP is dropped (firewall)",
    "tcp.refused": "every connection to Azure is refused from this host (firewall reject, or names sent elsewhere)",
    "tcp.unreachable": "this host has no route to Azure (default gateway or route table)",
    "tcp": "no Azure endpoint can be connected to from this host",
    "proxy.auth_required": "the proxy wants credentials for every Azure name, which the agent cannot give",
    "proxy.unreachable": "the proxy cannot be reached from this host",
    "proxy": "the proxy lets no Azure name through",
    "tls_inspection": "every Azure connection from this host is TLS-inspected: exempt the endpoints",
    "tls.protocol_too_old": "no Azure endpoint accepts this host's TLS settings: enable TLS 1.2",
    "tls.local_policy": "this host's own TLS configuration forbids TLS 1.2",
    "tls": "no TLS handshake with Azure succeeds from this host",
    "http": "no Azure endpoint answers HTTP from this host",
    "input": "no endpoint could be probed as given",
}


def cause(stage, reason):
    """{title, fix, owner} for a failure, from the one cause table (``_report.cause_of``), keyed on the codes."""
    found = _report.cause_of({"failed_stage": stage, "failed_reason": reason})
    return {"title": found["title"], "fix": found["fix"], "owner": found.get("owner_label") or "host team"}


def failed(ep):
    return bool(ep.get("probeable", True)) and not ep.get("ok")


def blocking(ep, fail_on):
    """Whether a failed endpoint makes its host not ready (the report's rule: ``never`` only keeps the play green)."""
    return failed(ep) and (fail_on == "any" or bool(ep.get("required", True)))


def failure_key(ep):
    """(host, port, stage, reason) of a failed endpoint; the reason is None where an engine gave none."""
    return (str(ep.get("host") or ep.get("pattern") or ""), int(ep.get("port") or 0),
            str(ep.get("failed_stage") or ""), ep.get("failed_reason") or None)


def network_path(result):
    """The network path of a host's result: the proxies its endpoints used (display values, no credentials), and
    the DNS servers and default route where the result carries them."""
    proxies = sorted(set(str(ep["proxy"]) for ep in result.get("endpoints") or ()
                         if isinstance(ep, dict) and ep.get("proxy")))
    path = {"proxy": ", ".join(proxies) if proxies else None}
    for field in PATH_FIELDS[1:]:
        value = result.get(field)
        if value:
            path[field] = ", ".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
    return path


def signature_id(failures, path):
    text = json.dumps([[list(f) for f in failures], sorted(path.items())], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def _reason_text(stage, reason):
    return reason or ("%s.?" % stage)


def host_verdict(result, fail_on):
    """{status, signature, cause, text} of one host: ``text`` is one sentence, said once when every probeable
    endpoint failed the same way."""
    endpoints = [ep for ep in result.get("endpoints") or () if isinstance(ep, dict)]
    probed = [ep for ep in endpoints if ep.get("probeable", True)]
    bad = [ep for ep in probed if not ep.get("ok")]
    if not bad:
        return {"status": "ready", "signature": None, "cause": None, "owner": None, "everywhere": False,
                "text": "reaches every probeable Azure Arc endpoint (%d)" % len(probed)}
    status = "not_ready" if any(blocking(ep, fail_on) for ep in bad) else "warning"
    failures = sorted(set(failure_key(ep) for ep in bad), key=_sort_key)
    top = sorted(bad, key=lambda ep: (not blocking(ep, fail_on), _sort_key(failure_key(ep))))[0]
    found = cause(top.get("failed_stage"), top.get("failed_reason"))
    kinds = set((ep.get("failed_stage"), ep.get("failed_reason")) for ep in bad)
    text = None
    if len(bad) == len(probed) and len(probed) > 1 and len(kinds) == 1:
        stage, reason = kinds.pop()
        text = _EVERYWHERE.get(reason) or _EVERYWHERE.get(stage)
    everywhere = text is not None
    if text is None:
        text = "%d of %d endpoints fail%s; first: %s:%s (%s)" % (
            len(bad), len(probed), "" if status == "not_ready" else " (optional only)",
            top.get("host"), top.get("port"), _reason_text(top.get("failed_stage"), top.get("failed_reason")))
    return {"status": status, "signature": signature_id(failures, network_path(result)), "cause": found["title"],
            "owner": found["owner"], "everywhere": everywhere, "text": text}


def _sort_key(failure):
    return (failure[0], failure[1], failure[2], failure[3] or "")


def groups(hosts, fail_on_of, unreported=None, verdicts=None):
    """The work items of a fleet: a list of group dicts, blocking groups first, then by host count.

    ``hosts`` maps a host name to its probe result; ``fail_on_of(name, result)`` gives that host's ``fail_on``;
    ``unreported`` maps hosts without a result to why (one ``no_result`` group, owned by the host team);
    ``verdicts`` maps host names to their host_verdict() where the caller has them already."""
    found = {}
    for name in sorted(hosts):
        result = hosts[name] or {}
        fail_on = fail_on_of(name, result)
        bad = [ep for ep in result.get("endpoints") or () if isinstance(ep, dict) and failed(ep)]
        if not bad:
            continue
        path = network_path(result)
        failures = sorted(set(failure_key(ep) for ep in bad), key=_sort_key)
        sig = signature_id(failures, path)
        group = found.get(sig)
        if group is None:
            group = found[sig] = _new_group(sig, path, bad, fail_on)
        if group["says"] is None:
            verdict = (verdicts or {}).get(name) or host_verdict(result, fail_on)
            if verdict["everywhere"]:
                group["says"] = verdict["text"]
        group["hosts"].append(str(name))
        group["blocking"] = group["blocking"] or any(blocking(ep, fail_on) for ep in bad)
    order = ("signature", "kind", "count", "title", "owner", "fix", "says", "blocking", "path", "hosts",
             "failures", "causes")
    out = [dict((key, dict(g, count=len(g["hosts"]))[key]) for key in order) for g in found.values()]
    out.sort(key=lambda g: (not g["blocking"], -g["count"], g["title"], g["signature"]))
    # Hosts without a result, one group per reason given (an input error on every host is one work item).
    by_why = {}
    for name in sorted(str(h) for h in unreported or ()):
        by_why.setdefault(str(unreported[name] or ""), []).append(name)
    for why, names in sorted(by_why.items(), key=lambda item: (-len(item[1]), item[0])):
        out.append({"signature": "no-result-" + signature_id([("no_result", 0, "", why)], {})[:8],
                    "kind": "no_result", "count": len(names),
                    "title": "No result: %s" % (why[:200] or "the host was unreachable or failed before the probe "
                                                             "returned"),
                    "owner": "host team",
                    "fix": "Make the host reachable for Ansible (connection, credentials, Python) and fix the input "
                           "the message names, then run the preflight again.",
                    "says": None, "blocking": True, "path": {}, "hosts": names, "failures": [], "causes": []})
    return out


def _new_group(sig, path, bad, fail_on):
    failures = []
    causes = []
    seen_causes = set()
    for key in sorted(set(failure_key(ep) for ep in bad), key=_sort_key):
        ep = next(e for e in bad if failure_key(e) == key)
        found = cause(key[2], key[3])
        failures.append({"host": key[0], "port": key[1], "failed_stage": key[2], "failed_reason": key[3],
                         "required": bool(ep.get("required", True)), "blocking": blocking(ep, fail_on),
                         "title": found["title"]})
        if found["title"] not in seen_causes:
            seen_causes.add(found["title"])
            causes.append({"failed_stage": key[2], "failed_reason": key[3], "title": found["title"],
                           "owner": found["owner"], "fix": found["fix"]})
    causes.sort(key=lambda c: not any(f["blocking"] for f in failures if f["title"] == c["title"]))
    lead = causes[0]
    title = lead["title"]
    if path.get("proxy"):
        title = "%s (behind %s)" % (title, path["proxy"])
    owners = []
    for c in causes:
        if c["owner"] not in owners:
            owners.append(c["owner"])
    return {"signature": sig, "kind": "failure", "title": title, "owner": ", ".join(owners), "fix": lead["fix"],
            "causes": causes, "failures": failures, "path": path, "blocking": False, "hosts": [],
            # The one sentence said for hosts on which every probeable endpoint fails the same way.
            "says": None}
