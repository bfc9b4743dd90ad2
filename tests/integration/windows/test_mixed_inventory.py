# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Playbooks against an inventory of Linux hosts plus a Windows host entry that is never contacted.

- preflight.yml (and prepare.yml, once it exists) pass --syntax-check and --list-tasks with the mixed inventory,
  and list the same tasks as with the Linux hosts alone;
- the Windows task files of the roles pass --syntax-check and --list-tasks for a Windows host, and ansible-lint's
  production profile;
- a real preflight run of a Linux host (local connection, probing a server on 127.0.0.1) next to the Windows entry
  gives that Linux host the same results as a run without the Windows entry. The Windows entry points WinRM at a
  refused port on 127.0.0.1, so its connection fails on this machine; it is reported as a host without a result.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from servers import TEST_CA_ORG, lab, pki, refused_port  # noqa: F401  (lab and pki are fixtures)

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
BIN = os.path.dirname(sys.executable)
PROBED = "login.microsoftonline.com"


def inventory(tmp_path, windows=True, name="hosts.json"):
    hosts = {"linux": {"hosts": {"lab-linux-01": {"ansible_connection": "local",
                                                  "ansible_python_interpreter": sys.executable}}}}
    if windows:
        # Never contacted: WinRM to a refused port on loopback (and pywinrm is not even installed here).
        hosts["windows"] = {"hosts": {"lab-win-01": {
            "ansible_connection": "winrm", "ansible_host": "127.0.0.1", "ansible_port": refused_port(),
            "ansible_user": "arcready", "ansible_password": "never-used", "ansible_winrm_transport": "ntlm",
            "ansible_winrm_server_cert_validation": "ignore", "ansible_winrm_operation_timeout_sec": 2,
            "ansible_winrm_read_timeout_sec": 3}}}
    path = tmp_path / name
    path.write_text(json.dumps({"all": {"children": hosts}}))
    return str(path)


def playbook(*args, **kwargs):
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_FORCE_COLOR="0", ANSIBLE_DEPRECATION_WARNINGS="0",
               ANSIBLE_HOST_KEY_CHECKING="0", ANSIBLE_RETRY_FILES_ENABLED="0")
    env.update(kwargs.pop("env", {}))
    return subprocess.run([os.path.join(BIN, "ansible-playbook")] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, universal_newlines=True, env=env, cwd=kwargs.pop("cwd", REPO),
                          timeout=kwargs.pop("timeout", 300))


def task_lines(output):
    """The task list of --list-tasks, without the play header that names hosts."""
    return [line.strip() for line in output.splitlines() if line.startswith("      ") and line.strip()]


PLAYBOOKS = ["preflight.yml", "prepare.yml"]


@pytest.mark.parametrize("name", PLAYBOOKS)
def test_syntax_check_and_list_tasks_with_a_windows_host(tmp_path, name):
    path = os.path.join(REPO, "playbooks", name)
    assert os.path.exists(path), "playbooks/%s is missing" % name
    mixed = inventory(tmp_path)
    done = playbook("-i", mixed, path, "--syntax-check")
    assert done.returncode == 0, done.stdout
    listed = playbook("-i", mixed, path, "--list-tasks")
    assert listed.returncode == 0, listed.stdout
    hosts = playbook("-i", mixed, path, "--list-hosts")
    assert hosts.returncode == 0 and "lab-win-01" in hosts.stdout and "lab-linux-01" in hosts.stdout, hosts.stdout
    linux_only = playbook("-i", inventory(tmp_path, windows=False, name="linux.json"), path, "--list-tasks")
    assert linux_only.returncode == 0, linux_only.stdout
    # The play's task list does not depend on the inventory: the Windows branch is chosen per host at run time.
    assert task_lines(listed.stdout) == task_lines(linux_only.stdout)
    assert task_lines(listed.stdout)


WINDOWS_TASK_FILES = ["arc_tls", "arc_proxy", "arc_firewall"]

WINDOWS_PLAY = """
- name: Windows task files of the roles
  hosts: windows
  gather_facts: false
  vars:
    # Everything else comes from the roles' defaults, the Windows-only variables included.
    arc_proxy_url: http://proxy.example:3128
  tasks:
%s
"""


def _windows_play(tmp_path):
    imports = "\n".join("    - name: %s on Windows\n      ansible.builtin.import_role:\n"
                        "        name: arcready.network.%s\n        tasks_from: windows.yml" % (role, role)
                        for role in WINDOWS_TASK_FILES)
    path = tmp_path / "windows-play.yml"
    path.write_text(WINDOWS_PLAY % imports)
    return str(path)


def test_windows_task_files_syntax_and_task_list(tmp_path):
    for role in WINDOWS_TASK_FILES:
        assert os.path.exists(os.path.join(REPO, "roles", role, "tasks", "windows.yml")), role
    play = _windows_play(tmp_path)
    mixed = inventory(tmp_path)
    done = playbook("-i", mixed, play, "--syntax-check")
    assert done.returncode == 0, done.stdout
    listed = playbook("-i", mixed, play, "--list-tasks")
    assert listed.returncode == 0, listed.stdout
    tasks = task_lines(listed.stdout)
    for expected in ("arc_tls : Set the TLS registry values", "arc_tls : Restart Windows so that the TLS settings apply",
                     "arc_proxy : Set the machine-level HTTPS_PROXY and NO_PROXY",
                     "arc_proxy : Restart the running agent services so that they read the new environment",
                     "arc_firewall : Allow outbound TCP to the Azure Arc endpoints",
                     "arc_firewall : Remove the group's rules that are no longer wanted"):
        assert any(t.startswith("arcready.network." + expected) for t in tasks), (expected, tasks)
    hosts = playbook("-i", mixed, play, "--list-hosts")
    assert "lab-win-01" in hosts.stdout and "lab-linux-01" not in hosts.stdout, hosts.stdout


def test_windows_task_files_pass_ansible_lint():
    lint = shutil.which("ansible-lint", path=BIN) or shutil.which("ansible-lint")
    assert lint, "ansible-lint is not installed (test-requirements.txt)"
    files = ["roles/%s/tasks/windows.yml" % role for role in WINDOWS_TASK_FILES]
    files.append("roles/arc_tls/vars/windows_registry.yml")
    done = subprocess.run([lint, "--offline", "--profile", "production", "--nocolor"] + files,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, universal_newlines=True, cwd=REPO,
                          timeout=600)
    assert done.returncode == 0, done.stdout


# ------------------------------------------------------------------ a real run: the Linux host is unaffected

def _run_preflight(tmp_path, pki, port, windows):
    report_dir = tmp_path / ("with-windows" if windows else "linux-only")
    extra = {
        "arc_report_dir": str(report_dir),
        "arc_probe_endpoints": [{"host": PROBED, "port": port}],
        "arc_probe_resolve": {PROBED: "127.0.0.1"},
        "arc_probe_ca_path": pki.ca_file,
        "arc_probe_expected_issuers": [TEST_CA_ORG],
        "arc_proxy_url": "none",
        "arc_probe_timeout": 2,
    }
    extra_file = tmp_path / "extra.json"
    extra_file.write_text(json.dumps(extra))
    done = playbook("-i", inventory(tmp_path, windows=windows, name="run-%s.json" % windows),
                    os.path.join(REPO, "playbooks", "preflight.yml"), "-e", "@%s" % extra_file,
                    env={"ANSIBLE_TIMEOUT": "5"})
    with open(str(report_dir / "preflight.json")) as stream:
        return done, json.load(stream)


def _stable(result):
    """A host's endpoint results without what varies from run to run."""
    return [dict((k, v) for k, v in ep.items() if k not in ("latency_ms", "elapsed_ms")) for ep in result["endpoints"]]


def test_linux_results_are_the_same_with_a_windows_host_in_the_play(tmp_path, pki, lab):
    server = lab.http(cert=pki.valid)
    alone, alone_report = _run_preflight(tmp_path, pki, server.port, windows=False)
    assert alone.returncode == 0, alone.stdout
    mixed, mixed_report = _run_preflight(tmp_path, pki, server.port, windows=True)
    # The Windows entry cannot be reached from here: the play fails for it, and only for it.
    assert mixed.returncode in (2, 4), mixed.stdout
    assert re.search(r"lab-linux-01\s*: ok=\d+\s+changed=\d+\s+unreachable=0\s+failed=0", mixed.stdout), mixed.stdout
    assert re.search(r"lab-win-01\s*: ok=\d+\s+changed=\d+\s+(unreachable=1\s+failed=0|unreachable=0\s+failed=1)",
                     mixed.stdout), mixed.stdout
    assert list(mixed_report["hosts"]) == ["lab-linux-01"]
    assert list(mixed_report["unreported"]) == ["lab-win-01"]
    linux_alone = alone_report["hosts"]["lab-linux-01"]
    linux_mixed = mixed_report["hosts"]["lab-linux-01"]
    assert _stable(linux_mixed) == _stable(linux_alone)
    assert linux_mixed["summary"] == linux_alone["summary"] == dict(linux_alone["summary"], ok=1, failed=0)
    assert linux_mixed["table"] == linux_alone["table"]
