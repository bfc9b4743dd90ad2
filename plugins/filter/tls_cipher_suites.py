# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The tls_cipher_suites filter: the names of the cipher suites the agent needs, read from the catalogue's table.

Its documentation is in the sidecar file tls_cipher_suites.yml. The arc_tls role reads the table through it rather
than keeping a copy.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.arcready.network.plugins.module_utils._catalogue import CatalogueError, cipher_suites


def tls_cipher_suites(edition="2026-06", tls=None):
    """Names (IANA, as Windows spells them) of the suites agent 1.56+ needs, in Microsoft's order."""
    try:
        return [s["name"] for s in cipher_suites(edition, tls)]
    except CatalogueError as exc:
        raise AnsibleFilterError("arcready.network.tls_cipher_suites: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {"tls_cipher_suites": tls_cipher_suites}
