# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""INTEGRATION (runs ansible-playbook inside ``unshare --net``; belongs in tests/integration): a real preflight
run leaks no proxy credential, for every form of proxy URL.

One ``ansible-playbook arcready.network.preflight -i <hosts> -c local`` run in a fresh network namespace, one
inventory host per URL form of proxy_forms.FORMS (the role takes the URL only), every catalogue name mapped to
127.0.0.1 with arc_probe_resolve, arc_proxy_url pointing at an authenticating CONNECT proxy on a loopback port;
and one direct probe task with the credentials given apart. The console output at -vvv and every report file
(preflight.json, hosts/*.json, preflight.html, preflight.junit.xml) are searched for every form of the password.
The proxy counts the requests that carried the right credentials, so the test also proves they were used.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import shutil
import subprocess
import sys

import pytest
import yaml

import proxy_forms as pf
from ansible_collections.arcready.network.plugins.plugin_utils._probe_args import expand

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
BIN = os.path.dirname(sys.executable)

URL_FORMS = sorted(name for name, (_url, user, _pw) in pf.FORMS.items() if not user)
APART_FORMS = sorted(name for name, (_url, user, _pw) in pf.FORMS.items() if user)

DIRECT_PLAY = """
- hosts: all
  gather_facts: false
  tasks:
    - name: Probe with the credentials given apart
      arcready.network.probe:
        endpoints: [{host: gbl.his.arc.azure.com}]
        resolve: {gbl.his.arc.azure.com: 127.0.0.1}
        timeout: 1
        proxy_url: "{{ url }}"
        proxy_username: "{{ user }}"
        proxy_password: "{{ password }}"
        fail_on: any
      register: probe
      ignore_errors: true
    - name: Show the result
      ansible.builtin.debug:
        var: probe
"""


def _namespace_run(tmp_path, files, command):
    if shutil.which("unshare") is None or subprocess.call(["unshare", "--net", "true"]) != 0:
        pytest.fail("unshare --net is needed (root or user namespaces): this test belongs in the integration suite")
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_CALLBACKS_ENABLED="arcready.network.preflight_progress")
    subprocess.run(["unshare", "--net", sys.executable, os.path.join(HERE, "leak_driver.py"), str(tmp_path),
                    pf.USER, pf.PASSWORD, ",".join(str(f) for f in files), "--"] + command,
                   check=True, env=env, cwd=str(tmp_path), timeout=900)
    with open(os.path.join(str(tmp_path), "driver.json")) as stream:
        return json.load(stream)


def _every_output(tmp_path):
    """{relative path: text} of the console output and every report file."""
    out = {}
    for root, _dirs, names in os.walk(str(tmp_path), followlinks=True):  # the report set is published as links
        for name in names:
            path = os.path.join(root, name)
            relative = os.path.relpath(path, str(tmp_path))
            if relative in ("inventory.yml", "play.yml") or relative.startswith("ansible-tmp"):
                continue  # the inputs, written by this test
            with open(path, errors="replace") as stream:
                out[relative] = stream.read()
    return out


def test_a_real_preflight_run_shows_no_credential_in_any_output_or_report(tmp_path):
    names = [ep["host"] for ep in expand({"region": "eastus"})["endpoints"] if ep["probeable"]]
    hosts = {}
    for index, form in enumerate(URL_FORMS):
        url = pf.FORMS[form][0].replace(pf.PROXY, "127.0.0.1:@PROXY_PORT@")
        hosts["form%d" % index] = {"arc_proxy_url": url}
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": hosts, "vars": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable, "arc_region": "eastus",
        "arc_probe_timeout": 1, "arc_report_dir": str(tmp_path / "reports"),
        "arc_probe_resolve": dict((name, "127.0.0.1") for name in names)}}}))
    driver = _namespace_run(tmp_path, [inventory], [os.path.join(BIN, "ansible-playbook"), "-vvv", "-i",
                                                    str(inventory), os.path.join(REPO, "playbooks", "preflight.yml")])
    outputs = _every_output(tmp_path)
    assert driver["rc"] != 0, outputs["output.txt"][-3000:]  # the proxy lets nothing through: not ready
    assert driver["authorized"] > 0, driver  # the password was used on the wire
    expected = {"output.txt", "reports/preflight.json", "reports/preflight.html", "reports/preflight.junit.xml"}
    expected.update("reports/hosts/%s.json" % host for host in hosts)
    assert expected <= set(outputs), sorted(outputs)
    report = json.loads(outputs["reports/preflight.json"])
    assert set(report["hosts"]) | set(report["unreported"]) == set(hosts)
    assert dict((name, pf.leaks(text)) for name, text in outputs.items() if pf.leaks(text)) == {}


def test_credentials_given_apart_show_nowhere(tmp_path):
    hosts = {}
    for index, form in enumerate(APART_FORMS):
        url, user, password = pf.FORMS[form]
        hosts["apart%d" % index] = {"url": url.replace(pf.PROXY, "127.0.0.1:@PROXY_PORT@"), "user": user,
                                    "password": password}
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {"hosts": hosts, "vars": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}))
    play = tmp_path / "play.yml"
    play.write_text(DIRECT_PLAY)
    driver = _namespace_run(tmp_path, [inventory], [os.path.join(BIN, "ansible-playbook"), "-vvv", "-i",
                                                    str(inventory), str(play)])
    outputs = _every_output(tmp_path)
    assert driver["authorized"] >= len(hosts), (driver, outputs["output.txt"][-3000:])
    assert outputs["output.txt"].count('"failed_stage": "proxy"') >= len(hosts)  # the proxy answered: 502
    assert dict((name, pf.leaks(text)) for name, text in outputs.items() if pf.leaks(text)) == {}
