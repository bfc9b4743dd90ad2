# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of plugins/plugin_utils/_service_tags.py (parse, validate, select, merge) and of the test-data
generator tests/data/service_tags/make_service_tags.py. Offline: no address off this machine is contacted.

    ANSIBLE_COLLECTIONS_PATH=.cache/collections .venv/bin/python -m pytest tests/unit/plugins/plugin_utils -q
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import datetime
import importlib.util
import json
import os
import random
import subprocess
import sys

import pytest

from ansible_collections.arcready.network.plugins.plugin_utils import _service_tags as st
from ansible_collections.arcready.network.plugins.module_utils import _catalogue

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
DATA = os.path.join(ROOT, "tests", "data", "service_tags")
PUBLIC = os.path.join(DATA, "ServiceTags_Public_20260105.json")
GOV = os.path.join(DATA, "ServiceTags_AzureGovernment_20260105.json")
CHINA = os.path.join(DATA, "ServiceTags_China_20260105.json")


def _generator():
    spec = importlib.util.spec_from_file_location("make_service_tags", os.path.join(DATA, "make_service_tags.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


gen = _generator()


def doc(cloud="Public"):
    return gen.synthetic(cloud)


def parsed(document=None, source="SRC"):
    return st.parse(json.dumps(document if document is not None else doc()), source)


def err(func, *args, **kwargs):
    with pytest.raises(st.ServiceTagsError) as info:
        func(*args, **kwargs)
    return str(info.value)


# ------------------------------------------------------------------------------------------------ fixtures

@pytest.mark.parametrize("path,cloud", [(PUBLIC, "Public"), (GOV, "AzureGovernment"), (CHINA, "China")])
def test_checked_in_fixtures_match_the_generator(path, cloud):
    with open(path) as stream:
        assert json.load(stream) == gen.synthetic(cloud)


def test_fixtures_use_documentation_ranges_only():
    import ipaddress
    allowed = [ipaddress.ip_network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24", "2001:db8::/32")]
    for path in (PUBLIC, GOV, CHINA):
        with open(path) as stream:
            for value in json.load(stream)["values"]:
                for prefix in value["properties"]["addressPrefixes"]:
                    net = ipaddress.ip_network(prefix)
                    assert any(net.version == a.version and net.subnet_of(a) for a in allowed), prefix


# ------------------------------------------------------------------------------------------------ parse

def test_parse_reads_the_public_fixture():
    stf = st.load_path(PUBLIC)
    assert stf.change_number == 400
    assert stf.cloud == "Public"
    assert stf.file_date == datetime.date(2026, 1, 5)
    assert stf.date_origin == "file name"
    assert stf.regions == ["eastus", "westeurope"]
    assert stf.by_name["Storage.EastUS"].region == "eastus"
    assert stf.by_name["Storage.EastUS"].base == "Storage"
    assert len(stf.tags) == 17


def test_parse_accepts_a_bom_and_a_string_change_number():
    document = doc()
    document["changeNumber"] = "401"
    stf = st.parse(b"\xef\xbb\xbf" + json.dumps(document).encode(), "SRC")
    assert stf.change_number == 401
    assert st.parse("\ufeff" + json.dumps(document), "SRC").change_number == 401


@pytest.mark.parametrize("data,message", [
    (b"", "SRC is empty; download the Service Tags file again"),
    (b"  \n", "SRC is empty; download the Service Tags file again"),
    (b'{"changeNumber": 1,', "SRC is not valid JSON (Expecting property name enclosed in double quotes at line 1 "
                             "column 20); the file may be truncated or an HTML error page: download it again"),
    (b"<html><body>Access denied</body></html>",
     "SRC is not valid JSON (Expecting value at line 1 column 1); the file may be truncated or an HTML error page: "
     "download it again"),
    (b"\xff\xfe{}", "SRC is not UTF-8 text (invalid start byte); it is not a Service Tags JSON file: download it "
                    "again"),
    (b"[1, 2]", "SRC holds a JSON list, not an object with the keys changeNumber, cloud and values; it is not a "
                "Service Tags file"),
    (b'{"values": []}', "SRC is missing the top-level keys 'changeNumber', 'cloud'; a Service Tags file has "
                        "changeNumber, cloud and values: use the weekly download (ServiceTags_<Cloud>_YYYYMMDD.json) "
                        "unchanged"),
    (b'{"changeNumber": 1, "cloud": "Public"}',
     "SRC is missing the top-level key 'values'; a Service Tags file has changeNumber, cloud and values: use the "
     "weekly download (ServiceTags_<Cloud>_YYYYMMDD.json) unchanged"),
    (b'{"changeNumber": "x1", "cloud": "Public", "values": []}',
     "SRC: top-level changeNumber must be an integer, not 'x1'"),
    (b'{"changeNumber": true, "cloud": "Public", "values": []}',
     "SRC: top-level changeNumber must be an integer, not True"),
    (b'{"changeNumber": 1, "cloud": "", "values": []}',
     "SRC: top-level cloud must be a non-empty string such as 'Public', not ''"),
    (b'{"changeNumber": 1, "cloud": "Public", "values": {}}',
     "SRC: top-level values must be a list of service tags, not a JSON dict"),
    (b'{"changeNumber": 1, "cloud": "Public", "values": ["Storage"]}',
     "SRC: values[0] must be an object with name and properties, not a JSON str"),
    (b'{"changeNumber": 1, "cloud": "Public", "values": [{"id": "Storage"}]}',
     "SRC: values[0] has no name (a non-empty string such as 'Storage.EastUS')"),
    (b'{"changeNumber": 1, "cloud": "Public", "values": [{"name": "Storage"}]}',
     "SRC: values[0] (Storage) has no properties object"),
    (b'{"changeNumber": 1, "cloud": "Public", "values": [{"name": "Storage", "properties": {"region": ""}}]}',
     "SRC: values[0] (Storage) has no properties.addressPrefixes list"),
    (b'{"changeNumber": 1, "cloud": "Public", "values": [{"name": "Storage", "properties": '
     b'{"addressPrefixes": "192.0.2.0/24"}}]}',
     "SRC: values[0] (Storage) has no properties.addressPrefixes list"),
    (b'{"changeNumber": 1, "cloud": "Public", "values": [{"name": "Storage", "properties": '
     b'{"addressPrefixes": [3232235520]}}]}',
     "SRC: values[0] (Storage): properties.addressPrefixes holds 3232235520, not a CIDR string"),
    (b'{"changeNumber": 1, "cloud": "Public", "values": [{"name": "Storage", "properties": '
     b'{"addressPrefixes": [], "region": 32}}]}',
     "SRC: values[0] (Storage): properties.region must be a string, not 32"),
])
def test_parse_errors(data, message):
    assert err(st.parse, data, "SRC") == message


def test_load_path_missing_file(tmp_path):
    path = str(tmp_path / "ServiceTags_Public_20260105.json")
    assert err(st.load_path, path) == "cannot read %s: No such file or directory" % path


def test_load_path_dates_an_unnamed_file_by_its_modification_time(tmp_path):
    path = tmp_path / "azure-tags.json"
    path.write_text(json.dumps(doc()))
    when = datetime.datetime(2026, 3, 1, 12, 0, 0)
    os.utime(str(path), (when.timestamp(), when.timestamp()))
    stf = st.load_path(str(path))
    assert stf.file_date == datetime.date(2026, 3, 1)
    assert stf.date_origin == "modification time"


@pytest.mark.parametrize("name,expected", [
    ("ServiceTags_Public_20240325.json", datetime.date(2024, 3, 25)),
    ("/mirror/ServiceTags_AzureGovernment_20231204.json", datetime.date(2023, 12, 4)),
    ("servicetags_china_20240101.JSON", datetime.date(2024, 1, 1)),
    ("ServiceTags_Public_20241399.json", None),
    ("ServiceTags_Public.json", None),
    ("", None),
])
def test_date_from_name(name, expected):
    assert st.date_from_name(name) == expected


# ------------------------------------------------------------------------------------------------ directory

def test_newest_in_directory_picks_the_latest_file_of_the_cloud(tmp_path):
    for name in ("ServiceTags_Public_20260105.json", "ServiceTags_Public_20260112.json",
                 "ServiceTags_AzureGovernment_20260119.json", "notes.txt", "ServiceTags_Public_2026011.json"):
        (tmp_path / name).write_text("{}")
    assert st.newest_in_directory(str(tmp_path), "AzureCloud") == str(tmp_path / "ServiceTags_Public_20260112.json")
    assert st.newest_in_directory(str(tmp_path), "AzureUSGovernment") == str(
        tmp_path / "ServiceTags_AzureGovernment_20260119.json")


def test_newest_in_directory_errors(tmp_path):
    (tmp_path / "ServiceTags_AzureGovernment_20260119.json").write_text("{}")
    (tmp_path / "ServiceTags_China_20260119.json").write_text("{}")
    assert err(st.newest_in_directory, str(tmp_path), "AzureCloud") == (
        "no ServiceTags_Public_YYYYMMDD.json in the directory %s (it holds 'ServiceTags_AzureGovernment_20260119.json',"
        " 'ServiceTags_China_20260119.json', for other clouds); put the current AzureCloud file from "
        "https://www.microsoft.com/download/details.aspx?id=56519 there, or set path= to a file or url= to a mirror"
        % tmp_path)
    empty = tmp_path / "empty"
    empty.mkdir()
    assert err(st.newest_in_directory, str(empty), "AzureChinaCloud") == (
        "no ServiceTags_China_YYYYMMDD.json in the directory %s; put the current AzureChinaCloud file from "
        "https://www.microsoft.com/download/details.aspx?id=57062 there, or set path= to a file or url= to a mirror"
        % empty)
    assert err(st.newest_in_directory, str(tmp_path / "nope"), "AzureCloud") == (
        "cannot list %s: No such file or directory" % (tmp_path / "nope"))


# ------------------------------------------------------------------------------------------------ cloud

@pytest.mark.parametrize("file_cloud,cloud", [
    ("Public", "AzureCloud"), ("public", "AzureCloud"), ("AzureCloud", "AzureCloud"),
    ("AzureGovernment", "AzureUSGovernment"), ("AzureUSGovernment", "AzureUSGovernment"),
    ("China", "AzureChinaCloud"), ("AzureChinaCloud", "AzureChinaCloud"), ("AzureChina", "AzureChinaCloud"),
])
def test_file_cloud_accepted(file_cloud, cloud):
    document = doc()
    document["cloud"] = file_cloud
    st.check_file_cloud(parsed(document), cloud)
    st.check_file_cloud(parsed(document), cloud.lower())  # the catalogue accepts any case


def test_file_of_another_cloud():
    assert err(st.check_file_cloud, st.load_path(GOV), "AzureCloud") == (
        "%s is the Service Tags file of cloud AzureUSGovernment (its cloud field is 'AzureGovernment'), but "
        "cloud=AzureCloud needs the 'Public' file (ServiceTags_Public_YYYYMMDD.json, from "
        "https://www.microsoft.com/download/details.aspx?id=56519); use that file, or set cloud=AzureUSGovernment" % GOV)
    assert err(st.check_file_cloud, st.load_path(PUBLIC), "AzureChinaCloud") == (
        "%s is the Service Tags file of cloud AzureCloud (its cloud field is 'Public'), but cloud=AzureChinaCloud "
        "needs the 'China' file (ServiceTags_China_YYYYMMDD.json, from "
        "https://www.microsoft.com/download/details.aspx?id=57062); use that file, or set cloud=AzureCloud" % PUBLIC)


def test_file_of_an_unknown_or_retired_cloud():
    document = doc()
    document["cloud"] = "AzureGermany"
    assert err(st.check_file_cloud, parsed(document), "AzureCloud") == (
        "SRC is a Service Tags file for cloud 'AzureGermany' (the retired Azure Germany cloud), but cloud=AzureCloud "
        "needs the 'Public' file (ServiceTags_Public_YYYYMMDD.json, from "
        "https://www.microsoft.com/download/details.aspx?id=56519)")
    document["cloud"] = "Mars"
    assert err(st.check_file_cloud, parsed(document), "AzureUSGovernment") == (
        "SRC is a Service Tags file for cloud 'Mars' (a cloud this collection does not know), but "
        "cloud=AzureUSGovernment needs the 'AzureGovernment' file (ServiceTags_AzureGovernment_YYYYMMDD.json, from "
        "https://www.microsoft.com/download/details.aspx?id=57063)")


def test_unknown_catalogue_cloud():
    assert err(st.prefixes, parsed(), "AzureCloudd") == (
        "unknown cloud 'AzureCloudd'; valid choices, closest first: AzureCloud, AzureChinaCloud, AzureUSGovernment")


def test_every_catalogue_cloud_has_a_file_cloud_and_download_page():
    for cloud in _catalogue.CLOUDS:
        assert st.FILE_CLOUD[cloud] in st.FILE_CLOUD_ALIASES[cloud]
        assert st.DOWNLOAD_PAGE[cloud].startswith("https://www.microsoft.com/download/details.aspx?id=")
    aliases = [a.lower() for values in st.FILE_CLOUD_ALIASES.values() for a in values]
    assert len(aliases) == len(set(aliases)), "an alias must name one cloud only"


# ------------------------------------------------------------------------------------------------ age

def test_age_warning():
    stf = st.load_path(PUBLIC)
    assert st.age_warning(stf, 14, today=datetime.date(2026, 1, 19)) is None  # exactly 14 days: fine
    assert st.age_warning(stf, 14, today=datetime.date(2026, 1, 20)) == (
        "%s is 15 days old (dated 2026-01-05 by its file name), older than max_age_days=14; Microsoft publishes the "
        "file weekly and starts using new ranges a week after adding them, so rules built from it may miss current "
        "addresses: get the current file from https://www.microsoft.com/download/details.aspx?id=56519 (or raise "
        "max_age_days)" % PUBLIC)
    assert st.age_warning(stf, 0, today=datetime.date(2030, 1, 1)) is None
    assert st.age_warning(parsed(), 1, today=datetime.date(2030, 1, 1)) is None  # no date known: no check
    gov = st.load_path(GOV)
    assert "https://www.microsoft.com/download/details.aspx?id=57063" in st.age_warning(
        gov, 7, today=datetime.date(2026, 2, 1), cloud="AzureUSGovernment")


# ------------------------------------------------------------------------------------------------ select

def _names(entries):
    return [e.name for e in entries]


def test_default_tags_come_from_the_catalogue():
    # The catalogue's tags, plus Front Door in Azure Cloud (Microsoft's page since April 2026), once.
    extra = [] if "AzureFrontDoor.Frontend" in _catalogue.service_tags("AzureCloud") else ["AzureFrontDoor.Frontend"]
    assert st.default_tags("AzureCloud") == _catalogue.service_tags("AzureCloud") + extra
    assert st.default_tags("AzureCloud", ["wac"]) == _catalogue.service_tags("AzureCloud", ["wac"]) + extra
    assert st.default_tags("AzureCloud").count("AzureFrontDoor.Frontend") == 1
    assert "AzureFrontDoor.Frontend" not in st.default_tags("AzureUSGovernment") + st.default_tags("AzureChinaCloud")
    assert "WindowsAdminCenter" in st.default_tags("AzureCloud", ["wac"])
    assert "WindowsAdminCenter" not in st.default_tags("AzureUSGovernment")


def test_select_default_and_regions():
    stf = st.load_path(PUBLIC)
    tags = st.default_tags("AzureCloud")
    entries, missing = st.select(stf, tags)
    assert missing == []
    assert _names(entries) == ["AzureActiveDirectory", "AzureTrafficManager", "AzureResourceManager",
                               "AzureArcInfrastructure", "Storage", "AzureFrontDoor.Frontend"]
    entries, _missing = st.select(stf, tags, regions=["East US", "eastus"])
    assert _names(entries) == ["AzureActiveDirectory", "AzureTrafficManager", "AzureResourceManager",
                               "AzureResourceManager.EastUS", "AzureArcInfrastructure",
                               "AzureArcInfrastructure.EastUS", "Storage", "Storage.EastUS", "AzureFrontDoor.Frontend"]
    # AzureArcInfrastructure keeps its full range even when the others are narrowed (Microsoft's requirement).
    entries, _missing = st.select(stf, tags, regions=["westeurope"], include_global=False)
    assert _names(entries) == ["AzureActiveDirectory", "AzureTrafficManager", "AzureResourceManager.WestEurope",
                               "AzureArcInfrastructure", "AzureArcInfrastructure.WestEurope", "Storage.WestEurope",
                               "AzureFrontDoor.Frontend"]


def test_select_is_case_insensitive_and_takes_regional_names():
    stf = st.load_path(PUBLIC)
    entries, missing = st.select(stf, ["storage", "Storage", "Storage.EastUS", "azurecloud.EASTUS"])
    assert _names(entries) == ["Storage", "Storage.EastUS", "AzureCloud.eastus"]
    assert missing == []


def test_select_does_not_treat_dotted_global_tags_as_regions():
    stf = st.load_path(PUBLIC)
    entries, _missing = st.select(stf, ["AzureFrontDoor.Frontend"], regions=["eastus"], include_global=False)
    assert _names(entries) == ["AzureFrontDoor.Frontend"]


def test_select_missing_tags():
    stf = st.load_path(GOV)
    assert err(st.select, stf, ["Storage", "WindowsAdminCenter"]) == (
        "tag 'WindowsAdminCenter' is not in %s (cloud 'AzureGovernment', changeNumber 90); remove it from tags, set "
        "on_missing=warn, or use a file that has it" % GOV)
    assert err(st.select, stf, ["Storag", "AzureArc", "Storage"]) == (
        "tags 'Storag' (closest: Storage), 'AzureArc' (closest: AzureCloud) are not in %s (cloud 'AzureGovernment', "
        "changeNumber 90); remove them from tags, set on_missing=warn, or use a file that has them" % GOV)
    entries, missing = st.select(stf, ["Storage", "WindowsAdminCenter", "WindowsAdminCenter"], on_missing="warn")
    assert (_names(entries), missing) == (["Storage"], ["WindowsAdminCenter"])
    entries, missing = st.select(stf, ["WindowsAdminCenter"], on_missing="ignore")
    assert (entries, missing) == ([], ["WindowsAdminCenter"])
    assert st.missing_message(stf, ["WindowsAdminCenter"]) == (
        "tag 'WindowsAdminCenter' is not in %s (cloud 'AzureGovernment', changeNumber 90)" % GOV)


def test_select_bad_arguments():
    stf = st.load_path(PUBLIC)
    assert err(st.select, stf, ["Storage"], on_missing="fail") == (
        "on_missing must be one of error, warn, ignore, not 'fail'")
    assert err(st.select, stf, ["Storage"], regions=["eastsu"]) == (
        "region 'eastsu' is not in %s (closest in the file: eastus); use the ARM name (eastus) or the display name "
        "(East US)" % PUBLIC)
    assert err(st.select, stf, ["Storage"], regions=["mars"]) == (
        "region 'mars' is not in %s (the file has 2 regions, e.g. eastus, westeurope); use the ARM name (eastus) "
        "or the display name (East US)" % PUBLIC)
    document = doc()
    document["values"] = [v for v in document["values"] if not v["properties"]["region"]]
    assert err(st.select, parsed(document), ["Storage"], regions=["eastus"]) == (
        "region 'eastus' is not in SRC (the file has no regional tags); use the ARM name (eastus) or the display "
        "name (East US)")


# ------------------------------------------------------------------------------------------------ merge

def _flat(result):
    return [(str(net), tags) for net, tags in result]


def test_merge_default_selection_of_the_fixture():
    stf = st.load_path(PUBLIC)
    elements, missing = st.prefixes(stf, "AzureCloud")
    assert missing == []
    assert [(e["prefix"], e["version"], e["tags"]) for e in elements] == [
        ("192.0.2.0/26", 4, ["AzureActiveDirectory"]),
        ("192.0.2.64/28", 4, ["AzureTrafficManager"]),
        ("192.0.2.240/28", 4, ["AzureFrontDoor.Frontend"]),
        ("198.51.100.0/25", 4, ["AzureResourceManager"]),
        ("198.51.100.128/26", 4, ["Storage"]),
        ("198.51.100.192/27", 4, ["Storage"]),
        ("203.0.113.0/27", 4, ["AzureArcInfrastructure"]),
        ("203.0.113.40/29", 4, ["AzureArcInfrastructure", "Storage"]),
        ("2001:db8:a::/48", 6, ["AzureActiveDirectory"]),
        ("2001:db8:b::/64", 6, ["AzureTrafficManager"]),
        ("2001:db8:c::/47", 6, ["AzureArcInfrastructure", "AzureResourceManager"]),
        ("2001:db8:e::/48", 6, ["Storage"]),
    ]
    assert elements[0] == {"prefix": "192.0.2.0/26", "version": 4, "tags": ["AzureActiveDirectory"],
                           "change_number": 400, "cloud": "AzureCloud", "file_cloud": "Public", "source": PUBLIC,
                           "file_date": "2026-01-05", "public_source": None}


def test_merge_wac_scenario_and_versions():
    stf = st.load_path(PUBLIC)
    v6, _missing = st.prefixes(stf, "AzureCloud", scenarios=["wac"], ip_version="6")
    assert [(e["prefix"], e["tags"]) for e in v6] == [
        ("2001:db8:a::/48", ["AzureActiveDirectory"]),
        ("2001:db8:b::/64", ["AzureTrafficManager"]),
        # c::/48, d::/48 (ARM, Arc), e::/48 (Storage) and f::/48 (WAC) are one aligned /46
        ("2001:db8:c::/46", ["AzureArcInfrastructure", "AzureResourceManager", "Storage", "WindowsAdminCenter"]),
    ]
    v4, _missing = st.prefixes(stf, "AzureCloud", scenarios=["wac"], ip_version=4)
    assert all(e["version"] == 4 for e in v4) and "192.0.2.96/28" in [e["prefix"] for e in v4]


def test_merge_regional_only():
    stf = st.load_path(PUBLIC)
    elements, _missing = st.prefixes(stf, "AzureCloud", regions=["eastus"], include_global=False)
    assert [(e["prefix"], e["tags"]) for e in elements] == [
        ("192.0.2.0/26", ["AzureActiveDirectory"]),
        ("192.0.2.64/28", ["AzureTrafficManager"]),
        ("192.0.2.240/28", ["AzureFrontDoor.Frontend"]),
        ("198.51.100.0/26", ["AzureResourceManager.EastUS"]),
        ("198.51.100.128/26", ["Storage.EastUS"]),
        # AzureArcInfrastructure stays in full: Microsoft requires it.
        ("203.0.113.0/27", ["AzureArcInfrastructure", "AzureArcInfrastructure.EastUS"]),
        ("203.0.113.40/29", ["AzureArcInfrastructure"]),
        ("2001:db8:a::/48", ["AzureActiveDirectory"]),
        ("2001:db8:b::/64", ["AzureTrafficManager"]),
        ("2001:db8:d::/48", ["AzureArcInfrastructure"]),
    ]
    with_global, _missing = st.prefixes(stf, "AzureCloud", regions=["eastus"])
    assert ("198.51.100.0/25", ["AzureResourceManager", "AzureResourceManager.EastUS"]) in [
        (e["prefix"], e["tags"]) for e in with_global]


def test_merge_false_keeps_distinct_prefixes_and_clears_host_bits():
    document = doc()
    document["values"].append(gen.entry("Custom", ["192.0.2.5/24", "192.0.2.0/24", "198.51.100.7/32"]))
    stf = parsed(document)
    result = st.merge([stf.by_name["Custom"], stf.by_name["AzureActiveDirectory"]], merge_prefixes=False)
    assert _flat(result) == [
        ("192.0.2.0/24", ["Custom"]),
        ("192.0.2.0/27", ["AzureActiveDirectory"]),
        ("192.0.2.32/27", ["AzureActiveDirectory"]),
        ("198.51.100.7/32", ["Custom"]),
        ("2001:db8:a::/48", ["AzureActiveDirectory"]),
    ]
    assert _flat(st.merge([stf.by_name["Custom"], stf.by_name["AzureActiveDirectory"]], ip_version="4")) == [
        ("192.0.2.0/24", ["AzureActiveDirectory", "Custom"]),
        ("198.51.100.7/32", ["Custom"]),
    ]


def test_merge_errors():
    document = doc()
    document["values"][0]["properties"]["addressPrefixes"].append("300.1.2.3/24")
    stf = parsed(document)
    assert err(st.prefixes, stf, "AzureCloud") == (
        "SRC: tag 'AzureActiveDirectory' has an invalid address prefix '300.1.2.3/24' (invalid IPNetwork "
        "300.1.2.3/24); the file is damaged: download it again")
    assert err(st.merge, [], ip_version="5") == "ip_version must be 4, 6 or both, not '5'"


def test_merge_without_netaddr(monkeypatch):
    monkeypatch.setattr(st, "HAS_NETADDR", False)
    assert err(st.merge, []) == (
        "the Python library netaddr is required on the controller (the machine or execution environment that runs "
        "ansible-playbook); install it with: pip install netaddr")


@pytest.mark.parametrize("seed", range(8))
def test_merge_matches_a_brute_force_answer(seed):
    """The merged list covers exactly the union, is the minimal CIDR list, and each block carries every tag that
    has a prefix overlapping it."""
    import netaddr
    rng = random.Random(seed)
    entries = []
    for index in range(5):
        plist = []
        for dummy in range(rng.randrange(1, 40)):
            if rng.random() < 0.8:
                length = rng.randrange(22, 33)
                base = netaddr.IPAddress(rng.choice(["192.0.2.0", "198.51.100.0", "203.0.113.0"])).value
                addr = base + rng.randrange(0, 256)
                plist.append(str(netaddr.IPNetwork("%s/%d" % (netaddr.IPAddress(addr), max(length, 24))).cidr))
            else:
                addr = netaddr.IPAddress("2001:db8::").value + (rng.randrange(0, 64) << 80)
                plist.append(str(netaddr.IPNetwork("%s/%d" % (netaddr.IPAddress(addr, 6), rng.randrange(44, 49))).cidr))
        entries.append(st.ServiceTag("Tag%d" % index, "", plist, 1, ""))
    result = st.merge(entries)
    every = [netaddr.IPNetwork(p) for e in entries for p in e.prefixes]
    assert [net for net, _tags in result] == list(netaddr.IPSet(every).iter_cidrs())
    for net, tags in result:
        expected = sorted(set(e.name for e in entries for p in e.prefixes
                              if netaddr.IPNetwork(p).first <= net.last and netaddr.IPNetwork(p).last >= net.first))
        assert tags == expected
    versions = [net.version for net, _tags in result]
    assert versions == sorted(versions)


# ------------------------------------------------------------------------------------------------ generator

def test_real_size_generator_is_deterministic_and_of_real_size():
    first = gen.real_size(seed=3)
    assert first == gen.real_size(seed=3)
    assert first != gen.real_size(seed=4)
    count = sum(len(v["properties"]["addressPrefixes"]) for v in first["values"])
    assert 2900 <= len(first["values"]) <= 3100
    assert 47500 <= count <= 52500
    stf = st.validate(first, "real")
    for tag in st.default_tags("AzureCloud", ["wac"]):
        assert tag in stf.by_name
    # each regional entry is part of its global entry, as in Microsoft's file
    storage = set(stf.by_name["Storage"].prefixes)
    assert set(stf.by_name["Storage.EastUS"].prefixes) <= storage


def test_real_size_addresses_are_not_routable():
    import ipaddress
    v4, v6 = ipaddress.ip_network("10.0.0.0/8"), ipaddress.ip_network("2001:db8::/32")
    for value in gen.real_size(seed=1, tags=300, prefixes=5000)["values"]:
        for prefix in value["properties"]["addressPrefixes"]:
            net = ipaddress.ip_network(prefix)
            assert net.subnet_of(v4 if net.version == 4 else v6)


def test_generator_cli_adds_lab_addresses(tmp_path):
    out = tmp_path / "ServiceTags_Public_lab.json"
    subprocess.check_call([sys.executable, os.path.join(DATA, "make_service_tags.py"), "--synthetic",
                           "--add", "AzureArcInfrastructure=198.18.1.10/32",
                           "--add", "Storage=198.18.1.20/32,198.18.1.21/32",
                           "--add", "LabOnly.EastUS=198.18.9.0/24", "-o", str(out)])
    stf = st.load_path(str(out))
    assert stf.change_number == 401
    assert stf.by_name["LabOnly.EastUS"].region == "eastus"
    elements, _missing = st.prefixes(stf, "AzureCloud", ip_version="4")
    assert ("198.18.1.10/32", ["AzureArcInfrastructure"]) in [(e["prefix"], e["tags"]) for e in elements]
    assert ("198.18.1.20/31", ["Storage"]) in [(e["prefix"], e["tags"]) for e in elements]
    assert "198.18.9.0/24" not in [e["prefix"] for e in elements]


def test_generator_cli_directory_output_and_errors(tmp_path):
    script = os.path.join(DATA, "make_service_tags.py")
    subprocess.check_call([sys.executable, script, "--synthetic", "--cloud", "AzureUSGovernment",
                           "--date", "20260301", "-o", str(tmp_path) + os.sep])
    assert os.listdir(str(tmp_path)) == ["ServiceTags_AzureGovernment_20260301.json"]
    bad = subprocess.run([sys.executable, script, "--synthetic", "--add", "Storage=192.0.2.300/32", "-o",
                          str(tmp_path / "x.json")], capture_output=True, text=True, check=False)
    assert bad.returncode != 0
    assert "--add Storage=192.0.2.300/32" in bad.stderr


def test_add_prefixes_does_not_touch_the_fixture_source():
    before = copy.deepcopy(gen.synthetic("Public"))
    gen.add_prefixes(gen.synthetic("Public"), {"Storage": ["198.18.1.1/32"]})
    assert gen.synthetic("Public") == before
