# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Integration tests: tests that need root, apt packages (Chromium, Mono, nft), podman or an
ansible-playbook/ansible-runner subprocess (``bash tests/run.sh integration`` installs and runs them).

Same setup as the unit tests (tests/unit/suite_setup.py, imported, not copied); the unit helpers (servers.py,
templating.py, ...) are importable by name. Every test collected here is marked ``integration``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "unit"))
sys.path.insert(0, HERE)

from suite_setup import (  # noqa: E402,F401  pylint: disable=unused-import
    network_guard, pytest_configure, pytest_runtest_call, pytest_runtest_makereport)


@pytest.hookimpl(tryfirst=True)  # before -m deselects
def pytest_collection_modifyitems(config, items):
    for item in items:
        if str(item.fspath).startswith(HERE + os.sep):
            item.add_marker(pytest.mark.integration)
