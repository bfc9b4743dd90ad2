# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""arcready.network.preflight_probe, the arc_preflight role's one task per host: it reads the role's variables
into the probe's options (the same arguments arcready.network.probe sends for the same options), bounds the probe
and the agent's check each by its own limit, and runs the agent's check over the plain command channel."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import time
from unittest import mock

import pytest
import yaml

from ansible.plugins.loader import action_loader

from ansible_collections.arcready.network.plugins.action import preflight_probe
from ansible_collections.arcready.network.plugins.plugin_utils import _agent_drift, _preflight_inputs
from ansible_collections.arcready.network.plugins.plugin_utils._probe_args import module_arguments

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))))
ROLE = os.path.join(REPO, "roles", "arc_preflight")


def _yaml(*parts):
    with open(os.path.join(ROLE, *parts)) as stream:
        return yaml.safe_load(stream)


def role_defaults(**overrides):
    variables = dict(_yaml("defaults", "main.yml"))
    variables.update(overrides)
    return variables


def _action(args=None, shell_family="sh", timeout=None, use_tty=True):
    task = mock.MagicMock()
    task.args = args or {}
    task.async_val = 0
    task.check_mode = False
    task.timeout = timeout
    task.action = "arcready.network.preflight_probe"
    connection = mock.MagicMock()
    connection._shell.SHELL_FAMILY = shell_family
    options = {"use_tty": use_tty} if use_tty is not None else {}

    def get_option(name):
        if name not in options:
            raise KeyError(name)
        return options[name]

    connection.get_option.side_effect = get_option
    connection.set_option.side_effect = options.__setitem__
    connection.options = options
    templar = mock.MagicMock()
    templar.template.side_effect = lambda value: value  # role defaults are plain values
    return action_loader.get("arcready.network.preflight_probe", task=task, connection=connection,
                             play_context=mock.MagicMock(), loader=mock.MagicMock(), templar=templar,
                             shared_loader_obj=mock.MagicMock())


PROBED = {"changed": False, "endpoints": [], "proxy": None}
NO_AGENT = {"rc": 127, "stdout": "", "stderr": ""}


def _run(action, variables, returned=PROBED, agent=NO_AGENT):
    with mock.patch.object(action, "_execute_module", return_value=dict(returned)) as execute, \
            mock.patch.object(action, "_low_level_execute_command", return_value=dict(agent)) as command:
        result = action.run(task_vars=dict(variables, inventory_hostname="web01"))
    return result, execute, command


def test_the_role_defaults_give_what_the_probe_action_sends_for_the_same_options():
    action = _action()
    assert isinstance(action, preflight_probe.ActionModule)
    result, execute, _command = _run(action, role_defaults(arc_region="westeurope", arc_scenarios="sql,esu"))
    assert result["failed"] is False and result["changed"] is False
    options = {"cloud": "AzureCloud", "region": "westeurope", "edition": "2026-06", "scenarios": ["sql", "esu"],
               "stage": "install", "private_link": False, "esu_only": False, "auto_upgrade": False,
               "wildcard_hosts": {}, "expand_service_bus": False, "discover_his": True, "timeout": 5.0,
               "workers": 20, "proxy_url": "auto", "resolve": {}, "min_tls_version": "1.2"}
    assert execute.call_args.kwargs["module_name"] == "arcready.network.probe"
    assert execute.call_args.kwargs["module_args"] == module_arguments(options)


def test_an_unset_region_is_eastus_and_explicit_endpoints_replace_the_catalogue():
    _result, execute, _command = _run(_action(), role_defaults())
    assert execute.call_args.kwargs["module_args"]["region"] == "eastus"
    endpoints = [{"host": "a.example", "port": 443}]
    _result, execute, _command = _run(_action(), role_defaults(arc_probe_endpoints=endpoints))
    sent = execute.call_args.kwargs["module_args"]
    assert sent["endpoints"] == endpoints and "region" not in sent


def test_templated_variables_go_through_the_templar():
    action = _action()
    action._templar.template.side_effect = lambda value: "northeurope" if value == "{{ where }}" else value
    _result, execute, _command = _run(action, role_defaults(arc_region="{{ where }}"))
    assert execute.call_args.kwargs["module_args"]["region"] == "northeurope"


@pytest.mark.parametrize("name, value, said", [
    ("arc_scenarios", "sql,esx", "arc_scenarios: esx is not one of"),
    ("arc_private_link", "maybe", "arc_private_link must be true or false"),
    ("arc_probe_timeout", "soon", "arc_probe_timeout must be a number"),
    ("arc_probe_workers", None, "arc_probe_workers must be a number"),
    ("arc_probe_resolve", ["a"], "arc_probe_resolve must be a dictionary"),
    ("arc_probe_task_timeout", -3, "arc_probe_task_timeout must be 0"),
    ("arc_agent_check_timeout", 0, "arc_agent_check_timeout must be at least 1"),
    ("arc_probe_endpoints", "a.example", "arc_probe_endpoints must be a list"),
    ("arc_cloud", "AzureUSGovernment", "closest first: usgov"),
])
def test_a_bad_variable_fails_naming_it_before_the_module_runs(name, value, said):
    result, execute, command = _run(_action(), role_defaults(**{name: value}))
    execute.assert_not_called()
    command.assert_not_called()
    assert result["failed"] is True and said in result["msg"], result["msg"]


def test_a_proxy_password_in_a_bad_input_is_masked():
    result, _execute, _command = _run(_action(), role_defaults(arc_proxy_url="http://arc:S3cr3tPw@proxy:3128",
                                                               arc_proxy_bypass="Arc,S3cr3tPw"))
    assert result["failed"] is True and "arc_proxy_bypass: " in result["msg"]
    assert "S3cr3tPw" not in result["msg"] and "********" in result["msg"]


def test_options_are_refused_naming_them():
    result, execute, _command = _run(_action({"region": "eastus", "timeout": 2}), role_defaults())
    execute.assert_not_called()
    assert result["failed"] is True and "takes no options (region, timeout given)" in result["msg"]


def test_the_verdict_is_left_to_the_role():
    failing = {"endpoints": [{"host": "a.example", "port": 443, "scheme": "https", "url": "https://a.example",
                              "required": True, "probeable": True, "ok": False, "failed_stage": "tcp",
                              "failed_reason": "tcp.refused", "error": "refused"}], "proxy": None}
    result, execute, _command = _run(_action(), role_defaults(arc_fail_on="any"), returned=failing)
    assert "fail_on" not in execute.call_args.kwargs["module_args"]
    assert result["failed"] is False and result["verdict"]["fail_on"] == "never"
    assert result["summary"]["required_failed"] == 1


# ------------------------------------------------------------------ the agent's own check

def test_the_agent_check_runs_over_the_command_channel_without_a_tty():
    action = _action()
    seen = []

    def _command(cmd, sudoable=True, executable=None):
        seen.append((cmd, executable, action._connection.options["use_tty"]))
        return {"rc": 0, "stdout": "{}", "stderr": "arc-agent-check: /opt/azcmagent/bin/azcmagent\n"}

    with mock.patch.object(action, "_execute_module", return_value=dict(PROBED)), \
            mock.patch.object(action, "_low_level_execute_command", side_effect=_command):
        result = action.run(task_vars=role_defaults(arc_region="West Europe", arc_cloud="AzureCloud"))
    [(cmd, executable, tty)] = seen
    assert executable == "/bin/sh" and tty is False
    assert action._connection.options["use_tty"] is True  # restored
    assert "check --location westeurope --cloud AzureCloud --json" in cmd
    assert result["agent_check"] == {"rc": 0, "stdout": "{}",
                                     "stderr": "arc-agent-check: /opt/azcmagent/bin/azcmagent\n"}


@pytest.mark.parametrize("variables, location", [
    ({"arc_region": "West Europe"}, "westeurope"),     # as the catalogue names it
    ({"arc_region": "westeurope", "arc_probe_endpoints": [{"host": "a.example"}]}, "westeurope"),  # no region sent
    ({"arc_region": "", "arc_probe_endpoints": [{"host": "a.example"}]}, "eastus"),
])
def test_the_agent_check_asks_for_the_region_of_the_run(variables, location):
    _result, execute, command = _run(_action(), role_defaults(**variables))
    assert "check --location %s --cloud AzureCloud --json" % location in command.call_args.args[0]


@pytest.mark.parametrize("variables, returned, shell_family", [
    ({"arc_agent_check": False}, PROBED, "sh"),
    ({"arc_agent_check": "no"}, PROBED, "sh"),
    ({}, {"failed": True, "msg": "module failure"}, "sh"),   # no probe result: nothing to compare with
    ({}, PROBED, "powershell"),
])
def test_the_agent_check_is_skipped(variables, returned, shell_family):
    result, _execute, command = _run(_action(shell_family=shell_family), role_defaults(**variables), returned)
    command.assert_not_called()
    assert "agent_check" not in result


def test_a_connection_without_a_tty_option_is_left_alone():
    result, _execute, command = _run(_action(use_tty=None), role_defaults())
    command.assert_called_once()
    assert result["agent_check"]["rc"] == 127


def test_an_agent_check_that_hangs_is_cut_off_and_the_probe_result_kept():
    action = _action()

    def _hang(*_args, **_kwargs):
        time.sleep(5)

    started = time.monotonic()
    with mock.patch.object(action, "_execute_module", return_value=dict(PROBED)), \
            mock.patch.object(action, "_low_level_execute_command", side_effect=_hang):
        result = action.run(task_vars=role_defaults(arc_agent_check_timeout=1))
    assert time.monotonic() - started < 4
    assert result["failed"] is False and result["endpoints"] == []
    assert result["agent_check"]["rc"] is None and result["agent_check"]["timedout"] == {"period": 1}
    assert _agent_drift.from_check(result["agent_check"], []) is None


def test_the_wrapper_names_the_agent_and_says_127_without_one(tmp_path):
    agent = tmp_path / "azcmagent"
    agent.write_text('#!/bin/sh\nprintf "%s\\n" "$*"\n')
    agent.chmod(0o755)
    hostile = "east us'; touch %s; '" % (tmp_path / "pwned")
    command = _preflight_inputs.agent_check_command(hostile, "AzureCloud", paths=(str(tmp_path / "none"), str(agent)))
    done = subprocess.run(["/bin/sh", "-c", command], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                          universal_newlines=True)
    assert done.returncode == 0
    assert done.stdout == "check --location %s --cloud AzureCloud --json\n" % hostile
    assert done.stderr == "%s%s\n" % (_agent_drift.AGENT_MARK, agent)
    assert not (tmp_path / "pwned").exists()
    command = _preflight_inputs.agent_check_command("eastus", "AzureCloud", paths=(str(tmp_path / "none"),))
    assert subprocess.run(["/bin/sh", "-c", command]).returncode == _agent_drift.NO_AGENT


# ------------------------------------------------------------------ the probe's time limit

def test_a_probe_that_runs_past_its_limit_is_stopped_and_says_so():
    action = _action()

    def _slow(**_kwargs):
        time.sleep(5)

    started = time.monotonic()
    with mock.patch.object(action, "_execute_module", side_effect=_slow), \
            mock.patch.object(action, "_low_level_execute_command") as command:
        result = action.run(task_vars=role_defaults(arc_probe_task_timeout=1))
    assert time.monotonic() - started < 4
    command.assert_not_called()
    assert result["failed"] is True and result["timedout"] == {"period": 1}
    assert "time limit of 1 s" in result["msg"]


def test_the_default_limit_is_the_budget_for_the_endpoints_and_a_task_timeout_wins():
    limits = []
    real = preflight_probe._alarm.limit

    def _record(seconds):
        limits.append(seconds)
        return real(seconds)

    with mock.patch.object(preflight_probe._alarm, "limit", side_effect=_record):
        _run(_action(), role_defaults(arc_agent_check=False))
        _run(_action(timeout=30), role_defaults(arc_agent_check=False))
    count = len(module_arguments({"region": "eastus"})["endpoints"])
    assert limits == [preflight_probe._verdict.task_timeout(count, 5, 20, False), 0]


# ------------------------------------------------------------------ the role

def test_the_role_runs_one_task_per_host_before_its_run_once_tasks():
    tasks = _yaml("tasks", "main.yml")
    per_host = [t["name"] for t in tasks if not t.get("run_once") and "import_tasks" not in str(t)]
    assert per_host == [tasks[0]["name"], tasks[-1]["name"]]  # the probe, and the verdict after the reports
    assert tasks[0]["arcready.network.preflight_probe"] == {} and tasks[0]["register"] == "__arc_preflight_probe"
    assert "arc_preflight_verdict" in tasks[-1]["tags"]
    report_tasks = _yaml("tasks", "report.yml")
    assert all(t.get("run_once") for t in report_tasks)
