# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Filters that turn the preflight's fleet report into HTML, JUnit XML and a summary.

Their documentation is in the sidecar files preflight_html.yml, preflight_junit.yml and preflight_summary.yml.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.errors import AnsibleFilterError
from ansible.module_utils.common.text.converters import to_native

from ansible_collections.arcready.network.plugins.plugin_utils import _report
from ansible_collections.arcready.network.plugins.plugin_utils._plain import plain as _plain


def _call(name, func, report, *args):
    try:
        return func(_plain(report), *args)
    except (TypeError, ValueError, AttributeError, KeyError) as exc:
        raise AnsibleFilterError("arcready.network.%s: %s" % (name, to_native(exc)))


def preflight_html(report, title="Azure Arc network preflight"):
    return _call("preflight_html", _report.render_html, report, title)


def preflight_junit(report, suite_name="arcready.network preflight"):
    return _call("preflight_junit", _report.render_junit, report, suite_name)


def preflight_summary(report):
    return _call("preflight_summary", _report.summary, report)


class FilterModule(object):
    def filters(self):
        return {
            "preflight_html": preflight_html,
            "preflight_junit": preflight_junit,
            "preflight_summary": preflight_summary,
        }
