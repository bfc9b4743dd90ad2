# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reads Microsoft's Arc network requirements pages (markdown, as in the docs repository) into tables, so tests
can hold the catalogue against every row: the seed (2024-03), the current page and its ESU-only subset.

Each copy is kept under tests/data (CI clones only the repository); when the originals sit beside the repository
(../shared), tests compare the copies with them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _shared():
    """The project's shared directory beside the repository or one of its parents (worktrees sit deeper)."""
    here = REPO
    while os.path.dirname(here) != here:
        here = os.path.dirname(here)
        if os.path.isdir(os.path.join(here, "shared", "reference")):
            return os.path.join(here, "shared")
    return os.path.join(os.path.dirname(REPO), "shared")


SHARED = _shared()

# name -> (copy in the repository, original beside it)
PAGES = {
    "seed": ("tests/data/seed/network_requirements.md", "seed/000_13d341821de41fb0.txt"),
    "current": ("tests/data/microsoft/network-requirements-2026-06-24.md",
                "reference/microsoft/network-requirements-2026-06-24.md"),
    "esu": ("tests/data/microsoft/esu-network-requirements-2026-02-13.md",
            "reference/microsoft/esu-network-requirements-2026-02-13.md"),
}
# Tab headings of each revision -> cloud.
SECTIONS = {
    "Azure Cloud": "AzureCloud",
    "Azure cloud platform": "AzureCloud",
    "Azure Government": "AzureUSGovernment",
    "Microsoft Azure operated by 21Vianet": "AzureChinaCloud",
    "Azure operated by 21Vianet": "AzureChinaCloud",
}


def paths(name):
    copy, original = PAGES[name]
    return os.path.join(REPO, copy), os.path.join(SHARED, original)


def page_text(name):
    """The repository's copy: every clone checks the catalogue against the same text (test_ms_pages keeps the
    copies equal to the originals where those are beside the repository)."""
    path = paths(name)[0]
    if not os.path.isfile(path):
        pytest.fail("Microsoft's page %s is missing (%s)" % (name, path))
    with open(path, encoding="utf-8", errors="replace") as stream:
        return stream.read()


def plain(cell):
    """A table cell as text: links keep their words, footnote marks and escapes go."""
    cell = re.sub(r"<sup>\d+</sup>", "", cell)
    cell = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", cell)
    return cell.replace("\\", "").strip()


def host_pattern(name):
    """A backticked name of a table as the catalogue writes it (no scheme, no trailing slash)."""
    return re.sub(r"^https://", "", name).rstrip("/")


def parse_tables(text):
    """{cloud: [row, ...]} of every URL table of a page; a row is a dict with ``patterns`` (the backticked names
    of its first cell), ``description``, ``when`` and ``private_link`` (None where the table has no such column),
    and ``alternatives`` (True when the first cell joins its names with "or")."""
    tables = {}
    current = None
    for line in text.splitlines():
        heading = re.match(r"^#### \[(.+?)\]", line)
        if heading:
            current = SECTIONS.get(heading.group(1))
            if current:
                tables[current] = []
            continue
        if line.startswith("#"):
            current = None
            continue
        if current is None or not line.startswith("|"):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        names = re.findall(r"`([^`]+)`", cells[0])
        if not names:
            continue  # header and separator rows
        tables[current].append({
            "patterns": [host_pattern(n) for n in names],
            "alternatives": "` or `" in cells[0],
            "description": plain(cells[1]),
            "when": plain(cells[2]),
            "private_link": plain(cells[3]) if len(cells) > 3 else None,
        })
    return tables


def section(text, title):
    """The text under a ``### title`` heading, up to the next heading of that level."""
    return text.split("### " + title, 1)[1].split("\n### ", 1)[0]
