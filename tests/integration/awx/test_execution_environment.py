# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""execution-environment.yml (ansible-builder schema 3) and meta/execution-environment.yml.

No image is built here (that needs a registry); ansible-builder create must produce the build context from the
collection tarball, with the base image as a build argument, and ansible-builder introspect must find the
collection's own Python and system requirements in the installed collection.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import glob
import os
import re
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BIN = os.path.dirname(sys.executable)


def _tool(name):
    path = os.path.join(BIN, name)
    if not os.path.exists(path):
        path = shutil.which(name)
    if not path:
        pytest.skip("%s is not installed (test-requirements.txt)" % name)
    return path


def _load(path):
    with open(os.path.join(REPO, path)) as stream:
        return yaml.safe_load(stream)


@pytest.fixture(scope="module")
def tarball(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    subprocess.run([_tool("ansible-galaxy"), "collection", "build", REPO, "--output-path", str(out), "--force"],
                   check=True, stdout=subprocess.PIPE)
    return glob.glob(str(out / "arcready-network-*.tar.gz"))[0]


def test_definition_is_schema_3_with_a_base_image_argument():
    ee = _load("execution-environment.yml")
    assert ee["version"] == 3
    assert ee["images"]["base_image"]["name"]
    assert ee["dependencies"]["ansible_core"]["package_pip"].startswith("ansible-core")
    assert ee["dependencies"]["ansible_runner"]["package_pip"].startswith("ansible-runner")


def test_galaxy_requirement_names_the_current_version():
    ee = _load("execution-environment.yml")
    version = _load("galaxy.yml")["version"]
    names = [c["name"] for c in ee["dependencies"]["galaxy"]["collections"]]
    assert any(n.endswith("/arcready-network-%s.tar.gz" % version) for n in names), (names, version)


def test_collection_metadata_is_in_the_tarball(tarball):
    meta = _load("meta/execution-environment.yml")
    with tarfile.open(tarball) as tar:
        members = set(tar.getnames())
    for path in ["meta/execution-environment.yml"] + list(meta["dependencies"].values()):
        assert path in members, path


def test_builder_creates_the_context(tarball, tmp_path):
    shutil.copy(os.path.join(REPO, "execution-environment.yml"), str(tmp_path))
    shutil.copy(tarball, str(tmp_path))
    done = subprocess.run([_tool("ansible-builder"), "create", "-f", "execution-environment.yml", "-c", "context",
                           "--output-filename", "Containerfile"], cwd=str(tmp_path), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True)
    assert done.returncode == 0, done.stdout
    context = tmp_path / "context"
    containerfile = (context / "Containerfile").read_text()
    ee = _load("execution-environment.yml")
    assert 'ARG EE_BASE_IMAGE="%s"' % ee["images"]["base_image"]["name"] in containerfile
    assert "FROM $EE_BASE_IMAGE AS base" in containerfile
    assert re.search(r"ansible-galaxy collection install .*-r requirements.yml", containerfile)
    assert (context / "_build" / "collections" / os.path.basename(tarball)).exists()
    requirements = yaml.safe_load((context / "_build" / "requirements.yml").read_text())
    assert requirements["collections"][0]["type"] == "file"


def test_builder_finds_the_collection_requirements(tarball, tmp_path):
    subprocess.run([_tool("ansible-galaxy"), "collection", "install", tarball, "--no-deps", "--force", "-p",
                    str(tmp_path)],
                   check=True, stdout=subprocess.PIPE)
    done = subprocess.run([_tool("ansible-builder"), "introspect", "--sanitize", str(tmp_path)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True)
    assert done.returncode == 0, done.stdout
    found = yaml.safe_load(done.stdout)
    python = " ".join(found.get("python") or [])
    system = " ".join(found.get("system") or [])
    assert "jmespath" in python and "netaddr" in python, done.stdout
    assert "openssl" in system, done.stdout
    assert "ansible" not in re.sub(r"#.*", "", python).replace("arcready", ""), "never ansible or ansible-core"
