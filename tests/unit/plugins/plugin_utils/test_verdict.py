# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The controller's meaning of a probe result (plugin_utils/_verdict.py), as a data table over results in the
shapes both engines return: the contract's full result (Python and C# emit the same fields), a result of an older
engine without failed_reason, and a sparse one relying on the contract's defaults."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.arcready.network.plugins.module_utils._contract import RESULT_FIELDS, check_result
from ansible_collections.arcready.network.plugins.plugin_utils import _verdict


def contract(host, ok=True, stage=None, reason=None, required=True, probeable=True, **fields):
    """A full contract result, as either engine returns it."""
    result = dict((key, None) for key in RESULT_FIELDS)
    result.update(host=host, port=443, scheme="https", url="https://%s" % host, purpose="", required=required,
                  probeable=probeable, reason="" if probeable else "wildcard", pattern=None, private_capable=False,
                  ok=ok, failed_stage=stage, failed_reason=reason, error=None if ok else "%s failed" % stage,
                  hint=None, latency_ms={}, addresses=["198.18.0.1"], private=False, tls_inspection=False,
                  tls_version="TLSv1.3" if ok else None)
    result.update(fields)
    assert check_result(result) == [], result
    return result


def old_engine(host, ok=True, stage=None, required=True):
    """A result of an engine from before the contract: no failed_reason."""
    result = contract(host, ok, stage, "%s.failed" % stage if stage else None, required)
    del result["failed_reason"]
    return result


def sparse(host, ok):
    return {"host": host, "port": 443, "ok": ok, "failed_stage": None if ok else "dns"}


OK = contract("ok.example")
REQ_TCP = contract("req.example", False, "tcp", "tcp.timeout")
OPT_DNS = contract("opt.example", False, "dns", "dns.nxdomain", required=False)
SKIP = contract("*.wild.example", False, probeable=False)
INSPECTED = contract("insp.example", False, "tls_inspection", "tls_inspection.reissued", tls_inspection=True,
                     tls_version="TLSv1.2")
DEADLINE = contract("slow.example", False, "http", "deadline.exceeded")
VIA_PROXY = contract("proxied.example", proxy="http://proxy.example:3128", private=None)

# name, endpoints, fail_on, (status, failed, failing hosts), summary (total, ok, failed, required_failed,
# not_probeable, tls_inspection)
CASES = [
    ("all ok", [OK, VIA_PROXY], "required", ("ready", False, []), (2, 2, 0, 0, 0, 0)),
    ("required failure", [OK, REQ_TCP], "required", ("not_ready", True, ["req.example"]), (2, 1, 1, 1, 0, 0)),
    ("required failure, never", [OK, REQ_TCP], "never", ("not_ready", False, []), (2, 1, 1, 1, 0, 0)),
    ("optional failure", [OK, OPT_DNS], "required", ("warning", False, []), (2, 1, 1, 0, 0, 0)),
    ("optional failure, any", [OK, OPT_DNS], "any", ("not_ready", True, ["opt.example"]), (2, 1, 1, 0, 0, 0)),
    ("not probeable is not a failure", [OK, SKIP], "any", ("ready", False, []), (2, 1, 0, 0, 1, 0)),
    ("tls inspection", [INSPECTED], "required", ("not_ready", True, ["insp.example"]), (1, 0, 1, 1, 0, 1)),
    ("deadline", [DEADLINE, OK], "required", ("not_ready", True, ["slow.example"]), (2, 1, 1, 1, 0, 0)),
    ("old engine", [old_engine("a.example"), old_engine("b.example", False, "tcp")], "required",
     ("not_ready", True, ["b.example"]), (2, 1, 1, 1, 0, 0)),
    ("old engine optional", [old_engine("b.example", False, "tcp", required=False)], "required",
     ("warning", False, []), (1, 0, 1, 0, 0, 0)),
    ("sparse", [sparse("a.example", True), sparse("b.example", False)], "required",
     ("not_ready", True, ["b.example:443"]), (2, 1, 1, 1, 0, 0)),
    ("no endpoints", [], "any", ("ready", False, []), (0, 0, 0, 0, 0, 0)),
]


@pytest.mark.parametrize("name, endpoints, fail_on, verdict, counts", CASES, ids=[c[0] for c in CASES])
def test_verdict_and_summary(name, endpoints, fail_on, verdict, counts):
    out = _verdict.evaluate(endpoints, fail_on)
    assert (out["status"], out["failed"], [u.split("//")[1] for u in out["failing"]]) == verdict
    keys = ("total", "ok", "failed", "required_failed", "not_probeable", "tls_inspection")
    assert tuple(out["summary"][k] for k in keys) == counts
    assert out["fail_on"] == fail_on
    # The message says the same as the verdict.
    assert out["msg"].startswith("%d " % len(verdict[2])) if verdict[1] else "reaches every" in out["msg"]


def test_table_is_azcmagent_check_style():
    text = _verdict.table([REQ_TCP, OK, SKIP, VIA_PROXY, old_engine("b.example", False, "tls"),
                           contract("www.microsoft.com", scheme="http", port=80, url="http://www.microsoft.com",
                                    tls_version=None)])
    lines = text.splitlines()
    assert [c.strip() for c in lines[0].split("|")] == ["ENDPOINT", "REACHABLE", "PRIVATE", "TLS", "PROXY"]
    rows = dict((cells[0], cells[1:]) for cells in ([c.strip() for c in line.split("|")] for line in lines[1:]))
    assert rows["https://ok.example"] == ["true", "false", "TLS 1.3", "not used"]
    assert rows["https://req.example"] == ["false (tcp.timeout)", "false", "unknown", "not used"]
    assert rows["https://b.example"][0] == "false (tls)"  # an old engine: the stage
    assert rows["https://*.wild.example"] == ["not probed", "-", "-", "-"]
    assert rows["https://proxied.example"] == ["true", "unknown", "TLS 1.3", "used"]
    assert rows["http://www.microsoft.com"][2] == "n/a"
    assert [line.split(" ")[0] for line in lines[1:]] == sorted(line.split(" ")[0] for line in lines[1:])


@pytest.mark.parametrize("endpoints, proxy, credentials, codes", [
    ([OK], None, False, []),
    ([INSPECTED, INSPECTED], None, False, ["tls_inspection.detected"]),
    ([OK], "http://********@proxy.example:3128", False, ["proxy.credentials"]),
    ([OK], "http://proxy.example:3128", True, ["proxy.credentials"]),
    ([OK], "https://proxy.example:3128", False, ["proxy.not_http"]),
    ([INSPECTED], "https://u:secret@proxy.example:3128", False,
     ["proxy.credentials", "proxy.not_http", "tls_inspection.detected"]),
])
def test_warnings_have_codes(endpoints, proxy, credentials, codes):
    found = _verdict.warnings(endpoints, proxy, credentials)
    assert [w["code"] for w in found] == codes
    assert set(codes) <= set(_verdict.WARNINGS)
    assert all("secret" not in w["message"] for w in found)
    if "tls_inspection.detected" in codes:
        assert found[-1]["message"].startswith("%d endpoint(s)" % len(endpoints))


def test_message_names_three_then_counts_the_rest():
    failing = [contract("h%d.example" % i, False, "tcp", "tcp.refused") for i in range(5)]
    text = _verdict.message(failing, "required", host="web01", report="/r/preflight.html")
    assert text.startswith("5 required endpoint(s) unreachable from web01: h0.example:443 (tcp): tcp failed; ")
    assert text.endswith("; and 2 more (h3.example:443, h4.example:443): see the table above and /r/preflight.html")
    assert _verdict.message(failing, "never", host="web01") == "web01 reaches every Azure Arc endpoint"


def test_message_masks_the_proxy_password():
    failing = [contract("a.example", False, "proxy", "proxy.auth_required",
                        error="the proxy http://arc:Sekr3t/x@proxy:3128 answered 407")]
    text = _verdict.message(failing, "any", secrets=("Sekr3t/x",))
    assert "Sekr3t" not in text and "407" in text


@pytest.mark.parametrize("bad", ["sometimes", "", 1])
def test_fail_on_is_checked(bad):
    with pytest.raises(ValueError, match="fail_on must be one of required, any, never"):
        _verdict.evaluate([OK], bad)


@pytest.mark.parametrize("count, timeout, workers, service_bus, expected", [
    (0, 5, 20, False, 60 + 15),            # one batch of 2 x 5 s, x 1.5
    (20, 5, 20, False, 60 + 15),
    (21, 5, 20, False, 60 + 30),
    (40, 1, 1, False, 60 + 120),
    (20, 5, 20, True, 60 + 60),            # + the allowlist fetch and two batches of Service Bus hosts
])
def test_task_timeout_covers_the_module_budget(count, timeout, workers, service_bus, expected):
    bound = _verdict.task_timeout(count, timeout, workers, service_bus)
    assert bound == expected
    batches = -(-max(count, 1) // workers)
    assert bound >= batches * _verdict.ENDPOINT_BUDGET * timeout + _verdict.STARTUP


@pytest.mark.parametrize("timeout, workers", [(0, 20), (float("inf"), 20), (float("nan"), 1), (5, 0), ("x", 1)])
def test_task_timeout_refuses_what_bounds_nothing(timeout, workers):
    with pytest.raises(ValueError):
        _verdict.task_timeout(10, timeout, workers)
