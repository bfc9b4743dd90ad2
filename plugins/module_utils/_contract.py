# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The probe result contract: the fields every engine returns for an endpoint, and the closed set of reason codes.

PRIVATE to the collection. Both engines (``_probe.py`` on Linux, ``ArcProbe.cs`` on Windows) emit results that follow
this contract; the controller (summary, table, verdict, report causes, fixes and groups) keys on
``(failed_stage, failed_reason)`` and never on the wording of ``error``. Described for people in
``docs/result_contract.md``. Standard library only, Python 3.8+ (it is sent to managed hosts with the module).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# Bumped when a field or a code changes meaning; engines put it in every module result as ``contract``.
CONTRACT_VERSION = 1

# The stages of one endpoint, in the order they run. ``input`` fails before anything goes on the wire.
STAGES = ("input", "dns", "private_link", "tcp", "proxy", "tls", "tls_inspection", "http")

# Every key of one endpoint result, in the order engines emit them. Catalogue fields the action plugin sends are
# echoed back unchanged (host .. private_capable); the rest is measured. ``host_source`` is set by the module's
# regional HIS discovery (``_his_probe``) on that one row; engines leave it null.
RESULT_FIELDS = (
    "host", "port", "scheme", "url", "purpose", "required", "probeable", "reason", "pattern", "private_capable",
    "ok", "failed_stage", "failed_reason", "error", "hint", "latency_ms", "elapsed_ms", "addresses", "private",
    "tls_version", "tls_cipher", "cert_issuer", "cert_subject", "cert_not_after", "tls_inspection", "http_status",
    "proxy", "host_source",
)

# The closed set of reason codes: code -> (stages it may be reported in, what it means). ``deadline.exceeded`` may
# be reported in any stage: the stage the endpoint was in when its wall-clock budget ran out.
REASONS = {
    "input.invalid": (("input",), "the endpoint cannot be put on the wire as given (bad name, port or path)"),
    "dns.nxdomain": (("dns",), "the name does not exist for this host's resolvers"),
    "dns.timeout": (("dns",), "the resolvers did not answer in time"),
    "dns.no_address": (("dns",), "the name exists but has no address of a usable family"),
    "dns.failed": (("dns",), "the lookup failed for another reason"),
    "private_link.public_address": (("private_link",), "with private link the name resolves to a public address"),
    "tcp.timeout": (("tcp",), "no answer to the TCP connect: something drops the packets"),
    "tcp.refused": (("tcp",), "the TCP connect was refused (RST): nothing listens, or a firewall rejects"),
    "tcp.unreachable": (("tcp",), "no route to the address (network or host unreachable)"),
    "tcp.failed": (("tcp",), "the TCP connect failed for another reason"),
    "tcp.local_limit": (("tcp", "proxy"), "this host could not open another socket (too many open files): lower "
                                          "workers or raise the open files limit"),
    "proxy.unsupported_scheme": (("proxy",), "the proxy URL is not http://, which the agent requires"),
    "proxy.unreachable": (("proxy",), "the proxy itself cannot be connected to"),
    "proxy.timeout": (("proxy",), "the proxy accepted the connection but did not answer CONNECT in time"),
    "proxy.closed": (("proxy",), "the proxy closed the connection during CONNECT"),
    "proxy.not_http": (("proxy",), "the proxy answered CONNECT with something that is not HTTP"),
    "proxy.auth_required": (("proxy",), "the proxy answered 407: it wants credentials"),
    "proxy.refused": (("proxy",), "the proxy refused CONNECT (403 or another non-2xx status)"),
    "tls.expired": (("tls",), "the server's certificate has expired"),
    "tls.name_mismatch": (("tls",), "the server's certificate is for other names"),
    "tls.untrusted": (("tls",), "the certificate chain is not trusted by this host"),
    "tls.protocol_too_old": (("tls",), "the server offers only TLS versions older than the minimum"),
    "tls.local_policy": (("tls",), "this host's own TLS configuration forbids the minimum version"),
    "tls.no_common_cipher": (("tls",), "no protocol version or cipher suite in common"),
    "tls.not_tls": (("tls",), "the server answered the TLS hello with something else (plain HTTP)"),
    "tls.timeout": (("tls",), "the handshake did not complete in time"),
    "tls.reset": (("tls",), "the connection was closed or reset during the handshake"),
    "tls.failed": (("tls",), "the handshake failed for another reason"),
    "tls_inspection.reissued": (("tls_inspection",), "a trusted certificate not issued by a Microsoft CA: a "
                                                     "middlebox re-signs TLS"),
    "tls_inspection.untrusted": (("tls_inspection",), "an untrusted certificate from an unexpected issuer: a "
                                                      "middlebox re-signs TLS with a CA this host does not trust"),
    "http.timeout": (("http",), "the connection opened but no complete HTTP answer came in time"),
    "http.closed": (("http",), "the server closed the connection before answering HTTP"),
    "http.not_http": (("http",), "the answer was not HTTP"),
    "deadline.exceeded": (STAGES, "the endpoint's wall-clock budget ran out in the stage named"),
    "engine.error": (STAGES, "the engine met an unexpected error in the stage named (a bug: please report it)"),
}

# Budgets and caps every engine applies (seconds, counts, bytes); docs/result_contract.md explains each.
DEADLINE_FACTOR = 2.0       # default per-endpoint deadline: DEADLINE_FACTOR x timeout ...
MAX_DEADLINE = 600.0        # ... and never more than this
MAX_TIMEOUT = 120.0         # largest accepted timeout
MAX_WORKERS = 64            # endpoints probed at once
MAX_ENDPOINTS = 5000        # endpoints in one module run
RESOLVER_THREADS = 4        # name lookups in flight at once (getaddrinfo cannot be cancelled)
START_UP = 10.0             # module start-up, reading the agent's proxy settings (2 x 3 s), the result's serialisation
MAX_ALLOWLIST_HOSTS = 500   # Service Bus hosts added from the guest notification allowlist
MAX_ALLOWLIST_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 32
MAX_HEAD_BYTES = 64 * 1024  # an HTTP or CONNECT answer's status line and headers


def default_deadline(timeout):
    """The per-endpoint wall-clock budget when none is given."""
    return min(DEADLINE_FACTOR * float(timeout), MAX_DEADLINE)


def module_budget(endpoints, workers, deadline, expand_service_bus=False, discover_his=False):
    """Seconds one module run may take at most: one deadline per batch of ``workers`` endpoints (plus one for the
    allowlist fetch and its hosts, counted at the cap, and one for the HIS discovery request), plus start-up. The
    controller bounds the task with it."""
    count = int(endpoints) + (MAX_ALLOWLIST_HOSTS if expand_service_bus else 0)
    width = max(1, min(int(workers), MAX_WORKERS))
    batches = -(-count // width) + (1 if expand_service_bus else 0) + (1 if discover_his else 0)
    return batches * float(deadline) + START_UP


def check_result(result):
    """The list of contract violations in one endpoint result (empty when it follows the contract)."""
    problems = []
    missing = [key for key in RESULT_FIELDS if key not in result]
    if missing:
        problems.append("missing fields: %s" % ", ".join(missing))
    stage, reason = result.get("failed_stage"), result.get("failed_reason")
    if result.get("ok") or not result.get("probeable", True):
        if stage is not None or reason is not None:
            problems.append("an ok or not probed result has failed_stage %r / failed_reason %r" % (stage, reason))
        return problems
    if stage not in STAGES:
        problems.append("failed_stage %r is not one of %s" % (stage, ", ".join(STAGES)))
    if reason not in REASONS:
        problems.append("failed_reason %r is not a documented code" % (reason,))
    elif stage not in REASONS[reason][0]:
        problems.append("failed_reason %r cannot be reported in stage %r" % (reason, stage))
    return problems
