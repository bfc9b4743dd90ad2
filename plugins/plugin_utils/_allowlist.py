# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The allow-list for the teams who open the network: one function per output format, over catalogue rows.

Private to the collection (leading underscore): the ``arcready.network.allowlist`` action plugin and the tests use
it. Controller side only. Pure functions: rows in, text out; only :func:`write_all` touches the file system.

Every format function returns ``(text, cannot_express)``: ``cannot_express`` is a list of
``{"name": ..., "reason": ...}`` for the names (or parts of names: paths, ports, partial-label wildcards) the
format cannot say exactly, and what the file says instead.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import inspect
import io
import json
import os
import re
import shutil
import tempfile

from ansible_collections.arcready.network.plugins.module_utils import _catalogue

FORMATS = ("csv", "json", "squid", "no_proxy", "azure_firewall", "paloalto_edl", "names", "private_dns",
           "ip_prefixes")
FILE_NAMES = {
    "csv": "allowlist.csv",
    "json": "allowlist.json",
    "squid": "squid-arc-allowlist.conf",
    "no_proxy": "no_proxy.txt",
    "azure_firewall": "azure-firewall-rules.json",
    "paloalto_edl": "paloalto-edl-domains.txt",
    "names": "names.txt",
    "private_dns": "privatelink-dns.txt",
    "ip_prefixes": "ip-prefixes.txt",
}
NOTES_FILE = "NOTES.txt"
ALL_FILES = tuple(FILE_NAMES.values()) + (NOTES_FILE,)

# Option -> the playbook variable people set, so that every message names what they can change.
PLAYBOOK_VARS = {
    "cloud": "arc_cloud", "region": "arc_region", "edition": "arc_edition", "scenarios": "arc_scenarios",
    "stage": "arc_stage", "private_link": "arc_private_link", "dest": "arc_allowlist_dir",
    "formats": "arc_allowlist_formats", "service_tags_file": "arc_allowlist_service_tags_file",
    "report_file": "arc_allowlist_report", "bypass": "arc_allowlist_bypass",
    "include_optional": "arc_allowlist_include_optional", "wildcard_hosts": "arc_allowlist_wildcard_hosts",
}

# Microsoft documents these zones for Azure public cloud only (private-link-security, private endpoint DNS page).
# The dp.kubernetesconfiguration zone serves Kubernetes-based extensions, not the server agent.
PRIVATE_ZONES = {
    "AzureCloud": (("his.arc.azure.com", "privatelink.his.arc.azure.com"),
                   ("guestconfiguration.azure.com", "privatelink.guestconfiguration.azure.com")),
}
ADDRESS_PLACEHOLDER = "<private-endpoint-IP>"

_DNS_NAME = re.compile(r"^(\*\.)?([a-z0-9*]([a-z0-9*-]{0,61}[a-z0-9*])?\.)+[a-z][a-z0-9-]{0,62}$")
_AZFW_FQDN = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")
_SPLIT = re.compile(r"[,\s]+")


class AllowlistError(ValueError):
    """Bad input; the message names the option (and its playbook variable) and how to fix it."""


def _opt(name):
    var = PLAYBOOK_VARS.get(name)
    return "%s (%s)" % (name, var) if var else name


# ------------------------------------------------------------------------------------------------------ options

def as_list(value, option):
    """What people type for a list: ``a,b``, ``[a,b]``, ``["a", "b"]`` or a real list."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        items = list(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        items = [v.strip().strip("'\"") for v in _SPLIT.split(text)]
    else:
        raise AllowlistError("%s must be a list or a comma-separated string, got %s"
                             % (_opt(option), type(value).__name__))
    out = []
    for item in items:
        if not isinstance(item, str):
            raise AllowlistError("%s: every item must be a string, got %r" % (_opt(option), item))
        if item and item not in out:
            out.append(item)
    return out


def as_bool(value, option):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on", "y"):
        return True
    if text in ("0", "false", "no", "off", "n", ""):
        return False
    raise AllowlistError("%s must be true or false, got %r" % (_opt(option), value))


def _catalogue_call(option, func, *args):
    try:
        return func(*args)
    except _catalogue.CatalogueError as exc:
        raise AllowlistError("%s: %s" % (_opt(option), exc))


def build_accepts(name):
    """Whether the catalogue's build() takes this keyword (editions and warnings came with the editioned one)."""
    try:
        return name in inspect.signature(_catalogue.build).parameters
    except (TypeError, ValueError):
        return False


def check_options(raw):
    """Validate every option before anything is computed or written; returns the normalised options."""
    raw = dict(raw or {})
    unknown = sorted(set(raw) - set(PLAYBOOK_VARS))
    if unknown:
        raise AllowlistError("unknown option(s) %s; valid options: %s" % (", ".join(unknown),
                                                                          ", ".join(sorted(PLAYBOOK_VARS))))
    opts = {}
    opts["cloud"] = _catalogue_call("cloud", _catalogue.check_cloud, raw.get("cloud") or "AzureCloud")
    if not raw.get("region"):
        raise AllowlistError("%s is required: the Azure region the servers are onboarded to, e.g. eastus; valid "
                             "regions for %s: %s" % (_opt("region"), opts["cloud"],
                                                     ", ".join(_catalogue.regions(opts["cloud"]))))
    opts["region"] = _catalogue_call("region", _catalogue.check_region, opts["cloud"], raw["region"])
    opts["scenarios"] = _catalogue_call("scenarios", _catalogue.check_scenarios,
                                        as_list(raw.get("scenarios"), "scenarios"))
    stage = raw.get("stage") or "install"
    if stage not in _catalogue.STAGES:
        raise AllowlistError("%s: unknown stage %r; valid choices: %s"
                             % (_opt("stage"), stage, ", ".join(_catalogue.STAGES)))
    opts["stage"] = stage
    opts["private_link"] = as_bool(raw.get("private_link", False), "private_link")
    opts["include_optional"] = as_bool(raw.get("include_optional", False), "include_optional")
    edition = raw.get("edition")
    if edition not in (None, "") and not build_accepts("edition"):
        raise AllowlistError("%s: this collection's catalogue has a single edition; leave it unset" % _opt("edition"))
    opts["edition"] = str(edition) if edition not in (None, "") else None
    formats = as_list(raw.get("formats"), "formats") or ["all"]
    if "all" in formats:
        formats = list(FORMATS)
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise AllowlistError("%s: unknown format(s) %s; valid: all, %s"
                             % (_opt("formats"), ", ".join(bad), ", ".join(FORMATS)))
    opts["formats"] = [f for f in FORMATS if f in formats]
    bypass = raw.get("bypass")
    if bypass in (None, ""):
        # With a private link scope the private endpoints must not go through the proxy (proxy.bypass Arc).
        opts["bypass"] = ["Arc"] if opts["private_link"] else None
    else:
        opts["bypass"] = _catalogue_call("bypass", _catalogue.check_bypass, as_list(bypass, "bypass"))
    wildcard_hosts = raw.get("wildcard_hosts") or {}
    if not isinstance(wildcard_hosts, dict):
        raise AllowlistError("%s must be a dict of catalogue pattern -> list of host names" % _opt("wildcard_hosts"))
    opts["wildcard_hosts"] = dict((k, as_list(v, "wildcard_hosts")) for k, v in wildcard_hosts.items())
    dest = raw.get("dest")
    if not dest or not isinstance(dest, str):
        raise AllowlistError("%s is required: the directory the allow-list files are written to" % _opt("dest"))
    opts["dest"] = os.path.abspath(os.path.expanduser(dest))
    for key in ("service_tags_file", "report_file"):
        value = raw.get(key)
        if value in (None, ""):
            opts[key] = None
            continue
        path = os.path.abspath(os.path.expanduser(str(value)))
        if not os.path.isfile(path):
            raise AllowlistError("%s: %s is not a readable file" % (_opt(key), path))
        opts[key] = path
    return opts


def catalogue_rows(opts, warnings=None):
    """The catalogue's rows for the options; the catalogue's own warnings (an unlisted region) go to ``warnings``."""
    kwargs = dict(scenarios=opts["scenarios"], stage=opts["stage"], private_link=opts["private_link"],
                  wildcard_hosts=opts["wildcard_hosts"])
    if opts.get("edition"):
        kwargs["edition"] = opts["edition"]
    if warnings is not None and build_accepts("warnings"):
        kwargs["warnings"] = warnings
    try:
        return _catalogue.build(opts["cloud"], opts["region"], **kwargs)
    except _catalogue.CatalogueError as exc:
        raise AllowlistError(str(exc))


def load_report(path):
    """A preflight.json as a dict; a clear error when it is not one."""
    try:
        with open(path, "rb") as stream:
            data = json.loads(stream.read().decode("utf-8"))
    except (IOError, OSError, ValueError) as exc:
        raise AllowlistError("%s: cannot read %s as a preflight report: %s" % (_opt("report_file"), path, exc))
    if not isinstance(data, dict) or not isinstance(data.get("hosts", {}), dict):
        raise AllowlistError("%s: %s is not a preflight.json (no 'hosts' mapping)" % (_opt("report_file"), path))
    return data


# ------------------------------------------------------------------------------------------------------ entries

def _match_kind(name):
    if "*" not in name:
        return "exact"
    return "wildcard" if name.startswith("*.") and "*" not in name[2:] else "partial_wildcard"


def _suffix(name):
    """The domain a wildcard stands under: his.arc.azure.com for *.his.arc.azure.com and for azgn*.his..."""
    return name.split(".", 1)[1]


def _source(row, edition):
    """Where the row comes from: the catalogue's own provenance when it has one (editioned catalogues do)."""
    source = row.get("source")
    if source and not isinstance(source, str):
        source = json.dumps(source, sort_keys=True)
    if source:
        return source
    source = "Microsoft Azure Arc network requirements"
    if edition or row.get("edition"):
        source += " (edition %s)" % (row.get("edition") or edition)
    return source


def _unresolved(row):
    """Why a wildcard row has no (complete) concrete names, naming the playbook variable that supplies them."""
    if row.get("probeable", True):
        return ""
    return re.sub(r"\bwildcard_hosts\b", PLAYBOOK_VARS["wildcard_hosts"], row.get("reason") or "")


def _new_entry(row, name, port, match, opts):
    return {
        "name": name,
        "port": port,
        "protocol": "http" if port == 80 else "https",
        "path": row.get("path") if row.get("path") not in (None, "/") else None,
        "purpose": row.get("purpose"),
        "required": bool(row.get("required")),
        "retired": bool(row.get("retired")),
        "private_link": row.get("private_link"),
        "private_capable": bool(row.get("private_capable")),
        "match": match,
        "pattern": row.get("pattern"),
        "covered_by": None,
        "bypass": list(row.get("bypass") or []),
        "scenario": row.get("scenario"),
        "when": row.get("when_text") or row.get("when"),
        "source": _source(row, opts.get("edition")),
        "provenance": row.get("provenance") or row.get("note") or "",
        "failed_on_hosts": None,
        "unresolved": _unresolved(row),
    }


def entries(rows, opts, report=None):
    """One entry per (name, port): every catalogue wildcard as written and every concrete name known for it.

    Returns ``(entries, warnings)``. Names that are not DNS names (a hand-edited report, a typo in
    wildcard_hosts) are left out with a warning rather than written into a firewall configuration.
    """
    by_key = {}
    order = []
    warnings = []

    def add(row, name, port, match):
        name = name.lower().rstrip(".")
        if not _DNS_NAME.match(name):
            warnings.append("left out %r (from %s): not a DNS name" % (name, row.get("pattern")))
            return None
        key = (name, port)
        entry = by_key.get(key)
        if entry is None:
            entry = by_key[key] = _new_entry(row, name, port, match, opts)
            order.append(key)
        else:
            entry["required"] = entry["required"] or bool(row.get("required"))
            entry["retired"] = entry["retired"] and bool(row.get("retired"))
            if _unresolved(row):
                entry["unresolved"] = _unresolved(row)
            values = row.get("bypass") or []
            if match == "exact":
                entry["bypass"] += [v for v in values if v not in entry["bypass"]]
            else:
                # A wildcard goes around the proxy only for a service that bypasses every host under it.
                entry["bypass"] = [v for v in entry["bypass"] if v in values]
        return entry

    patterns = {}
    for row in rows:
        region = row.get("region") or opts["region"]
        rule = row["pattern"].split("/")[0].replace("<region>", region)
        patterns[row["pattern"]] = rule
        kind = _match_kind(rule)
        if kind != "exact":
            add(row, rule, row["port"], kind)
        if row.get("probeable", True) and "*" not in row["host"]:
            entry = add(row, row["host"], row["port"], "exact")
            if entry is not None and kind != "exact":
                entry["covered_by"] = rule
    if report is not None:
        _merge_report(report, rows, patterns, by_key, order, add, warnings)
    return [by_key[k] for k in order], warnings


def _merge_report(report, rows, patterns, by_key, order, add, warnings):
    """Concrete names the preflight probed (service bus hosts it expanded, hosts given at run time) and how many
    hosts failed each."""
    row_of = dict((r["pattern"], r) for r in rows)
    made_for = report.get("parameters") or {}
    for key in ("cloud", "region"):
        if made_for.get(key) and rows and str(made_for[key]).lower() != str(rows[0].get(key, "")).lower():
            warnings.append("the preflight report (arc_allowlist_report) was made for %s %s, not %s: its names "
                            "and failure counts may not apply" % (key, made_for[key], rows[0].get(key)))
    failed = {}
    for host_report in (report.get("hosts") or {}).values():
        for ep in (host_report or {}).get("endpoints") or []:
            if not isinstance(ep, dict) or not ep.get("host") or "*" in str(ep.get("host")):
                continue
            try:
                port = int(ep.get("port") or 443)
            except (TypeError, ValueError):
                continue
            key = (str(ep["host"]).lower().rstrip("."), port)
            if key not in by_key and ep.get("pattern") in row_of:
                row = dict(row_of[ep["pattern"]])
                row["source"] = "preflight report"
                entry = add(row, key[0], port, "exact")
                if entry is not None and _match_kind(patterns[ep["pattern"]]) != "exact":
                    entry["covered_by"] = patterns[ep["pattern"]]
            if ep.get("probeable", True) and not ep.get("ok"):
                failed[key] = failed.get(key, 0) + 1
    for key in order:
        by_key[key]["failed_on_hosts"] = failed.get(key, 0)


def selected(all_entries, include_optional):
    """The entries the firewall formats carry, and the ones they leave out (with why)."""
    keep, left_out = [], []
    for entry in all_entries:
        if entry["retired"]:
            left_out.append({"name": entry["name"], "reason": "retired: no longer used by current agents"})
        elif not entry["required"] and not include_optional:
            left_out.append({"name": entry["name"], "reason": "not required with these options (%s); set "
                             "arc_allowlist_include_optional to add it" % (entry["when"] or "optional")})
        else:
            keep.append(entry)
    return keep, left_out


def _note(out, name, reason):
    item = {"name": name, "reason": reason}
    if item not in out:
        out.append(item)


def _collapse(domains, apex=False):
    """Suffix domains (``.x``) and exact names, without any name under another: returns (kept, {dropped: by}).

    ``apex``: whether ``.x`` also matches ``x`` itself (Squid's dstdomain does; Go's NO_PROXY and a PAN-OS
    ``*.x`` entry do not, so there the exact ``x`` stays). Squid complains about a domain listed with a subdomain.
    """
    suffixes = set(d[1:] for d in domains if d.startswith("."))
    kept, dropped = [], {}
    for dom in sorted(set(domains), key=lambda d: (d.lstrip(".").split(".")[::-1], d)):
        bare = dom.lstrip(".")
        cover = None
        for suffix in suffixes:
            if bare.endswith("." + suffix) or (apex and bare == suffix and not dom.startswith(".")):
                cover = suffix
                break
        if cover:
            dropped[dom] = "." + cover
        else:
            kept.append(dom)
    return kept, dropped


def _path_note(out, entry, what):
    if entry["path"]:
        _note(out, entry["name"] + entry["path"], "%s: the path %s is not expressed, the whole host %s is "
              "allowed" % (what, entry["path"], entry["name"]))


def _widen_note(out, entry, what, widened, keep):
    if any(k["name"] == "*." + _suffix(entry["name"]) for k in keep):
        return  # the wider wildcard is required anyway
    _note(out, entry["name"], "%s cannot match part of a label (%s); written as %s, which also allows every "
          "other name under %s" % (what, entry["name"], widened, _suffix(entry["name"])))


# ------------------------------------------------------------------------------------------------------ formats

CSV_COLUMNS = ("name", "port", "protocol", "purpose", "required", "private_link", "match", "bypass", "source",
               "path", "covered_by", "scenario", "retired", "provenance", "failed_on_hosts")


def to_csv(all_entries):
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for e in all_entries:
        row = []
        for col in CSV_COLUMNS:
            value = e[col]
            if isinstance(value, list):
                value = " ".join(value)
            elif isinstance(value, bool):
                value = "true" if value else "false"
            elif value is None:
                value = ""
            row.append(value)
        writer.writerow(row)
    return buf.getvalue(), []


def _squid_regex(name):
    head, rest = name.split(".", 1)
    return "^%s\\.%s$" % (re.escape(head).replace("\\*", "[^.]*"), re.escape(rest))


def to_squid(keep, header, prefix="arcready_arc"):
    """A Squid snippet: dstdomain ACLs per port (``.x`` for ``*.x``), dstdom_regex for partial-label wildcards."""
    cannot = []
    domains, regexes = {}, {}
    for e in keep:
        _path_note(cannot, e, "Squid sees only the host of a CONNECT")
        if e["match"] == "partial_wildcard":
            regexes.setdefault(e["port"], []).append((_suffix(e["name"]), _squid_regex(e["name"])))
            continue
        domains.setdefault(e["port"], []).append("." + _suffix(e["name"]) if e["match"] == "wildcard" else e["name"])
    lines = ["# %s" % line for line in header]
    lines += ["# Include this file before 'http_access deny all' (e.g. include /etc/squid/conf.d/arc.conf).",
              "# '.example.com' matches example.com and every name under it; names under a listed domain are",
              "# left out because Squid complains about a domain listed together with one of its subdomains."]
    if cannot:
        lines.append("# Not expressed exactly:")
        lines += ["#   %s: %s" % (c["name"], c["reason"]) for c in cannot]
    lines += ["acl %s_connect method CONNECT" % prefix]
    rules = []
    for port in sorted(set(domains) | set(regexes)):
        lines.append("acl %s_port_%d port %d" % (prefix, port, port))
        method = "%s_connect" % prefix if port != 80 else "!%s_connect" % prefix
        kept, dropped = _collapse(domains.get(port, []), apex=True)
        if dropped:
            lines.append("# port %d, covered by a listed domain: %s" % (port, ", ".join(
                "%s (by %s)" % (d, c) for d, c in sorted(dropped.items()))))
        for dom in kept:
            lines.append("acl %s_%d dstdomain %s" % (prefix, port, dom))
        if kept:
            rules.append("http_access allow %s %s_port_%d %s_%d" % (method, prefix, port, prefix, port))
        suffixes = set(d[1:] for d in kept if d.startswith("."))
        regs = [r for base, r in regexes.get(port, [])
                if not any(base == s or base.endswith("." + s) for s in suffixes)]
        for reg in sorted(set(regs)):
            lines.append("acl %s_%d_re dstdom_regex -i %s" % (prefix, port, reg))
        if regs:
            rules.append("http_access allow %s %s_port_%d %s_%d_re" % (method, prefix, port, prefix, port))
    return "\n".join(lines + rules) + "\n", cannot


def _suffix_values(entries_, what, keep):
    """NO_PROXY / EDL style values: exact names, wildcards as the domain they stand under."""
    cannot = []
    values = []
    for e in entries_:
        _path_note(cannot, e, what)
        if e["match"] == "partial_wildcard":
            _widen_note(cannot, e, what, "." + _suffix(e["name"]), keep)
        values.append(e["name"] if e["match"] == "exact" else "." + _suffix(e["name"]))
    kept, _dropped = _collapse(values)
    return kept, cannot


def no_proxy_entries(keep, bypass):
    if bypass is None:
        return list(keep)
    return [e for e in keep if set(e["bypass"]) & set(bypass)]


def to_no_proxy(keep, bypass):
    """A NO_PROXY value (leading-dot suffixes), for clients that should reach these names without the proxy."""
    chosen = no_proxy_entries(keep, bypass)
    values, cannot = _suffix_values(chosen, "NO_PROXY matches host names", keep)
    ports = sorted(set(e["port"] for e in chosen))
    if len(ports) > 1:
        _note(cannot, "ports %s" % ", ".join(str(p) for p in ports),
              "NO_PROXY has no ports in most clients: a name bypasses the proxy on every port")
    return ",".join(values) + "\n", cannot


def proxy_bypass_value(keep, bypass):
    """The ``azcmagent config set proxy.bypass`` value for the same entries (the agent takes service names)."""
    chosen = no_proxy_entries(keep, bypass)
    if bypass is not None:
        return ",".join(bypass), []
    services = []
    for e in chosen:
        for value in e["bypass"]:
            if value not in services:
                services.append(value)
    uncovered = sorted(set(e["name"] for e in chosen if not e["bypass"]))
    ordered = [s for s in _catalogue.BYPASS_SERVICES if s in services]
    return ",".join(ordered + [s for s in services if s not in ordered]), uncovered


def _rule_name(pattern, taken):
    """A readable, unique rule name: arc-any-his-arc-azure-com for *.his.arc.azure.com."""
    base = ("arc-" + re.sub(r"[^A-Za-z0-9]+", "-", pattern.replace("*", "any")).strip("-"))[:76]
    name, n = base, 1
    while name in taken:
        n += 1
        name = "%s-%d" % (base, n)
    taken.add(name)
    return name


def to_azure_firewall(keep, header):
    """An ARM template of a Firewall Policy rule collection group with one application rule per catalogue row."""
    cannot = []
    rules, by_rule, seen, taken = [], {}, set(), set()
    for e in keep:
        name = e["name"]
        _path_note(cannot, e, "Azure Firewall Standard target FQDNs hold no path")
        if e["match"] == "partial_wildcard":
            name = "*." + _suffix(e["name"])
            _widen_note(cannot, e, "Azure Firewall (wildcards only as a leading '*.')", name, keep)
        elif e["covered_by"] and any(k["name"] == e["covered_by"] for k in keep):
            continue
        rule = by_rule.get(e["pattern"])
        if rule is None:
            rule = by_rule[e["pattern"]] = {
                "ruleType": "ApplicationRule",
                "name": _rule_name(e["pattern"], taken),
                "description": (e["purpose"] or "")[:140],
                "protocols": [],
                "targetFqdns": [],
                "sourceAddresses": "[parameters('sourceAddresses')]",
            }
            rules.append(rule)
        proto = {"protocolType": "Http" if e["port"] == 80 else "Https", "port": e["port"]}
        if proto not in rule["protocols"]:
            rule["protocols"].append(proto)
        if name not in rule["targetFqdns"] and (name, e["port"]) not in seen:
            rule["targetFqdns"].append(name)
        seen.add((name, e["port"]))
    rules = [r for r in rules if r["targetFqdns"]]
    for rule in rules:
        rule["protocols"].sort(key=lambda p: p["port"], reverse=True)
    template = {
        "$schema": "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
        "contentVersion": "1.0.0.0",
        "metadata": {"description": " ".join(header), "cannotExpress": cannot},
        "parameters": {
            "firewallPolicyName": {"type": "string", "metadata": {"description": "The existing firewall policy."}},
            "ruleCollectionGroupName": {"type": "string", "defaultValue": "AzureArc"},
            "ruleCollectionGroupPriority": {"type": "int", "defaultValue": 500, "minValue": 100, "maxValue": 65000},
            "ruleCollectionPriority": {"type": "int", "defaultValue": 500, "minValue": 100, "maxValue": 65000},
            "sourceAddresses": {"type": "array", "defaultValue": ["*"],
                                "metadata": {"description": "The servers' addresses or ranges."}},
        },
        "resources": [{
            "type": "Microsoft.Network/firewallPolicies/ruleCollectionGroups",
            "apiVersion": "2023-09-01",
            "name": "[format('{0}/{1}', parameters('firewallPolicyName'), parameters('ruleCollectionGroupName'))]",
            "properties": {
                "priority": "[parameters('ruleCollectionGroupPriority')]",
                "ruleCollections": [{
                    "ruleCollectionType": "FirewallPolicyFilterRuleCollection",
                    "name": "AzureArc-allow",
                    "priority": "[parameters('ruleCollectionPriority')]",
                    "action": {"type": "Allow"},
                    "rules": rules,
                }],
            },
        }],
    }
    return json.dumps(template, indent=2, sort_keys=False) + "\n", cannot


def to_paloalto_edl(keep):
    """A PAN-OS domain EDL: one name per line, wildcards only as a leading '*.' token."""
    cannot = []
    values = []
    for e in keep:
        _path_note(cannot, e, "a domain EDL holds no URLs")
        if e["match"] == "exact":
            values.append(e["name"])
        else:
            if e["match"] == "partial_wildcard":
                _widen_note(cannot, e, "PAN-OS (a wildcard must be a whole, leading token)", "*." + _suffix(e["name"]),
                            keep)
            values.append("." + _suffix(e["name"]))
    kept, _dropped = _collapse(values)
    ports = sorted(set(e["port"] for e in keep))
    if ports:
        _note(cannot, "ports", "an EDL holds names only: allow TCP %s in the security rule's service"
              % " and ".join(str(p) for p in ports))
    lines = ["*" + v if v.startswith(".") else v for v in kept]
    return "\n".join(lines) + ("\n" if lines else ""), cannot


def to_names(keep):
    """Every name as the catalogue writes it (wildcards included), one per line."""
    cannot = []
    names = []
    for e in keep:
        _path_note(cannot, e, "a list of names")
        if e["name"] not in names:
            names.append(e["name"])
    _note(cannot, "ports", "a list of names has no ports: see allowlist.csv for the port of each name")
    return "\n".join(names) + ("\n" if names else ""), cannot


def private_dns_records(keep, opts):
    """(records, cannot): the A records the DNS team creates per private endpoint; the addresses are unknown here."""
    cannot = []
    if not opts["private_link"]:
        return [], cannot
    zones = PRIVATE_ZONES.get(opts["cloud"])
    private = [e for e in keep if e["private_capable"]]
    if not zones:
        for e in private:
            _note(cannot, e["name"], "Microsoft documents no Azure Arc private DNS zone for %s; read the private "
                  "endpoint's DNS configuration (customDnsConfigs)" % opts["cloud"])
        return [], cannot
    records = []
    for e in private:
        zone = next((z for z in zones if e["name"].endswith("." + z[0])), None)
        if zone is None:
            continue
        if e["match"] != "exact":
            if e["unresolved"]:
                _note(cannot, e["name"], "not every name under it is known (%s); read the rest from the private "
                      "endpoint's DNS configuration (customDnsConfigs)" % e["unresolved"])
            elif not any(k["covered_by"] == e["name"] for k in private):
                _note(cannot, e["name"], "no concrete name is known under this wildcard; read the names from the "
                      "private endpoint's DNS configuration (customDnsConfigs)")
            continue
        label = e["name"][:-len(zone[0]) - 1]
        record = {"zone": zone[1], "name": label, "type": "A", "address": ADDRESS_PLACEHOLDER,
                  "fqdn": "%s.%s" % (label, zone[1]), "public_name": e["name"], "forward_zone": zone[0]}
        if record not in records:
            records.append(record)
    return records, cannot


def to_private_dns(keep, opts, header):
    records, cannot = private_dns_records(keep, opts)
    lines = ["; %s" % line for line in header]
    if not opts["private_link"]:
        lines.append("; private_link (arc_private_link) is false: no private DNS records are needed.")
        return "\n".join(lines) + "\n", cannot
    zones = PRIVATE_ZONES.get(opts["cloud"]) or ()
    lines += ["; Addresses are the private endpoint's (customDnsConfigs: fqdn, ipAddresses); they are not known here.",
              "; Names are the expected ones: confirm them against customDnsConfigs, which depends on the endpoint's",
              "; region. On-premises DNS conditionally forwards these zones to an Azure DNS forwarder:"]
    lines += [";   %s" % z[0] for z in zones]
    for c in cannot:
        lines.append("; not expressed: %s: %s" % (c["name"], c["reason"]))
    for zone in zones:
        zone_records = [r for r in records if r["zone"] == zone[1]]
        if not zone_records:
            continue
        lines.append("$ORIGIN %s." % zone[1])
        for r in zone_records:
            lines.append("%-24s IN A %s ; %s" % (r["name"], r["address"], r["public_name"]))
    return "\n".join(lines) + "\n", cannot


def ip_prefixes(opts, stf):
    """(prefix elements, missing tags) from a parsed Service Tags file, or (None, []) without one."""
    if stf is None:
        return None, []
    from ansible_collections.arcready.network.plugins.plugin_utils import _service_tags
    try:
        return _service_tags.prefixes(stf, opts["cloud"], scenarios=opts["scenarios"], on_missing="warn")
    except _service_tags.ServiceTagsError as exc:
        raise AllowlistError("%s: %s" % (_opt("service_tags_file"), exc))


def to_ip_prefixes(keep, opts, elements, missing):
    tags = _catalogue.service_tags(opts["cloud"], opts["scenarios"])
    cannot = [{"name": "every name", "reason": "an IP-only firewall cannot follow names: these are the ranges of the "
               "service tags %s; Microsoft says the addresses change within them and to allow a tag in full"
               % ", ".join(tags)}]
    if missing:
        _note(cannot, ", ".join(missing), "these tags are not in the Service Tags file")
    if opts["cloud"] != "AzureCloud":
        _note(cannot, "AzureArcInfrastructure (public)", "Microsoft requires the Azure public cloud's "
              "AzureArcInfrastructure ranges as well; give the public Service Tags file in a second run")
    return "\n".join(e["prefix"] for e in elements) + "\n", cannot


# ------------------------------------------------------------------------------------------------------ all files

def header_lines(opts):
    return ["Azure Arc allow-list (arcready.network.allowlist): cloud %s, region %s, edition %s, stage %s, "
            "scenarios %s, private link %s."
            % (opts["cloud"], opts["region"], opts["edition"] or "current", opts["stage"],
               ",".join(opts["scenarios"]) or "none", "yes" if opts["private_link"] else "no")]


def render(opts, rows, stf=None, report=None, warnings=()):
    """Every requested file's text, plus a summary: ``({file_name: text}, summary)``."""
    all_entries, entry_warnings = entries(rows, opts, report)
    warnings = list(warnings) + entry_warnings
    keep, left_out = selected(all_entries, opts["include_optional"])
    header = header_lines(opts)
    formats = opts["formats"]
    outputs = {}
    files = {}

    def put(fmt, text, cannot):
        files[FILE_NAMES[fmt]] = text
        outputs[fmt] = {"file": FILE_NAMES[fmt], "cannot_express": cannot}

    if "csv" in formats:
        put("csv", *to_csv(all_entries))
    if "squid" in formats:
        put("squid", *to_squid(keep, header))
    if "no_proxy" in formats:
        put("no_proxy", *to_no_proxy(keep, opts["bypass"]))
    if "azure_firewall" in formats:
        put("azure_firewall", *to_azure_firewall(keep, header))
    if "paloalto_edl" in formats:
        put("paloalto_edl", *to_paloalto_edl(keep))
    if "names" in formats:
        put("names", *to_names(keep))
    if "private_dns" in formats:
        put("private_dns", *to_private_dns(keep, opts, header))
    elements, missing = (None, [])
    if "ip_prefixes" in formats:
        elements, missing = ip_prefixes(opts, stf)
        if elements is None:
            outputs["ip_prefixes"] = {"file": None, "cannot_express": [{
                "name": "every name", "reason": "no Service Tags file given (arc_allowlist_service_tags_file): download "
                "the weekly Service Tags JSON for %s and run again; tags needed: %s" % (
                    opts["cloud"], ", ".join(_catalogue.service_tags(opts["cloud"], opts["scenarios"])))}]}
        else:
            put("ip_prefixes", *to_ip_prefixes(keep, opts, elements, missing))
    bypass_value, bypass_uncovered = proxy_bypass_value(keep, opts["bypass"])
    summary = {
        "parameters": dict((k, opts[k]) for k in ("cloud", "region", "edition", "scenarios", "stage",
                                                  "private_link", "include_optional", "bypass")),
        "entries": all_entries,
        "left_out": left_out,
        "outputs": outputs,
        "proxy_bypass": {"value": bypass_value, "names_without_service": bypass_uncovered},
        "private_dns": private_dns_records(keep, opts)[0],
        "ip_prefixes": [e["prefix"] for e in elements] if elements is not None else None,
        "warnings": warnings,
    }
    if "json" in formats:
        outputs["json"] = {"file": FILE_NAMES["json"], "cannot_express": []}
        files[FILE_NAMES["json"]] = json.dumps(summary, indent=2, sort_keys=True) + "\n"
    files[NOTES_FILE] = notes(opts, summary)
    return files, summary


def notes(opts, summary):
    lines = header_lines(opts) + [""]
    for fmt in FORMATS:
        out = summary["outputs"].get(fmt)
        if out is None:
            continue
        lines.append("%s:" % (out["file"] or "%s (not written)" % FILE_NAMES[fmt]))
        if not out["cannot_express"]:
            lines.append("  expresses every name exactly")
        for c in out["cannot_express"]:
            lines.append("  - %s: %s" % (c["name"], c["reason"]))
    if summary["left_out"]:
        lines += ["", "Left out of the firewall and proxy files (still in allowlist.csv/json):"]
        lines += ["  - %s: %s" % (c["name"], c["reason"]) for c in summary["left_out"]]
    bypass = summary["proxy_bypass"]
    lines += ["", "The Connected Machine agent's own bypass takes service names: azcmagent config set proxy.bypass "
              "\"%s\"" % bypass["value"]]
    if bypass["names_without_service"]:
        lines.append("  (no service name sends these around the proxy: %s)" % ", ".join(bypass["names_without_service"]))
    for warning in summary["warnings"]:
        lines.append("warning: %s" % warning)
    return "\n".join(lines) + "\n"


def foreign_files(dest):
    """Entries of an existing output directory this plugin did not write (never replaced with the directory)."""
    if not os.path.isdir(dest):
        return []
    return sorted(name for name in os.listdir(dest) if name not in ALL_FILES)


def unchanged(dest, files):
    if not os.path.isdir(dest) or set(os.listdir(dest)) != set(files):
        return False
    for name, text in files.items():
        try:
            with open(os.path.join(dest, name), "rb") as stream:
                if stream.read() != text.encode("utf-8"):
                    return False
        except (IOError, OSError):
            return False
    return True


def write_all(dest, files, mode=0o755):
    """Publish every file at once: build a sibling directory, then swap it in, so a killed run never leaves a mix
    of old and new files."""
    parent = os.path.dirname(dest.rstrip(os.sep)) or os.sep
    base = os.path.basename(dest.rstrip(os.sep))
    try:
        os.makedirs(parent, exist_ok=True)
        new = tempfile.mkdtemp(prefix=".%s.new-" % base, dir=parent)
    except OSError as exc:
        raise AllowlistError("%s: cannot create %s: %s" % (_opt("dest"), parent, exc.strerror or exc))
    old = None
    try:
        for name, text in files.items():
            with open(os.path.join(new, name), "wb") as stream:
                stream.write(text.encode("utf-8"))
                stream.flush()
                os.fsync(stream.fileno())
        os.chmod(new, mode)
        if os.path.isdir(dest):
            old = tempfile.mkdtemp(prefix=".%s.old-" % base, dir=parent)
            os.rmdir(old)
            os.rename(dest, old)
        os.rename(new, dest)
    except OSError as exc:
        shutil.rmtree(new, ignore_errors=True)
        if old and os.path.isdir(old) and not os.path.exists(dest):
            os.rename(old, dest)
        raise AllowlistError("%s: cannot write %s: %s" % (_opt("dest"), dest, exc.strerror or exc))
    if old:
        shutil.rmtree(old, ignore_errors=True)
