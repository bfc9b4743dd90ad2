# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The report filters: causes and fixes, summary, JUnit XML, escaping, and the filters inside a real play."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest

from ansible.errors import AnsibleFilterError
from ansible_collections.arcready.network.plugins.filter.preflight_report import FilterModule
from ansible_collections.arcready.network.plugins.module_utils import _contract
from ansible_collections.arcready.network.plugins.plugin_utils import _report

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                                "reports"))
import fleet_fixture as fx  # noqa: E402

FILTERS = FilterModule().filters()


# (failed_stage, failed_reason) -> cause key, who acts. The error text is the same for every row: causes never
# read it.
@pytest.mark.parametrize("stage,reason,key,owner", [
    ("dns", "dns.nxdomain", "dns.nxdomain", "dns"),
    ("dns", "dns.timeout", "dns.timeout", "dns"),
    ("private_link", "private_link.public_address", "private_link.public_address", "dns"),
    ("tcp", "tcp.timeout", "tcp.timeout", "network"),
    ("tcp", "tcp.refused", "tcp.refused", "network"),
    ("proxy", "proxy.auth_required", "proxy.auth_required", "proxy"),
    ("proxy", "proxy.refused", "proxy.refused", "proxy"),
    ("proxy", "proxy.unsupported_scheme", "proxy.unsupported_scheme", "host"),
    ("tls", "tls.local_policy", "tls.local_policy", "host"),
    ("tls", "tls.untrusted", "tls.untrusted", "host"),
    ("tls_inspection", "tls_inspection.reissued", "tls_inspection.reissued", "proxy"),
    ("http", "http.not_http", "http.not_http", "network"),
    ("input", "input.invalid", "input.invalid", "host"),
    ("tcp", "deadline.exceeded", "deadline.exceeded.tcp", "network"),
    ("proxy", "deadline.exceeded", "deadline.exceeded.proxy", "proxy"),
    ("dns", "deadline.exceeded", "deadline.exceeded.dns", "dns"),
    # An older engine (no failed_reason) or an unknown code: one "other" cause, whatever the error says.
    ("tcp", None, "other", "host"),
    ("dns", "dns.brand_new", "other", "host"),
    (None, None, "other", "host"),
])
def test_cause_keys_on_stage_and_reason(stage, reason, key, owner):
    for error in ("TCP connect timed out: 407 Proxy Authentication Required", None):
        cause = _report.cause_of({"failed_stage": stage, "failed_reason": reason, "error": error})
        assert (cause["key"], cause["owner"]) == (key, owner)
        assert cause["title"] and cause["fix"].endswith(".") and cause["owner_label"] in _report.OWNERS.values()
        assert _report.cause_info(key)["title"] == cause["title"]


def test_every_contract_reason_has_its_own_cause_in_every_stage_it_may_come_from():
    assert set(_report.CAUSES) == set(_contract.REASONS)
    for reason, (stages, _meaning) in _contract.REASONS.items():
        for stage in stages:
            cause = _report.cause_of({"failed_stage": stage, "failed_reason": reason})
            assert cause["key"] != "other", (stage, reason)
            assert cause["owner"] in _report.OWNERS
            assert cause["key"] in _report.cause_order(), cause["key"]
    assert set(_report.DEADLINE_CAUSES) == set(_contract.STAGES)


def test_summary_counts():
    summary = FILTERS["preflight_summary"](fx.fleet())
    assert summary["ready"] is False
    assert (summary["hosts_total"], summary["hosts_ready"], summary["hosts_warning"], summary["hosts_not_ready"],
            summary["hosts_no_result"], summary["hosts_failed"]) == (11, 3, 1, 6, 1, 7)
    assert summary["no_result_hosts"] == ["gone-01.contoso.example"]
    assert summary["causes"]["tcp.timeout"] == {"title": _report.cause_info("tcp.timeout")["title"],
                                                "endpoints": 3, "hosts": 2, "blocking": True, "stage": "tcp",
                                                "reason": "tcp.timeout", "owner": "network"}
    assert summary["causes"]["tcp.refused"]["blocking"] is False
    assert summary["endpoints_failed"] == summary["required_failed"] + 1
    json.dumps(summary)  # set_stats data must serialise


def test_fail_on_per_host():
    data = fx.fleet()
    data["hosts"]["tel-01.contoso.example"]["inputs"]["fail_on"] = "any"
    summary = FILTERS["preflight_summary"](data)
    assert summary["hosts_warning"] == 0 and summary["hosts_not_ready"] == 7
    assert summary["fail_on"] == "varies by host: required; any"


def test_summary_fail_on_any_and_never():
    data = fx.fleet(fail_on="any")
    assert FILTERS["preflight_summary"](data)["hosts_warning"] == 0
    assert FILTERS["preflight_summary"](data)["hosts_not_ready"] == 7
    data = fx.fleet(fail_on="never")  # never keeps the play green; the report still says not ready
    assert FILTERS["preflight_summary"](data)["hosts_not_ready"] == 6


def test_all_ready():
    data = fx.fleet()
    data["hosts"] = dict((h, r) for h, r in data["hosts"].items() if h.startswith("web-"))
    data["unreported"] = {}
    summary = FILTERS["preflight_summary"](data)
    assert summary["ready"] is True and summary["hosts_total"] == 3
    html = FILTERS["preflight_html"](data)
    assert 'data-ready="true"' in html and "No endpoint failed." in html


def test_empty_report():
    summary = FILTERS["preflight_summary"]({"hosts": {}})
    assert summary["ready"] is False and summary["hosts_total"] == 0
    assert "No host reported a result" in FILTERS["preflight_html"]({"hosts": {}})
    root = ET.fromstring(FILTERS["preflight_junit"]({"hosts": {}}))
    assert root.get("tests") == "0"


def test_bad_input_is_a_filter_error():
    with pytest.raises(AnsibleFilterError, match="preflight_html"):
        FILTERS["preflight_html"](["not", "a", "dict"])
    with pytest.raises(AnsibleFilterError):
        FILTERS["preflight_junit"]({"hosts": ["a"]})


def test_junit():
    data = fx.fleet()
    for ep in data["hosts"]["db-01.contoso.example"]["endpoints"]:
        if ep["host"] == "eus.his.arc.azure.com":
            ep["error"] += " \x01\x1b[31m"  # control characters, invalid in XML 1.0
    root = ET.fromstring(FILTERS["preflight_junit"](data).encode("utf-8"))
    assert root.tag == "testsuites"
    suites = dict((s.get("name"), s) for s in root.findall("testsuite"))
    assert set(suites) == set(fx.EXPECTED_STATUS) | set(fx.UNREPORTED)
    summary = FILTERS["preflight_summary"](data)
    assert int(root.get("tests")) == summary["endpoints_total"] + 1
    assert int(root.get("failures")) == summary["endpoints_failed"]
    assert int(root.get("skipped")) == summary["not_probeable"]
    assert int(root.get("errors")) == 1
    db = suites["db-01.contoso.example"]
    assert db.get("failures") == "2" and db.get("hostname") == "db-01.contoso.example"
    failure = db.find("testcase[@name='https://management.azure.com']/failure")
    assert failure.get("type") == "tcp" and "timed out" in failure.get("message")
    assert "fix: Allow outbound TCP 443" in failure.text and "reason: tcp.timeout" in failure.text
    assert "who acts: network / firewall team" in failure.text
    props = dict((p.get("name"), p.get("value")) for p in db.findall("properties/property"))
    assert props["region"] == "eastus" and fx.PROXY_PASSWORD not in props["proxy_url"]
    tel = suites["tel-01.contoso.example"].findall("testcase/failure")
    assert len(tel) == 1 and tel[0].get("message").startswith("[optional] ")
    gone = suites["gone-01.contoso.example"].find("testcase/error")
    assert "Connection timed out" in gone.get("message")
    hostile = suites[fx.HOSTILE_HOST]
    assert hostile.find("testcase/failure").get("message") == fx.HOSTILE_ERROR


def test_proxy_credentials_are_redacted():
    html = FILTERS["preflight_html"](fx.fleet())
    assert fx.PROXY_PASSWORD not in html and fx.PROXY_PASSWORD not in FILTERS["preflight_junit"](fx.fleet())


PLAY = """
- hosts: localhost
  gather_facts: false
  tasks:
    - name: An untrusted module result carrying markup and a Jinja expression
      ansible.builtin.command:
        argv: [echo, "{{ '{{' }} lookup('ansible.builtin.pipe', 'echo PWNED') {{ '}}' }} <b>bold</b>"]
      register: out
      changed_when: false
    - name: Render the HTML
      ansible.builtin.copy:
        dest: "{{ dest }}/report.html"
        mode: "0644"
        content: "{{ fleet | arcready.network.preflight_html }}"
    - name: Render the JUnit XML
      ansible.builtin.copy:
        dest: "{{ dest }}/report.xml"
        mode: "0644"
        content: "{{ fleet | arcready.network.preflight_junit }}"
    - name: Summary
      ansible.builtin.set_stats:
        data:
          summary: "{{ fleet | arcready.network.preflight_summary }}"
  vars:
    fleet:
      generated: "2026-11-28T00:00:00Z"
      parameters: {cloud: AzureCloud, region: eastus, fail_on: required}
      hosts:
        web01:
          endpoints:
            - {host: aka.ms, port: 443, scheme: https, url: "https://aka.ms", required: true, probeable: true,
               ok: false, failed_stage: tls, error: "{{ out.stdout }}"}
"""


@pytest.mark.integration  # needs root or an ansible-playbook subprocess
def test_filters_in_a_play_do_not_template_untrusted_text(tmp_path):
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAY)
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), str(playbook),
                           "-e", "dest=%s" % tmp_path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          universal_newlines=True, env=dict(os.environ, ANSIBLE_NOCOLOR="1"))
    assert done.returncode == 0, done.stdout
    html = (tmp_path / "report.html").read_text()
    assert "PWNED" not in html.replace("echo PWNED", "")
    # The error is in the matrix data (JSON, markup escaped), drawn as text by the page's script.
    assert "{{ lookup('ansible.builtin.pipe', 'echo PWNED') }} \\u003cb\\u003ebold\\u003c/b\\u003e" in html
    root = ET.fromstring((tmp_path / "report.xml").read_text().encode())
    assert root.find("testsuite/testcase/failure").get("message") == \
        "{{ lookup('ansible.builtin.pipe', 'echo PWNED') }} <b>bold</b>"
