# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What a probe result means: the summary, the table, the warnings and the ``fail_on`` verdict of one host.

PRIVATE to the collection. Computed on the controller, once, from the endpoint results of either engine (the
fields of ``module_utils/_contract.py``): the probe action plugin, the preflight role's verdict task (through the
``preflight_verdict`` filter), the progress callback and the reports all call these functions, so a host gets the
same verdict in the play, the console and the HTML. Nothing here reads the wording of ``error``.

Results of an older engine (no ``failed_reason``) and missing fields are read with the contract's defaults.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import math

from ansible.module_utils.common.text.converters import to_native

from ansible_collections.arcready.network.plugins.module_utils._proxy import redact

FAIL_ON = ("required", "any", "never")

# Host-level warnings: code -> sentence (``%s`` is what the code is about). The verdict does not fail on them; the
# agent will, which is why they are shown.
WARNINGS = {
    "tls_inspection.detected": "%s endpoint(s) presented certificates not issued by an expected CA: a middlebox "
                               "inspects TLS, which the Azure Arc agent does not support",
    "proxy.credentials": "the proxy %s uses credentials: the Azure Arc agent does not support authenticating "
                         "proxies, so onboarding will fail through it even if this probe succeeds",
    "proxy.not_http": "the proxy %s is not an http:// proxy: the Azure Arc agent does not support HTTPS proxies",
}

# The task actions whose results are one host's probe: the probe itself and the preflight role's probe step (short
# names too, as a task may be written); the console callbacks count and print these.
PROBE_ACTIONS = ("arcready.network.probe", "probe", "arcready.network.preflight_probe", "preflight_probe")

# How long the probe module may run: each endpoint has a wall-clock budget of ENDPOINT_BUDGET x ``timeout`` (the
# engines' documented deadline), endpoints run in batches of ``workers``; the Service Bus expansion adds the
# allowlist fetch and up to SERVICE_BUS_BATCHES more batches; STARTUP covers connecting and starting the module.
ENDPOINT_BUDGET = 2.0
SERVICE_BUS_BATCHES = 2
STARTUP = 60.0
MARGIN = 1.5

_TLS_NAMES = {"SSLv3": "SSL 3.0", "TLSv1": "TLS 1.0", "TLSv1.1": "TLS 1.1", "TLSv1.2": "TLS 1.2",
              "TLSv1.3": "TLS 1.3"}


# ------------------------------------------------------------------------------------------------- one endpoint

def probed(ep):
    return bool(ep.get("probeable", True))


def failed(ep):
    """A probed endpoint that did not pass every stage."""
    return probed(ep) and not ep.get("ok")


def blocking(ep, fail_on="required"):
    """Whether this endpoint makes its host not ready. ``never`` only keeps the play going: a host with failed
    required endpoints is still not ready."""
    return failed(ep) and (fail_on == "any" or bool(ep.get("required", True)))


def cause_key(ep):
    """``(failed_stage, failed_reason)`` of a failed endpoint; the reason is None for an older engine."""
    return ep.get("failed_stage"), ep.get("failed_reason")


# ------------------------------------------------------------------------------------------------------ one host

def check_fail_on(fail_on):
    value = "required" if fail_on is None else str(fail_on)
    if value not in FAIL_ON:
        raise ValueError("fail_on must be one of %s, got %r" % (", ".join(FAIL_ON), fail_on))
    return value


def failing(endpoints, fail_on="required"):
    """The endpoints that fail the verdict (none with ``never``)."""
    fail_on = check_fail_on(fail_on)
    if fail_on == "never":
        return []
    return [ep for ep in endpoints if blocking(ep, fail_on)]


def status(endpoints, fail_on="required"):
    """``not_ready`` (a blocking failure), ``warning`` (only optional ones) or ``ready``."""
    if any(blocking(ep, fail_on) for ep in endpoints):
        return "not_ready"
    if any(failed(ep) for ep in endpoints):
        return "warning"
    return "ready"


def summarize(endpoints):
    """Counts over all endpoints."""
    return {
        "total": len(endpoints),
        "ok": sum(1 for ep in endpoints if probed(ep) and ep.get("ok")),
        "failed": sum(1 for ep in endpoints if failed(ep)),
        "required_failed": sum(1 for ep in endpoints if failed(ep) and ep.get("required", True)),
        "not_probeable": sum(1 for ep in endpoints if not probed(ep)),
        "tls_inspection": sum(1 for ep in endpoints if ep.get("tls_inspection")),
    }


def _label(ep):
    if ep.get("url"):
        return str(ep["url"])
    return "%s://%s:%s" % (ep.get("scheme") or "https", ep.get("host") or ep.get("pattern"), ep.get("port"))


def _cells(ep):
    if not probed(ep):
        return (_label(ep), "not probed", "-", "-", "-")
    reachable = "true" if ep.get("ok") else "false (%s)" % (ep.get("failed_reason") or ep.get("failed_stage"))
    if ep.get("proxy") or ep.get("private") is None:
        private = "unknown"
    else:
        private = "true" if ep.get("private") else "false"
    version = ep.get("tls_version")
    tls = _TLS_NAMES.get(version, version) if version else ("n/a" if ep.get("scheme") == "http" else "unknown")
    return (_label(ep), reachable, private, str(tls), "used" if ep.get("proxy") else "not used")


def table(endpoints):
    """``azcmagent check`` style: ENDPOINT | REACHABLE | PRIVATE | TLS | PROXY, sorted by endpoint."""
    rows = [("ENDPOINT", "REACHABLE", "PRIVATE", "TLS", "PROXY")]
    rows.extend(_cells(ep) for ep in sorted(endpoints, key=lambda ep: (_label(ep), ep.get("port") or 0)))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    return "\n".join(" | ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows)


def warnings(endpoints, proxy=None, proxy_credentials=False):
    """[{code, message}] for this host. ``proxy`` is the module's (redacted) proxy display; ``proxy_credentials``
    says the proxy was given credentials apart from the URL."""
    out = []
    shown = redact(str(proxy)) if proxy else None
    if shown and (proxy_credentials or "@" in shown):
        out.append({"code": "proxy.credentials", "message": WARNINGS["proxy.credentials"] % shown})
    if shown and "://" in shown and not shown.lower().startswith("http://"):
        out.append({"code": "proxy.not_http", "message": WARNINGS["proxy.not_http"] % shown})
    inspected = sum(1 for ep in endpoints if ep.get("tls_inspection"))
    if inspected:
        out.append({"code": "tls_inspection.detected", "message": WARNINGS["tls_inspection.detected"] % inspected})
    return out


def _where(ep):
    return "%s:%s" % (ep.get("host") or ep.get("pattern"), ep.get("port"))


def message(endpoints, fail_on="required", host=None, report=None, secrets=()):
    """The verdict in one sentence: the first three failing endpoints with their error, the rest by host:port."""
    fail_on = check_fail_on(fail_on)
    bad = failing(endpoints, fail_on)
    kind = "required " if fail_on == "required" else ""
    where = " from %s" % host if host else ""
    if not bad:
        return "%s reaches every %sAzure Arc endpoint" % (host or "this host", kind)
    named = "; ".join("%s (%s): %s" % (_where(ep), ep.get("failed_stage"), ep.get("error") or ep.get("failed_reason"))
                      for ep in bad[:3])
    text = "%d %sendpoint(s) unreachable%s: %s" % (len(bad), kind, where, named)
    if len(bad) > 3:
        text += "; and %d more (%s)" % (len(bad) - 3, ", ".join(_where(ep) for ep in bad[3:]))
        if report:
            text += ": see the table above and %s" % report
    return redact(text, secrets)


def evaluate(endpoints, fail_on="required", proxy=None, proxy_credentials=False, host=None, report=None,
             secrets=()):
    """Everything the controller says about one host's results: summary, table, warnings and the verdict."""
    fail_on = check_fail_on(fail_on)
    endpoints = [ep for ep in (endpoints or []) if isinstance(ep, dict)]
    bad = failing(endpoints, fail_on)
    return {
        "summary": summarize(endpoints),
        "table": table(endpoints),
        "warnings": warnings(endpoints, proxy, proxy_credentials),
        "fail_on": fail_on,
        "status": status(endpoints, fail_on),
        "failed": bool(bad),
        "failing": [_label(ep) for ep in bad],
        "msg": message(endpoints, fail_on, host, report, secrets),
    }


# ------------------------------------------------------------------------------------------------------- budget

def task_timeout(endpoint_count, timeout=5, workers=20, expand_service_bus=False):
    """Seconds to allow the probe task: a generous bound over the module's own budget, so that one host whose
    network stretches every deadline still returns (or is cut off) and the play writes every other host's report."""
    try:
        timeout = float(timeout)
        workers = int(workers)
        count = int(endpoint_count)
    except (TypeError, ValueError, OverflowError):
        raise ValueError("timeout, workers and the endpoint count must be numbers")
    if not (math.isfinite(timeout) and timeout > 0) or workers < 1 or count < 0:
        raise ValueError("timeout must be a positive number and workers at least 1")
    batches = math.ceil(max(count, 1) / float(workers))
    if expand_service_bus:
        batches += 1 + SERVICE_BUS_BATCHES
    return int(math.ceil(STARTUP + MARGIN * batches * ENDPOINT_BUDGET * timeout))


def probe_budget(module_args):
    """task_timeout() for the probe's expanded arguments (its endpoints list, timeout, workers, Service Bus)."""
    return task_timeout(len(module_args.get("endpoints") or ()), module_args.get("timeout", 5),
                        module_args.get("workers", 20), bool(module_args.get("expand_service_bus")))


def no_result(result, secrets=()):
    """Why a registered probe result holds no endpoint results (None when it does)."""
    result = result if isinstance(result, dict) else {}
    if isinstance(result.get("endpoints"), list):
        return None
    if result.get("timedout"):
        return "the probe task ran out of time after %s s and was stopped" % result["timedout"].get("period", "?")
    if result.get("unreachable"):
        return "unreachable: %s" % redact(to_native(result.get("msg") or ""), secrets)
    message = redact(to_native(result.get("msg") or "the probe returned no result"), secrets)[:500]
    rc = result.get("rc")
    if rc not in (None, 0):
        message = "%s (exit status %s)" % (message, rc)
    # When Ansible could only say it did not understand the module ("MODULE FAILURE"), the module's last words.
    for key in ("exception", "module_stderr", "module_stdout"):
        text = to_native(result.get(key) or "").strip()
        if text:
            return "%s; %s: %s" % (message, key.replace("_", " "), redact(text.splitlines()[-1][:300], secrets))
    return message
