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
  - Says in one sentence, per endpoint, what failed and the likely cause.
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
    type: list
    elements: dict
    suboptions:
      host:
        description: Host name or address.
        type: str
        required: true
      port:
        description: TCP port.
        type: int
        default: 443
      scheme:
        description: V(https), or V(http) for plain HTTP.
        type: str
        choices: [https, http]
        default: https
      path:
        description: HTTP path to request.
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
  wildcard_hosts:
    description:
      - Concrete hosts for catalogue wildcard rows, keyed by pattern, for example C(*.blob.core.windows.net).
    type: dict
    default: {}
  expand_service_bus:
    description:
      - Ask the guest notification service for this region's allowlist of C(azgn*) Service Bus hosts and probe
        them. The request goes from the managed host, through the proxy when one is used.
    type: bool
    default: false
  timeout:
    description: Seconds each stage (DNS, TCP, proxy, TLS, HTTP) may take for one endpoint.
    type: float
    default: 5
  workers:
    description: How many endpoints are probed at once.
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
    description: PEM file of CA certificates to validate against instead of the host's trust store.
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
    ok:
      description: Whether every stage passed.
      type: bool
    failed_stage:
      description: >-
        The stage that failed, V(dns), V(private_link), V(tcp), V(proxy), V(tls), V(tls_inspection) or V(http);
        V(input) when the host or path given cannot be sent at all.
      type: str
    error:
      description: One sentence saying what failed and why.
      type: str
      sample: "TCP connect to 203.0.113.5:443 timed out after 5 s: a firewall is probably dropping it"
    hint:
      description: Extra advice that did not fail the endpoint.
      type: str
    latency_ms:
      description: Milliseconds per stage, keyed by V(dns), V(tcp), V(proxy), V(tls) and V(http).
      type: dict
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
summary:
  description: Counts over all endpoints.
  returned: always
  type: dict
  sample: {total: 15, ok: 10, failed: 1, required_failed: 1, not_probeable: 4, tls_inspection: 0}
table:
  description: An C(azcmagent check) style table, ENDPOINT | REACHABLE | PRIVATE | TLS | PROXY.
  returned: always
  type: str
proxy:
  description: The proxy in use (credentials redacted), or null.
  returned: always
  type: str
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
import re

try:
    from urllib.parse import unquote, urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported on targets
    from urllib import unquote  # type: ignore
    from urlparse import urlsplit  # type: ignore

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.arcready.network.plugins.module_utils._catalogue import (
    CatalogueError, build, check_region, BYPASS_SERVICES, DEFAULT_EDITION, EDITIONS, SCENARIOS,
)
from ansible_collections.arcready.network.plugins.module_utils._probe import (
    DEFAULT_EXPECTED_ISSUERS, Proxy, Settings, probe_all, probe_endpoint, servicebus_hosts, summarize, table,
)

_AGENT_PATHS = ["/opt/azcmagent/bin", "/usr/local/bin", "/usr/bin"]


def _agent_setting(module, agent, name):
    rc, out, _err = module.run_command([agent, "config", "get", name])
    return out if rc == 0 else ""


def _agent_proxy(module):
    """The agent's proxy.url and proxy.bypass, when azcmagent is installed."""
    agent = module.get_bin_path("azcmagent", opt_dirs=_AGENT_PATHS)
    if not agent:
        return None, []
    url = re.search(r"https?://\S+", _agent_setting(module, agent, "proxy.url"))
    bypass_text = _agent_setting(module, agent, "proxy.bypass")
    bypass = [name for name in BYPASS_SERVICES if re.search(r"\b%s\b" % name, bypass_text)]
    return (url.group(0).strip("\"',]") if url else None), bypass


def _pick_proxy(module):
    """(Proxy or None, source, bypass names, NO_PROXY patterns), following the agent's precedence."""
    p = module.params
    wanted = (p["proxy_url"] or "").strip()
    bypass = p["proxy_bypass"]
    if wanted.lower() in ("", "none"):
        return None, "none", bypass or [], []
    if wanted.lower() != "auto":
        return Proxy(wanted, p["proxy_username"], p["proxy_password"], "option"), "option", bypass or [], []
    agent_url, agent_bypass = _agent_proxy(module)
    if agent_url:
        return Proxy(agent_url, p["proxy_username"], p["proxy_password"], "agent"), "agent", (
            agent_bypass if bypass is None else bypass), []
    env_url = os.environ.get("HTTPS_PROXY") or os.environ.get("https_proxy")
    if env_url:
        no_proxy = (os.environ.get("NO_PROXY") or os.environ.get("no_proxy") or "").split(",")
        return Proxy(env_url, p["proxy_username"], p["proxy_password"], "environment"), "environment", \
            bypass or [], no_proxy
    return None, "none", bypass or [], []


def _hide_url_password(module, url):
    """Mask a password given inside the proxy URL before anything, even a parse error, can echo it."""
    if url and "@" in url:
        netloc = urlsplit(url if "://" in url else "http://" + url).netloc
        userinfo = netloc.rsplit("@", 1)[0]
        if ":" in userinfo:
            password = userinfo.split(":", 1)[1]
            for value in (password, unquote(password)):
                if value:
                    module.no_log_values.add(value)


def _explicit_endpoints(items):
    out = []
    for item in items:
        ep = dict(item)
        scheme, host, port, path = item["scheme"], item["host"], item["port"], item["path"] or "/"
        default_port = 80 if scheme == "http" else 443
        ep["path"] = path
        ep["url"] = item["url"] or "%s://%s%s%s" % (scheme, host, "" if port == default_port else ":%d" % port,
                                                    path if path != "/" else "")
        out.append(ep)
    return out


def _expand_service_bus(module, endpoints, settings, region):
    """Replace the azgn* wildcard row with the hosts the guest notification allowlist names."""
    wildcard = [e for e in endpoints if not e["probeable"] and (e.get("pattern") or "").startswith("azgn*.")]
    gns = [e for e in endpoints if e["probeable"] and e["host"].startswith("guestnotificationservice.")]
    if not wildcard or not gns:
        return endpoints
    row = wildcard[0]
    suffix = row["pattern"].split(".", 1)[1]
    request = dict(gns[0], path="/urls/allowlist?api-version=2020-01-01&location=%s" % region, read_body=True)
    answer = probe_endpoint(request, settings)
    if not answer["ok"] or answer["http_status"] != 200:
        row["reason"] = "the guest notification allowlist could not be fetched (%s); %s" % (
            answer["error"] or "HTTP %s" % answer["http_status"], row["reason"])
        return endpoints
    try:
        hosts = servicebus_hosts(answer.get("body") or "", suffix)
    except ValueError:
        row["reason"] = "the guest notification allowlist was not JSON; %s" % row["reason"]
        return endpoints
    if not hosts:
        row["reason"] = "the guest notification allowlist named no %s hosts; %s" % (suffix, row["reason"])
        return endpoints
    expanded = []
    for host in hosts:
        expanded.append(dict(row, host=host, url="https://" + host, probeable=True, reason="",
                             note="from the guest notification allowlist for %s" % region))
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
            )),
            wildcard_hosts=dict(type="dict", default={}),
            expand_service_bus=dict(type="bool", default=False),
            timeout=dict(type="float", default=5),
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
    if p["timeout"] <= 0:
        module.fail_json(msg="timeout must be a positive number of seconds, got %s" % p["timeout"])
    if p["workers"] < 1:
        module.fail_json(msg="workers must be at least 1, got %s" % p["workers"])
    if p["ca_path"] and not os.path.isfile(p["ca_path"]):
        module.fail_json(msg="ca_path %s is not a file on this host; give a PEM bundle of CA certificates"
                         % p["ca_path"])

    _hide_url_password(module, p["proxy_url"])
    try:
        proxy, proxy_source, bypass, no_proxy = _pick_proxy(module)
    except ValueError as exc:
        module.fail_json(msg="proxy_url: %s" % exc)
    warnings = []
    if proxy is not None:
        if proxy.password:
            module.no_log_values.add(proxy.password)
        if proxy.username or proxy.password:
            warnings.append("the proxy %s uses credentials: the Arc agent does not support authenticating proxies, "
                            "so onboarding will fail through it even if this probe succeeds" % proxy.display)
        if proxy.scheme != "http":
            warnings.append("the proxy %s is not an http:// proxy: the Arc agent does not support HTTPS proxies"
                            % proxy.display)

    region = None
    try:
        if p["region"]:
            region = check_region(p["cloud"], p["region"])
        if p["endpoints"]:
            # The action plugin sends the catalogue this way; the region still drives the Service Bus allowlist.
            endpoints = _explicit_endpoints(p["endpoints"])
        else:
            endpoints = build(p["cloud"], region, scenarios=p["scenarios"], stage=p["stage"],
                              private_link=p["private_link"], wildcard_hosts=p["wildcard_hosts"],
                              edition=p["edition"], auto_upgrade=p["auto_upgrade"], esu_only=p["esu_only"],
                              key_vault=p["key_vault"], warnings=warnings)
    except CatalogueError as exc:
        module.fail_json(msg=str(exc))

    settings = Settings(
        timeout=p["timeout"], min_tls_version=p["min_tls_version"], ca_path=p["ca_path"],
        expected_issuers=p["expected_issuers"] or DEFAULT_EXPECTED_ISSUERS, proxy=proxy, bypass=bypass,
        no_proxy=no_proxy, resolve=p["resolve"], private_link=p["private_link"],
        check_inspection=p["check_tls_inspection"],
    )
    if p["expand_service_bus"] and region:
        endpoints = _expand_service_bus(module, endpoints, settings, region)

    results = probe_all(endpoints, settings, workers=p["workers"])
    summary = summarize(results)
    if summary["tls_inspection"]:
        warnings.append("%d endpoint(s) presented certificates not issued by an expected CA: TLS inspection is "
                        "not supported by Azure Arc" % summary["tls_inspection"])
    for warning in warnings:
        module.warn(warning)
    output = dict(
        changed=False,
        endpoints=results,
        summary=summary,
        table=table(results),
        proxy=proxy.display if proxy else None,
        proxy_source=proxy_source,
        proxy_bypass=sorted(bypass),
    )
    failing = [r for r in results if r["probeable"] and not r["ok"]
               and (p["fail_on"] == "any" or (p["fail_on"] == "required" and r["required"]))]
    if failing:
        lines = ["%s:%d (%s) %s" % (r["host"], r["port"], r["failed_stage"], r["error"]) for r in failing]
        kind = "required" if p["fail_on"] == "required" else "probed"
        module.fail_json(msg="%d %s endpoint(s) failed: %s" % (len(failing), kind, "; ".join(lines)), **output)
    module.exit_json(**output)


if __name__ == "__main__":
    main()
