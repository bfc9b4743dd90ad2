# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What every pytest suite of the collection shares (tests/unit/conftest.py and tests/integration/conftest.py
both import it; neither copies it).

1. The collection is importable as ``ansible_collections.arcready.network`` wherever the repository sits
   (``cd <repo> && python -m pytest tests/unit``): when the repo is not already inside an
   ``ansible_collections/arcready/network`` tree, a temporary tree with a symlink to the repo root is made,
   Ansible's collection loader is initialised with it, and ``ANSIBLE_COLLECTIONS_PATH`` is set so that
   ``ansible``/``ansible-playbook`` run from a test find it too. Under ansible-test the loader is already set
   up and this does nothing.
2. The network guard (tests/unit/network_guard.py): a test that tries to reach an address off this machine
   fails.
3. The ``integration`` marker: a test in tests/unit that needs root, an apt package or an ``ansible-playbook``
   subprocess carries it (every test under tests/integration gets it); ``tests/run.sh unit`` deselects those,
   ``tests/run.sh integration`` runs them.
4. With ``ARC_TESTS_NO_SKIP=1`` (tests/run.sh sets it: the suite installed what its tests need), a skipped
   test is reported as a failure with its reason, so a missing tool or file cannot turn a check into a pass.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import atexit
import os
import shutil
import sys
import tempfile

import pytest

UNIT_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(UNIT_DIR))
NAMESPACE, NAME = "arcready", "network"

if UNIT_DIR not in sys.path:
    sys.path.insert(0, UNIT_DIR)


def _collections_prefix():
    """A directory that holds ansible_collections/arcready/network -> the repo root."""
    parts = REPO_ROOT.split(os.sep)
    if parts[-3:] == ["ansible_collections", NAMESPACE, NAME]:
        return os.sep.join(parts[:-3])
    prefix = tempfile.mkdtemp(prefix="arcready-unit-ac-")
    atexit.register(shutil.rmtree, prefix, True)
    os.makedirs(os.path.join(prefix, "ansible_collections", NAMESPACE))
    os.symlink(REPO_ROOT, os.path.join(prefix, "ansible_collections", NAMESPACE, NAME))
    return prefix


def _setup_collection_loader():
    from ansible.utils.collection_loader import AnsibleCollectionConfig
    if AnsibleCollectionConfig.collection_finder is not None:
        return  # ansible-test, or another conftest, did it already
    from ansible.plugins.loader import init_plugin_loader
    prefix = _collections_prefix()
    current = [p for p in os.environ.get("ANSIBLE_COLLECTIONS_PATH", "").split(os.pathsep) if p]
    os.environ["ANSIBLE_COLLECTIONS_PATH"] = os.pathsep.join([prefix] + current)
    init_plugin_loader([prefix] + current)


_setup_collection_loader()

from network_guard import network_guard, pytest_runtest_call  # noqa: E402,F401  pylint: disable=unused-import


def pytest_configure(config):
    config.addinivalue_line("markers", "integration: needs root, an apt package (Chromium, Mono, nft), podman or "
                                       "an ansible-playbook/ansible-runner subprocess; run by tests/run.sh integration")


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.skipped and not hasattr(report, "wasxfail") and os.environ.get("ARC_TESTS_NO_SKIP") == "1":
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        report.outcome = "failed"
        report.longrepr = "skipped where every test must check (ARC_TESTS_NO_SKIP=1): %s" % reason
    return report
