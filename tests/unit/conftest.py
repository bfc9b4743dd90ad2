# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared by every unit test of the collection: two things only, kept generic on purpose.

1. The collection is importable as ``ansible_collections.arcready.network`` wherever the repository sits
   (``cd <repo> && python -m pytest tests/unit``): when the repo is not already inside an
   ``ansible_collections/arcready/network`` tree, a temporary tree with a symlink to the repo root is made,
   Ansible's collection loader is initialised with it, and ``ANSIBLE_COLLECTIONS_PATH`` is set so that
   ``ansible``/``ansible-playbook`` run from a test find it too. Under ansible-test the loader is already set
   up and this does nothing.
2. The network guard (tests/unit/network_guard.py): a test that tries to reach an address off this machine
   fails.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import atexit
import os
import shutil
import sys
import tempfile

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
