# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The endpoint catalogue against every host name of the seed's three tables (Microsoft's Arc network
requirements page), plus its expansion rules: ports, required per stage, private link, HIS shards, messages."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import ms_tables
import pytest

from ansible_collections.arcready.network.plugins.module_utils import _catalogue as catalogue
from ansible_collections.arcready.network.plugins.module_utils._catalogue import CatalogueError

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
SEED = "2024-03"
ALL_SCENARIOS = list(catalogue.EDITION_SCENARIOS[SEED])
# The "When required" wording of the seed -> the catalogue's "when" class.
SEED_WHEN = {
    "At installation time, only": "install",
    "Always": "always",
    "When connecting or disconnecting a server, only": "connect",
    "If using SSH or Windows Admin Center from Azure": "ssh_wac",
    "If using Windows Admin Center": "wac",
    "Always, except when using private endpoints": "always_unless_private_link",
    "Optional, not used in agent versions 1.24+": "telemetry",
}
SEED_PRIVATE_LINK = {
    "Public": "public",
    "Private": "private",
    "Not used when private link is configured": "not_used",
}


def build(cloud, region, **kwargs):
    """The seed's edition: every test of this file holds the 2024-03 edition to the seed, as before editions."""
    return catalogue.build(cloud, region, edition=SEED, **kwargs)


@pytest.fixture(scope="module")
def seed():
    tables = dict((cloud, [(r["patterns"], r["when"], r["private_link"]) for r in rows])
                  for cloud, rows in ms_tables.parse_tables(ms_tables.page_text("seed")).items())
    assert sorted(tables) == sorted(catalogue.CLOUDS), "the seed's three tables were not all found"
    return tables


def _first_region(cloud):
    return catalogue.regions(cloud, SEED)[0]


# ------------------------------------------------------------------ the seed's tables

def test_seed_parser_reads_the_cells_that_hold_two_names(seed):
    rows = dict((tuple(p), w) for p, w, _pl in seed["AzureCloud"])
    assert ("guestnotificationservice.azure.com", "*.guestnotificationservice.azure.com") in rows
    assert ("*.<region>.arcdataservices.com",) in rows
    assert ("www.microsoft.com/pkiops/certs",) in rows
    assert sum(len(p) for p, _w, _pl in seed["AzureCloud"]) == 18
    assert sum(len(p) for p, _w, _pl in seed["AzureUSGovernment"]) == 11
    assert sum(len(p) for p, _w, _pl in seed["AzureChinaCloud"]) == 15


@pytest.mark.parametrize("cloud", catalogue.CLOUDS)
def test_every_seed_host_is_in_the_catalogue_in_the_seed_order(seed, cloud):
    from_seed = [p for patterns, _w, _pl in seed[cloud] for p in patterns]
    assert catalogue.seed_patterns(cloud) == from_seed


@pytest.mark.parametrize("cloud", catalogue.CLOUDS)
def test_when_required_and_private_link_columns_match_the_seed(seed, cloud):
    rows = build(cloud, _first_region(cloud), scenarios=ALL_SCENARIOS)
    by_pattern = {}
    for row in rows:
        by_pattern.setdefault(row["pattern"], row)
    for patterns, when_text, private_text in seed[cloud]:
        for pattern in patterns:
            row = by_pattern[pattern]
            if pattern == "*.<region>.arcdataservices.com":
                assert row["when"] == "sql" and when_text == "Always"
            elif pattern.startswith("www.microsoft.com"):
                assert row["when"] == "esu" and when_text.startswith("If using ESUs enabled by Azure Arc")
            else:
                assert row["when"] == SEED_WHEN[when_text], pattern
                assert row["when_text"] == when_text, pattern
            if private_text is None:
                assert row["private_link"] == "undocumented", pattern
            elif private_text.startswith("Public, unless a resource management private link"):
                assert row["private_link"] == "public_unless_arm_private_link", pattern
            else:
                assert row["private_link"] == SEED_PRIVATE_LINK[private_text], pattern


@pytest.mark.parametrize("cloud", catalogue.CLOUDS)
def test_every_pattern_of_every_region_becomes_a_concrete_or_explained_row(seed, cloud):
    patterns = [p for ps, _w, _pl in seed[cloud] for p in ps]
    for region in catalogue.regions(cloud, SEED):
        rows = build(cloud, region, scenarios=ALL_SCENARIOS)
        assert set(r["pattern"] for r in rows) == set(patterns), region
        for row in rows:
            if row["probeable"]:
                assert "*" not in row["host"] and "<" not in row["host"] and "/" not in row["host"], row
                assert row["reason"] == ""
                assert row["url"].startswith(row["scheme"] + "://" + row["host"])
            else:
                assert row["reason"], row
                assert row["host"] == row["pattern"]
        for pattern in patterns:
            mine = [r for r in rows if r["pattern"] == pattern]
            if "*" not in pattern and "<" not in pattern:
                assert all(r["probeable"] for r in mine), pattern
                assert set(r["host"] for r in mine) == {pattern.split("/")[0]}


def test_service_tags_match_the_seed():
    section = ms_tables.section(ms_tables.page_text("seed"), "Service tags")
    tags = [re.match(r"\* (\w+)", line).group(1) for line in section.splitlines() if line.startswith("* ")]
    assert tags[:-1] == catalogue.service_tags("AzureCloud", edition=SEED)
    assert catalogue.service_tags("AzureCloud", ["wac"], edition=SEED) == tags
    for cloud in catalogue.CLOUDS:
        assert catalogue.service_tags(cloud, ["ssh"], edition=SEED) == tags[:-1]
        rules = catalogue.service_tag_rules(cloud, edition=SEED)
        assert set(r["file_cloud"] for r in rules) == {cloud} and not any(r["full_range"] for r in rules)


# ------------------------------------------------------------------ expansion

CONTRACT_EASTUS = [
    "aka.ms", "download.microsoft.com", "packages.microsoft.com", "login.windows.net", "login.microsoftonline.com",
    "pas.windows.net", "management.azure.com", "gbl.his.arc.azure.com", "eus.his.arc.azure.com",
    "agentserviceapi.guestconfiguration.azure.com", "eastus-gas.guestconfiguration.azure.com",
    "guestnotificationservice.azure.com",
]


def test_eastus_concrete_hosts_are_the_documented_ones():
    rows = build("AzureCloud", "eastus")
    assert [r["host"] for r in rows if r["probeable"]] == CONTRACT_EASTUS
    assert [r["host"] for r in rows if not r["probeable"]] == [
        "*.guestnotificationservice.azure.com", "azgn*.servicebus.windows.net", "*.blob.core.windows.net"]
    assert all(r["port"] == 443 and r["scheme"] == "https" and r["path"] == "/" for r in rows)
    assert all(r["cloud"] == "AzureCloud" and r["region"] == "eastus" for r in rows)


def test_scenario_hosts():
    rows = build("AzureCloud", "eastus", scenarios=["sql", "telemetry"])
    hosts = [r["host"] for r in rows if r["probeable"]]
    assert hosts[-3:] == ["dc.services.visualstudio.com", "dataprocessingservice.eastus.arcdataservices.com",
                          "telemetry.eastus.arcdataservices.com"]
    sql = [r for r in rows if r["scenario"] == "sql"]
    assert all(r["tls13_allowed"] and r["required"] for r in sql)
    assert [r["scenario"] for r in rows if r["host"] == "dc.services.visualstudio.com"] == ["telemetry"]


def test_contract_keys_on_every_row():
    keys = {"host", "port", "scheme", "path", "url", "purpose", "when", "scenario", "required", "private_link",
            "private_capable", "probeable", "reason", "pattern", "bypass", "service_tags", "cloud", "region"}
    for cloud in catalogue.CLOUDS:
        for row in build(cloud, _first_region(cloud), scenarios=ALL_SCENARIOS):
            assert keys <= set(row), row["host"]
            assert isinstance(row["port"], int) and isinstance(row["bypass"], list)


@pytest.mark.parametrize("cloud", ["AzureCloud", "AzureUSGovernment"])
def test_esu_host_uses_port_80_http_and_443_https(cloud):
    rows = [r for r in build(cloud, _first_region(cloud), scenarios=["esu"])
            if r["pattern"] == "www.microsoft.com/pkiops/certs"]
    assert [(r["host"], r["port"], r["scheme"], r["path"], r["url"]) for r in rows] == [
        ("www.microsoft.com", 80, "http", "/pkiops/certs", "http://www.microsoft.com/pkiops/certs"),
        ("www.microsoft.com", 443, "https", "/pkiops/certs", "https://www.microsoft.com/pkiops/certs"),
    ]
    assert all(r["required"] and r["scenario"] == "esu" for r in rows)


def test_china_has_no_esu_or_sql_rows():
    rows = build("AzureChinaCloud", "chinanorth3", scenarios=ALL_SCENARIOS)
    assert not [r for r in rows if r["when"] in ("esu", "sql", "wac")]


def test_scenario_rows_only_when_asked():
    plain = build("AzureCloud", "westeurope")
    assert not [r for r in plain if r["scenario"]]
    ssh = build("AzureCloud", "westeurope", scenarios=["ssh"])
    assert [(r["pattern"], r["scenario"]) for r in ssh if r["scenario"]] == [("*.servicebus.windows.net", "ssh")]
    both = build("AzureCloud", "westeurope", scenarios=["wac", "ssh"])
    assert [(r["pattern"], r["scenario"]) for r in both if r["scenario"]] == [
        ("*.servicebus.windows.net", "ssh,wac"), ("*.waconazure.com", "wac")]
    assert "WindowsAdminCenter" in both[0]["service_tags"]
    assert "WindowsAdminCenter" not in plain[0]["service_tags"]


def _required(rows):
    return dict(((r["host"], r["port"]), r["required"]) for r in rows)


@pytest.mark.parametrize("stage, install, arm", [("install", True, True), ("connect", False, True),
                                                 ("run", False, False)])
def test_required_per_stage(stage, install, arm):
    rows = build("AzureCloud", "eastus", scenarios=ALL_SCENARIOS, stage=stage)
    required = _required(rows)
    for host in ("aka.ms", "download.microsoft.com", "packages.microsoft.com"):
        assert required[(host, 443)] is install, host
    assert required[("management.azure.com", 443)] is arm
    for host in ("login.windows.net", "login.microsoftonline.com", "pas.windows.net", "gbl.his.arc.azure.com",
                 "eus.his.arc.azure.com", "agentserviceapi.guestconfiguration.azure.com",
                 "eastus-gas.guestconfiguration.azure.com", "guestnotificationservice.azure.com",
                 "*.blob.core.windows.net", "azgn*.servicebus.windows.net"):
        assert required[(host, 443)] is True, host
    # Chosen scenarios are needed at every stage; the legacy telemetry host never is.
    assert required[("www.microsoft.com", 80)] and required[("www.microsoft.com", 443)]
    assert required[("dataprocessingservice.eastus.arcdataservices.com", 443)]
    assert required[("dc.services.visualstudio.com", 443)] is False
    # Rows not required at this stage are still returned.
    assert len(rows) == len(build("AzureCloud", "eastus", scenarios=ALL_SCENARIOS))


def test_private_link_flags():
    public = _required(build("AzureCloud", "eastus"))
    private = build("AzureCloud", "eastus", private_link=True)
    assert public[("*.blob.core.windows.net", 443)] is True
    assert _required(private)[("*.blob.core.windows.net", 443)] is False
    capable = sorted(r["host"] for r in private if r["private_capable"])
    assert capable == ["agentserviceapi.guestconfiguration.azure.com", "eastus-gas.guestconfiguration.azure.com",
                       "eus.his.arc.azure.com", "gbl.his.arc.azure.com"]
    kinds = dict((r["host"], r["private_link"]) for r in private)
    assert kinds["management.azure.com"] == "public_unless_arm_private_link"
    assert kinds["*.blob.core.windows.net"] == "not_used"
    assert kinds["gbl.his.arc.azure.com"] == "private"
    assert kinds["login.microsoftonline.com"] == "public"
    china = build("AzureChinaCloud", "chinanorth3")
    assert set(r["private_link"] for r in china) == {"undocumented"}


def test_bypass_names():
    rows = build("AzureCloud", "eastus", scenarios=["sql"])
    bypass = dict((r["host"], r["bypass"]) for r in rows)
    assert bypass["login.windows.net"] == ["AAD"]
    assert bypass["pas.windows.net"] == ["AAD"]
    assert bypass["management.azure.com"] == ["ARM"]
    assert bypass["gbl.his.arc.azure.com"] == ["Arc"]
    assert bypass["eastus-gas.guestconfiguration.azure.com"] == ["Arc"]
    assert bypass["guestnotificationservice.azure.com"] == []
    assert bypass["aka.ms"] == []
    assert "ArcData" in bypass["telemetry.eastus.arcdataservices.com"]


# ------------------------------------------------------------------ HIS shard

def test_his_shard_is_a_code_not_the_region_name():
    shard, provenance = catalogue.his_shard("AzureCloud", "ukwest")
    assert shard == "uks"
    assert "observed" in provenance
    hosts = [r["host"] for r in build("AzureCloud", "ukwest") if r["pattern"] == "*.his.arc.azure.com"]
    assert hosts == ["gbl.his.arc.azure.com", "uks.his.arc.azure.com"]
    assert catalogue.his_shard("AzureCloud", "West Europe")[0] == "weu"
    assert catalogue.his_shard("AzureUSGovernment", "usgovvirginia")[0] == "usgv"


@pytest.mark.parametrize("cloud, region, suffix", [("AzureCloud", "norwayeast", "his.arc.azure.com"),
                                                   ("AzureUSGovernment", "usgovarizona", "his.arc.azure.us"),
                                                   ("AzureChinaCloud", "chinanorth3", "his.arc.azure.cn")])
def test_unknown_his_shard_gives_the_global_host_and_a_reason_row(cloud, region, suffix):
    shard, reason = catalogue.his_shard(cloud, region)
    assert shard is None
    assert "azcmagent check --location %s" % region in reason
    rows = [r for r in build(cloud, region) if r["pattern"] == "*." + suffix]
    assert [(r["host"], r["probeable"]) for r in rows] == [("gbl." + suffix, True), ("*." + suffix, False)]
    assert rows[1]["reason"] == reason
    assert rows[1]["required"] and rows[1]["private_capable"]


def test_wildcard_hosts_fill_a_wildcard_row():
    accounts = ["acct1.blob.core.windows.net", "acct2.blob.core.windows.net"]
    rows = build("AzureCloud", "eastus", wildcard_hosts={"*.blob.core.windows.net": accounts})
    blob = [r for r in rows if r["pattern"] == "*.blob.core.windows.net"]
    assert [(r["host"], r["probeable"], r["note"]) for r in blob] == [
        ("acct1.blob.core.windows.net", True, "supplied in wildcard_hosts"),
        ("acct2.blob.core.windows.net", True, "supplied in wildcard_hosts")]


def test_following_the_his_reason_keeps_the_global_host():
    """The reason row says: run azcmagent check, 'then pass that host in wildcard_hosts'. Doing so must not
    drop gbl.his.arc.azure.com, which every agent needs."""
    rows = build("AzureCloud", "norwayeast", wildcard_hosts={"*.his.arc.azure.com": ["noe.his.arc.azure.com"]})
    hosts = [r["host"] for r in rows if r["pattern"] == "*.his.arc.azure.com"]
    assert "noe.his.arc.azure.com" in hosts
    assert "gbl.his.arc.azure.com" in hosts


# ------------------------------------------------------------------ input checks and messages

def test_regions_of_the_seed_edition():
    assert "eastus" in catalogue.regions("AzureCloud", SEED)
    assert len(catalogue.regions("AzureCloud", SEED)) == 42
    assert catalogue.regions("AzureCloud", SEED) == sorted(catalogue.regions("AzureCloud", SEED))
    assert catalogue.regions("AzureUSGovernment", SEED) == ["usgovarizona", "usgovtexas", "usgovvirginia"]
    assert catalogue.regions("azurechinacloud", SEED) == ["chinaeast2", "chinanorth", "chinanorth2", "chinanorth3"]


def test_display_names_and_case_are_accepted():
    assert build("azurecloud", "East US 2")[0]["region"] == "eastus2"
    assert build("azurecloud", "East US 2")[0]["cloud"] == "AzureCloud"
    assert build("AzureCloud", "UK West")[0]["region"] == "ukwest"


def _listed(message):
    return [v.strip() for v in message.split("closest first: ", 1)[1].split(",")]


def test_unknown_cloud_lists_the_closest_first():
    with pytest.raises(CatalogueError) as caught:
        build("AzureGovernment", "eastus")
    message = str(caught.value)
    assert message.startswith("unknown cloud 'AzureGovernment'; valid choices, closest first: ")
    assert _listed(message)[0] == "AzureUSGovernment"
    assert sorted(_listed(message)) == sorted(catalogue.CLOUDS)


@pytest.mark.parametrize("kwargs, start", [
    ({"scenarios": ["sqll"]}, "unknown scenario 'sqll'; valid choices, closest first: sql"),
    ({"stage": "installl"}, "unknown stage 'installl'; valid choices, closest first: install"),
])
def test_bad_scenario_and_stage(kwargs, start):  # the same in every edition
    with pytest.raises(CatalogueError) as caught:
        build("AzureCloud", "eastus", **kwargs)
    assert str(caught.value).startswith(start)


def test_bad_bypass_name():
    assert catalogue.check_bypass(["AAD", "Arc"]) == ["AAD", "Arc"]
    with pytest.raises(CatalogueError, match="unknown proxy bypass service 'arc'; valid choices, closest first: Arc"):
        catalogue.check_bypass(["arc"])


def test_the_requirements_are_read_from_the_repository():
    """The tables above are parsed from the repository's copies, never from a file outside the repository."""
    for name in ms_tables.PAGES:
        path = ms_tables.paths(name)[0]
        assert os.path.commonpath([path, REPO]) == REPO and os.path.isfile(path)
    assert "Azure Arc" in ms_tables.page_text("seed")
