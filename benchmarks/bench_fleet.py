#!/usr/bin/env python3
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The preflight (playbooks/preflight.yml) over a fleet of lab hosts at once: wall time and cost per host.

Creates N lab hosts (default 20; Debian 11, 12 and 13 in turn, every catalogue name mapped to the fake
Azure service), runs `ansible-playbook arcready.network.preflight` against all of them with --forks N
(and, for comparison, with Ansible's default 5 forks), and prints:
  wall time, wall time per host, controller CPU seconds per host (ansible-playbook and podman clients),
  whole-machine CPU seconds per host (controller + containers, from /proc/stat), endpoints probed.
No assertion on time.

    sudo .venv/bin/python benchmarks/bench_fleet.py [--hosts 20] [--scenarios esu,sql]

ARCLAB_PREFLIGHT overrides the playbook (path or collection playbook name).
"""

import argparse
import glob
import json
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _labhosts  # noqa: E402
import _quick  # noqa: E402


def machine_busy_seconds():
    with open("/proc/stat") as stream:
        fields = stream.readline().split()[1:]
    ticks = [int(x) for x in fields]
    idle = ticks[3] + ticks[4]  # idle + iowait
    return (sum(ticks[:8]) - idle) / float(os.sysconf("SC_CLK_TCK"))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=_quick.pick(20, 6), help="lab hosts (quick mode: 6)")
    parser.add_argument("--scenarios", default="", help="comma-separated arc_scenarios (default none)")
    parser.add_argument("--no-default-forks", action="store_true", help="skip the run with Ansible's 5 forks")
    args = parser.parse_args()
    _quick.banner("bench_fleet", "%d hosts" % args.hosts)
    playbook = os.environ.get("ARCLAB_PREFLIGHT", "arcready.network.preflight")
    scenarios = [s for s in args.scenarios.split(",") if s]
    reports = tempfile.mkdtemp(prefix="arcbench-reports.")
    runs = []
    with _labhosts.LabHosts(args.hosts, prefix="arcbench-fleet", images=("11", "12", "13")) as hosts:
        hosts.playbook(playbook, extra={"arc_report_dir": reports, "arc_scenarios": scenarios})  # warm-up
        cases = [("forks=%d (all at once)" % args.hosts, args.hosts)]
        if not args.no_default_forks:
            cases.append(("forks=5 (Ansible default)", 5))
        for label, forks in cases:
            shutil.rmtree(reports, ignore_errors=True)
            busy0 = machine_busy_seconds()
            wall, cpu, rc, out = hosts.playbook(playbook, forks=forks, check=False,
                                                extra={"arc_report_dir": reports, "arc_scenarios": scenarios})
            busy = machine_busy_seconds() - busy0
            files = glob.glob(os.path.join(reports, "hosts", "*.json"))
            probed = ok = 0
            for path in files:
                with open(path) as stream:
                    rep = json.load(stream)
                probed += sum(1 for e in rep["endpoints"] if e["probeable"])
                ok += sum(1 for e in rep["endpoints"] if e["ok"])
            runs.append((label, wall, cpu, busy, rc, len(files), probed, ok))
    shutil.rmtree(reports, ignore_errors=True)
    print("preflight over %d lab hosts (%s, scenarios %s), %d CPU cores on this machine"
          % (args.hosts, playbook, ",".join(scenarios) or "none", os.cpu_count()))
    head = "%-26s %8s %10s %16s %16s %4s %8s %12s"
    print(head % ("run", "wall s", "s/host", "ctl CPU s/host", "all CPU s/host", "rc", "reports", "ok/probed"))
    for label, wall, cpu, busy, rc, nfiles, probed, ok in runs:
        print(head % (label, "%.1f" % wall, "%.2f" % (wall / args.hosts), "%.2f" % (cpu / args.hosts),
                      "%.2f" % (busy / args.hosts), rc, nfiles, "%d/%d" % (ok, probed)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
