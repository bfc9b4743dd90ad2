# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The TLS cipher suites Microsoft requires for the Azure Connected Machine agent, as data.

PRIVATE to the collection. Standard library only, Python 3.8+ (read on managed hosts by the tls_check module, on
the controller by the arc_tls role's Windows tasks through the role's vars, and by the tests).

Source (the collection's reference copy is shared/reference/microsoft/network-requirements-2026-06-24.md):
Microsoft, "Azure Arc network requirements", MicrosoftDocs/azure-management-docs
``articles/azure-arc/servers/includes/network-requirements.md`` at revision ``a0e94e03f8e9`` (2026-06-24, ms.date
04/01/2026), section "Cryptographic protocols": "Starting from version 1.56 of the Connected Machine agent (Windows
only), the following cipher suites must be configured for at least one of the recommended TLS versions", TLS 1.3
and TLS 1.2 lists "in server-preferred order". troubleshoot-networking.md @``aebc6214`` (2026-06-05) narrows it to
Windows agents 1.56-1.63, not Windows Server 2012 / 2012 R2; agent 1.64 reverted the enforcement.

When the catalogue exposes the same table (its editions work), this file gives way to it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

SOURCE = ("Microsoft, Azure Arc network requirements (azure-management-docs network-requirements.md @a0e94e03f8e9, "
          "2026-06-24), Cryptographic protocols: agent 1.56+ on Windows needs at least one of these suites for TLS "
          "1.2 or 1.3")

# In Microsoft's order (server-preferred, TLS 1.3 first). ``name`` is the IANA name, which is also the name
# Windows uses (Get-TlsCipherSuite, the SSL\00010002 Functions list); ``openssl`` is OpenSSL's name.
CIPHER_SUITES = (
    {"name": "TLS_AES_256_GCM_SHA384", "code": 0x1302, "tls": "TLSv1.3", "openssl": "TLS_AES_256_GCM_SHA384"},
    {"name": "TLS_AES_128_GCM_SHA256", "code": 0x1301, "tls": "TLSv1.3", "openssl": "TLS_AES_128_GCM_SHA256"},
    {"name": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "code": 0xC030, "tls": "TLSv1.2",
     "openssl": "ECDHE-RSA-AES256-GCM-SHA384"},
    {"name": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "code": 0xC02F, "tls": "TLSv1.2",
     "openssl": "ECDHE-RSA-AES128-GCM-SHA256"},
)


def suites(tls=None):
    """The suites, all or those of one TLS version (``TLSv1.2`` or ``TLSv1.3``), in Microsoft's order."""
    return [dict(s) for s in CIPHER_SUITES if tls is None or s["tls"] == tls]


def by_openssl_name(name):
    """The suite OpenSSL calls ``name``, or None."""
    for suite in CIPHER_SUITES:
        if suite["openssl"] == name:
            return dict(suite)
    return None
