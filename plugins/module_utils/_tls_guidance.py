# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The cipher suites Microsoft requires for the Azure Connected Machine agent, in the form the TLS check uses.

PRIVATE to the collection. Standard library only, Python 3.8+ (read on managed hosts by the tls_check module).
The table and its source are the catalogue's (``_catalogue_tls.CIPHER_SUITES``, the 2026-06 edition); this is a
view of it with Windows' and OpenSSL's spelling of the versions (``TLSv1.2``) and the IANA code as ``code``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.arcready.network.plugins.module_utils import _catalogue_tls

SOURCE = _catalogue_tls.CIPHER_SUITES_SOURCE

# In Microsoft's order (server-preferred, TLS 1.3 first).
CIPHER_SUITES = tuple({"name": s["name"], "code": s["id"], "tls": "TLSv" + s["tls"], "openssl": s["openssl"]}
                      for s in _catalogue_tls.CIPHER_SUITES)


def suites(tls=None):
    """The suites, all or those of one TLS version (``TLSv1.2`` or ``TLSv1.3``), in Microsoft's order."""
    return [dict(s) for s in CIPHER_SUITES if tls is None or s["tls"] == tls]


def names():
    """The suites' names (IANA, as Windows spells them), in Microsoft's order."""
    return [s["name"] for s in CIPHER_SUITES]


def by_openssl_name(name):
    """The suite OpenSSL calls ``name``, or None."""
    for suite in CIPHER_SUITES:
        if suite["openssl"] == name:
            return dict(suite)
    return None
