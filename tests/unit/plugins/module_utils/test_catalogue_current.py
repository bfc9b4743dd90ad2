# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The 2026-06 edition (the default) against every row and rule of Microsoft's current page (revision
a0e94e03f8e9 of 2026-06-24) and its ESU-only subset, for the three clouds; and the rows the page dropped since the
seed, which stay visible as retired."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import ms_tables
import pytest

from ansible_collections.arcready.network.plugins.module_utils import _catalogue as catalogue
from ansible_collections.arcready.network.plugins.module_utils._catalogue import CatalogueError

EDITION = "2026-06"
ALL = list(catalogue.SCENARIOS)
# "When required" wording of the current page -> the catalogue classes it may be.
WHEN = {
    "Only at installation time.": {"install"},
    "Always.": {"always"},
    "Only when you connect or disconnect a server.": {"connect"},
    "If you use SSH or Windows Admin Center from Azure.": {"ssh_wac"},
    "If you use Windows Admin Center.": {"wac"},
    "Always, except when you use private endpoints.": {"always_unless_private_link"},
    "Optional. Not used in agent versions 1.24+.": {"telemetry"},
    "If you use Azure Arc-enabled SQL Server.": {"sql", "sql_entra"},
    "If you use Extended Security Updates enabled by Azure Arc. Always required for automatic updates or temporarily "
    "if you download certificates manually.": {"esu"},
    "Required when you use hotpatching, Windows Server Azure Benefits, or Windows Server pay-as-you-go billing on "
    "Azure Arc-enabled machines.": {"licensing"},
    # The ESU-only subset's own words.
    "Always for automatic updates or temporarily if you download certificates manually.": {"esu"},
    "SQL Server Extended Security Updates.": {"sql"},
}
PRIVATE_LINK = {
    "Public.": "public",
    "Private.": "private",
    "Not used when a private link is configured.": "not_used",
    "Not required if you use Azure Private Link.": "not_used",
    "Public, unless a resource management private link is also configured.": "public_unless_arm_private_link",
}


@pytest.fixture(scope="module")
def page():
    tables = ms_tables.parse_tables(ms_tables.page_text("current"))
    assert sorted(tables) == sorted(catalogue.CLOUDS), "the current page's three tables were not all found"
    return tables


@pytest.fixture(scope="module")
def esu_page():
    tables = ms_tables.parse_tables(ms_tables.page_text("esu"))
    assert sorted(tables) == sorted(catalogue.CLOUDS)
    return tables


def _names(table):
    return [p for row in table for p in row["patterns"]]


def _region(cloud):
    return {"AzureCloud": "eastus", "AzureUSGovernment": "usgovvirginia", "AzureChinaCloud": "chinanorth3"}[cloud]


def _build(cloud, region=None, **kwargs):
    kwargs.setdefault("scenarios", ALL if cloud == "AzureCloud" else [s for s in ALL if s != "wac"])
    return catalogue.build(cloud, region or _region(cloud), **kwargs)


def _first_rows(rows):
    by_pattern = {}
    for row in rows:
        by_pattern.setdefault(row["pattern"], row)
    return by_pattern


def test_the_page_has_the_rows_counted_by_hand(page, esu_page):
    assert [len(_names(page[c])) for c in catalogue.CLOUDS] == [20, 11, 14]
    assert [len(_names(esu_page[c])) for c in catalogue.CLOUDS] == [9, 7, 0]


def test_default_edition_is_the_current_page():
    assert catalogue.DEFAULT_EDITION == EDITION
    assert "a0e94e03f8e9" in catalogue.EDITION_SOURCES[EDITION]
    assert catalogue.build("AzureCloud", "eastus") == catalogue.build("AzureCloud", "eastus", edition=EDITION)


@pytest.mark.parametrize("cloud", catalogue.CLOUDS)
def test_every_page_name_in_the_page_order(page, cloud):
    assert catalogue.patterns(cloud) == _names(page[cloud])


@pytest.mark.parametrize("cloud", catalogue.CLOUDS)
def test_every_row_has_the_page_words_classes_and_source(page, cloud):
    rows = _first_rows(_build(cloud, key_vault="kv1"))
    for entry in page[cloud]:
        first, others = entry["patterns"][0], entry["patterns"][1:]
        if entry["alternatives"]:
            # "azgn*.servicebus.windows.net or *.servicebus.windows.net": one row, either name will do.
            names = [(first, others)]
        else:
            names = [(p, []) for p in entry["patterns"]]
        for pattern, alternatives in names:
            row = rows[pattern]
            assert row["alternatives"] == alternatives, pattern
            assert row["purpose"] == entry["description"], pattern
            assert row["when_text"] == entry["when"], pattern
            assert row["when"] in WHEN[entry["when"]], pattern
            if entry["private_link"] is None:
                assert row["private_link"] == "undocumented", pattern
            else:
                assert row["private_link"] == PRIVATE_LINK[entry["private_link"]], pattern
            assert row["edition"] == EDITION and EDITION in row["editions"], pattern
            assert "a0e94e03f8e9" in row["source"] and row["grade"] == "MS-doc" and row["retired"] == "", pattern


@pytest.mark.parametrize("cloud", catalogue.CLOUDS)
def test_every_region_yields_every_row_concrete_or_explained(page, cloud):
    wanted = set(p for entry in page[cloud] for p in entry["patterns"][:1 if entry["alternatives"] else None])
    retired = set(catalogue.seed_patterns(cloud)) - set(_names(page[cloud]))
    for region in catalogue.regions(cloud):
        rows = _build(cloud, region, key_vault="kv1")
        assert set(r["pattern"] for r in rows) == wanted | retired, region
        for row in rows:
            if row["probeable"]:
                assert not re.search(r"[*<>/]", row["host"]), row
                assert row["url"].startswith(row["scheme"] + "://" + row["host"]) and not row["reason"]
            else:
                assert row["reason"] and row["host"] == row["pattern"], row


@pytest.mark.parametrize("cloud, gone", [
    ("AzureCloud", ["aka.ms", "login.windows.net", "*.blob.core.windows.net"]),
    ("AzureUSGovernment", ["aka.ms"]),
    ("AzureChinaCloud", ["aka.ms"]),
])
def test_rows_the_page_dropped_stay_visible_as_retired(cloud, gone):
    for stage in catalogue.STAGES:
        rows = [r for r in _build(cloud, stage=stage) if r["retired"]]
        assert sorted(set(r["pattern"] for r in rows)) == sorted(gone)
        for row in rows:
            assert row["required"] is False
            assert row["retired"].startswith("removed from Microsoft's page on 20"), row["retired"]
            assert row["editions"] == ["2024-03"] and "9f3f69f6c7e3" in row["source"]
            assert row["purpose"].endswith("(no longer required: %s)" % row["retired"])
    assert set(gone) <= set(catalogue.seed_patterns(cloud))


def test_retired_reasons_name_the_change():
    rows = dict((r["pattern"], r["retired"]) for r in _build("AzureCloud") if r["retired"])
    assert "2025-01-13" in rows["aka.ms"] and "5c2ac4f31" in rows["aka.ms"]
    assert "2024-10-31" in rows["login.windows.net"] and "1.34" in rows["login.windows.net"]
    assert "2026-02-13" in rows["*.blob.core.windows.net"] and "CDN" in rows["*.blob.core.windows.net"]


@pytest.mark.parametrize("cloud", catalogue.CLOUDS)
def test_footnote_download_hosts_with_automatic_upgrade(page, cloud):
    text = ms_tables.page_text("current")
    assert text.count("also needed when updates are") == 3  # one footnote per cloud's table
    downloads = [e["patterns"][0] for e in page[cloud] if e["when"] == "Only at installation time."]
    assert downloads == ["download.microsoft.com", "packages.microsoft.com"]
    for stage in ("connect", "run"):
        plain = dict((r["host"], r["required"]) for r in _build(cloud, stage=stage))
        upgrading = dict((r["host"], (r["required"], r["auto_upgrade"]))
                         for r in _build(cloud, stage=stage, auto_upgrade=True))
        for host in downloads:
            assert plain[host] is False and upgrading[host] == (True, True), (stage, host)


def test_new_hosts_of_the_public_cloud():
    rows = _build("AzureCloud", "westeurope", key_vault="https://Contoso-KV.vault.azure.net/")
    hosts = dict((r["host"], r) for r in rows if r["probeable"])
    assert hosts["westeurope.login.microsoft.com"]["pattern"] == "*.login.microsoft.com"
    assert hosts["westeurope.login.microsoft.com"]["host_grade"] == "MS-list"
    assert hosts["dls.microsoft.com"]["scenario"] == "licensing" and hosts["dls.microsoft.com"]["required"]
    assert hosts["graph.microsoft.com"]["scenario"] == "sql_entra"
    assert hosts["contoso-kv.vault.azure.net"]["pattern"] == "<azure-keyvault-name>.vault.azure.net"
    no_vault = [r for r in _build("AzureCloud") if r["pattern"].endswith(".vault.azure.net")]
    assert [(r["probeable"], "key_vault" in r["reason"]) for r in no_vault] == [(False, True)]
    plain = [r["pattern"] for r in catalogue.build("AzureCloud", "eastus")]
    assert "dls.microsoft.com" not in plain and "graph.microsoft.com" not in plain


@pytest.mark.parametrize("name", ["a", "1vault", "x" * 25, "bad--name", "kv.example.com", "kv_1"])
def test_bad_key_vault_names_are_refused(name):
    with pytest.raises(CatalogueError, match="key_vault .* is not a Key Vault name"):
        catalogue.build("AzureCloud", "eastus", scenarios=["sql_entra"], key_vault=name)


def test_government_sql_host_has_no_documented_concrete_name():
    rows = [r for r in _build("AzureUSGovernment") if r["pattern"] == "*.<region>.arcdataservices.azure.us"]
    assert [(r["probeable"], r["bypass"], r["tls13_allowed"]) for r in rows] == [(False, ["ArcData"], True)]


def test_proxy_bypass_values_of_the_current_agent():
    rows = dict((r["host"], r["bypass"]) for r in _build("AzureCloud"))
    assert rows["management.azure.com"] == ["ARM", "AMA"]
    assert rows["dataprocessingservice.eastus.arcdataservices.com"] == ["ArcData"]
    assert rows["telemetry.eastus.arcdataservices.com"] == ["ArcData"]
    assert rows["login.microsoftonline.com"] == rows["pas.windows.net"] == ["AAD"]
    assert rows["eastus.login.microsoft.com"] == []  # not among the AAD value's endpoints
    assert "AMA" in catalogue.BYPASS_SERVICES and catalogue.check_bypass(["AMA", "ArcData"]) == ["AMA", "ArcData"]
    for cloud in catalogue.CLOUDS:
        assert set(b for r in _build(cloud) for b in r["bypass"]) <= set(catalogue.BYPASS_SERVICES)


# ------------------------------------------------------------------ service tags and TLS

def test_service_tags_of_the_page():
    section = ms_tables.section(ms_tables.page_text("current"), "Service tags")
    tags = [re.match(r"\* `([\w.]+)`", line).group(1) for line in section.splitlines() if line.startswith("* ")]
    assert tags == catalogue.service_tags("AzureCloud", ["wac"])
    assert catalogue.service_tags("AzureCloud") == tags[:-1] and tags[-2] == "AzureFrontDoor.Frontend"
    rules = dict((r["tag"], r) for r in catalogue.service_tag_rules("AzureCloud"))
    assert rules["AzureArcInfrastructure"]["full_range"] is True
    assert "AzureArcInfrastructure.AustraliaEast" in section and "full service tag range" in section


@pytest.mark.parametrize("cloud", ["AzureUSGovernment", "AzureChinaCloud"])
def test_government_and_china_rules_take_the_public_arc_ranges(cloud):
    section = ms_tables.section(ms_tables.page_text("current"), "Service tags")
    assert "for the Azure public cloud, in addition to using the `AzureArcInfrastructure` service tag" in section
    rules = catalogue.service_tag_rules(cloud)
    arc = [(r["file_cloud"], r["full_range"]) for r in rules if r["tag"] == "AzureArcInfrastructure"]
    assert arc == [(cloud, True), ("AzureCloud", True)]
    assert "AzureFrontDoor.Frontend" not in catalogue.service_tags(cloud)
    assert catalogue.service_tags(cloud) == [r["tag"] for r in rules if r["file_cloud"] == cloud]


def test_cipher_suites_of_the_page():
    section = ms_tables.section(ms_tables.page_text("current"), "Cryptographic protocols")
    listed = re.findall(r"\* (TLS_\w+) \((0x[0-9a-f]+)\)", section)
    assert [(s["name"], s["id"]) for s in catalogue.cipher_suites()] == [(n, int(i, 16)) for n, i in listed]
    assert [s["tls"] for s in catalogue.cipher_suites()] == ["1.3", "1.3", "1.2", "1.2"]
    assert [s["openssl"] for s in catalogue.cipher_suites(tls="1.2")] == ["ECDHE-RSA-AES256-GCM-SHA384",
                                                                          "ECDHE-RSA-AES128-GCM-SHA256"]
    assert "version 1.56" in section and catalogue.tls_guidance()["cipher_suites_agent"] == "1.56"
    assert catalogue.cipher_suites("2024-03") == []
    assert catalogue.tls_guidance()["versions"] == ("TLSv1.2", "TLSv1.3")


# ------------------------------------------------------------------ the ESU-only subset

@pytest.mark.parametrize("cloud", ["AzureCloud", "AzureUSGovernment"])
def test_esu_only_subset_is_the_esu_page(esu_page, cloud):
    assert catalogue.patterns(cloud, esu_only=True) == _names(esu_page[cloud])
    rows = _first_rows(catalogue.build(cloud, _region(cloud), esu_only=True, scenarios=["sql"]))
    assert sorted(rows) == sorted(_names(esu_page[cloud]))
    for entry in esu_page[cloud]:
        row = rows[entry["patterns"][0]]
        assert row["purpose"] == entry["description"] and row["when_text"] == entry["when"]
        assert row["when"] in WHEN[entry["when"]]
        assert row["private_link"] == PRIVATE_LINK[entry["private_link"]]
        assert "esu-network-requirements" in row["source"] and not row["retired"]


def test_esu_only_needs_no_scenario_for_the_certificate_host():
    rows = catalogue.build("AzureCloud", "eastus", esu_only=True, stage="run")
    required = dict(((r["host"], r["port"]), r["required"]) for r in rows if r["probeable"])
    assert required[("www.microsoft.com", 80)] and required[("www.microsoft.com", 443)]
    assert required[("login.windows.net", 443)] is True  # still in the subset
    assert required[("download.microsoft.com", 443)] is False
    assert "packages.microsoft.com" not in [h for h, _p in required]
    assert not [r for r in rows if r["pattern"].endswith("arcdataservices.com")]


@pytest.mark.parametrize("kwargs, message", [
    ({"cloud": "AzureChinaCloud", "region": "chinanorth3"}, "not available in Azure operated by 21Vianet"),
    ({"edition": "2024-03"}, "edition 2024-03 has no ESU-only subset"),
    ({"scenarios": ["ssh"]}, "esu and sql scenarios only, not ssh"),
])
def test_esu_only_refusals(kwargs, message):
    args = dict({"cloud": "AzureCloud", "region": "eastus", "esu_only": True}, **kwargs)
    with pytest.raises(CatalogueError, match=message):
        catalogue.build(args.pop("cloud"), args.pop("region"), **args)


@pytest.mark.parametrize("scenario", ["licensing", "sql_entra"])
def test_scenarios_newer_than_the_seed_are_refused_in_its_edition(scenario):
    with pytest.raises(CatalogueError, match="scenario %s is not in edition 2024-03" % scenario):
        catalogue.build("AzureCloud", "eastus", scenarios=[scenario], edition="2024-03")


def test_unknown_edition():
    with pytest.raises(CatalogueError, match="unknown edition '2025'; valid choices, closest first: "):
        catalogue.build("AzureCloud", "eastus", edition="2025")
