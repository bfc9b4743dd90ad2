# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The discovery answer is read defensively: every shape seen or plausible, and what must be refused."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible_collections.arcready.network.plugins.module_utils import _his_discovery as disc

ACCEPTED = [
    ("bare JSON string URL", b'"https://eus.his.arc.azure.com"', "AzureCloud", "eus.his.arc.azure.com"),
    ("string with a slash", b'"https://weu.his.arc.azure.com/"', "AzureCloud", "weu.his.arc.azure.com"),
    ("object with a URL", b'{"location":"canadacentral","url":"https://cc.his.arc.azure.com"}', "AzureCloud",
     "cc.his.arc.azure.com"),
    ("nested host, global skipped", b'{"a":{"b":["https://gbl.his.arc.azure.com","je.his.arc.azure.com"]}}',
     "AzureCloud", "je.his.arc.azure.com"),
    ("plain text body", b"https://pn.his.arc.azure.com", "AzureCloud", "pn.his.arc.azure.com"),
    ("upper case, port 443", b'"HTTPS://SCUS.HIS.ARC.AZURE.COM:443"', "AzureCloud", "scus.his.arc.azure.com"),
    ("Azure Government", b'"https://usgv.his.arc.azure.us"', "AzureUSGovernment", "usgv.his.arc.azure.us"),
    ("Azure China", b'{"endpoint":"https://cne2.his.arc.azure.cn"}', "AzureChinaCloud", "cne2.his.arc.azure.cn"),
]

REFUSED = [
    ("captive portal", b"<html>login</html>", "AzureCloud", "<html>login</html>"),
    ("another domain", b'"https://eus.his.arc.azure.com.evil.example"', "AzureCloud", "evil.example"),
    ("only the global host", b'"https://gbl.his.arc.azure.com"', "AzureCloud", "gbl.his.arc.azure.com"),
    ("other cloud's host", b'"https://usgv.his.arc.azure.us"', "AzureCloud", "usgv.his.arc.azure.us"),
    ("deeper name", b'"https://a.b.his.arc.azure.com"', "AzureCloud", "a.b.his.arc.azure.com"),
    ("path after host", b'"https://eus.his.arc.azure.com/x/y"', "AzureCloud", "eus.his.arc.azure.com/x/y"),
    ("empty body", b"", "AzureCloud", "host: "),
    ("deep nesting", b"[" * 5000 + b"]" * 5000, "AzureCloud", "[[[["),
]


@pytest.mark.parametrize("body,cloud,host", [c[1:] for c in ACCEPTED], ids=[c[0] for c in ACCEPTED])
def test_regional_host_is_found(body, cloud, host):
    assert disc.regional_host(body, cloud) == host


@pytest.mark.parametrize("body,cloud,shown", [c[1:] for c in REFUSED], ids=[c[0] for c in REFUSED])
def test_unusable_answer_says_what_came(body, cloud, shown):
    with pytest.raises(disc.DiscoveryError) as err:
        disc.regional_host(body, cloud)
    assert "names no regional %s host" % disc.his_suffix(cloud) in str(err.value)
    assert shown in str(err.value)


def test_oversized_answer_is_refused_before_parsing():
    with pytest.raises(disc.DiscoveryError, match="larger than 65536 bytes"):
        disc.regional_host(b'"https://eus.his.arc.azure.com"' + b" " * disc.MAX_BODY, "AzureCloud")


def test_long_answer_is_cut_in_the_message():
    with pytest.raises(disc.DiscoveryError) as err:
        disc.regional_host(b"x" * 5000, "AzureCloud")
    assert str(err.value).endswith("...") and len(str(err.value)) < 200


def test_request_path_and_global_host():
    assert disc.path("westus3") == "/discovery?location=westus3&api-version=2.1"
    assert disc.global_host("AzureUSGovernment") == "gbl.his.arc.azure.us"


@pytest.mark.parametrize("region", ["east us", "eastus\r\nX: y", "", "a/b", None])
def test_region_that_cannot_go_on_the_wire_is_refused(region):
    with pytest.raises(ValueError, match="cannot be put in the discovery request"):
        disc.path(region)


def test_disagreement_is_a_warning_naming_both_hosts():
    text = disc.compare("eus.his.arc.azure.com", "scus.his.arc.azure.com")
    assert "eus.his.arc.azure.com" in text and "scus.his.arc.azure.com" in text
    assert disc.compare("eus.his.arc.azure.com", "eus.his.arc.azure.com") is None
    assert disc.compare(None, "eus.his.arc.azure.com") is None
