# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight callback's host line reads the result as received, not ansible-core's per-result native copy,
except where no_log asks for the censored copy."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.arcready.network.plugins.callback import preflight

ENDPOINTS = [{"host": "management.azure.com", "port": 443, "required": True, "ok": True, "failed_stage": None,
              "failed_reason": None}]


class Task(object):
    def __init__(self, no_log=None):
        self.no_log = no_log


class Result(object):
    """What a callback receives: ``result`` is the costly copy, ``_return_data`` the result as received."""

    def __init__(self, raw, no_log=None):
        self._return_data = raw
        self.task = Task(no_log)
        self.copies = 0

    @property
    def result(self):
        self.copies += 1
        return {"censored": "hidden"}


def test_host_line_reads_the_result_as_received():
    result = Result({"endpoints": ENDPOINTS})
    assert preflight.host_line(preflight._data(result), "ok") == "ready"
    assert result.copies == 0


def test_no_log_results_are_read_from_the_censored_copy():
    for result in (Result({"endpoints": ENDPOINTS}, no_log=True),
                   Result({"endpoints": ENDPOINTS, "_ansible_no_log": True})):
        assert preflight._data(result) == {"censored": "hidden"}
        assert result.copies == 1
