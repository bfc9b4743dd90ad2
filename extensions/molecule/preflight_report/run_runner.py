# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Runs awx/project/preflight.yml with ansible_runner.run() against the Molecule inventory (see converge.yml)."""

import json
import os
import shutil
import sys
import time

import ansible_runner

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
EPHEMERAL = os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]
INVENTORY = os.path.dirname(os.environ["MOLECULE_INVENTORY_FILE"])

# AWX runs the job with the project's ansible.cfg, not Molecule's settings.
for name in list(os.environ):
    if name in ("ANSIBLE_CONFIG", "ANSIBLE_CALLBACKS_ENABLED", "ANSIBLE_STDOUT_CALLBACK", "ANSIBLE_CALLBACK_PLUGINS",
                "ANSIBLE_LOAD_CALLBACK_PLUGINS"):
        del os.environ[name]

private = os.path.join(EPHEMERAL, "runner")
reports = os.path.join(EPHEMERAL, "arc-reports")
shutil.rmtree(private, ignore_errors=True)
shutil.rmtree(reports, ignore_errors=True)
shutil.copytree(os.path.join(REPO, "awx", "project"), os.path.join(private, "project"))

start = time.monotonic()
runner = ansible_runner.run(
    private_data_dir=private, playbook="preflight.yml", inventory=INVENTORY, ident="preflight", quiet=True,
    extravars={"arc_report_dir": reports, "arc_private_link": "false", "arc_fail_on": "required"},
    envvars={"ANSIBLE_NOCOLOR": "1", "ANSIBLE_FORCE_COLOR": "0",
             "PATH": os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])},
    timeout=600)
elapsed = time.monotonic() - start
events = list(runner.events)
stats_event = [e for e in events if e["event"] == "playbook_on_stats"]
outcome = {
    "status": runner.status,
    "rc": runner.rc,
    "elapsed": round(elapsed, 1),
    "stats": runner.stats,
    "artifact_data": stats_event[0]["event_data"].get("artifact_data") if stats_event else None,
    "progress": [e["stdout"] for e in events if "arc preflight:" in (e.get("stdout") or "")],
    "artifacts": os.path.join(private, "artifacts", "preflight"),
    "reports": reports,
}
with open(os.path.join(EPHEMERAL, "runner-run.json"), "w") as stream:
    json.dump(outcome, stream, indent=2)
print("ansible-runner: status %s, rc %s, %.1f s" % (runner.status, runner.rc, elapsed))
print("\n".join(outcome["progress"]))
if runner.status not in ("successful", "failed"):
    with open(os.path.join(outcome["artifacts"], "stdout")) as stream:
        print(stream.read()[-5000:])
    sys.exit(1)
