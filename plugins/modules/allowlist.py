# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
# Documentation only: the work is done on the controller by plugins/action/allowlist.py.

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: allowlist
author: arcready.network maintainers (@arcready)
version_added: 0.2.0
short_description: Write the Azure Arc allow-list for the teams who open the network
description:
  - Writes, on the controller, the names an Azure Arc-enabled server must reach, in the formats network,
    proxy, firewall and DNS teams load - CSV and JSON, a Squid ACL snippet, a C(NO_PROXY) value, an Azure
    Firewall policy rule collection group (ARM template), a Palo Alto external dynamic list of domains, a plain
    list of names, the private link DNS records and, with a Service Tags file, the IP prefixes.
  - Every file comes from the collection's endpoint catalogue for one cloud, region, edition, set of scenarios,
    stage and private link choice. C(NOTES.txt) says, per file, which names the format cannot express and what
    the file says instead (a partial-label wildcard widened, a path dropped, ports that must be set elsewhere).
  - All files are built in a sibling directory and swapped in together, so a killed run leaves the previous
    complete set. The output directory is replaced on each run and must hold nothing else.
  - In check mode nothing is written; C(changed) says whether the files would change. No diff is shown.
options:
  cloud:
    description: The Azure cloud.
    type: str
    default: AzureCloud
    choices: [AzureCloud, AzureUSGovernment, AzureChinaCloud]
  region:
    description: The region the servers are onboarded to (C(eastus) or C(East US)).
    type: str
    required: true
  edition:
    description:
      - The catalogue edition (the date of Microsoft's network requirements page), when the catalogue has more
        than one. Unset means the current one.
    type: str
  scenarios:
    description: Extra groups of endpoints (C(ssh), C(wac), C(sql), C(esu), C(telemetry)); C(a,b), C([a,b]) or a list.
    type: list
    elements: str
    default: []
  stage:
    description: Which rows count as required (C(install), C(connect) or C(run)).
    type: str
    default: install
    choices: [install, connect, run]
  private_link:
    description: Whether the servers use an Azure Arc private link scope.
    type: bool
    default: false
  dest:
    description: The directory to write; created if missing, replaced as a whole on each run.
    type: path
    required: true
  formats:
    description: Which files to write (C(all), or some of C(csv), C(json), C(squid), C(no_proxy), C(azure_firewall),
      C(paloalto_edl), C(names), C(private_dns), C(ip_prefixes)). C(NOTES.txt) is always written.
    type: list
    elements: str
    default: [all]
  service_tags_file:
    description: A Service Tags JSON file (C(ServiceTags_Public_YYYYMMDD.json)) for the IP prefixes of IP-only firewalls.
    type: path
  report_file:
    description:
      - A preflight C(preflight.json). Names the probe tested (for example expanded Service Bus hosts) are added,
        and the CSV and JSON count, per name, the hosts that failed it.
    type: path
  bypass:
    description:
      - The C(proxy.bypass) services whose names go into C(NO_PROXY) (C(AAD), C(ARM), C(Arc), C(ArcData)).
      - Unset means C(Arc) with a private link scope, else every name.
    type: list
    elements: str
  include_optional:
    description: Also put names that are not required with these options into the firewall and proxy files.
    type: bool
    default: false
  wildcard_hosts:
    description: Concrete hosts for wildcard rows, keyed by catalogue pattern, as for the C(endpoints) lookup.
    type: dict
    default: {}
notes:
  - Runs on the controller only; C(delegate_to) and the inventory host do not matter.
seealso:
  - plugin: arcready.network.endpoints
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Allow-list for East US servers using SQL Server enabled by Azure Arc
  arcready.network.allowlist:
    region: eastus
    scenarios: [sql]
    dest: "{{ playbook_dir }}/arc-allowlist"

- name: With a private link scope and the IP prefixes for an IP-only firewall
  arcready.network.allowlist:
    region: westeurope
    private_link: true
    service_tags_file: /srv/mirror/ServiceTags_Public_20261130.json
    dest: /srv/arc-allowlist
"""

RETURN = r"""
dest:
  description: The directory written.
  type: str
  returned: success
files:
  description: The file names in RV(dest).
  type: list
  elements: str
  returned: success
names:
  description: How many (name, port) entries the allow-list holds.
  type: int
  returned: success
parameters:
  description: The validated parameters the files were made for.
  type: dict
  returned: success
left_out:
  description: Names left out of the firewall and proxy files (not required, or retired), each with the reason.
  type: list
  elements: dict
  returned: success
cannot_express:
  description: Per format, the names it cannot express exactly and why.
  type: dict
  returned: success
proxy_bypass:
  description: The C(azcmagent config set proxy.bypass) value for the same names.
  type: str
  returned: success
"""
