# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The lab's fake global HIS host answers /discovery by address, then by region (with the override file), on
loopback, and the answers are what the probe's parser reads."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import http.client
import importlib.util
import json
import os
import threading

import pytest

from ansible_collections.arcready.network.plugins.module_utils._his_discovery import DiscoveryError, regional_host

LAB = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lab")


def _load(name):
    spec = importlib.util.spec_from_file_location("arclab_" + name, os.path.join(LAB, name + ".py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def fake(tmp_path):
    fakeazure = _load("fakeazure")
    override = tmp_path / "discovery.json"
    fakeazure.Handler.lab = {"region": "eastus", "discovery": {
        "regions": {"eastus": "https://eus.his.arc.azure.com"},
        "by_address": {"127.0.0.3": "https://weu.his.arc.azure.com",
                       "127.0.0.4": {"status": 500, "body": "{\"error\": {}}"}},
        "override": str(override)}}
    servers = []

    def start(address):
        server = fakeazure.Server((address, 0), "http")
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return server.server_address[1]

    def get(address, region, host="gbl.his.arc.azure.com"):
        conn = http.client.HTTPConnection(address, start(address), timeout=5)
        conn.request("GET", "/discovery?location=%s&api-version=2.1" % region, headers={"Host": host})
        answer = conn.getresponse()
        body = answer.read()
        conn.close()
        return answer.status, body

    yield get, override
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("address, region, status, host", [
    ("127.0.0.1", "eastus", 200, "eus.his.arc.azure.com"),
    ("127.0.0.3", "eastus", 200, "weu.his.arc.azure.com"),
    ("127.0.0.4", "eastus", 500, None),
    ("127.0.0.1", "westus3", 404, None),
])
def test_discovery_answers(fake, address, region, status, host):
    get, _override = fake
    got_status, body = get(address, region)
    assert got_status == status
    if host:
        assert regional_host(body, "AzureCloud") == host
    else:
        with pytest.raises(DiscoveryError):
            regional_host(body, "AzureCloud")


def test_the_override_file_changes_a_region_without_a_restart(fake):
    get, override = fake
    override.write_text(json.dumps({"eastus": "https://eus2.his.arc.azure.com", "westus3": {"status": 503}}))
    assert regional_host(get("127.0.0.1", "eastus")[1], "AzureCloud") == "eus2.his.arc.azure.com"
    assert get("127.0.0.1", "westus3")[0] == 503


def test_only_the_global_host_discovers(fake):
    get, _override = fake
    status, body = get("127.0.0.1", "eastus", host="management.azure.com")
    assert status == 200 and json.loads(body.decode())["host"] == "management.azure.com"


def test_the_plan_serves_the_disagreeing_host():
    arclab = _load("arclab")
    plan = arclab.discovery_plan("AzureCloud", "eastus")
    assert plan["regions"] == {"eastus": "https://eus.his.arc.azure.com"}
    assert plan["other_host"] == "weu.his.arc.azure.com"
    assert sorted(plan["by_address"]) == [arclab.DISCOVERY_ADDRESSES["disagree"], arclab.DISCOVERY_ADDRESSES["fail"]]
    hosts, _servicebus = arclab.plan("AzureCloud", "eastus")
    assert hosts["weu.his.arc.azure.com"]["public"] == arclab.DISCOVERY_ADDRESSES["other_host"]
    assert "eus.his.arc.azure.com" in hosts
    assert arclab.DISCOVERY_ADDRESSES["other_host"] not in [h["public"] for n, h in hosts.items() if n[:4] != "weu."]
