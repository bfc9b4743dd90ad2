#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: tls_check
author: arcready.network maintainers (@arcready)
version_added: 0.2.0
short_description: Read a Linux host's TLS facts for Azure Arc - OpenSSL, its minimum protocol, the cipher suites, a handshake
description:
  - Reads, on a Linux managed host, what the M(arcready.network.probe) module cannot see from the network - the OpenSSL
    version (C(openssl version), else Python's C(ssl.OPENSSL_VERSION)), the system openssl.cnf chain
    (C(openssl_conf) -> C(ssl_conf) -> C(system_default) -> C(MinProtocol)/C(MaxProtocol)/C(CipherString)) and the
    crypto policy (C(update-crypto-policies --show) and its OpenSSL back-end).
  - With O(measure=true), finds the lowest protocol the system-default OpenSSL client really accepts, by handshakes of
    C(openssl s_client) (which applies the system configuration as curl and apt do) with loopback servers that each
    offer one protocol only.
  - With O(cipher_suites=true), checks by real loopback handshakes that the system-default OpenSSL client offers at
    least one of the cipher suites Microsoft lists for the agent (TLS 1.3 C(TLS_AES_256_GCM_SHA384),
    C(TLS_AES_128_GCM_SHA256); TLS 1.2 C(TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384),
    C(TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)) and reports which.
  - With O(handshake_host) set, makes a TLS 1.2 handshake with that host with the system defaults and certificate
    and host name verification, directly or through an HTTP proxy.
  - Read-only - never reports a change, and runs in check mode. The P(arcready.network.arc_tls#role) role takes its
    Linux facts from it.
  - Every wait is bounded - each handshake by O(timeout), the whole module by a few times O(timeout).
options:
  openssl_cnf:
    description: The system openssl.cnf; empty means C(OPENSSLDIR/openssl.cnf) of the C(openssl) command.
    type: path
    default: ""
  measure:
    description: Find the lowest protocol the system-default OpenSSL client accepts (loopback servers).
    type: bool
    default: true
  cipher_suites:
    description: Check, by loopback handshakes, which of Microsoft's listed cipher suites the system OpenSSL offers.
    type: bool
    default: true
  handshake_host:
    description: Host for the TLS 1.2 handshake; empty means no handshake.
    type: str
    default: ""
  handshake_port:
    description: Port for the handshake.
    type: int
    default: 443
  timeout:
    description: Seconds each handshake may take, from 1 to 300.
    type: float
    default: 10
  ca_path:
    description: PEM bundle to verify the handshake host with; empty means the host's trust store.
    type: path
    default: ""
  proxy_url:
    description:
      - HTTP proxy for the handshake. Empty or V(none) connects directly; V(auto) uses the agent's C(proxy.url)
        (C(azcmagent config get proxy.url)), else C(HTTPS_PROXY). A URL with or without scheme; credentials in it are
        used and never shown.
    type: str
    default: ""
  proxy_username:
    description: User name for the proxy, when not in O(proxy_url).
    type: str
  proxy_password:
    description:
      - Password for the proxy, when not in O(proxy_url). Never on a command line - with proxy credentials the
        handshake is made by Python, which sends them in a C(Proxy-Authorization) header.
    type: str
notes:
  - Standard library only; needs the C(openssl) command for the measurement and the cipher-suite check (it also makes
    their throwaway loopback certificate). Without it both report an error and the handshake is made by Python.
  - Python (3.10+) replaces the system C(CipherString) with its own, so only C(openssl s_client) shows what other
    OpenSSL clients get; results made by Python say so in their C(tool).
attributes:
  check_mode:
    description: Can run in check mode and return changed status prediction without modifying target.
    support: full
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
seealso:
  - module: arcready.network.probe
"""

EXAMPLES = r"""
- name: TLS facts of the host, with the cipher suites Microsoft lists
  arcready.network.tls_check:
  register: arc_tls_facts

- name: And a TLS 1.2 handshake with the global HIS host through the agent's proxy
  arcready.network.tls_check:
    measure: false
    handshake_host: gbl.his.arc.azure.com
    proxy_url: auto
  register: arc_tls_hs

- name: Through an authenticating proxy (the password never reaches a command line or the output)
  arcready.network.tls_check:
    measure: false
    cipher_suites: false
    handshake_host: gbl.his.arc.azure.com
    proxy_url: http://proxy.example.com:3128
    proxy_username: arc
    proxy_password: "{{ vault_proxy_password }}"
"""

RETURN = r"""
openssl:
  description: The OpenSSL command and library.
  returned: always
  type: dict
  sample: {cli: /usr/bin/openssl, version: 3.0.15, version_text: "OpenSSL 3.0.15 3 Sep 2024", dir: /usr/lib/ssl,
           python_version: "OpenSSL 3.0.15 3 Sep 2024", tls12_capable: true}
config:
  description: What the system openssl.cnf sets in its C(system_default) section, and the chain that leads there.
  returned: always
  type: dict
  sample: {path: /etc/ssl/openssl.cnf, exists: true, openssl_conf: openssl_init, ssl_conf: ssl_sect,
           system_default: system_default_sect, min_protocol: TLSv1.2, max_protocol: null,
           cipher_string: "DEFAULT@SECLEVEL=2", seclevel: 2}
crypto_policies:
  description: The crypto policy and the C(MinProtocol) of its OpenSSL back-end, when crypto-policies is there.
  returned: always
  type: dict
  sample: {present: false, policy: null, min_protocol: null}
effective:
  description: The lowest protocol the system-default client accepted, and per protocol whether it did; V(null) when
    O(measure=false).
  returned: always
  type: dict
  sample: {min_protocol: TLSv1.2, accepted: {TLSv1: false, "TLSv1.1": false, "TLSv1.2": true}, error: null}
cipher_suites:
  description:
    - Microsoft's listed suites (C(required), in Microsoft's order), those the system-default client offered per TLS
      version (C(offered)), the listed suite each loopback handshake negotiated (C(negotiated)), and C(ok) when a
      handshake completed from a client that offered a listed suite of that version. V(null) when
      O(cipher_suites=false).
  returned: always
  type: dict
  sample: {ok: true, required: [TLS_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384,
           TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256], offered: {"TLSv1.3": [TLS_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256],
           "TLSv1.2": [TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]},
           negotiated: {"TLSv1.3": TLS_AES_256_GCM_SHA384, "TLSv1.2": TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384},
           tool: openssl s_client, source: "Microsoft, Azure Arc network requirements ...", error: null}
handshake:
  description: The TLS 1.2 handshake with O(handshake_host); V(null) when it is empty. C(proxy) is the proxy without
    credentials, C(error) never holds them.
  returned: always
  type: dict
  sample: {ok: true, host: gbl.his.arc.azure.com, port: 443, protocol: TLSv1.2, cipher: ECDHE-RSA-AES256-GCM-SHA384,
           issuer: "C=US, O=Microsoft Corporation, CN=Microsoft Azure RSA TLS Issuing CA 04", subject: "CN=...",
           verify: "0 (ok)", proxy: null, tool: openssl s_client, error: null}
"""

import os
import re
import shutil
import socket
import ssl
import subprocess
import tempfile
import threading
import time
import warnings

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.arcready.network.plugins.module_utils import _proxy
from ansible_collections.arcready.network.plugins.module_utils import _tls_guidance

PROTOCOLS = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
CRYPTO_POLICIES_CONFIG = "/etc/crypto-policies/config"
CRYPTO_POLICIES_OPENSSL = "/etc/crypto-policies/back-ends/opensslcnf.config"
AGENT_PATHS = ["/opt/azcmagent/bin/azcmagent", "/usr/bin/azcmagent", "/usr/local/bin/azcmagent"]


def run(argv, timeout=15, stdin=None):
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL if stdin is None else stdin, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout, check=False)
        return proc.returncode, proc.stdout.decode("utf-8", "replace"), proc.stderr.decode("utf-8", "replace")
    except (OSError, subprocess.TimeoutExpired) as exc:
        return 255, "", str(exc)


def openssl_cli():
    for directory in os.environ.get("PATH", "").split(os.pathsep) + ["/usr/bin", "/bin", "/usr/local/bin"]:
        path = os.path.join(directory, "openssl")
        if directory and os.access(path, os.X_OK):
            return path
    return None


def version_tuple(text):
    match = re.search(r"(\d+)\.(\d+)\.(\d+)", text or "")
    return tuple(int(x) for x in match.groups()) if match else None


def openssl_facts(cli):
    out = {"cli": cli, "version": None, "version_text": None, "dir": None,
           "python_version": ssl.OPENSSL_VERSION, "tls12_capable": False}
    if cli:
        rc, text, _err = run([cli, "version"])
        if rc == 0:
            out["version_text"] = text.strip()
        rc, text, _err = run([cli, "version", "-d"])
        match = re.search(r'OPENSSLDIR:\s*"([^"]*)"', text)
        if rc == 0 and match:
            out["dir"] = match.group(1)
    source = out["version_text"] or ssl.OPENSSL_VERSION
    version = version_tuple(source)
    if version:
        out["version"] = "%d.%d.%d" % version
        # TLS 1.2 arrived in OpenSSL 1.0.1 (openssl NEWS); Python must also have been built with it.
        out["tls12_capable"] = version >= (1, 0, 1) and getattr(ssl, "HAS_TLSv1_2", True)
    letter = re.search(r"\d+\.\d+\.\d+([a-z]*)", source)
    if out["version"] and letter:
        out["version"] += letter.group(1)
    return out


def parse_cnf(path, depth=0, sections=None, current="default"):
    """Sections of an OpenSSL config file as {name: {key: value}}, following .include into the current section."""
    sections = {} if sections is None else sections
    sections.setdefault(current, {})
    includes = sections.setdefault("__includes__", {})
    try:
        with open(path) as stream:
            lines = stream.read().splitlines()
    except (IOError, OSError):
        return sections, current
    for raw in lines:
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        header = re.match(r"^\[\s*([^\]]+?)\s*\]$", line)
        if header:
            current = header.group(1)
            sections.setdefault(current, {})
            continue
        include = re.match(r"^\.include\s*=?\s*(\S+)$", line)
        if include and depth < 4:
            target = include.group(1)
            if not os.path.isabs(target):
                target = os.path.join(os.path.dirname(path), target)
            includes.setdefault(current, []).append(target)
            sections, current = parse_cnf(target, depth + 1, sections, current)
            continue
        pair = re.match(r"^([^=\s]+)\s*=\s*(.*)$", line)
        if pair:
            sections[current][pair.group(1)] = pair.group(2).strip().strip('"')
    return sections, current


def config_facts(path):
    sections, _current = parse_cnf(path)
    includes = sections.pop("__includes__", {})
    out = {"path": path, "exists": os.path.exists(path), "openssl_conf": None, "ssl_conf": None,
           "system_default": None, "min_protocol": None, "max_protocol": None, "cipher_string": None,
           "seclevel": None, "includes": includes}
    init = sections.get("default", {}).get("openssl_conf")
    out["openssl_conf"] = init
    ssl_sect = sections.get(init, {}).get("ssl_conf") if init else None
    out["ssl_conf"] = ssl_sect
    sysdef = sections.get(ssl_sect, {}).get("system_default") if ssl_sect else None
    out["system_default"] = sysdef
    values = sections.get(sysdef, {}) if sysdef else {}
    out["min_protocol"] = values.get("MinProtocol") or values.get("TLS.MinProtocol")
    out["max_protocol"] = values.get("MaxProtocol") or values.get("TLS.MaxProtocol")
    out["cipher_string"] = values.get("CipherString")
    match = re.search(r"@SECLEVEL=(\d)", out["cipher_string"] or "")
    out["seclevel"] = int(match.group(1)) if match else None
    out["section_names"] = sorted(sections)
    return out


def crypto_policy_facts():
    out = {"present": os.path.exists(CRYPTO_POLICIES_CONFIG), "policy": None, "min_protocol": None}
    if not out["present"]:
        return out
    rc, text, _err = run(["update-crypto-policies", "--show"])
    if rc == 0 and text.strip():
        out["policy"] = text.strip().splitlines()[-1].strip()
    else:
        with open(CRYPTO_POLICIES_CONFIG) as stream:
            words = [w for w in stream.read().split() if not w.startswith("#")]
            out["policy"] = words[0] if words else None
    try:
        with open(CRYPTO_POLICIES_OPENSSL) as stream:
            match = re.search(r"^\s*(?:TLS\.)?MinProtocol\s*=\s*(\S+)", stream.read(), re.M)
            out["min_protocol"] = match.group(1) if match else None
    except (IOError, OSError):
        pass
    return out


def make_cert(cli, workdir):
    key, cert = os.path.join(workdir, "key.pem"), os.path.join(workdir, "cert.pem")
    # A config of its own: `req` needs a [req] section, and the system file may lack one or be the one under test.
    # RSA, because two of Microsoft's suites are ECDHE_RSA; it serves the protocol measurement too.
    cnf = os.path.join(workdir, "req.cnf")
    with open(cnf, "w") as stream:
        stream.write("[req]\ndistinguished_name = dn\n[dn]\n")
    rc, _out, err = run([cli, "req", "-config", cnf, "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                         "-subj", "/CN=localhost", "-keyout", key, "-out", cert])
    if rc != 0:
        raise RuntimeError("openssl req failed: %s" % err.strip()[-300:])
    return cert, key


def _tls_version(name):
    return getattr(ssl.TLSVersion, name.replace(".", "_"))


def serve_once(version, cert, key, ciphers="ALL:@SECLEVEL=0", timeout=10):
    """A loopback server that speaks exactly one protocol version with the given TLS 1.2 ciphers (security level 0
    by default, so only the client's settings decide). Returns (port, thread, seen); ``seen`` gets the suites the
    client offered that the server has too (``shared``) and the one negotiated (``cipher``)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx.minimum_version = _tls_version(version)
        ctx.maximum_version = _tls_version(version)
    ctx.set_ciphers(ciphers)
    ctx.load_cert_chain(cert, key)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(timeout)
    seen = {"handshaken": threading.Event()}

    def accept():
        try:
            conn, _addr = listener.accept()
            conn.settimeout(timeout)
            try:
                tls = ctx.wrap_socket(conn, server_side=True)
                seen["shared"] = [c[0] for c in (tls.shared_ciphers() or ())]
                seen["cipher"] = (tls.cipher() or (None,))[0]
                seen["handshaken"].set()
                # Wait for the client to hang up: closing first makes OpenSSL 3 clients report an unexpected EOF.
                while tls.recv(1024):
                    pass
                tls.close()
            except (ssl.SSLError, OSError):
                conn.close()
        except OSError:
            pass
        finally:
            seen["handshaken"].set()
            listener.close()

    thread = threading.Thread(target=accept)
    thread.daemon = True
    thread.start()
    return listener.getsockname()[1], thread, seen


def negotiated(output):
    """(protocol, cipher) of a completed handshake, else (None, None), from the SSL-Session block of s_client.

    Neither the exit code nor the other lines can be trusted across versions: OpenSSL 3.0 prints "New, (NONE),
    Cipher is (NONE)" after some successful TLS 1.0 handshakes, 3.5 prints "Protocol: TLSv1.3" after a failed
    one, and 1.1.1 prints a session with "Cipher : 0000" after a failed one.
    """
    match = re.search(r"^SSL-Session:\s*\n\s*Protocol\s*:\s*(\S+)\s*\n\s*Cipher\s*:\s*(\S+)", output, re.M)
    if not match or match.group(2) in ("0000", "(NONE)", "NONE"):
        return None, None
    return match.group(1), match.group(2)


def _client(cli, port, timeout, seen=None):
    """The system-default OpenSSL client against a loopback server: (protocol, cipher) or (None, None).

    With ``seen`` (from serve_once) the client keeps the connection until the server has finished its side of the
    handshake: a TLS 1.3 client that hangs up at once can leave the server without the client's Finished, and so
    without the list of suites the client offered."""
    argv = [cli, "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", "localhost"]
    if seen is None:
        return negotiated(run(argv, timeout=timeout)[1])
    # s_client hangs up when its standard input ends: end it once the server is done, or at the deadline.
    read_end, write_end = os.pipe()

    def hang_up():
        seen["handshaken"].wait(timeout)
        os.close(write_end)

    closer = threading.Thread(target=hang_up)
    closer.daemon = True
    closer.start()
    try:
        text = run(argv, timeout=timeout, stdin=read_end)[1]
    finally:
        os.close(read_end)
        seen["handshaken"].set()
        closer.join(timeout)
    return negotiated(text)


def measure(cli, cert, key, timeout):
    """Lowest protocol the system-default `openssl s_client` negotiates with a server that offers only it."""
    out = {"min_protocol": None, "accepted": {}, "error": None}
    for version in PROTOCOLS[:3]:
        try:
            port, thread, _seen = serve_once(version, cert, key, timeout=timeout)
        except (ValueError, AttributeError, ssl.SSLError) as exc:
            out["accepted"][version] = False
            out.setdefault("notes", []).append("%s: local test server failed: %s" % (version, exc))
            continue
        # Judged by the handshake, not by rc, which also counts how the peer hung up.
        out["accepted"][version] = _client(cli, port, timeout)[0] == version
        thread.join(timeout)
    accepted = [v for v in PROTOCOLS[:3] if out["accepted"].get(v)]
    out["min_protocol"] = accepted[0] if accepted else None
    return out


def configured_suites(cli, version, timeout):
    """The suites the system-default client is set to offer at ``version`` (``openssl ciphers -s``), or None when
    the command cannot say. Older Python releases (Debian 12's 3.11.2 among them) return the server's whole list
    from ``shared_ciphers()``, so the loopback server alone cannot tell what the client offered."""
    flag = {"TLSv1.3": "-tls1_3", "TLSv1.2": "-tls1_2"}[version]
    code, text, _err = run([cli, "ciphers", "-s", flag], timeout=timeout)
    names = set(text.strip().split(":")) if code == 0 and text.strip() else set()
    return names or None


def cipher_suites(cli, cert, key, timeout):
    """Which of Microsoft's suites the system-default client offers, by one loopback handshake per TLS version.

    TLS 1.2: the server has only Microsoft's two suites, so a completed handshake proves the client offers one.
    TLS 1.3: Python's server cannot narrow its TLS 1.3 suites, so the handshake counts when it completed and the
    client's list, as the server saw it, holds one of Microsoft's.
    """
    required = _tls_guidance.suites()
    out = {"ok": False, "required": [s["name"] for s in required], "offered": {}, "negotiated": {},
           "tool": "openssl s_client", "source": _tls_guidance.SOURCE, "error": None}
    completed = []
    for version in ("TLSv1.3", "TLSv1.2"):
        listed = _tls_guidance.suites(version)
        names = dict((s["openssl"], s["name"]) for s in listed)
        if version == "TLSv1.3" and not getattr(ssl, "HAS_TLSv1_3", False):
            out.setdefault("notes", []).append("TLSv1.3: Python's ssl module here has no TLS 1.3")
            out["offered"][version] = []
            out["negotiated"][version] = None
            continue
        ciphers = ":".join(names) if version == "TLSv1.2" else "ALL:@SECLEVEL=0"
        try:
            port, thread, seen = serve_once(version, cert, key, ciphers=ciphers, timeout=timeout)
        except (ValueError, AttributeError, ssl.SSLError) as exc:
            out.setdefault("notes", []).append("%s: local test server failed: %s" % (version, exc))
            out["offered"][version] = []
            out["negotiated"][version] = None
            continue
        protocol, cipher = _client(cli, port, timeout, seen)
        thread.join(timeout)
        shared = set(seen.get("shared", ()))
        allowed = configured_suites(cli, version, timeout)
        if allowed is not None:
            shared &= allowed
        out["offered"][version] = [names[c] for c in names if c in shared]
        out["negotiated"][version] = names.get(cipher) if protocol == version else None
        # A completed handshake at this version from a client that offers a listed suite: a server with only the
        # listed suites would have agreed too (the TLS 1.3 server may have preferred another suite of the client's).
        completed.append(protocol == version and bool(out["offered"][version]))
    out["ok"] = any(completed)
    return out


def _loopback_checks(cli, timeout, want_measure, want_suites):
    """The measurement and the cipher-suite check, which share one throwaway certificate."""
    if not (want_measure or want_suites):
        return None, None
    missing = "no openssl command on this host (it is needed for the loopback certificate and client)"
    if not cli:
        return ({"min_protocol": None, "accepted": {}, "error": missing} if want_measure else None,
                dict(_empty_suites(), error=missing) if want_suites else None)
    workdir = tempfile.mkdtemp(prefix="arc_tls_")
    try:
        cert, key = make_cert(cli, workdir)
        return (measure(cli, cert, key, timeout) if want_measure else None,
                cipher_suites(cli, cert, key, timeout) if want_suites else None)
    except (RuntimeError, OSError) as exc:
        return ({"min_protocol": None, "accepted": {}, "error": str(exc)} if want_measure else None,
                dict(_empty_suites(), error=str(exc)) if want_suites else None)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _empty_suites():
    return {"ok": False, "required": [s["name"] for s in _tls_guidance.suites()], "offered": {}, "negotiated": {},
            "tool": None, "source": _tls_guidance.SOURCE}


def agent_proxy(module):
    """The agent's proxy.url, when azcmagent is installed and has one."""
    agent = module.get_bin_path("azcmagent", opt_dirs=[os.path.dirname(p) for p in AGENT_PATHS])
    if not agent:
        return None
    rc, text, _err = module.run_command([agent, "config", "get", "proxy.url"])
    match = re.search(r"https?://[^\s\"',\]]+", text) if rc == 0 else None
    return match.group(0) if match else None


def pick_proxy(module, wanted, username, password):
    """A _proxy.ProxyURL for the handshake, or None (direct)."""
    wanted = (wanted or "").strip()
    if wanted.lower() in ("", "none"):
        return None
    if wanted.lower() == "auto":
        wanted = agent_proxy(module) or os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy") or ""
        if not wanted:
            return None
    return _proxy.parse(wanted, username, password, option="proxy_url")


def last_error(text):
    keep = [line.strip() for line in text.splitlines()
            if re.search(r"error|alert|errno|refused|unknown|unable|timed out|verify|no protocols|wrong version",
                         line, re.I) and not re.search(r"Verify return code: 0 ", line)]
    return keep[-1] if keep else (text.strip().splitlines() or ["no output"])[-1]


def _handshake_openssl(cli, host, port, timeout, ca_path, proxy, out):
    # -no_tls1_3 keeps the handshake at TLS 1.2 without overriding the system's minimum (1.1.1 and later).
    argv = [cli, "s_client", "-connect", "%s:%d" % (_bracketed(host), port), "-servername", host, "-no_tls1_3",
            "-verify_return_error", "-verify_hostname", host]
    if ca_path:
        argv += ["-CAfile", ca_path]
    if proxy is not None:
        argv += ["-proxy", "%s:%d" % (proxy.netloc_host, proxy.port)]
    _rc, text, err = run(argv, timeout=timeout)
    out["tool"] = "openssl s_client"
    out["protocol"], out["cipher"] = negotiated(text)
    for field in ("issuer", "subject"):
        match = re.search(r"^%s=(.*)$" % field, text, re.M)
        out[field] = match.group(1).strip() if match else None
    match = re.search(r"Verify return code: (\d+ \([^)]*\))", text)
    out["verify"] = match.group(1) if match else None
    out["ok"] = out["protocol"] == "TLSv1.2" and (out["verify"] or "").startswith("0 ")
    if not out["ok"]:
        out["error"] = last_error(err + "\n" + text)


def _bracketed(host):
    return "[%s]" % host if ":" in host else host


def _read_connect_answer(sock, deadline):
    """The proxy's answer head (up to the blank line, at most 16 KiB), within the deadline."""
    data = b""
    while b"\r\n\r\n" not in data:
        left = deadline - time.monotonic()
        if left <= 0:
            raise OSError("the proxy did not answer CONNECT within the timeout")
        sock.settimeout(left)
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
        if len(data) > 16384:
            raise OSError("the proxy's answer to CONNECT is longer than 16 KiB")
    return data.decode("latin-1")


def _handshake_python(host, port, timeout, ca_path, proxy, out):
    """Python's own TLS 1.2 handshake (not the system CipherString), through the proxy with its credentials."""
    out["tool"] = "python ssl"
    deadline = time.monotonic() + timeout
    ctx = ssl.create_default_context(cafile=ca_path or None)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.maximum_version = ssl.TLSVersion.TLSv1_2
    if proxy is not None:
        sock = socket.create_connection((proxy.host, proxy.port), timeout=timeout)
        target = "%s:%d" % (_bracketed(host), port)
        request = "CONNECT %s HTTP/1.1\r\nHost: %s\r\n" % (target, target)
        if proxy.authorization():
            request += "Proxy-Authorization: %s\r\n" % proxy.authorization()
        sock.sendall((request + "\r\n").encode("latin-1"))
        reply = _read_connect_answer(sock, deadline)
        if not re.match(r"HTTP/1\.[01] 200", reply):
            sock.close()
            raise OSError("proxy answered %s" % (reply.splitlines()[0] if reply else "nothing and closed"))
    else:
        sock = socket.create_connection((host, port), timeout=timeout)
    sock.settimeout(max(0.1, deadline - time.monotonic()))
    tls = ctx.wrap_socket(sock, server_hostname=host)
    out["protocol"], out["cipher"] = tls.version(), tls.cipher()[0]
    cert = tls.getpeercert()
    out["issuer"] = ", ".join("%s=%s" % kv for rdn in cert.get("issuer", ()) for kv in rdn)
    out["subject"] = ", ".join("%s=%s" % kv for rdn in cert.get("subject", ()) for kv in rdn)
    out["verify"] = "0 (ok)"
    out["ok"] = out["protocol"] == "TLSv1.2"
    tls.close()


def handshake(cli, cli_version, host, port, timeout, ca_path, proxy):
    """The TLS 1.2 handshake. ``openssl s_client`` (the system defaults) unless the proxy needs credentials, which
    must never be on a command line: then Python, sending them in a Proxy-Authorization header."""
    out = {"host": host, "port": port, "ok": False, "protocol": None, "cipher": None, "issuer": None,
           "subject": None, "verify": None, "proxy": proxy.display if proxy is not None else None,
           "tool": None, "error": None}
    secrets = proxy.secrets() if proxy is not None else ()
    use_cli = cli and cli_version and cli_version >= (1, 1, 1) and not (proxy is not None and proxy.has_credentials)

    def work():
        try:
            if use_cli:
                _handshake_openssl(cli, host, port, timeout, ca_path, proxy, out)
            else:
                _handshake_python(host, port, timeout, ca_path, proxy, out)
        except (OSError, ssl.SSLError, ValueError) as exc:
            out["error"] = str(exc)

    worker = threading.Thread(target=work)
    worker.daemon = True
    worker.start()
    worker.join(timeout + 2)
    if worker.is_alive():
        out.update(ok=False, error="the handshake did not finish within timeout=%s seconds" % timeout)
    return _proxy.redact(out, secrets)


def main():
    module = AnsibleModule(
        argument_spec=dict(
            openssl_cnf=dict(type="path", default=""),
            measure=dict(type="bool", default=True),
            cipher_suites=dict(type="bool", default=True),
            handshake_host=dict(type="str", default=""),
            handshake_port=dict(type="int", default=443),
            timeout=dict(type="float", default=10),
            ca_path=dict(type="path", default=""),
            proxy_url=dict(type="str", default=""),
            proxy_username=dict(type="str"),
            proxy_password=dict(type="str", no_log=True),
        ),
        supports_check_mode=True,
    )
    p = module.params
    timeout = p["timeout"]
    if not 1 <= timeout <= 300:  # also refuses nan
        module.fail_json(msg="timeout must be a number of seconds from 1 to 300, not %s" % timeout)
    if not 1 <= p["handshake_port"] <= 65535:
        module.fail_json(msg="handshake_port must be a port number from 1 to 65535, not %s" % p["handshake_port"])
    host = (p["handshake_host"] or "").strip()
    if host and not re.match(r"^(\[?[0-9A-Fa-f:.]+\]?|[A-Za-z0-9_.-]+)$", host):
        module.fail_json(msg="handshake_host %r is not a host name or address; give a name such as "
                             "gbl.his.arc.azure.com" % host)
    host = host.strip("[]")
    if p["ca_path"] and not os.path.isfile(p["ca_path"]):
        module.fail_json(msg="ca_path %s is not a file on this host; give a PEM bundle of CA certificates"
                         % p["ca_path"])
    # Before anything (even a parse error) echoes it: every form of a password typed inside proxy_url.
    module.no_log_values.update(_proxy.url_secrets(p["proxy_url"]))
    try:
        proxy = pick_proxy(module, p["proxy_url"], p["proxy_username"], p["proxy_password"]) if host else None
    except _proxy.ProxyError as exc:
        module.fail_json(msg="%s (a URL such as http://proxy.example.com:3128; or none, or auto)" % exc)
    if proxy is not None:
        for secret in proxy.secrets():
            module.no_log_values.add(secret)

    cli = openssl_cli()
    result = {"changed": False, "openssl": openssl_facts(cli)}
    path = p["openssl_cnf"] or os.path.join(result["openssl"]["dir"] or "/usr/lib/ssl", "openssl.cnf")
    result["config"] = config_facts(os.environ.get("OPENSSL_CONF") or path)
    result["crypto_policies"] = crypto_policy_facts()
    result["effective"], result["cipher_suites"] = _loopback_checks(cli, timeout, p["measure"], p["cipher_suites"])
    result["handshake"] = None
    if host:
        result["handshake"] = handshake(cli, version_tuple(result["openssl"]["version_text"]), host,
                                        p["handshake_port"], timeout, p["ca_path"], proxy)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
