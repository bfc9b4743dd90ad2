# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: endpoints
author: arcready.network maintainers (@arcready)
version_added: 0.1.0
short_description: The endpoints an Azure Arc-enabled server must reach
description:
  - Returns the endpoints the Azure Connected Machine agent needs for a cloud and region, one flat
    dictionary per endpoint, from the collection's endpoint catalogue (Microsoft's Arc network requirements).
  - Every row says where it comes from (RV(_list[].source), RV(_list[].grade)) and which editions of Microsoft's
    page list it (RV(_list[].editions)). Rows the current page no longer lists are returned with
    RV(_list[].required=false) and RV(_list[].retired) saying when and why they were removed, so a firewall team
    sees what it can retire.
  - Wildcard rows whose concrete host names are known are expanded (the global and regional HIS hosts, the
    global and regional guest configuration hosts, the SQL data processing and telemetry hosts).
    Other wildcard rows are returned with RV(_list[].probeable=false) and a RV(_list[].reason), unless hosts are
    given for them in O(wildcard_hosts).
  - Takes no terms.
options:
  cloud:
    description:
      - The Azure cloud, named as C(azcmagent check --cloud) names it.
    type: str
    default: AzureCloud
    choices: [AzureCloud, AzureUSGovernment, AzureChinaCloud]
  region:
    description:
      - The Azure region the server will be onboarded to, as a short name (C(eastus)) or a display name
        (C(East US)).
      - A well-formed name the catalogue does not list is accepted with a warning (its guest configuration host
        is built from the name, its regional HIS host is unknown); a region of another cloud is refused.
    type: str
    required: true
  edition:
    description:
      - Which revision of Microsoft's network requirements page the rows come from.
      - V(2026-06) is the current page (revision a0e94e03f8e9 of 2026-06-24) with its ESU-only subset.
        V(2024-03) is the revision of 2024-03-19 the collection was first built from.
    type: str
    default: '2026-06'
    choices: ['2026-06', '2024-03']
  scenarios:
    description:
      - Optional groups of endpoints to add, among V(ssh), V(wac), V(sql), V(esu), V(telemetry), V(licensing) and
        V(sql_entra).
      - V(ssh) and V(wac) add the Service Bus and Windows Admin Center hosts, V(sql) the SQL Server enabled by
        Azure Arc hosts, V(esu) the ESU certificate host (ports 80 and 443), V(telemetry) the legacy agent
        telemetry host (never required).
      - V(licensing) adds C(dls.microsoft.com), the license validation host of hotpatching, Windows Server Azure
        Benefits and Windows Server pay-as-you-go. V(sql_entra) adds C(graph.microsoft.com) and the Key Vault of
        Microsoft Entra authentication for Arc-enabled SQL Server (see O(key_vault)). Both need O(edition=2026-06).
      - V(wac) outside the regions Windows Admin Center in Azure is offered in gives a warning, and its rows are
        not required.
    type: list
    elements: str
    default: []
  esu_only:
    description:
      - The server uses Azure Arc only for Extended Security Updates (Windows Server 2012, 2016, SQL Server 2012).
        The ESU-only subset of Microsoft's page replaces the full table; the ESU certificate host is included
        without O(scenarios=esu), and O(scenarios=sql) adds the SQL Server ESU rows.
      - Only with O(edition=2026-06), not in Azure China (not offered there), and with no scenario other than
        V(esu) and V(sql).
    type: bool
    default: false
  auto_upgrade:
    description:
      - The agent and extensions upgrade automatically, so the download hosts (C(download.microsoft.com),
        C(packages.microsoft.com)) stay required after installation, at every O(stage).
    type: bool
    default: false
  key_vault:
    description:
      - Name (or C(vault.azure.net) host or URL) of the Key Vault used for Microsoft Entra authentication of
        Arc-enabled SQL Server, for O(scenarios=sql_entra). Without it the Key Vault row is not probeable.
    type: str
  include_retired:
    description:
      - Return the rows the current page no longer lists (never required). V(false) leaves them out.
    type: bool
    default: true
  stage:
    description:
      - Which "when required" rows count as required.
      - V(install) needs the download hosts, ARM and the always-needed hosts; V(connect) ARM and the
        always-needed hosts; V(run) only the always-needed hosts. The other rows are still returned, with
        RV(_list[].required=false).
    type: str
    default: install
    choices: [install, connect, run]
  private_link:
    description:
      - Whether the server uses an Azure Arc Private Link Scope. Extension blob storage is then not used
        (not required), and the HIS and guest configuration hosts are expected to resolve to private addresses.
    type: bool
    default: false
  wildcard_hosts:
    description:
      - Concrete hosts for wildcard rows, keyed by the catalogue pattern (RV(_list[].pattern)).
      - 'For example C({"*.blob.core.windows.net": ["mystorage.blob.core.windows.net"]}).'
    type: dict
    default: {}
  probeable_only:
    description:
      - Leave out the wildcard rows that have no concrete host.
    type: bool
    default: false
notes:
  - The regional HIS host is a shard code, not the region name (C(ukwest) uses C(uks.his.arc.azure.com)).
    Where the shard of a region is not known (or known only without evidence), the lookup returns the global HIS
    host and a not-probeable row saying how to find the shard.
  - Editions, evidence grades and retired rows are described in the collection's C(docs/catalogue.md).
seealso:
  - module: arcready.network.probe
"""

EXAMPLES = r"""
- name: List the endpoints an East US server needs to install and connect
  ansible.builtin.debug:
    msg: "{{ query('arcready.network.endpoints', region='eastus') | map(attribute='url') | list }}"

- name: Host names that must stay on the private link, for the DNS team
  ansible.builtin.debug:
    msg: >-
      {{ query('arcready.network.endpoints', region='westeurope', private_link=true)
         | community.general.json_query('[?private_capable && probeable].host') }}

- name: Hosts a firewall team can retire (the current page dropped them), with the reason
  ansible.builtin.debug:
    msg: >-
      {{ query('arcready.network.endpoints', region='eastus')
         | selectattr('retired') | items2dict(key_name='host', value_name='retired') }}

- name: Required endpoints of a US Government server using ESUs, as host:port
  ansible.builtin.set_fact:
    arc_allow: >-
      {{ query('arcready.network.endpoints', cloud='AzureUSGovernment', region='usgovvirginia', scenarios=['esu'])
         | community.general.json_query("[?required && probeable].join(':', [host, to_string(port)])") }}
"""

RETURN = r"""
_list:
  description: One dictionary per endpoint.
  type: list
  elements: dict
  contains:
    host:
      description: Host name, or the catalogue pattern for a wildcard row that is not probeable.
      type: str
      sample: gbl.his.arc.azure.com
    port:
      description: TCP port.
      type: int
      sample: 443
    scheme:
      description: V(https), or V(http) for the port 80 row of the ESU certificate host.
      type: str
    path:
      description: HTTP path the probe requests.
      type: str
      sample: /
    url:
      description: URL of the endpoint.
      type: str
      sample: https://gbl.his.arc.azure.com
    purpose:
      description: What the agent uses the endpoint for, as Microsoft's table words it.
      type: str
    when:
      description: >-
        When it is needed: V(install), V(always), V(connect), V(always_unless_private_link), V(ssh_wac), V(wac),
        V(sql), V(esu) or V(telemetry).
      type: str
    when_text:
      description: The "when required" wording of Microsoft's table.
      type: str
    scenario:
      description: The scenario that added the row, or V(null) for rows every server needs.
      type: str
    required:
      description: Whether the endpoint is required at the chosen O(stage) with the chosen options.
      type: bool
    private_link:
      description: >-
        Behaviour with a private link scope: V(public), V(private), V(not_used), V(public_unless_arm_private_link),
        or V(undocumented) (Azure China's table has no private link column).
      type: str
    private_capable:
      description: Whether the endpoint goes through the private endpoint when a private link scope is used.
      type: bool
    probeable:
      description: Whether the row names a concrete host that can be probed.
      type: bool
    reason:
      description: Why the row cannot be probed, and what to do; empty for probeable rows.
      type: str
    pattern:
      description: The row of Microsoft's table this endpoint comes from.
      type: str
      sample: "*.his.arc.azure.com"
    note:
      description: Where a concrete host of a wildcard row comes from.
      type: str
    bypass:
      description: The C(azcmagent) C(proxy.bypass) service names that send this host around the proxy.
      type: list
      elements: str
      sample: [Arc]
    service_tags:
      description: The service tags Microsoft says to allow for the cloud and scenarios.
      type: list
      elements: str
    tls13_allowed:
      description: Whether Microsoft's table says the endpoint allows TLS 1.3.
      type: bool
    cloud:
      description: The cloud.
      type: str
    region:
      description: The region, as a short name.
      type: str
    alternatives:
      description: Other patterns the page allows instead of RV(_list[].pattern) ("either name will do").
      type: list
      elements: str
    edition:
      description: The edition the row was built from (O(edition)).
      type: str
    editions:
      description: The editions of Microsoft's page that list the row.
      type: list
      elements: str
      sample: ['2026-06', '2024-03']
    source:
      description: The document revision the row comes from, and the change that added it when newer than the seed.
      type: str
    grade:
      description: Evidence grade of the row (V(MS-doc) for every row of Microsoft's tables).
      type: str
    host_grade:
      description: >-
        Evidence grade of the concrete host of a wildcard row: V(MS-doc), V(MS-list), V(Observed), V(3P),
        V(Inference); empty for hosts given in O(wildcard_hosts) or O(key_vault).
      type: str
    retired:
      description: Empty for current rows; for rows the current page dropped, when and why (never required).
      type: str
      sample: "removed from Microsoft's page on 2024-10-31 (138b09e06 'removed outdated endpoint'): ..."
    auto_upgrade:
      description: Whether the row is required after installation only because of O(auto_upgrade).
      type: bool
"""

from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.arcready.network.plugins.module_utils._catalogue import CatalogueError, build


display = Display()


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        if terms:
            raise AnsibleLookupError("arcready.network.endpoints takes no terms, only options (got %r); "
                                     "use region='...' and the other options" % (terms,))
        self.set_options(var_options=variables, direct=kwargs)
        warnings = []
        try:
            endpoints = build(
                self.get_option("cloud"),
                self.get_option("region"),
                scenarios=self.get_option("scenarios"),
                stage=self.get_option("stage"),
                private_link=self.get_option("private_link"),
                wildcard_hosts=self.get_option("wildcard_hosts"),
                edition=self.get_option("edition"),
                auto_upgrade=self.get_option("auto_upgrade"),
                esu_only=self.get_option("esu_only"),
                key_vault=self.get_option("key_vault"),
                warnings=warnings,
            )
        except CatalogueError as exc:
            raise AnsibleLookupError("arcready.network.endpoints: %s" % exc)
        for warning in warnings:
            display.warning("arcready.network.endpoints: %s" % warning)
        if self.get_option("probeable_only"):
            endpoints = [e for e in endpoints if e["probeable"]]
        if not self.get_option("include_retired"):
            endpoints = [e for e in endpoints if not e["retired"]]
        return endpoints
