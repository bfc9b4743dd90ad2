# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Every form in which people hand the collection a proxy password, and every form in which it could leak.

The password holds each of ``/ ? # @ :`` between distinctive pieces, so a leak of any part of it (a raw ``@``
cutting it in two, a ``/`` ending a regex's match early) is found by looking for ``Leak``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
from urllib.parse import quote, quote_plus

USER = "arcuser"
PASSWORD = "Leak1/Leak2?Leak3#Leak4@Leak5:Leak6"
PROXY = "proxy.example:3128"

# name -> (proxy_url, proxy_username, proxy_password)
FORMS = {
    "scheme, raw": ("http://%s:%s@%s" % (USER, PASSWORD, PROXY), None, None),
    "no scheme, raw": ("%s:%s@%s" % (USER, PASSWORD, PROXY), None, None),
    "scheme, percent-encoded": ("http://%s:%s@%s" % (USER, quote(PASSWORD, safe=""), PROXY), None, None),
    "no scheme, percent-encoded": ("%s:%s@%s" % (USER, quote(PASSWORD, safe=""), PROXY), None, None),
    "https, raw, trailing slash": ("https://%s:%s@%s/" % (USER, PASSWORD, PROXY), None, None),
    "raw, bad port": ("http://%s:%s@proxy.example:99999" % (USER, PASSWORD), None, None),
    "no scheme, raw, spaces in host": ("%s:%s@proxy example:3128" % (USER, PASSWORD), None, None),
    "apart": ("http://%s" % PROXY, USER, PASSWORD),
    "apart, no scheme": (PROXY, USER, PASSWORD),
}

# What must never appear: any piece of the password (raw, partial or percent-encoded keep the pieces), and its
# Basic-authentication forms.
NEEDLES = ("Leak",
           base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode(),
           base64.b64encode((":%s" % PASSWORD).encode()).decode(),
           quote_plus(PASSWORD), quote(PASSWORD))


def leaks(text):
    """The needles found in text (empty when it holds no form of the password)."""
    return [needle for needle in NEEDLES if needle in text]


def secret_text(form):
    """Text an engine might (wrongly) echo: the URL and the password in each of its forms."""
    url, _user, password = FORMS[form]
    return " ".join((url, PASSWORD, quote(PASSWORD, safe=""), quote_plus(PASSWORD),
                     "Basic " + base64.b64encode(("%s:%s" % (USER, PASSWORD)).encode()).decode(),
                     password or ""))
