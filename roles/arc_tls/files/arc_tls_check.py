#!/usr/bin/env python3
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Read-only TLS facts for the arc_tls role, printed as one JSON object. Standard library only.

Usage: arc_tls_check.py '<json>' with keys
  openssl_cnf   path of the system openssl.cnf ("" = OPENSSLDIR/openssl.cnf)
  measure       find the lowest protocol the system-default OpenSSL client accepts (local loopback servers)
  handshake     null, or {host, port, timeout, ca_path, proxy}: a TLS 1.2 handshake with the system defaults

Why the openssl command and not Python's ssl module as the client: Python (3.10+) replaces the system
CipherString with its own, so only `openssl s_client` shows what curl, apt and other OpenSSL clients get.
"""

from __future__ import absolute_import, division, print_function

import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import warnings

PROTOCOLS = ["TLSv1", "TLSv1.1", "TLSv1.2", "TLSv1.3"]
CRYPTO_POLICIES_CONFIG = "/etc/crypto-policies/config"
CRYPTO_POLICIES_OPENSSL = "/etc/crypto-policies/back-ends/opensslcnf.config"
AGENT_PATHS = ["/opt/azcmagent/bin/azcmagent", "/usr/bin/azcmagent", "/usr/local/bin/azcmagent"]


def run(argv, timeout=15, stdin=None):
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL if stdin is None else stdin, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout)
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
    cnf = os.path.join(workdir, "req.cnf")
    with open(cnf, "w") as stream:
        stream.write("[req]\ndistinguished_name = dn\n[dn]\n")
    rc, _out, err = run([cli, "req", "-config", cnf, "-x509", "-newkey", "ec", "-pkeyopt",
                         "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                         "-keyout", key, "-out", cert])
    if rc != 0:
        raise RuntimeError("openssl req failed: %s" % err.strip()[-300:])
    return cert, key


def serve_once(version, cert, key):
    """A loopback server that speaks exactly one protocol version, at security level 0 (so only the client's
    settings decide). Returns (port, thread)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        level = getattr(ssl.TLSVersion, version.replace(".", "_").replace("TLSv1_", "TLSv1_"))
        ctx.minimum_version = level
        ctx.maximum_version = level
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    ctx.load_cert_chain(cert, key)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(10)

    def accept():
        try:
            conn, _addr = listener.accept()
            conn.settimeout(10)
            try:
                tls = ctx.wrap_socket(conn, server_side=True)
                # Wait for the client to hang up: closing first makes OpenSSL 3 clients report an unexpected EOF.
                while tls.recv(1024):
                    pass
                tls.close()
            except (ssl.SSLError, OSError):
                conn.close()
        except OSError:
            pass
        finally:
            listener.close()

    thread = threading.Thread(target=accept)
    thread.daemon = True
    thread.start()
    return listener.getsockname()[1], thread


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


def measure(cli):
    """Lowest protocol the system-default `openssl s_client` negotiates with a server that offers only it."""
    out = {"min_protocol": None, "accepted": {}, "error": None}
    if not cli:
        out["error"] = "no openssl command on this host"
        return out
    workdir = tempfile.mkdtemp(prefix="arc_tls_")
    try:
        cert, key = make_cert(cli, workdir)
        for version in PROTOCOLS[:3]:
            try:
                port, thread = serve_once(version, cert, key)
            except (ValueError, AttributeError, ssl.SSLError) as exc:
                out["accepted"][version] = False
                out.setdefault("notes", []).append("%s: local test server failed: %s" % (version, exc))
                continue
            rc, text, _err = run([cli, "s_client", "-connect", "127.0.0.1:%d" % port, "-servername", "localhost"],
                                 timeout=10)
            thread.join(5)
            # Judged by the handshake, not by rc, which also counts how the peer hung up.
            out["accepted"][version] = negotiated(text)[0] == version
        accepted = [v for v in PROTOCOLS[:3] if out["accepted"].get(v)]
        out["min_protocol"] = accepted[0] if accepted else None
    except RuntimeError as exc:
        out["error"] = str(exc)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return out


def agent_proxy():
    for agent in AGENT_PATHS:
        if os.access(agent, os.X_OK):
            rc, text, _err = run([agent, "config", "get", "proxy.url"])
            match = re.search(r"https?://[^\s\"',\]]+", text) if rc == 0 else None
            return match.group(0) if match else None
    return None


def pick_proxy(wanted):
    wanted = (wanted or "").strip()
    if wanted.lower() in ("", "none"):
        return None
    if wanted.lower() == "auto":
        return agent_proxy() or os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy")
    return wanted


def last_error(text):
    keep = [line.strip() for line in text.splitlines()
            if re.search(r"error|alert|errno|refused|unknown|unable|timed out|verify|no protocols|wrong version",
                         line, re.I) and not re.search(r"Verify return code: 0 ", line)]
    return keep[-1] if keep else (text.strip().splitlines() or ["no output"])[-1]


def handshake(cli, cli_version, spec):
    host, port = spec["host"], int(spec.get("port") or 443)
    timeout = float(spec.get("timeout") or 10)
    proxy = pick_proxy(spec.get("proxy"))
    out = {"host": host, "port": port, "ok": False, "protocol": None, "cipher": None, "issuer": None,
           "subject": None, "verify": None, "proxy": re.sub(r"//[^@/]*@", "//***@", proxy) if proxy else None,
           "tool": None, "error": None}
    # -no_tls1_3 keeps the handshake at TLS 1.2 without overriding the system's minimum (1.1.1 and later).
    if cli and cli_version and cli_version >= (1, 1, 1):
        argv = [cli, "s_client", "-connect", "%s:%d" % (host, port), "-servername", host, "-no_tls1_3",
                "-verify_return_error", "-verify_hostname", host]
        if spec.get("ca_path"):
            argv += ["-CAfile", spec["ca_path"]]
        if proxy:
            netloc = re.sub(r"^[a-z]+://", "", proxy).rstrip("/").split("@")[-1]
            argv += ["-proxy", netloc if ":" in netloc.split("]")[-1] else netloc + ":80"]
        rc, text, err = run(argv, timeout=timeout + 5)
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
        return out
    # Fallback without a usable openssl command: Python's own TLS 1.2 handshake (not the system defaults).
    out["tool"] = "python ssl"
    try:
        ctx = ssl.create_default_context(cafile=spec.get("ca_path") or None)
        ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        if proxy:
            netloc = re.sub(r"^[a-z]+://", "", proxy).rstrip("/").split("@")[-1]
            phost, _sep, pport = netloc.rpartition(":") if ":" in netloc else (netloc, ":", "80")
            sock = socket.create_connection((phost, int(pport)), timeout=timeout)
            sock.sendall(("CONNECT %s:%d HTTP/1.1\r\nHost: %s:%d\r\n\r\n" % (host, port, host, port)).encode())
            reply = sock.recv(4096).decode("latin-1")
            if not re.match(r"HTTP/1\.[01] 200", reply):
                raise OSError("proxy answered %s" % reply.splitlines()[0] if reply else "proxy closed")
        else:
            sock = socket.create_connection((host, port), timeout=timeout)
        tls = ctx.wrap_socket(sock, server_hostname=host)
        out["protocol"], out["cipher"] = tls.version(), tls.cipher()[0]
        cert = tls.getpeercert()
        out["issuer"] = ", ".join("%s=%s" % kv for rdn in cert.get("issuer", ()) for kv in rdn)
        out["subject"] = ", ".join("%s=%s" % kv for rdn in cert.get("subject", ()) for kv in rdn)
        out["verify"] = "0 (ok)"
        out["ok"] = out["protocol"] == "TLSv1.2"
        tls.close()
    except (OSError, ssl.SSLError, ValueError) as exc:
        out["error"] = str(exc)
    return out


def main():
    args = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
    cli = openssl_cli()
    facts = {"openssl": openssl_facts(cli)}
    path = args.get("openssl_cnf") or os.path.join(facts["openssl"]["dir"] or "/usr/lib/ssl", "openssl.cnf")
    facts["config"] = config_facts(os.environ.get("OPENSSL_CONF") or path)
    facts["crypto_policies"] = crypto_policy_facts()
    facts["effective"] = measure(cli) if args.get("measure", True) else None
    spec = args.get("handshake")
    facts["handshake"] = handshake(cli, version_tuple(facts["openssl"]["version_text"]), spec) if spec else None
    print(json.dumps(facts, sort_keys=True))


if __name__ == "__main__":
    main()
