# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of plugins/plugin_utils/_allowlist.py: one section per output format, golden assertions on content.

The real ``squid -k parse`` of the Squid snippet is in tests/integration/allowlist/test_squid_parse.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import csv
import io
import ipaddress
import json
import os
import re

import pytest

from ansible_collections.arcready.network.plugins.module_utils import _catalogue
from ansible_collections.arcready.network.plugins.plugin_utils import _allowlist as al
from ansible_collections.arcready.network.plugins.plugin_utils import _service_tags

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
PUBLIC_TAGS = os.path.join(ROOT, "tests", "data", "service_tags", "ServiceTags_Public_20260105.json")


def make(dest="/nonexistent/arc-allowlist", report=None, stf=None, **raw):
    """Files from the real catalogue (whatever its edition): for properties every output must keep."""
    raw.setdefault("region", "eastus")
    opts = al.check_options(dict(raw, dest=dest))
    files, summary = al.render(opts, al.catalogue_rows(opts), stf=stf, report=report)
    return opts, files, summary


def row(pattern, host=None, port=443, purpose="purpose", required=True, private_link="public", bypass=(),
        path="/", scenario=None, retired=False, reason=""):
    """One catalogue row as build() returns it (the fields the allow-list reads)."""
    return {"cloud": "AzureCloud", "region": "eastus", "pattern": pattern, "host": host or pattern, "port": port,
            "purpose": purpose, "required": required, "retired": retired, "private_link": private_link,
            "private_capable": private_link == "private", "bypass": list(bypass), "path": path,
            "scenario": scenario, "when_text": "when", "probeable": host is not None or "*" not in pattern,
            "reason": reason, "note": ""}


# A fixed East US table, so that the golden assertions do not move when the catalogue gains an edition or a row.
FIXED_ROWS = [
    row("aka.ms"),
    row("login.microsoftonline.com", bypass=["AAD"]),
    row("management.azure.com", bypass=["ARM"], private_link="public_unless_arm_private_link"),
    row("*.his.arc.azure.com", "gbl.his.arc.azure.com", private_link="private", bypass=["Arc"]),
    row("*.his.arc.azure.com", "eus.his.arc.azure.com", private_link="private", bypass=["Arc"]),
    row("*.guestconfiguration.azure.com", "agentserviceapi.guestconfiguration.azure.com", private_link="private",
        bypass=["Arc"]),
    row("*.guestconfiguration.azure.com", "eastus-gas.guestconfiguration.azure.com", private_link="private",
        bypass=["Arc"]),
    row("guestnotificationservice.azure.com"),
    row("*.guestnotificationservice.azure.com", reason="wildcard"),
    row("azgn*.servicebus.windows.net", reason="wildcard: set expand_service_bus"),
    row("*.blob.core.windows.net", private_link="not_used", reason="wildcard"),
    row("*.<region>.arcdataservices.com", "dataprocessingservice.eastus.arcdataservices.com", scenario="sql"),
    row("*.<region>.arcdataservices.com", "telemetry.eastus.arcdataservices.com", scenario="sql",
        bypass=["Arc", "ArcData"]),
    row("www.microsoft.com/pkiops/certs", "www.microsoft.com", port=80, path="/pkiops/certs", scenario="esu"),
    row("www.microsoft.com/pkiops/certs", "www.microsoft.com", port=443, path="/pkiops/certs", scenario="esu"),
    row("dc.services.visualstudio.com", required=False, scenario="telemetry"),
    row("old.his.arc.azure.example", required=False, retired=True),
]
SERVICE_BUS_ROW = row("*.servicebus.windows.net", scenario="ssh", reason="wildcard")


def golden(rows=None, extra=(), report=None, **raw):
    """Files from FIXED_ROWS (or ``rows``) for East US."""
    opts = al.check_options(dict(raw, region=raw.get("region", "eastus"), dest="/nonexistent/arc-allowlist"))
    table = [dict(r, bypass=list(r["bypass"])) for r in (rows or FIXED_ROWS)] + list(extra)
    files, summary = al.render(opts, table, report=report)
    return opts, files, summary


def cannot(summary, fmt):
    return dict((c["name"], c["reason"]) for c in summary["outputs"][fmt]["cannot_express"])


# ------------------------------------------------------------------------------------------------------ options

@pytest.mark.parametrize("value", ["sql,esu", "[sql, esu]", "[sql,esu]", "sql esu", ["sql", "esu"], ("esu", "sql")])
def test_scenarios_accept_what_people_type(value):
    opts = al.check_options({"region": "eastus", "dest": "/tmp/x", "scenarios": value})
    assert sorted(opts["scenarios"]) == ["esu", "sql"]


@pytest.mark.parametrize("raw, words", [
    ({"dest": "/tmp/x"}, ["region (arc_region) is required", "eastus"]),
    ({"region": "atl@ntis", "dest": "/tmp/x"}, ["region (arc_region)", "atl@ntis"]),
    ({"region": "eastus", "cloud": "Mars", "dest": "/tmp/x"}, ["cloud (arc_cloud)", "AzureCloud"]),
    ({"region": "eastus", "scenarios": "[sql,bogus]", "dest": "/tmp/x"}, ["scenarios (arc_scenarios)", "bogus"]),
    ({"region": "eastus", "stage": "later", "dest": "/tmp/x"}, ["stage (arc_stage)", "install, connect, run"]),
    ({"region": "eastus", "private_link": "maybe", "dest": "/tmp/x"}, ["private_link (arc_private_link)"]),
    ({"region": "eastus"}, ["dest (arc_allowlist_dir) is required"]),
    ({"region": "eastus", "dest": "/tmp/x", "formats": "squid,pdf"}, ["formats (arc_allowlist_formats)", "pdf"]),
    ({"region": "eastus", "dest": "/tmp/x", "bypass": "Arc,Everything"},
     ["bypass (arc_allowlist_bypass)", "Everything"]),
    ({"region": "eastus", "dest": "/tmp/x", "service_tags_file": "/nonexistent/tags.json"},
     ["service_tags_file (arc_allowlist_service_tags_file)", "/nonexistent/tags.json"]),
    ({"region": "eastus", "dest": "/tmp/x", "report_file": "/nonexistent/preflight.json"},
     ["report_file (arc_allowlist_report)"]),
    ({"region": "eastus", "dest": "/tmp/x", "wildcard_hosts": "a.b"}, ["wildcard_hosts (arc_allowlist_wildcard_hosts)"]),
    ({"region": "eastus", "dest": "/tmp/x", "colour": "red"}, ["unknown option(s) colour"]),
])
def test_bad_options_name_the_option_and_the_variable(raw, words):
    with pytest.raises(al.AllowlistError) as info:
        al.check_options(raw)
    for word in words:
        assert word in str(info.value)


def test_edition_and_warnings_are_passed_to_a_catalogue_that_takes_them(monkeypatch):
    seen = {}

    def build(cloud, region, scenarios=(), stage="install", private_link=False, wildcard_hosts=None, edition=None,
              warnings=None):
        seen["edition"] = edition
        warnings.append("region eastus is listed")
        return [dict(r, edition=edition, source="network requirements of 2024-03") for r in FIXED_ROWS]

    monkeypatch.setattr(_catalogue, "build", build)
    opts = al.check_options({"region": "eastus", "dest": "/tmp/x", "edition": "2024-03"})
    warnings = []
    files, summary = al.render(opts, al.catalogue_rows(opts, warnings), warnings=warnings)
    assert seen == {"edition": "2024-03"}
    assert summary["entries"][0]["source"] == "network requirements of 2024-03"
    assert "edition 2024-03" in files["NOTES.txt"]
    assert "warning: region eastus is listed" in files["NOTES.txt"]


def test_rows_without_a_source_name_the_edition():
    opts = al.check_options({"region": "eastus", "dest": "/tmp/x"})
    opts["edition"] = "2026-06"
    entry = al.entries([row("aka.ms")], opts)[0][0]
    assert entry["source"] == "Microsoft Azure Arc network requirements (edition 2026-06)"


def test_edition_is_refused_by_a_single_edition_catalogue(monkeypatch):
    def build(cloud, region, scenarios=(), stage="install", private_link=False, wildcard_hosts=None):
        return []

    monkeypatch.setattr(_catalogue, "build", build)
    with pytest.raises(al.AllowlistError, match=r"edition \(arc_edition\)"):
        al.check_options({"region": "eastus", "dest": "/tmp/x", "edition": "2026-06"})


# ------------------------------------------------------------------------------------------------------ entries

def test_entries_keep_every_wildcard_and_every_known_name_under_it():
    _opts, _files, summary = golden()
    by = dict(((e["name"], e["port"]), e) for e in summary["entries"])
    assert by[("*.his.arc.azure.com", 443)]["match"] == "wildcard"
    assert by[("gbl.his.arc.azure.com", 443)]["covered_by"] == "*.his.arc.azure.com"
    assert by[("eus.his.arc.azure.com", 443)]["covered_by"] == "*.his.arc.azure.com"
    assert by[("azgn*.servicebus.windows.net", 443)]["match"] == "partial_wildcard"
    assert by[("login.microsoftonline.com", 443)]["bypass"] == ["AAD"]
    assert by[("management.azure.com", 443)]["private_link"] == "public_unless_arm_private_link"
    assert len(by) == len(summary["entries"])  # one entry per (name, port)


def test_esu_host_has_one_entry_per_port_with_its_path():
    _opts, _files, summary = golden()
    esu = [e for e in summary["entries"] if e["name"] == "www.microsoft.com"]
    assert [(e["port"], e["protocol"], e["path"]) for e in esu] == [
        (80, "http", "/pkiops/certs"), (443, "https", "/pkiops/certs")]


def test_retired_and_optional_rows_stay_in_csv_but_leave_the_firewall_files():
    _opts, files, summary = golden()
    left = dict((c["name"], c["reason"]) for c in summary["left_out"])
    assert "retired" in left["old.his.arc.azure.example"]
    assert "arc_allowlist_include_optional" in left["dc.services.visualstudio.com"]
    assert "old.his.arc.azure.example" in files["allowlist.csv"]
    for name in ("names.txt", "paloalto-edl-domains.txt", "squid-arc-allowlist.conf", "azure-firewall-rules.json",
                 "no_proxy.txt"):
        assert "old.his.arc.azure.example" not in files[name]
        assert "dc.services.visualstudio.com" not in files[name]
    _opts, files, _summary = golden(include_optional=True)
    assert "dc.services.visualstudio.com" in files["names.txt"]
    assert "old.his.arc.azure.example" not in files["names.txt"]


def _report(endpoints_per_host):
    return {"parameters": {"cloud": "AzureCloud", "region": "eastus"},
            "hosts": dict(("h%d" % i, {"endpoints": eps}) for i, eps in enumerate(endpoints_per_host))}


def test_report_adds_probed_names_and_counts_failing_hosts():
    relay = {"host": "azgnrelay-eastus-l1.servicebus.windows.net", "port": 443,
             "pattern": "azgn*.servicebus.windows.net", "ok": False, "probeable": True}
    login = {"host": "login.microsoftonline.com", "port": 443, "pattern": "login.microsoftonline.com", "ok": True}
    injected = {"host": "evil.example.com\nhttp_access allow all", "port": 443,
                "pattern": "azgn*.servicebus.windows.net", "ok": True}
    _opts, files, summary = golden(report=_report([[relay, login], [relay, dict(login, ok=False)], [login, injected]]))
    by = dict(((e["name"], e["port"]), e) for e in summary["entries"])
    entry = by[("azgnrelay-eastus-l1.servicebus.windows.net", 443)]
    assert entry["source"] == "preflight report"
    assert entry["covered_by"] == "azgn*.servicebus.windows.net"
    assert entry["failed_on_hosts"] == 2
    assert by[("login.microsoftonline.com", 443)]["failed_on_hosts"] == 1
    assert by[("aka.ms", 443)]["failed_on_hosts"] == 0
    assert any("not a DNS name" in w for w in summary["warnings"])
    for text in files.values():
        assert not any(line.startswith("http_access allow all") for line in text.splitlines())
    assert "evil" not in files["squid-arc-allowlist.conf"] and "evil" not in files["allowlist.csv"]


def test_a_report_of_another_region_is_flagged():
    _opts, files, summary = golden(report={"parameters": {"cloud": "AzureCloud", "region": "westeurope"},
                                           "hosts": {}})
    assert any("made for region westeurope, not eastus" in w for w in summary["warnings"])
    assert "made for region westeurope" in files["NOTES.txt"]


def test_nothing_to_allow_still_gives_valid_files():
    _opts, files, summary = golden(rows=[row("dc.services.visualstudio.com", required=False)])
    assert files["paloalto-edl-domains.txt"] == "" and files["names.txt"] == ""
    assert "ports" not in cannot(summary, "paloalto_edl")
    assert squid_acls(files["squid-arc-allowlist.conf"]) == ({"arcready_arc_connect": ["CONNECT"]}, [])


# ------------------------------------------------------------------------------------------------------ csv/json

@pytest.mark.parametrize("table", ["fixed", "catalogue"])
def test_csv_has_the_columns_and_one_row_per_entry(table):
    _opts, files, summary = (golden if table == "fixed" else make)(scenarios="sql,esu")
    rows = list(csv.DictReader(io.StringIO(files["allowlist.csv"])))
    assert tuple(rows[0].keys()) == al.CSV_COLUMNS
    assert len(rows) == len(summary["entries"])
    assert set(r["required"] for r in rows) <= {"true", "false"}
    assert set(r["match"] for r in rows) == {"exact", "wildcard", "partial_wildcard"}
    assert all(r["source"] for r in rows)


def test_csv_golden():
    _opts, files, summary = golden()
    rows = list(csv.DictReader(io.StringIO(files["allowlist.csv"])))
    assert tuple(rows[0].keys()) == al.CSV_COLUMNS
    assert len(rows) == len(summary["entries"])
    by = dict(((r["name"], r["port"]), r) for r in rows)
    assert by[("telemetry.eastus.arcdataservices.com", "443")]["bypass"] == "Arc ArcData"
    assert by[("*.his.arc.azure.com", "443")]["match"] == "wildcard"
    assert by[("*.his.arc.azure.com", "443")]["private_link"] == "private"
    assert by[("www.microsoft.com", "80")]["protocol"] == "http"
    assert by[("www.microsoft.com", "80")]["path"] == "/pkiops/certs"
    assert by[("gbl.his.arc.azure.com", "443")]["covered_by"] == "*.his.arc.azure.com"
    assert by[("dc.services.visualstudio.com", "443")]["required"] == "false"


def test_json_holds_entries_outputs_and_parameters():
    _opts, files, summary = golden(private_link=True)
    data = json.loads(files["allowlist.json"])
    assert data["parameters"]["private_link"] is True
    assert len(data["entries"]) == len(summary["entries"])
    assert set(data["outputs"]) == set(al.FORMATS)
    assert data["ip_prefixes"] is None
    assert [r["public_name"] for r in data["private_dns"]] == [
        "gbl.his.arc.azure.com", "eus.his.arc.azure.com", "agentserviceapi.guestconfiguration.azure.com",
        "eastus-gas.guestconfiguration.azure.com"]


def test_same_options_give_byte_identical_files():
    assert make(scenarios="sql")[1] == make(scenarios=["sql"])[1]


# ------------------------------------------------------------------------------------------------------ squid

SQUID_LINE = re.compile(r"^(acl [a-z0-9_]+ (method CONNECT|port \d+|dstdomain \S+|dstdom_regex -i \S+)"
                        r"|http_access allow( !?[a-z0-9_]+)+)$")


def squid_acls(text):
    """{acl name: [values]} and the http_access lines, checking every line is one Squid accepts."""
    acls, rules = {}, []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        assert SQUID_LINE.match(line), line
        words = line.split()
        if words[0] == "acl":
            acls.setdefault(words[1], []).append(words[-1])
        else:
            rules.append(words[2:])
    return acls, rules


def squid_rejects(domains):
    """What Squid's dstdomain list complains about: a name equal to or under a listed .domain, or a duplicate."""
    problems = [d for d in set(domains) if domains.count(d) > 1]
    for a in domains:
        for b in domains:
            if a != b and b.startswith(".") and (a == b[1:] or a.endswith(b)):
                problems.append((a, b))
    return problems


@pytest.mark.parametrize("raw", [
    {}, {"scenarios": "ssh,wac,sql,esu"}, {"private_link": True}, {"stage": "run"},
    {"cloud": "AzureUSGovernment", "region": "usgovvirginia", "scenarios": "esu"},
    {"cloud": "AzureChinaCloud", "region": "chinanorth3"},
])
def test_squid_snippet_has_no_overlap_and_defines_what_it_uses(raw):
    _opts, files, summary = make(**raw)
    acls, rules = squid_acls(files["squid-arc-allowlist.conf"])
    domain_acls = [name for name in acls if re.match(r"^arcready_arc_\d+$", name)]
    assert domain_acls
    for name in domain_acls:
        assert squid_rejects(acls[name]) == []
        assert all("*" not in d for d in acls[name])
    for rule in rules:
        for word in rule:
            assert word.lstrip("!") in acls
    kept = al.selected(summary["entries"], False)[0]
    listed = set(d for name in domain_acls for d in acls[name])
    for entry in kept:
        if entry["match"] == "wildcard":
            assert "." + entry["name"][2:] in listed, entry["name"]


def test_squid_golden_east_us():
    _opts, files, _summary = golden()
    acls, rules = squid_acls(files["squid-arc-allowlist.conf"])
    assert acls["arcready_arc_443"] == [
        ".eastus.arcdataservices.com", ".his.arc.azure.com", ".guestconfiguration.azure.com",
        ".guestnotificationservice.azure.com", "management.azure.com", "www.microsoft.com",
        "login.microsoftonline.com", "aka.ms", ".blob.core.windows.net"]
    assert acls["arcready_arc_80"] == ["www.microsoft.com"]
    assert acls["arcready_arc_443_re"] == [r"^azgn[^.]*\.servicebus\.windows\.net$"]
    assert ["arcready_arc_connect", "arcready_arc_port_443", "arcready_arc_443"] in rules
    assert ["!arcready_arc_connect", "arcready_arc_port_80", "arcready_arc_80"] in rules
    # guestnotificationservice.azure.com itself is matched by .guestnotificationservice.azure.com in Squid.
    assert "guestnotificationservice.azure.com" not in acls["arcready_arc_443"]
    assert "www.microsoft.com/pkiops/certs: Squid sees only the host" in files["squid-arc-allowlist.conf"]


@pytest.mark.parametrize("host, matches", [
    ("azgnrelay-eastus-l1.servicebus.windows.net", True), ("AZGNRELAY.servicebus.windows.net", True),
    ("azgn.servicebus.windows.net", True), ("x.azgnrelay.servicebus.windows.net", False),
    ("other.servicebus.windows.net", False), ("azgnrelay.servicebus.windows.net.evil.com", False),
])
def test_squid_regex_matches_only_the_partial_label(host, matches):
    _opts, files, _summary = golden()
    regex = squid_acls(files["squid-arc-allowlist.conf"])[0]["arcready_arc_443_re"][0]
    assert bool(re.search(regex, host, re.IGNORECASE)) is matches


def test_squid_drops_the_regex_when_the_whole_domain_is_allowed():
    _opts, files, _summary = golden(extra=[SERVICE_BUS_ROW])
    acls, _rules = squid_acls(files["squid-arc-allowlist.conf"])
    assert "arcready_arc_443_re" not in acls
    assert ".servicebus.windows.net" in acls["arcready_arc_443"]


# ------------------------------------------------------------------------------------------------------ NO_PROXY

def test_no_proxy_all_names_with_leading_dots():
    _opts, files, summary = golden()
    value = files["no_proxy.txt"].strip()
    items = value.split(",")
    assert items == [".eastus.arcdataservices.com", ".his.arc.azure.com", ".guestconfiguration.azure.com",
                     ".guestnotificationservice.azure.com", "guestnotificationservice.azure.com",
                     "management.azure.com", "www.microsoft.com", "login.microsoftonline.com", "aka.ms",
                     ".blob.core.windows.net", ".servicebus.windows.net"]
    # Go (the agent) matches '.x' below x only: the apex stays listed.
    assert "www.microsoft.com/pkiops/certs" in cannot(summary, "no_proxy")
    assert "azgn*.servicebus.windows.net" in cannot(summary, "no_proxy")
    assert "also allows every other name under servicebus.windows.net" in cannot(summary, "no_proxy")[
        "azgn*.servicebus.windows.net"]


@pytest.mark.parametrize("raw, expected, bypass", [
    ({"private_link": True}, [".his.arc.azure.com", ".guestconfiguration.azure.com",
                              "telemetry.eastus.arcdataservices.com"], "Arc"),
    ({"bypass": "AAD"}, ["login.microsoftonline.com"], "AAD"),
    ({"bypass": ["ARM", "AAD"]}, ["management.azure.com", "login.microsoftonline.com"], "ARM,AAD"),
    ({"bypass": "ArcData"}, ["telemetry.eastus.arcdataservices.com"], "ArcData"),
])
def test_no_proxy_by_bypass_service(raw, expected, bypass):
    _opts, files, summary = golden(**raw)
    assert sorted(files["no_proxy.txt"].strip().split(",")) == sorted(expected)
    assert summary["proxy_bypass"]["value"] == bypass
    assert 'proxy.bypass "%s"' % bypass in files["NOTES.txt"]


def test_sql_wildcard_is_bypassed_only_where_every_host_under_it_is():
    _opts, files, _summary = golden(bypass="Arc")
    items = files["no_proxy.txt"].strip().split(",")
    assert "telemetry.eastus.arcdataservices.com" in items
    assert ".eastus.arcdataservices.com" not in items


# ------------------------------------------------------------------------------------------------------ Azure Firewall

AZFW_TARGET = re.compile(r"^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$")


def azfw(files):
    template = json.loads(files["azure-firewall-rules.json"])
    (resource,) = template["resources"]
    assert resource["type"] == "Microsoft.Network/firewallPolicies/ruleCollectionGroups"
    assert re.match(r"^\d{4}-\d{2}-\d{2}$", resource["apiVersion"])
    (collection,) = resource["properties"]["ruleCollections"]
    assert collection["ruleCollectionType"] == "FirewallPolicyFilterRuleCollection"
    assert collection["action"] == {"type": "Allow"}
    return template, collection["rules"]


@pytest.mark.parametrize("raw", [{}, {"scenarios": "ssh,wac,sql,esu"}, {"private_link": True},
                                 {"cloud": "AzureUSGovernment", "region": "usgovvirginia", "scenarios": "esu"}])
def test_azure_firewall_rules_stay_within_its_wildcard_rules(raw):
    _opts, files, _summary = make(**raw)
    template, rules = azfw(files)
    assert set(template["parameters"]) >= {"firewallPolicyName", "sourceAddresses"}
    names = [r["name"] for r in rules]
    assert len(names) == len(set(names))
    targets = []
    for rule in rules:
        assert rule["ruleType"] == "ApplicationRule"
        assert rule["targetFqdns"]
        assert rule["sourceAddresses"] == "[parameters('sourceAddresses')]"
        for proto in rule["protocols"]:
            assert (proto["protocolType"], proto["port"]) in (("Https", 443), ("Http", 80))
        for target in rule["targetFqdns"]:
            assert AZFW_TARGET.match(target), target
            assert "*" not in target[1:]
        targets += [(t, p["port"]) for t in rule["targetFqdns"] for p in rule["protocols"]]
    assert len(targets) == len(set(targets))


def test_azure_firewall_golden_east_us():
    _opts, files, summary = golden()
    template, rules = azfw(files)
    by = dict((r["name"], r) for r in rules)
    assert by["arc-any-his-arc-azure-com"]["targetFqdns"] == ["*.his.arc.azure.com"]
    assert by["arc-guestnotificationservice-azure-com"]["targetFqdns"] == ["guestnotificationservice.azure.com"]
    assert by["arc-any-guestnotificationservice-azure-com"]["targetFqdns"] == ["*.guestnotificationservice.azure.com"]
    assert by["arc-azgnany-servicebus-windows-net"]["targetFqdns"] == ["*.servicebus.windows.net"]
    assert by["arc-www-microsoft-com-pkiops-certs"]["protocols"] == [{"protocolType": "Https", "port": 443},
                                                                     {"protocolType": "Http", "port": 80}]
    notes = cannot(summary, "azure_firewall")
    assert "leading '*.'" in notes["azgn*.servicebus.windows.net"]
    assert "no path" in notes["www.microsoft.com/pkiops/certs"]
    assert template["metadata"]["cannotExpress"] == summary["outputs"]["azure_firewall"]["cannot_express"]
    assert not any("gbl.his" in t for r in rules for t in r["targetFqdns"])
    assert [t for r in rules for t in r["targetFqdns"]] == [
        "aka.ms", "login.microsoftonline.com", "management.azure.com", "*.his.arc.azure.com",
        "*.guestconfiguration.azure.com", "guestnotificationservice.azure.com", "*.guestnotificationservice.azure.com",
        "*.servicebus.windows.net", "*.blob.core.windows.net", "*.eastus.arcdataservices.com", "www.microsoft.com"]


def test_azure_firewall_does_not_widen_what_is_already_allowed():
    _opts, files, summary = golden(extra=[SERVICE_BUS_ROW])
    _template, rules = azfw(files)
    assert [t for r in rules for t in r["targetFqdns"]].count("*.servicebus.windows.net") == 1
    assert "azgn*.servicebus.windows.net" not in cannot(summary, "azure_firewall")


# ------------------------------------------------------------------------------------------------------ PAN-OS EDL

@pytest.mark.parametrize("raw", [
    {}, {"scenarios": "ssh,wac,sql,esu"}, {"cloud": "AzureChinaCloud", "region": "chinaeast2"}])
def test_paloalto_edl_is_one_domain_per_line(raw):
    _opts, files, summary = make(**raw)
    lines = files["paloalto-edl-domains.txt"].splitlines()
    assert lines and len(lines) == len(set(lines))
    for line in lines:
        assert re.match(r"^(\*\.)?([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}$", line), line
        assert "/" not in line and ":" not in line and " " not in line
        if not line.startswith("*."):
            assert not any(line.endswith("." + other[2:]) for other in lines if other.startswith("*."))
    assert "ports" in cannot(summary, "paloalto_edl")


def test_paloalto_edl_golden_east_us():
    _opts, files, summary = golden()
    lines = files["paloalto-edl-domains.txt"].splitlines()
    assert lines == ["*.eastus.arcdataservices.com", "*.his.arc.azure.com", "*.guestconfiguration.azure.com",
                     "*.guestnotificationservice.azure.com", "guestnotificationservice.azure.com",
                     "management.azure.com", "www.microsoft.com", "login.microsoftonline.com", "aka.ms",
                     "*.blob.core.windows.net", "*.servicebus.windows.net"]
    assert "*.his.arc.azure.com" in lines and "gbl.his.arc.azure.com" not in lines
    assert "guestnotificationservice.azure.com" in lines and "*.guestnotificationservice.azure.com" in lines
    assert "*.servicebus.windows.net" in lines
    assert "whole, leading token" in cannot(summary, "paloalto_edl")["azgn*.servicebus.windows.net"]
    assert cannot(summary, "paloalto_edl")["ports"].endswith("allow TCP 80 and 443 in the security rule's service")


# ------------------------------------------------------------------------------------------------------ names

def test_names_list_every_name_as_written():
    _opts, files, summary = golden()
    lines = files["names.txt"].splitlines()
    assert lines == [
        "aka.ms", "login.microsoftonline.com", "management.azure.com", "*.his.arc.azure.com", "gbl.his.arc.azure.com",
        "eus.his.arc.azure.com", "*.guestconfiguration.azure.com", "agentserviceapi.guestconfiguration.azure.com",
        "eastus-gas.guestconfiguration.azure.com", "guestnotificationservice.azure.com",
        "*.guestnotificationservice.azure.com", "azgn*.servicebus.windows.net", "*.blob.core.windows.net",
        "*.eastus.arcdataservices.com", "dataprocessingservice.eastus.arcdataservices.com",
        "telemetry.eastus.arcdataservices.com", "www.microsoft.com"]
    assert set(cannot(summary, "names")) == {"www.microsoft.com/pkiops/certs", "ports"}


# ------------------------------------------------------------------------------------------------------ private DNS

def test_private_dns_records_for_a_private_link_scope():
    _opts, files, summary = golden(private_link=True)
    text = files["privatelink-dns.txt"]
    assert "$ORIGIN privatelink.his.arc.azure.com." in text
    assert "$ORIGIN privatelink.guestconfiguration.azure.com." in text
    records = [line.split() for line in text.splitlines() if not line.startswith((";", "$"))]
    assert [(r[0], r[1], r[2], r[3], r[5]) for r in records] == [
        ("gbl", "IN", "A", al.ADDRESS_PLACEHOLDER, "gbl.his.arc.azure.com"),
        ("eus", "IN", "A", al.ADDRESS_PLACEHOLDER, "eus.his.arc.azure.com"),
        ("agentserviceapi", "IN", "A", al.ADDRESS_PLACEHOLDER, "agentserviceapi.guestconfiguration.azure.com"),
        ("eastus-gas", "IN", "A", al.ADDRESS_PLACEHOLDER, "eastus-gas.guestconfiguration.azure.com")]
    assert "management.azure.com" not in text and "login" not in text
    assert cannot(summary, "private_dns") == {}


def test_private_dns_records_from_the_catalogue_are_names_under_the_zones():
    _opts, files, summary = make(private_link=True)
    assert summary["private_dns"]
    for record in summary["private_dns"]:
        assert record["zone"] in ("privatelink.his.arc.azure.com", "privatelink.guestconfiguration.azure.com")
        assert record["public_name"] == "%s.%s" % (record["name"], record["forward_zone"])
        assert record["address"] == al.ADDRESS_PLACEHOLDER
        assert "%s IN A" % record["name"] in " ".join(files["privatelink-dns.txt"].split())


def test_private_dns_says_what_it_cannot_name():
    rows = [r for r in FIXED_ROWS if r["host"] != "eus.his.arc.azure.com"] + [
        row("*.his.arc.azure.com", private_link="private", bypass=["Arc"],
            reason="the regional HIS shard for eastus is not known; pass that host in wildcard_hosts")]
    _opts, files, summary = golden(rows=rows, private_link=True)
    notes = cannot(summary, "private_dns")
    assert "regional HIS shard for eastus is not known" in notes["*.his.arc.azure.com"]
    assert "arc_allowlist_wildcard_hosts" in notes["*.his.arc.azure.com"]
    assert "gbl " in files["privatelink-dns.txt"] and "eus " not in files["privatelink-dns.txt"]


@pytest.mark.parametrize("cloud, region", [("AzureUSGovernment", "usgovvirginia"), ("AzureChinaCloud", "chinanorth3")])
def test_private_dns_has_no_guessed_zones_for_other_clouds(cloud, region):
    _opts, files, summary = make(cloud=cloud, region=region, private_link=True)
    assert "$ORIGIN" not in files["privatelink-dns.txt"]
    notes = cannot(summary, "private_dns")
    assert notes and all("documents no Azure Arc private DNS zone for %s" % cloud in r for r in notes.values())


def test_private_dns_without_private_link():
    _opts, files, summary = golden()
    assert "no private DNS records are needed" in files["privatelink-dns.txt"]
    assert summary["private_dns"] == []


# ------------------------------------------------------------------------------------------------------ IP prefixes

def test_ip_prefixes_from_a_service_tags_file():
    stf = _service_tags.load_path(PUBLIC_TAGS)
    _opts, files, summary = make(stf=stf)
    lines = files["ip-prefixes.txt"].splitlines()
    expected, _missing = _service_tags.prefixes(stf, "AzureCloud", on_missing="warn")
    assert lines == [e["prefix"] for e in expected]
    assert lines
    for line in lines:
        ipaddress.ip_network(line)
    assert "cannot follow names" in cannot(summary, "ip_prefixes")["every name"]


def test_ip_prefixes_without_a_file_say_so():
    _opts, files, summary = make()
    assert "ip-prefixes.txt" not in files
    assert "no Service Tags file given" in cannot(summary, "ip_prefixes")["every name"]
    assert "ip-prefixes.txt (not written):" in files["NOTES.txt"]


def test_ip_prefixes_for_us_government_ask_for_the_public_tag_too():
    stf = _service_tags.load_path(os.path.join(ROOT, "tests", "data", "service_tags",
                                               "ServiceTags_AzureGovernment_20260105.json"))
    _opts, _files, summary = make(cloud="AzureUSGovernment", region="usgovvirginia", stf=stf)
    assert "public Service Tags file" in cannot(summary, "ip_prefixes")["AzureArcInfrastructure (public)"]


# ------------------------------------------------------------------------------------------------------ notes

@pytest.mark.parametrize("table", ["fixed", "catalogue"])
def test_notes_name_every_file_and_what_it_cannot_express(table):
    _opts, files, summary = (golden if table == "fixed" else make)(scenarios="esu")
    assert any(out["cannot_express"] for out in summary["outputs"].values())
    notes = files["NOTES.txt"]
    for fmt in al.FORMATS:
        assert (al.FILE_NAMES[fmt] + ":") in notes or (al.FILE_NAMES[fmt] + " (not written):") in notes
    for fmt, out in summary["outputs"].items():
        for item in out["cannot_express"]:
            assert item["reason"] in notes, (fmt, item)
