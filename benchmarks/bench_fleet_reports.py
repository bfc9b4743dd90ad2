#!/usr/bin/env python3
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Reports at fleet scale: the report writer and a whole preflight of simulated hosts. Figures only, no assertion.

1. 5,000 hosts of synthetic results (tests/unit/reports/synthetic_fleet.py: six failure profiles, two proxies)
   through the writer of arcready.network.preflight_report (build: verdicts, groups, summary; render HTML and
   JUnit; JSON; publish the set): seconds per step, file sizes, groups; then the HTML render alone.
2. N simulated hosts (1,000; local connection) through playbooks/preflight.yml inside `unshare --net` (loopback
   only): every catalogue name mapped with arc_probe_resolve to a TLS stand-in on 127.0.0.1:443 (a fifth of the
   hosts get two names refused instead), 50 forks. Prints wall time, controller CPU per host (getrusage of the
   children, less the module processes: the hosts being local, their probe modules run on the same cores, and each
   one's CPU is logged by GNU time in the interpreter wrapper), the hosts' module CPU, the report writing time the
   action reports, the console lines at default verbosity, and the floor: ansible.builtin.ping on 100 of the hosts.
   Acceptance of issue 15 at 1,000 hosts: wall <= 360 s, CPU <= 0.4 s/host, reports < 10 s, console < 1,200 lines.

    python benchmarks/bench_fleet_reports.py [1] [2]    # ARC_BENCH_QUICK=1: 500 synthetic hosts, 100 simulated
                                                        # (collection callback only)
Needs root for part 2 (unshare, port 443 in the namespace); part 2 is skipped with a note otherwise.
"""

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
UNIT = os.path.join(ROOT, "tests", "unit")
QUICK = os.environ.get("ARC_BENCH_QUICK") == "1"
SYNTHETIC_HOSTS = 500 if QUICK else 5000
SIMULATED_HOSTS = 100 if QUICK else 1000
FORKS = 50
REFUSED = ("management.azure.com", "eus.his.arc.azure.com")
# Console lines are counted with the collection's stdout callback (the README's command) and Ansible's default
# (quick mode: the collection's only, one run of the fleet instead of two).
CALLBACKS = [c for c in os.environ.get("ARC_BENCH_CALLBACKS", "arcready.network.preflight" if QUICK else
                                       "arcready.network.preflight,default").split(",") if c]

sys.path.insert(0, UNIT)
sys.path.insert(0, os.path.join(UNIT, "reports"))
sys.path.insert(0, os.path.join(os.path.dirname(UNIT), "integration"))  # chromium.py, the integration suite's
import conftest  # noqa: E402,F401  (makes ansible_collections.arcready.network importable, sets the env for children)


def synthetic():
    import synthetic_fleet as sf
    from ansible_collections.arcready.network.plugins.plugin_utils import _fleet, _publish, _report
    results = sf.results(SYNTHETIC_HOSTS)
    out = tempfile.mkdtemp(prefix="arcbench-reports.")
    try:
        t0 = time.perf_counter()
        doc = _fleet.build(results, {}, sf.PARAMETERS)
        t1 = time.perf_counter()
        files = _fleet.files(doc)
        t2 = time.perf_counter()
        _publish.publish(out, files, doc["run_id"])
        t3 = time.perf_counter()
        html_start = time.perf_counter()
        page = _report.render_html(doc)
        html_s = time.perf_counter() - html_start
        sizes = dict((p, len(d.encode("utf-8"))) for p, d in files if d is not None and "/" not in p)
        per_host = sum(len(d.encode("utf-8")) for p, d in files if d is not None and p.startswith("hosts/"))
    finally:
        shutil.rmtree(out, ignore_errors=True)
    print("1. report writer, %d synthetic hosts (%d endpoints each, %d groups)"
          % (SYNTHETIC_HOSTS, len(next(iter(results.values()))[0]["endpoints"]), len(doc["groups"])))
    print("   build (verdicts, groups, summary) %6.2f s" % (t1 - t0))
    print("   render (JSON, HTML, JUnit, hosts) %6.2f s" % (t2 - t1))
    print("   publish (write, fsync, swap)      %6.2f s" % (t3 - t2))
    print("   total report writing              %6.2f s" % (t3 - t0))
    for name in sorted(sizes):
        print("   %-32s %8.2f MB" % (name, sizes[name] / 1e6))
    print("   %-32s %8.2f MB in %d files" % ("hosts/*.json", per_host / 1e6, len(doc["hosts"])))
    print("   HTML render alone                 %6.2f s, %.2f MB   (targets < 10 s, < 8 MB)"
          % (html_s, len(page.encode("utf-8")) / 1e6))
    junit_start = time.perf_counter()
    _report.render_junit(doc)
    print("   JUnit render alone                %6.2f s" % (time.perf_counter() - junit_start))
    print("   Chromium load                     %s   (target < 2 s)" % chromium_load(page))


def chromium_load(page):
    """Seconds from navigation to the first page of the matrix drawn, in headless Chromium, or why not measured."""
    import chromium
    if not all(chromium.binaries()):
        return "not measured: chromium and chromium-driver are not installed"
    work = tempfile.mkdtemp(prefix="arcbench-chromium.")
    try:
        path = os.path.join(work, "preflight.html")
        with open(path, "w", encoding="utf-8") as stream:
            stream.write(page)
        browser = chromium.Chromium(os.path.join(work, "profile"))
        try:
            browser.get("about:blank")
            start = time.perf_counter()
            browser.get("file://" + path)  # WebDriver returns once the page has loaded and its script has run
            rows = browser.execute("return document.querySelectorAll('#matrix tbody tr').length;")
            seconds = time.perf_counter() - start
            nav = browser.execute("var t = performance.timing; return t.loadEventEnd - t.navigationStart;")
        finally:
            browser.quit()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return "%6.2f s (navigation to load event %.2f s; %d rows drawn)" % (seconds, nav / 1000.0, rows)


FLOOR_HOSTS = 100  # the no-op module's cost per host does not depend on the fleet's size
PING_PLAY = """
- name: One no-op module per host, the floor of any module-based check
  hosts: all
  gather_facts: false
  tasks:
    - name: Ping
      ansible.builtin.ping:
"""


def _module_interpreter(workdir):
    """An interpreter that appends each module process's CPU seconds to a file (GNU time), so the simulated hosts'
    own work (their module processes, on the controller's cores here) is told apart from the controller's."""
    path = os.path.join(workdir, "timed-python")
    with open(path, "w") as stream:
        stream.write('#!/bin/sh\nexec /usr/bin/time -a -o "$ARC_BENCH_MODULE_CPU" -f "%%U %%S" %s "$@"\n'
                     % sys.executable)
    os.chmod(path, 0o755)
    return path


def _playbook(playbook, inventory, workdir, callback, log):
    """(wall s, CPU s of every child, CPU s of the module processes alone, module runs, output)."""
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_RETRY_FILES_ENABLED="0",
               ANSIBLE_DEPRECATION_WARNINGS="0", ANSIBLE_HOST_KEY_CHECKING="0", ANSIBLE_STDOUT_CALLBACK=callback,
               ARC_BENCH_MODULE_CPU=log)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    done = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), playbook,
                           "-i", inventory, "-f", str(FORKS)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, env=env,
                          cwd=workdir)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    modules = []
    if os.path.exists(log):
        with open(log) as stream:
            modules = [sum(float(x) for x in line.split()) for line in stream
                       if len(line.split()) == 2 and not line.startswith("Command")]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, sum(modules), len(modules), done


def inside(count, workdir, callback):
    """Part 2, run inside the network namespace: servers, inventory, the playbook; prints one JSON line."""
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    from servers import Certs, HTTPServer, TEST_CA_ORG, catalogue_names
    import pathlib
    pki = Certs(pathlib.Path(workdir), catalogue_names())
    server = HTTPServer(cert=pki.valid, status=404, host="127.0.0.1", port=443)
    server.sock.listen(4096)
    server.start()
    names = [n for n in catalogue_names()]
    everywhere = dict((n, "127.0.0.1") for n in names)
    some_refused = dict(everywhere, **dict((n, "127.0.0.2") for n in REFUSED))
    common = {"ansible_connection": "local", "ansible_python_interpreter": _module_interpreter(workdir),
              "arc_probe_timeout": 5, "arc_proxy_url": "none", "arc_region": "eastus", "arc_probe_ca_path": pki.ca_file,
              "arc_probe_expected_issuers": [TEST_CA_ORG], "arc_report_dir": os.path.join(workdir, "reports")}
    hosts = dict(("sim-%04d" % i, {"arc_probe_resolve": some_refused if i % 5 == 4 else everywhere})
                 for i in range(count))
    inventory = os.path.join(workdir, "inventory.json")
    with open(inventory, "w") as stream:
        json.dump({"all": {"vars": common, "hosts": hosts}}, stream)
    wall, cpu, module_cpu, module_runs, done = _playbook(
        os.path.join(ROOT, "playbooks", "preflight.yml"), inventory, workdir, callback,
        os.path.join(workdir, "module-cpu.txt"))
    server.stop()
    floor_hosts = min(FLOOR_HOSTS, count)
    floor_inventory = os.path.join(workdir, "floor-inventory.json")
    with open(floor_inventory, "w") as stream:
        json.dump({"all": {"vars": common, "hosts": dict(list(hosts.items())[:floor_hosts])}}, stream)
    ping = os.path.join(workdir, "ping.yml")
    with open(ping, "w") as stream:
        stream.write(PING_PLAY)
    floor_log = os.path.join(workdir, "floor-module-cpu.txt")
    floor_cpu, floor_module_cpu = _playbook(ping, floor_inventory, workdir, callback, floor_log)[1:3]
    written = {}
    for line in done.stdout.splitlines():
        if '"reports: ' in line and "written in " in line:
            written["total_s"] = float(line.rsplit("written in ", 1)[1].split()[0])
    with open(os.path.join(workdir, "reports", "preflight.json")) as stream:
        doc = json.load(stream)
    print(json.dumps({"rc": done.returncode, "wall": wall, "cpu": cpu, "module_cpu": module_cpu,
                      "module_runs": module_runs, "floor_hosts": floor_hosts, "floor_cpu": floor_cpu,
                      "floor_module_cpu": floor_module_cpu,
                      "lines": len(done.stdout.splitlines()), "written": written, "hosts": len(doc["hosts"]),
                      "unreported": len(doc["unreported"]), "groups": [(g["count"], g["title"]) for g in doc["groups"]],
                      "tail": done.stdout.splitlines()[-5:], "callback": callback}))


def simulated():
    print("2. preflight of %d simulated hosts, local connection, %d forks, inside unshare --net, %d CPU cores"
          % (SIMULATED_HOSTS, FORKS, os.cpu_count()))
    if os.geteuid() != 0 or not shutil.which("unshare"):
        print("   skipped: needs root and unshare (a network namespace with only loopback)")
        return
    for callback in CALLBACKS:
        figures = _simulated_run(callback)
        if figures:
            _print_simulated(figures)


def _simulated_run(callback):
    workdir = tempfile.mkdtemp(prefix="arcbench-fleet.")
    try:
        done = subprocess.run(["unshare", "--net", sys.executable, os.path.abspath(__file__), "--inside",
                               str(SIMULATED_HOSTS), workdir, callback], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, universal_newlines=True)
        if done.returncode != 0 or not done.stdout.strip():
            print("   %s: failed: rc %d\n%s" % (callback, done.returncode, done.stderr[-3000:]))
            return None
        return json.loads(done.stdout.strip().splitlines()[-1])
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _print_simulated(figures):
    n = SIMULATED_HOSTS
    print("   stdout callback %s: playbook rc %d; %d hosts with a result, %d without"
          % (figures["callback"], figures["rc"], figures["hosts"], figures["unreported"]))
    print("   wall time                         %7.1f s   (%.3f s/host; target <= 360 s at 1,000)"
          % (figures["wall"], figures["wall"] / n))
    controller = figures["cpu"] - figures["module_cpu"]
    print("   controller CPU                    %7.1f s   (%.3f s/host; target <= 0.4): ansible-playbook, its workers"
          % (controller, controller / n))
    print("   simulated hosts' module runs      %7.1f s   (%.3f s/host, %d runs): the probe's Python on each host,"
          " here on the controller's cores" % (figures["module_cpu"], figures["module_cpu"] / n, figures["module_runs"]))
    print("   all CPU of the run                %7.1f s   (%.3f s/host)" % (figures["cpu"], figures["cpu"] / n))
    floor_n = float(figures["floor_hosts"])
    floor = figures["floor_cpu"] / floor_n
    print("   floor: ansible.builtin.ping       %7.3f s/host in all, %.3f s/host controller, on %d of the hosts: "
          "the role costs %.1fx one no-op module"
          % (floor, (figures["floor_cpu"] - figures["floor_module_cpu"]) / floor_n, figures["floor_hosts"],
             (figures["cpu"] / n) / max(floor, 1e-9)))
    written = figures["written"]
    print("   report writing (the action)       %7s s   (target < 10; the action's own figure on the console)"
          % written.get("total_s"))
    print("   console lines                     %7d     (%.2f per host; target < 1,200 at 1,000)"
          % (figures["lines"], figures["lines"] / float(n)))
    for count, title in figures["groups"]:
        print("   group: %d hosts: %s" % (count, title))


def main():
    if len(sys.argv) > 1 and sys.argv[1] == "--inside":
        inside(int(sys.argv[2]), sys.argv[3], sys.argv[4])
        return 0
    parts = sys.argv[1:] or ["1", "2"]
    print("bench_fleet_reports (%s)" % ("quick" if QUICK else "full"))
    if "1" in parts:
        synthetic()
    if "2" in parts:
        simulated()
    return 0


if __name__ == "__main__":
    sys.exit(main())
