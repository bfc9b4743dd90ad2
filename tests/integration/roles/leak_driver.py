# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Run inside a fresh network namespace (``unshare --net``) by test_preflight_leaks_playbook.py: brings loopback
up, starts an authenticating CONNECT proxy on it, writes its port into the given files (in place of
``@PROXY_PORT@``), runs one ansible-playbook command, and writes its output and how many requests came with the
right credentials (never the credentials themselves).

    python leak_driver.py OUTDIR USER PASSWORD FILE[,FILE...] -- ansible-playbook ARGS...
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "unit"))

from servers import ConnectProxy  # noqa: E402


def main(argv):
    outdir, user, password, files = argv[1:5]
    command = argv[argv.index("--") + 1:]
    subprocess.check_call(["ip", "link", "set", "lo", "up"])
    proxy = ConnectProxy(auth=(user, password)).start()
    for path in files.split(","):
        with open(path) as stream:
            text = stream.read()
        with open(path, "w") as stream:
            stream.write(text.replace("@PROXY_PORT@", str(proxy.port)))
    done = subprocess.run(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True,
                          timeout=600)
    proxy.stop()
    with open(os.path.join(outdir, "output.txt"), "w") as stream:
        stream.write(done.stdout)
    authorized = sum(1 for _m, _t, headers in proxy.requests if proxy._authorized(headers))
    with open(os.path.join(outdir, "driver.json"), "w") as stream:
        json.dump({"rc": done.returncode, "requests": len(proxy.requests), "authorized": authorized}, stream)


if __name__ == "__main__":
    main(sys.argv)
