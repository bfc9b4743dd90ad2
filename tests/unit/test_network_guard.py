# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The network guard of tests/unit/conftest.py: no unit test may reach an address off this machine."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import socket
import subprocess
import sys
import textwrap

import pytest

from ansible_collections.arcready.network.plugins.module_utils import _probe as probe
from network_guard import NetworkGuardError

UNIT_DIR = os.path.dirname(os.path.abspath(__file__))
MESSAGE = "network guard: a unit test tried to"


def test_connect_off_this_machine_fails(network_guard):
    with pytest.raises(NetworkGuardError, match="tried to connect to \\('192.0.2.1', 443\\)"):
        socket.create_connection(("192.0.2.1", 443), timeout=1)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(NetworkGuardError, match="192.0.2.1"):
            sock.connect(("192.0.2.1", 443))
        with pytest.raises(NetworkGuardError, match="192.0.2.1"):
            sock.connect_ex(("192.0.2.1", 443))
    finally:
        sock.close()
    udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        with pytest.raises(NetworkGuardError, match="8.8.8.8"):
            udp.sendto(b"x", ("8.8.8.8", 53))
    finally:
        udp.close()
    found = network_guard.take()
    assert len(found) == 4 and all(m.startswith(MESSAGE) for m in found)


def test_ipv6_off_this_machine_fails(network_guard):
    sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
    try:
        with pytest.raises(NetworkGuardError):
            sock.connect(("2001:db8::1", 443, 0, 0))
    finally:
        sock.close()
    assert network_guard.take()


def test_name_lookups_fail(network_guard):
    for call in (lambda: socket.getaddrinfo("login.microsoftonline.com", 443),
                 lambda: socket.gethostbyname("example.com"),
                 lambda: socket.gethostbyname_ex("example.com")):
        with pytest.raises(NetworkGuardError, match="tried to resolve"):
            call()
    assert len(network_guard.take()) == 3


def test_loopback_is_allowed(network_guard):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    try:
        socket.create_connection(listener.getsockname(), timeout=1).close()
        socket.create_connection(("localhost", listener.getsockname()[1]), timeout=1).close()
        assert socket.getaddrinfo("localhost", 80)
        assert socket.getaddrinfo("127.0.0.1", 80)
        assert socket.getaddrinfo(None, 80)
    finally:
        listener.close()
    assert network_guard.take() == []


def test_guard_reaches_the_probe_resolver_thread(network_guard):
    """The probe resolves in a thread and turns errors into a result; the guard still sees the attempt."""
    result = probe.probe_endpoint({"host": "login.microsoftonline.com", "port": 443}, probe.Settings(timeout=1))
    assert result["failed_stage"] == "dns"
    found = network_guard.take()
    assert found == ["%s resolve 'login.microsoftonline.com', which is not on this machine (only loopback "
                     "addresses and 'localhost' are allowed; map names to 127.0.0.1 with the probe's resolve "
                     "setting)" % MESSAGE]


def test_probe_of_an_off_machine_address(network_guard):
    ep = {"host": "login.microsoftonline.com", "port": 443}
    with pytest.raises(NetworkGuardError, match="192.0.2.1"):
        probe.probe_endpoint(ep, probe.Settings(timeout=1, resolve={"login.microsoftonline.com": "192.0.2.1"}))
    assert network_guard.take()


def test_a_test_that_swallows_the_error_still_fails(tmp_path):
    """Run pytest on a test that catches the guard's exception: the guard must still fail it."""
    (tmp_path / "test_sneaky.py").write_text(textwrap.dedent("""
        import socket

        def test_sneaky():
            try:
                socket.create_connection(("192.0.2.1", 443), timeout=1)
            except BaseException:
                pass

        def test_honest():
            socket.getaddrinfo("localhost", 80)
    """))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([UNIT_DIR] + sys.path))
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "network_guard", "-p", "no:cacheprovider",
                          str(tmp_path / "test_sneaky.py")], cwd=str(tmp_path), env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, timeout=120)
    assert run.returncode == 1, run.stdout
    assert "1 failed, 1 passed" in run.stdout, run.stdout
    assert "FAILED test_sneaky.py::test_sneaky" in run.stdout, run.stdout
    assert "tried to connect to ('192.0.2.1', 443)" in run.stdout, run.stdout
