# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""TLS guidance of each edition of Microsoft's page, and the cipher suites agent 1.56+ (Windows) requires.

Data only; ``_catalogue`` exposes it (``tls_guidance()``, ``cipher_suites()``), and the arc_tls role enforces the
suites from it. Standard library only, Python 3.8 compatible.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

CIPHER_SUITES_SOURCE = ("network-requirements.md at a0e94e03f8e9 (2026-06-24), 'Cryptographic protocols'; "
                        "troubleshoot-networking.md 'Windows TLS configuration issues'")
CIPHER_SUITES_AGENT = "1.56"

# In the server-preferred order the page gives. "openssl" is the OpenSSL name of the same suite, for the Linux
# check (TLS 1.3 suites keep their IANA name there); "id" the IANA code point.
CIPHER_SUITES = (
    {"name": "TLS_AES_256_GCM_SHA384", "id": 0x1302, "tls": "1.3", "openssl": "TLS_AES_256_GCM_SHA384",
     "key_exchange": "ECDH secp521r1"},
    {"name": "TLS_AES_128_GCM_SHA256", "id": 0x1301, "tls": "1.3", "openssl": "TLS_AES_128_GCM_SHA256",
     "key_exchange": "ECDH secp256r1"},
    {"name": "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", "id": 0xC030, "tls": "1.2",
     "openssl": "ECDHE-RSA-AES256-GCM-SHA384", "key_exchange": "ECDH secp521r1"},
    {"name": "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", "id": 0xC02F, "tls": "1.2",
     "openssl": "ECDHE-RSA-AES128-GCM-SHA256", "key_exchange": "ECDH secp256r1"},
)

_LINUX = ("Linux distributions rely on OpenSSL for TLS 1.2; check the OpenSSL changelog to confirm the installed "
          "version supports it.")
TLS_GUIDANCE = {
    "2024-03": {
        "min_version": "TLSv1.2",
        "versions": ("TLSv1.2",),
        "summary": "Configure the machine to use TLS 1.2. Older TLS/SSL versions still work for backwards "
                   "compatibility but are not recommended.",
        "linux": _LINUX,
        "windows": "Windows Server 2012 R2 and later support TLS 1.2 and enable it by default; confirm the default "
                   "settings are still in place.",
        "tls13_allowed": ("*.<region>.arcdataservices.com",),
        "cipher_suites": (),
    },
    "2026-06": {
        "min_version": "TLSv1.2",
        "versions": ("TLSv1.2", "TLSv1.3"),
        "summary": "Configure the machine to use TLS 1.2 and 1.3. Older TLS/SSL versions still work for backward "
                   "compatibility but are not recommended.",
        "linux": _LINUX,
        "windows": "Windows Server 2012 R2 and later support TLS 1.2 and enable it by default; confirm the default "
                   "settings are still in place. From agent %s, at least one of the listed cipher suites must be "
                   "configured for TLS 1.2 or 1.3. Windows Server 2012: partially supported, not recommended."
                   % CIPHER_SUITES_AGENT,
        "tls13_allowed": ("*.<region>.arcdataservices.com", "*.<region>.arcdataservices.azure.us"),
        "tls12_or_13_only": ("*.<region>.arcdataservices.com", "*.<region>.arcdataservices.azure.us"),
        "cipher_suites": CIPHER_SUITES,
        "cipher_suites_agent": CIPHER_SUITES_AGENT,
        "cipher_suites_platforms": ("windows",),
        "cipher_suites_source": CIPHER_SUITES_SOURCE,
    },
}
