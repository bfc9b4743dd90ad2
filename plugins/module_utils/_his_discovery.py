# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Regional HIS discovery: the request the agent makes to find its regional host, and a defensive reading of it.

PRIVATE to the collection. Standard library only, Python 3.8+ (it runs on managed hosts).

The agent asks ``https://gbl.his.arc.azure.<suffix>/discovery?location=<region>&api-version=2.1`` for its regional
HIS host (a shard code such as ``eus``, which cannot be derived from the region name). The shape of the answer is
not documented: older clients read a bare JSON string URL, so this accepts a JSON string, an object or a list holding
a URL or a host, and keeps only a host that really is a regional HIS host of the same cloud. When it cannot, it says
what it received, cut short, so the report shows why the catalogue's fallback was used.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re

API_VERSION = "2.1"
MAX_BODY = 64 * 1024
MAX_DEPTH = 8
# Where the probed regional host came from, in each HIS result's ``host_source``.
SOURCES = ("discovered", "catalogue", "unknown")

_SUFFIX = {"AzureCloud": "com", "AzureUSGovernment": "us", "AzureChinaCloud": "cn"}
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_URL_OR_HOST = re.compile(r"(?i)^(?:https://)?(%s(?:\.%s)*)(?::443)?/?$" % (_LABEL, _LABEL))
_REGION = re.compile(r"^[a-z0-9]{2,40}$")


class DiscoveryError(ValueError):
    """The answer could not be understood; the message says what was received."""


def his_suffix(cloud):
    return "his.arc.azure.%s" % _SUFFIX[cloud]


def global_host(cloud):
    return "gbl." + his_suffix(cloud)


def path(region):
    """The request path for ``region`` (an ARM name, already validated by the catalogue)."""
    if not _REGION.match(region or ""):
        raise ValueError("region %r cannot be put in the discovery request: use the ARM name, e.g. eastus" % region)
    return "/discovery?location=%s&api-version=%s" % (region, API_VERSION)


def _shown(body):
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body)
    text = " ".join(text.split())
    return text if len(text) <= 120 else text[:117] + "..."


def _strings(node, depth=0):
    """Every string in a JSON document, breadth first, so a top-level URL wins over a nested one."""
    if depth > MAX_DEPTH:
        return []
    if isinstance(node, str):
        return [node]
    children = list(node.values()) if isinstance(node, dict) else list(node) if isinstance(node, list) else []
    found = [c for c in children if isinstance(c, str)]
    for child in children:
        if isinstance(child, (dict, list)):
            found.extend(_strings(child, depth + 1))
    return found


def regional_host(body, cloud):
    """The regional HIS host named in a discovery answer, or DiscoveryError saying what came instead."""
    if len(body) > MAX_BODY:
        raise DiscoveryError("the discovery answer is larger than %d bytes" % MAX_BODY)
    raw = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError):
        document = raw.strip()
    suffix = "." + his_suffix(cloud)
    for text in _strings(document):
        match = _URL_OR_HOST.match(text.strip())
        if not match:
            continue
        host = match.group(1).lower()
        if host.endswith(suffix) and host != global_host(cloud) and host.count(".") == suffix.count("."):
            return host
    raise DiscoveryError("the discovery answer names no regional %s host: %s" % (suffix[1:], _shown(body)))


def compare(discovered, catalogue):
    """A warning when discovery and the catalogue's shard map disagree, else None."""
    if discovered and catalogue and discovered != catalogue:
        return ("regional HIS host: discovery returned %s but the catalogue's shard map says %s; the discovered "
                "host was probed (the map may be out of date)" % (discovered, catalogue))
    return None
