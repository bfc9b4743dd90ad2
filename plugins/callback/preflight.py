# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: preflight
type: stdout
author: arcready.network maintainers (@arcready)
version_added: 0.2.0
short_description: A short console for the Azure Arc preflight of many hosts
description:
  - "Ansible's default output, with one line per host as it finishes the M(arcready.network.probe) task (or the
    preflight role's M(arcready.network.preflight_probe)),
    for example C([ 7/20] web07: ready) or C([ 8/20] web08: not ready: TCP: connection timed out), in place of
    the task's C(ok)/C(fatal) lines, and a compact recap (counts, then only the failed and unreachable hosts, capped)
    in place of one PLAY RECAP line per host."
  - At default verbosity the C(ok) and C(skipping) lines of other per-host tasks are left out (task banners, run
    once tasks such as the fleet summary, and every failure are shown as usual, except the failures of the
    preflight role's verdict task, tagged C(arc_preflight_verdict), which the recap names); with C(-v) and more it prints what
    the default callback prints, plus the progress lines.
  - Enable it with C(ANSIBLE_STDOUT_CALLBACK=arcready.network.preflight) or C(stdout_callback =
    arcready.network.preflight) in the C([defaults]) section of C(ansible.cfg) (the AWX sample project does).
extends_documentation_fragment:
  - default_callback
options:
  recap_hosts:
    description: How many failed and unreachable host names the recap lists.
    type: int
    default: 20
    env:
      - name: ARCREADY_RECAP_HOSTS
    ini:
      - section: arcready_preflight
        key: recap_hosts
"""

from ansible.plugins.callback.default import CallbackModule as DefaultCallback

from ansible_collections.arcready.network.plugins.plugin_utils import _groups
from ansible_collections.arcready.network.plugins.plugin_utils._verdict import PROBE_ACTIONS
# The role's per-host verdict task: its failures are counted in the stats and named in the recap, not printed.
VERDICT_TAG = "arc_preflight_verdict"


def _task(result):
    return getattr(result, "task", None) or result._task


def _host(result):
    return (getattr(result, "host", None) or result._host).get_name()


def _data(result):
    # ansible-core 2.19's ``result`` deep-copies the whole result into native types for each task result; the
    # host line reads a few fields of it, so it reads the result as received (a large fleet's controller spent
    # more time in that copy than in the line), unless no_log asks for the censored copy.
    raw = getattr(result, "_return_data", None)
    if isinstance(raw, dict) and not raw.get("_ansible_no_log") and getattr(_task(result), "no_log", None) is not True:
        return raw
    data = getattr(result, "result", None)
    return data if isinstance(data, dict) else (result._result or {})


def host_line(data, outcome):
    """What one host's probe says, in a few words: ready, not ready: <top cause>, or no result: <why>."""
    endpoints = data.get("endpoints") if outcome != "unreachable" else None
    if isinstance(endpoints, list):
        verdict = _groups.host_verdict({"endpoints": endpoints}, "required")
        if verdict["status"] == "ready":
            return "ready"
        text = verdict["text"] if verdict.get("everywhere") else verdict["cause"]
        return "%s: %s" % ("not ready" if verdict["status"] == "not_ready" else "ready, optional failing", text)
    why = str(data.get("msg") or ("unreachable" if outcome == "unreachable" else "the probe returned nothing"))
    return "no result: %s" % why.splitlines()[0][:160] if why.strip() else "no result"


class CallbackModule(DefaultCallback):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "stdout"
    CALLBACK_NAME = "arcready.network.preflight"

    def __init__(self):
        super(CallbackModule, self).__init__()
        self._total = 0
        self._done = set()
        self._play_uuid = None

    def _verbose(self):
        return self._display.verbosity >= 1

    def _is_probe(self, task):
        return any(str(getattr(task, name, None) or "") in PROBE_ACTIONS for name in ("resolved_action", "action"))

    def _quiet(self, task):
        """A per-host task whose ok/skipping lines are left out at default verbosity."""
        return not self._verbose() and not getattr(task, "run_once", False)

    def v2_playbook_on_play_start(self, play):
        super(CallbackModule, self).v2_playbook_on_play_start(play)
        uuid = getattr(play, "_uuid", None)
        if uuid is not None and uuid == self._play_uuid:
            return  # another serial batch of the same play
        self._play_uuid = uuid
        self._done = set()
        try:
            self._total = len(play.get_variable_manager()._inventory.get_hosts(play.hosts))
        except Exception:  # pylint: disable=broad-except  # progress must never break a play
            self._total = 0

    def _progress(self, result, outcome):
        name = _host(result)
        if name in self._done:
            return
        self._done.add(name)
        total = max(self._total, len(self._done))
        width = len(str(total))
        self._display.display("[%*d/%d] %s: %s"
                              % (width, len(self._done), total, name, host_line(_data(result), outcome)))

    def _banner(self, task):
        if self._last_task_banner != task._uuid:
            self._print_task_banner(task)

    def v2_runner_on_ok(self, result):
        task = _task(result)
        if self._is_probe(task):
            self._banner(task)
            self._progress(result, "ok")
            if self._verbose():
                super(CallbackModule, self).v2_runner_on_ok(result)
            return
        if self._quiet(task):
            return
        super(CallbackModule, self).v2_runner_on_ok(result)

    def v2_runner_on_failed(self, result, ignore_errors=False):
        task = _task(result)
        if VERDICT_TAG in (getattr(task, "tags", None) or ()) and not self._verbose():
            return  # the summary said why, the recap names the hosts
        if self._is_probe(task):
            self._banner(task)
            self._progress(result, "failed")
            if ignore_errors and not self._verbose():
                return
        super(CallbackModule, self).v2_runner_on_failed(result, ignore_errors=ignore_errors)

    def v2_runner_on_unreachable(self, result):
        task = _task(result)
        if self._is_probe(task):
            self._banner(task)
            self._progress(result, "unreachable")
            if task.ignore_unreachable and not self._verbose():
                return
        super(CallbackModule, self).v2_runner_on_unreachable(result)

    def v2_runner_on_skipped(self, result):
        if self._quiet(_task(result)):
            return
        super(CallbackModule, self).v2_runner_on_skipped(result)

    def v2_runner_item_on_ok(self, result):
        if self._quiet(_task(result)):
            return
        super(CallbackModule, self).v2_runner_item_on_ok(result)

    def v2_runner_item_on_skipped(self, result):
        if self._quiet(_task(result)):
            return
        super(CallbackModule, self).v2_runner_item_on_skipped(result)

    def v2_playbook_on_stats(self, stats):
        if self._verbose():
            super(CallbackModule, self).v2_playbook_on_stats(stats)
            return
        self._display.banner("PLAY RECAP")
        names = sorted(stats.processed.keys())
        failed = [h for h in names if stats.summarize(h)["failures"]]
        unreachable = [h for h in names if stats.summarize(h)["unreachable"]]
        self._display.display("%d host%s: %d ok, %d failed, %d unreachable"
                              % (len(names), "" if len(names) == 1 else "s", len(names) - len(set(failed) | set(unreachable)), len(failed),
                                 len(unreachable)))
        cap = self.get_option("recap_hosts")
        for label, hosts in (("failed", failed), ("unreachable", unreachable)):
            if hosts:
                more = " and %d more" % (len(hosts) - cap) if len(hosts) > cap else ""
                self._display.display("%s: %s%s" % (label, ", ".join(hosts[:cap]), more))
