# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The probe's regional HIS discovery: which endpoint row it replaces, and the replacement.

PRIVATE to the collection. Standard library only, Python 3.8+ (it runs on managed hosts with the module).

The catalogue's shard map can be wrong, and a wrong shard passes when the wrong host resolves, so the probe asks the
global host as the agent does (``_his_discovery``) and probes the host that answer names. The request goes through
``_probe.probe_endpoint``: same proxy, same bypass, same deadline as every endpoint. The map stays the fallback.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.arcready.network.plugins.module_utils import _his_discovery, _probe
from ansible_collections.arcready.network.plugins.module_utils._catalogue import his_host

# The endpoint key (catalogue row, module suboption) that names the row discovery replaces.
KEY = "discover"


def mark(rows, cloud, region):
    """Set ``discover`` on each row: true for the regional HIS row (the catalogue's shard host, or the
    not-probeable wildcard row when the shard is unknown), false elsewhere. Hosts the user supplied stay as given."""
    suffix = _his_discovery.his_suffix(cloud)
    mapped = his_host(cloud, region)["host"] if region else None
    for row in rows:
        regional = row.get("pattern") == "*." + suffix and row.get("host") != _his_discovery.global_host(cloud)
        row[KEY] = bool(regional and (not row.get("probeable", True) or row.get("host") == mapped))
    return rows


def _ask(endpoints, settings, cloud, region):
    """(regional host or None, what discovery said) from one bounded request to the global host."""
    gbl = _his_discovery.global_host(cloud)
    base = next((e for e in endpoints if e.get("probeable", True) and e.get("host") == gbl), None) or {
        "host": gbl, "port": 443, "scheme": "https", "bypass": ["Arc"]}
    request = dict(base, path=_his_discovery.path(region), url=None, probeable=True)
    answer = _probe.probe_endpoint(request, settings, body_limit=_his_discovery.MAX_BODY)
    where = answer["url"]
    if not answer["ok"]:
        return None, "the discovery request %s failed (%s)" % (where, answer["error"])
    if answer["http_status"] != 200:
        return None, "the discovery request %s answered HTTP %s" % (where, answer["http_status"])
    if answer.get("body_truncated"):
        return None, "the discovery answer of %s is larger than %d bytes" % (where, _his_discovery.MAX_BODY)
    try:
        return _his_discovery.regional_host(answer.get("body") or "", cloud), "discovered by %s" % where
    except _his_discovery.DiscoveryError as exc:
        return None, "%s (%s)" % (exc, where)


def discover(endpoints, settings, cloud, region, warnings):
    """The endpoints with the marked regional HIS row replaced by the discovered host (or the map's, or left not
    probeable), each carrying ``host_source`` and ``catalogue_host`` for ``annotate``."""
    rows = [e for e in endpoints if e.get(KEY)]
    if not rows:
        return endpoints
    mapped = his_host(cloud, region)["host"]
    host, said = _ask(endpoints, settings, cloud, region)
    out = []
    for ep in endpoints:
        if not ep.get(KEY):
            out.append(ep)
            continue
        new = dict(ep, catalogue_host=mapped, discovery=said)
        if host or mapped:
            chosen = host or mapped
            new.update(host=chosen, url="https://" + _probe.authority(chosen, ep.get("port", 443), "https"),
                       probeable=True, reason="", host_source="discovered" if host else "catalogue")
        else:
            new.update(host_source="unknown", reason="discovery gave no regional host: %s; %s" % (said, ep["reason"]))
        if not any(o.get(KEY) and o["host"] == new["host"] and o.get("port") == new.get("port") for o in out):
            out.append(new)
    warning = _his_discovery.compare(host, mapped)
    if warning:
        warnings.append(warning)
    return out


def annotate(endpoints, results):
    """Copy where each regional HIS host came from into its result (results are in endpoint order)."""
    for ep, result in zip(endpoints, results):
        if ep.get("host_source"):
            result["host_source"] = ep["host_source"]
            result["catalogue_host"] = ep.get("catalogue_host")
            result["discovery"] = ep.get("discovery")
            if ep["host_source"] == "catalogue":
                note = "host from the catalogue's shard map: %s" % ep["discovery"]
                result["hint"] = "%s; %s" % (result["hint"], note) if result.get("hint") else note
    return results
