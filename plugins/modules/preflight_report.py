#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: preflight_report
author: arcready.network maintainers (@arcready)
version_added: 0.2.0
short_description: Write every report file of a preflight run at once, on the controller
description:
  - Reads every play host's registered probe result (O(result_var)) and writes the run's report set in
    O(report_dir) in one step, C(preflight.json), C(preflight.html), C(preflight.junit.xml) and
    C(hosts/<host>.json), all carrying the same C(run_id).
  - Hosts with the same failure signature (the set of endpoint, port, failed stage and reason code of their failed
    endpoints) and the same network path (proxy) form one group in C(preflight.json)'s C(groups), with the fix and
    who acts on it.
  - The set is written under C(.runs/<run_id>) and published by one rename of the C(current) symlink; the names
    C(preflight.json), C(preflight.html), C(preflight.junit.xml) and C(hosts) in O(report_dir) are links through
    C(current). A run killed while writing leaves the previous complete set; per-host files of earlier runs are
    never mixed with the new ones.
  - Runs once for the whole play (use C(run_once)); hosts of the play without a result are reported as such.
  - This is an action plugin, nothing runs on the managed hosts. It writes in check mode too and never reports
    a change or a diff, since reports are not changes to a host.
options:
  report_dir:
    description: Directory on the controller for the reports; created if missing.
    type: path
    required: true
  baseline:
    description:
      - An earlier run's C(preflight.json). The report then gets C(changes) (newly failing, fixed and still failing
        hosts, by group). A baseline that cannot be read gives a warning and C(changes.error), not a failure.
    type: path
    default: ""
  parameters:
    description: The run-wide parameters to record (cloud, region, timeout, ...). A proxy URL's credentials are masked.
    type: dict
    default: {}
  result_var:
    description: The variable each host registered its M(arcready.network.probe) result in.
    type: str
    default: __arc_preflight_probe
  inputs:
    description:
      - Per-host inputs to record in each host's entry, as input name -> variable name. A host that does not set
        the variable itself gets the play's or role's value.
    type: dict
    default: {scenarios: arc_scenarios, stage: arc_stage, private_link: arc_private_link, fail_on: arc_fail_on,
              proxy_url: arc_proxy_url}
  keep_runs:
    description: How many complete runs to keep under C(.runs) (the current one always stays).
    type: int
    default: 5
  merge:
    description:
      - Instead of this play's hosts, merge these fleet reports (paths of the slices' C(preflight.json), globs
        allowed) into one, with one set of groups computed over all their hosts (AWX job slicing; see the
        P(arcready.network.merge_preflight_reports#filter) filter and the C(arcready.network.merge_reports) playbook).
    type: list
    elements: str
    default: []
  title:
    description: Title of the HTML page.
    type: str
    default: Azure Arc network preflight
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
    details: Writes the reports in check mode too; reports are not host changes.
  diff_mode:
    support: none
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
    details: Use C(run_once); it reads every play host's result itself.
  platform:
    support: full
    platforms: posix
notes:
  - See docs/reports.md for the files and the C(preflight.json) fields.
seealso:
  - module: arcready.network.probe
"""

EXAMPLES = r"""
- name: Probe
  arcready.network.probe:
    region: westeurope
  register: probe_result

- name: Write the reports of every host at once
  arcready.network.preflight_report:
    report_dir: ./arc-reports
    result_var: probe_result
    baseline: ./last-week/preflight.json
    parameters: {cloud: AzureCloud, region: westeurope}
  run_once: true
"""

RETURN = r"""
run_id:
  description: The run's id, also in every report file.
  returned: always
  type: str
  sample: 20261201T215012Z-3fa9c1
report_dir:
  description: The report directory.
  returned: always
  type: str
run_dir:
  description: Where this run's set is (C(<report_dir>/.runs/<run_id>)).
  returned: always
  type: str
files:
  description: The names published in O(report_dir).
  returned: always
  type: list
  elements: str
  sample: [hosts, preflight.html, preflight.json, preflight.junit.xml]
summary:
  description: The fleet summary (as the P(arcready.network.preflight_summary#filter) filter), with C(run_id), C(report_dir),
    C(groups_total), the top C(groups) and, with a baseline, the C(changes) counts.
  returned: always
  type: dict
groups:
  description:
    - The work items, blocking ones first then by host count. Each has C(signature) (stable id), C(kind)
      (C(failure) or C(no_result)), C(count), C(hosts), C(failures) (host, port, failed_stage, failed_reason,
      required, blocking, title), C(causes), C(title), C(fix), C(owner) (host team, network/firewall, DNS,
      proxy/security), C(path) (C(proxy) ...), C(blocking) and C(says) (one sentence when every endpoint of the
      hosts fails the same way).
  returned: always
  type: list
  elements: dict
changes:
  description: With O(baseline), C(newly_failing), C(fixed), C(still_failing) (by group), C(new_groups),
    C(gone_groups) and C(counts); null without one.
  returned: always
  type: dict
timings:
  description: Seconds spent collecting results, building the report, rendering and writing.
  returned: always
  type: dict
sizes:
  description: Characters of each top-level report file.
  returned: always
  type: dict
"""
