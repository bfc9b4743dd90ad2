# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The callback tests' inventory: h1..h4 on local connections, h4 with a Python that does not exist (no result)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import sys


def inventory(tmp_path):
    path = tmp_path / "hosts.json"
    hosts = dict(("h%d" % i, {}) for i in range(1, 5))
    hosts["h4"] = {"ansible_python_interpreter": "/nonexistent/python3"}
    path.write_text(json.dumps({"all": {"hosts": hosts, "vars": {
        "ansible_connection": "local", "ansible_python_interpreter": sys.executable}}}))
    return path
