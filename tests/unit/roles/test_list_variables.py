# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""List variables accept what people type: real lists, ``a,b``, ``a, b`` and ``[a,b]`` (what ``-e var=[a,b]``
passes); a wrong value fails with a message naming the variable and the choices. The role's argument spec lets
every form through (type raw) and its vars run them through the filter."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest
import yaml

from ansible.errors import AnsibleFilterError

from ansible_collections.arcready.network.plugins.filter.preflight_list import preflight_list
from ansible_collections.arcready.network.plugins.plugin_utils._preflight_inputs import (
    MISSING, InputError, probe_arguments,
)

ROLE = os.path.join(os.path.dirname(__file__), "..", "..", "..", "roles", "arc_preflight")
SCENARIOS = ["ssh", "wac", "sql", "esu", "telemetry", "licensing", "sql_entra"]


@pytest.mark.parametrize("typed, wanted", [
    (["sql", "esu"], ["sql", "esu"]),
    ("sql,esu", ["sql", "esu"]),
    ("ssh, esu", ["ssh", "esu"]),
    ("[sql,esu]", ["sql", "esu"]),
    ("[sql, esu]", ["sql", "esu"]),
    ("['sql', \"esu\"]", ["sql", "esu"]),
    (" sql ", ["sql"]),
    ("", []),
    ("[]", []),
    ([], []),
    (None, []),
    ("sql,,esu,", ["sql", "esu"]),
])
def test_every_typed_form_gives_the_list(typed, wanted):
    assert preflight_list(typed, "arc_scenarios", SCENARIOS) == wanted


@pytest.mark.parametrize("typed, named", [
    ("sql,esx", "esx is not one of"),
    ("[sqll, esx]", "sqll, esx are not one of"),
    (["telemetry", "nope"], "nope is not one of"),
])
def test_a_wrong_value_names_the_variable_and_the_choices(typed, named):
    with pytest.raises(AnsibleFilterError) as caught:
        preflight_list(typed, "arc_scenarios", SCENARIOS)
    message = str(caught.value)
    assert message.startswith("arc_scenarios: ") and named in message and "ssh, wac, sql" in message


def test_not_a_list_is_refused_with_the_forms_it_takes():
    with pytest.raises(AnsibleFilterError, match="arc_scenarios must be a list or a comma-separated string"):
        preflight_list({"sql": 1}, "arc_scenarios")


def _load(*parts):
    with open(os.path.join(ROLE, *parts)) as stream:
        return yaml.safe_load(stream)


@pytest.mark.parametrize("name, option, typed, wanted, wrong", [
    ("arc_scenarios", "scenarios", "[sql, esu]", ["sql", "esu"], "sql,esx"),
    ("arc_proxy_bypass", "proxy_bypass", "AAD,ARM", ["AAD", "ARM"], "AAD,Storage"),
    ("arc_probe_expected_issuers", "expected_issuers", "Contoso CA, Microsoft", ["Contoso CA", "Microsoft"], None),
])
def test_the_spec_lets_every_form_through_and_the_probe_task_checks_it(name, option, typed, wanted, wrong):
    spec = _load("meta", "argument_specs.yml")["argument_specs"]["main"]["options"][name]
    assert spec["type"] == "raw" and "choices" not in spec and "elements" not in spec
    # The role's probe task reads the variable as typed (arcready.network.preflight_probe).
    assert probe_arguments(lambda var: typed if var == name else MISSING)[option] == wanted
    if wrong:
        with pytest.raises(InputError) as caught:
            probe_arguments(lambda var: wrong if var == name else MISSING)
        assert str(caught.value).startswith(name + ": ") and "is not one of" in str(caught.value)


def test_the_report_task_reads_the_scenarios_through_the_filter():
    role_vars = _load("vars", "main.yml")
    assert "arc_scenarios | arcready.network.preflight_list('arc_scenarios'" in role_vars["__arc_preflight_scenarios"]
