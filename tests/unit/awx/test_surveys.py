# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The AWX survey specs (awx/surveys/*.json) against AWX's survey format and the roles' argument specs.

Each question's variable must be an option of the roles its job template runs, its choices must be values the
role accepts, and the answers AWX would send (defaults, and every single choice) must pass the role's argument
spec validation, which is what the role runs first. Roles that do not exist yet (the prepare roles are being
written) are skipped with a message naming them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SURVEYS = os.path.join(REPO, "awx", "surveys")
TYPES = ("text", "textarea", "password", "integer", "float", "multiplechoice", "multiselect")
# Job template -> the roles whose argument specs its survey feeds.
ROLES = {
    "preflight": ["arc_preflight"],
    # playbooks/prepare.yml runs the preflight last, which takes the fleet-wide answers (arc_private_link ...).
    "prepare": ["arc_proxy", "arc_tls", "arc_firewall", "arc_preflight"],
}


def _survey(name):
    with open(os.path.join(SURVEYS, name + ".json")) as stream:
        return json.load(stream)


def _spec(role):
    path = os.path.join(REPO, "roles", role, "meta", "argument_specs.yml")
    assert os.path.exists(path), "roles/%s/meta/argument_specs.yml is missing" % role
    with open(path) as stream:
        return yaml.safe_load(stream)["argument_specs"]["main"]["options"]


def _choices(question):
    choices = question.get("choices") or []
    if isinstance(choices, str):
        choices = [c for c in choices.split("\n") if c]
    return choices


def _answer(question, value):
    """What AWX passes as the extra var for this answer."""
    kind = question["type"]
    if kind == "multiselect":
        if isinstance(value, str):
            return [v for v in value.split("\n") if v]
        return list(value)
    if kind == "integer":
        return int(value)
    if kind == "float":
        return float(value)
    return value


QUESTIONS = [(name, q) for name in ROLES for q in _survey(name)["spec"]]


@pytest.mark.parametrize("name", sorted(ROLES))
def test_survey_format(name):
    survey = _survey(name)
    assert survey["name"] and survey["description"]
    variables = [q["variable"] for q in survey["spec"]]
    assert len(variables) == len(set(variables)), "a variable is asked twice"
    for q in survey["spec"]:
        assert q["question_name"] and q["question_description"]
        assert q["type"] in TYPES
        assert re.match(r"^[a-z_][a-z0-9_]*$", q["variable"])
        assert isinstance(q["required"], bool)
        if q["type"] in ("multiplechoice", "multiselect"):
            choices = _choices(q)
            assert choices and all(isinstance(c, str) and "\n" not in c for c in choices)
            default = _answer(q, q.get("default", ""))
            for value in (default if q["type"] == "multiselect" else [default] if default != "" else []):
                assert value in choices, (q["variable"], value)
            if q["type"] == "multiplechoice" and q["required"]:
                assert q.get("default") in choices, q["variable"]
        if q["type"] in ("integer", "float") and q.get("default") not in (None, ""):
            assert q.get("min", float("-inf")) <= q["default"] <= q.get("max", float("inf"))
        if q["type"] == "text" and q.get("default"):
            assert q.get("min", 0) <= len(q["default"]) <= q.get("max", 1024)
        # A multiselect default of several lines would reach the role as one string, not a list.
        if q["type"] == "multiselect":
            assert "\n" not in str(q.get("default", "")), "use at most one default choice"
        if q["type"] == "password":
            assert not q.get("default")


@pytest.mark.parametrize("name,question", QUESTIONS, ids=["%s:%s" % (n, q["variable"]) for n, q in QUESTIONS])
def test_question_matches_the_roles(name, question):
    specs = dict((role, _spec(role)) for role in ROLES[name])
    declaring = dict((r, s[question["variable"]]) for r, s in specs.items() if question["variable"] in s)
    assert declaring, "%s survey asks %s, which none of %s declares" % (name, question["variable"], ROLES[name])
    for role, option in declaring.items():
        kind = option.get("type", "str")
        compatible = {
            "multiplechoice": ("str", "bool", "raw"), "multiselect": ("list", "raw"), "text": ("str", "path", "raw"),
            "password": ("str", "raw"), "integer": ("int", "float", "raw"), "float": ("float", "raw"),
            "textarea": ("str", "raw", "list", "dict"),
        }[question["type"]]
        assert kind in compatible, "%s: %s is %s in %s, the survey asks %s" % (
            name, question["variable"], kind, role, question["type"])
        if option.get("choices") and question["type"] in ("multiplechoice", "multiselect"):
            assert set(_choices(question)) <= set(str(c) for c in option["choices"]), role
        if question["type"] == "multiplechoice" and kind == "bool":
            assert set(_choices(question)) <= {"true", "false", "yes", "no"}
        # The role accepts what AWX sends: the default, and each choice on its own.
        answers = [_answer(question, question.get("default", ""))] if question.get("default", "") != "" else []
        for choice in _choices(question):
            answers.append([choice] if question["type"] == "multiselect" else choice)
        for answer in answers:
            result = ArgumentSpecValidator({question["variable"]: option}).validate({question["variable"]: answer})
            assert not result.error_messages, (role, answer, result.error_messages)


def test_preflight_defaults_are_the_role_defaults():
    spec = _spec("arc_preflight")
    for q in _survey("preflight")["spec"]:
        option = spec[q["variable"]]
        default = _answer(q, q.get("default", ""))
        if q["type"] == "multiplechoice" and option.get("type") == "bool":
            default = default == "true"
        if q["variable"] == "arc_region" and option.get("default") == "":
            # Unset in the role means eastus with a warning on the console; the survey offers it outright.
            assert default == "eastus"
            continue
        assert default == option.get("default"), q["variable"]


def test_region_default_is_in_the_catalogue():
    from ansible_collections.arcready.network.plugins.module_utils._catalogue import regions
    for name in ROLES:
        questions = dict((q["variable"], q) for q in _survey(name)["spec"])
        assert questions["arc_region"]["default"] in regions(questions["arc_cloud"]["default"])
