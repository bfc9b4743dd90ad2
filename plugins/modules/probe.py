#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
module: probe
author: arcready.network maintainers (@arcready)
version_added: 0.1.0
short_description: Check from a managed host that every Azure Arc endpoint is reachable
description:
  - Probes, from the managed host and in parallel, each endpoint the Azure Connected Machine agent needs, stage
    by stage. DNS (all addresses, private or public), TCP connect, an HTTP CONNECT tunnel when a proxy is used, the TLS
    handshake (SNI, certificate validation against the host's trust store, negotiated version and cipher,
    nothing below TLS 1.2 by default), the certificate's issuer and expiry, and an HTTP request that proves the
    service answers (any HTTP status counts as reachable).
  - Says per endpoint which stage failed (RV(endpoints[].failed_stage)), why as a code from a closed, documented
    set (RV(endpoints[].failed_reason)), and in one sentence for people what failed and the likely cause
    (RV(endpoints[].error)). The fields and codes are the collection's result contract, C(docs/result_contract.md).
  - Every endpoint has a wall-clock budget, O(deadline), that no server behaviour stretches (trickled headers or
    CONNECT answers, endless bodies, slow handshakes, silent TCP or DNS). The module returns within about
    one O(deadline) per batch of O(workers) endpoints, plus one for the Service Bus allowlist, plus one for the HIS discovery request, plus start-up.
  - Every option is checked before anything goes on the wire; a bad value fails the task with a message naming
    the option.
  - Flags TLS inspection (a certificate not issued by an expected CA) and, with O(private_link=true),
    private-capable endpoints that resolve to public addresses.
  - The endpoints come from the collection's catalogue (O(cloud), O(region), O(scenarios), O(stage)) or from
    O(endpoints).
  - Read-only; never reports a change.
options:
  cloud:
    description: The Azure cloud, named as C(azcmagent check --cloud) names it.
    type: str
    default: AzureCloud
    choices: [AzureCloud, AzureUSGovernment, AzureChinaCloud]
  region:
    description:
      - The Azure region, as a short name (C(eastus)) or a display name (C(East US)).
      - Required unless O(endpoints) is given.
    type: str
  edition:
    description:
      - Which revision of Microsoft's network requirements page the catalogue rows come from, V(2026-06) (the
        current page) or V(2024-03); see the P(arcready.network.endpoints#lookup) lookup.
    type: str
    choices: ['2026-06', '2024-03']
    default: '2026-06'
  scenarios:
    description: Optional groups of endpoints to add; see the P(arcready.network.endpoints#lookup) lookup.
    type: list
    elements: str
    choices: [ssh, wac, sql, esu, telemetry, licensing, sql_entra]
    default: []
  esu_only:
    description: The server uses Azure Arc only for Extended Security Updates; the ESU-only subset replaces the table.
    type: bool
    default: false
  auto_upgrade:
    description: The agent upgrades automatically, so the download hosts stay required after installation.
    type: bool
    default: false
  key_vault:
    description:
      - Name of the Key Vault of Microsoft Entra authentication for Arc-enabled SQL Server, for
        O(scenarios=sql_entra).
    type: str
  stage:
    description: Which "when required" rows count as required; see the P(arcready.network.endpoints#lookup) lookup.
    type: str
    choices: [install, connect, run]
    default: install
  private_link:
    description:
      - The server uses an Azure Arc Private Link Scope. Private-capable endpoints (HIS, guest configuration)
        must then resolve to private addresses (RFC 1918, RFC 6598 or IPv6 ULA); the others must still be
        reachable.
    type: bool
    default: false
  endpoints:
    description:
      - Probe these endpoints instead of the catalogue's.
      - The collection's action plugin fills this from the catalogue on the controller when it is not given, so
        the Python and PowerShell implementations probe the same list.
      - At most 5000 endpoints.
    type: list
    elements: dict
    suboptions:
      host:
        description:
          - Host name or address; an IPv6 address bare or in brackets. White space and control characters are
            refused.
        type: str
        required: true
      port:
        description: TCP port, 1 to 65535.
        type: int
        default: 443
      scheme:
        description: V(https), or V(http) for plain HTTP.
        type: str
        choices: [https, http]
        default: https
      path:
        description: HTTP path to request; starts with C(/), no white space or control characters.
        type: str
        default: /
      required:
        description: Whether a failure of this endpoint fails the task under O(fail_on=required).
        type: bool
        default: true
      purpose:
        description: Free text shown in the results.
        type: str
        default: ''
      url:
        description: URL shown in the results; built from O(endpoints[].scheme), host, port and path when omitted.
        type: str
      pattern:
        description: The catalogue row the endpoint comes from.
        type: str
      bypass:
        description: The C(proxy.bypass) service names that send this endpoint around the proxy.
        type: list
        elements: str
        default: []
      private_capable:
        description: The endpoint must resolve to a private address when O(private_link=true).
        type: bool
        default: false
      probeable:
        description: V(false) for a wildcard row that cannot be probed; it is reported with O(endpoints[].reason).
        type: bool
        default: true
      reason:
        description: Why the row cannot be probed.
        type: str
        default: ''
      discover:
        description:
          - This is the regional HIS row that O(discover_his) replaces with the discovered host. The action plugin
            sets it on the catalogue's row.
        type: bool
        default: false
  wildcard_hosts:
    description:
      - Concrete hosts for catalogue wildcard rows, keyed by pattern, for example C(*.blob.core.windows.net).
      - Each value is a list of host names, or one string of comma-separated names.
    type: dict
    default: {}
  expand_service_bus:
    description:
      - Ask the guest notification service for this region's allowlist of C(azgn*) Service Bus hosts and probe
        them. The request goes from the managed host, through the proxy when one is used.
      - The fetch has one O(deadline) and reads at most 1 MiB of JSON nested at most 32 levels deep; at most
        500 hosts are added (a warning says when the allowlist named more).
    type: bool
    default: false
  discover_his:
    description:
      - Ask the global HIS host for this region's regional HIS host, as the agent does
        (C(https://gbl.his.arc.azure.<suffix>/discovery?location=<region>&api-version=2.1)), and probe the host
        the answer names instead of the catalogue's shard map. The request goes from the managed host, through
        the proxy when one is used, within one O(deadline), and reads at most 64 KiB.
      - Acts on the endpoint marked O(endpoints[].discover) (the catalogue's regional HIS row, also when its
        shard is unknown). RV(endpoints[].host_source) says where the probed host came from; a warning says when
        discovery and the map disagree. When discovery fails the map's host is probed, or the row stays not
        probeable when the map has no verified host.
    type: bool
    default: true
  timeout:
    description:
      - Seconds each stage (DNS, TCP, proxy, TLS, HTTP) may take for one endpoint; more than 0, at most 120.
    type: float
    default: 5
  deadline:
    description:
      - Seconds one endpoint may take in all, whatever the servers do; more than 0, at most 600.
      - Defaults to twice O(timeout) (capped at 600). Running out fails the endpoint with
        RV(endpoints[].failed_reason=deadline.exceeded) in the stage it was in.
      - The reconnections made to explain a failed TLS handshake come out of the same budget.
    type: float
  workers:
    description:
      - How many endpoints are probed at once, 1 to 64. Name lookups share at most 4 more threads.
    type: int
    default: 20
  proxy_url:
    description:
      - The HTTP proxy to go through.
      - V(auto) uses what the agent would use, the agent's C(proxy.url) when C(azcmagent) is installed, else
        the E(HTTPS_PROXY) or E(https_proxy) environment variable (honouring E(NO_PROXY)).
      - An empty string or V(none) probes directly.
      - Credentials in the URL are accepted for testing but never shown; the agent itself does not support
        authenticating proxies, which the result warns about.
    type: str
    default: auto
  proxy_username:
    description: User name for the proxy, instead of putting it in O(proxy_url).
    type: str
  proxy_password:
    description: Password for the proxy, instead of putting it in O(proxy_url).
    type: str
  proxy_bypass:
    description:
      - The agent's C(proxy.bypass) service names whose endpoints are reached directly.
      - Defaults to the agent's own setting when the proxy comes from the agent, else none.
    type: list
    elements: str
    choices: [AAD, ARM, AMA, Arc, ArcData]
  resolve:
    description:
      - Connect to these addresses instead of resolving the names, like C(curl --resolve). Keys are host names.
      - Useful to test a private endpoint before the DNS zone is in place.
    type: dict
    default: {}
  ca_path:
    description:
      - PEM file of CA certificates to validate against instead of the host's trust store.
      - Must be a readable regular file of at most 10 MiB holding at least one PEM certificate.
    type: path
  min_tls_version:
    description: The oldest TLS version accepted.
    type: str
    choices: ['1.2', '1.3']
    default: '1.2'
  expected_issuers:
    description:
      - Substrings of the issuer (organisation or common name) of certificates that Microsoft's endpoints
        present. An endpoint whose certificate is issued by anything else is flagged as TLS inspection.
      - Defaults to Microsoft's and its public CAs' names (Microsoft Corporation, Microsoft Azure, Microsoft RSA,
        Microsoft ECC, DigiCert, GeoTrust, GlobalSign).
      - Empty or blank strings are refused (they would match every issuer).
    type: list
    elements: str
  check_tls_inspection:
    description: Flag certificates not issued by O(expected_issuers) as TLS inspection.
    type: bool
    default: true
  fail_on:
    description:
      - V(required) fails the task when a required endpoint fails, V(any) when any probed endpoint fails,
        V(never) never. The results are returned either way.
    type: str
    choices: [required, any, never]
    default: required
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
    support: full
    details: The module only reads; it runs the same in check mode.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
    support: none
  platform:
    description: Target OS/families that can be operated against.
    support: full
    platforms: [posix, windows]
notes:
  - Uses the Python standard library only; needs Python 3.8 or later on the managed host.
  - The agent does not support TLS-inspecting proxies, authenticating proxies, HTTPS proxies or the Log Analytics
    gateway as a proxy.
seealso:
  - plugin: arcready.network.endpoints
    plugin_type: lookup
"""

EXAMPLES = r"""
- name: Check that this host can reach what an East US onboarding needs
  arcready.network.probe:
    region: eastus
  register: arc_probe

- name: Show the azcmagent check style table
  ansible.builtin.debug:
    msg: "{{ arc_probe.table.splitlines() }}"

- name: Check through a proxy, with the agent's bypass for private endpoints, and SQL Server endpoints
  arcready.network.probe:
    region: westeurope
    scenarios: [sql]
    private_link: true
    proxy_url: http://proxy.corp.example:3128
    proxy_bypass: [Arc]
    fail_on: never

- name: Probe an explicit list
  arcready.network.probe:
    endpoints:
      - host: mystorage.blob.core.windows.net
      - host: www.microsoft.com
        port: 80
        scheme: http
        path: /pkiops/certs
    timeout: 3
"""

RETURN = r"""
endpoints:
  description: One result per endpoint, in catalogue order.
  returned: always
  type: list
  elements: dict
  contains:
    host:
      description: Host name.
      type: str
      sample: gbl.his.arc.azure.com
    port:
      description: TCP port.
      type: int
      sample: 443
    scheme:
      description: V(https) or V(http).
      type: str
    url:
      description: URL probed.
      type: str
    purpose:
      description: What the agent uses the endpoint for.
      type: str
    required:
      description: Whether a failure fails the task under O(fail_on=required).
      type: bool
    probeable:
      description: False for wildcard rows with no concrete host.
      type: bool
    reason:
      description: Why the row was not probed.
      type: str
    pattern:
      description: The catalogue row the endpoint comes from.
      type: str
    private_capable:
      description: Whether the endpoint must resolve to a private address under O(private_link=true).
      type: bool
    ok:
      description: Whether every stage passed.
      type: bool
    failed_stage:
      description: >-
        The stage that failed, V(dns), V(private_link), V(tcp), V(proxy), V(tls), V(tls_inspection) or V(http);
        V(input) when the host or path given cannot be sent at all. Null when the endpoint passed or was not
        probed.
      type: str
    failed_reason:
      description:
        - Why it failed, a code from a closed set (C(docs/result_contract.md) says what each means). Null when the
          endpoint passed or was not probed. Code should key on this and RV(endpoints[].failed_stage), never on
          RV(endpoints[].error).
        - V(input.invalid); V(dns.nxdomain), V(dns.timeout), V(dns.no_address), V(dns.failed);
          V(private_link.public_address); V(tcp.timeout), V(tcp.refused), V(tcp.unreachable), V(tcp.failed),
          V(tcp.local_limit); V(proxy.unsupported_scheme), V(proxy.unreachable), V(proxy.timeout), V(proxy.closed),
          V(proxy.not_http), V(proxy.auth_required), V(proxy.refused); V(tls.expired), V(tls.name_mismatch),
          V(tls.untrusted), V(tls.protocol_too_old), V(tls.local_policy), V(tls.no_common_cipher), V(tls.not_tls),
          V(tls.timeout), V(tls.reset), V(tls.failed); V(tls_inspection.reissued), V(tls_inspection.untrusted);
          V(http.timeout), V(http.closed), V(http.not_http); V(deadline.exceeded) (in any stage, when the endpoint's
          budget ran out in it); V(engine.error) (in any stage, a bug in the probe).
      type: str
      sample: tcp.timeout
    error:
      description: One sentence for people saying what failed and why; its wording may change.
      type: str
      sample: "TCP connect to 203.0.113.5:443 timed out after 5 s: a firewall is probably dropping it"
    hint:
      description: Extra advice that did not fail the endpoint.
      type: str
    latency_ms:
      description: Milliseconds per stage, keyed by V(dns), V(tcp), V(proxy), V(tls) and V(http).
      type: dict
    elapsed_ms:
      description: Milliseconds the endpoint took in all (at most O(deadline)).
      type: int
    addresses:
      description: Addresses the name resolved to on this host.
      type: list
      elements: str
    private:
      description: Whether all addresses are private; null when a proxy was used or DNS failed.
      type: bool
    tls_version:
      description: Negotiated TLS version.
      type: str
      sample: TLSv1.3
    tls_cipher:
      description: Negotiated cipher.
      type: str
    cert_issuer:
      description: Issuer of the certificate (CN and organisation).
      type: str
    cert_subject:
      description: Subject of the certificate.
      type: str
    cert_not_after:
      description: Expiry of the certificate.
      type: str
    tls_inspection:
      description: Whether the certificate looks re-signed by an inspecting middlebox.
      type: bool
    http_status:
      description: HTTP status the service answered with.
      type: int
    proxy:
      description: Proxy used for this endpoint, with credentials redacted.
      type: str
    host_source:
      description:
        - For the regional HIS row, where its host came from, V(discovered) (the discovery answer),
          V(catalogue) (the shard map, discovery failed) or V(unknown) (neither; the row is not probed). Null
          for every other endpoint.
      type: str
      sample: discovered
    catalogue_host:
      description: For the regional HIS row, the host the catalogue's shard map names (null when it has none).
      type: str
      returned: when O(discover_his=true) and the regional HIS row is present
    discovery:
      description: For the regional HIS row, what discovery returned, in one sentence.
      type: str
      returned: when O(discover_his=true) and the regional HIS row is present
summary:
  description: Counts over all endpoints, computed on the controller from the endpoint results of either engine.
  returned: always
  type: dict
  sample: {total: 15, ok: 10, failed: 1, required_failed: 1, not_probeable: 4, tls_inspection: 0}
table:
  description: An C(azcmagent check) style table, ENDPOINT | REACHABLE | PRIVATE | TLS | PROXY (computed on the
    controller).
  returned: always
  type: str
verdict:
  description:
    - The controller's verdict over the endpoint results, keyed on C(failed_stage) and C(failed_reason) codes.
    - C(status) is C(ready), C(warning) or C(not_ready); C(failing) lists the endpoints that decide the verdict
      under C(fail_on); C(warnings) are C({code, message}) dicts (C(tls_inspection.detected), C(proxy.credentials),
      C(proxy.not_http)).
  returned: always
  type: dict
  sample: {fail_on: required, status: ready, failing: [], warnings: []}
proxy:
  description: The proxy in use (credentials redacted), or null.
  returned: always
  type: str
contract:
  description: The version of the result contract the endpoint results follow (C(docs/result_contract.md)).
  returned: always
  type: int
  sample: 1
deadline:
  description: The seconds each endpoint was allowed in all (O(deadline), or its default).
  returned: always
  type: float
proxy_source:
  description: Where the proxy came from, V(option), V(agent), V(environment) or V(none).
  returned: always
  type: str
proxy_bypass:
  description: The proxy.bypass service names applied.
  returned: always
  type: list
  elements: str
"""


import os
import ssl
import stat
import subprocess

from ansible.module_utils.basic import AnsibleModule as _BaseModule

from ansible_collections.arcready.network.plugins.module_utils import _contract, _his_probe, _probe
from ansible_collections.arcready.network.plugins.module_utils._catalogue import (
    CatalogueError, build, check_region, BYPASS_SERVICES, DEFAULT_EDITION, EDITIONS, SCENARIOS,
)
from ansible_collections.arcready.network.plugins.module_utils._proxy import (
    ProxyError, discover, parse as parse_proxy, redact, url_secrets,
)

_AGENT_PATHS = ["/opt/azcmagent/bin", "/usr/local/bin", "/usr/bin"]
_AGENT_TIMEOUT = 3  # seconds for each `azcmagent config get`; part of the start-up allowance
_CA_MAX_BYTES = 10 * 1024 * 1024


class AnsibleModule(_BaseModule):
    """AnsibleModule whose argument errors name the option: for a list of dicts given a string, Ansible's first
    error ("dictionary requested, ...") does not, its later ones do. (It keeps the name so that tools and tests
    that look for, or stand in for, probe.AnsibleModule still find it.)"""

    def fail_json(self, msg=None, **kwargs):
        checked = getattr(self, "validation_result", None)
        quoted = ["'%s'" % name for name in self.argument_spec]
        if checked is not None and checked.errors and not any(q in str(msg) for q in quoted):
            named = [str(e) for e in checked.errors if any(q in str(e) for q in quoted)]
            msg = "; ".join(named) if named else msg
        super(AnsibleModule, self).fail_json(msg=msg, **kwargs)


def _run_bounded(argv):
    """run_command with a time limit: a hung azcmagent must not hold the module past its budget."""
    try:
        done = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=_AGENT_TIMEOUT,
                              check=False, universal_newlines=True, errors="replace")
    except subprocess.TimeoutExpired:
        return 1, "", "timed out"
    return done.returncode, done.stdout, done.stderr


def _pick_proxy(module):
    """(ProxyURL or None, source, bypass names, NO_PROXY patterns), following the agent's precedence."""
    p = module.params
    wanted = (p["proxy_url"] or "").strip()
    bypass = p["proxy_bypass"]
    if wanted.lower() in ("", "none"):
        return None, "none", bypass or [], []
    if wanted.lower() != "auto":
        return parse_proxy(wanted, p["proxy_username"], p["proxy_password"]), "option", bypass or [], []
    agent = module.get_bin_path("azcmagent", opt_dirs=_AGENT_PATHS)
    url, source, found_bypass, no_proxy = discover(_run_bounded, agent, os.environ, BYPASS_SERVICES)
    if url is None:
        return None, "none", bypass or [], []
    for secret in url_secrets(url):
        module.no_log_values.add(secret)
    where = "the agent's proxy.url" if source == "agent" else "HTTPS_PROXY"
    proxy = parse_proxy(url, p["proxy_username"], p["proxy_password"], option="proxy_url=auto (%s)" % where)
    return proxy, source, (found_bypass if bypass is None else bypass), no_proxy


def _check_list_of_text(values, option):
    for index, value in enumerate(values or ()):
        if not isinstance(value, str) or not value.strip():
            raise ValueError("%s[%d]: %r is empty or not text; remove it or give a non-blank string"
                             % (option, index, value))


def _check_resolve(value):
    import ipaddress
    out = {}
    for host, address in value.items():
        name = _probe.check_host(host, "resolve (the key %r)" % (host,))
        text = address.strip("[]") if isinstance(address, str) else None
        try:
            ipaddress.ip_address((text or "").split("%")[0])
        except ValueError:
            raise ValueError("resolve[%s]: expected an IP address such as 10.0.0.4 or [fd00::4], got %r"
                             % (host, address))
        out[name] = text
    return out


def _check_ca_path(path):
    try:
        info = os.stat(path)
    except OSError as exc:
        raise ValueError("ca_path %s is not a file on this host (%s); give a PEM bundle of CA certificates"
                         % (path, exc.strerror))
    if not stat.S_ISREG(info.st_mode):
        raise ValueError("ca_path %s is not a regular file (a directory, device or FIFO?); give a PEM bundle of "
                         "CA certificates" % path)
    if info.st_size > _CA_MAX_BYTES:
        raise ValueError("ca_path %s is larger than 10 MiB; give a PEM bundle of CA certificates" % path)
    try:
        with open(path, "rb") as stream:
            text = stream.read(_CA_MAX_BYTES + 1)
    except OSError as exc:
        raise ValueError("ca_path %s cannot be read (%s)" % (path, exc.strerror))
    if b"-----BEGIN CERTIFICATE-----" not in text:
        raise ValueError("ca_path %s holds no PEM certificate (-----BEGIN CERTIFICATE-----); give a PEM bundle "
                         "of CA certificates" % path)
    try:
        ssl.create_default_context(cafile=path)
    except (ssl.SSLError, ValueError, OSError) as exc:
        raise ValueError("ca_path %s is not a valid PEM bundle of CA certificates (%s)" % (path, exc))


def _check_options(p):
    """Every option checked before anything goes on the wire; ValueError names the option."""
    timeout = _probe.check_number(p["timeout"], "timeout", 0, _contract.MAX_TIMEOUT)
    deadline = None if p["deadline"] is None else _probe.check_number(p["deadline"], "deadline", 0,
                                                                      _contract.MAX_DEADLINE)
    workers = p["workers"]
    if isinstance(workers, bool) or not 1 <= workers <= _contract.MAX_WORKERS:
        raise ValueError("workers: %r is out of range; give a whole number from 1 to %d"
                         % (workers, _contract.MAX_WORKERS))
    if p["endpoints"] and len(p["endpoints"]) > _contract.MAX_ENDPOINTS:
        raise ValueError("endpoints: %d endpoints is more than %d; split the list"
                         % (len(p["endpoints"]), _contract.MAX_ENDPOINTS))
    for index, ep in enumerate(p["endpoints"] or ()):
        option = "endpoints[%d]" % index
        if ep["probeable"]:
            _probe.check_endpoint(ep, option)
        elif not isinstance(ep["host"], str) or _probe._BAD_TEXT.search(ep["host"].strip()):
            raise ValueError("%s.host: %r holds a control character" % (option, ep["host"]))
        _check_list_of_text(ep["bypass"], option + ".bypass")
    _check_list_of_text(p["expected_issuers"], "expected_issuers")
    if p["proxy_username"] and ":" in p["proxy_username"]:
        raise ValueError("proxy_username: must not contain ':' (Basic authentication cannot carry it)")
    if p["ca_path"]:
        _check_ca_path(p["ca_path"])
    return timeout, deadline, _probe.check_wildcard_hosts(p["wildcard_hosts"]), _check_resolve(p["resolve"])


def _explicit_endpoints(items):
    out = []
    for item in items:
        ep = dict(item)
        path = item["path"] or "/"
        ep["path"] = path
        if not item["url"]:
            host = _probe.check_host(item["host"]) if item.get("probeable", True) else item["host"]
            ep["url"] = "%s://%s%s" % (item["scheme"], _probe.authority(host, item["port"], item["scheme"]),
                                       path if path != "/" else "")
        out.append(ep)
    return out


def _expand_service_bus(endpoints, settings, region, warnings):
    """Replace the azgn* wildcard row with the hosts the guest notification allowlist names (bounded)."""
    wildcard = [e for e in endpoints if not e["probeable"] and (e.get("pattern") or "").startswith("azgn*.")]
    gns = [e for e in endpoints if e["probeable"] and e["host"].startswith("guestnotificationservice.")]
    if not wildcard or not gns:
        return endpoints
    row = wildcard[0]
    suffix = row["pattern"].split(".", 1)[1]
    request = dict(gns[0], path="/urls/allowlist?api-version=2020-01-01&location=%s" % region, url=None)
    answer = _probe.probe_endpoint(request, settings, body_limit=_contract.MAX_ALLOWLIST_BYTES)
    source = answer["url"]
    if not answer["ok"] or answer["http_status"] != 200:
        row["reason"] = "the guest notification allowlist %s could not be fetched (%s); %s" % (
            source, answer["error"] or "HTTP %s" % answer["http_status"], row["reason"])
        return endpoints
    if answer.get("body_truncated"):
        row["reason"] = "the guest notification allowlist %s is larger than %d bytes; %s" % (
            source, _contract.MAX_ALLOWLIST_BYTES, row["reason"])
        return endpoints
    try:
        hosts, cut = _probe.servicebus_hosts(answer.get("body") or "", suffix)
    except ValueError as exc:
        row["reason"] = "the guest notification allowlist %s is not usable JSON (%s); %s" % (
            source, exc, row["reason"])
        return endpoints
    if not hosts:
        row["reason"] = "the guest notification allowlist %s named no %s hosts; %s" % (source, suffix, row["reason"])
        return endpoints
    if cut:
        warnings.append("the guest notification allowlist %s names more than %d %s hosts; only the first %d are "
                        "probed" % (source, _contract.MAX_ALLOWLIST_HOSTS, suffix, _contract.MAX_ALLOWLIST_HOSTS))
    expanded = [dict(row, host=host, url="https://" + host, probeable=True, reason="") for host in hosts]
    index = endpoints.index(row)
    return endpoints[:index] + expanded + endpoints[index + 1:]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            cloud=dict(type="str", default="AzureCloud", choices=["AzureCloud", "AzureUSGovernment",
                                                                  "AzureChinaCloud"]),
            region=dict(type="str"),
            edition=dict(type="str", default=DEFAULT_EDITION, choices=list(EDITIONS)),
            scenarios=dict(type="list", elements="str", default=[], choices=list(SCENARIOS)),
            esu_only=dict(type="bool", default=False),
            auto_upgrade=dict(type="bool", default=False),
            key_vault=dict(type="str", no_log=False),
            stage=dict(type="str", default="install", choices=["install", "connect", "run"]),
            private_link=dict(type="bool", default=False),
            endpoints=dict(type="list", elements="dict", options=dict(
                host=dict(type="str", required=True),
                port=dict(type="int", default=443),
                scheme=dict(type="str", default="https", choices=["https", "http"]),
                path=dict(type="str", default="/"),
                required=dict(type="bool", default=True),
                purpose=dict(type="str", default=""),
                url=dict(type="str"),
                pattern=dict(type="str"),
                bypass=dict(type="list", elements="str", default=[], no_log=False),
                private_capable=dict(type="bool", default=False),
                probeable=dict(type="bool", default=True),
                reason=dict(type="str", default=""),
                discover=dict(type="bool", default=False),
            )),
            wildcard_hosts=dict(type="dict", default={}),
            expand_service_bus=dict(type="bool", default=False),
            discover_his=dict(type="bool", default=True),
            timeout=dict(type="float", default=5),
            deadline=dict(type="float"),
            workers=dict(type="int", default=20),
            proxy_url=dict(type="str", default="auto"),
            proxy_username=dict(type="str"),
            proxy_password=dict(type="str", no_log=True),
            proxy_bypass=dict(type="list", elements="str", choices=list(BYPASS_SERVICES)),
            resolve=dict(type="dict", default={}),
            ca_path=dict(type="path"),
            min_tls_version=dict(type="str", default="1.2", choices=["1.2", "1.3"]),
            expected_issuers=dict(type="list", elements="str"),
            check_tls_inspection=dict(type="bool", default=True),
            fail_on=dict(type="str", default="required", choices=["required", "any", "never"]),
        ),
        required_one_of=[("region", "endpoints")],
        supports_check_mode=True,
    )
    p = module.params
    # Before anything can echo it: every form of a password typed into proxy_url, even one that does not parse.
    secrets = list(url_secrets(p["proxy_url"], p["proxy_password"]))
    module.no_log_values.update(secrets)

    def fail(msg, **extra):
        module.fail_json(msg=redact(msg, secrets), contract=_contract.CONTRACT_VERSION, **redact(extra, secrets))

    try:
        timeout, deadline, wildcard_hosts, resolve = _check_options(p)
        proxy, proxy_source, bypass, no_proxy = _pick_proxy(module)
    except (ValueError, ProxyError) as exc:
        fail(str(exc))
    warnings = []
    if proxy is not None:
        secrets.extend(proxy.secrets())
        module.no_log_values.update(proxy.secrets())

    region = None
    try:
        if p["region"]:
            region = check_region(p["cloud"], p["region"])
        if p["endpoints"]:
            # The action plugin sends the catalogue this way; the region still drives the Service Bus allowlist.
            endpoints = _explicit_endpoints(p["endpoints"])
        else:
            endpoints = build(p["cloud"], region, scenarios=p["scenarios"], stage=p["stage"],
                              private_link=p["private_link"], wildcard_hosts=wildcard_hosts,
                              edition=p["edition"], auto_upgrade=p["auto_upgrade"], esu_only=p["esu_only"],
                              key_vault=p["key_vault"], warnings=warnings)
    except (CatalogueError, ValueError) as exc:
        fail(str(exc))

    settings = _probe.Settings(
        timeout=timeout, deadline=deadline, min_tls_version=p["min_tls_version"], ca_path=p["ca_path"],
        expected_issuers=p["expected_issuers"] or _probe.DEFAULT_EXPECTED_ISSUERS, proxy=proxy, bypass=bypass,
        no_proxy=no_proxy, resolve=resolve, private_link=p["private_link"],
        check_inspection=p["check_tls_inspection"],
    )
    if p["expand_service_bus"] and region:
        endpoints = _expand_service_bus(endpoints, settings, region, warnings)
    if p["discover_his"] and region:
        if not p["endpoints"]:
            _his_probe.mark(endpoints, p["cloud"], region)
        endpoints = _his_probe.discover(endpoints, settings, p["cloud"], region, warnings)

    try:
        results = _his_probe.annotate(endpoints, _probe.probe_all(endpoints, settings, workers=p["workers"]))
    except RuntimeError as exc:  # "can't start new thread"
        fail("workers: could not start %d probe threads on this host (%s); lower workers" % (p["workers"], exc))
    for warning in warnings:
        module.warn(redact(warning, secrets))
    output = redact(dict(
        changed=False,
        contract=_contract.CONTRACT_VERSION,
        deadline=settings.deadline,
        endpoints=results,
        proxy=proxy.display if proxy else None,
        proxy_source=proxy_source,
        proxy_bypass=sorted(bypass),
    ), secrets)
    module.exit_json(**output)


if __name__ == "__main__":
    main()
