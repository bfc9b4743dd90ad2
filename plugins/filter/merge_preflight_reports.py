# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filter arcready.network.merge_preflight_reports; documented in merge_preflight_reports.yml beside it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.arcready.network.plugins.plugin_utils import _merge
from ansible_collections.arcready.network.plugins.plugin_utils._plain import plain


def merge_preflight_reports(reports, baseline=None):
    try:
        return _merge.merge(plain(reports), baseline=plain(baseline) if baseline else None)
    except (_merge.MergeError, TypeError, ValueError, AttributeError, KeyError) as exc:
        raise AnsibleFilterError("arcready.network.merge_preflight_reports: %s" % to_native(exc))


class FilterModule(object):
    def filters(self):
        return {"merge_preflight_reports": merge_preflight_reports}
