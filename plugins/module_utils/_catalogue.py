# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Azure Arc endpoint catalogue: the one source of truth for what a server must reach.

Private to the collection (the leading underscore): the lookup, the probe module and the roles read it;
nothing outside the collection should import it. It runs on managed hosts too, so it is standard
library only and Python 3.8 compatible.

Every row of the three tables in Microsoft's "network requirements" page (the project's seed) is in
``_ROWS``; ``build()`` expands their wildcards into concrete hosts where the concrete name is known.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib

CLOUDS = ("AzureCloud", "AzureUSGovernment", "AzureChinaCloud")
SCENARIOS = ("ssh", "wac", "sql", "esu", "telemetry")
STAGES = ("install", "connect", "run")
BYPASS_SERVICES = ("AAD", "ARM", "Arc", "ArcData")

# Which "when required" classes each stage needs. A server being installed needs everything a
# connected server needs, plus the download hosts and ARM (azcmagent connect creates the resource).
_STAGE_NEEDS = {
    "install": ("install", "connect", "always", "always_unless_private_link"),
    "connect": ("connect", "always", "always_unless_private_link"),
    "run": ("always", "always_unless_private_link"),
}

WHEN_TEXT = {
    "install": "At installation time, only",
    "connect": "When connecting or disconnecting a server, only",
    "always": "Always",
    "always_unless_private_link": "Always, except when using private endpoints",
    "ssh_wac": "If using SSH or Windows Admin Center from Azure",
    "wac": "If using Windows Admin Center",
    "sql": "Always (SQL Server enabled by Azure Arc)",
    "esu": "If using ESUs enabled by Azure Arc",
    "telemetry": "Optional, not used in agent versions 1.24+",
}

# Seed row -> the scenario that pulls it in (None: part of every onboarding).
_WHEN_SCENARIO = {
    "ssh_wac": ("ssh", "wac"),
    "wac": ("wac",),
    "sql": ("sql",),
    "esu": ("esu",),
    "telemetry": ("telemetry",),
}

_SUFFIX = {
    "AzureCloud": {
        "login": ("login.windows.net", "login.microsoftonline.com"),
        "pas": "pas.windows.net",
        "arm": "management.azure.com",
        "his": "his.arc.azure.com",
        "gc": "guestconfiguration.azure.com",
        "gns": "guestnotificationservice.azure.com",
        "servicebus": "servicebus.windows.net",
        "blob": "blob.core.windows.net",
        "telemetry": "dc.services.visualstudio.com",
    },
    "AzureUSGovernment": {
        "login": ("login.microsoftonline.us",),
        "pas": "pasff.usgovcloudapi.net",
        "arm": "management.usgovcloudapi.net",
        "his": "his.arc.azure.us",
        "gc": "guestconfiguration.azure.us",
        "gns": None,
        "servicebus": None,
        "blob": "blob.core.usgovcloudapi.net",
        "telemetry": "dc.applicationinsights.us",
    },
    "AzureChinaCloud": {
        "login": ("login.chinacloudapi.cn", "login.partner.chinacloudapi.cn"),
        "pas": "pas.chinacloudapi.cn",
        "arm": "management.chinacloudapi.cn",
        "his": "his.arc.azure.cn",
        "gc": "guestconfiguration.azure.cn",
        "gns": "guestnotificationservice.azure.cn",
        "servicebus": "servicebus.chinacloudapi.cn",
        "blob": "blob.core.chinacloudapi.cn",
        "telemetry": "dc.applicationinsights.azure.cn",
    },
}


def _row(pattern, purpose, when, private_link, bypass=None, ports=(443,), path="/"):
    return {
        "pattern": pattern,
        "purpose": purpose,
        "when": when,
        "private_link": private_link,
        "bypass": bypass,
        "ports": ports,
        "path": path,
    }


def _rows_for(cloud):
    """The seed's table for one cloud, row by row, in the seed's order."""
    s = _SUFFIX[cloud]
    entra = "Microsoft Entra ID"
    notif = "Notification service for extension and connectivity scenarios"
    rows = [
        _row("aka.ms", "Used to resolve the download script during installation", "install", "public"),
        _row("download.microsoft.com", "Used to download the Windows installation package", "install", "public"),
        _row("packages.microsoft.com", "Used to download the Linux installation package", "install", "public"),
    ]
    rows += [_row(h, entra, "always", "public", "AAD") for h in s["login"]]
    rows.append(_row(s["pas"], entra, "always", "public", "AAD"))
    rows.append(_row(s["arm"], "Azure Resource Manager - to create or delete the Arc server resource", "connect",
                     "public_unless_arm_private_link", "ARM"))
    rows.append(_row("*." + s["his"], "Metadata and hybrid identity services", "always", "private", "Arc"))
    rows.append(_row("*." + s["gc"], "Extension management and guest configuration services", "always", "private",
                     "Arc"))
    if s["gns"]:
        rows.append(_row(s["gns"], notif, "always", "public"))
        rows.append(_row("*." + s["gns"], notif, "always", "public"))
    if s["servicebus"]:
        rows.append(_row("azgn*." + s["servicebus"], notif, "always", "public"))
        rows.append(_row("*." + s["servicebus"], "For Windows Admin Center and SSH scenarios", "ssh_wac", "public"))
    if cloud == "AzureCloud":
        rows.append(_row("*.waconazure.com", "For Windows Admin Center connectivity", "wac", "public"))
    rows.append(_row("*." + s["blob"], "Download source for Azure Arc-enabled servers extensions",
                     "always_unless_private_link", "not_used"))
    rows.append(_row(s["telemetry"], "Agent telemetry", "telemetry", "public"))
    if cloud == "AzureCloud":
        rows.append(_row("*.<region>.arcdataservices.com",
                         "For Arc SQL Server. Sends data processing service, service telemetry, and performance "
                         "monitoring to Azure. Allows TLS 1.3.", "sql", "public", "ArcData"))
    if cloud != "AzureChinaCloud":
        rows.append(_row("www.microsoft.com/pkiops/certs",
                         "Intermediate certificate updates for ESUs (HTTP/TCP 80 and HTTPS/TCP 443)", "esu", "public",
                         ports=(80, 443), path="/pkiops/certs"))
    return rows


# Regions with documented guest configuration (-gas) endpoints: the closest published list of the
# regions Arc-enabled servers run in (machine configuration overview, network requirements table).
_REGIONS = {
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

# The regional HIS host is a shard code, not the region name (ukwest -> uks). "observed" entries come
# from hosts that azcmagent check or Microsoft firewall lists printed; "third-party" ones from a public
# script that says it verified them by DNS. Regions absent here have no known shard: the catalogue
# says so instead of guessing.
_OBSERVED = "observed in azcmagent check output or a Microsoft endpoint list"
_THIRD_PARTY = "third-party list, verified by DNS according to its author"
HIS_SHARDS = {
    "AzureCloud": {
        "ukwest": ("uks", _OBSERVED),
        "westeurope": ("weu", _OBSERVED),
        "eastus": ("eus", _OBSERVED),
        "eastus2": ("eus2", _THIRD_PARTY),
        "westus2": ("wus2", _THIRD_PARTY),
        "westcentralus": ("wcus", _THIRD_PARTY),
        "centralus": ("scus", _THIRD_PARTY),
        "southcentralus": ("scus", _THIRD_PARTY),
        "northeurope": ("ne", _THIRD_PARTY),
        "uksouth": ("uks", _THIRD_PARTY),
        "francecentral": ("fc", _THIRD_PARTY),
        "germanywestcentral": ("gwc", _THIRD_PARTY),
        "swedencentral": ("sec", _THIRD_PARTY),
        "polandcentral": ("plc", _THIRD_PARTY),
        "italynorth": ("itn", _THIRD_PARTY),
        "eastasia": ("ea", _THIRD_PARTY),
        "southeastasia": ("sea", _THIRD_PARTY),
        "koreacentral": ("kc", _THIRD_PARTY),
        "australiaeast": ("ae", _THIRD_PARTY),
        "brazilsouth": ("brs", _THIRD_PARTY),
        "southafricanorth": ("san", _THIRD_PARTY),
        "uaenorth": ("uaen", _THIRD_PARTY),
        "qatarcentral": ("qac", _THIRD_PARTY),
        "israelcentral": ("ilc", _THIRD_PARTY),
    },
    "AzureUSGovernment": {
        "usgovvirginia": ("usgv", _OBSERVED),
    },
    "AzureChinaCloud": {},
}

# The seed names these tags for Azure Cloud; the US Government and China files use the same tag names.
_SERVICE_TAGS = ("AzureActiveDirectory", "AzureTrafficManager", "AzureResourceManager", "AzureArcInfrastructure",
                 "Storage")

TLS_GUIDANCE = {
    "min_version": "TLSv1.2",
    "summary": "Configure the machine to use TLS 1.2. Older TLS/SSL versions still work for backwards "
               "compatibility but are not recommended.",
    "linux": "Linux distributions rely on OpenSSL for TLS 1.2; check the OpenSSL changelog to confirm the "
             "installed version supports it.",
    "windows": "Windows Server 2012 R2 and later support TLS 1.2 and enable it by default; confirm the default "
               "settings are still in place.",
    "tls13_allowed": ("*.<region>.arcdataservices.com",),
}

# Without a service-tag file, "AzureCloud" is the fallback the seed recommends for IP-based rules.
SERVICE_TAG_FALLBACK = "AzureCloud"


class CatalogueError(ValueError):
    """Bad input to the catalogue; the message names the input and the valid choices."""


def _choices_message(kind, value, valid):
    close = difflib.get_close_matches(str(value).lower(), [v.lower() for v in valid], n=len(valid), cutoff=0.5)
    by_lower = dict((v.lower(), v) for v in valid)
    ordered = [by_lower[c] for c in close] + [v for v in valid if v.lower() not in close]
    return "unknown %s %r; valid choices, closest first: %s" % (kind, value, ", ".join(ordered))


def check_cloud(cloud):
    if cloud not in CLOUDS:
        lowered = dict((c.lower(), c) for c in CLOUDS)
        if str(cloud).lower() in lowered:
            return lowered[str(cloud).lower()]
        raise CatalogueError(_choices_message("cloud", cloud, CLOUDS))
    return cloud


def regions(cloud):
    return sorted(_REGIONS[check_cloud(cloud)])


def check_region(cloud, region):
    cloud = check_cloud(cloud)
    # Portal display names ("East US 2") become the short name azcmagent takes.
    short = str(region).replace(" ", "").lower()
    if short not in _REGIONS[cloud]:
        raise CatalogueError(_choices_message("region for %s" % cloud, region, regions(cloud)))
    return short


def _check_list(kind, values, valid):
    out = []
    for value in values or ():
        if value not in valid:
            raise CatalogueError(_choices_message(kind, value, valid))
        out.append(value)
    return out


def check_scenarios(scenarios):
    return _check_list("scenario", scenarios, SCENARIOS)


def check_bypass(services):
    return _check_list("proxy bypass service", services, BYPASS_SERVICES)


def his_shard(cloud, region):
    """(shard, provenance) for the regional HIS host, or (None, reason) when it is not known."""
    cloud = check_cloud(cloud)
    region = check_region(cloud, region)
    known = HIS_SHARDS[cloud].get(region)
    if known:
        return known
    return None, ("the regional HIS shard for %s is not known (it is a short code, not the region name); "
                  "run 'azcmagent check --location %s' to see it, then pass that host in wildcard_hosts"
                  % (region, region))


def service_tags(cloud, scenarios=()):
    check_cloud(cloud)
    tags = list(_SERVICE_TAGS)
    if "wac" in (scenarios or ()):
        tags.append("WindowsAdminCenter")
    return tags


def _required(when, stage, private_link):
    if when == "always_unless_private_link" and private_link:
        return False
    if when in _WHEN_SCENARIO:
        # Telemetry is optional by definition; the other scenario rows are needed once chosen.
        return when != "telemetry"
    return when in _STAGE_NEEDS[stage]


def _merge_hosts(known, supplied):
    names = [h for h, _note in known]
    return known + [(h, note) for h, note in supplied if h not in names]


def _concrete_hosts(row, cloud, region, wildcard_hosts):
    """[(host, provenance)] for a row, or ([], reason) when no concrete name is known."""
    pattern = row["pattern"]
    supplied = [(h, "supplied in wildcard_hosts") for h in (wildcard_hosts or {}).get(pattern) or ()]
    s = _SUFFIX[cloud]
    if pattern == "*." + s["his"]:
        # Supplied hosts add to the global host every agent needs; a supplied shard replaces the unknown one.
        hosts = [("gbl." + s["his"], "global HIS host used by the agent and the install scripts")]
        shard, why = his_shard(cloud, region)
        if shard:
            hosts.append(("%s.%s" % (shard, s["his"]), "regional HIS shard for %s (%s)" % (region, why)))
        return _merge_hosts(hosts, supplied), "" if shard or supplied else why
    if pattern == "*." + s["gc"]:
        return _merge_hosts([("agentserviceapi." + s["gc"], "global guest configuration service"),
                             ("%s-gas.%s" % (region, s["gc"]), "regional guest configuration service for %s"
                              % region)], supplied), ""
    if supplied:
        return supplied, ""
    if pattern == "*.<region>.arcdataservices.com":
        return [("dataprocessingservice.%s.arcdataservices.com" % region, "SQL data processing service"),
                ("telemetry.%s.arcdataservices.com" % region, "SQL telemetry service")], ""
    if pattern.startswith("azgn*."):
        return [], ("wildcard: set expand_service_bus to fetch the concrete names from the guest notification "
                    "allowlist API, or pass them in wildcard_hosts")
    if "*" in pattern:
        return [], "wildcard with no documented concrete host: allow %s in your firewall or proxy, or pass hosts " \
                   "for it in wildcard_hosts" % pattern
    return [(pattern.split("/")[0], "")], ""


def _bypass_for(row, host):
    """The azcmagent proxy.bypass service names that send this host around the proxy."""
    if row["bypass"] == "ArcData":
        # Agents before 1.36 list the SQL telemetry host under Arc; later ones under ArcData too.
        return ["Arc", "ArcData"] if host.startswith("telemetry.") else []
    return [row["bypass"]] if row["bypass"] else []


def build(cloud, region, scenarios=(), stage="install", private_link=False, wildcard_hosts=None):
    """Expand the seed's table for one cloud and region into flat endpoint dicts."""
    cloud = check_cloud(cloud)
    region = check_region(cloud, region)
    scenarios = check_scenarios(scenarios)
    if stage not in STAGES:
        raise CatalogueError(_choices_message("stage", stage, STAGES))
    tags = service_tags(cloud, scenarios)
    out = []
    for row in _rows_for(cloud):
        when = row["when"]
        wanted_by = _WHEN_SCENARIO.get(when)
        if wanted_by and not set(wanted_by) & set(scenarios):
            continue
        hosts, reason = _concrete_hosts(row, cloud, region, wildcard_hosts)
        required = _required(when, stage, private_link)
        common = {
            "cloud": cloud,
            "region": region,
            "pattern": row["pattern"],
            "purpose": row["purpose"],
            "when": when,
            "when_text": WHEN_TEXT[when],
            "scenario": wanted_by[0] if wanted_by and len(wanted_by) == 1 else (
                ",".join(sorted(set(wanted_by) & set(scenarios))) if wanted_by else None),
            "required": required,
            "private_link": row["private_link"] if cloud != "AzureChinaCloud" else "undocumented",
            "private_capable": row["private_link"] == "private",
            "service_tags": tags,
            "tls13_allowed": row["pattern"] in TLS_GUIDANCE["tls13_allowed"],
        }
        for host, note in hosts:
            for port in row["ports"]:
                scheme = "http" if port == 80 else "https"
                ep = dict(common)
                ep.update({
                    "host": host,
                    "port": port,
                    "scheme": scheme,
                    "path": row["path"],
                    "url": "%s://%s%s" % (scheme, host, row["path"] if row["path"] != "/" else ""),
                    "bypass": _bypass_for(row, host),
                    "probeable": True,
                    "reason": "",
                    "note": note,
                })
                out.append(ep)
        if reason:
            ep = dict(common)
            ep.update({
                "host": row["pattern"],
                "port": row["ports"][-1],
                "scheme": "https",
                "path": row["path"],
                "url": "https://" + row["pattern"],
                "bypass": [row["bypass"]] if row["bypass"] and row["bypass"] != "ArcData" else [],
                "probeable": False,
                "reason": reason,
                "note": "",
            })
            out.append(ep)
    return out


def seed_patterns(cloud):
    """Every host pattern of the seed's table for a cloud (for tests and documentation)."""
    return [r["pattern"] for r in _rows_for(check_cloud(cloud))]
