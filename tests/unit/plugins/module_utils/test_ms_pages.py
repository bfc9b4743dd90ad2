# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The reader of Microsoft's pages (tests/unit/ms_tables.py) and the copies of the pages kept in tests/data."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import ms_tables
import pytest

SAMPLE = """
### URLs

#### [Azure cloud platform](#tab/azure-cloud)

| Agent resource | Description | When required| Private link capable |
|---------|---------|--------|---------|
|`a.example`, `*.a.example`|Two names.|Always.| Public. |
|`b*.example` or `*.example`|Either name.|Only at installation time.<sup>1</sup> | [Public](/x), unless. |
| `https://<name>.vault.example/`, `https://graph.example/`<sup>2</sup>| Scheme and slash go. | Always. | Public. |

#### [Azure operated by 21Vianet](#tab/azure-china)

| Agent resource | Description | When required|
|---------|---------|--------|
|`c.example`|No private link column.|Always.|

---

### Cryptographic protocols

|Platform/Language | Support | More information |
| --- | --- | --- |
|Linux | `not a row` | x |
"""


def test_parser_reads_names_words_and_columns():
    tables = ms_tables.parse_tables(SAMPLE)
    assert sorted(tables) == ["AzureChinaCloud", "AzureCloud"]
    cloud = tables["AzureCloud"]
    assert [r["patterns"] for r in cloud] == [
        ["a.example", "*.a.example"], ["b*.example", "*.example"], ["<name>.vault.example", "graph.example"]]
    assert [r["alternatives"] for r in cloud] == [False, True, False]
    assert cloud[1]["when"] == "Only at installation time." and cloud[1]["private_link"] == "Public, unless."
    assert tables["AzureChinaCloud"] == [{"patterns": ["c.example"], "alternatives": False,
                                          "description": "No private link column.", "when": "Always.",
                                          "private_link": None}]


def test_section_stops_at_the_next_heading():
    assert ms_tables.section(SAMPLE, "URLs").strip().startswith("#### [Azure cloud platform]")
    assert "Cryptographic" not in ms_tables.section(SAMPLE, "URLs")


@pytest.mark.parametrize("name", sorted(ms_tables.PAGES))
def test_the_kept_copy_is_the_original(name):
    copy, original = ms_tables.paths(name)
    assert os.path.isfile(copy), "tests/data lacks the copy of %s" % name
    if not os.path.isfile(original):
        # CI always has the project's shared/ beside its clone: there a missing original is a failure.
        if os.environ.get("CI"):
            pytest.fail("%s is missing beside the repository: cannot check the kept copy %s" % (original, copy))
        pytest.skip("no original beside the repository to compare with (CI compares them)")
    with open(original, "rb") as left, open(copy, "rb") as right:
        assert right.read() == left.read(), "refresh %s from %s" % (copy, original)
