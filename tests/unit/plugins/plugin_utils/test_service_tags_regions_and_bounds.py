# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Service Tags of today (issue 14 item 6) and bounded reads (issue 13): region names learned from a file that uses
the real files' own codes, the public AzureArcInfrastructure for Gov and China, AzureArcInfrastructure kept in full,
and files that are devices, FIFOs, too big or too deeply nested refused with a message naming them. Offline."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import json
import os
import threading
import time

import pytest

from ansible_collections.arcready.network.plugins.plugin_utils import _service_tags as st

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
DATA = os.path.join(ROOT, "tests", "data", "service_tags")
OWN = os.path.join(DATA, "own_codes", "ServiceTags_Public_20260105.json")
PUBLIC = os.path.join(DATA, "ServiceTags_Public_20260105.json")
GOV = os.path.join(DATA, "ServiceTags_AzureGovernment_20260105.json")
CHINA = os.path.join(DATA, "ServiceTags_China_20260105.json")

_spec = importlib.util.spec_from_file_location("make_service_tags", os.path.join(DATA, "make_service_tags.py"))
gen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(gen)


def err(func, *args, **kwargs):
    with pytest.raises(st.ServiceTagsError) as info:
        func(*args, **kwargs)
    return str(info.value)


def names(entries):
    return [e.name for e in entries]


# ------------------------------------------------------------------------------------------------ own codes

def test_the_own_codes_fixture_matches_the_generator_and_uses_codes_that_are_not_arm_names():
    with open(OWN) as stream:
        document = json.load(stream)
    assert document == gen.own_codes()
    regions = dict((v["name"], v["properties"]["region"]) for v in document["values"] if v["properties"]["region"])
    assert regions["Storage.GermanyWestCentral"] == regions["AzureCloud.germanywc"] == "germanywc"
    assert regions["Storage.FranceCentral"] == "centralfrance" and regions["AzureCloud.usstagee"] == "usstagee"
    # Each region's entries share one regionId, as in Microsoft's file.
    ids = dict((v["name"], v["properties"]["regionId"]) for v in document["values"])
    assert ids["Storage.GermanyWestCentral"] == ids["AzureCloud.germanywc"] == ids["AzureArcInfrastructure.GermanyWestCentral"]


@pytest.mark.parametrize("region, tag, expected", [
    # ARM name, display name and the file's own code all find the region the file calls germanywc.
    ("germanywestcentral", "Storage", "Storage.GermanyWestCentral"),
    ("Germany West Central", "Storage", "Storage.GermanyWestCentral"),
    ("germanywc", "Storage", "Storage.GermanyWestCentral"),
    ("GermanyWestCentral", "AzureCloud", "AzureCloud.germanywc"),
    ("francecentral", "Storage", "Storage.FranceCentral"),
    ("France Central", "AzureCloud", "AzureCloud.centralfrance"),
    ("switzerlandnorth", "Storage", "Storage.SwitzerlandNorth"),
    ("Norway East", "AzureCloud", "AzureCloud.norwaye"),
    ("usstagee", "AzureCloud", "AzureCloud.usstagee"),
    ("East US", "Storage", "Storage.EastUS"),
])
def test_regions_by_arm_or_display_name_map_to_the_files_own_codes(region, tag, expected):
    stf = st.load_path(OWN)
    entries, missing = st.select(stf, [tag], regions=[region], include_global=False)
    assert (names(entries), missing) == ([expected], [])


def test_regions_learned_from_region_id_when_the_codes_differ():
    document = {"changeNumber": 1, "cloud": "Public", "values": [
        gen.entry("Storage.GermanyWestCentral", ["192.0.2.0/28"], "germanywestcentral", 72),
        gen.entry("AzureCloud.germanywc", ["192.0.2.0/27"], "germanywc", 72),
        gen.entry("AzureCloud.norwaye", ["192.0.2.64/27"], "norwaye", 56),
        gen.entry("AzureCloud", ["192.0.2.0/24"]),
    ]}
    stf = st.parse(json.dumps(document), "SRC")
    assert stf.region_aliases["germanywc"] == stf.region_aliases["germanywestcentral"] == (
        "germanywc", "germanywestcentral")
    assert stf.region_aliases["norwaye"] == ("norwaye",)
    entries, _missing = st.select(stf, ["AzureCloud"], regions=["Germany West Central"], include_global=False)
    assert names(entries) == ["AzureCloud.germanywc"]


def test_unknown_region_lists_the_closest_names_of_the_file():
    stf = st.load_path(OWN)
    assert err(st.select, stf, ["Storage"], regions=["germanywestcentrl"]) == (
        "region 'germanywestcentrl' is not in %s (closest in the file: germanywestcentral, germanywc, francecentral); "
        "use the ARM name (eastus) or the display name (East US)" % OWN)


def test_arm_region_name_squashes_display_names():
    assert [st.arm_region_name(r) for r in ("East US 2", "eastus2", "Germany West Central", "usgov_virginia")] == [
        "eastus2", "eastus2", "germanywestcentral", "usgovvirginia"]


# ------------------------------------------------------------------------------------------------ Arc in full

def test_a_regional_azurearcinfrastructure_tag_is_refused():
    stf = st.load_path(OWN)
    assert err(st.select, stf, ["AzureArcInfrastructure.GermanyWestCentral"]) == (
        "tag 'AzureArcInfrastructure.GermanyWestCentral' is a regional part of AzureArcInfrastructure, which Microsoft "
        "requires in full (the regional ranges miss the global components of the service): name "
        "AzureArcInfrastructure in tags instead")


def test_narrowing_keeps_azurearcinfrastructure_in_full_and_says_so():
    stf = st.load_path(OWN)
    elements, _missing = st.prefixes(stf, "AzureCloud", tags=["AzureArcInfrastructure", "Storage"],
                                     regions=["germanywestcentral"], include_global=False)
    prefixes = [e["prefix"] for e in elements]
    assert "203.0.113.128/28" in prefixes and "2001:db8:d::/48" in prefixes  # the global-only ranges
    assert "198.51.100.0/28" in prefixes and "198.51.100.16/28" not in prefixes  # Storage narrowed
    assert st.arc_full_note(["AzureArcInfrastructure"], ["germanywestcentral"], False) == (
        "AzureArcInfrastructure is kept in full although include_global=false narrows the other tags to "
        "germanywestcentral: Microsoft requires the full range (the regional ranges miss the global components)")
    assert st.arc_full_note(["AzureArcInfrastructure"], ["eastus"], True) is None
    assert st.arc_full_note(["Storage"], ["eastus"], False) is None


# ------------------------------------------------------------------------------------------------ public Arc

@pytest.mark.parametrize("cloud, path", [("AzureUSGovernment", GOV), ("AzureChinaCloud", CHINA)])
def test_gov_and_china_take_the_public_azurearcinfrastructure(cloud, path):
    stf, public = st.load_path(path), st.load_path(PUBLIC)
    elements, _missing = st.prefixes(stf, cloud, public=public)
    public_arc = [e for e in elements if "Public:AzureArcInfrastructure" in e["tags"]]
    assert [e["prefix"] for e in public_arc] == ["203.0.113.0/27", "203.0.113.40/29", "2001:db8:d::/48"]
    assert all(e["public_source"] == PUBLIC and e["source"] == path for e in elements)
    assert st.public_arc_note(cloud, st.default_tags(cloud), public) is None
    without, _missing = st.prefixes(stf, cloud)
    assert not [e for e in without if "Public:AzureArcInfrastructure" in e["tags"]]
    assert st.public_arc_note(cloud, st.default_tags(cloud), None).startswith(
        "only the %s file was given: Microsoft requires the public cloud's AzureArcInfrastructure ranges too" % cloud)
    # Only when AzureArcInfrastructure is wanted at all; never for Azure Cloud.
    assert st.public_arc_note(cloud, ["Storage"], None) is None
    assert st.public_arc_note("AzureCloud", ["AzureArcInfrastructure"], None) is None


def test_the_public_file_must_be_the_public_one_and_have_the_tag():
    gov = st.load_path(GOV)
    assert err(st.prefixes, gov, "AzureUSGovernment", public=st.load_path(CHINA)).startswith(
        "%s is the Service Tags file of cloud AzureChinaCloud (its cloud field is 'China'), but cloud=AzureCloud needs "
        "the 'Public' file" % CHINA)
    document = gen.synthetic("Public")
    document["values"] = [v for v in document["values"] if v["name"] != "AzureArcInfrastructure"]
    assert err(st.prefixes, gov, "AzureUSGovernment", public=st.parse(json.dumps(document), "PUB")) == (
        "PUB has no AzureArcInfrastructure tag, which the Gov and China rules need from the public file; use the "
        "weekly public file unchanged")


# ------------------------------------------------------------------------------------------------ bounded reads

def _in_time(func, *args, seconds=5):
    """Run func in a thread; fail (instead of hanging the suite) when it does not return in time."""
    box = {}

    def work():
        try:
            box["value"] = func(*args)
        except Exception as exc:  # pylint: disable=broad-except - compared below
            box["error"] = exc

    worker = threading.Thread(target=work, daemon=True)
    worker.start()
    worker.join(seconds)
    assert not worker.is_alive(), "%s(%r) did not return within %s s" % (func.__name__, args, seconds)
    return box


def test_a_device_is_refused_without_reading_it():
    box = _in_time(st.load_path, "/dev/zero")
    assert str(box["error"]) == ("/dev/zero is a character device, not a file; set path= to a Service Tags JSON file "
                                 "(or a directory that holds them)")


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = str(tmp_path / "ServiceTags_Public_20260105.json")
    os.mkfifo(fifo)
    box = _in_time(st.load_path, fifo)
    assert str(box["error"]) == ("%s is a FIFO (named pipe), not a file; set path= to a Service Tags JSON file (or a "
                                 "directory that holds them)" % fifo)


def test_a_directory_given_as_file_is_refused(tmp_path):
    assert err(st.load_path, str(tmp_path)) == ("%s is a directory, not a file; set path= to a Service Tags JSON "
                                                "file (or a directory that holds them)" % tmp_path)


def test_a_file_larger_than_the_cap_is_refused(tmp_path, monkeypatch):
    assert st.MAX_BYTES == 64 * 1024 * 1024
    monkeypatch.setattr(st, "MAX_BYTES", 1024)
    path = tmp_path / "big.json"
    path.write_bytes(b" " * 1025)
    assert err(st.load_path, str(path)) == (
        "%s is larger than 1024 bytes, the most this collection reads (Microsoft's weekly file is about 4 MiB); it is not "
        "a Service Tags file: check path= or url=" % path)


@pytest.mark.parametrize("text", ["[" * 100000 + "]" * 100000, '{"a":' * 100000 + "1" + "}" * 100000])
def test_deeply_nested_json_names_the_file(text):
    assert err(st.parse, text, "/srv/deep.json") == (
        "/srv/deep.json is nested too deeply to be a Service Tags file (JSON arrays or objects inside each other "
        "beyond Python's limit); it is not the weekly download: download it again")


class _Trickle(object):
    """A response whose body never ends: one byte per read, slowly."""

    headers = {}

    def read1(self, size):
        time.sleep(0.05)
        return b" "

    def close(self):
        pass


def test_a_download_is_cut_off_at_its_deadline():
    started = time.monotonic()
    assert err(st.bounded_download, _Trickle, "http://mirror.test/x.json", 0.5) == (
        "could not download http://mirror.test/x.json within timeout=0.5 seconds (the whole download, headers and "
        "body, must fit in it): the server answers too slowly or without end; raise timeout, use a nearer mirror, or "
        "download the file and set path=")
    assert time.monotonic() - started < 2


def test_a_download_past_the_cap_is_refused_and_an_announced_one_before_reading():
    class Endless(_Trickle):
        def read1(self, size):
            return b" " * size

    class Announced(_Trickle):
        headers = {"Content-Length": str(10 ** 9)}

        def read1(self, size):
            raise AssertionError("the body must not be read")

    for opener in (Endless, Announced):
        assert err(st.bounded_download, opener, "SRC", 10, max_bytes=1 << 20).startswith(
            "SRC is larger than 1 MiB, the most this collection reads")


def test_opener_errors_reach_the_caller_unchanged():
    def opener():
        raise ConnectionRefusedError(111, "Connection refused")

    with pytest.raises(ConnectionRefusedError):
        st.bounded_download(opener, "SRC", 5)
