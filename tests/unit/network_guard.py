# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A pytest plugin that fails any test which tries to reach an address off this machine.

tests/unit/conftest.py loads it for every unit test. While a test runs, ``socket.socket.connect``,
``connect_ex``, ``sendto``, ``socket.create_connection``, ``socket.getaddrinfo`` and ``socket.gethostbyname(_ex)``
are wrapped: a loopback address (127.0.0.0/8, ::1), the name ``localhost`` and Unix sockets pass; anything else
raises :class:`NetworkGuardError` at the call site *and* is recorded, so the test fails even when the code
under test catches the exception (the probe, for one, turns resolver errors into a result). The wrappers are
module attributes, so they apply in every thread, including the probe's resolver threads.

A test that means to prove the guard works takes the ``network_guard`` fixture and calls ``take()`` to consume
what it recorded.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import socket
import threading

import pytest

ALLOWED_NAMES = ("localhost",)


class NetworkGuardError(AssertionError):
    """Raised where a unit test tries to reach an address off this machine."""


def _loopback(host):
    """True for a loopback IP literal or the name localhost; False for anything else (names included)."""
    if host is None:
        return False
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    host = str(host).strip().rstrip(".").lower()
    if host in ALLOWED_NAMES:
        return True
    try:
        ip = ipaddress.ip_address(host.split("%")[0].strip("[]"))
    except ValueError:
        return False
    mapped = getattr(ip, "ipv4_mapped", None)
    return ip.is_loopback or bool(mapped and mapped.is_loopback)


def _unspecified(host):
    try:
        return ipaddress.ip_address(str(host)).is_unspecified
    except ValueError:
        return False


class Guard:
    def __init__(self):
        self._lock = threading.Lock()
        self._violations = []
        self._saved = None

    # -- recording
    def violation(self, what, target):
        message = "network guard: a unit test tried to %s %r, which is not on this machine (only loopback " \
                  "addresses and 'localhost' are allowed; map names to 127.0.0.1 with the probe's resolve " \
                  "setting)" % (what, target)
        with self._lock:
            self._violations.append(message)
        raise NetworkGuardError(message)

    def take(self):
        """Return and forget the violations recorded so far (for tests of the guard itself)."""
        with self._lock:
            out, self._violations = self._violations, []
        return out

    # -- the wrappers
    def install(self):
        if self._saved is not None:
            return
        guard = self
        saved = {
            "connect": socket.socket.connect,
            "connect_ex": socket.socket.connect_ex,
            "sendto": socket.socket.sendto,
            "getaddrinfo": socket.getaddrinfo,
            "create_connection": socket.create_connection,
            "gethostbyname": socket.gethostbyname,
            "gethostbyname_ex": socket.gethostbyname_ex,
        }
        self._saved = saved

        def check_address(sock, address, what):
            if sock.family in (socket.AF_INET, socket.AF_INET6) and isinstance(address, tuple):
                if not _loopback(address[0]):
                    guard.violation(what, address)

        def connect(sock, address):
            check_address(sock, address, "connect to")
            return saved["connect"](sock, address)

        def connect_ex(sock, address):
            check_address(sock, address, "connect to")
            return saved["connect_ex"](sock, address)

        def sendto(sock, data, *args):
            address = args[-1] if args else None
            check_address(sock, address, "send a datagram to")
            return saved["sendto"](sock, data, *args)

        def getaddrinfo(host, *args, **kwargs):
            if host is not None and not _loopback(host) and not _unspecified(host):
                guard.violation("resolve", host)
            return saved["getaddrinfo"](host, *args, **kwargs)

        def create_connection(address, *args, **kwargs):
            if not _loopback(address[0]):
                guard.violation("connect to", address)
            return saved["create_connection"](address, *args, **kwargs)

        def gethostbyname(host):
            if not _loopback(host):
                guard.violation("resolve", host)
            return saved["gethostbyname"](host)

        def gethostbyname_ex(host):
            if not _loopback(host):
                guard.violation("resolve", host)
            return saved["gethostbyname_ex"](host)

        socket.socket.connect = connect
        socket.socket.connect_ex = connect_ex
        socket.socket.sendto = sendto
        socket.getaddrinfo = getaddrinfo
        socket.create_connection = create_connection
        socket.gethostbyname = gethostbyname
        socket.gethostbyname_ex = gethostbyname_ex

    def uninstall(self):
        saved, self._saved = self._saved, None
        if saved is None:
            return
        socket.socket.connect = saved["connect"]
        socket.socket.connect_ex = saved["connect_ex"]
        socket.socket.sendto = saved["sendto"]
        socket.getaddrinfo = saved["getaddrinfo"]
        socket.create_connection = saved["create_connection"]
        socket.gethostbyname = saved["gethostbyname"]
        socket.gethostbyname_ex = saved["gethostbyname_ex"]


GUARD = Guard()


@pytest.fixture(autouse=True)
def network_guard():
    """Active for every test: off-machine connections and name lookups fail the test."""
    GUARD.take()
    GUARD.install()
    try:
        yield GUARD
    finally:
        left = GUARD.take()
        if left:
            # Recorded during fixture setup or teardown (the call phase is checked by the hook below).
            pytest.fail("\n".join(left), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    try:
        return (yield)
    finally:
        found = GUARD.take()
        if found:
            pytest.fail("\n".join(found), pytrace=False)
