# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Ansible's lazy and tagged containers as plain dicts, lists and strings, for code that only reads them
(json, the report renderers). PRIVATE to the collection, controller side."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.text.converters import to_native


def plain(value):
    if isinstance(value, dict):
        return dict((to_native(k), plain(v)) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, (str, bytes)):
        return to_native(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    # ansible-core 2.19 keeps a registered result's warnings as summary objects (their text is event.msg).
    message = getattr(getattr(value, "event", None), "msg", None)
    return to_native(message) if message is not None else to_native(value)
