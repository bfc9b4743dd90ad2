# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the arcready.network.allowlist action plugin: one step writes every file, check mode writes none,
a second run changes nothing, a failed run leaves the previous set, and a directory with other files is refused."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os

import pytest

from ansible_collections.arcready.network.plugins.action import allowlist as action
from ansible_collections.arcready.network.plugins.plugin_utils import _allowlist as al


def contents(path):
    out = {}
    for name in sorted(os.listdir(path)):
        with open(os.path.join(path, name), "rb") as stream:
            out[name] = stream.read()
    return out


def test_writes_every_file_then_changes_nothing(tmp_path):
    dest = str(tmp_path / "allow")
    first = action.generate({"region": "eastus", "dest": dest, "scenarios": "[sql,esu]"})
    assert first["changed"] is True
    assert sorted(os.listdir(dest)) == sorted(first["files"])
    assert set(first["files"]) == set(al.ALL_FILES) - {"ip-prefixes.txt"}
    assert "www.microsoft.com/pkiops/certs" in dict(
        (c["name"], c) for c in first["cannot_express"]["squid"])
    before = contents(dest)
    second = action.generate({"region": "eastus", "dest": dest, "scenarios": ["sql", "esu"]})
    assert second["changed"] is False
    assert second["msg"].startswith("unchanged:")
    assert contents(dest) == before
    assert [n for n in os.listdir(str(tmp_path)) if n.startswith(".")] == []


def test_check_mode_writes_nothing_and_says_it_would(tmp_path):
    dest = str(tmp_path / "allow")
    result = action.generate({"region": "eastus", "dest": dest}, check_mode=True)
    assert result["changed"] is True and result["msg"].startswith("would write")
    assert not os.path.exists(dest)
    assert "diff" not in result


def test_fewer_formats_leave_no_stale_files(tmp_path):
    dest = str(tmp_path / "allow")
    action.generate({"region": "eastus", "dest": dest})
    result = action.generate({"region": "eastus", "dest": dest, "formats": "squid,names"})
    assert sorted(os.listdir(dest)) == sorted(["squid-arc-allowlist.conf", "names.txt", "NOTES.txt"])
    assert result["changed"] is True


def test_a_directory_with_other_files_is_refused(tmp_path):
    (tmp_path / "holiday.jpg").write_bytes(b"x")
    with pytest.raises(al.AllowlistError) as info:
        action.generate({"region": "eastus", "dest": str(tmp_path)})
    assert "dest (arc_allowlist_dir)" in str(info.value) and "holiday.jpg" in str(info.value)
    assert os.listdir(str(tmp_path)) == ["holiday.jpg"]


def test_a_failed_write_keeps_the_previous_set(tmp_path, monkeypatch):
    dest = str(tmp_path / "allow")
    action.generate({"region": "eastus", "dest": dest})
    before = contents(dest)
    real_fsync = os.fsync
    calls = []

    def failing_fsync(fd):
        calls.append(fd)
        if len(calls) == 3:
            raise OSError(28, "No space left on device")
        return real_fsync(fd)

    monkeypatch.setattr(al.os, "fsync", failing_fsync)
    with pytest.raises(al.AllowlistError, match="No space left on device"):
        action.generate({"region": "westeurope", "dest": dest})
    assert contents(dest) == before
    assert sorted(os.listdir(str(tmp_path))) == ["allow"]


def test_service_tags_file_gives_ip_prefixes(tmp_path):
    tags = os.path.join(os.path.dirname(__file__), "..", "..", "..", "data", "service_tags",
                        "ServiceTags_Public_20260105.json")
    dest = str(tmp_path / "allow")
    result = action.generate({"region": "eastus", "dest": dest, "service_tags_file": tags})
    assert "ip-prefixes.txt" in result["files"]
    with open(os.path.join(dest, "allowlist.json")) as stream:
        data = json.load(stream)
    with open(os.path.join(dest, "ip-prefixes.txt")) as stream:
        assert stream.read().splitlines() == data["ip_prefixes"]
    assert data["ip_prefixes"]


def test_a_broken_service_tags_file_names_the_option(tmp_path):
    bad = tmp_path / "ServiceTags_Public_20260105.json"
    bad.write_text("{not json")
    with pytest.raises(al.AllowlistError, match=r"service_tags_file \(arc_allowlist_service_tags_file\)"):
        action.generate({"region": "eastus", "dest": str(tmp_path / "allow"), "service_tags_file": str(bad)})
    assert not os.path.exists(str(tmp_path / "allow"))


def test_a_broken_report_names_the_option(tmp_path):
    bad = tmp_path / "preflight.json"
    bad.write_text("[1, 2]")
    with pytest.raises(al.AllowlistError, match=r"report_file \(arc_allowlist_report\)"):
        action.generate({"region": "eastus", "dest": str(tmp_path / "allow"), "report_file": str(bad)})
