# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Hints for names the probe cannot test name the playbook variables people set (arc_probe_wildcard_hosts,
arc_probe_expand_service_bus, arc_key_vault), keyed on the catalogue pattern, and never advise setting
arc_probe_expand_service_bus when it is already set."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

import pytest

from ansible_collections.arcready.network.plugins.module_utils._catalogue import SCENARIOS, build
from ansible_collections.arcready.network.plugins.plugin_utils import _report

MODULE_OPTIONS = re.compile(r"(?<!arc_probe_)\b(wildcard_hosts|expand_service_bus)\b|(?<!arc_)\bkey_vault\b")


def _column(pattern):
    return {"label": pattern, "pattern": pattern}


@pytest.mark.parametrize("pattern, parameters, says, never", [
    ("azgn*.servicebus.windows.net", {}, "set arc_probe_expand_service_bus: true", None),
    ("azgn*.servicebus.windows.net", {"expand_service_bus": True}, "arc_probe_expand_service_bus is set, yet",
     "set arc_probe_expand_service_bus"),
    ("*.blob.core.windows.net", {}, "arc_probe_wildcard_hosts", "expand_service_bus"),
    ("<azure-keyvault-name>.vault.azure.net", {}, "set arc_key_vault", None),
])
def test_hint_names_the_playbook_variable(pattern, parameters, says, never):
    hint = _report.not_probeable_hint(_column(pattern), parameters)
    assert says in hint
    assert not MODULE_OPTIONS.search(hint)
    if never:
        assert never not in hint


def test_every_not_probeable_row_of_the_catalogue_gets_a_hint_without_module_options():
    rows = [r for r in build("AzureCloud", "eastus", scenarios=SCENARIOS) if not r["probeable"]]
    assert rows
    for row in rows:
        for parameters in ({}, {"expand_service_bus": True}):
            hint = _report.not_probeable_hint({"label": row["host"], "pattern": row["pattern"]}, parameters)
            assert "arc_" in hint and not MODULE_OPTIONS.search(hint), (row["pattern"], hint)
