# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""_proxy.py: parsing every form of proxy URL people type, redaction, and finding the agent's proxy."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64

import pytest

from ansible_collections.arcready.network.plugins.module_utils._proxy import (
    MASK, ProxyError, agent_proxy, discover, environment_proxy, parse, redact, url_secrets,
)

SERVICES = ("AAD", "ARM", "Arc", "ArcData")

# url, (username, password) given apart -> scheme, host, port, username, password, display
PARSED = [
    ("http://proxy.corp.example:3128", (None, None), ("http", "proxy.corp.example", 3128, None, None,
                                                      "http://proxy.corp.example:3128")),
    ("proxy.corp.example:8080", (None, None), ("http", "proxy.corp.example", 8080, None, None,
                                               "http://proxy.corp.example:8080")),
    ("Proxy.Example", (None, None), ("http", "proxy.example", 80, None, None, "http://proxy.example:80")),
    ("https://p.example", (None, None), ("https", "p.example", 443, None, None, "https://p.example:443")),
    ("http://[fd00::5]:8080", (None, None), ("http", "fd00::5", 8080, None, None, "http://[fd00::5]:8080")),
    ("[::1]:3128", (None, None), ("http", "::1", 3128, None, None, "http://[::1]:3128")),
    ("http://u:pw@p.example:3128", (None, None), ("http", "p.example", 3128, "u", "pw",
                                                  "http://%s@p.example:3128" % MASK)),
    ("u:pw@p.example:3128", (None, None), ("http", "p.example", 3128, "u", "pw", "http://%s@p.example:3128" % MASK)),
    ("http://u%40corp:p%3Aw%2F@p:3128", (None, None), ("http", "p", 3128, "u@corp", "p:w/", "http://%s@p:3128"
                                                       % MASK)),
    ("http://u:a/b?c#d@e:f@p:3128", (None, None), ("http", "p", 3128, "u", "a/b?c#d@e:f", "http://%s@p:3128" % MASK)),
    ("http://p:3128/some/path?x#y", (None, None), ("http", "p", 3128, None, None, "http://p:3128")),
    ("http://old:old@p:3128", ("new", "s3cret"), ("http", "p", 3128, "new", "s3cret", "http://%s@p:3128" % MASK)),
    ("http://p:3128", ("bob", None), ("http", "p", 3128, "bob", None, "http://%s@p:3128" % MASK)),
]


@pytest.mark.parametrize("url, apart, expected", PARSED, ids=[p[0] for p in PARSED])
def test_parse(url, apart, expected):
    proxy = parse(url, *apart)
    assert (proxy.scheme, proxy.host, proxy.port, proxy.username, proxy.password, proxy.display) == expected
    assert str(proxy) == proxy.display
    if proxy.password:
        assert proxy.password not in proxy.display and proxy.password not in proxy.url()
        assert parse(proxy.url(with_credentials=True)).password == proxy.password  # round trip
        pair = ("%s:%s" % (proxy.username or "", proxy.password)).encode()
        assert proxy.authorization() == "Basic " + base64.b64encode(pair).decode()
        assert base64.b64encode(pair).decode() in proxy.secrets()


@pytest.mark.parametrize("url, message", [
    ("", "proxy_url: is empty"),
    (5, "proxy_url: expected a URL string"),
    ("http://[::1", "opens an IPv6 address with [ but never closes it"),
    ("http://proxy:0", "has the port '0'"),
    ("socks5://u:pw@p:1", "uses the scheme socks5://"),
])
def test_parse_errors_name_the_option_and_hide_the_password(url, message):
    with pytest.raises(ProxyError) as caught:
        parse(url, option="arc_proxy_url" if message.startswith("proxy_url") is False else "proxy_url")
    assert message in str(caught.value)
    assert "pw" not in str(caught.value)


@pytest.mark.parametrize("text, secrets, expected", [
    ("http://u:s3cret@p:3128", (), "http://%s@p:3128" % MASK),
    ("u:s3cret@p:3128 and more", (), "%s@p:3128 and more" % MASK),
    ("the password s3cret/x?y is here", ("s3cret/x?y",), "the password %s is here" % MASK),
    ("encoded s3cret%2Fx%3Fy", ("s3cret/x?y",), "encoded %s" % MASK),
    ("Proxy-Authorization: Basic dTpzM2NyZXQ=", (), "Proxy-Authorization: Basic %s" % MASK),
    ({"a": ["http://u:pw@h:1", 5]}, (), {"a": ["http://%s@h:1" % MASK, 5]}),
    ("no secret here: user@example.com", (), "no secret here: %s@example.com" % MASK),
])
def test_redact(text, secrets, expected):
    assert redact(text, secrets) == expected


@pytest.mark.parametrize("url", ["http://u:Pa/ss?w#rd@x@p:notaport", "u:Pa/ss?w#rd@x@[::1", "ftp://u:Pa/ss?w#rd@x@"])
def test_url_secrets_of_a_url_that_does_not_parse(url):
    assert "Pa/ss?w#rd@x" in url_secrets(url)
    assert url_secrets("http://p:3128") == () and url_secrets(None) == ()
    assert "given" in url_secrets(None, password="given")


def _runner(outputs, calls=None):
    def run(argv):
        if calls is not None:
            calls.append(argv)
        return outputs.get(argv[-1], (1, "", "not set"))
    return run


@pytest.mark.parametrize("url_out, bypass_out, expected", [
    ("http://proxy.corp:3128\n", '["AAD", "ArcData"]', ("http://proxy.corp:3128", ["AAD", "ArcData"])),
    ('{"proxy.url": "http://[fd00::1]:3128"}', "Arc", ("http://[fd00::1]:3128", ["Arc"])),
    ('["http://[fd00::1]"]', "", ("http://[fd00::1]", [])),
    ("", "", (None, [])),
    ("not a url", "ARM,Arc", (None, ["ARM", "Arc"])),
])
def test_agent_proxy(url_out, bypass_out, expected):
    calls = []
    run = _runner({"proxy.url": (0, url_out, ""), "proxy.bypass": (0, bypass_out, "")}, calls)
    assert agent_proxy(run, "/opt/azcmagent/bin/azcmagent", SERVICES) == expected
    assert calls == [["/opt/azcmagent/bin/azcmagent", "config", "get", "proxy.url"],
                     ["/opt/azcmagent/bin/azcmagent", "config", "get", "proxy.bypass"]]


def test_agent_proxy_when_the_command_fails():
    def broken(argv):
        raise OSError("exec format error")
    assert agent_proxy(broken, "/x/azcmagent", SERVICES) == (None, [])
    assert agent_proxy(_runner({}), "/x/azcmagent", SERVICES) == (None, [])


def test_environment_proxy():
    assert environment_proxy({"https_proxy": " http://p:1 ", "no_proxy": "a, .b ,"}) == ("http://p:1", ["a", ".b"])
    assert environment_proxy({"HTTPS_PROXY": "http://P:2", "https_proxy": "http://q:3"}) == ("http://P:2", [])
    assert environment_proxy({}) == (None, [])


def test_discover_order():
    agent = _runner({"proxy.url": (0, "http://agent:1", ""), "proxy.bypass": (0, "AAD", "")})
    env = {"HTTPS_PROXY": "http://env:2", "NO_PROXY": "x"}
    assert discover(agent, "/x/azcmagent", env, SERVICES) == ("http://agent:1", "agent", ["AAD"], [])
    assert discover(agent, None, env, SERVICES) == ("http://env:2", "environment", [], ["x"])
    assert discover(_runner({}), "/x/azcmagent", env, SERVICES) == ("http://env:2", "environment", [], ["x"])
    assert discover(_runner({}), None, {}, SERVICES) == (None, "none", [], [])
