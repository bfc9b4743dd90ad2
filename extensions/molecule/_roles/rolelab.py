"""Helpers for the role scenarios' testinfra verifiers (arc_proxy, arc_tls, arc_firewall)."""

import json
import os
import re
import subprocess

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
    return host_vars_of(hostname(host))


def host_vars_of(name):
    import yaml

    path = os.path.join(os.environ["MOLECULE_SCENARIO_DIRECTORY"], "host_vars", name + ".yml")
    with open(path) as stream:
        return yaml.safe_load(stream) or {}


def host_named(request, name):
    """The testinfra host of the platform ``name``: a test about one host takes it by name (instead of skipping
    the other hosts), so it fails when that host is renamed or dropped from the scenario."""
    import testinfra

    assert name in platforms(), "%s is not a platform of this scenario (%s)" % (name, ", ".join(platforms()))
    option = request.config.option
    return testinfra.get_host("ansible://" + name, ansible_inventory=option.ansible_inventory,
                              force_ansible=option.force_ansible)


def _molecule_yml():
    import yaml

    with open(os.path.join(os.environ["MOLECULE_SCENARIO_DIRECTORY"], "molecule.yml")) as stream:
        return yaml.safe_load(stream)


def platforms():
    """The names of this scenario's platforms (molecule.yml)."""
    return [p["name"] for p in _molecule_yml()["platforms"]]


def scenario():
    """The scenario section of molecule.yml (test_sequence, ...)."""
    return _molecule_yml()["scenario"]


_STATE = {}

# Connects to every target at once, so the dropped ones (3 s timeout each) cost 3 s in all.
_CONNECT = r"""python3 - {targets} <<'PY'
import socket, sys, threading
out = {{}}
def probe(target):
    host, port = target.rsplit(":", 1)
    try:
        socket.create_connection((host, int(port)), timeout=3).close(); out[target] = "open"
    except OSError as exc:
        out[target] = "blocked %s" % exc
threads = [threading.Thread(target=probe, args=(t,)) for t in sys.argv[1:]]
[t.start() for t in threads]; [t.join() for t in threads]
for target in sys.argv[1:]:
    print("%s %s" % (target, out[target]))
PY"""


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


def connect_section(targets, section="connect"):
    """A gather() section that tries a TCP connection to each "address:port" target from the host."""
    return "echo; echo '=== %s'; %s" % (section, _CONNECT.format(targets=" ".join(targets)))


def connected(section_text):
    """{target: "open" or "blocked <reason>"} from a connect_section's output."""
    return dict(line.split(" ", 1) for line in section_text.splitlines())


def ssh_echo(host):
    """`echo in` over a new SSH session to the host's lab address, with the key prepare made."""
    address = json.loads(subprocess.check_output(["podman", "inspect", hostname(host)]))[0][
        "NetworkSettings"]["Networks"]["arclab"]["IPAddress"]
    key = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "arclab_ssh_key")
    return subprocess.run(["ssh", "-i", key, "-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null",
                           "-o", "BatchMode=yes", "-o", "ConnectTimeout=10", "root@" + address, "echo", "in"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=30)
