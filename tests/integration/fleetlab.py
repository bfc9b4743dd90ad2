# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A fleet of 'hosts' on this machine for end-to-end runs of the preflight playbook with mixed results.

Every host is ``ansible_connection: local``; what differs is where its Azure names lead, through the probe's
``resolve`` setting (``arc_probe_resolve``), to servers on loopback addresses on port 443 (and 80), so the real
endpoint catalogue is probed and the reports carry real names and ports:

=================  ======================================  ==========================================
host               network                                 expected
=================  ======================================  ==========================================
arc-web-01         every name reachable                    ready
arc-web-02         every name reachable (scenario esu)     ready, with the HTTP :80 ESU endpoint
arc-db-03          ARM and the regional HIS host dropped   not ready: 2 x tcp timeout
arc-app-04         behind a TLS-inspecting firewall        not ready: tls_inspection on every HTTPS name
arc-tel-05         telemetry host refused (optional)       warning: 1 optional tcp failure
arc-branch-06      proxy that wants credentials            not ready: proxy 407 on every name
arc-broken-07      no Python on the 'host'                 no result (the probe task fails)
=================  ======================================  ==========================================

Needs to listen on port 443 of 127.42.x.y addresses, so root (tests are run as root here and in CI); the fixture
skips otherwise. Nothing leaves loopback.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import socket
import sys

import pytest

from servers import INSPECTOR_ORG, TEST_CA_ORG, ConnectProxy, HTTPServer  # noqa: F401

OK_ADDRESS = "127.42.1.1"
INSPECTED_ADDRESS = "127.42.1.2"
DROP_ADDRESS = "127.42.1.3"
REFUSED_ADDRESS = "127.42.1.4"

HOSTS = ("arc-web-01", "arc-web-02", "arc-db-03", "arc-app-04", "arc-tel-05", "arc-branch-06", "arc-broken-07")
EXPECTED_STATUS = {
    "arc-web-01": "ready", "arc-web-02": "ready", "arc-db-03": "not_ready", "arc-app-04": "not_ready",
    "arc-tel-05": "warning", "arc-branch-06": "not_ready",
}
DROPPED = ("management.azure.com", "eus.his.arc.azure.com")
TELEMETRY = "dc.services.visualstudio.com"


class BlackHole443:
    """TCP connects to address:443 hang (a listener with a full accept queue), as if a firewall dropped them."""

    def __init__(self, address):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((address, 443))
        self.sock.listen(0)
        self.fillers = []
        self.hangs = False
        for _ in range(8):
            filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            filler.settimeout(0.2)
            try:
                filler.connect((address, 443))
            except socket.timeout:
                filler.close()
                self.hangs = True
                break
            self.fillers.append(filler)

    def stop(self):
        for filler in self.fillers:
            filler.close()
        self.sock.close()


def catalogue_names(scenarios=("esu", "telemetry")):
    from ansible_collections.arcready.network.plugins.module_utils._catalogue import build
    return [r["host"] for r in build("AzureCloud", "eastus", scenarios=scenarios) if r["probeable"]]


class FleetLab:
    def __init__(self, pki):
        self.pki = pki
        self.running = []
        try:
            self.ok = self._keep(HTTPServer(cert=pki.valid, status=200, host=OK_ADDRESS, port=443).start())
            self._keep(HTTPServer(status=200, host=OK_ADDRESS, port=80).start())
            self.inspected = self._keep(HTTPServer(cert=pki.inspected, status=200, host=INSPECTED_ADDRESS,
                                                   port=443).start())
            self.blackhole = self._keep(BlackHole443(DROP_ADDRESS))
            self.proxy = self._keep(ConnectProxy(auth=("branch", "S3cret-proxy-pw")).start())
        except OSError as exc:
            self.stop()
            pytest.skip("cannot listen on port 443 of 127.42.1.x here (%s): run as root" % exc)
        if not self.blackhole.hangs:
            self.stop()
            pytest.skip("this kernel does not leave connects to a full accept queue hanging")

    def _keep(self, server):
        self.running.append(server)
        return server

    def stop(self):
        for server in reversed(self.running):
            server.stop()
        self.running = []

    def inventory(self):
        """The inventory (YAML-compatible dict) of the fleet."""
        names = catalogue_names()
        everywhere = dict((n, OK_ADDRESS) for n in names)
        common = {
            "ansible_connection": "local",
            "ansible_python_interpreter": sys.executable,
            "arc_probe_ca_path": self.pki.ca_file,
            "arc_probe_expected_issuers": [TEST_CA_ORG],
            "arc_probe_timeout": 3,
            "arc_proxy_url": "none",
        }
        hosts = {
            "arc-web-01": {"arc_probe_resolve": everywhere},
            "arc-web-02": {"arc_probe_resolve": everywhere, "arc_scenarios": ["esu"]},
            "arc-db-03": {"arc_probe_resolve": dict(everywhere, **dict((n, DROP_ADDRESS) for n in DROPPED))},
            "arc-app-04": {"arc_probe_resolve": dict((n, INSPECTED_ADDRESS) for n in names)},
            "arc-tel-05": {"arc_probe_resolve": dict(everywhere, **{TELEMETRY: REFUSED_ADDRESS}),
                           "arc_scenarios": "telemetry"},
            "arc-branch-06": {"arc_probe_resolve": everywhere,
                              "arc_proxy_url": "http://%s:%d" % self.proxy.address},
            "arc-broken-07": {"ansible_python_interpreter": "/nonexistent/bin/python3"},
        }
        return {"all": {"vars": common, "hosts": hosts}}
