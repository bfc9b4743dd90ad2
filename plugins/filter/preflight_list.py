# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight_list filter: plugins/plugin_utils/_lists.py. Documentation: preflight_list.yml."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError

from ansible_collections.arcready.network.plugins.plugin_utils._lists import ListError, as_list


def preflight_list(value, name="the list", choices=None):
    try:
        return as_list(value, name, list(choices) if choices else None)
    except ListError as exc:
        raise AnsibleFilterError(str(exc))


class FilterModule(object):
    def filters(self):
        return {"preflight_list": preflight_list}
