# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for the preflight_* testinfra verifiers: read what the preflight wrote on the controller.

The converge (shared/converge.yml) leaves, in the scenario's ephemeral directory:
  arc-reports/hosts/<inventory_hostname>.json   the preflight's per-host report (the probe module's result)
  arc-reports/preflight.json                    the fleet report
  preflight-run.json                            rc of ansible-playbook, PLAY RECAP counts per host, output
"""

import ipaddress
import json
import os

EPHEMERAL = os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", "")
REPORT_DIR = os.path.join(EPHEMERAL, "arc-reports")
STATE = os.environ.get("ARCLAB_STATE", "/var/lib/arcready-lab")

# What the endpoint records must carry (the probe module's documented return values).
ENDPOINT_FIELDS = ("host", "port", "scheme", "url", "purpose", "required", "ok", "failed_stage", "error",
                   "latency_ms", "addresses", "private", "tls_version", "tls_cipher", "cert_issuer",
                   "cert_subject", "cert_not_after", "http_status", "proxy", "tls_inspection", "probeable", "reason")
SUMMARY_FIELDS = ("total", "ok", "failed", "required_failed", "not_probeable")


def _load(path):
    with open(path) as stream:
        return json.load(stream)


def lab():
    return _load(os.path.join(STATE, "lab.json"))


def run():
    return _load(os.path.join(EPHEMERAL, "preflight-run.json"))


def fleet():
    return _load(os.path.join(REPORT_DIR, "preflight.json"))


def report(name):
    return _load(os.path.join(REPORT_DIR, "hosts", "%s.json" % name))


def hostname(host):
    """The inventory name of a testinfra host."""
    return host.backend.get_hostname()


def platform(name):
    """``name``, after checking that it is a platform of this scenario and that the preflight ran on it: a test
    about one host must fail, not pass unchecked, when that host is renamed or dropped."""
    import yaml

    with open(os.path.join(os.environ["MOLECULE_SCENARIO_DIRECTORY"], "molecule.yml")) as stream:
        platforms = [p["name"] for p in yaml.safe_load(stream)["platforms"]]
    assert name in platforms, "%s is not a platform of this scenario (%s)" % (name, ", ".join(platforms))
    assert name in run()["recap"], "the preflight did not run on %s" % name
    return name


def probed(rep):
    return [e for e in rep["endpoints"] if e["probeable"]]


def by_host(rep):
    """{(host, port): endpoint} of the probed endpoints."""
    return dict(((e["host"], e["port"]), e) for e in probed(rep))


def in_net(address, cidr):
    return ipaddress.ip_address(address) in ipaddress.ip_network(cidr)


def public_lab_address(name):
    return lab()["hosts"][name]["public"]


def assert_report_shape(rep):
    for key in ("endpoints", "summary", "table", "proxy"):
        assert key in rep, "report lacks %r" % key
    assert isinstance(rep.get("warnings", []), list)
    for key in SUMMARY_FIELDS:
        assert isinstance(rep["summary"][key], int), "summary.%s" % key
    assert rep["summary"]["total"] == len(rep["endpoints"])
    assert rep["summary"]["ok"] == sum(1 for e in rep["endpoints"] if e["ok"])
    assert rep["summary"]["not_probeable"] == sum(1 for e in rep["endpoints"] if not e["probeable"])
    assert rep["summary"]["failed"] == sum(1 for e in probed(rep) if not e["ok"])
    assert rep["summary"]["required_failed"] == sum(1 for e in probed(rep) if not e["ok"] and e["required"])
    for ep in rep["endpoints"]:
        missing = [f for f in ENDPOINT_FIELDS if f not in ep]
        assert not missing, "%s lacks %s" % (ep.get("url"), missing)
    for ep in rep["endpoints"]:
        if not ep["probeable"]:
            assert ep["ok"] is False and ep["reason"], ep


def assert_ok_direct(ep, lab_ca_issuer):
    """A healthy direct probe of the fake service, field by field."""
    where = ep["url"]
    assert ep["ok"] is True, "%s: %s" % (where, ep["error"])
    assert ep["failed_stage"] is None and ep["error"] is None, where
    assert ep["proxy"] is None, where
    assert ep["tls_inspection"] is False, where
    assert ep["http_status"] == 200, where
    assert ep["addresses"], where
    for stage in ("dns", "tcp", "http"):
        assert isinstance(ep["latency_ms"].get(stage), int), "%s latency %s" % (where, stage)
    if ep["scheme"] == "https":
        assert ep["tls_version"] in ("TLSv1.2", "TLSv1.3"), where
        assert ep["tls_cipher"], where
        assert lab_ca_issuer in ep["cert_issuer"], where
        assert ep["host"] in ep["cert_subject"], where
        assert ep["cert_not_after"], where
        assert isinstance(ep["latency_ms"].get("tls"), int), where
    else:
        assert ep["tls_version"] is None and ep["port"] == 80, where


def recap(name):
    return run()["recap"][name]


def fatal_output(name):
    """The 'fatal: [name]: FAILED! => ...' text the preflight printed for a host ('' when none)."""
    out = []
    capture = False
    record = run()
    # ansible-core 2.19 prints task failures on stderr; older versions on stdout.
    starts = ("fatal:", "failed:", "ok:", "changed:", "TASK ", "PLAY ", "skipping:")
    for line in (record["stdout"] + "\n" + record["stderr"]).splitlines():
        if line.startswith("fatal: [%s]" % name) or line.startswith("failed: [%s]" % name):
            capture = True
        elif capture and (not line.strip() or line.startswith(starts)):
            capture = False
        if capture:
            out.append(line)
    return "\n".join(out)


def assert_host_failed_for_required(name, failing_hosts):
    """The preflight failed this host because of these required endpoints: its verdict task failed it (not ready
    under arc_fail_on=required), and its group in the fleet report, the work item, has each one as a blocking
    failure, with no optional endpoint among them."""
    assert run()["rc"] != 0
    assert recap(name)["failed"] == 1, recap(name)
    text = fatal_output(name)
    assert "%s is not ready (arc_fail_on=required)" % name in text, text[:2000]
    rep = report(name)
    assert rep["verdict"]["status"] == "not_ready", rep["verdict"]
    endpoints = dict((e["host"], e) for e in probed(rep))
    groups = [g for g in fleet()["groups"] if name in g["hosts"]]
    assert len(groups) == 1, groups
    blocking = set(f["host"] for f in groups[0]["failures"] if f["blocking"])
    for host in failing_hosts:
        ep = endpoints[host]
        assert ep["required"] and not ep["ok"], host
        assert host in blocking, "%s is not a blocking failure of %s's group: %s" % (host, name, groups[0])
    # Optional endpoints that failed are not what failed the host.
    for ep in endpoints.values():
        if not ep["ok"] and not ep["required"]:
            assert ep["host"] not in blocking, "optional %s blocks %s" % (ep["host"], name)
