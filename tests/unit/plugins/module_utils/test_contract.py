# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""_contract.py: the reason codes are one closed set, written the same in the code, the module's RETURN and
docs/result_contract.md; check_result catches what breaks the contract; the module budget formula."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest
import yaml

from ansible_collections.arcready.network.plugins.module_utils import _contract
from ansible_collections.arcready.network.plugins.module_utils._probe import new_result
from ansible_collections.arcready.network.plugins.modules import probe as probe_module

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))))
DOC = os.path.join(REPO, "docs", "result_contract.md")


def _doc():
    with open(DOC) as stream:
        return stream.read()


def test_codes_are_dotted_and_belong_to_their_stages():
    for code, (stages, meaning) in _contract.REASONS.items():
        prefix = code.split(".", 1)[0]
        assert re.match(r"^[a-z_]+\.[a-z_]+$", code), code
        assert set(stages) <= set(_contract.STAGES) and stages, code
        assert prefix in _contract.STAGES or stages == _contract.STAGES, code
        assert meaning and meaning[0].islower(), code


def test_every_code_is_in_the_doc_and_in_return():
    doc_codes = set(re.findall(r"^\| `([a-z_]+\.[a-z_]+)` \|", _doc(), re.M))
    assert doc_codes == set(_contract.REASONS)
    returned = yaml.safe_load(probe_module.RETURN)["endpoints"]["contains"]["failed_reason"]["description"][1]
    assert set(re.findall(r"V\(([a-z_]+\.[a-z_]+)\)", returned)) == set(_contract.REASONS)


def test_every_field_is_in_the_doc_and_in_return():
    doc_fields = re.findall(r"^\| `([a-z_]+)` \| [a-z]", _doc(), re.M)
    assert doc_fields[:len(_contract.RESULT_FIELDS)] == list(_contract.RESULT_FIELDS)
    returned = yaml.safe_load(probe_module.RETURN)["endpoints"]["contains"]
    assert set(_contract.RESULT_FIELDS) <= set(returned), set(_contract.RESULT_FIELDS) - set(returned)


def _result(**fields):
    result = new_result({"host": "h.example", "port": 443})
    result.update(fields)
    return result


@pytest.mark.parametrize("fields, problems", [
    ({"ok": True}, []),
    ({}, ["failed_stage None is not one of input, dns, private_link, tcp, proxy, tls, tls_inspection, http",
          "failed_reason None is not a documented code"]),
    ({"failed_stage": "tcp", "failed_reason": "tcp.refused"}, []),
    ({"failed_stage": "http", "failed_reason": "deadline.exceeded"}, []),
    ({"failed_stage": "tls", "failed_reason": "tcp.refused"}, ["failed_reason 'tcp.refused' cannot be reported in "
                                                               "stage 'tls'"]),
    ({"failed_stage": "tcp", "failed_reason": "tcp.bogus"}, ["failed_reason 'tcp.bogus' is not a documented code"]),
    ({"ok": True, "failed_stage": "tcp", "failed_reason": "tcp.refused"},
     ["an ok or not probed result has failed_stage 'tcp' / failed_reason 'tcp.refused'"]),
    ({"probeable": False}, []),
])
def test_check_result(fields, problems):
    assert _contract.check_result(_result(**fields)) == problems


def test_check_result_names_missing_fields():
    result = _result(ok=True)
    del result["elapsed_ms"], result["failed_reason"]
    assert _contract.check_result(result) == ["missing fields: failed_reason, elapsed_ms"]


@pytest.mark.parametrize("args, budget", [
    ((20, 20, 10), 1 * 10 + _contract.START_UP),
    ((21, 20, 10), 2 * 10 + _contract.START_UP),
    ((2000, 20, 4), 100 * 4 + _contract.START_UP),
    ((10, 100000, 4), 1 * 4 + _contract.START_UP),  # workers capped, never more than one batch here
    ((20, 20, 10, True), (-(-520 // 20) + 1) * 10 + _contract.START_UP),
    ((20, 20, 10, False, True), 2 * 10 + _contract.START_UP),  # + the HIS discovery request
    ((20, 20, 10, True, True), (-(-520 // 20) + 2) * 10 + _contract.START_UP),
])
def test_module_budget(args, budget):
    assert _contract.module_budget(*args) == budget
