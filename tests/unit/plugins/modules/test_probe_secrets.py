# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""No proxy credential in any output of arcready.network.probe, for every way a proxy URL can be given.

Each form runs the module against an authenticating loopback proxy (or fails it on purpose) and greps its whole
output (results, warnings, errors, ``invocation``), and the task's result after the action plugin's conclusion
(summary, table, verdict message), for the password raw, percent-encoded both ways, form-encoded and inside the
Basic credentials. A form that cannot work fails the task: in the module (a URL that does not parse), or in the
verdict (the module returns the endpoint's failure, e.g. the proxy's 407 to a wrong password, and the
controller fails the task on it).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import stat

import pytest

try:
    from urllib.parse import quote, quote_plus
except ImportError:  # pragma: no cover
    from urllib import quote, quote_plus  # type: ignore

from ansible_collections.arcready.network.plugins.action.probe import conclude
from ansible_collections.arcready.network.plugins.modules import probe as probe_module
from probe_runner import run  # noqa: F401  (a fixture)
from servers import (  # noqa: F401  (pki, lab and contract_checked are fixtures)
    LOOPBACK, TEST_CA_ORG, contract_checked, lab, pki,
)

HOST = "login.microsoftonline.com"
USER = "arcuser"
PLAIN = "Pl41n-Secret"
SPECIAL = "P/a?s#s@w:rd%z"  # every character a raw password may hold that ends a URL part elsewhere


def forms(password):
    pair = ("%s:%s" % (USER, password)).encode("utf-8")
    return {password, quote(password, safe=""), quote(password), quote_plus(password),
            base64.b64encode(pair).decode("ascii")}


def _agent(tmp_path, monkeypatch, url):
    agent_dir = tmp_path / "agent-bin"
    agent_dir.mkdir()
    agent = agent_dir / "azcmagent"
    agent.write_text("#!/bin/sh\n[ \"$3\" = proxy.url ] && printf '%%s\\n' '%s'\nexit 0\n" % url)
    agent.chmod(agent.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setattr(probe_module, "_AGENT_PATHS", [str(agent_dir)])


# (id, password, how the module gets it: (options, environment, agent's proxy.url), whether the probe works)
FORMS = [
    ("scheme", PLAIN, lambda p: ({"proxy_url": "http://%s:%s@127.0.0.1:%d" % (USER, PLAIN, p)}, {}, None), True),
    ("no-scheme", PLAIN, lambda p: ({"proxy_url": "%s:%s@127.0.0.1:%d" % (USER, PLAIN, p)}, {}, None), True),
    ("encoded", SPECIAL, lambda p: ({"proxy_url": "http://%s:%s@127.0.0.1:%d" % (USER, quote(SPECIAL, safe=""), p)},
                                    {}, None), True),
    ("raw-special", SPECIAL, lambda p: ({"proxy_url": "http://%s:%s@127.0.0.1:%d" % (USER, SPECIAL, p)}, {}, None),
     True),
    ("raw-special-no-scheme", SPECIAL, lambda p: ({"proxy_url": "%s:%s@127.0.0.1:%d" % (USER, SPECIAL, p)}, {},
                                                  None), True),
    ("apart", SPECIAL, lambda p: ({"proxy_url": "http://127.0.0.1:%d" % p, "proxy_username": USER,
                                   "proxy_password": SPECIAL}, {}, None), True),
    ("apart-over-url", SPECIAL, lambda p: ({"proxy_url": "http://%s:wrong@127.0.0.1:%d" % (USER, p),
                                            "proxy_username": USER, "proxy_password": SPECIAL}, {}, None), True),
    ("environment", SPECIAL, lambda p: ({"proxy_url": "auto"},
                                        {"HTTPS_PROXY": "http://%s:%s@127.0.0.1:%d" % (USER, quote(SPECIAL, safe=""),
                                                                                       p)}, None), True),
    ("agent", PLAIN, lambda p: ({"proxy_url": "auto"}, {}, "http://%s:%s@127.0.0.1:%d" % (USER, PLAIN, p)), True),
    ("bad-port", SPECIAL, lambda p: ({"proxy_url": "http://%s:%s@127.0.0.1:notaport" % (USER, SPECIAL)}, {}, None),
     False),
    ("bad-scheme", SPECIAL, lambda p: ({"proxy_url": "socks5://%s:%s@127.0.0.1:%d" % (USER, SPECIAL, p)}, {}, None),
     False),
    ("bad-host", PLAIN, lambda p: ({"proxy_url": "http://%s:%s@pro xy:%d" % (USER, PLAIN, p)}, {}, None), False),
    ("bad-ipv6", SPECIAL, lambda p: ({"proxy_url": "http://%s:%s@[::1:%d" % (USER, SPECIAL, p)}, {}, None), False),
    ("bad-env", PLAIN, lambda p: ({"proxy_url": "auto"}, {"HTTPS_PROXY": "http://%s:%s@127.0.0.1:0" % (USER, PLAIN)},
                                  None), False),
    ("wrong-password", PLAIN, lambda p: ({"proxy_url": "http://%s:%s-not@127.0.0.1:%d" % (USER, PLAIN, p),
                                          "fail_on": "any"}, {}, None), False),
]


@pytest.mark.parametrize("name, password, given, works", FORMS, ids=[f[0] for f in FORMS])
def test_no_credential_in_any_output(run, pki, lab, tmp_path, monkeypatch, name, password, given, works):
    server = lab.http(cert=pki.valid)
    proxy = lab.proxy(routes={"%s:443" % HOST: server.address}, auth=(USER, password))
    options, environment, agent_url = given(proxy.port)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    if agent_url:
        _agent(tmp_path, monkeypatch, agent_url)
    args = dict(ca_path=pki.ca_file, expected_issuers=[TEST_CA_ORG], timeout=2, endpoints=[{"host": HOST}],
                resolve={HOST: LOOPBACK}, _ansible_verbosity=4)
    args.update(options)
    code, result = run(args)
    task = conclude(result, args, "testhost")
    if works:
        assert code == 0 and not task.get("failed"), task
        assert result["endpoints"][0]["ok"] is True  # the credentials reached the proxy intact
        assert proxy.requests[0][2]["proxy-authorization"] == "Basic " + base64.b64encode(
            ("%s:%s" % (USER, password)).encode()).decode()
    else:
        assert task.get("failed") is True and task["msg"], task
    shown = run.raw + json.dumps(task)
    leaked = sorted(form for form in forms(password) if form in shown)
    assert leaked == [], (leaked, shown)
    assert "invocation" in result  # the module's echo of its arguments was grepped too
