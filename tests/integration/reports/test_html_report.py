# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The HTML report opened in headless Chromium (Debian's chromium and chromium-driver): the matrix shows the
right colours and counts, the filter box works, the page loads nothing from anywhere, hostile values stay text,
and a screenshot is taken (kept under the test's tmp dir; ARC_REPORT_SCREENSHOT=path copies it there).

tests/run.sh installs chromium and chromium-driver. Without them the test is skipped on a developer machine and
fails in CI (CI=true), so a missing install step cannot hide behind a skip.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil
import struct
import sys
from html.parser import HTMLParser

import pytest

import chromium

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "unit", "reports"))
import fleet_fixture as fx  # noqa: E402  (the fleet the unit tests of the report use too)
from ansible_collections.arcready.network.plugins.filter.preflight_report import FilterModule

FILTERS = FilterModule().filters()
RGB = {"ok": "rgb(26, 127, 55)", "fail": "rgb(207, 34, 46)", "warn": "rgb(191, 135, 0)",
       "skip": "rgb(140, 149, 159)", "none": "rgb(255, 255, 255)"}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    data = fx.fleet()
    path = tmp_path_factory.mktemp("report") / "preflight.html"
    path.write_text(FILTERS["preflight_html"](data), encoding="utf-8")
    return data, str(path)


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    chromium_bin, driver = chromium.binaries()
    if not chromium_bin or not driver:
        message = "chromium and chromium-driver are not installed (tests/run.sh installs them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    base = tmp_path_factory.mktemp("chromium")
    browser = chromium.Chromium(str(base / "profile"), width=1400, height=1000, log_path=str(base / "driver.log"))
    try:
        yield browser
    finally:
        browser.quit()


@pytest.fixture(scope="module")
def page(browser, report):
    _data, path = report
    browser.get("file://" + path)
    return browser


CELLS_JS = """
return Array.from(document.querySelectorAll('#matrix tbody tr[data-host]')).map(function (tr) {
  return {host: tr.getAttribute('data-host'), status: tr.getAttribute('data-status'),
          badge: tr.querySelector('.badge').textContent,
          hostText: tr.querySelector('th.host').firstChild.textContent,
          cells: Array.from(tr.querySelectorAll('td.cell')).map(function (td) {
            return {endpoint: td.getAttribute('data-endpoint'), result: td.getAttribute('data-result'),
                    bg: getComputedStyle(td).backgroundColor, text: td.textContent, title: td.title};
          })};
});
"""


def _tags(html):
    """[(tag, [attribute names])] of every start tag."""
    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, [name for name, _value in attrs]))

    Collect().feed(html)
    return found


def test_page_is_self_contained(report):
    _data, path = report
    with open(path, encoding="utf-8") as stream:
        html = stream.read()
    assert html.startswith("<!DOCTYPE html>")
    tags = _tags(html)
    assert not [t for t in tags if t[0] in ("link", "img", "iframe", "object", "embed", "base")]
    assert not [t for t in tags if set(t[1]) & {"src", "href", "srcset", "action", "formaction", "background"}]
    # One script of code and one of data (the matrix as JSON, which a browser never runs).
    assert [t[0] for t in tags].count("script") == 2
    assert len(re.findall(r'<script type="application/json" id="matrix-data">', html)) == 1
    assert not re.search(r"url\(", html)
    assert "@import" not in html


def test_untrusted_values_are_escaped(report):
    _data, path = report
    with open(path, encoding="utf-8") as stream:
        html = stream.read()
    assert fx.HOSTILE_HOST not in html
    assert "&lt;img src=x onerror=&quot;window.__pwned=1&quot;&gt;evil-01" in html
    assert "</script><script>window.__pwned=2" not in html
    assert fx.PROXY_PASSWORD not in html
    assert "http://********@proxy.branch.example:3128" in html


def test_no_request_leaves_the_page(page):
    assert page.execute("return performance.getEntriesByType('resource').length;") == 0
    assert page.execute("return document.images.length;") == 0
    assert page.execute("return document.querySelectorAll('[src],[href],link,iframe,object,embed').length;") == 0
    assert page.execute("return window.__pwned === undefined;") is True


def test_matrix_colours_match_each_result(page, report):
    data, _path = report
    rows = page.execute(CELLS_JS)
    expected = fx.expected_cells(data)
    hosts = dict((row["host"], row) for row in rows)
    assert set(hosts) == set(fx.EXPECTED_STATUS) | set(fx.UNREPORTED)
    columns = set(url for _host, url in expected)
    seen = {}
    for name, row in hosts.items():
        if name in fx.UNREPORTED:
            assert row["status"] == "no_result" and row["cells"] == []
            continue
        assert row["status"] == fx.EXPECTED_STATUS[name], name
        assert row["hostText"] == name  # the hostile name is shown as text, not markup
        assert len(row["cells"]) == len(columns)
        for cell in row["cells"]:
            want = expected.get((name, cell["endpoint"]), "none")
            assert cell["result"] == want, (name, cell["endpoint"])
            assert cell["bg"] == RGB[want], (name, cell["endpoint"], cell["bg"])
            seen[want] = seen.get(want, 0) + 1
            if want == "ok":
                assert cell["text"] == "\u2713"
            elif want in ("fail", "warn"):
                assert cell["text"] in ("DNS", "TCP", "TLS", "INSP", "PRX", "PL", "HTTP", "IN")
    want_counts = {}
    for klass in expected.values():
        want_counts[klass] = want_counts.get(klass, 0) + 1
    for klass in ("ok", "fail", "warn", "skip"):
        assert seen.get(klass, 0) == want_counts.get(klass, 0), klass
    assert seen.get("none", 0) > 0  # scenario endpoints that other hosts do not check
    # The colours really differ: a reader tells the results apart at a glance.
    assert len(set(RGB.values())) == len(RGB)
    # Not ready hosts come first.
    statuses = [row["status"] for row in rows]
    assert statuses == sorted(statuses, key=["not_ready", "no_result", "warning", "ready"].index)


def test_tiles_and_verdict(page, report):
    data, _path = report
    tiles = page.execute("""
      var out = {};
      document.querySelectorAll('.tile').forEach(function (t) {
        out[t.id] = [parseInt(t.getAttribute('data-count'), 10), parseInt(t.querySelector('b').textContent, 10)];
      });
      return out;""")
    summary = FILTERS["preflight_summary"](data)
    expected = {
        "count-total": 11, "count-ready": 3, "count-not_ready": 6, "count-warning": 1, "count-no_result": 1,
        "count-endpoints_ok": summary["endpoints_ok"], "count-endpoints_failed": summary["endpoints_failed"],
        # Wildcards are names, counted once for the fleet, not once per host that has them.
        "count-not_probeable": len(set(ep["url"] for h in data["hosts"].values() for ep in h["endpoints"]
                                       if not ep.get("probeable", True))),
    }
    for key, value in expected.items():
        assert tiles[key] == [value, value], key
    verdict = page.execute("var v = document.getElementById('verdict');"
                           "return [v.textContent, getComputedStyle(v).backgroundColor];")
    assert verdict == ["7 of 11 hosts are not ready for Azure Arc", RGB["fail"]]


def test_run_parameters(page):
    params = page.execute("var o = {}; document.querySelectorAll('dl.params dd').forEach(function (d) {"
                          " o[d.getAttribute('data-param')] = d.textContent; }); return o;")
    assert params["cloud"] == "AzureCloud" and params["region"] == "eastus"
    assert params["generated (UTC)"] == "2026-11-28T09:30:00Z"
    assert params["private link"] == "no" and params["fail on"] == "required"
    # Hosts with their own scenarios or proxy (host_vars): the run says so rather than show one host's.
    assert params["scenarios"].startswith("varies by host: ") and "telemetry" in params["scenarios"]
    assert params["proxy"] == "varies by host: auto; http://********@proxy.branch.example:3128"


def test_failures_grouped_by_cause_with_fixes(page):
    groups = page.execute("""
      return Array.from(document.querySelectorAll('details.cause')).map(function (d) {
        return {cause: d.getAttribute('data-cause'), endpoints: parseInt(d.getAttribute('data-endpoints'), 10),
                hosts: parseInt(d.getAttribute('data-hosts'), 10), fix: d.querySelector('.fix').textContent,
                blocking: d.classList.contains('blocking')};
      });""")
    by_cause = dict((g["cause"], g) for g in groups)
    assert set(by_cause) == {"tcp.timeout", "tls_inspection.reissued", "proxy.auth_required", "tls.local_policy",
                             "tls.failed", "tcp.refused", "no_result"}
    assert by_cause["tcp.timeout"]["endpoints"] == 3 and by_cause["tcp.timeout"]["hosts"] == 2
    assert "443" in by_cause["tcp.timeout"]["fix"] and "network / firewall team" in by_cause["tcp.timeout"]["fix"]
    assert "inspection" in by_cause["tls_inspection.reissued"]["fix"].lower()
    assert "authenticat" in by_cause["proxy.auth_required"]["fix"]
    assert "TLS 1.2" in by_cause["tls.local_policy"]["fix"]
    assert by_cause["tcp.refused"]["blocking"] is False
    assert [g["blocking"] for g in groups] == sorted((g["blocking"] for g in groups), reverse=True)


def test_filter_box(page):
    box = page.find("#filter")
    visible_js = ("return Array.from(document.querySelectorAll('#matrix tbody tr[data-host]'))"
                  ".filter(function (tr) { return tr.offsetParent !== null; })"
                  ".map(function (tr) { return tr.getAttribute('data-host'); });")
    everyone = page.execute(visible_js)
    assert len(everyone) == 11
    page.send_keys(box, "db-0")
    assert sorted(page.execute(visible_js)) == ["db-01.contoso.example", "db-02.contoso.example"]
    assert page.execute("return document.getElementById('shown').textContent;") == "2"
    page.clear(box)
    page.send_keys(box, "inspect")  # matches error texts too
    assert page.execute(visible_js) == ["app-01.contoso.example"]
    page.clear(box)
    page.send_keys(box, "")
    page.execute("document.getElementById('filter').dispatchEvent(new Event('input'));")
    page.click(page.find("#only-failed"))
    shown = page.execute(visible_js)
    assert len(shown) == 8 and not [h for h in shown if h.startswith("web-")]
    page.click(page.find("#only-failed"))
    assert len(page.execute(visible_js)) == 11


def test_screenshot(page, report, tmp_path):
    _data, path = report
    page.get("file://" + path)
    target = str(tmp_path / "preflight-report.png")
    png = page.screenshot(target)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 1000 and height > 1000
    # A mostly blank page would compress to almost nothing.
    assert len(png) > 50000
    copy_to = os.environ.get("ARC_REPORT_SCREENSHOT")
    if copy_to:
        shutil.copyfile(target, copy_to)
