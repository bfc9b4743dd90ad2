# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The probe action plugin: the catalogue is expanded on the controller into the explicit endpoints list that both
module implementations (probe.py on Linux, probe.ps1 on Windows) receive, and Ansible picks the .ps1 for hosts
reached over WinRM or PSRP."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
from unittest import mock

import pytest
import yaml

from ansible._internal._errors import _captured
from ansible.plugins.connection.psrp import Connection as PsrpConnection
from ansible.plugins.connection.winrm import Connection as WinrmConnection
from ansible.plugins.loader import action_loader, module_loader

from ansible_collections.arcready.network.plugins.action import probe as probe_action
from ansible_collections.arcready.network.plugins.action.probe import ENDPOINT_KEYS, expand
from ansible_collections.arcready.network.plugins.module_utils._catalogue import (
    CLOUDS, SCENARIOS, CatalogueError, build, regions,
)
from ansible_collections.arcready.network.plugins.module_utils._his_probe import mark as mark_his
from ansible_collections.arcready.network.plugins.module_utils._probe import DEFAULT_EXPECTED_ISSUERS
from ansible_collections.arcready.network.plugins.modules import probe as probe_module

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))))


def documented_endpoint_options():
    return yaml.safe_load(probe_module.DOCUMENTATION)["options"]["endpoints"]["suboptions"]


# ------------------------------------------------------------------ expand()

@pytest.mark.parametrize("cloud", CLOUDS)
def test_catalogue_rows_become_endpoints_with_the_module_keys(cloud):
    region = regions(cloud)[0]
    args = expand({"cloud": cloud, "region": region, "scenarios": list(SCENARIOS)})
    rows = mark_his(build(cloud, region, scenarios=SCENARIOS), cloud, region)
    assert len(args["endpoints"]) == len(rows) > 0
    for endpoint, row in zip(args["endpoints"], rows):
        assert tuple(endpoint) == ENDPOINT_KEYS
        assert endpoint == dict((key, row[key]) for key in ENDPOINT_KEYS)
    # Every key is an option of the endpoints suboptions, so AnsibleModule and Ansible.Basic both accept them.
    assert set(ENDPOINT_KEYS) == set(documented_endpoint_options())
    # The other arguments reach the module unchanged.
    assert (args["cloud"], args["region"], args["scenarios"]) == (cloud, region, list(SCENARIOS))


def test_endpoint_values_have_the_documented_types():
    python_types = {"str": str, "int": int, "bool": bool, "list": list}
    documented = documented_endpoint_options()
    for endpoint in expand({"region": "eastus", "scenarios": list(SCENARIOS)})["endpoints"]:
        for key, value in endpoint.items():
            if value is None:
                assert not documented[key].get("required"), key
                continue
            assert isinstance(value, python_types[documented[key]["type"]]), (key, value)
            if "choices" in documented[key]:
                assert value in documented[key]["choices"], (key, value)


def test_wildcards_are_sent_as_not_probeable_rows():
    endpoints = expand({"region": "eastus"})["endpoints"]
    wildcards = [e for e in endpoints if "*" in e["host"]]
    assert wildcards and all(e["probeable"] is False and e["reason"] for e in wildcards)
    assert all(e["probeable"] is True for e in endpoints if "*" not in e["host"])


def test_strings_from_surveys_are_typed_before_the_catalogue_sees_them():
    args = expand({"region": "westeurope", "scenarios": "sql", "private_link": "yes", "stage": "connect"})
    assert args["endpoints"] == [dict((k, r[k]) for k in ENDPOINT_KEYS)
                                 for r in mark_his(build("AzureCloud", "westeurope", scenarios=["sql"],
                                                         stage="connect", private_link=True),
                                                   "AzureCloud", "westeurope")]


def test_wildcard_hosts_reach_the_catalogue():
    args = expand({"region": "eastus", "wildcard_hosts": {"*.blob.core.windows.net": ["acct.blob.core.windows.net"]}})
    hosts = [e["host"] for e in args["endpoints"]]
    assert "acct.blob.core.windows.net" in hosts and "*.blob.core.windows.net" not in hosts


def test_explicit_endpoints_pass_through_untouched():
    given = [{"host": "x.example", "port": 8443}, {"host": "www.microsoft.com", "port": 80, "scheme": "http"}]
    args = expand({"endpoints": given, "region": "nowhere", "timeout": 3})
    assert args == {"endpoints": given, "region": "nowhere", "timeout": 3}


def test_the_task_arguments_are_not_modified():
    task_args = {"region": "eastus"}
    expand(task_args)
    assert task_args == {"region": "eastus"}


def test_bad_region_names_the_closest_choices():
    with pytest.raises(CatalogueError) as caught:
        expand({"cloud": "AzureUSGovernment", "region": "eastus"})
    message = str(caught.value)
    assert message.startswith("unknown region for AzureUSGovernment 'eastus'; valid choices, closest first: usgov")
    assert "set cloud=AzureCloud" in message


def test_unlisted_region_is_accepted_with_a_warning():
    warnings = []
    args = expand({"region": "eastuss"}, warnings)
    assert args["endpoints"], "an unlisted region still yields its endpoints"
    assert len(warnings) == 1 and "closest: eastus" in warnings[0] and "accepted as eastuss" in warnings[0]


def test_bad_cloud_and_scenario():
    with pytest.raises(CatalogueError, match="unknown cloud 'AzureMoon'"):
        expand({"cloud": "AzureMoon", "region": "eastus"})
    with pytest.raises(CatalogueError, match="unknown scenario 'sqll'; valid choices, closest first: sql"):
        expand({"region": "eastus", "scenarios": ["sqll"]})


def test_neither_region_nor_endpoints():
    with pytest.raises(CatalogueError, match="one of the following is required: region, endpoints"):
        expand({"endpoints": []})


# ------------------------------------------------------------------ ActionModule.run()

def _action(args, shell_family="sh"):
    task = mock.MagicMock()
    task.args = args
    task.async_val = 0
    task.check_mode = False
    task.action = "arcready.network.probe"
    connection = mock.MagicMock()
    connection._shell.SHELL_FAMILY = shell_family
    return action_loader.get("arcready.network.probe", task=task, connection=connection,
                             play_context=mock.MagicMock(), loader=mock.MagicMock(), templar=mock.MagicMock(),
                             shared_loader_obj=mock.MagicMock())


@pytest.mark.parametrize("shell_family", ["sh", "powershell"])
def test_run_sends_the_expanded_list_whatever_the_host(shell_family):
    action = _action({"region": "eastus", "timeout": 2}, shell_family)
    assert isinstance(action, probe_action.ActionModule)
    with mock.patch.object(action, "_execute_module", return_value={"changed": False, "endpoints": []}) as execute:
        result = action.run(task_vars={})
    assert result["summary"]["total"] == 0
    kwargs = execute.call_args.kwargs
    assert kwargs["module_name"] == "arcready.network.probe"
    assert kwargs["module_args"] == dict(expand({"region": "eastus", "timeout": 2}),
                                         expected_issuers=list(DEFAULT_EXPECTED_ISSUERS))


def test_run_fails_on_a_bad_region_without_running_the_module():
    action = _action({"cloud": "AzureUSGovernment", "region": "eastus"})
    with mock.patch.object(action, "_execute_module") as execute:
        result = action.run(task_vars={})
    execute.assert_not_called()
    assert result["failed"] is True and result["changed"] is False
    assert "closest first: usgov" in result["msg"]


# ------------------------------------------------------------------ which implementation runs where

def test_windows_connections_prefer_the_powershell_module():
    assert WinrmConnection.module_implementation_preferences[0] == ".ps1"
    assert PsrpConnection.module_implementation_preferences[0] == ".ps1"


def test_the_module_loader_finds_both_implementations():
    ps1 = module_loader.find_plugin_with_context("arcready.network.probe", mod_type=".ps1")
    py = module_loader.find_plugin_with_context("arcready.network.probe", mod_type=".py")
    assert ps1.resolved and py.resolved
    assert os.path.realpath(ps1.plugin_resolved_path) == os.path.join(REPO, "plugins", "modules", "probe.ps1")
    assert os.path.realpath(py.plugin_resolved_path) == os.path.join(REPO, "plugins", "modules", "probe.py")


@pytest.mark.parametrize("shell_family, expected", [("sh", (".py", "")), ("powershell", (".ps1", ".exe", ""))])
def test_run_pins_the_implementation_for_the_shell_and_restores_it(shell_family, expected):
    action = _action({"region": "eastus"}, shell_family)
    original = (".ps1", ".exe", "") if shell_family == "powershell" else ("",)
    action._connection.module_implementation_preferences = original
    seen = []

    def _record(**kwargs):
        seen.append(tuple(action._connection.module_implementation_preferences))
        return {"changed": False}

    with mock.patch.object(action, "_execute_module", side_effect=_record):
        action.run(task_vars={})
    assert seen == [expected]
    assert action._connection.module_implementation_preferences == original


def test_the_first_preference_of_a_posix_connection_resolves_to_python():
    # Without the pin, a connection preferring no suffix can resolve to the .ps1 (the bug the action avoids).
    py = module_loader.find_plugin_with_context("arcready.network.probe", mod_type=".py")
    assert py.plugin_resolved_path.endswith("probe.py")


# ------------------------------------------------------------------ the controller's meaning after the module

def _endpoint(host, ok, stage=None, reason=None, required=True, **fields):
    ep = {"host": host, "port": 443, "scheme": "https", "url": "https://" + host, "required": required,
          "probeable": True, "ok": ok, "failed_stage": stage, "failed_reason": reason,
          "error": None if ok else "%s of %s failed" % (stage, host), "proxy": None, "private": False,
          "tls_inspection": False, "tls_version": "TLSv1.3" if ok else None}
    ep.update(fields)
    return ep


ENDPOINTS = [_endpoint("a.example", True), _endpoint("b.example", False, "tcp", "tcp.refused"),
             _endpoint("c.example", False, "dns", "dns.nxdomain", required=False)]

# What an engine may return: its own (stale or missing) summary/table/verdict, which the controller replaces.
# fail_on, module's failed/msg, expected failed, expected failing
FLOW = [
    ("required", True, True, ["https://b.example"]),
    ("required", False, True, ["https://b.example"]),   # an engine that no longer decides: the controller does
    ("any", False, True, ["https://b.example", "https://c.example"]),
    ("never", True, False, []),
    (None, True, True, ["https://b.example"]),           # the module's default
]


@pytest.mark.parametrize("fail_on, module_failed, failed, failing", FLOW)
def test_the_action_computes_summary_table_and_verdict(fail_on, module_failed, failed, failing):
    args = {"region": "eastus"}
    if fail_on:
        args["fail_on"] = fail_on
    action = _action(args)
    returned = {"changed": False, "endpoints": ENDPOINTS, "summary": {"total": 99}, "table": "stale",
                "failed": module_failed, "msg": "engine's own sentence", "proxy": None}
    with mock.patch.object(action, "_execute_module", return_value=returned) as execute:
        result = action.run(task_vars={"inventory_hostname": "web01"})
    sent = execute.call_args.kwargs["module_args"]
    assert "fail_on" not in sent  # the verdict stays on the controller
    assert result["failed"] is failed
    assert result["summary"] == {"total": 3, "ok": 1, "failed": 2, "required_failed": 1, "not_probeable": 0,
                                 "tls_inspection": 0}
    assert result["table"].splitlines()[0].split() == ["ENDPOINT", "|", "REACHABLE", "|", "PRIVATE", "|", "TLS",
                                                       "|", "PROXY"]
    assert "false (tcp.refused)" in result["table"]
    assert result["verdict"]["failing"] == failing
    assert result["verdict"]["status"] == ("not_ready" if fail_on != "any" or failing else "ready")
    assert result["msg"] != "engine's own sentence"
    assert ("unreachable from web01: b.example:443 (tcp)" in result["msg"]) is failed


def test_the_action_sends_the_defaults_the_engines_used_to_copy():
    action = _action({"region": "East US 2", "proxy_bypass": ["Arc"]})
    with mock.patch.object(action, "_execute_module", return_value={"endpoints": []}) as execute:
        action.run(task_vars={})
    sent = execute.call_args.kwargs["module_args"]
    assert sent["expected_issuers"] == list(DEFAULT_EXPECTED_ISSUERS)
    assert sent["region"] == "eastus2"
    assert sent["proxy_bypass"] == ["Arc"]
    assert all(set(ep) == set(ENDPOINT_KEYS) for ep in sent["endpoints"])
    # The user's own issuers win.
    action = _action({"region": "eastus", "expected_issuers": ["Contoso CA"]})
    with mock.patch.object(action, "_execute_module", return_value={"endpoints": []}) as execute:
        action.run(task_vars={})
    assert execute.call_args.kwargs["module_args"]["expected_issuers"] == ["Contoso CA"]


def test_warnings_are_computed_with_codes_and_shown():
    action = _action({"region": "eastus", "proxy_url": "http://proxy.example:3128", "proxy_username": "arc",
                      "proxy_password": "S3cr/t"})
    inspected = _endpoint("a.example", False, "tls_inspection", "tls_inspection.reissued", tls_inspection=True,
                          proxy="http://********@proxy.example:3128")
    returned = {"endpoints": [inspected], "proxy": "http://********@proxy.example:3128",
                "warnings": ["an engine warning"]}
    with mock.patch.object(action, "_execute_module", return_value=returned):
        result = action.run(task_vars={})
    assert [w["code"] for w in result["verdict"]["warnings"]] == ["proxy.credentials", "tls_inspection.detected"]
    assert result["warnings"][0] == "an engine warning" and len(result["warnings"]) == 3


def test_a_module_failure_without_results_is_kept_and_masked():
    action = _action({"region": "eastus", "proxy_url": "arc:Pa/ss#w@rd@proxy.example:3128"})
    returned = {"failed": True, "msg": "proxy_url: could not use arc:Pa/ss#w@rd@proxy.example:3128", "rc": 1}
    # What Ansible 2.19 makes of a module failure: a captured error repeating the message.
    _captured.AnsibleModuleCapturedError.normalize_result_exception(returned)
    assert "Pa/ss" in returned["exception"].event.msg
    with mock.patch.object(action, "_execute_module", return_value=returned):
        result = action.run(task_vars={})
    assert result["failed"] is True and "summary" not in result and "verdict" not in result
    assert "exception" not in result  # Ansible rebuilds it from the masked msg
    assert "Pa/ss" not in result["msg"] and "w@rd" not in result["msg"] and "proxy.example:3128" in result["msg"]


@pytest.mark.parametrize("fail_on", ["sometimes", ["required"]])
def test_a_bad_fail_on_fails_before_the_module_runs(fail_on):
    action = _action({"region": "eastus", "fail_on": fail_on})
    with mock.patch.object(action, "_execute_module") as execute:
        result = action.run(task_vars={})
    execute.assert_not_called()
    assert result["failed"] is True and "fail_on must be one of required, any, never" in result["msg"]
