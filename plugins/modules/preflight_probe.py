#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: preflight_probe
author: arcready.network maintainers (@arcready)
version_added: 0.2.0
short_description: The arc_preflight role's probe step, one task per host, from the role's variables
description:
  - Runs M(arcready.network.probe) on the host with the options the P(arcready.network.arc_preflight#role) role's
    variables give (C(arc_cloud), C(arc_region), C(arc_scenarios), C(arc_proxy_url), C(arc_probe_*) and the
    others its argument spec documents), read by the controller once for the host. A value that cannot be used
    fails the task with a message naming the variable.
  - The probe runs within its time budget (a bound over the module's own deadlines for this many endpoints, or
    C(arc_probe_task_timeout) seconds when that is set), so that one host whose network stretches every deadline
    is stopped and reported without a result instead of holding up the play. A C(timeout) keyword on the task
    takes precedence.
  - Where C(arc_agent_check) is true and the host is not Windows, it then runs the agent's own connectivity check
    (C(azcmagent check --location <region> --cloud <cloud> --json)) where the Azure Connected Machine agent is
    installed, over the connection's plain command channel (as M(ansible.builtin.raw) does; no module, no Python
    started on the host), without a tty, within C(arc_agent_check_timeout) seconds. It is read-only and never fails
    the host; the result is C(agent_check), which M(arcready.network.preflight_report) compares with the
    catalogue's endpoints.
  - The verdict is not given here (C(fail_on=never)); the role gives it after every report is written.
  - One task instead of a probe task with its arguments templated for each host and a separate task for the agent's
    check, which cost the controller more than the probe itself at a thousand hosts. Outside the role, use
    M(arcready.network.probe) with its options.
options: {}
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - ansible.builtin.action_common_attributes.flow
attributes:
  check_mode:
    support: full
    details: Read-only; the probe and the agent's check run in check mode too.
  diff_mode:
    support: none
  action:
    support: full
  async:
    support: none
  bypass_host_loop:
    support: none
  platform:
    support: full
    platforms: [posix, windows]
    details: The agent's check is skipped on hosts with a PowerShell shell.
notes:
  - Takes no options; it fails when given any, naming them.
seealso:
  - module: arcready.network.probe
  - module: arcready.network.preflight_report
"""

EXAMPLES = r"""
# What the arc_preflight role runs on each host; set the role's variables to change what is probed.
- name: Probe the Azure Arc endpoints from this host
  arcready.network.preflight_probe: {}
  vars:
    arc_region: westeurope
    arc_scenarios: sql,esu
  register: __arc_preflight_probe
  ignore_errors: true
  ignore_unreachable: true
"""

RETURN = r"""
endpoints:
  description: One entry per endpoint, as M(arcready.network.probe) returns it.
  returned: when the probe ran
  type: list
  elements: dict
summary:
  description: Counts, as M(arcready.network.probe) returns them.
  returned: when the probe ran
  type: dict
table:
  description: The host's endpoint table, as M(arcready.network.probe) returns it.
  returned: when the probe ran
  type: str
verdict:
  description: The controller's verdict fields, as M(arcready.network.probe) returns them (here with C(fail_on=never)).
  returned: when the probe ran
  type: dict
agent_check:
  description:
    - The agent's own check, C(rc), C(stdout) (its JSON) and C(stderr) (the agent's path on a line starting with
      C(arc-agent-check:)); C(rc) is 127 where no agent is installed, and null with C(msg) when the check ran past
      C(arc_agent_check_timeout) or could not run.
  returned: when arc_agent_check is true, the probe ran and the host is not Windows
  type: dict
  sample: {rc: 127, stdout: "", stderr: ""}
timedout:
  description: C(period), the time limit in seconds, when the probe ran past it and was stopped.
  returned: when the probe was stopped
  type: dict
  sample: {period: 95}
"""
