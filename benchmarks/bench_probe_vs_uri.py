#!/usr/bin/env python3
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""arcready.network.probe versus the hand-written check users write today (a play looping
ansible.builtin.uri over the endpoints), on the same lab hosts and the same endpoints, same timeout:

  1. every endpoint reachable;
  2. half of the endpoint names dropped by nftables on the hosts (TCP timeouts).

  3. the same drops, uri with its own default timeout (30 s), as such a play is usually written
     (skipped with --quick or ARC_BENCH_QUICK=1: it alone takes about 5 minutes).

Quick mode (ARC_BENCH_QUICK=1) also uses a 2 s timeout for both and one warm-up run.

Prints wall times and the ratios measured in this run, against the issue's targets (3x all reachable,
10x with drops). No assertion on time.

    sudo .venv/bin/python benchmarks/bench_probe_vs_uri.py [--hosts 3] [--timeout 5] [--repeat 3] [--quick]

Needs the lab (tests/lab/setup.sh once). Contacts nothing off this machine: every name resolves to the
lab's fake Azure service through /etc/hosts in the test containers.
"""

import argparse
import os
import re
import statistics
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _labhosts  # noqa: E402
import _quick  # noqa: E402

SCENARIOS = ["esu", "sql", "telemetry"]

PROBE_PLAY = """
- name: Check the Arc endpoints with arcready.network.probe
  hosts: all
  gather_facts: false
  tasks:
    - name: Check the endpoints
      arcready.network.probe:
        cloud: "{{ arc_cloud }}"
        region: "{{ arc_region }}"
        scenarios: %(scenarios)s
        timeout: %(timeout)s
        expected_issuers: "{{ arc_probe_expected_issuers }}"
        fail_on: never
      register: arcbench
    - name: Count
      ansible.builtin.debug:
        msg: "ARCBENCH ok={{ arcbench.summary.ok }} failed={{ arcbench.summary.failed }}"
"""

URI_PLAY = """
- name: Check the Arc endpoints the way users do today (uri in a loop)
  hosts: all
  gather_facts: false
  vars:
    endpoints: "{{ query('arcready.network.endpoints', cloud=arc_cloud, region=arc_region,
                         scenarios=%(scenarios)s, probeable_only=true) }}"
  tasks:
    - name: Check the endpoints
      ansible.builtin.uri:
        url: "{{ item.url }}"
        method: GET
        %(uri_timeout)s
        status_code: [200, 400, 401, 403, 404]
      loop: "{{ endpoints }}"
      loop_control:
        label: "{{ item.url }}"
      register: arcbench
      ignore_errors: true
    - name: Count
      ansible.builtin.debug:
        msg: "ARCBENCH ok={{ arcbench.results | rejectattr('failed') | list | length }}
              failed={{ arcbench.results | selectattr('failed') | list | length }}"
"""


def counts(output):
    found = re.findall(r"ARCBENCH ok=(\d+)\s+failed=(\d+)", output)
    return sorted((int(a), int(b)) for a, b in found)


def task_seconds(output, task):
    """The check task's own duration from the profile_tasks summary (excludes ansible-playbook start-up)."""
    found = re.findall(r"^%s -+ (\d+\.\d+)s$" % re.escape(task), output, re.M)
    return float(found[-1]) if found else float("nan")


def measure(hosts, path, task, repeat):
    walls, tasks = [], []
    seen = None
    for _ in range(repeat):
        wall, _cpu, _rc, out = hosts.playbook(path)
        walls.append(wall)
        tasks.append(task_seconds(out, task))
        seen = counts(out)
    return statistics.median(walls), statistics.median(tasks), walls, seen


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hosts", type=int, default=3, help="lab hosts (Debian 11, 12, 13 in turn)")
    parser.add_argument("--timeout", type=float, default=_quick.pick(5, 2),
                        help="per-endpoint timeout for both (probe default: 5; quick mode: 2, so the sequential uri "
                             "loop over dropped names takes a minute, not three)")
    parser.add_argument("--uri-timeout", type=float, help="uri's timeout (default: the same as the probe's; "
                        "uri's own default is 30)")
    parser.add_argument("--repeat", type=int, default=_quick.pick(3, 1),
                        help="runs per case with all reachable (median; quick mode: 1)")
    parser.add_argument("--repeat-dropped", type=int, default=1, help="runs per case with drops (median)")
    parser.add_argument("--quick", action="store_true", default=_quick.quick(),
                        help="skip case 3 (uri at its default 30 s timeout)")
    args = parser.parse_args()
    _quick.banner("bench_probe_vs_uri", "%d hosts, %d run(s) per case%s" % (
        args.hosts, args.repeat, ", case 3 left out" if args.quick else ""))

    lab = _labhosts.lab()
    names = sorted(set(e for e in lab["hosts"]) - set(lab["servicebus"]))
    tmp = tempfile.mkdtemp(prefix="arcbench-plays.")
    fill = {"scenarios": SCENARIOS, "timeout": args.timeout,
            "uri_timeout": "timeout: %g" % (args.uri_timeout or args.timeout)}
    os.environ["ANSIBLE_CALLBACKS_ENABLED"] = "ansible.posix.profile_tasks"
    probe_yml, uri_yml = os.path.join(tmp, "probe.yml"), os.path.join(tmp, "uri.yml")
    uri_default_yml = os.path.join(tmp, "uri-default-timeout.yml")
    with open(probe_yml, "w") as stream:
        stream.write(PROBE_PLAY % fill)
    with open(uri_yml, "w") as stream:
        stream.write(URI_PLAY % fill)
    with open(uri_default_yml, "w") as stream:
        stream.write(URI_PLAY % dict(fill, uri_timeout="# no timeout: uri's default (30 s)"))

    results = {}
    with _labhosts.LabHosts(args.hosts, prefix="arcbench-uri", images=("11", "12", "13")) as hosts:
        # Warm-up (not timed): first-run caches on the controller and in the containers. One play warms what
        # both use (Python and module_utils on the hosts, the collection loader on the controller); the full
        # mode warms each.
        hosts.playbook(probe_yml)
        if not _quick.quick():
            hosts.playbook(uri_yml)
        cases = [("all reachable", args.repeat, [], uri_yml),
                 ("half dropped", args.repeat_dropped, names[::2], uri_yml)]
        if not args.quick:
            cases.append(("half dropped, uri at its default 30 s timeout", args.repeat_dropped, names[::2],
                          uri_default_yml))
        for case, repeat, drop, uri_play in cases:
            hosts.set_hostvars({"*": {"arclab_drop_hosts": drop}})
            hosts.playbook(os.path.join(_labhosts.SHARED, "prepare.yml"), quiet=True)
            probe = results.get(("probe", tuple(drop))) or measure(hosts, probe_yml, "Check the endpoints", repeat)
            results[("probe", tuple(drop))] = probe
            uri = measure(hosts, uri_play, "Check the endpoints", repeat)
            results[case] = (probe, uri, len(drop))

    title = ("arcready.network.probe vs a loop of ansible.builtin.uri: %d lab hosts in parallel, %s %s, scenarios %s, "
             "timeout probe %gs / uri %gs")
    print(title % (args.hosts, lab["cloud"], lab["region"], ",".join(SCENARIOS), args.timeout,
                   args.uri_timeout or args.timeout))
    print("  whole run = ansible-playbook wall time; check task = the checking task alone (profile_tasks), "
          "without the start-up both pay")
    head = "%-16s %-11s %-22s %-22s %-16s %s"
    print(head % ("case", "names down", "whole run probe/uri", "check task probe/uri", "ratio run/task",
                  "ok/failed per host probe | uri"))
    rows = [(case, value) for case, value in results.items() if isinstance(case, str)]
    for case, (probe, uri, dropped) in rows:
        print(head % (
            case.split(",")[0] + (" (3)" if "default" in case else ""), "%d/%d" % (dropped, len(names)),
            "%.1fs / %.1fs" % (probe[0], uri[0]), "%.2fs / %.2fs" % (probe[1], uri[1]),
            "%.1fx / %.1fx" % (uri[0] / probe[0], uri[1] / probe[1]),
            "%s | %s" % (",".join("%d/%d" % c for c in sorted(set(probe[3]))),
                         ",".join("%d/%d" % c for c in sorted(set(uri[3]))))))
    if not args.quick:
        print("  (3) = half dropped, uri with its default timeout (30 s), probe with its default (%gs)" % args.timeout)
    print("  medians of runs (whole run): %s" % "; ".join("%s: probe %s uri %s" % (
        case.split(",")[0] + (" (3)" if "default" in case else ""), [round(w, 1) for w in p[2]],
        [round(w, 1) for w in u[2]]) for case, (p, u, _d) in rows))
    ratio = dict((case, uri[0] / probe[0]) for case, (probe, uri, _d) in rows)
    print("  targets (whole run): all reachable >= 3x: %.1fx %s; with drops >= 10x: %s" % (
        ratio["all reachable"], "met" if ratio["all reachable"] >= 3 else "NOT met",
        ", ".join("%.1fx %s (%s)" % (
            r, "met" if r >= 10 else "NOT met", "same timeout" if "default" not in case else "uri default timeout")
            for case, r in ratio.items() if case.startswith("half"))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
