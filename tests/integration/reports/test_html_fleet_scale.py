# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTML report of 5,000 synthetic hosts in headless Chromium: the matrix draws one page of rows, while the
filter, "only failures" and the counts cover every host (integration kind: needs chromium and chromium-driver).
Load time is measured by benchmarks/bench_fleet_reports.py, not asserted here."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "unit", "reports"))
import synthetic_fleet as sf  # noqa: E402
from ansible_collections.arcready.network.plugins.plugin_utils import _fleet, _report  # noqa: E402
from test_html_report import browser  # noqa: F401  (the same Chromium fixture, skipped or failed alike)

HOSTS = 5000
ROWS_JS = ("return Array.from(document.querySelectorAll('#matrix tbody tr[data-host]'))"
           ".map(function (tr) { return [tr.getAttribute('data-host'), tr.getAttribute('data-status')]; });")
TEXT_JS = "return document.getElementById(arguments[0]).textContent;"


@pytest.fixture(scope="module")
def fleet_page(browser, tmp_path_factory):
    doc = _fleet.build(sf.results(HOSTS), {"gone-01": "MODULE FAILURE (rc 1): boom"}, sf.PARAMETERS)
    path = tmp_path_factory.mktemp("fleet-html") / "preflight.html"
    path.write_text(_report.render_html(doc), encoding="utf-8")
    browser.get("file://" + str(path))
    return doc, browser


def test_one_page_drawn_counts_for_all(fleet_page):
    doc, page = fleet_page
    rows = page.execute(ROWS_JS)
    assert len(rows) == _report.PAGE_SIZE
    assert page.execute(TEXT_JS, "shown") == str(HOSTS + 1)
    assert page.execute(TEXT_JS, "page-count") == str(-(-(HOSTS + 1) // _report.PAGE_SIZE))
    summary = doc["summary"]
    tiles = page.execute("var o = {}; document.querySelectorAll('.tile').forEach(function (t) {"
                         " o[t.id] = parseInt(t.getAttribute('data-count'), 10); }); return o;")
    assert tiles["count-total"] == HOSTS + 1 == summary["hosts_total"]
    assert tiles["count-ready"] == summary["hosts_ready"] and tiles["count-not_ready"] == summary["hosts_not_ready"]
    assert tiles["count-no_result"] == 1
    # Wildcards once for the fleet: a handful of names, not thousands.
    assert 0 < tiles["count-not_probeable"] < 50
    groups = page.execute("return Array.from(document.querySelectorAll('#groups tr.group'))"
                          ".map(function (tr) { return parseInt(tr.getAttribute('data-count'), 10); });")
    assert sum(groups) == summary["hosts_failed"] + summary["hosts_warning"]  # a group per failing signature


def test_search_reaches_hosts_beyond_the_first_page(fleet_page):
    doc, page = fleet_page
    last = sorted(n for n, h in doc["hosts"].items() if h["verdict"]["status"] == "ready")[-1]
    assert last not in [name for name, _status in page.execute(ROWS_JS)]
    box = page.find("#filter")
    page.send_keys(box, last)
    assert page.execute(ROWS_JS) == [[last, "ready"]]
    assert page.execute(TEXT_JS, "shown") == "1"
    page.clear(box)
    page.execute("document.getElementById('filter').dispatchEvent(new Event('input'));")
    page.send_keys(box, "gone-01")
    row = page.execute("var td = document.querySelector('#matrix tbody td.noresult'); return td.textContent;")
    assert "rc 1" in row and "boom" in row


def test_paging_and_only_failures(fleet_page):
    doc, page = fleet_page
    page.clear(page.find("#filter"))
    page.execute("document.getElementById('filter').dispatchEvent(new Event('input'));")
    first = page.execute(ROWS_JS)
    page.click(page.find("#page-next"))
    second = page.execute(ROWS_JS)
    assert page.execute(TEXT_JS, "page-no") == "2"
    assert len(second) == _report.PAGE_SIZE and not set(map(tuple, first)) & set(map(tuple, second))
    page.click(page.find("#only-failed"))
    failing = doc["summary"]["hosts_total"] - doc["summary"]["hosts_ready"]  # optional failures too
    assert page.execute(TEXT_JS, "shown") == str(failing)
    assert page.execute(TEXT_JS, "page-no") == "1"
    assert "ready" not in [status for _name, status in page.execute(ROWS_JS)]
