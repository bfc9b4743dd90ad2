# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The Azure Arc endpoint catalogue: the one source of truth for what a server must reach.

Private to the collection (the leading underscore): the lookup, the probe module and the roles read it;
nothing outside the collection should import it. It runs on managed hosts too, so it is standard
library only and Python 3.8 compatible.

The data sits beside it: the rows of each edition of Microsoft's "network requirements" page in
``_catalogue_rows``, regions and the HIS shard map in ``_catalogue_regions``, TLS guidance and cipher suites in
``_catalogue_tls``. ``build()`` expands one edition's rows into concrete hosts where the concrete name is known;
every row says where it comes from (``source``, ``grade``, ``editions``, ``retired``). See docs/catalogue.md.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import difflib
import re

try:
    from ansible_collections.arcready.network.plugins.module_utils import _catalogue_regions as _regions
    from ansible_collections.arcready.network.plugins.module_utils import _catalogue_rows as _rows
    from ansible_collections.arcready.network.plugins.module_utils import _catalogue_tls as _tls
except ImportError:  # pragma: no cover - the lab's fake Azure loads this file by path, outside any collection
    import importlib.util
    import os

    def _sibling(name):
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), name + ".py")
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        return module

    _regions, _rows, _tls = _sibling("_catalogue_regions"), _sibling("_catalogue_rows"), _sibling("_catalogue_tls")

CLOUDS = ("AzureCloud", "AzureUSGovernment", "AzureChinaCloud")
EDITIONS = ("2026-06", "2024-03")
DEFAULT_EDITION = "2026-06"
EDITION_SOURCES = dict(_rows.EDITIONS)
# Scenarios add rows; each edition knows its own. licensing: hotpatching, Windows Server Azure Benefits and
# pay-as-you-go (dls.microsoft.com); sql_entra: Microsoft Entra authentication of Arc-enabled SQL Server.
SCENARIOS = ("ssh", "wac", "sql", "esu", "telemetry", "licensing", "sql_entra")
EDITION_SCENARIOS = {"2024-03": SCENARIOS[:5], "2026-06": SCENARIOS}
STAGES = ("install", "connect", "run")
BYPASS_SERVICES = ("AAD", "ARM", "AMA", "Arc", "ArcData")
GRADES = _regions.GRADES
CIPHER_SUITES = _tls.CIPHER_SUITES
HIS_SHARDS = _regions.HIS_SHARDS
REGION_NAMES = _regions.REGION_NAMES
WAC_REGIONS = _regions.WAC_REGIONS
_SUFFIX = _rows.SUFFIX

# Which "when required" classes each stage needs. A server being installed needs everything a
# connected server needs, plus the download hosts and ARM (azcmagent connect creates the resource).
_STAGE_NEEDS = {
    "install": ("install", "connect", "always", "always_unless_private_link"),
    "connect": ("connect", "always", "always_unless_private_link"),
    "run": ("always", "always_unless_private_link"),
}

WHEN_TEXT = _rows.WHEN_TEXT["2024-03"]

# Row class -> the scenarios that pull it in (absent: part of every onboarding).
_WHEN_SCENARIO = {
    "ssh_wac": ("ssh", "wac"),
    "wac": ("wac",),
    "sql": ("sql",),
    "sql_entra": ("sql_entra",),
    "esu": ("esu",),
    "licensing": ("licensing",),
    "telemetry": ("telemetry",),
}

_SERVICE_TAGS = ("AzureActiveDirectory", "AzureTrafficManager", "AzureResourceManager", "AzureArcInfrastructure",
                 "Storage")
_FRONT_DOOR = "AzureFrontDoor.Frontend"

# Without a service-tag file, "AzureCloud" is the fallback the page recommends for IP-based rules.
SERVICE_TAG_FALLBACK = "AzureCloud"
TLS_GUIDANCE = _tls.TLS_GUIDANCE["2024-03"]

_REGION_RE = re.compile(r"^[a-z][a-z0-9]{1,38}$")
_KEY_VAULT_RE = re.compile(r"^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$")


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


def check_edition(edition):
    edition = DEFAULT_EDITION if edition in (None, "") else str(edition)
    if edition not in EDITIONS:
        raise CatalogueError(_choices_message("edition", edition, EDITIONS))
    return edition


def regions(cloud, edition=DEFAULT_EDITION):
    """The regions the edition lists for a cloud (2024-03: the seed's -gas table; 2026-06: Microsoft's region list)."""
    cloud = check_cloud(cloud)
    if check_edition(edition) == "2024-03":
        return sorted(_regions.SEED_REGIONS[cloud])
    return sorted(REGION_NAMES[cloud])


def display_name(cloud, region):
    """The display name of an ARM region name ("eastus" -> "East US"), or None when the catalogue has none."""
    return REGION_NAMES[check_cloud(cloud)].get(region)


def arm_region(cloud, name):
    """The ARM name of a region given as an ARM name or a display name, or None when it is not a listed region."""
    cloud = check_cloud(cloud)
    short = str(name).replace(" ", "").lower()
    return short if short in REGION_NAMES[cloud] else None


def arm_region_name(region, cloud=None):
    """The ARM name of a listed region of any cloud (or of ``cloud``), given as an ARM or display name; else None."""
    for each in [check_cloud(cloud)] if cloud else CLOUDS:
        found = arm_region(each, region)
        if found:
            return found
    return None


def region_info(cloud, region, edition=DEFAULT_EDITION):
    """(ARM name, warning): a listed region gives an empty warning; a well-formed name that is not listed is
    accepted with a warning (new regions open before any list names them); a region of another cloud or a name
    that cannot be a region is refused."""
    cloud = check_cloud(cloud)
    known = regions(cloud, edition)
    short = str(region).replace(" ", "").lower()
    if short in known:
        return short, ""
    if not _REGION_RE.match(short):
        raise CatalogueError("region %r is not an Azure region name (letters and digits, as 'eastus' or 'East US'); "
                             "valid choices for %s include: %s" % (region, cloud, ", ".join(known)))
    for other in CLOUDS:
        if other != cloud and short in REGION_NAMES[other]:
            raise CatalogueError(_choices_message("region for %s" % cloud, region, known)
                                 + " (%s is a region of %s: set cloud=%s)" % (short, other, other))
    close = difflib.get_close_matches(short, known, n=3, cutoff=0.6)
    return short, ("region %r is not in the catalogue's list of %s regions%s; it is accepted as %s: its guest "
                   "configuration host is built from the name and its regional HIS host is not known"
                   % (region, cloud, " (closest: %s)" % ", ".join(close) if close else "", short))


def check_region(cloud, region, edition=DEFAULT_EDITION):
    """The ARM name of a region (see ``region_info`` for what is accepted)."""
    return region_info(cloud, region, edition)[0]


def _check_list(kind, values, valid):
    out = []
    for value in values or ():
        if value not in valid:
            raise CatalogueError(_choices_message(kind, value, valid))
        out.append(value)
    return out


def check_scenarios(scenarios, edition=DEFAULT_EDITION):
    edition = check_edition(edition)
    out = _check_list("scenario", scenarios, SCENARIOS)
    missing = [s for s in out if s not in EDITION_SCENARIOS[edition]]
    if missing:
        raise CatalogueError("scenario %s is not in edition %s (%s); use edition %s"
                             % (", ".join(missing), edition, EDITION_SOURCES[edition], DEFAULT_EDITION))
    return out


def check_bypass(services):
    return _check_list("proxy bypass service", services, BYPASS_SERVICES)


def check_key_vault(name):
    """The Key Vault name from a name, a vault host or a vault URL; None when not given."""
    if name in (None, ""):
        return None
    text = str(name).strip()
    host = re.sub(r"^https://", "", text).rstrip("/")
    short = host.split(".", 1)[0] if host.lower().endswith(".vault.azure.net") else host
    if not _KEY_VAULT_RE.match(short) or "--" in short:
        raise CatalogueError("key_vault %r is not a Key Vault name (3-24 letters, digits and single hyphens, starting "
                             "with a letter), nor its vault.azure.net host or URL" % (name,))
    return short.lower()


# ------------------------------------------------------------------ HIS shard

# The agent's own "Regional Service Discovery" call (observed in an agent log for westus3; the answer's shape at
# this version is not established, so whoever asks must parse it defensively).
HIS_DISCOVERY_API_VERSION = "2.1"


def his_host(cloud, region):
    """Where the regional HIS host comes from when it is not discovered: a dict with ``host`` (None when the shard
    is not known or not verified), ``shard``, ``source`` (``catalogue`` or ``unknown``), ``grade``, ``evidence``,
    ``verified``, ``global_host`` and ``discovery_path`` (what the agent asks the global host for the regional
    one). The probe's discovery reports ``discovered`` for hosts it learns itself."""
    cloud = check_cloud(cloud)
    region = check_region(cloud, region)
    suffix = _SUFFIX[cloud]["his"]
    out = {"region": region, "global_host": "gbl." + suffix, "host": None, "shard": None, "source": "unknown",
           "grade": "none", "evidence": "", "verified": False,
           "discovery_path": "/discovery?location=%s&api-version=%s" % (region, HIS_DISCOVERY_API_VERSION)}
    known = HIS_SHARDS[cloud].get(region)
    if known:
        shard, grade, evidence, verified = known
        out.update(shard=shard, grade=grade, evidence=evidence, verified=verified)
        if verified:
            out.update(host="%s.%s" % (shard, suffix), source="catalogue")
    return out


def his_shard(cloud, region):
    """(shard, provenance) for the regional HIS host, or (None, reason) when it is not known."""
    info = his_host(cloud, region)
    if info["host"]:
        return info["shard"], "%s: %s" % (info["grade"], info["evidence"])
    unverified = ("; the shard %s once listed for it is unverified (%s)" % (info["shard"], info["evidence"])
                  if info["shard"] else "")
    return None, ("the regional HIS shard for %s is not known (it is a short code, not the region name)%s; "
                  "run 'azcmagent check --location %s' to see it, then pass that host in wildcard_hosts"
                  % (info["region"], unverified, info["region"]))


# ------------------------------------------------------------------ service tags and TLS

def service_tag_rules(cloud, scenarios=(), edition=DEFAULT_EDITION):
    """The service tags to allow, one dict each: ``tag``, ``file_cloud`` (the cloud whose Service Tags file holds
    the ranges), ``full_range`` (regional subsets of the tag are not enough), ``source`` and ``note``."""
    cloud = check_cloud(cloud)
    edition = check_edition(edition)
    source = EDITION_SOURCES[edition]
    current = edition != "2024-03"
    tags = list(_SERVICE_TAGS)
    if current and cloud == "AzureCloud":
        tags.append(_FRONT_DOOR)
    if "wac" in (scenarios or ()):
        tags.append("WindowsAdminCenter")
    out = []
    for tag in tags:
        note = ""
        full = current and tag == "AzureArcInfrastructure"
        if full:
            note = ("allow the full tag: regional subsets such as AzureArcInfrastructure.AustraliaEast lack the "
                    "service's global components (88b2a3c4f 2024-04-24)")
        if tag == _FRONT_DOOR:
            note = "required as of April 2026 (401a4bd70 2026-04-01)"
        out.append({"tag": tag, "file_cloud": cloud, "full_range": full, "source": source, "note": note})
    if current and cloud != "AzureCloud":
        out.append({"tag": "AzureArcInfrastructure", "file_cloud": "AzureCloud", "full_range": True, "source": source,
                    "note": "IP rules in %s also need the public cloud's AzureArcInfrastructure ranges; after "
                            "2025-10-28 this cloud's own tag alone is no longer supported (0a8c3c4b1 2025-08-22, "
                            "1c2a63812 2025-09-29)" % cloud})
    return out


def service_tags(cloud, scenarios=(), edition=DEFAULT_EDITION):
    """The service tag names to allow from the cloud's own file (see ``service_tag_rules`` for the other files)."""
    return [r["tag"] for r in service_tag_rules(cloud, scenarios, edition) if r["file_cloud"] == check_cloud(cloud)]


def tls_guidance(edition=DEFAULT_EDITION):
    return dict(_tls.TLS_GUIDANCE[check_edition(edition)])


def cipher_suites(edition=DEFAULT_EDITION, tls=None):
    """The cipher suites agent 1.56+ requires on Windows (at least one, for TLS 1.2 or 1.3), in the page's order;
    ``tls`` ("1.2" or "1.3") narrows to one version. Empty for the 2024-03 edition, which has none."""
    return [dict(s) for s in tls_guidance(edition)["cipher_suites"] if tls in (None, s["tls"])]


# ------------------------------------------------------------------ expansion

_PATTERNS = {}  # (cloud, edition, esu_only) -> patterns: the tables are constant, and every row asks


def _table(cloud, edition, esu_only):
    if esu_only:
        return _rows.rows_esu(cloud)
    return _rows.ROWS[edition](cloud)


def patterns(cloud, edition=DEFAULT_EDITION, esu_only=False):
    """Every host pattern of the edition's table for a cloud, with a row's alternatives after it, in the table's
    order (retired rows are not in the table, so not here)."""
    key = (check_cloud(cloud), check_edition(edition), bool(esu_only))
    if key not in _PATTERNS:
        _PATTERNS[key] = tuple(p for r in _table(*key) for p in [r["pattern"]] + r["alternatives"])
    return list(_PATTERNS[key])


def seed_patterns(cloud):
    """Every host pattern of the seed's table for a cloud (for tests and documentation)."""
    return patterns(cloud, "2024-03")


def _editions_of(cloud, pattern):
    for edition in EDITIONS:
        patterns(cloud, edition)  # fills the cache
    return [e for e in EDITIONS if pattern in _PATTERNS[(cloud, e, False)]]


def _retired_rows(cloud, current):
    names = set(p for r in current for p in [r["pattern"]] + r["alternatives"])
    out = []
    for row in _rows.rows_2024(cloud):
        if row["pattern"] not in names:
            out.append(dict(row, retired=_rows.RETIRED[row["pattern"]]))
    return out


def _required(row, stage, private_link, auto_upgrade):
    when = row["when"]
    if row.get("retired"):
        return False
    if private_link and (when == "always_unless_private_link" or row["private_link"] == "not_used"):
        return False
    if when in _WHEN_SCENARIO:
        # Telemetry is optional by definition; the other scenario rows are needed once chosen.
        return when != "telemetry"
    if when == "install" and auto_upgrade:
        return True
    return when in _STAGE_NEEDS[stage]


def _merge_hosts(known, supplied):
    names = [h for h, _note, _grade in known]
    return known + [h for h in supplied if h[0] not in names]


def _concrete_hosts(row, cloud, region, wildcard_hosts, key_vault, region_known):
    """[(host, provenance, grade)] for a row, or ([], reason) when no concrete name is known."""
    pattern = row["pattern"]
    supplied = [(h, "supplied in wildcard_hosts", "") for h in (wildcard_hosts or {}).get(pattern) or ()]
    s = _SUFFIX[cloud]
    if pattern == "*." + s["his"]:
        # Supplied hosts add to the global host every agent needs; a supplied shard replaces the unknown one.
        hosts = [("gbl." + s["his"], "global HIS host used by the agent and the install scripts", "Observed")]
        shard, why = his_shard(cloud, region)
        if shard:
            hosts.append(("%s.%s" % (shard, s["his"]), "regional HIS shard for %s (%s)" % (region, why),
                          his_host(cloud, region)["grade"]))
        return _merge_hosts(hosts, supplied), "" if shard or supplied else why
    if pattern == "*." + s["gc"]:
        regional = ("regional guest configuration service for %s" % region if region_known else
                    "regional guest configuration service, name built from the region %s (not in the catalogue's "
                    "list)" % region)
        return _merge_hosts([("agentserviceapi." + s["gc"], "global guest configuration service", "MS-doc"),
                             ("%s-gas.%s" % (region, s["gc"]), regional,
                              "MS-doc" if region_known else "Inference")], supplied), ""
    if supplied:
        return supplied, ""
    if pattern == "*.login.microsoft.com":
        return [("%s.login.microsoft.com" % region, "regional Entra ID host as Microsoft lists name it (arc gateway "
                 "documentation; Azure Local endpoint lists, e.g. eastus.login.microsoft.com)", "MS-list")], ""
    if pattern == "*.<region>.arcdataservices.com":
        return [("dataprocessingservice.%s.arcdataservices.com" % region, "SQL data processing service", "Inference"),
                ("telemetry.%s.arcdataservices.com" % region, "SQL telemetry service", "Inference")], ""
    if pattern == "<azure-keyvault-name>.vault.azure.net":
        if key_vault:
            return [("%s.vault.azure.net" % key_vault, "the Key Vault given in key_vault", "")], ""
        return [], "needs the name of the Key Vault that holds the SQL Server's Entra certificate: give it in key_vault"
    if pattern.startswith("azgn*."):
        return [], ("wildcard: set expand_service_bus to fetch the concrete names from the guest notification "
                    "allowlist API, or pass them in wildcard_hosts")
    if "*" in pattern:
        return [], "wildcard with no documented concrete host: allow %s in your firewall or proxy, or pass hosts " \
                   "for it in wildcard_hosts" % pattern
    return [(pattern.split("/")[0], "", "MS-doc")], ""


def _bypass_for(row, host, edition):
    """The azcmagent proxy.bypass service names that send this host around the proxy."""
    if edition == "2024-03" and row["bypass"] == ["ArcData"]:
        # The seed's catalogue: agents before 1.36 list the SQL telemetry host under Arc, later ones under ArcData.
        return ["Arc", "ArcData"] if host.startswith("telemetry.") else []
    return list(row["bypass"])


def _check_options(cloud, edition, scenarios, esu_only, region):
    if esu_only:
        if edition == "2024-03":
            raise CatalogueError("esu_only: edition 2024-03 has no ESU-only subset; use edition %s" % DEFAULT_EDITION)
        if cloud == "AzureChinaCloud":
            raise CatalogueError("esu_only: Arc-enabled servers used for Extended Security Updates are not available "
                                 "in Azure operated by 21Vianet (%s)" % _rows.ESU_SOURCE)
        extra = [s for s in scenarios if s not in ("esu", "sql")]
        if extra:
            raise CatalogueError("esu_only: the ESU-only subset has rows for the esu and sql scenarios only, not %s; "
                                 "drop esu_only for the full table" % ", ".join(extra))
    warnings = []
    if "wac" in scenarios and region not in WAC_REGIONS[cloud]:
        if WAC_REGIONS[cloud]:
            where = "is offered in these %s regions only: %s" % (cloud, ", ".join(WAC_REGIONS[cloud]))
        else:
            where = "is not offered in %s" % cloud
        warnings.append("scenario wac: Windows Admin Center in Azure %s; %s is not one of them, so its rows are "
                        "listed as not required (%s)" % (where, region, _regions.WAC_SOURCE))
    return warnings


def build(cloud, region, scenarios=(), stage="install", private_link=False, wildcard_hosts=None,
          edition=DEFAULT_EDITION, auto_upgrade=False, esu_only=False, key_vault=None, warnings=None):
    """Expand one edition's table for one cloud and region into flat endpoint dicts.

    ``auto_upgrade``: the agent upgrades itself, so the download hosts stay required after install. ``esu_only``:
    the server uses Arc for Extended Security Updates only; the ESU subset replaces the full table. Warnings (an
    unlisted region, wac outside its regions) are appended to ``warnings`` when a list is given."""
    cloud = check_cloud(cloud)
    edition = check_edition(edition)
    region, region_warning = region_info(cloud, region, edition)
    scenarios = check_scenarios(scenarios, edition)
    if stage not in STAGES:
        raise CatalogueError(_choices_message("stage", stage, STAGES))
    key_vault = check_key_vault(key_vault)
    notes = ([region_warning] if region_warning else []) + _check_options(cloud, edition, scenarios, esu_only, region)
    if warnings is not None:
        warnings.extend(notes)
    chosen = set(scenarios) | ({"esu"} if esu_only else set())
    wac_offered = region in WAC_REGIONS[cloud]
    tags = service_tags(cloud, scenarios, edition)
    current = _table(cloud, edition, esu_only)
    table = current + (_retired_rows(cloud, current) if edition != "2024-03" and not esu_only else [])
    when_text = _rows.WHEN_TEXT["esu_only" if esu_only else edition]
    tls = tls_guidance(edition)
    out = []
    for row in table:
        when = row["when"]
        retired = row.get("retired", "")
        wanted_by = _WHEN_SCENARIO.get(when)
        if wanted_by and not set(wanted_by) & chosen:
            continue
        hosts, reason = _concrete_hosts(row, cloud, region, wildcard_hosts, key_vault, not region_warning)
        required = _required(row, stage, private_link, auto_upgrade) and (wac_offered or when != "wac")
        common = {
            "cloud": cloud,
            "region": region,
            "pattern": row["pattern"],
            "alternatives": list(row["alternatives"]),
            # Probe results and reports carry the purpose, not the retired field: say it there too.
            "purpose": "%s (no longer required: %s)" % (row["purpose"], retired) if retired else row["purpose"],
            "when": when,
            "when_text": (_rows.WHEN_TEXT["2024-03"] if retired else when_text)[when],
            "scenario": wanted_by[0] if wanted_by and len(wanted_by) == 1 else (
                ",".join(sorted(set(wanted_by) & chosen)) if wanted_by else None),
            "required": required,
            "private_link": row["private_link"] if cloud != "AzureChinaCloud" else "undocumented",
            "private_capable": row["private_link"] == "private",
            "service_tags": tags,
            "tls13_allowed": row["pattern"] in tls["tls13_allowed"],
            "edition": edition,
            "editions": _editions_of(cloud, row["pattern"]) if not esu_only else [edition],
            "source": (_rows.ESU_SOURCE if esu_only else EDITION_SOURCES["2024-03" if retired else edition])
            + ("; added by %s" % row["added"] if row["added"] else ""),
            "grade": "MS-doc",
            "retired": retired,
            "auto_upgrade": bool(auto_upgrade and when == "install"),
        }
        for host, note, grade in hosts:
            for port in row["ports"]:
                scheme = "http" if port == 80 else "https"
                ep = dict(common)
                ep.update({
                    "host": host,
                    "port": port,
                    "scheme": scheme,
                    "path": row["path"],
                    "url": "%s://%s%s" % (scheme, host, row["path"] if row["path"] != "/" else ""),
                    "bypass": _bypass_for(row, host, edition),
                    "probeable": True,
                    "reason": "",
                    "note": note,
                    "host_grade": grade,
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
                "bypass": [b for b in row["bypass"] if edition != "2024-03" or b != "ArcData"],
                "probeable": False,
                "reason": reason,
                "note": "",
                "host_grade": "",
            })
            out.append(ep)
    return out
