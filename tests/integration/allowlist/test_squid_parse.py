# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The allow-list's Squid snippet through the real ``squid -k parse`` (Debian's squid package).

Without squid the tests are skipped on a developer machine, and fail when CI or ARC_REQUIRE_SQUID is set: the
integration setup installs squid, so a missing binary there is a broken setup, not a pass.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re
import shutil
import subprocess

import pytest

from ansible_collections.arcready.network.plugins.module_utils import _catalogue
from ansible_collections.arcready.network.plugins.plugin_utils import _allowlist as al

COMPLAINTS = re.compile(r"FATAL|Bungled|subdomain of|should (probably )?remove|ignored to keep", re.IGNORECASE)


def squid_binary():
    found = shutil.which("squid") or next((p for p in ("/usr/sbin/squid", "/usr/local/sbin/squid")
                                           if os.access(p, os.X_OK)), None)
    if found:
        return found
    if os.environ.get("CI") or os.environ.get("ARC_REQUIRE_SQUID"):
        pytest.fail("squid is not installed, and CI or ARC_REQUIRE_SQUID is set: install Debian's squid package "
                    "(the integration setup does)")
    pytest.skip("squid is not installed; set ARC_REQUIRE_SQUID=1 to make this a failure")


def squid_parse(tmp_path, snippet):
    """(exit status, output) of squid -k parse on a minimal squid.conf that includes the snippet."""
    squid = squid_binary()
    snippet_path = tmp_path / "arc-allowlist.conf"
    snippet_path.write_text(snippet)
    conf = tmp_path / "squid.conf"
    conf.write_text("\n".join([
        "http_port 127.0.0.1:3128",
        "pid_filename %s" % (tmp_path / "squid.pid"),
        "cache_log %s" % (tmp_path / "cache.log"),
        "access_log none",
        "coredump_dir %s" % tmp_path,
        "include %s" % snippet_path,
        "http_access deny all",
        "",
    ]))
    proc = subprocess.run([squid, "-k", "parse", "-f", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          timeout=60, check=False)
    return proc.returncode, proc.stdout.decode("utf-8", "replace")


def snippet(**raw):
    raw.setdefault("region", "eastus")
    opts = al.check_options(dict(raw, dest="/nonexistent/arc-allowlist"))
    files, _summary = al.render(opts, al.catalogue_rows(opts))
    return files[al.FILE_NAMES["squid"]]


@pytest.mark.parametrize("raw", [
    {}, {"scenarios": "ssh,wac,sql,esu"}, {"scenarios": "sql,esu", "private_link": True},
    {"stage": "run", "include_optional": True, "scenarios": "telemetry"},
    {"cloud": "AzureUSGovernment", "region": "usgovvirginia", "scenarios": "esu"},
    {"cloud": "AzureChinaCloud", "region": "chinanorth3", "scenarios": "sql,wac,ssh"},
])
def test_squid_accepts_the_snippet(tmp_path, raw):
    status, output = squid_parse(tmp_path, snippet(**raw))
    assert status == 0, output
    assert not [line for line in output.splitlines() if COMPLAINTS.search(line)], output


def test_squid_parse_does_read_the_snippet(tmp_path):
    """The negative control: a broken line in the included file makes squid -k parse fail."""
    status, output = squid_parse(tmp_path, snippet() + "acl arcready_arc_broken no_such_acl_type x\n")
    assert status != 0, output
    assert "no_such_acl_type" in output


def test_squid_complains_about_a_domain_listed_with_its_subdomain(tmp_path):
    """What the snippet avoids, shown on the real squid: the unit tests' overlap rule is squid's."""
    overlapping = ("acl arcready_arc_443 dstdomain .his.arc.azure.com\n"
                   "acl arcready_arc_443 dstdomain gbl.his.arc.azure.com\n"
                   "http_access allow arcready_arc_443\n")
    _status, output = squid_parse(tmp_path, overlapping)
    assert COMPLAINTS.search(output), output


def test_squid_accepts_every_region_with_every_scenario(tmp_path):
    checked = 0
    for cloud in _catalogue.CLOUDS:
        for region in _catalogue.regions(cloud):
            work = tmp_path / ("%s-%s" % (cloud, region))
            work.mkdir()
            text = snippet(cloud=cloud, region=region, scenarios=list(_catalogue.SCENARIOS), include_optional=True)
            status, output = squid_parse(work, text)
            assert status == 0, (cloud, region, output)
            assert not [line for line in output.splitlines() if COMPLAINTS.search(line)], (cloud, region, output)
            checked += 1
    assert checked == sum(len(_catalogue.regions(c)) for c in _catalogue.CLOUDS) > 40
