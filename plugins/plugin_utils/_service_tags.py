# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Azure Service Tags files: parse, validate, select the Arc tags, merge their prefixes.

Private to the collection (leading underscore): the ``arcready.network.service_tags`` lookup, a future
filter and ``benchmarks/bench_service_tags.py`` share it; its API may change at any time.
Controller side only (``plugin_utils``): modules never import it. Needs ``netaddr`` for the merge.

The file format is Microsoft's weekly "Azure IP Ranges and Service Tags" download
(``ServiceTags_<Cloud>_<YYYYMMDD>.json``)::

    {"changeNumber": 400, "cloud": "Public",
     "values": [{"name": "Storage.EastUS", "id": "Storage.EastUS",
                 "properties": {"changeNumber": 5, "region": "eastus", "regionId": 32, "platform": "Azure",
                                "systemService": "AzureStorage", "addressPrefixes": ["192.0.2.0/28", "2001:db8::/48"],
                                "networkFeatures": ["API", "NSG"]}}, ...]}

Every function raises :class:`ServiceTagsError` with a message that names the bad input and the fix;
callers add their own prefix (``arcready.network.service_tags: ``).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import difflib
import json
import os
import re

try:
    import netaddr
    HAS_NETADDR = True
    NETADDR_IMPORT_ERROR = None
except ImportError as _exc:  # pragma: no cover - exercised by monkeypatching HAS_NETADDR
    netaddr = None
    HAS_NETADDR = False
    NETADDR_IMPORT_ERROR = _exc

from ansible_collections.arcready.network.plugins.module_utils._catalogue import (
    CatalogueError,
    check_cloud,
    service_tags as catalogue_service_tags,
)

NETADDR_HINT = ("the Python library netaddr is required on the controller (the machine or execution environment "
                "that runs ansible-playbook); install it with: pip install netaddr")

# The value of the file's top-level "cloud" field for each cloud name the catalogue (and azcmagent --cloud) uses.
# "Public" is in Microsoft's documentation and the public file; "AzureGovernment" and "China" are the values the US
# Government (ServiceTags_AzureGovernment_*.json) and 21Vianet (ServiceTags_China_*.json) files are known to carry
# from third-party parsers of those files, not from Microsoft's documentation. The other spellings are accepted too,
# so a wrong guess here cannot reject a genuine file: each alias names one cloud only.
FILE_CLOUD = {
    "AzureCloud": "Public",
    "AzureUSGovernment": "AzureGovernment",
    "AzureChinaCloud": "China",
}
FILE_CLOUD_ALIASES = {
    "AzureCloud": ("Public", "AzureCloud", "AzurePublicCloud"),
    "AzureUSGovernment": ("AzureGovernment", "AzureUSGovernment", "USGovernment"),
    "AzureChinaCloud": ("China", "AzureChinaCloud", "AzureChina"),
}
# Clouds that have (or had) a Service Tags file but that this collection does not serve.
OTHER_FILE_CLOUDS = {"azuregermany": "the retired Azure Germany cloud"}

DOWNLOAD_PAGE = {
    "AzureCloud": "https://www.microsoft.com/download/details.aspx?id=56519",
    "AzureUSGovernment": "https://www.microsoft.com/download/details.aspx?id=57063",
    "AzureChinaCloud": "https://www.microsoft.com/download/details.aspx?id=57062",
}

FILE_NAME_RE = re.compile(r"^ServiceTags_(?P<cloud>[A-Za-z0-9]+)_(?P<date>\d{8})\.json$", re.IGNORECASE)
IP_VERSIONS = ("4", "6", "both")
ON_MISSING = ("error", "warn", "ignore")


class ServiceTagsError(ValueError):
    """A Service Tags file or a request for it is unusable; the message says what and how to fix it."""


class ServiceTag(object):
    """One entry of ``values``: a tag (``Storage``) or a regional variant (``Storage.EastUS``)."""

    __slots__ = ("name", "region", "prefixes", "change_number", "system_service")

    def __init__(self, name, region, prefixes, change_number, system_service):
        self.name = name
        self.region = region
        self.prefixes = prefixes
        self.change_number = change_number
        self.system_service = system_service

    @property
    def base(self):
        """The tag a regional variant belongs to (``Storage`` for ``Storage.EastUS``)."""
        return self.name.split(".", 1)[0]

    def __repr__(self):
        return "ServiceTag(%r, region=%r, %d prefixes)" % (self.name, self.region, len(self.prefixes))


class ServiceTagsFile(object):
    """A parsed and structurally validated Service Tags file."""

    def __init__(self, change_number, cloud, tags, source, file_date=None, date_origin=None):
        self.change_number = change_number
        self.cloud = cloud                  # the file's own "cloud" value, e.g. "Public"
        self.tags = tags                    # list of ServiceTag, file order
        self.source = source                # path or URL, for messages
        self.file_date = file_date          # datetime.date or None
        self.date_origin = date_origin      # "file name", "modification time", "Last-Modified header" or None
        self.by_name = {}
        self.by_lower = {}
        self.variants = {}                  # base tag (lower case) -> [regional ServiceTag]
        for tag in tags:
            self.by_name.setdefault(tag.name, tag)
            self.by_lower.setdefault(tag.name.lower(), tag)
            if tag.region:
                self.variants.setdefault(tag.base.lower(), []).append(tag)

    @property
    def regions(self):
        return sorted(set(t.region.lower() for t in self.tags if t.region))

    @property
    def prefix_count(self):
        return sum(len(t.prefixes) for t in self.tags)


# --------------------------------------------------------------------------------------------- helpers

def _quoted(values):
    return ", ".join("'%s'" % v for v in values)


def _closest(value, candidates, limit=5):
    """Up to ``limit`` candidates closest to ``value`` (case-insensitive), best first."""
    lowered = {}
    for cand in candidates:
        lowered.setdefault(cand.lower(), cand)
    close = difflib.get_close_matches(str(value).lower(), list(lowered), n=limit, cutoff=0.6)
    return [lowered[c] for c in close]


def _int_like(value):
    """changeNumber is an int in the download and a numeric string in the discovery API output."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


def date_from_name(name):
    """The date in ``ServiceTags_Public_20240325.json`` (a datetime.date), or None."""
    match = FILE_NAME_RE.match(os.path.basename(name or ""))
    if not match:
        return None
    try:
        return datetime.datetime.strptime(match.group("date"), "%Y%m%d").date()
    except ValueError:
        return None


def default_tags(cloud, scenarios=()):
    """The seed's tags for a cloud, from the endpoint catalogue (WindowsAdminCenter when "wac" is a scenario)."""
    try:
        return catalogue_service_tags(check_cloud(cloud), scenarios)
    except CatalogueError as exc:
        raise ServiceTagsError(str(exc))


def normalize_cloud(cloud):
    try:
        return check_cloud(cloud)
    except CatalogueError as exc:
        raise ServiceTagsError(str(exc))


def expected_file_name(cloud):
    return "ServiceTags_%s_YYYYMMDD.json" % FILE_CLOUD[normalize_cloud(cloud)]


# --------------------------------------------------------------------------------------------- parse

def parse(data, source, file_date=None, date_origin=None):
    """Parse and validate the bytes (or text) of a Service Tags file. ``source`` names it in messages."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            raise ServiceTagsError("%s is not UTF-8 text (%s); it is not a Service Tags JSON file: download it again"
                                   % (source, exc.reason))
    elif data.startswith("\ufeff"):
        data = data[1:]
    if not data.strip():
        raise ServiceTagsError("%s is empty; download the Service Tags file again" % source)
    try:
        doc = json.loads(data)
    except ValueError as exc:
        detail = getattr(exc, "msg", str(exc))
        where = ""
        if getattr(exc, "lineno", None) is not None:
            where = " at line %d column %d" % (exc.lineno, exc.colno)
        raise ServiceTagsError("%s is not valid JSON (%s%s); the file may be truncated or an HTML error page: "
                               "download it again" % (source, detail, where))
    return validate(doc, source, file_date=file_date, date_origin=date_origin)


def validate(doc, source, file_date=None, date_origin=None):
    """Check the structure of a decoded Service Tags document and build a :class:`ServiceTagsFile`."""
    if not isinstance(doc, dict):
        raise ServiceTagsError("%s holds a JSON %s, not an object with the keys changeNumber, cloud and values; "
                               "it is not a Service Tags file" % (source, type(doc).__name__))
    missing = [key for key in ("changeNumber", "cloud", "values") if key not in doc]
    if missing:
        raise ServiceTagsError("%s is missing the top-level key%s %s; a Service Tags file has changeNumber, cloud "
                               "and values: use the weekly download (ServiceTags_<Cloud>_YYYYMMDD.json) unchanged"
                               % (source, "s" if len(missing) > 1 else "", _quoted(missing)))
    change_number = _int_like(doc["changeNumber"])
    if change_number is None:
        raise ServiceTagsError("%s: top-level changeNumber must be an integer, not %r" % (source, doc["changeNumber"]))
    cloud = doc["cloud"]
    if not isinstance(cloud, str) or not cloud:
        raise ServiceTagsError("%s: top-level cloud must be a non-empty string such as 'Public', not %r"
                               % (source, cloud))
    values = doc["values"]
    if not isinstance(values, list):
        raise ServiceTagsError("%s: top-level values must be a list of service tags, not a JSON %s"
                               % (source, type(values).__name__))
    tags = []
    for index, value in enumerate(values):
        where = "%s: values[%d]" % (source, index)
        if not isinstance(value, dict):
            raise ServiceTagsError("%s must be an object with name and properties, not a JSON %s"
                                   % (where, type(value).__name__))
        name = value.get("name")
        if not isinstance(name, str) or not name:
            raise ServiceTagsError("%s has no name (a non-empty string such as 'Storage.EastUS')" % where)
        where = "%s (%s)" % (where, name)
        props = value.get("properties")
        if not isinstance(props, dict):
            raise ServiceTagsError("%s has no properties object" % where)
        prefixes = props.get("addressPrefixes")
        if not isinstance(prefixes, list):
            raise ServiceTagsError("%s has no properties.addressPrefixes list" % where)
        for prefix in prefixes:
            if not isinstance(prefix, str):
                raise ServiceTagsError("%s: properties.addressPrefixes holds %r, not a CIDR string" % (where, prefix))
        region = props.get("region") or ""
        if not isinstance(region, str):
            raise ServiceTagsError("%s: properties.region must be a string, not %r" % (where, region))
        system_service = props.get("systemService") or ""
        tags.append(ServiceTag(name, region, prefixes, _int_like(props.get("changeNumber")), system_service))
    return ServiceTagsFile(change_number, cloud, tags, source, file_date=file_date, date_origin=date_origin)


def load_path(path, source=None):
    """Read and parse a file; its date comes from its name, else from its modification time."""
    source = source or path
    try:
        with open(path, "rb") as stream:
            data = stream.read()
        mtime = os.stat(path).st_mtime
    except (IOError, OSError) as exc:
        raise ServiceTagsError("cannot read %s: %s" % (source, exc.strerror or exc))
    file_date = date_from_name(path)
    origin = "file name"
    if file_date is None:
        file_date = datetime.datetime.fromtimestamp(mtime).date()
        origin = "modification time"
    return parse(data, source, file_date=file_date, date_origin=origin)


def newest_in_directory(directory, cloud):
    """The newest ``ServiceTags_<FileCloud>_YYYYMMDD.json`` for the cloud in a directory (a mirror folder)."""
    cloud = normalize_cloud(cloud)
    aliases = set(a.lower() for a in FILE_CLOUD_ALIASES[cloud])
    try:
        names = os.listdir(directory)
    except (IOError, OSError) as exc:
        raise ServiceTagsError("cannot list %s: %s" % (directory, exc.strerror or exc))
    best = None
    others = []
    for name in sorted(names):
        match = FILE_NAME_RE.match(name)
        if not match or date_from_name(name) is None:
            continue
        if match.group("cloud").lower() not in aliases:
            others.append(name)
            continue
        key = (match.group("date"), name)
        if best is None or key > best:
            best = key
    if best is None:
        found = (" (it holds %s, for other clouds)" % _quoted(others)) if others else ""
        raise ServiceTagsError("no %s in the directory %s%s; put the current %s file from %s there, or set "
                               "path= to a file or url= to a mirror"
                               % (expected_file_name(cloud), directory, found, cloud, DOWNLOAD_PAGE[cloud]))
    return os.path.join(directory, best[1])


# --------------------------------------------------------------------------------------------- checks

def file_cloud_to_catalogue(file_cloud):
    """The catalogue cloud a file's "cloud" value belongs to, or None."""
    lowered = str(file_cloud).lower()
    for cloud, aliases in FILE_CLOUD_ALIASES.items():
        if lowered in (a.lower() for a in aliases):
            return cloud
    return None


def check_file_cloud(stf, cloud):
    """Raise when the file is for another cloud than ``cloud`` (a catalogue name)."""
    cloud = normalize_cloud(cloud)
    owner = file_cloud_to_catalogue(stf.cloud)
    if owner == cloud:
        return
    expected = FILE_CLOUD[cloud]
    if owner is not None:
        raise ServiceTagsError(
            "%s is the Service Tags file of cloud %s (its cloud field is '%s'), but cloud=%s needs the '%s' file "
            "(%s, from %s); use that file, or set cloud=%s"
            % (stf.source, owner, stf.cloud, cloud, expected, expected_file_name(cloud), DOWNLOAD_PAGE[cloud], owner))
    other = OTHER_FILE_CLOUDS.get(str(stf.cloud).lower(), "a cloud this collection does not know")
    raise ServiceTagsError(
        "%s is a Service Tags file for cloud '%s' (%s), but cloud=%s needs the '%s' file (%s, from %s)"
        % (stf.source, stf.cloud, other, cloud, expected, expected_file_name(cloud), DOWNLOAD_PAGE[cloud]))


def age_warning(stf, max_age_days, today=None, cloud="AzureCloud"):
    """A warning text when the file is older than ``max_age_days`` (0 or None: never), else None."""
    if not max_age_days or stf.file_date is None:
        return None
    today = today or datetime.date.today()
    age = (today - stf.file_date).days
    if age <= max_age_days:
        return None
    cloud = normalize_cloud(cloud)
    return ("%s is %d days old (dated %s by its %s), older than max_age_days=%d; Microsoft publishes the file "
            "weekly and starts using new ranges a week after adding them, so rules built from it may miss current "
            "addresses: get the current file from %s (or raise max_age_days)"
            % (stf.source, age, stf.file_date.isoformat(), stf.date_origin, max_age_days, DOWNLOAD_PAGE[cloud]))


def normalize_regions(stf, regions):
    """Region names as the file writes them (lower-case short names); raise for a region not in the file."""
    out = []
    known = stf.regions
    for region in regions or ():
        short = str(region).replace(" ", "").lower()
        if short not in known:
            close = _closest(short, known)
            hint = ("closest in the file: %s" % ", ".join(close)) if close else (
                "the file has %d regions, e.g. %s" % (len(known), ", ".join(known[:5])) if known else
                "the file has no regional tags")
            raise ServiceTagsError("region '%s' is not in %s (%s); use the short region name, e.g. eastus"
                                   % (region, stf.source, hint))
        if short not in out:
            out.append(short)
    return out


# --------------------------------------------------------------------------------------------- select

def select(stf, tags, regions=(), include_global=True, on_missing="error"):
    """The ServiceTag entries for the requested tags; returns ``(entries, missing_tag_names)``.

    ``regions`` adds each tag's regional variants (``Storage.EastUS``) for those regions. With
    ``include_global=False`` a tag that has such variants is represented by them alone; a tag without a
    variant for any of the regions (AzureActiveDirectory, AzureTrafficManager) keeps its global entry.
    """
    if on_missing not in ON_MISSING:
        raise ServiceTagsError("on_missing must be one of %s, not %r" % (", ".join(ON_MISSING), on_missing))
    regions = normalize_regions(stf, regions)
    chosen = []
    seen = set()
    missing = []

    def add(entry):
        if entry.name not in seen:
            seen.add(entry.name)
            chosen.append(entry)

    for requested in tags or ():
        entry = stf.by_name.get(requested) or stf.by_lower.get(str(requested).lower())
        if entry is None:
            if requested not in missing:
                missing.append(requested)
            continue
        variants = []
        if regions:
            variants = [v for v in stf.variants.get(entry.name.lower(), ()) if v.region.lower() in regions]
        if include_global or not variants:
            add(entry)
        for variant in variants:
            add(variant)
    if missing and on_missing == "error":
        pronoun = "it" if len(missing) == 1 else "them"
        raise ServiceTagsError("%s; remove %s from tags, set on_missing=warn, or use a file that has %s"
                               % (missing_message(stf, missing), pronoun, pronoun))
    return chosen, missing


def missing_message(stf, missing):
    parts = []
    names = [t.name for t in stf.tags if not t.region]
    for tag in missing:
        close = _closest(tag, names, limit=3)
        parts.append("'%s'%s" % (tag, (" (closest: %s)" % ", ".join(close)) if close else ""))
    one = len(missing) == 1
    return "%s %s %s not in %s (cloud '%s', changeNumber %d)" % (
        "tag" if one else "tags", ", ".join(parts), "is" if one else "are", stf.source, stf.cloud, stf.change_number)


# --------------------------------------------------------------------------------------------- merge

def _require_netaddr():
    if not HAS_NETADDR:
        raise ServiceTagsError(NETADDR_HINT)


def merge(entries, ip_version="both", merge_prefixes=True, source="the Service Tags file"):
    """Split the entries' prefixes by IP version and merge them with netaddr.

    Returns a list of ``(IPNetwork, [tag names])`` sorted IPv4 first, then by address. With
    ``merge_prefixes`` the networks are the smallest CIDR cover of the union (netaddr.cidr_merge), and each
    carries the names of every entry with a prefix inside it; without, each distinct prefix is kept as is.
    """
    _require_netaddr()
    ip_version = str(ip_version)
    if ip_version not in IP_VERSIONS:
        raise ServiceTagsError("ip_version must be 4, 6 or both, not %r" % (ip_version,))
    wanted = (4, 6) if ip_version == "both" else (int(ip_version),)
    ipnetwork = netaddr.IPNetwork
    by_version = {4: [], 6: []}
    for entry in entries:
        name = entry.name
        for prefix in entry.prefixes:
            try:
                net = ipnetwork(prefix)
            except (netaddr.AddrFormatError, ValueError, TypeError) as exc:
                raise ServiceTagsError("%s: tag '%s' has an invalid address prefix '%s' (%s); the file is damaged: "
                                       "download it again" % (source, name, prefix, exc))
            if net.version in wanted:
                by_version[net.version].append((net.first, net.last, name, net))
    out = []
    for version in (4, 6):
        items = by_version[version]
        if not items:
            continue
        items.sort(key=lambda item: (item[0], -item[1]))
        if merge_prefixes:
            merged = netaddr.cidr_merge([item[3] for item in items])
            merged.sort(key=lambda net: net.first)
            # Every input prefix is an aligned block inside exactly one output block, and both lists are sorted by
            # first address, so one pass assigns each input's tag to its block.
            index, count = 0, len(items)
            for net in merged:
                last = net.last
                names = set()
                while index < count and items[index][0] <= last:
                    names.add(items[index][2])
                    index += 1
                out.append((net.cidr, sorted(names)))
        else:
            groups = {}
            order = []
            for first, last, name, net in items:
                key = (first, last)
                if key not in groups:
                    groups[key] = (net.cidr, set())
                    order.append(key)
                groups[key][1].add(name)
            for key in order:
                out.append((groups[key][0], sorted(groups[key][1])))
    return out


def prefixes(stf, cloud, tags=None, scenarios=(), regions=(), include_global=True, ip_version="both",
             merge_prefixes=True, on_missing="error"):
    """Everything the lookup does after loading: returns ``(elements, missing_tag_names)``.

    Each element is a dict: prefix, version, tags, change_number, cloud, file_cloud, source, file_date.
    """
    cloud = normalize_cloud(cloud)
    check_file_cloud(stf, cloud)
    if not tags:
        tags = default_tags(cloud, scenarios)
    entries, missing = select(stf, tags, regions=regions, include_global=include_global, on_missing=on_missing)
    merged = merge(entries, ip_version=ip_version, merge_prefixes=merge_prefixes, source=stf.source)
    file_date = stf.file_date.isoformat() if stf.file_date else None
    elements = [
        {
            "prefix": str(net),
            "version": net.version,
            "tags": names,
            "change_number": stf.change_number,
            "cloud": cloud,
            "file_cloud": stf.cloud,
            "source": stf.source,
            "file_date": file_date,
        }
        for net, names in merged
    ]
    return elements, missing
