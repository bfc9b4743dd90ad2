# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The arcready.network.tls_check module run in-process through AnsibleModule, against servers on loopback.

What a test reads is the JSON the module prints after AnsibleModule masked its no_log values, as the controller
would receive it. The cipher-suite checks are real handshakes of this machine's `openssl s_client`.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import shutil
import ssl
import time

import pytest

from ansible.module_utils import _internal as module_utils_internal
from ansible.module_utils.common import warnings as module_warnings
from ansible.module_utils.testing import patch_module_args

from ansible_collections.arcready.network.plugins.module_utils import _tls_guidance
from ansible_collections.arcready.network.plugins.modules import tls_check
from servers import LOOPBACK, lab, pki  # noqa: F401  (pki and lab are fixtures)

# Every character a raw password may hold that breaks naive URL handling.
PASSWORD = "p@ss/w#rd?x:y%41"
NEEDS_OPENSSL = pytest.mark.skipif(shutil.which("openssl") is None, reason="the module's loopback checks need openssl")


@pytest.fixture
def run(capsys, monkeypatch):
    """run(args) -> (exit code, result dict, printed text, argv of every command the module ran)."""
    for name in ("HTTPS_PROXY", "https_proxy", "OPENSSL_CONF"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(module_utils_internal, "is_controller", False)
    monkeypatch.setattr(module_warnings, "_global_warnings", {})
    monkeypatch.setattr(module_warnings, "_global_deprecations", {})
    commands = []
    real_run = tls_check.run

    def recording_run(argv, *args, **kwargs):
        commands.append(list(argv))
        return real_run(argv, *args, **kwargs)

    monkeypatch.setattr(tls_check, "run", recording_run)

    def runner(args):
        del commands[:]
        with patch_module_args(args):
            with pytest.raises(SystemExit) as caught:
                tls_check.main()
        out = capsys.readouterr().out
        return caught.value.code, json.loads(out), out, list(commands)

    return runner


@pytest.fixture
def localhost_server(pki, lab):
    return lab.http(cert=pki.ca.issue_cert("localhost"))


@NEEDS_OPENSSL
def test_this_systems_openssl_offers_microsofts_suites(run):
    code, result, _out, _argv = run({"measure": False})
    suites = result["cipher_suites"]
    assert code == 0 and result["changed"] is False
    assert suites["required"] == [s["name"] for s in _tls_guidance.CIPHER_SUITES]
    assert suites["ok"] is True and suites["tool"] == "openssl s_client" and suites["error"] is None
    assert suites["negotiated"]["TLSv1.2"] in ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
                                               "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256")
    assert set(suites["offered"]["TLSv1.2"]) <= set(suites["required"]) and suites["offered"]["TLSv1.2"]
    assert result["effective"] is None and result["handshake"] is None


def client_config(monkeypatch, tmp_path, ciphersuites):
    """Give the system-default client (the s_client child) one TLS 1.2 suite outside Microsoft's list and the given
    TLS 1.3 suites, through OPENSSL_CONF."""
    conf = tmp_path / "openssl.cnf"
    conf.write_text("openssl_conf = init\n[init]\nssl_conf = ssl\n[ssl]\nsystem_default = sysdef\n[sysdef]\n"
                    "CipherString = ECDHE-ECDSA-AES256-GCM-SHA384\nCiphersuites = %s\n" % ciphersuites)
    monkeypatch.setenv("OPENSSL_CONF", str(conf))


@NEEDS_OPENSSL
def test_a_client_without_the_suites_is_reported(run, monkeypatch, tmp_path):
    # The system-default client gets a configuration that allows none of Microsoft's suites (OPENSSL_CONF reaches
    # the s_client child only: this process's OpenSSL, the loopback servers', read its configuration long ago).
    client_config(monkeypatch, tmp_path, "TLS_CHACHA20_POLY1305_SHA256")
    code, result, _out, _argv = run({"measure": False})
    suites = result["cipher_suites"]
    assert code == 0
    assert suites["ok"] is False
    assert suites["offered"] == {"TLSv1.3": [], "TLSv1.2": []}
    assert suites["negotiated"] == {"TLSv1.3": None, "TLSv1.2": None}


@NEEDS_OPENSSL
def test_a_python_whose_shared_ciphers_lists_the_servers_own_is_not_believed(run, monkeypatch, tmp_path):
    # Older Python releases (Debian 12's 3.11.2) return the server's whole list from shared_ciphers(): what the
    # client is set to offer (openssl ciphers -s) decides then, so the result is the same as on a fixed Python.
    def servers_own(self):
        return [(c["name"], c["protocol"], c["strength_bits"]) for c in self.context.get_ciphers()]

    monkeypatch.setattr(ssl.SSLSocket, "shared_ciphers", servers_own)
    client_config(monkeypatch, tmp_path, "TLS_CHACHA20_POLY1305_SHA256")
    code, result, _out, argv = run({"measure": False})
    suites = result["cipher_suites"]
    assert code == 0 and suites["ok"] is False
    assert suites["offered"] == {"TLSv1.3": [], "TLSv1.2": []}
    assert [a[1:] for a in argv if a[1:2] == ["ciphers"]] == [["ciphers", "-s", "-tls1_3"], ["ciphers", "-s", "-tls1_2"]]


@NEEDS_OPENSSL
def test_one_listed_tls13_suite_is_enough(run, monkeypatch, tmp_path):
    # CHACHA20 first: the loopback server may pick it, yet the client offers a listed suite, which is what counts.
    client_config(monkeypatch, tmp_path, "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256")
    code, result, _out, _argv = run({"measure": False})
    suites = result["cipher_suites"]
    assert code == 0 and suites["ok"] is True
    assert suites["offered"] == {"TLSv1.3": ["TLS_AES_128_GCM_SHA256"], "TLSv1.2": []}
    assert suites["negotiated"]["TLSv1.2"] is None


@NEEDS_OPENSSL
def test_the_protocol_measurement_and_check_mode(run):
    code, result, _out, _argv = run({"cipher_suites": False, "_ansible_check_mode": True})
    assert code == 0 and result["changed"] is False
    assert result["effective"]["accepted"]["TLSv1.2"] is True and result["effective"]["min_protocol"]
    assert result["cipher_suites"] is None


@NEEDS_OPENSSL
def test_handshake_with_the_system_client(run, pki, localhost_server):
    code, result, _out, _argv = run({"measure": False, "cipher_suites": False, "handshake_host": "localhost",
                                     "handshake_port": localhost_server.port, "ca_path": pki.ca_file, "timeout": 5})
    hs = result["handshake"]
    assert code == 0
    assert (hs["ok"], hs["protocol"], hs["tool"], hs["proxy"], hs["error"]) == (
        True, "TLSv1.2", "openssl s_client", None, None)


@pytest.mark.parametrize("form", ["url", "separate"])
def test_proxy_credentials_never_reach_argv_or_the_output(run, pki, lab, localhost_server, form):
    proxy = lab.proxy(auth=("arc", PASSWORD), routes={"localhost:%d" % localhost_server.port:
                                                      (LOOPBACK, localhost_server.port)})
    args = {"measure": False, "cipher_suites": False, "handshake_host": "localhost",
            "handshake_port": localhost_server.port, "ca_path": pki.ca_file, "timeout": 5}
    if form == "url":
        # Raw in the URL, except the % itself, which a URL reader decodes (%25 is the %).
        args["proxy_url"] = "http://arc:%s@127.0.0.1:%d" % (PASSWORD.replace("%", "%25"), proxy.port)
    else:
        args.update(proxy_url="127.0.0.1:%d" % proxy.port, proxy_username="arc", proxy_password=PASSWORD)
    code, result, out, argv = run(args)
    hs = result["handshake"]
    assert code == 0
    assert (hs["ok"], hs["protocol"], hs["tool"]) == (True, "TLSv1.2", "python ssl"), hs["error"]
    assert hs["proxy"] == "http://********@127.0.0.1:%d" % proxy.port
    for secret in (PASSWORD, "w#rd", "p%40ss"):
        assert secret not in out
        assert not [a for a in argv if secret in " ".join(a)]


def test_a_silent_server_is_given_up_within_the_timeout(run, lab):
    silent = lab.silent()
    started = time.monotonic()
    code, result, _out, _argv = run({"measure": False, "cipher_suites": False, "handshake_host": "127.0.0.1",
                                     "handshake_port": silent.port, "timeout": 1})
    assert code == 0 and result["handshake"]["ok"] is False and result["handshake"]["error"]
    assert time.monotonic() - started < 6


@pytest.mark.parametrize("args, message", [
    ({"timeout": 0}, "timeout must be a number of seconds from 1 to 300, not 0.0"),
    ({"timeout": 1e308}, "timeout must be a number of seconds from 1 to 300, not 1e+308"),
    ({"timeout": float("nan")}, "timeout must be a number of seconds from 1 to 300, not nan"),
    ({"handshake_port": 0}, "handshake_port must be a port number from 1 to 65535, not 0"),
    ({"handshake_port": 70000}, "handshake_port must be a port number from 1 to 65535, not 70000"),
    ({"handshake_host": "evil\r\nHost: x"}, "handshake_host 'evil\\r\\nHost: x' is not a host name or address; give "
                                            "a name such as gbl.his.arc.azure.com"),
    ({"handshake_host": "h", "ca_path": "/nonexistent/ca.pem"},
     "ca_path /nonexistent/ca.pem is not a file on this host; give a PEM bundle of CA certificates"),
    ({"handshake_host": "h", "proxy_url": "ftp://u:%s@proxy:21" % PASSWORD},
     "proxy_url: 'ftp://********@proxy:21' uses the scheme ftp://; the Arc agent talks to its proxy over http:// "
     "(a URL such as http://proxy.example.com:3128; or none, or auto)"),
    ({"handshake_host": "h", "proxy_url": "http://proxy:99999"},
     "proxy_url: 'http://proxy:99999' has the port '99999'; a port is a number from 1 to 65535 (a URL such as "
     "http://proxy.example.com:3128; or none, or auto)"),
])
def test_bad_input_names_the_option(run, args, message):
    code, result, out, _argv = run(dict(args, measure=False, cipher_suites=False))
    assert code == 1 and result["failed"] is True
    assert result["msg"] == message
    assert PASSWORD not in out
