# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Regions of the catalogue: ARM names and display names per cloud, the Windows Admin Center regions, and the
regional HIS shard map, each with its evidence. Data only; ``_catalogue`` reads it.

Standard library only, Python 3.8 compatible (it runs on managed hosts with the probe module).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# ARM name -> display name. Public: Microsoft's region list (MicrosoftDocs/reliability-docs
# articles/reliability/regions-list.md, 2025-09-23) plus taiwannorth, which the machine configuration -gas table
# lists but the region list does not. The display name without spaces, lower-cased, is the ARM name for every
# entry; the table still exists so that a display name can be shown and the Service Tags helper can map both.
REGION_NAMES = {
    "AzureCloud": {
        "australiacentral": "Australia Central", "australiacentral2": "Australia Central 2",
        "australiaeast": "Australia East", "australiasoutheast": "Australia Southeast",
        "austriaeast": "Austria East", "belgiumcentral": "Belgium Central", "brazilsouth": "Brazil South",
        "brazilsoutheast": "Brazil Southeast", "canadacentral": "Canada Central", "canadaeast": "Canada East",
        "centralindia": "Central India", "centralus": "Central US", "chilecentral": "Chile Central",
        "denmarkeast": "Denmark East", "eastasia": "East Asia", "eastus": "East US", "eastus2": "East US 2",
        "francecentral": "France Central", "francesouth": "France South", "germanynorth": "Germany North",
        "germanywestcentral": "Germany West Central", "indonesiacentral": "Indonesia Central",
        "israelcentral": "Israel Central", "italynorth": "Italy North", "japaneast": "Japan East",
        "japanwest": "Japan West", "koreacentral": "Korea Central", "koreasouth": "Korea South",
        "malaysiawest": "Malaysia West", "mexicocentral": "Mexico Central", "newzealandnorth": "New Zealand North",
        "northcentralus": "North Central US", "northeurope": "North Europe", "norwayeast": "Norway East",
        "norwaywest": "Norway West", "polandcentral": "Poland Central", "qatarcentral": "Qatar Central",
        "southafricanorth": "South Africa North", "southafricawest": "South Africa West",
        "southcentralus": "South Central US", "southeastasia": "Southeast Asia", "southindia": "South India",
        "spaincentral": "Spain Central", "swedencentral": "Sweden Central", "switzerlandnorth": "Switzerland North",
        "switzerlandwest": "Switzerland West", "taiwannorth": "Taiwan North", "uaecentral": "UAE Central",
        "uaenorth": "UAE North", "uksouth": "UK South", "ukwest": "UK West", "westcentralus": "West Central US",
        "westeurope": "West Europe", "westindia": "West India", "westus": "West US", "westus2": "West US 2",
        "westus3": "West US 3",
    },
    "AzureUSGovernment": {
        "usgovarizona": "US Gov Arizona", "usgovtexas": "US Gov Texas", "usgovvirginia": "US Gov Virginia",
    },
    "AzureChinaCloud": {
        "chinaeast2": "China East 2", "chinanorth": "China North", "chinanorth2": "China North 2",
        "chinanorth3": "China North 3",
    },
}

# The regions of the seed's catalogue (the -gas table of 2024): the 2024-03 edition accepts these only.
SEED_REGIONS = {
    "AzureCloud": (
        "australiaeast", "australiasoutheast", "brazilsouth", "canadacentral", "canadaeast", "centralindia",
        "centralus", "eastasia", "eastus", "eastus2", "francecentral", "germanynorth", "germanywestcentral",
        "israelcentral", "italynorth", "japaneast", "japanwest", "koreacentral", "mexicocentral", "northcentralus",
        "northeurope", "norwayeast", "polandcentral", "qatarcentral", "southafricanorth", "southafricawest",
        "southcentralus", "southeastasia", "southindia", "spaincentral", "swedencentral", "switzerlandnorth",
        "switzerlandwest", "taiwannorth", "uaenorth", "uksouth", "ukwest", "westcentralus", "westeurope", "westus",
        "westus2", "westus3",
    ),
    "AzureUSGovernment": ("usgovarizona", "usgovtexas", "usgovvirginia"),
    "AzureChinaCloud": ("chinaeast2", "chinanorth", "chinanorth2", "chinanorth3"),
}
REGIONS_SOURCE = ("MicrosoftDocs/reliability-docs articles/reliability/regions-list.md (2025-09-23); "
                  "taiwannorth from the machine configuration -gas table (2024)")

# Windows Admin Center in Azure: 27 public regions, none in Azure Government or China.
WAC_REGIONS = {
    "AzureCloud": (
        "australiaeast", "brazilsouth", "canadacentral", "canadaeast", "centralindia", "centralus", "eastasia",
        "eastus", "eastus2", "francecentral", "japaneast", "koreacentral", "northcentralus", "northeurope",
        "southafricanorth", "southcentralus", "southeastasia", "swedencentral", "switzerlandnorth", "uaenorth",
        "uksouth", "ukwest", "westcentralus", "westeurope", "westus", "westus2", "westus3",
    ),
    "AzureUSGovernment": (),
    "AzureChinaCloud": (),
}
WAC_SOURCE = ("MicrosoftDocs/windowsserverdocs manage/windows-admin-center/azure/manage-arc-hybrid-machines.md "
              "(2024-10-30), 'Azure region availability'")

# Evidence grades, strongest first (see docs/catalogue.md).
GRADES = ("MS-doc", "MS-list", "Observed", "3P", "Inference", "none")

_K21 = ("MS-doc", "azure-management-docs articles/azure-arc/kubernetes/quickstart-connect-cluster.md at "
        "cee36da887aa (2021-05-29)")
_AL = ("MS-list", "Azure/AzureStack-Tools HCI/*-hci-endpoints.md (2025-12-11), regional HIS rows")
_K21_AL = ("MS-doc", _K21[1] + "; " + _AL[1])
_OBSERVED = ("Observed", "observed in one public azcmagent check output (2023)")
_THIRD_PARTY = ("3P", "third-party list, verified by DNS according to its author")
_NONE = ("none", "no Microsoft evidence; the shard in the seed's catalogue (scus) is that of southcentralus, and a "
                 "wrong shard passes a probe because it resolves")

# region -> (shard, grade, evidence, verified). Unverified entries are never probed as the regional host.
HIS_SHARDS = {
    "AzureCloud": dict(
        [(r, (s,) + _K21_AL + (True,)) for r, s in (
            ("eastus", "eus"), ("westeurope", "weu"), ("southcentralus", "scus"), ("southeastasia", "sea"),
            ("australiaeast", "ae"))]
        + [(r, (s,) + _K21 + (True,)) for r, s in (
            ("eastus2", "eus2"), ("westus2", "wus2"), ("westcentralus", "wcus"), ("northeurope", "ne"),
            ("uksouth", "uks"), ("francecentral", "fc"))]
        + [(r, (s,) + _AL + (True,)) for r, s in (
            ("canadacentral", "cc"), ("japaneast", "je"), ("centralindia", "pn"))]
        + [("ukwest", ("uks",) + _OBSERVED + (True,)), ("centralus", ("scus",) + _NONE + (False,))]
        + [(r, (s,) + _THIRD_PARTY + (True,)) for r, s in (
            ("germanywestcentral", "gwc"), ("swedencentral", "sec"), ("polandcentral", "plc"), ("italynorth", "itn"),
            ("eastasia", "ea"), ("koreacentral", "kc"), ("brazilsouth", "brs"), ("southafricanorth", "san"),
            ("uaenorth", "uaen"), ("qatarcentral", "qac"), ("israelcentral", "ilc"))]
    ),
    "AzureUSGovernment": {
        "usgovvirginia": ("usgv", "MS-doc", _K21[1] + " (Gov); Arc-enabled Kubernetes Gov doc; " + _AL[1], True),
    },
    "AzureChinaCloud": {},
}
