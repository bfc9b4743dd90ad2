# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers for tests that evaluate a role's own YAML with Ansible's templar."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.template import trust_as_template


def trusted(value):
    """Role files are trusted templates in a play; values loaded with yaml.safe_load must be marked so by hand."""
    if isinstance(value, dict):
        return dict((k, trusted(v)) for k, v in value.items())
    if isinstance(value, list):
        return [trusted(v) for v in value]
    if isinstance(value, str):
        return trust_as_template(value)
    return value
