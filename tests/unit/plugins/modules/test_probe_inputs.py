# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Malformed input to arcready.network.probe, as a table: input -> the message fragment that names the option.

Each case runs the module's main() with injected arguments (probe_runner.run) next to a loopback server the
valid parts point at. Every case must fail the task with that fragment in ``msg``, without a traceback, and
before anything went on the wire (the server saw no connection).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

from ansible_collections.arcready.network.plugins.module_utils._proxy import MASK
from probe_runner import run  # noqa: F401  (a fixture)
from servers import (  # noqa: F401  (pki, lab and contract_checked are fixtures)
    LOOPBACK, TEST_CA_ORG, contract_checked, lab, pki,
)

HOST = "login.microsoftonline.com"
PORT = "<port of the loopback server>"
BLOB = "*.blob.core.windows.net"
SECRET = "Inp-Secr3t"


def ep(**fields):
    """One endpoint at the loopback server, with ``fields`` replacing the valid ones."""
    out = {"host": HOST, "port": PORT}
    out.update(fields)
    return {"endpoints": [out]}


def port_case(value, fragment):
    return (ep(port=value), fragment)


NOT_A_PORT = "endpoints[0].port: %s is not a TCP port; give a whole number from 1 to 65535"
INT_PORT = "argument 'port' is of type %s found in 'endpoints'"
RANGE = "%s: %s is out of range; give a number of seconds above 0 and at most %s"
FLOAT = "argument '%s' is of type %s and we were unable to convert to float"
WORKERS = "workers: %s is out of range; give a whole number from 1 to 64"
BAD_HOST = "endpoints[0].host: %r is not a valid host name"
CONTROL = "endpoints[0].host: %r holds white space or a control character"
NOT_HOST_NOR_V6 = "endpoints[0].host: %r is neither a host name nor an IPv6 address"
BAD_PATH = "endpoints[0].path: %r holds white space or a control character"
RELATIVE = "endpoints[0].path: %r is not an HTTP path; it must start with /"
RESOLVE = "resolve[%s]: expected an IP address such as 10.0.0.4 or [fd00::4], got %r"

CASES = [
    # ports
    port_case(0, NOT_A_PORT % 0),
    port_case(-1, NOT_A_PORT % -1),
    port_case(65536, NOT_A_PORT % 65536),
    port_case(70000, NOT_A_PORT % 70000),
    port_case(2 ** 31, NOT_A_PORT % 2 ** 31),
    port_case(2 ** 64, NOT_A_PORT % 2 ** 64),
    port_case(True, NOT_A_PORT % True),
    port_case(False, NOT_A_PORT % False),
    port_case("0", NOT_A_PORT % 0),
    port_case("-5", NOT_A_PORT % -5),
    port_case("99999", NOT_A_PORT % 99999),
    port_case("abc", INT_PORT % "str"),
    port_case("443x", INT_PORT % "str"),
    port_case("", INT_PORT % "str"),
    port_case(1.5, INT_PORT % "float"),
    port_case([443], INT_PORT % "list"),
    port_case({"a": 1}, INT_PORT % "dict"),
    # timeout
    ({"timeout": 0}, RANGE % ("timeout", "0.0", 120)),
    ({"timeout": -1}, RANGE % ("timeout", "-1.0", 120)),
    ({"timeout": float("inf")}, RANGE % ("timeout", "inf", 120)),
    ({"timeout": "inf"}, RANGE % ("timeout", "inf", 120)),
    ({"timeout": "-inf"}, RANGE % ("timeout", "-inf", 120)),
    ({"timeout": float("nan")}, RANGE % ("timeout", "nan", 120)),
    ({"timeout": "nan"}, RANGE % ("timeout", "nan", 120)),
    ({"timeout": 1e308}, RANGE % ("timeout", "1e+308", 120)),
    ({"timeout": "1e308"}, RANGE % ("timeout", "1e+308", 120)),
    ({"timeout": 120.5}, RANGE % ("timeout", "120.5", 120)),
    ({"timeout": "abc"}, FLOAT % ("timeout", "str")),
    ({"timeout": ""}, FLOAT % ("timeout", "str")),
    ({"timeout": [5]}, FLOAT % ("timeout", "list")),
    ({"timeout": {"s": 5}}, FLOAT % ("timeout", "dict")),
    # deadline
    ({"deadline": 0}, RANGE % ("deadline", "0.0", 600)),
    ({"deadline": -3}, RANGE % ("deadline", "-3.0", 600)),
    ({"deadline": "inf"}, RANGE % ("deadline", "inf", 600)),
    ({"deadline": "nan"}, RANGE % ("deadline", "nan", 600)),
    ({"deadline": 1e308}, RANGE % ("deadline", "1e+308", 600)),
    ({"deadline": 601}, RANGE % ("deadline", "601.0", 600)),
    ({"deadline": "soon"}, FLOAT % ("deadline", "str")),
    # workers
    ({"workers": 0}, WORKERS % 0),
    ({"workers": -1}, WORKERS % -1),
    ({"workers": 65}, WORKERS % 65),
    ({"workers": 100000}, WORKERS % 100000),
    ({"workers": 2 ** 63}, WORKERS % 2 ** 63),
    ({"workers": True}, WORKERS % True),
    ({"workers": "many"}, "argument 'workers' is of type str and we were unable to convert to int"),
    ({"workers": 2.5}, "argument 'workers' is of type float and we were unable to convert to int"),
    # host names
    (ep(host=""), "endpoints[0].host: is empty; give a host name"),
    (ep(host=" "), CONTROL % " "),
    (ep(host="login microsoftonline.com"), CONTROL % "login microsoftonline.com"),
    (ep(host=HOST + "\r\nX-Injected: 1"), CONTROL % (HOST + "\r\nX-Injected: 1")),
    (ep(host=HOST + "\n"), CONTROL % (HOST + "\n")),
    (ep(host=HOST + "\r"), CONTROL % (HOST + "\r")),
    (ep(host=HOST + "\x00"), CONTROL % (HOST + "\x00")),
    (ep(host="\t" + HOST), CONTROL % ("\t" + HOST)),
    (ep(host=HOST + " "), CONTROL % (HOST + " ")),
    (ep(host=HOST + "\x7f"), CONTROL % (HOST + "\x7f")),
    (ep(host=HOST + ":443"), NOT_HOST_NOR_V6 % (HOST + ":443")),
    (ep(host="::1::2"), NOT_HOST_NOR_V6 % "::1::2"),
    (ep(host="[::1"), NOT_HOST_NOR_V6 % "[::1"),
    (ep(host="[not-v6]"), "endpoints[0].host: '[not-v6]' has brackets around something that is not an IPv6"),
    (ep(host="a..b"), BAD_HOST % "a..b"),
    (ep(host="-bad.example"), BAD_HOST % "-bad.example"),
    (ep(host="bad-.example"), BAD_HOST % "bad-.example"),
    (ep(host="x" * 300), BAD_HOST % ("x" * 300)),
    (ep(host="l" * 64 + ".example"), BAD_HOST % ("l" * 64 + ".example")),
    (ep(host="host/path"), BAD_HOST % "host/path"),
    (ep(host="host?x=1"), BAD_HOST % "host?x=1"),
    (ep(host="user@host"), BAD_HOST % ("%s@host" % MASK)),  # what looks like user:pass@ is always masked
    (ep(host="https://" + HOST), NOT_HOST_NOR_V6 % ("https://" + HOST)),
    (ep(host=BLOB), BAD_HOST % BLOB),
    (ep(host="bad!name"), BAD_HOST % "bad!name"),
    (ep(host=["a", "b"]), CONTROL % "['a', 'b']"),
    ({"endpoints": [{"port": 443}]}, "missing required arguments: host found in endpoints"),
    # paths and schemes
    (ep(path="no-slash"), RELATIVE % "no-slash"),
    (ep(path="relative/x"), RELATIVE % "relative/x"),
    (ep(path="/a b"), BAD_PATH % "/a b"),
    (ep(path="/a\r\nX-Injected: 1"), BAD_PATH % "/a\r\nX-Injected: 1"),
    (ep(path="/\x00"), BAD_PATH % "/\x00"),
    (ep(path="/tab\there"), BAD_PATH % "/tab\there"),
    (ep(scheme="ftp"), "value of scheme must be one of: https, http, got: ftp found in endpoints"),
    (ep(bypass=[""]), "endpoints[0].bypass[0]: '' is empty or not text"),
    ({"endpoints": "login.microsoftonline.com"}, "Elements value for option 'endpoints' is of type str"),
    ({"endpoints": [5]}, "in the sub parameter field 'endpoints'"),
    ({"endpoints": [{"host": HOST, "port": PORT}] * 5001}, "endpoints: 5001 endpoints is more than 5000"),
    # resolve
    ({"resolve": {HOST: 5}}, RESOLVE % (HOST, 5)),
    ({"resolve": {HOST: "not-an-ip"}}, RESOLVE % (HOST, "not-an-ip")),
    ({"resolve": {HOST: ""}}, RESOLVE % (HOST, "")),
    ({"resolve": {HOST: None}}, RESOLVE % (HOST, None)),
    ({"resolve": {HOST: ["127.0.0.1"]}}, RESOLVE % (HOST, ["127.0.0.1"])),
    ({"resolve": {HOST: "127.0.0.1\n"}}, RESOLVE % (HOST, "127.0.0.1\n")),
    ({"resolve": {HOST: "999.1.1.1"}}, RESOLVE % (HOST, "999.1.1.1")),
    ({"resolve": {HOST: "127.0.0.1:443"}}, RESOLVE % (HOST, "127.0.0.1:443")),
    ({"resolve": {"bad host": "127.0.0.1"}}, "resolve (the key 'bad host'): 'bad host' holds white space"),
    ({"resolve": "not a dict"}, "argument 'resolve' is of type str and we were unable to convert to dict"),
    ({"resolve": [1, 2]}, "argument 'resolve' is of type list and we were unable to convert to dict"),
    # wildcard_hosts
    ({"wildcard_hosts": "mystorage.blob.core.windows.net"},
     "argument 'wildcard_hosts' is of type str and we were unable to convert to dict"),
    ({"wildcard_hosts": {BLOB: 5}}, "wildcard_hosts[%s]: expected a list of host names, got int" % BLOB),
    ({"wildcard_hosts": {BLOB: {"a": 1}}}, "wildcard_hosts[%s]: expected a list of host names, got dict" % BLOB),
    ({"wildcard_hosts": {BLOB: ["bad host"]}}, "wildcard_hosts[%s][0]: 'bad host' holds white space" % BLOB),
    ({"wildcard_hosts": {BLOB: [""]}}, "wildcard_hosts[%s][0]: is empty" % BLOB),
    ({"wildcard_hosts": {BLOB: [5]}}, "wildcard_hosts[%s][0]: expected a host name or address, got int" % BLOB),
    ({"wildcard_hosts": {BLOB: "a.blob.core.windows.net, b c"}}, "wildcard_hosts[%s][1]: 'b c' holds" % BLOB),
    ({"wildcard_hosts": {"": ["a.example"]}}, "wildcard_hosts: the key '' is not a catalogue pattern string"),
    # expected_issuers
    ({"expected_issuers": [""]}, "expected_issuers[0]: '' is empty or not text"),
    ({"expected_issuers": ["  "]}, "expected_issuers[0]: '  ' is empty or not text"),
    ({"expected_issuers": [TEST_CA_ORG, ""]}, "expected_issuers[1]: '' is empty or not text"),
    ({"expected_issuers": ""}, "expected_issuers[0]: '' is empty or not text"),
    # ca_path (files made by the ca_path fixture below)
    ({"ca_path": "<missing>"}, "is not a file on this host (No such file or directory)"),
    ({"ca_path": "<directory>"}, "is not a regular file (a directory, device or FIFO?)"),
    ({"ca_path": "/dev/null"}, "ca_path /dev/null is not a regular file"),
    ({"ca_path": "/dev/zero"}, "ca_path /dev/zero is not a regular file"),
    ({"ca_path": "<fifo>"}, "is not a regular file (a directory, device or FIFO?)"),
    ({"ca_path": "<text>"}, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"),
    ({"ca_path": "<empty>"}, "holds no PEM certificate (-----BEGIN CERTIFICATE-----)"),
    ({"ca_path": "<garbage pem>"}, "is not a valid PEM bundle of CA certificates"),
    ({"ca_path": "<huge>"}, "is larger than 10 MiB"),
    # proxies
    ({"proxy_url": "http://[::1"}, "proxy_url: 'http://[::1' opens an IPv6 address with [ but never closes it"),
    ({"proxy_url": "http://[zz::1]:3128"}, "proxy_url: 'http://[zz::1]:3128' has 'zz::1' in brackets, which is not"),
    ({"proxy_url": "http://::1:3128"}, "proxy_url: 'http://::1:3128' looks like an IPv6 address without brackets"),
    ({"proxy_url": "http://[::1]x:3128"}, "proxy_url: 'http://[::1]x:3128' has text after the IPv6 address"),
    ({"proxy_url": "http://proxy:0"}, "proxy_url: 'http://proxy:0' has the port '0'; a port is a number from 1"),
    ({"proxy_url": "http://proxy:65536"}, "proxy_url: 'http://proxy:65536' has the port '65536'"),
    ({"proxy_url": "http://proxy:-1"}, "proxy_url: 'http://proxy:-1' has the port '-1'"),
    ({"proxy_url": "http://proxy:abc"}, "proxy_url: 'http://proxy:abc' has the port 'abc'"),
    ({"proxy_url": "proxy:"}, "proxy_url: 'proxy:' has the port ''"),
    ({"proxy_url": "socks5://proxy:1080"}, "proxy_url: 'socks5://proxy:1080' uses the scheme socks5://"),
    ({"proxy_url": "ftp://proxy"}, "proxy_url: 'ftp://proxy' uses the scheme ftp://"),
    ({"proxy_url": "http://"}, "proxy_url: 'http://' has no host"),
    ({"proxy_url": "http://:3128"}, "proxy_url: 'http://:3128' has no host"),
    ({"proxy_url": "http://pro xy:3128"}, "proxy_url: 'http://pro xy:3128' has white space or a control character"),
    ({"proxy_url": "http://proxy\r\n:3128"}, "has white space or a control character in its host"),
    ({"proxy_url": "http://bad_host!:3128"}, "proxy_url: 'http://bad_host!:3128' has the host 'bad_host!'"),
    ({"proxy_url": "http://u:%s@" % SECRET}, "proxy_url: 'http://u:%s@' has no host" % MASK),
    ({"proxy_url": "http://u:%s@proxy:0" % SECRET}, "proxy_url: 'http://%s@proxy:0' has the port '0'" % MASK),
    ({"proxy_url": "http://p:3128", "proxy_username": "a:b"}, "proxy_username: must not contain ':'"),
    ({"proxy_bypass": ["Nope"]}, "value of proxy_bypass must be one or more of: AAD, ARM, AMA, Arc, ArcData"),
    # choices and the catalogue
    # an unlisted region of the cloud is accepted with a warning; one of another cloud is refused
    ({"endpoints": None, "cloud": "AzureUSGovernment", "region": "eastus"},
     "unknown region for AzureUSGovernment 'eastus'; valid choices, closest first: usgovarizona"),
    ({"cloud": "Mars"}, "value of cloud must be one of: AzureCloud, AzureUSGovernment, AzureChinaCloud"),
    ({"fail_on": "sometimes"}, "value of fail_on must be one of: required, any, never"),
    ({"min_tls_version": "1.1"}, "value of min_tls_version must be one of: 1.2, 1.3"),
    ({"scenarios": ["bogus"]}, "value of scenarios must be one or more of: ssh, wac, sql, esu, telemetry"),
    ({"stage": "later"}, "value of stage must be one of: install, connect, run"),
    ({"private_link": "perhaps"}, "argument 'private_link' is of type str and we were unable to convert"),
    ({"unknown_option": 1}, "Unsupported parameters for"),
]


@pytest.fixture
def ca_files(tmp_path):
    """The stand-ins of CASES' ca_path values."""
    files = {"<missing>": str(tmp_path / "nowhere" / "ca.pem"), "<directory>": str(tmp_path)}
    fifo = str(tmp_path / "ca.fifo")
    os.mkfifo(fifo)
    files["<fifo>"] = fifo
    for name, content in (("<text>", b"just some text\n"), ("<empty>", b""),
                          ("<garbage pem>", b"-----BEGIN CERTIFICATE-----\nnot base64 at all\n"
                                            b"-----END CERTIFICATE-----\n")):
        path = tmp_path / ("ca-%d.pem" % len(files))
        path.write_bytes(content)
        files[name] = str(path)
    huge = tmp_path / "huge.pem"
    with open(str(huge), "wb") as stream:
        stream.truncate(11 * 1024 * 1024)  # sparse: no disk used
    files["<huge>"] = str(huge)
    return files


def test_the_table_is_large_enough():
    assert len(CASES) >= 100


def _fill(value, port, files):
    if value == PORT:
        return port
    if isinstance(value, str) and value in files:
        return files[value]
    if isinstance(value, list):
        return [_fill(v, port, files) for v in value]
    if isinstance(value, dict):
        return dict((k, _fill(v, port, files)) for k, v in value.items())
    return value


@pytest.mark.parametrize("overrides, fragment", CASES, ids=["%03d" % i for i in range(len(CASES))])
def test_malformed_input(run, pki, lab, ca_files, overrides, fragment):
    server = lab.http()
    args = dict(proxy_url="", ca_path=pki.ca_file, expected_issuers=[TEST_CA_ORG], timeout=2,
                resolve={HOST: LOOPBACK}, endpoints=[{"host": HOST, "port": server.port}])
    args.update(_fill(overrides, server.port, ca_files))
    code, result = run(args)
    assert code == 1, result
    assert result["failed"] is True
    assert fragment in result["msg"], (fragment, result["msg"])
    assert "Traceback" not in run.raw and "exception" not in result, run.raw
    assert "endpoints" not in result  # failed before probing ...
    assert server.connections == []  # ... and before anything went on the wire
    assert SECRET not in run.raw
