#!/usr/bin/env python3
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generate the lab's state: address plan, lab CA and server certificates, the TLS-inspecting proxy's CA,
proxy configurations and the hosts file of the service container.

Every catalogue host name comes from the collection's own catalogue (plugins/module_utils/_catalogue.py,
the code behind the ``arcready.network.endpoints`` lookup), so nothing here is typed by hand.

    python3 tests/lab/arclab.py generate [--cloud AzureCloud] [--region eastus] [--force]
    python3 tests/lab/arclab.py show            # print lab.json

Needs ``cryptography`` (in the dev venv). Writes to $ARCLAB_STATE (default /var/lib/arcready-lab).
Idempotent: the CAs are kept; server certificates and configs are rewritten only when the set of names
or the address plan changes (or with --force).
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import importlib.util
import ipaddress
import json
import os
import secrets
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
STATE = os.environ.get("ARCLAB_STATE", "/var/lib/arcready-lab")

# Address plan. The "public" side uses 198.18.0.0/15 (RFC 2544, reserved for network benchmark tests): it is
# not RFC 1918 / CGNAT / ULA, so the probe reports it as public (private=false), like a real Azure address.
# Podman allocates container addresses only inside the ip-range; the fake service's own and per-endpoint
# addresses sit outside it, so they never collide with a test host.
PUBLIC_NET = {"name": "arclab", "subnet": "198.18.0.0/16", "ip_range": "198.18.0.0/24", "gateway": "198.18.0.1"}
PRIVATE_NET = {"name": "arclab-pl", "subnet": "172.30.0.0/16", "ip_range": "172.30.0.0/24", "gateway": "172.30.0.1"}
SVC_PUBLIC_IP = "198.18.2.10"
SVC_PRIVATE_IP = "172.30.2.10"
PUBLIC_EP_BASE = ipaddress.ip_address("198.18.1.1")    # one address per catalogue name
PRIVATE_EP_BASE = ipaddress.ip_address("172.30.1.1")   # one private-endpoint address per private-capable name
PORTS = {"plain": 3128, "auth": 3129, "mitm": 8080}
CA_NAME = {"org": "arcready lab", "cn": "arcready lab root CA"}
MITM_CA_NAME = {"org": "Contoso Secure Web Gateway", "cn": "Contoso TLS Inspection CA"}
SERVICE_BUS_COUNT = 2
# HIS discovery on the global host: the answer per region, and per address of the global host a scenario can map
# it to (the probe's resolve option), so hosts of one scenario see agreement, disagreement and failure at once.
DISCOVERY_OTHER_SHARD = "weu"             # a regional host the lab serves that disagrees with eastus's eus
DISCOVERY_ADDRESSES = {"disagree": "198.18.3.1", "fail": "198.18.3.2", "other_host": "198.18.3.3"}


def load_catalogue():
    path = os.path.join(REPO, "plugins", "module_utils", "_catalogue.py")
    spec = importlib.util.spec_from_file_location("arclab_catalogue", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def service_bus_names(catalogue, cloud, region):
    """The lab's answer to the guest notification allowlist API: concrete azgn-... Service Bus names."""
    suffix = catalogue._SUFFIX[cloud].get("servicebus")  # pylint: disable=protected-access
    if not suffix:
        return []
    return ["azgn-%s-public-1%s-lab-%03d.%s" % (region, "ps"[i % 2], i + 1, suffix) for i in range(SERVICE_BUS_COUNT)]


def plan(cloud, region):
    """Every name the fake service answers for, with its public and (when private-capable) private address."""
    catalogue = load_catalogue()
    endpoints = catalogue.build(cloud, region, scenarios=catalogue.SCENARIOS, stage="install")
    names = {}
    for ep in endpoints:
        if not ep["probeable"]:
            continue
        entry = names.setdefault(ep["host"], {"private_capable": False, "ports": []})
        entry["private_capable"] = entry["private_capable"] or ep["private_capable"]
        if ep["port"] not in entry["ports"]:
            entry["ports"].append(ep["port"])
    servicebus = service_bus_names(catalogue, cloud, region)
    for host in servicebus:
        names.setdefault(host, {"private_capable": False, "ports": [443]})
    hosts = {}
    private_index = 0
    for index, host in enumerate(sorted(names)):
        entry = names[host]
        hosts[host] = {
            "public": str(PUBLIC_EP_BASE + index),
            "private": str(PRIVATE_EP_BASE + private_index) if entry["private_capable"] else None,
            "private_capable": entry["private_capable"],
            "ports": sorted(entry["ports"]),
        }
        if entry["private_capable"]:
            private_index += 1
    # Outside the numbered range, so adding it moves no other name's address.
    other = "%s.%s" % (DISCOVERY_OTHER_SHARD, catalogue._SUFFIX[cloud]["his"])  # pylint: disable=protected-access
    hosts.setdefault(other, {"public": DISCOVERY_ADDRESSES["other_host"], "private": None, "private_capable": False,
                             "ports": [443]})
    return hosts, servicebus


def discovery_plan(cloud, region):
    """What the fake global HIS host answers to /discovery: ``regions`` (region -> URL, or {status, body}) and
    ``by_address`` (the global host's extra lab addresses -> answer, whatever the region)."""
    catalogue = load_catalogue()
    info = catalogue.his_host(cloud, region)
    suffix = catalogue._SUFFIX[cloud]["his"]  # pylint: disable=protected-access
    other = "https://%s.%s" % (DISCOVERY_OTHER_SHARD, suffix)
    regions = {region: "https://%s" % info["host"]} if info["host"] else {}
    addresses = DISCOVERY_ADDRESSES
    return {
        "regions": regions,
        "by_address": {
            addresses["disagree"]: other,
            addresses["fail"]: {"status": 500, "body": '{"error": {"code": "InternalServerError"}}'},
        },
        "addresses": DISCOVERY_ADDRESSES,
        "other_host": other[len("https://"):],
        "override": os.path.join(STATE, "discovery.json"),
    }


def _write(path, data, mode=0o644):
    tmp = path + ".tmp"
    with open(tmp, "wb") as stream:
        stream.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    os.chmod(tmp, mode)
    os.replace(tmp, path)


def _crypto():
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    return x509, hashes, serialization, ec, ExtendedKeyUsageOID, NameOID


def _pem_key(key):
    _x509, _hashes, serialization, _ec, _eku, _oid = _crypto()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
                             serialization.NoEncryption())


def make_ca(org, cn, days=3650):
    x509, hashes, serialization, ec, _eku, NameOID = _crypto()
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, org), x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
            .sign(key, hashes.SHA256()))
    return key, cert


def issue(ca_key, ca_cert, names, days=825):
    x509, hashes, serialization, ec, ExtendedKeyUsageOID, NameOID = _crypto()
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    subject = x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "arcready lab fake Azure"),
                         x509.NameAttribute(NameOID.COMMON_NAME, names[0][:64])])
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(ca_cert.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=days))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in names]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return key, cert


def _load_ca(directory, org, cn):
    """Load the CA in ``directory`` (ca.pem + ca.key), creating it when missing."""
    x509, _hashes, serialization, _ec, _eku, _oid = _crypto()
    cert_path, key_path = os.path.join(directory, "ca.pem"), os.path.join(directory, "ca.key")
    os.makedirs(directory, exist_ok=True)
    if os.path.exists(cert_path) and os.path.exists(key_path):
        with open(cert_path, "rb") as c, open(key_path, "rb") as k:
            return serialization.load_pem_private_key(k.read(), None), x509.load_pem_x509_certificate(c.read()), False
    key, cert = make_ca(org, cn)
    _write(key_path, _pem_key(key), 0o600)
    _write(cert_path, cert.public_bytes(serialization.Encoding.PEM))
    return key, cert, True


def tinyproxy_conf(port, auth=None):
    lines = [
        "# Generated by tests/lab/arclab.py: arcready lab forward proxy%s" % (" (basic auth)" if auth else ""),
        "User nobody", "Group nogroup", "Port %d" % port, "Timeout 60", "MaxClients 200", "LogLevel Notice",
        "DisableViaHeader Yes", "ConnectPort 443", "ConnectPort 80",
    ]
    if auth:
        lines.append("BasicAuth %s %s" % auth)
    return "\n".join(lines) + "\n"


def generate(cloud, region, force=False):
    x509, _hashes, serialization, _ec, _eku, _oid = _crypto()
    os.makedirs(STATE, exist_ok=True)
    hosts, servicebus = plan(cloud, region)
    lab_path = os.path.join(STATE, "lab.json")
    previous = {}
    if os.path.exists(lab_path):
        with open(lab_path) as stream:
            previous = json.load(stream)

    ca_key, ca_cert, ca_new = _load_ca(os.path.join(STATE, "ca"), CA_NAME["org"], CA_NAME["cn"])
    mitm_key, mitm_cert, mitm_new = _load_ca(os.path.join(STATE, "mitm-ca"), MITM_CA_NAME["org"],
                                             MITM_CA_NAME["cn"])
    # mitmproxy's confdir format: the key and the certificate in one file, plus the certificate alone.
    mitm_dir = os.path.join(STATE, "mitmproxy")
    os.makedirs(mitm_dir, exist_ok=True)
    mitm_pem = mitm_cert.public_bytes(serialization.Encoding.PEM)
    _write(os.path.join(mitm_dir, "mitmproxy-ca.pem"), _pem_key(mitm_key) + mitm_pem, 0o600)
    _write(os.path.join(mitm_dir, "mitmproxy-ca-cert.pem"), mitm_pem)

    auth = previous.get("proxies", {}).get("auth_credentials") or {
        "username": "arclab", "password": secrets.token_hex(8)}
    lab = {
        "cloud": cloud,
        "region": region,
        "state_dir": STATE,
        "networks": {"public": PUBLIC_NET, "private": PRIVATE_NET},
        "service": {"name": "arclab-svc", "public_ip": SVC_PUBLIC_IP, "private_ip": SVC_PRIVATE_IP},
        "proxies": {
            "plain": "http://%s:%d" % (SVC_PUBLIC_IP, PORTS["plain"]),
            "auth": "http://%s:%d" % (SVC_PUBLIC_IP, PORTS["auth"]),
            "mitm": "http://%s:%d" % (SVC_PUBLIC_IP, PORTS["mitm"]),
            "auth_credentials": auth,
            "ports": PORTS,
        },
        "ca": {"cert": os.path.join(STATE, "ca", "ca.pem"), "issuer_org": CA_NAME["org"], "issuer_cn": CA_NAME["cn"]},
        "mitm_ca": {"cert": os.path.join(mitm_dir, "mitmproxy-ca-cert.pem"), "issuer_org": MITM_CA_NAME["org"],
                    "issuer_cn": MITM_CA_NAME["cn"]},
        "servicebus": servicebus,
        "discovery": discovery_plan(cloud, region),
        "hosts": hosts,
    }
    digest = hashlib.sha256(json.dumps([lab, ca_cert.serial_number, mitm_cert.serial_number],
                                       sort_keys=True).encode()).hexdigest()[:16]
    lab["digest"] = digest

    certs_dir = os.path.join(STATE, "certs")
    os.makedirs(certs_dir, exist_ok=True)
    if force or ca_new or previous.get("digest") != digest or not os.path.exists(os.path.join(certs_dir, "index.json")):
        index = {}
        for host in sorted(hosts):
            key, cert = issue(ca_key, ca_cert, [host])
            base = os.path.join(certs_dir, host)
            _write(base + ".pem", cert.public_bytes(serialization.Encoding.PEM) + ca_cert.public_bytes(
                serialization.Encoding.PEM))
            _write(base + ".key", _pem_key(key), 0o600)
            index[host] = {"cert": host + ".pem", "key": host + ".key"}
        # For an unknown SNI name the server presents this one: its names match nothing in the catalogue.
        key, cert = issue(ca_key, ca_cert, ["default.arclab.invalid"])
        _write(os.path.join(certs_dir, "_default.pem"), cert.public_bytes(serialization.Encoding.PEM))
        _write(os.path.join(certs_dir, "_default.key"), _pem_key(key), 0o600)
        _write(os.path.join(certs_dir, "index.json"), json.dumps(index, indent=1, sort_keys=True))
        changed = True
    else:
        changed = False

    # /etc/hosts lines for the service container (the proxies resolve catalogue names with it).
    hosts_lines = ["# arcready lab: catalogue names -> fake Azure service (generated)"]
    hosts_lines += ["%s %s" % (v["public"], h) for h, v in sorted(hosts.items())]
    _write(os.path.join(STATE, "hosts.svc"), "\n".join(hosts_lines) + "\n")
    _write(os.path.join(STATE, "tinyproxy-plain.conf"), tinyproxy_conf(PORTS["plain"]))
    _write(os.path.join(STATE, "tinyproxy-auth.conf"), tinyproxy_conf(PORTS["auth"],
                                                                      (auth["username"], auth["password"])), 0o644)
    _write(lab_path, json.dumps(lab, indent=1, sort_keys=True))
    print("arclab.py: state in %s (%s, %s, %d names, digest %s%s)" % (
        STATE, cloud, region, len(hosts), digest, ", certificates issued" if changed else ""))
    return lab


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    gen = sub.add_parser("generate")
    gen.add_argument("--cloud", default=os.environ.get("ARCLAB_CLOUD", "AzureCloud"))
    gen.add_argument("--region", default=os.environ.get("ARCLAB_REGION", "eastus"))
    gen.add_argument("--force", action="store_true")
    sub.add_parser("show")
    args = parser.parse_args(argv)
    if args.command == "generate":
        generate(args.cloud, args.region, args.force)
    else:
        with open(os.path.join(STATE, "lab.json")) as stream:
            sys.stdout.write(stream.read() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
