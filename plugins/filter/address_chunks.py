# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The address_chunks filter: merge IP prefixes with netaddr and split them into firewall-rule-sized chunks.

Its documentation is in the sidecar file address_chunks.yml.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

# Community reports put the practical limit of Windows Defender Firewall at about 1000 addresses per rule.
DEFAULT_SIZE = 1000
_FAMILIES = {"4": (4,), "6": (6,), "both": (4, 6)}


def _prefix(item):
    """A prefix string from a string, or from a dict with 'prefix' (what the service_tags lookup returns)."""
    if isinstance(item, dict):
        if "prefix" not in item:
            raise AnsibleFilterError("arcready.network.address_chunks: a dictionary item needs a 'prefix' key, got %s"
                                     % to_native(sorted(item)))
        item = item["prefix"]
    if not isinstance(item, str):
        raise AnsibleFilterError("arcready.network.address_chunks: %r is not an address or prefix string" % (item,))
    return to_native(item).strip()


def address_chunks(addresses, size=DEFAULT_SIZE, merge=True, ip_version="both"):
    """Merge ``addresses`` (IPs or CIDR prefixes) and split them into lists of at most ``size`` prefixes."""
    # Imported here, not at the top: Ansible loads every filter file of a collection to find any one of its
    # filters, in each worker process, and netaddr's import alone costs a large fleet's controller seconds.
    try:
        import netaddr
    except ImportError:
        raise AnsibleFilterError("arcready.network.address_chunks needs the netaddr Python library on the controller "
                                 "(pip install netaddr)")
    if isinstance(addresses, (str, dict)) or addresses is None:
        raise AnsibleFilterError("arcready.network.address_chunks expects a list of addresses or prefixes, got %s"
                                 % type(addresses).__name__)
    try:
        size = int(size)
    except (TypeError, ValueError):
        raise AnsibleFilterError("arcready.network.address_chunks: size must be a whole number, got %r" % (size,))
    if size < 1:
        raise AnsibleFilterError("arcready.network.address_chunks: size must be at least 1, got %d" % size)
    families = _FAMILIES.get(str(ip_version))
    if families is None:
        raise AnsibleFilterError("arcready.network.address_chunks: ip_version must be one of 4, 6, both; got %r"
                                 % (ip_version,))
    networks = []
    for item in addresses:
        text = _prefix(item)
        if not text:
            continue
        try:
            network = netaddr.IPNetwork(text)
        except (netaddr.AddrFormatError, ValueError, TypeError) as exc:
            raise AnsibleFilterError("arcready.network.address_chunks: %r is not an IP address or prefix (%s)"
                                     % (text, to_native(exc)))
        if network.version in families:
            networks.append(network.cidr)
    if merge:
        networks = netaddr.cidr_merge(networks)
    else:
        seen = set()
        unique = []
        for network in sorted(networks):
            if network not in seen:
                seen.add(network)
                unique.append(network)
        networks = unique
    prefixes = [str(network) for network in networks]
    return [prefixes[start:start + size] for start in range(0, len(prefixes), size)]


class FilterModule(object):
    def filters(self):
        return {"address_chunks": address_chunks}
