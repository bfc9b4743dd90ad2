# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Regions of the catalogue: every public region accepted, unlisted ones with a warning, display names, Windows
Admin Center's regions, and the HIS shard map with its evidence."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.arcready.network.plugins.module_utils import _catalogue as catalogue
from ansible_collections.arcready.network.plugins.module_utils._catalogue import CatalogueError

# Public regions of Microsoft's region list (2025-09-23) that the seed's catalogue refused.
NEWER = ["australiacentral", "australiacentral2", "austriaeast", "belgiumcentral", "brazilsoutheast", "chilecentral",
         "denmarkeast", "francesouth", "indonesiacentral", "koreasouth", "malaysiawest", "newzealandnorth",
         "norwaywest", "uaecentral", "westindia"]


@pytest.mark.parametrize("region", NEWER)
def test_newer_public_regions_are_listed_and_build_without_warning(region):
    assert region in catalogue.regions("AzureCloud") and region not in catalogue.regions("AzureCloud", "2024-03")
    warnings = []
    rows = catalogue.build("AzureCloud", region, warnings=warnings)
    assert warnings == []
    assert "%s-gas.guestconfiguration.azure.com" % region in [r["host"] for r in rows]


def test_every_seed_region_is_still_listed():
    for cloud in catalogue.CLOUDS:
        assert set(catalogue.regions(cloud, "2024-03")) <= set(catalogue.regions(cloud))
    assert len(catalogue.regions("AzureCloud")) == 42 + len(NEWER)


@pytest.mark.parametrize("edition", catalogue.EDITIONS)
@pytest.mark.parametrize("region, closest", [("westus4", "westus"), ("eastuss", "eastus"), ("Zzyzx Qq", "")])
def test_unlisted_region_is_accepted_with_a_warning(edition, region, closest):
    warnings = []
    rows = catalogue.build("AzureCloud", region, warnings=warnings, edition=edition)
    short = region.replace(" ", "").lower()
    assert len(warnings) == 1 and "is not in the catalogue's list of AzureCloud regions" in warnings[0]
    assert ("closest: " + closest) in warnings[0] if closest else "closest" not in warnings[0]
    gas = [r for r in rows if r["host"] == "%s-gas.guestconfiguration.azure.com" % short]
    assert gas and gas[0]["host_grade"] == "Inference" and "built from the region" in gas[0]["note"]
    his = [r for r in rows if r["pattern"] == "*.his.arc.azure.com"]
    assert [(r["host"], r["probeable"]) for r in his] == [
        ("gbl.his.arc.azure.com", True), ("*.his.arc.azure.com", False)]
    assert catalogue.region_info("AzureCloud", region, edition) == (short, warnings[0])
    assert catalogue.check_region("AzureCloud", region, edition) == short


@pytest.mark.parametrize("region", ["east-us", "eastus.evil.example", "", "e", "east/us", "../x", "1eastus"])
def test_names_that_cannot_be_regions_are_refused(region):
    with pytest.raises(CatalogueError, match="is not an Azure region name"):
        catalogue.build("AzureCloud", region)


@pytest.mark.parametrize("cloud, region, owner", [("AzureUSGovernment", "eastus", "AzureCloud"),
                                                  ("AzureCloud", "US Gov Virginia", "AzureUSGovernment"),
                                                  ("AzureChinaCloud", "westeurope", "AzureCloud")])
def test_region_of_another_cloud_is_refused_naming_the_cloud(cloud, region, owner):
    with pytest.raises(CatalogueError) as caught:
        catalogue.build(cloud, region)
    message = str(caught.value)
    assert message.startswith("unknown region for %s %r; valid choices, closest first: " % (cloud, region))
    assert message.endswith("is a region of %s: set cloud=%s)" % (owner, owner))


def test_display_names_map_both_ways():
    for cloud in catalogue.CLOUDS:
        for arm, display in catalogue.REGION_NAMES[cloud].items():
            assert catalogue.arm_region(cloud, display) == arm
            assert catalogue.display_name(cloud, arm) == display
            assert catalogue.check_region(cloud, display) == arm
    assert catalogue.arm_region("AzureCloud", "Atlantis") is None
    assert catalogue.display_name("AzureCloud", "atlantis") is None
    assert catalogue.display_name("AzureCloud", "newzealandnorth") == "New Zealand North"


def test_wac_regions_are_public_listed_regions():
    assert len(catalogue.WAC_REGIONS["AzureCloud"]) == 27
    assert set(catalogue.WAC_REGIONS["AzureCloud"]) <= set(catalogue.regions("AzureCloud"))
    assert catalogue.WAC_REGIONS["AzureUSGovernment"] == catalogue.WAC_REGIONS["AzureChinaCloud"] == ()


@pytest.mark.parametrize("cloud, region, words", [("AzureCloud", "norwayeast", "in these AzureCloud regions only: "),
                                                  ("AzureUSGovernment", "usgovvirginia", "is not offered in "
                                                                                         "AzureUSGovernment")])
def test_wac_outside_its_regions_warns_and_is_not_required(cloud, region, words):
    warnings = []
    rows = catalogue.build(cloud, region, scenarios=["wac"], warnings=warnings)
    assert len(warnings) == 1 and warnings[0].startswith("scenario wac: Windows Admin Center in Azure ")
    assert words in warnings[0] and "manage-arc-hybrid-machines.md" in warnings[0]
    assert not [r for r in rows if r["when"] == "wac" and r["required"]]


def test_wac_inside_its_regions_is_quiet_and_required():
    warnings = []
    rows = catalogue.build("AzureCloud", "uksouth", scenarios=["wac"], warnings=warnings)
    assert warnings == []
    assert [r["required"] for r in rows if r["when"] == "wac"] == [True]


# ------------------------------------------------------------------ HIS shards

@pytest.mark.parametrize("region, shard, grade", [("canadacentral", "cc", "MS-list"), ("japaneast", "je", "MS-list"),
                                                  ("centralindia", "pn", "MS-list"), ("eastus", "eus", "MS-doc"),
                                                  ("ukwest", "uks", "Observed"), ("italynorth", "itn", "3P")])
def test_his_host_comes_from_the_catalogue_with_its_evidence(region, shard, grade):
    info = catalogue.his_host("AzureCloud", region)
    assert (info["host"], info["shard"], info["source"], info["grade"], info["verified"]) == (
        "%s.his.arc.azure.com" % shard, shard, "catalogue", grade, True)
    assert info["evidence"] and info["global_host"] == "gbl.his.arc.azure.com"
    hosts = [r["host"] for r in catalogue.build("AzureCloud", region) if r["pattern"] == "*.his.arc.azure.com"]
    assert hosts == ["gbl.his.arc.azure.com", "%s.his.arc.azure.com" % shard]


def test_added_shards_cite_the_azure_local_lists():
    for region in ("canadacentral", "japaneast", "centralindia"):
        assert "AzureStack-Tools" in catalogue.his_host("AzureCloud", region)["evidence"]


def test_centralus_is_unverified_and_not_probed_as_its_regional_host():
    info = catalogue.his_host("AzureCloud", "centralus")
    assert (info["host"], info["shard"], info["source"], info["verified"], info["grade"]) == (
        None, "scus", "unknown", False, "none")
    shard, reason = catalogue.his_shard("AzureCloud", "centralus")
    assert shard is None and "unverified" in reason and "azcmagent check --location centralus" in reason
    rows = [r for r in catalogue.build("AzureCloud", "centralus") if r["pattern"] == "*.his.arc.azure.com"]
    assert [r["host"] for r in rows] == ["gbl.his.arc.azure.com", "*.his.arc.azure.com"]


def test_every_shard_entry_has_a_grade_and_evidence():
    entries = [(c, r, e) for c in catalogue.CLOUDS for r, e in catalogue.HIS_SHARDS[c].items()]
    assert len(entries) == 28
    for cloud, region, (shard, grade, evidence, verified) in entries:
        assert shard and evidence and grade in catalogue.GRADES, (cloud, region)
        assert verified is (grade != "none"), (cloud, region)
        assert region in catalogue.regions(cloud)


def test_unknown_region_has_an_unknown_his_host():
    info = catalogue.his_host("AzureCloud", "westus4")
    assert (info["host"], info["source"], info["region"]) == (None, "unknown", "westus4")


@pytest.mark.parametrize("name, cloud, arm", [("East US 2", None, "eastus2"), ("US Gov Texas", None, "usgovtexas"),
                                              ("China North 3", "AzureChinaCloud", "chinanorth3"),
                                              ("East US", "AzureChinaCloud", None), ("Atlantis", None, None)])
def test_arm_region_name_for_the_service_tags_helper(name, cloud, arm):
    assert catalogue.arm_region_name(name, cloud) == arm


@pytest.mark.parametrize("cloud, region, host", [("AzureCloud", "westus3", "gbl.his.arc.azure.com"),
                                                 ("AzureUSGovernment", "usgovtexas", "gbl.his.arc.azure.us")])
def test_his_discovery_is_asked_of_the_global_host(cloud, region, host):
    info = catalogue.his_host(cloud, region)
    assert info["global_host"] == host
    assert info["discovery_path"] == "/discovery?location=%s&api-version=2.1" % region
