# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The unit suite's setup (collection loader, tests/unit on sys.path, network guard), loaded from its file so the
integration tests here run the same way without a copy of it."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import os

_UNIT_CONFTEST = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                              "unit", "conftest.py")
_spec = importlib.util.spec_from_file_location("arcready_unit_conftest", _UNIT_CONFTEST)
_unit = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_unit)

network_guard = _unit.network_guard
pytest_runtest_call = _unit.pytest_runtest_call
