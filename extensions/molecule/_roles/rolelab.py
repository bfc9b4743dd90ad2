"""Helpers for the role scenarios' testinfra verifiers (arc_proxy, arc_tls, arc_firewall)."""

import json
import os
import re

STATE = os.environ.get("ARCLAB_STATE", "/var/lib/arcready-lab")


def hostname(host):
    return host.backend.host


def lab():
    with open(os.path.join(STATE, "lab.json")) as stream:
        return json.load(stream)


def facts(host):
    """The role facts converge recorded for this host."""
    path = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "facts", hostname(host) + ".json")
    with open(path) as stream:
        return json.load(stream)


def host_vars(host):
    import yaml

    path = os.path.join(os.environ["MOLECULE_SCENARIO_DIRECTORY"], "host_vars", hostname(host) + ".yml")
    with open(path) as stream:
        return yaml.safe_load(stream) or {}


_STATE = {}


def gather(host, script):
    """Run one shell script on the host and split its output into sections ("=== name" lines start one).

    Each testinfra call through the ansible backend costs about a second, so a verifier collects what it needs
    in one call per host and its tests read the cached sections.
    """
    key = (hostname(host), script)
    if key not in _STATE:
        out = host.run(script).stdout
        sections, name = {}, None
        for line in out.splitlines():
            if line.startswith("=== "):
                name = line[4:].strip()
                sections[name] = []
            elif name:
                sections[name].append(line)
        # Sections start with "echo; echo '=== name'", so a file without a final newline cannot swallow a marker.
        _STATE[key] = dict((k, "\n".join(v).strip()) for k, v in sections.items())
    return _STATE[key]


def session(s_client_output):
    """(protocol, cipher) of a completed handshake in openssl s_client output, else (None, None).

    Only the SSL-Session block with a real cipher counts: OpenSSL 3.5 prints "Protocol: TLSv1.3" after a failed
    handshake, 3.0 "New, (NONE)" after some good ones, 1.1.1 a session with "Cipher : 0000" after a failed one.
    """
    match = re.search(r"^SSL-Session:\s*\n\s*Protocol\s*:\s*(\S+)\s*\n\s*Cipher\s*:\s*(\S+)", s_client_output, re.M)
    if not match or match.group(2) in ("0000", "(NONE)"):
        return None, None
    return match.group(1), match.group(2)
