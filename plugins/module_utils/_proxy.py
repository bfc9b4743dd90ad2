# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Proxy URLs and the secrets in them: one parser and one redactor for the engine, the module, reports and roles.

PRIVATE to the collection. Standard library only, Python 3.8+ (it runs on managed hosts).

People type proxy URLs in many forms: with or without a scheme, with credentials percent-encoded or raw (a raw
password may hold ``/ ? # @ :``), or with the credentials given apart. ``parse`` accepts all of them, and
``redact`` removes a credential in every form it can take in text: raw, percent-encoded (both flavours), inside a
Basic ``Proxy-Authorization`` value, and any ``user:password@`` in front of a host even when the secret is unknown.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import ipaddress
import re

try:
    from urllib.parse import quote, quote_plus, unquote
except ImportError:  # pragma: no cover - Python 2 is not supported on targets
    from urllib import quote, quote_plus, unquote  # type: ignore

MASK = "********"
SCHEMES = ("http", "https")
DEFAULT_PORTS = {"http": 80, "https": 443}

# ``user:secret@`` in front of a host, with or without a scheme; greedy up to the last ``@`` of the token because a
# raw password may itself contain ``@ / ? #``.
_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.-]*://|(?<![\w.%+-]))([^\s'\"<>@]*(?:@[^\s'\"<>@]*)*)@(?=[\w\[])")
_AUTH_HEADER = re.compile(r"(?i)\b(Basic|Bearer|Negotiate|NTLM)\s+[A-Za-z0-9+/=._~-]{4,}")
_BAD_CHARS = re.compile(r"[\s\x00-\x1f\x7f]")


class ProxyURL(object):
    """A parsed proxy URL. ``display`` and ``str()`` never hold the credentials."""

    def __init__(self, scheme, host, port, username=None, password=None):
        self.scheme = scheme
        self.host = host
        self.port = port
        self.username = username
        self.password = password

    @property
    def has_credentials(self):
        return bool(self.username or self.password)

    @property
    def netloc_host(self):
        return "[%s]" % self.host if ":" in self.host else self.host

    @property
    def display(self):
        creds = "%s@" % MASK if self.has_credentials else ""
        return "%s://%s%s:%d" % (self.scheme, creds, self.netloc_host, self.port)

    def __str__(self):
        return self.display

    def url(self, with_credentials=False):
        """The URL to hand to a program; percent-encodes the credentials so any URL parser reads them back."""
        if not with_credentials or not self.has_credentials:
            return "%s://%s:%d" % (self.scheme, self.netloc_host, self.port)
        userinfo = quote(self.username or "", safe="")
        if self.password is not None:
            userinfo += ":" + quote(self.password, safe="")
        return "%s://%s@%s:%d" % (self.scheme, userinfo, self.netloc_host, self.port)

    def authorization(self):
        """The ``Proxy-Authorization`` header value, or None without credentials."""
        if not self.has_credentials:
            return None
        raw = ("%s:%s" % (self.username or "", self.password or "")).encode("utf-8")
        return "Basic " + base64.b64encode(raw).decode("ascii")

    def secrets(self):
        """Every string that must never be shown (the password; the username is not a secret on its own)."""
        return secret_forms(self.password, username=self.username)


class ProxyError(ValueError):
    """A proxy URL that cannot be used; the message names the option and never holds the credentials."""


def _fail(option, message, raw, extra=()):
    raise ProxyError("%s: %s" % (option, redact(message, secrets=extra) if raw is None else
                                 redact(message.replace("%URL%", redact(raw, extra)), extra)))


def parse(url, username=None, password=None, option="proxy_url"):
    """A ProxyURL from what a person typed; ``username``/``password`` given apart win over the URL's."""
    if not isinstance(url, str):
        raise ProxyError("%s: expected a URL string such as http://proxy.example.com:3128, got %s"
                         % (option, type(url).__name__))
    extra = tuple(s for s in (password,) if s)
    text = url.strip()
    if not text:
        _fail(option, "is empty; use the form http://proxy.example.com:3128", None, extra)
    scheme, url_user, url_password, text = _split(text)
    if scheme not in SCHEMES:
        _fail(option, "'%URL%' uses the scheme " + scheme + "://; the Arc agent talks to its proxy over http://",
              url, tuple(s for s in (url_password, password) if s))
    hostport = re.split(r"[/?#]", text, 1)[0]
    user = username if username else url_user
    secret = password if password else url_password
    extra = tuple(s for s in (secret, url_password, password) if s)
    if _BAD_CHARS.search(hostport):
        _fail(option, "'%URL%' has white space or a control character in its host", url, extra)
    host, port_text = _split_host_port(hostport, option, url, extra)
    if port_text is None:
        port = DEFAULT_PORTS[scheme]
    else:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            _fail(option, "'%URL%' has the port '" + port_text + "'; a port is a number from 1 to 65535", url, extra)
        port = int(port_text)
    return ProxyURL(scheme, host, port, user or None, secret)


def _split(text):
    """(scheme, user, password, rest) of a URL as typed; a raw password may hold ``/ ? # @ :``."""
    scheme = "http"
    match = re.match(r"(?i)^([a-z][a-z0-9+.-]*)://", text)
    if match:
        scheme = match.group(1).lower()
        text = text[match.end():]
    user = password = None
    if "@" in text:
        userinfo, text = text.rsplit("@", 1)
        user_part, sep, pass_part = userinfo.partition(":")
        user = unquote(user_part)
        password = unquote(pass_part) if sep else None
    return scheme, user, password, text


def url_secrets(url, password=None):
    """The secret forms in a proxy URL as typed, even one that does not parse: for a module's no_log values."""
    found = [password] if password else []
    if isinstance(url, str) and "@" in url:
        _scheme, user, url_password, _rest = _split(url.strip())
        raw = url.strip().split("://", 1)[-1].rsplit("@", 1)[0].partition(":")[2]
        found.extend(s for s in (url_password, raw) if s)
        return secret_forms(*found, username=user)
    return secret_forms(*found)


def agent_proxy(run, agent, services):
    """The agent's ``(proxy.url or None, proxy.bypass names)`` from ``azcmagent config get``.

    ``run(argv)`` returns ``(rc, stdout, stderr)`` (AnsibleModule.run_command does); ``services`` are the bypass
    names to look for. A setting that cannot be read counts as unset.
    """
    def setting(name):
        try:
            rc, out, _err = run([agent, "config", "get", name])
        except (OSError, ValueError):
            return ""
        return out if rc == 0 and isinstance(out, str) else ""

    # The agent prints the value alone or inside JSON ("...", [...], {...}): the URL ends at a quote or brace, and
    # at a ] that closes no IPv6 [.
    found = re.search(r"https?://[^\s\"'{},]+", setting("proxy.url"))
    url = found.group(0) if found else None
    while url and url.endswith("]") and url.count("]") > url.count("["):
        url = url[:-1]
    bypass_text = setting("proxy.bypass")
    bypass = [name for name in services if re.search(r"\b%s\b" % re.escape(name), bypass_text)]
    return url, bypass


def environment_proxy(environ):
    """``(HTTPS_PROXY or None, NO_PROXY patterns)`` from an environment mapping, as the agent's installer reads it."""
    url = (environ.get("HTTPS_PROXY") or environ.get("https_proxy") or "").strip() or None
    no_proxy = environ.get("NO_PROXY") or environ.get("no_proxy") or ""
    return url, [n.strip().lower() for n in no_proxy.split(",") if n.strip()]


def discover(run, agent, environ, services):
    """The proxy the agent would use: ``(url or None, source, agent bypass names, NO_PROXY patterns)``.

    The agent's ``proxy.url`` wins (source ``agent``), then ``HTTPS_PROXY`` (source ``environment``), else
    ``(None, "none", [], [])``. ``agent`` is the path of azcmagent, or None when it is not installed.
    """
    if agent:
        url, bypass = agent_proxy(run, agent, services)
        if url:
            return url, "agent", bypass, []
    url, no_proxy = environment_proxy(environ)
    if url:
        return url, "environment", [], no_proxy
    return None, "none", [], []


def _split_host_port(hostport, option, url, extra):
    if hostport.startswith("["):
        end = hostport.find("]")
        if end < 0:
            _fail(option, "'%URL%' opens an IPv6 address with [ but never closes it", url, extra)
        host, rest = hostport[1:end], hostport[end + 1:]
        try:
            ipaddress.IPv6Address(host.split("%")[0])
        except ValueError:
            _fail(option, "'%URL%' has '" + host + "' in brackets, which is not an IPv6 address", url, extra)
        if rest and not rest.startswith(":"):
            _fail(option, "'%URL%' has text after the IPv6 address; use http://[addr]:port", url, extra)
        return host, (rest[1:] if rest else None)
    if hostport.count(":") > 1:
        _fail(option, "'%URL%' looks like an IPv6 address without brackets; write http://[addr]:port", url, extra)
    host, sep, port_text = hostport.partition(":")
    if not host:
        _fail(option, "'%URL%' has no host; use the form http://proxy.example.com:3128", url, extra)
    if not re.match(r"^[A-Za-z0-9_.-]+$", host):
        _fail(option, "'%URL%' has the host '" + host + "', which is not a valid host name", url, extra)
    return host.lower(), (port_text if sep else None)


def secret_forms(*secrets, **kwargs):
    """Each secret in every form it can take in text: raw, percent-encoded, form-encoded, Basic credentials."""
    username = kwargs.get("username")
    forms = set()
    for secret in secrets:
        if not secret:
            continue
        forms.update((secret, quote(secret, safe=""), quote(secret), quote_plus(secret)))
        pair = ("%s:%s" % (username or "", secret)).encode("utf-8")
        forms.add(base64.b64encode(pair).decode("ascii"))
    return tuple(sorted((f for f in forms if f), key=len, reverse=True))


def redact(value, secrets=()):
    """``value`` (text, or lists and dicts of it) with every secret form and every ``user:pass@`` masked."""
    forms = secret_forms(*secrets) if secrets else ()
    return _redact(value, forms)


def _redact(value, forms):
    if isinstance(value, dict):
        return dict((key, _redact(item, forms)) for key, item in value.items())
    if isinstance(value, (list, tuple)):
        return type(value)(_redact(item, forms) for item in value)
    if not isinstance(value, str):
        return value
    for form in forms:
        value = value.replace(form, MASK)
    value = _AUTH_HEADER.sub(lambda m: "%s %s" % (m.group(1), MASK), value)
    return _USERINFO.sub(lambda m: "%s%s@" % (m.group(1), MASK), value)
