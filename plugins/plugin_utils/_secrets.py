# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The secrets of a proxy as the controller was given it, for ``_proxy.redact``: PRIVATE to the collection.

``_proxy.parse`` finds the password of a usable URL; a URL that cannot be used (bad port, spaces) is exactly the
one a validation message echoes, so its user information is read on its own here and its password masked too.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

from ansible_collections.arcready.network.plugins.module_utils._proxy import ProxyError, parse, secret_forms

_SCHEME = re.compile(r"(?i)^[a-z][a-z0-9+.-]*://")
NOT_A_URL = ("", "auto", "none")


def proxy_secrets(url, username=None, password=None):
    """Every form of the password of ``url`` (or of ``password``), also when the URL itself is not usable."""
    username = None if username is None else str(username)
    password = None if password is None else str(password)
    forms = secret_forms(password, username=username) if password else ()
    if not isinstance(url, str) or url.strip().lower() in NOT_A_URL:
        return forms
    try:
        return parse(url, username, password).secrets() + forms
    except ProxyError:
        pass
    text = _SCHEME.sub("", url.strip())
    if "@" not in text:
        return forms
    try:
        return parse("http://%s@proxy.invalid" % text.rsplit("@", 1)[0], username, password).secrets() + forms
    except ProxyError:
        return forms


def has_credentials(url, username=None, password=None):
    """Whether a user name or password comes with the proxy (in the URL or apart)."""
    if username or password:
        return True
    if not isinstance(url, str) or url.strip().lower() in NOT_A_URL:
        return False
    try:
        return parse(url).has_credentials
    except ProxyError:
        return "@" in url
