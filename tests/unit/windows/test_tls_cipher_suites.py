# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The cipher suites Microsoft requires for the Arc agent (issue 14 item 3), on the Windows side of arc_tls.

1. plugins/module_utils/_tls_guidance.py against Microsoft's page, and what the role reads through the tls_cipher_suites filter.
2. roles/arc_tls/tasks/windows.yml evaluated with Ansible's templar: what the cipher-suite script receives, when it
   runs, and when a restart is owed.
3. roles/arc_tls/files/cipher_suites.ps1, which cannot run here (no PowerShell): every change it makes sits behind
   ShouldProcess (check mode), it reports the order and a diff, and uses the keys Microsoft documents.

Sources:
  [NETREQ] MicrosoftDocs/azure-management-docs articles/azure-arc/servers/includes/network-requirements.md
           @a0e94e03f8e9 (2026-06-24), "Cryptographic protocols": from agent 1.56 (Windows only) at least one TLS
           version must have these suites, "in server-preferred order": TLS 1.3 TLS_AES_256_GCM_SHA384 (0x1302),
           TLS_AES_128_GCM_SHA256 (0x1301); TLS 1.2 TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384 (0xc030),
           TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256 (0xc02f).
  [GPO]    MicrosoftDocs/windows-itpro-docs policy-csp-admx-ciphersuiteorder.md @061e59cb: the "SSL Cipher Suite
           Order" policy writes HKLM\\SOFTWARE\\Policies\\Microsoft\\Cryptography\\Configuration\\SSL\\00010002, value
           Functions, a comma-separated list of at most 1023 characters, applied at the next restart.
  [TLS-PS] MicrosoftDocs/windows-powershell-docs docset/winserver2016-ps/tls/Enable-TlsCipherSuite.md @127a2407.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest
import yaml

from ansible.parsing.dataloader import DataLoader
from ansible.template import Templar

from ansible_collections.arcready.network.plugins.module_utils import _tls_guidance
from templating import find_task, set_fact_values, trusted as _trust

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
ROLE = os.path.join(REPO, "roles", "arc_tls")

# [NETREQ], in its order: (name, code, TLS version).
MICROSOFT = [
    ("TLS_AES_256_GCM_SHA384", 0x1302, "TLSv1.3"),
    ("TLS_AES_128_GCM_SHA256", 0x1301, "TLSv1.3"),
    ("TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384", 0xC030, "TLSv1.2"),
    ("TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256", 0xC02F, "TLSv1.2"),
]
# OpenSSL's names for the same suites (openssl ciphers -stdname).
OPENSSL = {"TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384": "ECDHE-RSA-AES256-GCM-SHA384",
           "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256": "ECDHE-RSA-AES128-GCM-SHA256"}


def _yaml(*parts):
    with open(os.path.join(ROLE, *parts)) as stream:
        return yaml.safe_load(stream) or {}


def templar(**overrides):
    variables = dict(_yaml("defaults", "main.yml"))
    variables.update(_yaml("vars", "main.yml"))
    variables.update(overrides)
    return Templar(loader=DataLoader(), variables=_trust(variables))


def task(name):
    return find_task(_yaml("tasks", "windows.yml"), name, "roles/arc_tls/tasks/windows.yml")


def test_the_table_is_microsofts():
    assert [(s["name"], s["code"], s["tls"]) for s in _tls_guidance.CIPHER_SUITES] == MICROSOFT
    for suite in _tls_guidance.CIPHER_SUITES:
        assert suite["openssl"] == OPENSSL.get(suite["name"], suite["name"])
    assert "a0e94e03f8e9" in _tls_guidance.SOURCE
    assert [s["name"] for s in _tls_guidance.suites("TLSv1.2")] == [m[0] for m in MICROSOFT if m[2] == "TLSv1.2"]
    assert _tls_guidance.by_openssl_name("ECDHE-RSA-AES128-GCM-SHA256")["code"] == 0xC02F
    assert _tls_guidance.by_openssl_name("AES128-SHA") is None


def test_the_role_reads_the_table():
    assert templar().template(_trust("{{ __arc_tls_cipher_suite_names }}")) == [m[0] for m in MICROSOFT]
    assert _tls_guidance.names() == [m[0] for m in MICROSOFT]


@pytest.mark.parametrize("check, enforce, runs, enforced", [
    (True, False, True, False), ("true", "true", True, True), (False, False, False, False),
    ("false", True, True, True), ("yes", "no", True, False),
])
def test_what_the_script_gets_and_when_it_runs(check, enforce, runs, enforced):
    tmpl = templar(arc_tls_check_cipher_suites=check, arc_tls_cipher_suites_enforce=enforce)
    check_task = task("Check the TLS cipher suites the Arc agent needs")
    assert tmpl.template(_trust("{{ %s }}" % check_task["when"])) is runs
    params = tmpl.template(_trust(check_task["ansible.builtin.win_powershell"]["parameters"]
                                  if "ansible.builtin.win_powershell" in check_task
                                  else check_task["ansible.windows.win_powershell"]["parameters"]))
    assert params == {"Required": [m[0] for m in MICROSOFT], "Enforce": enforced}
    assert "cipher_suites.ps1" in check_task["ansible.windows.win_powershell"]["script"]


@pytest.mark.parametrize("result, changed, before, expected", [
    ({"restart_required": True}, True, False, True),      # the policy value was written: after a restart
    ({"restart_required": False}, True, False, False),    # Enable-TlsCipherSuite: no restart
    ({"restart_required": True}, False, False, False),    # nothing was missing
    ({"restart_required": False}, False, True, True),     # an earlier change still owes one
])
def test_a_restart_is_owed_only_for_the_policy_value(result, changed, before, expected):
    tmpl = templar(arc_tls_reboot_required=before, __arc_tls_windows_values={"changed": False},
                   __arc_tls_windows_suites={"changed": changed, "result": result})
    facts = set_fact_values(tmpl, task("Note whether Windows must restart for the TLS settings to apply"))
    assert (facts["arc_tls_reboot_required"] in (True, "True")) is expected


def test_the_report_names_enabled_missing_and_order():
    suites = {"enabled": [], "missing": [m[0] for m in MICROSOFT], "order": ["TLS_RSA_WITH_AES_256_GCM_SHA384"],
              "source": "Get-TlsCipherSuite"}
    tmpl = templar(arc_tls_cipher_suites=suites, inventory_hostname="win1")
    report = task("Report the cipher suites")
    text = Templar(loader=DataLoader(), variables=dict(tmpl.available_variables, **_trust(report["vars"]))).template(
        _trust(report["ansible.builtin.debug"]["msg"]))
    assert text == (
        "win1: cipher suites Microsoft lists for the Arc agent (1.56+), enabled: none; missing: "
        "TLS_AES_256_GCM_SHA384, TLS_AES_128_GCM_SHA256, TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384, "
        "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256; order (Get-TlsCipherSuite): TLS_RSA_WITH_AES_256_GCM_SHA384; none of "
        "them enabled: set arc_tls_cipher_suites_enforce=true to enable them")


def test_the_script_changes_nothing_outside_shouldprocess_and_reports_a_diff():
    with open(os.path.join(ROLE, "files", "cipher_suites.ps1")) as stream:
        script = stream.read()
    code = "\n".join(line for line in script.splitlines() if not line.lstrip().startswith("#"))
    assert "[CmdletBinding(SupportsShouldProcess)]" in code
    changing = [m.start() for m in re.finditer(r"\b(Enable-TlsCipherSuite -Name|Set-ItemProperty|New-Item)\b", code)]
    assert len(changing) == 3
    for at in changing:
        # Each change is inside the if-block of the ShouldProcess just before it.
        guard = code.rfind("$PSCmdlet.ShouldProcess(", 0, at)
        assert guard != -1 and code.count("{", guard, at) > code.count("}", guard, at), code[max(0, at - 200):at]
    assert r"HKLM:\SOFTWARE\Policies\Microsoft\Cryptography\Configuration\SSL\00010002" in code
    assert r"HKLM:\SYSTEM\CurrentControlSet\Control\Cryptography\Configuration\Local\SSL\00010002" in code
    assert "-gt 1023" in code and "-Name Functions" in code
    assert "$Ansible.Diff" in code and "order = @($after)" in code and "$Ansible.Changed = $true" in code
    assert "Write-Host" not in code
