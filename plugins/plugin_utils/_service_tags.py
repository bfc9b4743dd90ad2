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
import socket
import stat
import threading

try:
    import netaddr
    HAS_NETADDR = True
    NETADDR_IMPORT_ERROR = None
except ImportError as _exc:  # pragma: no cover - exercised by monkeypatching HAS_NETADDR
    netaddr = None
    HAS_NETADDR = False
    NETADDR_IMPORT_ERROR = _exc

from ansible_collections.arcready.network.plugins.module_utils import _catalogue
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

# The largest file read or downloaded. Microsoft's public file is about 4 MiB; a cap stops a device, an endless
# download or a wrong file from filling the controller's memory.
MAX_BYTES = 64 * 1024 * 1024
# Required by Microsoft's current page (2026-04) in Azure Cloud; catalogue_service_tags() of the catalogue's
# current edition will name it too, this only makes sure it is there until then.
FRONT_DOOR = "AzureFrontDoor.Frontend"
ARC_TAG = "AzureArcInfrastructure"
# Gov and China: the public cloud's AzureArcInfrastructure ranges are required too (required after 2025-10-28).
NEEDS_PUBLIC_ARC = ("AzureUSGovernment", "AzureChinaCloud")

FILE_NAME_RE = re.compile(r"^ServiceTags_(?P<cloud>[A-Za-z0-9]+)_(?P<date>\d{8})\.json$", re.IGNORECASE)
IP_VERSIONS = ("4", "6", "both")
ON_MISSING = ("error", "warn", "ignore")


class ServiceTagsError(ValueError):
    """A Service Tags file or a request for it is unusable; the message says what and how to fix it."""


class ServiceTag(object):
    """One entry of ``values``: a tag (``Storage``) or a regional variant (``Storage.EastUS``)."""

    __slots__ = ("name", "region", "prefixes", "change_number", "system_service", "region_id")

    def __init__(self, name, region, prefixes, change_number, system_service, region_id=None):
        self.name = name
        self.region = region
        self.prefixes = prefixes
        self.change_number = change_number
        self.system_service = system_service
        self.region_id = region_id

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
        self.region_aliases = learn_regions(tags)

    @property
    def regions(self):
        """The file's own region codes (properties.region), lower case."""
        return sorted(set(t.region.lower() for t in self.tags if t.region))

    @property
    def prefix_count(self):
        return sum(len(t.prefixes) for t in self.tags)


# --------------------------------------------------------------------------------------------- regions

def _squash(name):
    """``Germany West Central``, ``GermanyWestCentral`` and ``germanywestcentral`` are one key."""
    return re.sub(r"[\s_-]", "", str(name)).lower()


def arm_region_name(region):
    """The ARM name for an ARM or display name (``East US 2`` -> ``eastus2``).

    Uses the catalogue's region table when it has one (``_catalogue.arm_region_name``, from the catalogue's
    editions work); without it, a display name squashed to lower case is the ARM name for every Azure region.
    """
    table = getattr(_catalogue, "arm_region_name", None)
    if table is not None:
        try:
            known = table(region)
        except (CatalogueError, TypeError, ValueError):
            known = None
        if known:
            return known
    return _squash(region)


def learn_regions(tags):
    """Every name the file uses for a region -> the file's own region codes (``properties.region``).

    Real files do not always write a region's ARM name: ``Storage.GermanyWestCentral`` and
    ``AzureCloud.germanywc`` both carry ``"region": "germanywc"`` and the same ``regionId``. So the code, the
    tag name suffix (``GermanyWestCentral``, the ARM name in PascalCase) and every name sharing a ``regionId``
    all lead to the codes of that region. Nothing is taken from a table: a file with new codes works as is.
    """
    aliases = {}
    by_id = {}
    for tag in tags:
        if not tag.region:
            continue
        code = tag.region.lower()
        names = {code, _squash(code)}
        if "." in tag.name:
            names.add(_squash(tag.name.split(".", 1)[1]))
        for name in names:
            aliases.setdefault(name, set()).add(code)
        if tag.region_id:
            group = by_id.setdefault(tag.region_id, (set(), set()))
            group[0].update(names)
            group[1].add(code)
    for names, codes in by_id.values():
        for name in names:
            aliases[name].update(codes)
    return dict((name, tuple(sorted(codes))) for name, codes in aliases.items())


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
    """The tags Microsoft's current page names for a cloud, from the endpoint catalogue (WindowsAdminCenter when
    "wac" is a scenario), with AzureFrontDoor.Frontend in Azure Cloud (required since April 2026)."""
    try:
        cloud = check_cloud(cloud)
        tags = list(catalogue_service_tags(cloud, scenarios))
    except CatalogueError as exc:
        raise ServiceTagsError(str(exc))
    if cloud == "AzureCloud" and FRONT_DOOR.lower() not in (t.lower() for t in tags):
        tags.append(FRONT_DOOR)
    return tags


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
    except RecursionError:
        raise ServiceTagsError("%s is nested too deeply to be a Service Tags file (JSON arrays or objects inside each "
                               "other beyond Python's limit); it is not the weekly download: download it again"
                               % source)
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
        tags.append(ServiceTag(name, region, prefixes, _int_like(props.get("changeNumber")), system_service,
                               _int_like(props.get("regionId"))))
    return ServiceTagsFile(change_number, cloud, tags, source, file_date=file_date, date_origin=date_origin)


def _kind(mode):
    for test, name in ((stat.S_ISDIR, "a directory"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISFIFO, "a FIFO (named pipe)"),
                       (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return name
    return "not a regular file"


def too_big(source, limit=None):
    limit = MAX_BYTES if limit is None else limit
    size = ("%d MiB" % (limit >> 20)) if limit % (1 << 20) == 0 else ("%d bytes" % limit)
    return ServiceTagsError("%s is larger than %s, the most this collection reads (Microsoft's weekly file is about "
                            "4 MiB); it is not a Service Tags file: check path= or url=" % (source, size))


def read_regular_file(path, source):
    """The bytes and modification time of a regular file of at most MAX_BYTES.

    Opened without blocking and checked with fstat before any read, so a FIFO (which would wait for a writer),
    a device (/dev/zero never ends) or a directory is refused by name instead of hanging or filling memory.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except (IOError, OSError) as exc:
        raise ServiceTagsError("cannot read %s: %s" % (source, exc.strerror or exc))
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ServiceTagsError("%s is %s, not a file; set path= to a Service Tags JSON file (or a directory "
                                   "that holds them)" % (source, _kind(info.st_mode)))
        if info.st_size > MAX_BYTES:
            raise too_big(source)
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, min(1 << 20, MAX_BYTES + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > MAX_BYTES:  # it grew while being read
                raise too_big(source)
        return b"".join(chunks), info.st_mtime
    except (IOError, OSError) as exc:
        raise ServiceTagsError("cannot read %s: %s" % (source, exc.strerror or exc))
    finally:
        os.close(fd)


def bounded_download(opener, source, timeout, max_bytes=None):
    """``(body, headers)`` of ``opener()`` (an HTTP response), within ``timeout`` seconds and ``max_bytes`` in all.

    The socket timeout of urllib bounds each read only, so a server that trickles its headers or sends an endless
    body would never be cut off. The download runs in a worker thread that the caller stops waiting for at the
    deadline; the body is read in pieces (``read1``) and given up past ``max_bytes``. Errors of ``opener()`` are
    raised here unchanged, for the caller to explain.
    """
    max_bytes = MAX_BYTES if max_bytes is None else max_bytes
    state = {}
    stop = threading.Event()

    def work():
        try:
            response = opener()
            state["response"] = response
            length = str(response.headers.get("Content-Length") or "").strip()
            if length.isdigit() and int(length) > max_bytes:
                state["too_big"] = True
                return
            read = getattr(response, "read1", None) or response.read
            chunks = []
            total = 0
            while not stop.is_set():
                chunk = read(1 << 16)
                if not chunk:
                    break
                chunks.append(chunk)
                total += len(chunk)
                if total > max_bytes:
                    state["too_big"] = True
                    return
            state["body"] = b"".join(chunks)
            state["headers"] = response.headers
        # Any error of opener() or of the read is handed to the caller as is.
        except Exception as exc:  # pylint: disable=broad-except
            state["error"] = exc
        finally:
            if "response" in state and "body" not in state:
                _close_quietly(state["response"])

    worker = threading.Thread(target=work, name="arcready-service-tags-download")
    worker.daemon = True
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        stop.set()
        _shutdown_socket(state.get("response"))
        raise ServiceTagsError("could not download %s within timeout=%s seconds (the whole download, headers and "
                               "body, must fit in it): the server answers too slowly or without end; raise timeout, "
                               "use a nearer mirror, or download the file and set path=" % (source, timeout))
    if "error" in state:
        raise state["error"]
    if state.get("too_big"):
        raise too_big(source, max_bytes)
    return state["body"], state["headers"]


def _close_quietly(response):
    try:
        response.close()
    except Exception:  # pylint: disable=broad-except
        pass  # best effort on a connection being given up


def _shutdown_socket(response):
    """Wake a worker blocked in recv on ``response``'s socket (closing the buffered reader would wait for it)."""
    sock = getattr(getattr(getattr(response, "fp", None), "raw", None), "_sock", None)
    if sock is not None:
        try:
            sock.shutdown(socket.SHUT_RDWR)
        except (OSError, ValueError):
            pass


def load_path(path, source=None):
    """Read and parse a file; its date comes from its name, else from its modification time."""
    source = source or path
    data, mtime = read_regular_file(path, source)
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
    """The file's own region codes for ARM or display names (or the file's codes); raise for one not in the file."""
    out = []
    aliases = stf.region_aliases
    for region in regions or ():
        codes = aliases.get(arm_region_name(region)) or aliases.get(_squash(region))
        if not codes:
            known = stf.regions
            names = sorted(aliases)
            close = _closest(_squash(region), names)
            hint = ("closest in the file: %s" % ", ".join(close)) if close else (
                "the file has %d regions, e.g. %s" % (len(known), ", ".join(known[:5])) if known else
                "the file has no regional tags")
            raise ServiceTagsError("region '%s' is not in %s (%s); use the ARM name (eastus) or the display name "
                                   "(East US)" % (region, stf.source, hint))
        for code in codes:
            if code not in out:
                out.append(code)
    return out


def _is_arc(entry):
    return entry.base.lower() == ARC_TAG.lower()


def select(stf, tags, regions=(), include_global=True, on_missing="error"):
    """The ServiceTag entries for the requested tags; returns ``(entries, missing_tag_names)``.

    ``regions`` adds each tag's regional variants (``Storage.EastUS``) for those regions. With
    ``include_global=False`` a tag that has such variants is represented by them alone; a tag without a
    variant for any of the regions (AzureActiveDirectory, AzureTrafficManager) keeps its global entry, and
    AzureArcInfrastructure always keeps it: Microsoft requires its full range (the regional parts miss the
    global components), so a regional AzureArcInfrastructure tag named in ``tags`` is refused.
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
        if entry.region and _is_arc(entry):
            raise ServiceTagsError(
                "tag '%s' is a regional part of %s, which Microsoft requires in full (the regional ranges miss the "
                "global components of the service): name %s in tags instead" % (entry.name, ARC_TAG, ARC_TAG))
        variants = []
        if regions:
            variants = [v for v in stf.variants.get(entry.name.lower(), ()) if v.region.lower() in regions]
        if include_global or not variants or _is_arc(entry):
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


def wants_arc(tags):
    return ARC_TAG.lower() in (str(t).lower() for t in tags or ())


def arc_full_note(tags, regions, include_global):
    """The warning when include_global=false would have narrowed AzureArcInfrastructure, else None."""
    if include_global or not regions or not wants_arc(tags):
        return None
    return ("%s is kept in full although include_global=false narrows the other tags to %s: Microsoft requires "
            "the full range (the regional ranges miss the global components)" % (ARC_TAG, ", ".join(regions)))


def public_arc_note(cloud, tags, public):
    """The warning for Gov and China rules without the public cloud's AzureArcInfrastructure ranges, else None."""
    cloud = normalize_cloud(cloud)
    if cloud not in NEEDS_PUBLIC_ARC or public is not None or not wants_arc(tags):
        return None
    return ("only the %s file was given: Microsoft requires the public cloud's %s ranges too for IP rules in %s "
            "(the %s tag alone is no longer supported since 2025-10-28); set public_path= or public_url= to the "
            "public file (%s, from %s), or put it in the same directory as the %s file"
            % (cloud, ARC_TAG, cloud, ARC_TAG, expected_file_name("AzureCloud"), DOWNLOAD_PAGE["AzureCloud"], cloud))


def public_arc_entry(public):
    """The public file's AzureArcInfrastructure, renamed ``Public:AzureArcInfrastructure`` for the results."""
    check_file_cloud(public, "AzureCloud")
    entry = public.by_lower.get(ARC_TAG.lower())
    if entry is None:
        raise ServiceTagsError("%s has no %s tag, which the Gov and China rules need from the public file; use "
                               "the weekly public file unchanged" % (public.source, ARC_TAG))
    return ServiceTag("Public:" + entry.name, "", entry.prefixes, entry.change_number, entry.system_service)


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
             merge_prefixes=True, on_missing="error", public=None):
    """Everything the lookup does after loading: returns ``(elements, missing_tag_names)``.

    Each element is a dict: prefix, version, tags, change_number, cloud, file_cloud, source, file_date,
    public_source. ``public`` (a parsed public file) adds its AzureArcInfrastructure to Gov and China rules.
    """
    cloud = normalize_cloud(cloud)
    check_file_cloud(stf, cloud)
    if not tags:
        tags = default_tags(cloud, scenarios)
    entries, missing = select(stf, tags, regions=regions, include_global=include_global, on_missing=on_missing)
    if public is not None and cloud in NEEDS_PUBLIC_ARC and wants_arc(tags):
        entries.append(public_arc_entry(public))
    else:
        public = None
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
            "public_source": public.source if public is not None else None,
        }
        for net, names in merged
    ]
    return elements, missing
