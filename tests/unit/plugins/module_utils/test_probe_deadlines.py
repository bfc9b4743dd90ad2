# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hostile servers on loopback against the engine's deadlines: trickled headers and CONNECT answers, endless and
trickled bodies, slow handshakes, silent TCP and silent DNS, and the threads and sockets the engine may hold.

What is asserted is the stage and reason code of each result and that it came back; the elapsed time is only
checked against the budget plus a wide margin (a guard against "never returns", not a measure of speed: the
figures are printed by benchmarks/bench_probe_hostile.py).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import resource
import socket
import threading
import time

import pytest

from ansible_collections.arcready.network.plugins.module_utils import _contract
from ansible_collections.arcready.network.plugins.module_utils import _probe as probe
from ansible_collections.arcready.network.plugins.module_utils._probe import Proxy, Settings
from servers import (  # noqa: F401  (pki, lab and contract_checked are fixtures)
    LOOPBACK, TEST_CA_ORG, SilentResolver, contract_checked, lab, pki, tls_context,
)

HOST = "login.microsoftonline.com"
T = 0.4
MARGIN = 5.0  # seconds past the budget before a result counts as "never came back"


def settings(pki, **kwargs):
    options = dict(timeout=T, ca_path=pki.ca_file, expected_issuers=[TEST_CA_ORG], resolve={HOST: LOOPBACK})
    options.update(kwargs)
    return Settings(**options)


def endpoint(port, scheme="https", **kwargs):
    ep = dict(host=HOST, port=port, scheme=scheme, path="/")
    ep.update(kwargs)
    return ep


@pytest.fixture
def silent_dns(monkeypatch):
    resolver = SilentResolver().install(monkeypatch)
    try:
        yield resolver
    finally:
        resolver.release()


def within_budget(result, s):
    assert result["elapsed_ms"] <= (s.deadline + MARGIN) * 1000, result
    return result


# (id, how to build the hostile server from (lab, pki), scheme, settings overrides, proxy?, stage, reason)
HOSTILE = [
    ("header trickle", lambda lab, pki: lab.trickle(head=b"HTTP/1.1 200 OK\r\n", drip=b"X-Slow: 1\r\n",
                                                    interval=0.05), "http", {}, False, "http", "http.timeout"),
    ("header trickle past the deadline", lambda lab, pki: lab.trickle(head=b"HTTP/1.1 200 OK\r\n", drip=b"X: 1\r\n",
                                                                      interval=0.05),
     "http", {"deadline": T / 2}, False, "http", "deadline.exceeded"),
    ("header trickle over TLS", lambda lab, pki: lab.trickle(head=b"HTTP/1.1 200 OK\r\n", drip=b"X: 1\r\n",
                                                             interval=0.05, ctx=tls_context(pki.valid)),
     "https", {}, False, "http", "http.timeout"),
    ("endless header", lambda lab, pki: lab.trickle(head=b"HTTP/1.1 200 OK\r\n", drip=b"X: 1\r\n" * 1000,
                                                    interval=0), "http", {}, False, "http", "http.not_http"),
    ("no blank line, then close", lambda lab, pki: lab.trickle(head=b"", drip=b"garbage", interval=0, endless=False),
     "http", {}, False, "http", "http.not_http"),
    ("CONNECT trickle", lambda lab, pki: lab.trickle(head=b"HTTP/1.1 200 Connection established\r\n",
                                                     drip=b"Via: 1\r\n", interval=0.05),
     "https", {}, True, "proxy", "proxy.timeout"),
    ("CONNECT trickle past the deadline", lambda lab, pki: lab.trickle(head=b"HTTP/1.1 2", drip=b"00 OK\r\n",
                                                                       interval=0.05),
     "https", {"deadline": T / 2}, True, "proxy", "deadline.exceeded"),
    ("endless CONNECT answer", lambda lab, pki: lab.trickle(head=b"HTTP/1.1 200 OK\r\n", drip=b"V: 1\r\n" * 1000,
                                                            interval=0), "https", {}, True, "proxy", "proxy.not_http"),
    ("proxy closes", lambda lab, pki: lab.trickle(endless=False), "https", {}, True, "proxy", "proxy.closed"),
    ("silent proxy", lambda lab, pki: lab.silent(), "https", {}, True, "proxy", "proxy.timeout"),
    ("slow handshake", lambda lab, pki: lab.slow_relay(lab.http(cert=pki.valid).address, interval=0.02),
     "https", {}, False, "tls", "tls.timeout"),
    ("slow handshake past the deadline", lambda lab, pki: lab.slow_relay(lab.http(cert=pki.valid).address,
                                                                         interval=0.02),
     "https", {"deadline": T / 2}, False, "tls", "deadline.exceeded"),
    ("silent TLS", lambda lab, pki: lab.silent(), "https", {}, False, "tls", "tls.timeout"),
    ("silent HTTP", lambda lab, pki: lab.silent(), "http", {}, False, "http", "http.timeout"),
]


@pytest.mark.parametrize("build, scheme, overrides, via_proxy, stage, reason",
                         [case[1:] for case in HOSTILE], ids=[case[0] for case in HOSTILE])
def test_hostile_server(pki, lab, build, scheme, overrides, via_proxy, stage, reason):
    server = build(lab, pki)
    if via_proxy:
        s = settings(pki, proxy=Proxy("http://127.0.0.1:%d" % server.port), **overrides)
        ep = endpoint(443, scheme)
    else:
        s = settings(pki, **overrides)
        ep = endpoint(server.port, scheme)
    result = within_budget(probe.probe_endpoint(ep, s), s)
    assert (result["failed_stage"], result["failed_reason"]) == (stage, reason), result
    if reason == "deadline.exceeded":
        assert "budget of %g s ran out in the %s stage" % (s.deadline, stage) in result["error"]


def test_deadline_defaults_to_twice_the_timeout_and_is_capped():
    assert Settings(timeout=3).deadline == 6
    assert Settings(timeout=100).deadline == _contract.MAX_DEADLINE / 3  # 200
    assert Settings(timeout=100, deadline=_contract.MAX_DEADLINE).deadline == _contract.MAX_DEADLINE
    assert _contract.default_deadline(_contract.MAX_TIMEOUT * 10) == _contract.MAX_DEADLINE
    for bad in (0, -1, float("inf"), float("nan"), 1e308, True, "5"):
        with pytest.raises(ValueError, match="^(timeout|deadline): "):
            Settings(timeout=bad)
        with pytest.raises(ValueError, match="^deadline: "):
            Settings(timeout=1, deadline=bad)


def test_stages_that_each_nearly_time_out_share_one_budget(pki, lab, monkeypatch):
    """A slow DNS answer and a trickled HTTP answer share one budget: the endpoint stops at its deadline."""
    real = socket.getaddrinfo

    def slow_dns(host, *args, **kwargs):
        if host == "slow.arc.test":
            time.sleep(T * 0.5)
            host = "localhost"
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow_dns)
    slow = lab.trickle(head=b"HTTP/1.1 200 OK\r\n", drip=b"X: 1\r\n", interval=0.05)
    s = settings(pki, resolve={})
    result = within_budget(probe.probe_endpoint(dict(host="slow.arc.test", port=slow.port, scheme="http"), s), s)
    # DNS took T/2, the trickle takes its whole stage timeout (T): http.timeout with T/2 of the budget to spare.
    assert (result["failed_stage"], result["failed_reason"]) == ("http", "http.timeout"), result
    # With a budget of 1.2 T the trickle's stage is cut by the deadline instead.
    s = settings(pki, resolve={}, deadline=T * 1.2)
    result = within_budget(probe.probe_endpoint(dict(host="slow.arc.test", port=slow.port, scheme="http"), s), s)
    assert (result["failed_stage"], result["failed_reason"]) == ("http", "deadline.exceeded"), result


def test_explaining_a_tls_failure_comes_out_of_the_same_budget(pki, lab):
    """An untrusted certificate behind a slow link: the second connection made to read it is cut by the deadline
    and the result still names the failure."""
    relay = lab.slow_relay(lab.http(cert=pki.inspected).address, interval=0.0005)
    s = settings(pki, timeout=2, deadline=2)
    result = within_budget(probe.probe_endpoint(endpoint(relay.port), s), s)
    assert result["failed_stage"] in ("tls", "tls_inspection"), result
    assert result["failed_reason"] in ("tls.untrusted", "tls_inspection.untrusted", "deadline.exceeded"), result


def test_silent_dns(pki, silent_dns):
    s = settings(pki, resolve={})
    result = within_budget(probe.probe_endpoint(endpoint(443), s), s)
    assert (result["failed_stage"], result["failed_reason"]) == ("dns", "dns.timeout"), result
    # The wait is what was left of the stage's 0.4 s when the lookup started.
    assert re.search(r"DNS lookup of %s timed out after 0\.(3\d*|4) s" % re.escape(HOST), result["error"]), result


def test_silent_dns_behind_a_proxy_still_reaches_the_proxy(pki, lab, monkeypatch):
    silent_dns = SilentResolver(names={HOST}).install(monkeypatch)
    lab._keep(silent_dns)  # released when the test ends
    server = lab.http(cert=pki.valid)
    proxy = lab.proxy(routes={"%s:443" % HOST: server.address})
    s = settings(pki, resolve={}, proxy=Proxy("http://127.0.0.1:%d" % proxy.port))
    result = within_budget(probe.probe_endpoint(endpoint(443), s), s)
    assert result["ok"] is True, (result["error"], result["latency_ms"])
    assert result["hint"].startswith("resolved by the proxy only (DNS lookup of %s timed out" % HOST)


def _peak_threads(run):
    peak = [threading.active_count()]
    done = threading.Event()

    def sample():
        while not done.wait(0.005):
            peak[0] = max(peak[0], threading.active_count())

    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        out = run()
    finally:
        done.set()
        sampler.join()
    return out, peak[0]


def test_threads_stay_bounded_when_dns_is_silent(pki, silent_dns):
    """200 distinct names, a resolver that never answers, 20 workers: at most 20 + the resolver's few threads."""
    eps = [dict(host="n%d.arc.test" % i, port=443) for i in range(200)]
    before = threading.active_count()
    results, peak = _peak_threads(lambda: probe.probe_all(eps, settings(pki, resolve={}, timeout=0.1), workers=20))
    assert [r["failed_reason"] for r in results] == ["dns.timeout"] * 200
    assert peak - before <= 20 + _contract.RESOLVER_THREADS + 1, (before, peak)  # + the sampler
    assert silent_dns.calls <= _contract.RESOLVER_THREADS


def test_workers_are_capped(pki, lab):
    server = lab.silent()
    eps = [endpoint(server.port, purpose=str(i)) for i in range(100)]
    before = threading.active_count()
    results, peak = _peak_threads(lambda: probe.probe_all(eps, settings(pki, timeout=0.1), workers=100000))
    assert [r["purpose"] for r in results] == [str(i) for i in range(100)]
    assert peak - before <= _contract.MAX_WORKERS + 1 + len(eps), (before, peak)  # + the server's handlers
    assert set(r["failed_reason"] for r in results) <= {"tcp.timeout", "tls.timeout"}


def test_too_many_open_files_is_a_result(pki, lab):
    """With the open files limit nearly reached, endpoints fail with tcp.local_limit instead of crashing the run."""
    server = lab.silent()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    in_use = len(os.listdir("/proc/self/fd"))
    eps = [endpoint(server.port, purpose=str(i)) for i in range(64)]
    resource.setrlimit(resource.RLIMIT_NOFILE, (in_use + 16, hard))
    try:
        results = probe.probe_all(eps, settings(pki, timeout=0.3), workers=64)
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
    reasons = set(r["failed_reason"] for r in results)
    assert len(results) == 64 and "tcp.local_limit" in reasons, reasons
    limited = [r for r in results if r["failed_reason"] == "tcp.local_limit"]
    assert "Too many open files" in limited[0]["error"] and "lower workers" in limited[0]["error"]


# ------------------------------------------------------------------ bodies and the allowlist

def test_endless_body_is_cut_at_the_limit(pki, lab):
    server = lab.trickle(head=b"HTTP/1.1 200 OK\r\n\r\n", drip=b"x" * 65536, interval=0)
    s = settings(pki)
    result = within_budget(probe.probe_endpoint(endpoint(server.port, "http"), s, body_limit=100000), s)
    assert result["ok"] is True and result["body_truncated"] is True
    assert len(result["body"]) == 100000


def test_trickled_body_stops_at_the_stage_timeout(pki, lab):
    server = lab.trickle(head=b"HTTP/1.1 200 OK\r\n\r\n[", drip=b" ", interval=0.05)
    s = settings(pki)
    result = within_budget(probe.probe_endpoint(endpoint(server.port, "http"), s, body_limit=100000), s)
    assert (result["failed_stage"], result["failed_reason"]) == ("http", "http.timeout"), result


def test_body_stops_at_content_length(pki, lab):
    """A server that keeps the connection open after its body is not waited for."""
    server = lab.trickle(head=b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]", drip=b"", interval=0.05)
    s = settings(pki, timeout=5)
    start = time.monotonic()
    result = probe.probe_endpoint(endpoint(server.port, "http"), s, body_limit=1000)
    assert result["ok"] is True and result["body"] == "[]" and result["body_truncated"] is False
    assert time.monotonic() - start < 5  # did not wait for the stage timeout


@pytest.mark.parametrize("body, error", [
    ("[" * 100000, "it nests deeper than 32 levels"),
    ("{\"a\":" * 40 + "1" + "}" * 40, "it nests deeper than 32 levels"),
    ("<html>", "Expecting value"),
])
def test_allowlist_that_is_not_usable_json(body, error):
    with pytest.raises(ValueError, match=error):
        probe.servicebus_hosts(body, "servicebus.windows.net")


def test_allowlist_strings_with_brackets_do_not_count_as_nesting():
    body = '{"value": ["[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", "azgn-1.servicebus.windows.net"]}'
    assert probe.servicebus_hosts(body, "servicebus.windows.net", depth=3) == (
        ["azgn-1.servicebus.windows.net"], False)


def test_allowlist_hosts_are_capped_and_checked():
    names = ["azgn-%d.servicebus.windows.net" % i for i in range(600)]
    body = '{"value": ["bad name.servicebus.windows.net", "azgn-\\r\\n.servicebus.windows.net", %s]}' % ", ".join(
        '"%s"' % n for n in names)
    hosts, cut = probe.servicebus_hosts(body, "servicebus.windows.net")
    assert hosts == names[:_contract.MAX_ALLOWLIST_HOSTS] and cut is True


def test_an_unexpected_error_costs_one_endpoint_only(pki, lab, monkeypatch):
    """A bug in a stage is reported as engine.error in the stage it happened in, not as a traceback that loses
    every other endpoint's result."""
    server = lab.http(cert=pki.valid)

    def broken(*_args, **_kwargs):
        raise KeyError("injected")

    monkeypatch.setattr(probe, "_cert_fields", broken)
    result = probe.probe_endpoint(endpoint(server.port), settings(pki))
    assert (result["failed_stage"], result["failed_reason"]) == ("tls", "engine.error"), result
    assert "KeyError" in result["error"] and _contract.check_result(result) == []
