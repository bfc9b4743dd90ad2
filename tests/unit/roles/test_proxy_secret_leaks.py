# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""No proxy credential on the controller, for every form of proxy URL (proxy_forms.FORMS): the probe action's
result (from an engine that echoes the password everywhere it could), the preflight role's report inputs and
verdict, every report (preflight.json, hosts/<host>.json, HTML text and attributes, JUnit properties, the
summary), and the validation and status messages of arc_proxy and arc_firewall. Each output is searched for every
form of the password (proxy_forms.NEEDLES)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
from unittest import mock

import pytest
import yaml

from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import action_loader
from ansible.template import Templar

from ansible_collections.arcready.network.plugins.filter.preflight_report import FilterModule as ReportFilters
from ansible_collections.arcready.network.plugins.filter.preflight_verdict import preflight_verdict
from ansible_collections.arcready.network.plugins.filter.proxy import proxy_parse, proxy_redact
from ansible_collections.arcready.network.plugins.plugin_utils import _fleet

import proxy_forms as pf
from templating import find_task, set_fact_values, trusted

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
REPORTS = ReportFilters().filters()
FORMS = sorted(pf.FORMS)


def _yaml(*parts):
    with open(os.path.join(REPO, *parts)) as stream:
        return yaml.safe_load(stream)


def _engine_result(form):
    """A probe result from an engine that echoes the password in every field a string goes."""
    echo = pf.secret_text(form)
    endpoint = {"host": "gbl.his.arc.azure.com", "port": 443, "scheme": "https", "url": "https://gbl.his.arc.azure.com",
                "required": True, "probeable": True, "ok": False, "failed_stage": "proxy",
                "failed_reason": "proxy.auth_required", "error": "the proxy %s answered 407" % echo, "hint": echo,
                "proxy": echo, "tls_inspection": False}
    return {"changed": False, "endpoints": [endpoint], "proxy": echo, "msg": echo, "warnings": [echo],
            "proxy_source": "option", "proxy_bypass": [], "failed": True}


def _action_result(form, returned=None):
    url, user, password = pf.FORMS[form]
    args = dict(region="eastus", proxy_url=url, fail_on="required")
    if user:
        args.update(proxy_username=user, proxy_password=password)
    task = mock.MagicMock(args=args, async_val=0, check_mode=False, action="arcready.network.probe")
    connection = mock.MagicMock()
    connection._shell.SHELL_FAMILY = "sh"
    action = action_loader.get("arcready.network.probe", task=task, connection=connection,
                               play_context=mock.MagicMock(), loader=mock.MagicMock(), templar=mock.MagicMock(),
                               shared_loader_obj=mock.MagicMock())
    with mock.patch.object(action, "_execute_module", return_value=returned or _engine_result(form)):
        return action.run(task_vars={"inventory_hostname": "web01"})


def _report_action():
    return action_loader.get("arcready.network.preflight_report", task=mock.MagicMock(), connection=mock.MagicMock(),
                             play_context=mock.MagicMock(), loader=mock.MagicMock(), templar=mock.MagicMock(),
                             shared_loader_obj=mock.MagicMock())


def _role_inputs(form):
    """The inputs the report action notes for a host (every input as the role gives it, the proxy URL as typed)."""
    normalise = _report_action().__class__.__module__
    module = __import__(normalise, fromlist=["normalise_input"])
    variables = dict(_yaml("roles", "arc_preflight", "defaults", "main.yml"))
    variables.update(arc_proxy_url=pf.FORMS[form][0])
    return dict((name, module.normalise_input(name, variables[var])) for name, var in module.DEFAULT_INPUTS.items())


@pytest.mark.parametrize("form", FORMS)
def test_probe_action_result_holds_no_credential(form):
    result = _action_result(form)
    assert result["failed"] is True and result["verdict"]["failing"] == ["https://gbl.his.arc.azure.com"]
    assert pf.leaks(json.dumps(result, default=str)) == []


@pytest.mark.parametrize("form", FORMS)
def test_preflight_reports_hold_no_credential(form):
    result = _action_result(form)
    inputs = _role_inputs(form)
    url = pf.FORMS[form][0]
    verdict = preflight_verdict(result, "required", "web01", "/r/preflight.html", url)
    # A host whose module failed before probing, with a message that echoes the URL: the probe action masks it,
    # and the report action takes it as the host's reason for having no result.
    failed = _action_result(form, {"failed": True, "msg": pf.secret_text(form), "rc": 1})
    parameters = dict(inputs, cloud="AzureCloud", region="eastus", proxy_url=url)
    module = __import__(_report_action().__class__.__module__, fromlist=["normalise_input"])
    parameters["proxy_url"] = module.normalise_input("proxy_url", url)
    doc = _fleet.build({"web01": (result, inputs)}, {"web02": failed["msg"]}, parameters)
    outputs = dict((path, text) for path, text in _fleet.files(doc) if text is not None)
    outputs.update(inputs=json.dumps(inputs), verdict=json.dumps(verdict),
                   summary=json.dumps(REPORTS["preflight_summary"](doc)))
    assert "hosts/web01.json" in outputs and "preflight.junit.xml" in outputs
    assert "proxy.example" in outputs["preflight.html"] or form.endswith("spaces in host")
    assert dict((name, pf.leaks(text)) for name, text in outputs.items() if pf.leaks(text)) == {}


@pytest.mark.parametrize("form", FORMS)
def test_proxy_filters_hold_no_credential(form):
    url, user, password = pf.FORMS[form]
    parts = proxy_parse(url, user, password, option="arc_proxy_url")
    assert (parts["error"] is None) is parts["valid"]
    assert parts["valid"] or parts["error"].startswith("arc_proxy_url: ")
    shown = [json.dumps(parts), proxy_redact(url, url, user, password),
             proxy_redact(pf.secret_text(form), url, user, password)]
    if not user:
        shown.append(proxy_redact(url))  # the URL alone, as the roles pass it
    assert [text for text in shown if pf.leaks(text)] == []


# ------------------------------------------------------------------ arc_proxy and arc_firewall messages

def _role_templar(role, **overrides):
    variables = {"ansible_facts": {"system": "Linux", "os_family": "Debian"}, "inventory_hostname": "web01",
                 "arc_cloud": "AzureCloud", "arc_region": "eastus"}
    variables.update(_yaml("roles", role, "defaults", "main.yml"))
    variables.update(_yaml("roles", role, "vars", "main.yml"))
    variables.update(overrides)
    return Templar(loader=DataLoader(), variables=trusted(variables))


def _true(templar, expression):
    return bool(templar.template(trusted("{{ (%s) | bool }}" % expression)))


def _shown_messages(templar, tasks, skip_names=()):
    """The messages these tasks would print: the fail_msg of each assert that fails, the msg of each debug, in
    order, as Ansible would evaluate them (when, then that), block vars included."""
    shown = []
    for task in tasks:
        if "block" in task:
            inner = Templar(loader=DataLoader(), variables=dict(templar.available_variables,
                                                                **trusted(task.get("vars") or {})))
            if all(_true(inner, w) for w in _as_list(task.get("when"))):
                shown.extend(_shown_messages(inner, task["block"], skip_names))
            continue
        if task.get("name") in skip_names:
            continue
        local = Templar(loader=DataLoader(), variables=dict(templar.available_variables,
                                                            **trusted(task.get("vars") or {})))
        if not all(_true(local, w) for w in _as_list(task.get("when"))):
            continue
        if "ansible.builtin.assert" in task:
            spec = task["ansible.builtin.assert"]
            if not all(_true(local, that) for that in _as_list(spec["that"])):
                shown.append(local.template(trusted(spec["fail_msg"])))
                break  # a failed assert stops the host
        elif "ansible.builtin.debug" in task:
            shown.append(local.template(trusted(task["ansible.builtin.debug"]["msg"])))
    return shown


def _as_list(value):
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


@pytest.mark.parametrize("allow", [False, True])
@pytest.mark.parametrize("form", [f for f in FORMS if not pf.FORMS[f][1]])
def test_arc_proxy_validation_and_status_messages_hold_no_credential(form, allow):
    url = pf.FORMS[form][0]
    templar = _role_templar("arc_proxy", arc_proxy_url=url, arc_proxy_allow_unsupported=allow,
                            __arc_proxy_agent="", __arc_proxy_agent_version="",
                            __arc_proxy_environment_file="/etc/default/arc-proxy")
    shown = _shown_messages(templar, _yaml("roles", "arc_proxy", "tasks", "linux", "validate.yml"))
    # Every URL here carries credentials: without allow_unsupported one of the checks refuses it, with it the
    # role warns (or refuses a URL it cannot use at all).
    assert shown and all("arc_proxy_url '" in text for text in shown), shown
    status = find_task(_yaml("roles", "arc_proxy", "tasks", "linux", "main.yml"), "Report what arc_proxy did")
    shown.append(templar.template(trusted(status["ansible.builtin.debug"]["msg"])))
    assert [text for text in shown if pf.leaks(text)] == []


@pytest.mark.parametrize("form", [f for f in FORMS if not pf.FORMS[f][1]])
def test_arc_firewall_proxy_message_holds_no_credential(form):
    url = pf.FORMS[form][0]
    templar = _role_templar("arc_firewall", arc_firewall_proxy_url=url)
    task = find_task(_yaml("roles", "arc_firewall", "tasks", "linux", "validate.yml"), "Check arc_firewall_proxy_url")
    message = templar.template(trusted(task["ansible.builtin.assert"]["fail_msg"]))
    assert "arc_firewall_proxy_url '" in message and pf.leaks(message) == []
