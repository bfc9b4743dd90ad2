# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Proxy URL filters for the roles, over the collection's one proxy parser and redactor
(``plugins/module_utils/_proxy.py``): ``proxy_redact`` masks a proxy's credentials in any text, ``proxy_parse``
splits a proxy URL without ever returning its password. Documentation: proxy_redact.yml and proxy_parse.yml.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.arcready.network.plugins.module_utils._proxy import ProxyError, parse, redact
from ansible_collections.arcready.network.plugins.plugin_utils._plain import plain
from ansible_collections.arcready.network.plugins.plugin_utils._secrets import proxy_secrets


def _text(value, name):
    if value is None:
        return None
    if not isinstance(value, (str, int, float)):
        raise AnsibleFilterError("arcready.network.proxy: %s must be a string, got %s" % (name, type(value).__name__))
    return str(value)


def proxy_redact(value, url=None, username=None, password=None):
    """``value`` with the proxy's credentials masked in every form, and any ``user:password@`` in front of a host.
    Without ``url``, a string ``value`` is taken as the proxy URL."""
    url = _text(url, "url")
    if url is None and isinstance(value, str):
        url = value
    value = plain(value)
    return redact(value, proxy_secrets(url, _text(username, "username"), _text(password, "password")))


def proxy_parse(url, username=None, password=None, option="proxy_url"):
    """The parts of a proxy URL, and the error that names ``option`` when it cannot be used. Never the password."""
    url = _text(url, "url") or ""
    try:
        proxy = parse(url, _text(username, "username"), _text(password, "password"), str(option))
    except ProxyError as exc:
        return {"valid": False, "error": proxy_redact(str(exc), url, username, password), "scheme": None,
                "host": None, "port": None, "has_credentials": None,
                "display": proxy_redact(url, url, username, password), "url": None}
    return {"valid": True, "error": None, "scheme": proxy.scheme, "host": proxy.host, "port": proxy.port,
            "has_credentials": proxy.has_credentials, "display": proxy.display, "url": proxy.url()}


class FilterModule(object):
    def filters(self):
        return {
            "proxy_redact": proxy_redact,
            "proxy_parse": proxy_parse,
        }
