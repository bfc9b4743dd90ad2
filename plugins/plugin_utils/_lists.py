# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""List variables as people type them: a real list, ``a,b``, ``a, b`` or ``[a,b]`` (``-e arc_scenarios=[sql,esu]``
arrives as that text), checked against the allowed values with a message naming the variable.

PRIVATE to the collection, controller side (the preflight_list filter).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

QUOTES = "'\""


class ListError(ValueError):
    pass


def _item(value):
    return str(value).strip().strip(QUOTES).strip()


def as_list(value, name="the list", choices=None):
    """[str]: ``value`` as a list of non-empty strings; ListError naming ``name`` for a value not in ``choices``."""
    if value is None:
        items = []
    elif isinstance(value, (list, tuple, set)):
        items = [_item(v) for v in value]
    elif isinstance(value, str):
        text = value.strip()
        if text.startswith("[") and text.endswith("]"):
            text = text[1:-1]
        items = [_item(v) for v in text.split(",")]
    else:
        raise ListError("%s must be a list or a comma-separated string such as a,b, not %s"
                        % (name, type(value).__name__))
    items = [v for v in items if v]
    if choices:
        wrong = [v for v in items if v not in choices]
        if wrong:
            raise ListError("%s: %s %s not one of %s (give a list such as [%s] or %s)"
                            % (name, ", ".join(wrong), "is" if len(wrong) == 1 else "are", ", ".join(choices),
                               ", ".join(choices[:2]), ",".join(choices[:2])))
    return items
