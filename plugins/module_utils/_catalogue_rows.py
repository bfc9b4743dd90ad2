# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The rows of Microsoft's "network requirements" tables, one function per document revision (edition), in the
document's order and wording. Data only; ``_catalogue`` expands it.

Editions: ``2024-03`` is the seed (revision 9f3f69f6c7e3 of 2024-03-19), ``2026-06`` the current page (revision
a0e94e03f8e9 of 2026-06-24) with its ESU-only subset (esu-network-requirements.md, ms.date 2026-02-13). Rows of
the seed that the current page dropped are listed in ``RETIRED`` with the change that removed them.

Standard library only, Python 3.8 compatible (it runs on managed hosts with the probe module).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

_DOC = "MicrosoftDocs/azure-management-docs articles/azure-arc/servers/includes/"
EDITIONS = {
    "2026-06": _DOC + "network-requirements.md at a0e94e03f8e9 (2026-06-24, ms.date 04/01/2026)",
    "2024-03": _DOC + "network-requirements.md at 9f3f69f6c7e3 (2024-03-19)",
}
ESU_SOURCE = _DOC + "esu-network-requirements.md (ms.date 02/13/2026)"

SUFFIX = {
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
        "arcdata": "arcdataservices.com",
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
        "arcdata": "arcdataservices.azure.us",
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
        "arcdata": None,
    },
}

# "When required" class -> the wording of each document.
WHEN_TEXT = {
    "2024-03": {
        "install": "At installation time, only",
        "connect": "When connecting or disconnecting a server, only",
        "always": "Always",
        "always_unless_private_link": "Always, except when using private endpoints",
        "ssh_wac": "If using SSH or Windows Admin Center from Azure",
        "wac": "If using Windows Admin Center",
        "sql": "Always (SQL Server enabled by Azure Arc)",
        "esu": "If using ESUs enabled by Azure Arc",
        "telemetry": "Optional, not used in agent versions 1.24+",
    },
    "2026-06": {
        "install": "Only at installation time.",
        "connect": "Only when you connect or disconnect a server.",
        "always": "Always.",
        "always_unless_private_link": "Always, except when you use private endpoints.",
        "ssh_wac": "If you use SSH or Windows Admin Center from Azure.",
        "wac": "If you use Windows Admin Center.",
        "sql": "If you use Azure Arc-enabled SQL Server.",
        "sql_entra": "If you use Azure Arc-enabled SQL Server.",
        "esu": "If you use Extended Security Updates enabled by Azure Arc. Always required for automatic updates or "
               "temporarily if you download certificates manually.",
        "licensing": "Required when you use hotpatching, Windows Server Azure Benefits, or Windows Server "
                     "pay-as-you-go billing on Azure Arc-enabled machines.",
        "telemetry": "Optional. Not used in agent versions 1.24+.",
    },
    "esu_only": {
        "install": "Only at installation time.",
        "connect": "Only when you connect or disconnect a server.",
        "always": "Always.",
        "esu": "Always for automatic updates or temporarily if you download certificates manually.",
        "sql": "SQL Server Extended Security Updates.",
    },
}
# Footnote 1 of the current page (5c2ac4f31 2025-01-13): the download hosts are also needed for automatic updates.
AUTO_UPGRADE_NOTE = "Access to this URL is also needed when updates are performed automatically."


def _row(pattern, purpose, when, private_link, bypass=(), ports=(443,), path="/", alternatives=(), added=""):
    return {
        "pattern": pattern,
        "purpose": purpose,
        "when": when,
        "private_link": private_link,
        "bypass": list(bypass),
        "ports": ports,
        "path": path,
        "alternatives": list(alternatives),
        "added": added,
    }


def rows_2024(cloud):
    """The seed's table for one cloud, row by row, in the seed's order and words."""
    s = SUFFIX[cloud]
    entra = "Microsoft Entra ID"
    notif = "Notification service for extension and connectivity scenarios"
    rows = [
        _row("aka.ms", "Used to resolve the download script during installation", "install", "public"),
        _row("download.microsoft.com", "Used to download the Windows installation package", "install", "public"),
        _row("packages.microsoft.com", "Used to download the Linux installation package", "install", "public"),
    ]
    rows += [_row(h, entra, "always", "public", ["AAD"]) for h in s["login"]]
    rows.append(_row(s["pas"], entra, "always", "public", ["AAD"]))
    rows.append(_row(s["arm"], "Azure Resource Manager - to create or delete the Arc server resource", "connect",
                     "public_unless_arm_private_link", ["ARM"]))
    rows.append(_row("*." + s["his"], "Metadata and hybrid identity services", "always", "private", ["Arc"]))
    rows.append(_row("*." + s["gc"], "Extension management and guest configuration services", "always", "private",
                     ["Arc"]))
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
        # Agents before 1.36 bypass the SQL telemetry host under Arc; later ones under ArcData.
        rows.append(_row("*.<region>.arcdataservices.com",
                         "For Arc SQL Server. Sends data processing service, service telemetry, and performance "
                         "monitoring to Azure. Allows TLS 1.3.", "sql", "public", ["ArcData"]))
    if cloud != "AzureChinaCloud":
        rows.append(_row("www.microsoft.com/pkiops/certs",
                         "Intermediate certificate updates for ESUs (HTTP/TCP 80 and HTTPS/TCP 443)", "esu", "public",
                         ports=(80, 443), path="/pkiops/certs"))
    return rows


_SQL_2026 = ("For Azure Arc-enabled SQL Server. Sends data processing service, service telemetry, and performance "
             "monitoring to Azure. Allows %s 1.2 or 1.3 only.")
_ESU_CERTS = ("Intermediate certificate updates for Extended Security Updates (uses HTTP/TCP 80 and HTTPS/TCP 443).")
_ARM_2026 = "Azure Resource Manager is used to create or delete the Azure Arc server resource."
_HIS_2026 = "Metadata and hybrid identity services."
_GC_2026 = "Extension management and guest configuration services."


def _arm_bypass(cloud):
    # Agent 1.45 added the AMA bypass value; its endpoints include management.azure.com (public cloud names only).
    return ["ARM", "AMA"] if cloud == "AzureCloud" else ["ARM"]


def _download_rows(linux=True):
    rows = [_row("download.microsoft.com", "Used to download the Windows installation package.", "install", "public")]
    if linux:
        rows.append(_row("packages.microsoft.com", "Used to download the Linux installation package.", "install",
                         "public"))
    return rows


def rows_2026(cloud):
    """The current page's table for one cloud, row by row, in its order and words; "added" names the change that
    brought a row in after the seed."""
    s = SUFFIX[cloud]
    entra = "Microsoft Entra ID."
    notif = "Notification service for extension and connectivity scenarios."
    rows = _download_rows()
    rows.append(_row(s["login"][-1], entra, "always", "public", ["AAD"]))
    if cloud == "AzureCloud":
        rows.append(_row("*.login.microsoft.com", entra, "always", "public",
                         added="84f281518 2024-10-02 'Added endpoint', corrected 34d4566d0 2025-03-10"))
    if cloud == "AzureChinaCloud":
        rows.insert(2, _row(s["login"][0], entra, "always", "public", ["AAD"]))
    rows.append(_row(s["pas"], entra, "always", "public", ["AAD"]))
    rows.append(_row(s["arm"], _ARM_2026, "connect", "public_unless_arm_private_link", _arm_bypass(cloud)))
    rows.append(_row("*." + s["his"], _HIS_2026, "always", "private", ["Arc"]))
    rows.append(_row("*." + s["gc"], _GC_2026, "always", "private", ["Arc"]))
    if s["gns"]:
        rows.append(_row(s["gns"], notif, "always", "public"))
        rows.append(_row("*." + s["gns"], notif, "always", "public"))
    if s["servicebus"]:
        either = ["*." + s["servicebus"]] if cloud == "AzureCloud" else []
        rows.append(_row("azgn*." + s["servicebus"], notif, "always", "public", alternatives=either,
                         added="f82214d22 2025-08-13 'clarify servicebus'" if either else ""))
        wac_ssh = "For Windows Admin Center and %s scenarios." % (
            "Secure Shell (SSH)" if cloud == "AzureCloud" else "SSH")
        rows.append(_row("*." + s["servicebus"], wac_ssh, "ssh_wac", "public"))
    if cloud == "AzureCloud":
        rows.append(_row("*.waconazure.com", "For Windows Admin Center connectivity.", "wac", "public"))
    else:
        rows.append(_row("*." + s["blob"], "Download source for Azure Arc-enabled servers extensions.",
                         "always_unless_private_link", "not_used"))
    rows.append(_row(s["telemetry"], "Agent telemetry.", "telemetry", "public"))
    if cloud == "AzureCloud":
        rows.append(_row("*.<region>.arcdataservices.com", _SQL_2026 % "Transport Layer Security (TLS)", "sql",
                         "public", ["ArcData"], added="d18a5113c 2025-03-02 'Add clarity about TLS version support', "
                                                      "59893b4b1 2025-10-09 'clarification'"))
        sql_entra = "For Microsoft Entra authentication with Azure Arc-enabled SQL Server."
        added = "ea049a6e6 2025-10-09 'additional endpoints'"
        rows.append(_row("<azure-keyvault-name>.vault.azure.net", sql_entra, "sql_entra", "public", added=added))
        rows.append(_row("graph.microsoft.com", sql_entra, "sql_entra", "public", added=added))
    elif cloud == "AzureUSGovernment":
        rows.append(_row("*.<region>.arcdataservices.azure.us", _SQL_2026 % "TLS", "sql", "public", ["ArcData"],
                         added="ea049a6e6 2025-10-09 'additional endpoints'"))
    if cloud != "AzureChinaCloud":
        rows.append(_row("www.microsoft.com/pkiops/certs", _ESU_CERTS, "esu", "public", ports=(80, 443),
                         path="/pkiops/certs"))
    if cloud == "AzureCloud":
        rows.append(_row("dls.microsoft.com", "Used by Azure Arc machines to perform license validation.",
                         "licensing", "public", added="f68132f9d 2025-04-10 'Update network-requirements.md'"))
    return rows


def rows_esu(cloud):
    """The ESU-only subset for one cloud (an empty list: the subset is not offered there)."""
    s = SUFFIX[cloud]
    if cloud == "AzureChinaCloud":
        return []
    rows = _download_rows(linux=False)
    rows += [_row(h, "Microsoft Entra ID.", "always", "public", ["AAD"]) for h in s["login"]]
    if cloud == "AzureCloud":
        rows.append(_row("*.login.microsoft.com", "Microsoft Entra ID.", "always", "public"))
    rows.append(_row(s["arm"], _ARM_2026, "connect", "public_unless_arm_private_link", _arm_bypass(cloud)))
    rows.append(_row("*." + s["his"], _HIS_2026, "always", "private", ["Arc"]))
    rows.append(_row("*." + s["gc"], _GC_2026, "always", "private", ["Arc"]))
    rows.append(_row("www.microsoft.com/pkiops/certs", _ESU_CERTS, "esu", "public", ports=(80, 443),
                     path="/pkiops/certs"))
    if cloud == "AzureCloud":
        rows.append(_row("*.<region>.arcdataservices.com", "Azure Arc data processing service and service telemetry.",
                         "sql", "public", ["ArcData"]))
    else:
        rows.append(_row("*." + s["blob"], "Download SQL Server Extension package.", "sql", "not_used"))
    return rows


ROWS = {"2024-03": rows_2024, "2026-06": rows_2026}

# Seed rows the current page no longer lists: the change that removed them, and what it means for a firewall.
_AKA = ("removed from Microsoft's page on 2025-01-13 (5c2ac4f31 'Edited endpoints'); some install guides still "
        "download the install script through aka.ms links, so keep it open if you install that way")
RETIRED = {
    "aka.ms": _AKA,
    "login.windows.net": "removed from Microsoft's page on 2024-10-31 (138b09e06 'removed outdated endpoint'): agents "
                         "1.34 and later use login.microsoftonline.com; the ESU-only subset still lists it",
    "*.blob.core.windows.net": "removed from Microsoft's page on 2026-02-13 (5777653b2 'remove one endpoint'): "
                               "extension packages now come from Microsoft's CDN endpoint (host not documented; "
                               "the AzureFrontDoor.Frontend service tag was added on 2026-04-01)",
}
