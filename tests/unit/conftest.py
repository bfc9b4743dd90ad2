# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests: the collection loader, the network guard, the integration marker and the no-skip rule, all from
suite_setup.py (shared with tests/integration/conftest.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from suite_setup import (  # noqa: E402,F401  pylint: disable=unused-import
    network_guard, pytest_configure, pytest_runtest_call, pytest_runtest_makereport)
