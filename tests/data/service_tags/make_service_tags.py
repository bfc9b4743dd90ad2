#!/usr/bin/env python
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Write Azure Service Tags files for tests, the lab and benchmarks (standard library only).

    # the small synthetic file (documentation address ranges only), the checked-in fixtures' source
    python tests/data/service_tags/make_service_tags.py --synthetic -o tests/data/service_tags/
    python tests/data/service_tags/make_service_tags.py --synthetic --cloud AzureGovernment -o tests/data/service_tags/
    # the public file whose regions use the real files' own codes (Storage.GermanyWestCentral, "region": "germanywc")
    python tests/data/service_tags/make_service_tags.py --own-codes -o tests/data/service_tags/own_codes/

    # the lab: make a tag contain the fake endpoints' addresses
    python tests/data/service_tags/make_service_tags.py --synthetic \
        --add AzureArcInfrastructure=198.18.1.10/32 --add Storage=198.18.1.20/32,198.18.1.21/32 -o FILE

    # a file of real size (about 3,000 tags and 50,000 prefixes), deterministic for a given --seed
    python tests/data/service_tags/make_service_tags.py --real-size --seed 1 -o /tmp/st/

-o takes a file name or a directory (the file is then named ServiceTags_<Cloud>_<YYYYMMDD>.json like Microsoft's).
--cloud takes the file's cloud value (Public, AzureGovernment, China) or the collection's cloud names
(AzureCloud, AzureUSGovernment, AzureChinaCloud). --add TAG=PREFIX[,PREFIX...] may be repeated; it extends a tag
of the file, or creates it (a name with a dot, like Storage.EastUS, becomes a regional tag of region eastus).

Addresses: the synthetic files use only the documentation ranges 192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24 and
2001:db8::/32 (RFC 5737, RFC 3849), plus whatever --add gives. The real-size file uses 10.0.0.0/8 and
2001:db8::/32, so nothing in it is a routable address.
"""

from __future__ import annotations

import argparse
import datetime
import ipaddress
import json
import os
import random
import sys

FILE_CLOUD = {"AzureCloud": "Public", "AzureUSGovernment": "AzureGovernment", "AzureChinaCloud": "China"}
CLOUD_ALIASES = {name.lower(): name for name in ("Public", "AzureGovernment", "China")}
CLOUD_ALIASES.update({k.lower(): v for k, v in FILE_CLOUD.items()})

# Fixed dates of the checked-in fixtures, so tests do not depend on the day they run.
FIXTURE_DATE = {"Public": "20260105", "AzureGovernment": "20260105", "China": "20260105"}


def entry(name, prefixes, region="", region_id=0, system_service="", change_number=1, features=("API", "NSG")):
    return {
        "name": name,
        "id": name,
        "properties": {
            "changeNumber": change_number,
            "region": region,
            "regionId": region_id,
            "platform": "Azure",
            "systemService": system_service,
            "addressPrefixes": list(prefixes),
            "networkFeatures": list(features),
        },
    }


# ------------------------------------------------------------------------------------------------ synthetic

def _public_values():
    e = entry
    return [
        e("AzureActiveDirectory", ["192.0.2.0/27", "192.0.2.32/27", "2001:db8:a::/48"], system_service="AzureAD",
          change_number=11),
        e("AzureTrafficManager", ["192.0.2.64/28", "2001:db8:b::/64"], system_service="AzureTrafficManager",
          change_number=3),
        e("AzureResourceManager", ["198.51.100.0/26", "198.51.100.64/26", "2001:db8:c::/48"],
          system_service="AzureResourceManager", change_number=20),
        e("AzureResourceManager.EastUS", ["198.51.100.0/26"], "eastus", 32, "AzureResourceManager", 4),
        e("AzureResourceManager.WestEurope", ["198.51.100.64/26"], "westeurope", 18, "AzureResourceManager", 4),
        e("AzureArcInfrastructure", ["203.0.113.0/28", "203.0.113.16/28", "203.0.113.40/29", "2001:db8:d::/48"],
          system_service="AzureArcInfrastructure", change_number=20, features=("API", "NSG", "UDR", "FW")),
        e("AzureArcInfrastructure.EastUS", ["203.0.113.0/28"], "eastus", 32, "AzureArcInfrastructure", 5),
        e("AzureArcInfrastructure.WestEurope", ["203.0.113.16/28"], "westeurope", 18, "AzureArcInfrastructure", 5),
        e("Storage", ["198.51.100.128/26", "198.51.100.192/27", "203.0.113.44/30", "2001:db8:e::/48",
                      "2001:db8:e:1::/64"], system_service="AzureStorage", change_number=50),
        e("Storage.EastUS", ["198.51.100.128/26"], "eastus", 32, "AzureStorage", 9),
        e("Storage.WestEurope", ["198.51.100.192/27"], "westeurope", 18, "AzureStorage", 9),
        e("WindowsAdminCenter", ["192.0.2.96/28", "2001:db8:f::/48"], system_service="WindowsAdminCenter",
          change_number=2),
        e("AzureMonitor", ["192.0.2.224/28"], system_service="AzureMonitor", change_number=7),
        e("AzureFrontDoor.Frontend", ["192.0.2.240/28"], system_service="AzureFrontDoor", change_number=6),
        e("AzureCloud", ["192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32"], change_number=100,
          features=()),
        e("AzureCloud.eastus", ["198.51.100.0/26", "198.51.100.128/26", "203.0.113.0/28"], "eastus", 32,
          change_number=40, features=()),
        e("AzureCloud.westeurope", ["198.51.100.64/26", "198.51.100.192/27", "203.0.113.16/28"], "westeurope", 18,
          change_number=40, features=()),
    ]


def _government_values():
    e = entry
    return [
        e("AzureActiveDirectory", ["192.0.2.128/27", "2001:db8:1a::/48"], system_service="AzureAD", change_number=4),
        e("AzureTrafficManager", ["192.0.2.160/28"], system_service="AzureTrafficManager", change_number=2),
        e("AzureResourceManager", ["198.51.100.0/27", "2001:db8:1c::/48"], system_service="AzureResourceManager",
          change_number=6),
        e("AzureResourceManager.USGovVirginia", ["198.51.100.0/28"], "usgovvirginia", 63, "AzureResourceManager", 2),
        e("AzureArcInfrastructure", ["203.0.113.64/28", "2001:db8:1d::/48"], system_service="AzureArcInfrastructure",
          change_number=5, features=("API", "NSG", "UDR", "FW")),
        e("AzureArcInfrastructure.USGovVirginia", ["203.0.113.64/29"], "usgovvirginia", 63, "AzureArcInfrastructure",
          2),
        e("Storage", ["198.51.100.32/27", "198.51.100.64/27", "2001:db8:1e::/48"], system_service="AzureStorage",
          change_number=12),
        e("Storage.USGovVirginia", ["198.51.100.32/27"], "usgovvirginia", 63, "AzureStorage", 3),
        e("Storage.USGovArizona", ["198.51.100.64/27"], "usgovarizona", 64, "AzureStorage", 3),
        e("AzureCloud", ["192.0.2.128/25", "198.51.100.0/25", "203.0.113.64/26", "2001:db8:10::/44"],
          change_number=30, features=()),
    ]


def _china_values():
    e = entry
    return [
        e("AzureActiveDirectory", ["192.0.2.192/28"], system_service="AzureAD", change_number=2),
        e("AzureTrafficManager", ["192.0.2.208/28"], system_service="AzureTrafficManager", change_number=1),
        e("AzureResourceManager", ["198.51.100.224/28"], system_service="AzureResourceManager", change_number=2),
        e("AzureArcInfrastructure", ["203.0.113.224/28"], system_service="AzureArcInfrastructure", change_number=1),
        e("Storage", ["198.51.100.240/28", "2001:db8:2e::/48"], system_service="AzureStorage", change_number=3),
        e("Storage.ChinaNorth3", ["198.51.100.240/29"], "chinanorth3", 77, "AzureStorage", 1),
        e("AzureCloud", ["192.0.2.192/27", "198.51.100.224/27", "203.0.113.224/27", "2001:db8:20::/44"],
          change_number=9, features=()),
    ]


SYNTHETIC = {"Public": (400, _public_values), "AzureGovernment": (90, _government_values),
             "China": (25, _china_values)}

# Real files write several regions by codes of their own in properties.region (and in AzureCloud.<code>), while
# the other regional tags carry the ARM name in PascalCase: Storage.GermanyWestCentral has "region": "germanywc".
# (ARM name, tag suffix, the file's own code, regionId). Checked against a public mirror of the weekly file
# (maciejporebski/azure-ips, serviceTags/<tag>/serviceTag.json): AzureArcInfrastructure.GermanyWestCentral and
# AzureCloud.germanywc both have "region": "germanywc", "regionId": 71, and AzureCloud.centralfrance and
# AzureCloud.usstagee exist; some regional entries have "networkFeatures": null. The other regionIds are made up;
# within a file they are shared by every entry of one region, as in the real file.
OWN_CODES = [
    ("germanywestcentral", "GermanyWestCentral", "germanywc", 71),
    ("francecentral", "FranceCentral", "centralfrance", 45),
    ("switzerlandnorth", "SwitzerlandNorth", "switzerlandn", 61),
    ("norwayeast", "NorwayEast", "norwaye", 56),
    ("eastus", "EastUS", "eastus", 32),
]
# A staging region that only has an AzureCloud.<code> tag, as in the real file (AzureCloud.usstagee).
OWN_CODES_AZURECLOUD_ONLY = [("usstagee", 82)]


def _own_codes_values():
    """A public file whose regions use the real files' own codes (documentation ranges only)."""
    e = entry
    values = [
        e("AzureActiveDirectory", ["192.0.2.0/27", "2001:db8:a::/48"], system_service="AzureAD", change_number=11),
        e("AzureTrafficManager", ["192.0.2.64/28"], system_service="AzureTrafficManager", change_number=3),
        e("AzureFrontDoor.Frontend", ["192.0.2.240/28"], system_service="AzureFrontDoor", change_number=6),
    ]
    arc, storage, cloud = [], [], []
    for index, (_arm, suffix, code, region_id) in enumerate(OWN_CODES):
        arc_net = "203.0.113.%d/29" % (8 * index)
        storage_net = "198.51.100.%d/28" % (16 * index)
        values.append(e("AzureArcInfrastructure." + suffix, [arc_net], code, region_id, "AzureArcInfrastructure", 5))
        values[-1]["properties"]["networkFeatures"] = None  # as the real regional Arc entries have it
        values.append(e("Storage." + suffix, [storage_net], code, region_id, "AzureStorage", 9))
        values.append(e("AzureCloud." + code, [arc_net, storage_net], code, region_id, change_number=40,
                        features=()))
        arc.append(arc_net)
        storage.append(storage_net)
        cloud += [arc_net, storage_net]
    for code, region_id in OWN_CODES_AZURECLOUD_ONLY:
        values.append(e("AzureCloud." + code, ["198.51.100.240/28"], code, region_id, change_number=2, features=()))
        cloud.append("198.51.100.240/28")
    # The global entries hold the union of their regions plus global-only ranges, as in the real file.
    values.append(e("AzureArcInfrastructure", arc + ["203.0.113.128/28", "2001:db8:d::/48"],
                    system_service="AzureArcInfrastructure", change_number=20, features=("API", "NSG", "UDR", "FW")))
    values.append(e("Storage", storage + ["2001:db8:e::/48"], system_service="AzureStorage", change_number=50))
    values.append(e("AzureCloud", cloud + ["192.0.2.0/24", "2001:db8::/32"], change_number=100, features=()))
    return values


def own_codes(change_number=None):
    """The public Service Tags document whose regions use the file's own codes."""
    return {"changeNumber": 410 if change_number is None else change_number, "cloud": "Public",
            "values": _own_codes_values()}


def synthetic(cloud="Public", change_number=None):
    """The synthetic Service Tags document for a cloud (the file's cloud value or a collection cloud name)."""
    cloud = file_cloud(cloud)
    default_change, values = SYNTHETIC[cloud]
    return {"changeNumber": default_change if change_number is None else change_number, "cloud": cloud,
            "values": values()}


def add_prefixes(doc, additions):
    """Add prefixes to tags (creating missing ones). ``additions``: {tag: [prefix, ...]}; returns doc."""
    by_name = {v["name"]: v for v in doc["values"]}
    for tag, prefixes in additions.items():
        for prefix in prefixes:
            ipaddress.ip_network(prefix, strict=False)  # fail early on a typo
        if tag not in by_name:
            region = tag.split(".", 1)[1].lower() if "." in tag else ""
            by_name[tag] = entry(tag, [], region=region, system_service=tag.split(".", 1)[0])
            doc["values"].append(by_name[tag])
        props = by_name[tag]["properties"]
        for prefix in prefixes:
            if prefix not in props["addressPrefixes"]:
                props["addressPrefixes"].append(prefix)
        props["changeNumber"] += 1
    if additions:
        doc["changeNumber"] += 1
    return doc


# ------------------------------------------------------------------------------------------------ real size

REGIONS = [
    ("australiacentral", "AustraliaCentral"), ("australiacentral2", "AustraliaCentral2"),
    ("australiaeast", "AustraliaEast"), ("australiasoutheast", "AustraliaSoutheast"), ("brazilsouth", "BrazilSouth"),
    ("brazilsoutheast", "BrazilSoutheast"), ("canadacentral", "CanadaCentral"), ("canadaeast", "CanadaEast"),
    ("centralindia", "CentralIndia"), ("centralus", "CentralUS"), ("centraluseuap", "CentralUSEUAP"),
    ("eastasia", "EastAsia"), ("eastus", "EastUS"), ("eastus2", "EastUS2"), ("eastus2euap", "EastUS2EUAP"),
    ("francecentral", "FranceCentral"), ("francesouth", "FranceSouth"), ("germanynorth", "GermanyNorth"),
    ("germanywestcentral", "GermanyWestCentral"), ("israelcentral", "IsraelCentral"), ("italynorth", "ItalyNorth"),
    ("japaneast", "JapanEast"), ("japanwest", "JapanWest"), ("jioindiacentral", "JioIndiaCentral"),
    ("jioindiawest", "JioIndiaWest"), ("koreacentral", "KoreaCentral"), ("koreasouth", "KoreaSouth"),
    ("mexicocentral", "MexicoCentral"), ("northcentralus", "NorthCentralUS"), ("northeurope", "NorthEurope"),
    ("norwayeast", "NorwayEast"), ("norwaywest", "NorwayWest"), ("polandcentral", "PolandCentral"),
    ("qatarcentral", "QatarCentral"), ("southafricanorth", "SouthAfricaNorth"),
    ("southafricawest", "SouthAfricaWest"), ("southcentralus", "SouthCentralUS"), ("southeastasia", "SoutheastAsia"),
    ("southindia", "SouthIndia"), ("spaincentral", "SpainCentral"), ("swedencentral", "SwedenCentral"),
    ("swedensouth", "SwedenSouth"), ("switzerlandnorth", "SwitzerlandNorth"), ("switzerlandwest", "SwitzerlandWest"),
    ("taiwannorth", "TaiwanNorth"), ("uaecentral", "UAECentral"), ("uaenorth", "UAENorth"), ("uksouth", "UKSouth"),
    ("ukwest", "UKWest"), ("westcentralus", "WestCentralUS"), ("westeurope", "WestEurope"), ("westindia", "WestIndia"),
    ("westus", "WestUS"), ("westus2", "WestUS2"), ("westus3", "WestUS3"), ("newzealandnorth", "NewZealandNorth"),
    ("indonesiacentral", "IndonesiaCentral"), ("malaysiawest", "MalaysiaWest"), ("chilecentral", "ChileCentral"),
    ("austriaeast", "AustriaEast"),
]

REAL_FILE_CODES = dict((arm, code) for arm, _suffix, code, _rid in OWN_CODES)
REAL_FILE_CODES.update({"germanynorth": "germanyn", "norwaywest": "norwayw", "switzerlandwest": "switzerlandw",
                        "francesouth": "southfrance", "brazilsoutheast": "brazilse"})

# Regional services (name, systemService, weight): the weight scales the prefixes per region.
REGIONAL_SERVICES = [
    ("AzureCloud", "", 6.0), ("Storage", "AzureStorage", 4.0), ("AzureResourceManager", "AzureResourceManager", 0.6),
    ("AzureArcInfrastructure", "AzureArcInfrastructure", 0.5), ("WindowsAdminCenter", "WindowsAdminCenter", 0.2),
] + [(name, name, 0.8) for name in (
    "ApiManagement", "AppService", "AppServiceManagement", "AzureBackup", "AzureBotService", "AzureConnectors",
    "AzureContainerRegistry", "AzureCosmosDB", "AzureDataExplorerManagement", "AzureDataLake", "AzureEventGrid",
    "AzureKeyVault", "AzureMachineLearning", "AzureMonitor", "AzureSiteRecovery", "AzureSpringCloud",
    "BatchNodeManagement", "CognitiveServicesManagement", "DataFactory", "EventHub", "HDInsight", "LogicApps",
    "MicrosoftContainerRegistry", "PowerBI", "PowerQueryOnline", "ServiceBus", "ServiceFabric", "Sql",
    "SqlManagement", "StorageSyncService", "AzureDatabricks", "AzureDevSpaces", "AzureIoTHub", "AzureSignalR",
    "AzureWebPubSub", "GatewayManager", "GuestAndHybridManagement", "AzureAttestation", "AzureOpenDatasets",
    "AzureDigitalTwins", "AzureUpdateDelivery", "AzureLoadTestingInstanceManagement",
)]
GLOBAL_SERVICES = [("AzureActiveDirectory", "AzureAD", 300), ("AzureTrafficManager", "AzureTrafficManager", 30),
                   ("AzureFrontDoor.Frontend", "AzureFrontDoor", 120), ("AzureFrontDoor.Backend", "AzureFrontDoor", 80),
                   ("AzurePortal", "AzurePortal", 60), ("AzureSecurityCenter", "AzureSecurityCenter", 20),
                   ("ActionGroup", "ActionGroup", 40), ("AzureDevOps", "AzureDevOps", 30)]


class _Allocator(object):
    """Hands out aligned, non-overlapping prefixes from 10.0.0.0/8 and 2001:db8::/32, sometimes adjacent."""

    def __init__(self, rng):
        self.rng = rng
        self.v4 = int(ipaddress.ip_address("10.0.0.0"))
        self.v4_end = int(ipaddress.ip_address("10.255.255.255"))
        self.v6 = int(ipaddress.ip_address("2001:db8::"))
        self.v6_end = int(ipaddress.ip_address("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"))

    def take(self):
        rng = self.rng
        if rng.random() < 0.85:
            length = rng.choice((24, 25, 26, 26, 27, 27, 28, 28, 29, 30, 31, 32, 32))
            size = 1 << (32 - length)
            start = (self.v4 + size - 1) // size * size
            if start + size - 1 > self.v4_end:
                raise SystemExit("real-size generator ran out of 10.0.0.0/8; ask for fewer prefixes")
            self.v4 = start + size + (0 if rng.random() < 0.3 else rng.randrange(1, 4) * size)
            return "%s/%d" % (ipaddress.IPv4Address(start), length)
        length = rng.choice((44, 48, 48, 56, 60, 64, 64, 64, 125, 128))
        size = 1 << (128 - length)
        start = (self.v6 + size - 1) // size * size
        if start + size - 1 > self.v6_end:
            raise SystemExit("real-size generator ran out of 2001:db8::/32; ask for fewer prefixes")
        self.v6 = start + size + (0 if rng.random() < 0.3 else rng.randrange(1, 4) * size)
        return "%s/%d" % (ipaddress.IPv6Address(start), length)


def real_size(seed=1, tags=3000, prefixes=50000, cloud="Public", change_number=None):
    """A deterministic Service Tags document of about ``tags`` entries and ``prefixes`` address prefixes.

    Like the real file, each regional service has a global entry holding the union of its regional entries
    (so the prefixes of a regional entry appear twice in the file), and a few services are global only.
    """
    rng = random.Random(seed)
    cloud = file_cloud(cloud)
    regions_needed = max(1, (tags - len(GLOBAL_SERVICES)) // len(REGIONAL_SERVICES) - 1)
    regions = REGIONS[:min(len(REGIONS), regions_needed)]
    services = list(REGIONAL_SERVICES)
    # More services when more entries are asked for than the service list covers.
    extra_index = 0
    while len(GLOBAL_SERVICES) + len(services) * (len(regions) + 1) < tags:
        extra_index += 1
        services.append(("SyntheticService%03d" % extra_index, "SyntheticService%03d" % extra_index, 0.8))
    global_budget = sum(n for _name, _svc, n in GLOBAL_SERVICES)
    weight_total = sum(w for _n, _s, w in services) * len(regions)
    # Each regional prefix is counted twice (regional entry and global union).
    per_weight = max(0.0, (prefixes - global_budget) / 2.0 / weight_total)
    alloc = _Allocator(rng)
    values = []
    for name, system_service, weight in services:
        union = []
        regional = []
        for region_id, (short, pascal) in enumerate(regions, start=1):
            count = max(1, int(round(weight * per_weight * rng.uniform(0.5, 1.5))))
            plist = [alloc.take() for dummy in range(count)]
            union.extend(plist)
            # AzureCloud's regional tags are lower case (AzureCloud.eastus), the others PascalCase (Storage.EastUS);
            # some regions carry the file's own code instead of the ARM name (germanywc), as in the real file.
            code = REAL_FILE_CODES.get(short, short)
            regional_name = name + "." + (code if name == "AzureCloud" else pascal)
            regional.append(entry(regional_name, plist, code, region_id, system_service,
                                  rng.randrange(1, 60), ("API", "NSG") if name != "AzureCloud" else ()))
        values.append(entry(name, union, "", 0, system_service, rng.randrange(10, 200),
                            ("API", "NSG", "UDR", "FW") if name != "AzureCloud" else ()))
        values.extend(regional)
    for name, system_service, count in GLOBAL_SERVICES:
        values.append(entry(name, [alloc.take() for dummy in range(count)], "", 0, system_service, rng.randrange(1, 60)))
    return {"changeNumber": change_number if change_number is not None else 300 + seed, "cloud": cloud,
            "values": values}


# ------------------------------------------------------------------------------------------------ output

def file_cloud(cloud):
    try:
        return CLOUD_ALIASES[str(cloud).lower()]
    except KeyError:
        raise SystemExit("unknown cloud %r; use Public, AzureGovernment or China (or AzureCloud, AzureUSGovernment, "
                         "AzureChinaCloud)" % (cloud,))


def file_name(cloud, date):
    return "ServiceTags_%s_%s.json" % (file_cloud(cloud), date)


def write(doc, output, date=None):
    """Write ``doc`` to a file, or into a directory under Microsoft's file name; returns the path."""
    date = date or FIXTURE_DATE.get(doc["cloud"]) or datetime.date.today().strftime("%Y%m%d")
    if output in (None, "-"):
        json.dump(doc, sys.stdout, indent=2)
        sys.stdout.write("\n")
        return "-"
    if os.path.isdir(output) or output.endswith(os.sep):
        os.makedirs(output, exist_ok=True)
        output = os.path.join(output, file_name(doc["cloud"], date))
    tmp = output + ".tmp"
    with open(tmp, "w", encoding="utf-8") as stream:
        # Microsoft's file is indented; keep the same shape (and about the same size for the benchmark).
        json.dump(doc, stream, indent=2)
        stream.write("\n")
    os.replace(tmp, output)
    return output


def _parse_add(values):
    additions = {}
    for item in values or ():
        tag, sep, prefixes = item.partition("=")
        if not sep or not tag or not prefixes:
            raise SystemExit("--add takes TAG=PREFIX[,PREFIX...], not %r" % (item,))
        for prefix in prefixes.split(","):
            prefix = prefix.strip()
            try:
                ipaddress.ip_network(prefix, strict=False)
            except ValueError as exc:
                raise SystemExit("--add %s: %s" % (item, exc))
            additions.setdefault(tag.strip(), []).append(prefix)
    return additions


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    kind = parser.add_mutually_exclusive_group(required=True)
    kind.add_argument("--synthetic", action="store_true", help="the small file with documentation ranges")
    kind.add_argument("--real-size", action="store_true", help="a file of real size (deterministic)")
    kind.add_argument("--own-codes", action="store_true",
                      help="the small public file whose regions use the real files' own codes (germanywc, ...)")
    parser.add_argument("--cloud", default="Public", help="Public (default), AzureGovernment or China")
    parser.add_argument("--date", help="YYYYMMDD for the file name when -o is a directory (default: the fixture "
                                       "date for --synthetic, today for --real-size)")
    parser.add_argument("--change-number", type=int, help="top-level changeNumber")
    parser.add_argument("--add", action="append", metavar="TAG=PREFIX[,PREFIX...]",
                        help="add prefixes to a tag (repeatable)")
    parser.add_argument("--seed", type=int, default=1, help="random seed for --real-size (default 1)")
    parser.add_argument("--tags", type=int, default=3000, help="entries for --real-size (default 3000)")
    parser.add_argument("--prefixes", type=int, default=50000, help="prefixes for --real-size (default 50000)")
    parser.add_argument("-o", "--output", default="-", help="file or directory (default: standard output)")
    args = parser.parse_args(argv)
    if args.date:
        try:
            datetime.datetime.strptime(args.date, "%Y%m%d")
        except ValueError:
            parser.error("--date takes YYYYMMDD, not %r" % args.date)
    if args.synthetic:
        doc = synthetic(args.cloud, args.change_number)
        date = args.date
    elif args.own_codes:
        doc = own_codes(args.change_number)
        date = args.date
    else:
        doc = real_size(args.seed, args.tags, args.prefixes, args.cloud, args.change_number)
        date = args.date or datetime.date.today().strftime("%Y%m%d")
    add_prefixes(doc, _parse_add(args.add))
    path = write(doc, args.output, date)
    if path != "-":
        count = sum(len(v["properties"]["addressPrefixes"]) for v in doc["values"])
        sys.stderr.write("wrote %s: %d tags, %d prefixes, changeNumber %d\n"
                         % (path, len(doc["values"]), count, doc["changeNumber"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
