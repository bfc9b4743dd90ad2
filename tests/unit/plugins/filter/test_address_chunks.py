# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The address_chunks filter: netaddr merge, chunks of at most `size`, stable order, errors that name the input."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import os
import random
import subprocess
import sys

import pytest
import yaml

from ansible.errors import AnsibleFilterError
from ansible.plugins.loader import filter_loader

from ansible_collections.arcready.network.plugins.filter import address_chunks as module
from ansible_collections.arcready.network.plugins.filter.address_chunks import address_chunks

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(HERE))))


def flat(chunks):
    return [prefix for chunk in chunks for prefix in chunk]


def test_merges_adjacent_and_overlapping_prefixes():
    assert address_chunks(["10.0.0.0/24", "10.0.1.0/24", "10.0.0.128/25", "192.0.2.7"]) == \
        [["10.0.0.0/23", "192.0.2.7/32"]]


def test_host_bits_are_cleared_and_duplicates_removed():
    assert address_chunks(["192.0.2.1/24", "192.0.2.0/24"], merge=False) == [["192.0.2.0/24"]]


def test_without_merge_prefixes_are_kept_sorted():
    assert address_chunks(["10.0.1.0/24", "10.0.0.0/24", "2001:db8::/32"], merge=False) == \
        [["10.0.0.0/24", "10.0.1.0/24", "2001:db8::/32"]]


def test_ipv4_before_ipv6_and_family_filter():
    items = ["2001:db8::/32", "198.51.100.0/24", "2001:db8:1::/48"]
    assert address_chunks(items) == [["198.51.100.0/24", "2001:db8::/32"]]
    assert address_chunks(items, ip_version="4") == [["198.51.100.0/24"]]
    assert address_chunks(items, ip_version=6) == [["2001:db8::/32"]]


def test_chunks_hold_at_most_size_prefixes():
    # 2500 non-adjacent /32s (every other address) cannot merge.
    items = [str(ipaddress.ip_address("10.0.0.0") + 2 * i) for i in range(2500)]
    chunks = address_chunks(items)
    assert [len(c) for c in chunks] == [1000, 1000, 500]
    assert flat(chunks) == ["%s/32" % a for a in items]
    assert [len(c) for c in address_chunks(items, size=1200)] == [1200, 1200, 100]
    assert [len(c) for c in address_chunks(items[:1000])] == [1000]


def test_the_same_set_in_any_order_gives_the_same_chunks():
    items = [str(ipaddress.ip_address("172.16.0.0") + 4 * i) + "/31" for i in range(3000)]
    shuffled = list(items)
    random.Random(7).shuffle(shuffled)
    assert address_chunks(shuffled) == address_chunks(items)


def test_merge_is_exact():
    items = ["10.0.0.0/25", "10.0.0.128/26", "10.0.0.192/26", "10.0.2.0/24"]
    chunks = address_chunks(items)
    assert chunks == [["10.0.0.0/24", "10.0.2.0/24"]]
    covered = set()
    for prefix in flat(chunks):
        covered.update(ipaddress.ip_network(prefix))
    wanted = set()
    for prefix in items:
        wanted.update(ipaddress.ip_network(prefix))
    assert covered == wanted


def test_service_tags_lookup_items_are_accepted():
    items = [{"prefix": "20.37.158.0/23", "version": 4, "tags": ["AzureArcInfrastructure"]},
             {"prefix": "20.37.156.0/23", "version": 4, "tags": ["AzureArcInfrastructure"]}]
    assert address_chunks(items) == [["20.37.156.0/22"]]


def test_nothing_in_nothing_out():
    assert address_chunks([]) == []
    assert address_chunks(["", " "]) == []


@pytest.mark.parametrize("value, size, words", [
    (["10.0.0.0/33"], 1000, "'10.0.0.0/33' is not an IP address or prefix"),
    (["not-an-address"], 1000, "'not-an-address' is not an IP address or prefix"),
    ([{"address": "10.0.0.0/8"}], 1000, "needs a 'prefix' key"),
    ([42], 1000, "42 is not an address or prefix string"),
    ("10.0.0.0/8", 1000, "expects a list"),
    (["10.0.0.0/8"], 0, "size must be at least 1"),
    (["10.0.0.0/8"], "many", "size must be a whole number"),
])
def test_errors_name_the_bad_input(value, size, words):
    with pytest.raises(AnsibleFilterError, match="arcready.network.address_chunks") as caught:
        address_chunks(value, size=size)
    assert words in str(caught.value)


def test_bad_ip_version():
    with pytest.raises(AnsibleFilterError, match="ip_version must be one of 4, 6, both"):
        address_chunks(["10.0.0.0/8"], ip_version="5")


def test_missing_netaddr_is_reported(monkeypatch):
    monkeypatch.setitem(sys.modules, "netaddr", None)  # what an import finds where netaddr is not installed
    with pytest.raises(AnsibleFilterError, match="needs the netaddr Python library"):
        address_chunks(["10.0.0.0/8"])


def test_loaded_by_its_fqcn():
    plugin = filter_loader.get("arcready.network.address_chunks")
    assert plugin is not None
    assert plugin.j2_function(["10.0.0.0/24", "10.0.1.0/24"]) == [["10.0.0.0/23"]]


def test_in_a_template():
    from ansible.template import Templar, trust_as_template
    templar = Templar(loader=None, variables={"prefixes": ["10.0.0.0/24", "10.0.1.0/24", "192.0.2.7"]})
    rendered = templar.template(trust_as_template(
        "{{ prefixes | arcready.network.address_chunks(size=1) | map('join', ',') | list }}"))
    assert rendered == ["10.0.0.0/23", "192.0.2.7/32"]


def test_documentation_matches_the_function():
    doc = yaml.safe_load(open(os.path.join(REPO, "plugins", "filter", "address_chunks.yml")))["DOCUMENTATION"]
    assert doc["name"] == "address_chunks"
    assert doc["options"]["size"]["default"] == module.DEFAULT_SIZE == 1000
    assert doc["options"]["merge"]["default"] is True
    assert doc["options"]["ip_version"]["default"] == "both"
    assert sorted(doc["options"]["ip_version"]["choices"]) == sorted(module._FAMILIES)


def test_loading_the_collections_filters_does_not_import_netaddr():
    # Ansible imports every filter file of the collection to resolve any one of its filters, in each worker.
    code = ("import glob, importlib, os, sys\n"
            "from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder\n"
            "_AnsibleCollectionFinder(paths=os.environ['ANSIBLE_COLLECTIONS_PATH'].split(os.pathsep))._install()\n"
            "for path in sorted(glob.glob(os.path.join(sys.argv[1], '*.py'))):\n"
            "    name = os.path.splitext(os.path.basename(path))[0]\n"
            "    importlib.import_module('ansible_collections.arcready.network.plugins.filter.' + name)\n"
            "print(sorted(m for m in sys.modules if m.startswith('ansible_collections.arcready.network.plugins.filter.')))\n"
            "print('netaddr' in sys.modules)\n")
    directory = os.path.dirname(module.__file__)
    done = subprocess.run([sys.executable, "-c", code, directory], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    assert done.returncode == 0, done.stderr
    loaded, imported = done.stdout.splitlines()
    assert "ansible_collections.arcready.network.plugins.filter.address_chunks" in loaded
    assert imported == "False"
