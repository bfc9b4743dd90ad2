# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Lab test hosts for the benchmarks: podman containers on the lab network, prepared like the Molecule
scenarios' hosts (extensions/molecule/shared/prepare.yml), with an inventory, removed at the end.

Needs: tests/lab/setup.sh done once; run as root from the dev venv (ansible-playbook on PATH);
ANSIBLE_COLLECTIONS_PATH resolving arcready.network (defaults to .cache/collections, which tests/run.sh links, when unset).
"""

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.path.join(REPO, "extensions", "molecule", "shared")
STATE = os.environ.get("ARCLAB_STATE", "/var/lib/arcready-lab")


def env():
    e = dict(os.environ)
    tree = os.path.join(REPO, ".cache", "collections")  # what tests/run.sh links
    if not e.get("ANSIBLE_COLLECTIONS_PATH") and os.path.isdir(os.path.join(tree, "ansible_collections")):
        e["ANSIBLE_COLLECTIONS_PATH"] = tree
    e.setdefault("ANSIBLE_HOST_KEY_CHECKING", "False")
    e["ANSIBLE_NOCOLOR"] = "1"
    e["MOLECULE_PROJECT_DIRECTORY"] = REPO
    e.setdefault("ANSIBLE_PYTHON_INTERPRETER", "auto_silent")
    return e


def ansible_playbook():
    here = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    return here if os.path.exists(here) else "ansible-playbook"


def lab():
    with open(os.path.join(STATE, "lab.json")) as stream:
        return json.load(stream)


class LabHosts:
    """Context manager: ``n`` prepared containers named <prefix>-NN, and an inventory directory."""

    def __init__(self, n, prefix="arcbench", images=("12",), hostvars=None):
        self.names = ["%s-%02d" % (prefix, i + 1) for i in range(n)]
        self.images = images
        self.hostvars = hostvars or {}
        self.tmp = tempfile.mkdtemp(prefix="arcbench.")
        self.inventory = os.path.join(self.tmp, "inventory")

    def __enter__(self):
        subprocess.run([os.path.join(REPO, "tests", "lab", "lab.sh"), "up"], check=True, stdout=subprocess.DEVNULL)
        self.destroy()
        procs = []
        for i, name in enumerate(self.names):
            image = "localhost/arcready-lab-debian:%s" % self.images[i % len(self.images)]
            procs.append(subprocess.Popen(
                ["podman", "run", "-d", "--name", name, "--hostname", name, "--network", "arclab",
                 "--cap-add", "NET_ADMIN", "--label", "arcbench=1", image, "sleep", "infinity"],
                stdout=subprocess.DEVNULL))
        for p in procs:
            if p.wait() != 0:
                raise RuntimeError("podman run failed")
        os.makedirs(os.path.join(self.inventory, "host_vars"))
        os.symlink(os.path.join(SHARED, "group_vars"), os.path.join(self.inventory, "group_vars"))
        hosts = dict((name, {"ansible_connection": "containers.podman.podman"}) for name in self.names)
        with open(os.path.join(self.inventory, "hosts.yml"), "w") as stream:
            json.dump({"all": {"hosts": hosts}}, stream)
        self.set_hostvars(self.hostvars)
        self.playbook(os.path.join(SHARED, "prepare.yml"), quiet=True)
        return self

    def set_hostvars(self, hostvars):
        for name in self.names:
            with open(os.path.join(self.inventory, "host_vars", name + ".yml"), "w") as stream:
                json.dump(hostvars.get(name, hostvars.get("*", {})), stream)

    def playbook(self, path, extra=None, forks=None, quiet=False, check=True):
        """Run ansible-playbook; returns (wall seconds, controller CPU seconds, rc, output)."""
        cmd = [ansible_playbook(), "-i", self.inventory, path]
        if forks:
            cmd += ["-f", str(forks)]
        for key, value in (extra or {}).items():
            cmd += ["-e", json.dumps({key: value})]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.monotonic()
        proc = subprocess.run(cmd, env=env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wall = time.monotonic() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        if check and proc.returncode != 0:
            sys.stderr.write(proc.stdout[-4000:])
            raise RuntimeError("%s failed (rc %d)" % (os.path.basename(path), proc.returncode))
        if not quiet and os.environ.get("ARCBENCH_VERBOSE"):
            sys.stdout.write(proc.stdout)
        return wall, cpu, proc.returncode, proc.stdout

    def destroy(self):
        subprocess.run(["podman", "rm", "--force", "--ignore", "--time", "0"] + self.names,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def __exit__(self, *exc):
        self.destroy()
        shutil.rmtree(self.tmp, ignore_errors=True)
        return False
