# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""roles/arc_tls/vars/windows_registry.yml, the one table of Windows TLS registry values, against the values in
Microsoft's documentation; the row selection of roles/arc_tls/tasks/windows.yml, evaluated with Ansible's templar
for each kind of host; and the table in docs/windows.md, which must be the rendering of the data.

Sources (as cited in the project reference tls_proxy_fw.md, section 1):
  [SCHANNEL] https://learn.microsoft.com/windows-server/security/tls/tls-registry-settings
             (MicrosoftDocs/windowsserverdocs WindowsServerDocs/security/tls/tls-registry-settings.md, "TLS, DTLS and
             SSL Protocol Version Settings": Enabled non-zero and DisabledByDefault 0 is enabled; Enabled 0 is
             disabled; both non-zero is disabled by default. Client and Server are separate keys.)
  [DOTNET]   https://learn.microsoft.com/dotnet/framework/network-programming/tls
             (dotnet/docs docs/framework/network-programming/tls.md: SchUseStrongCrypto and SystemDefaultTlsVersions
             under HKLM\\SOFTWARE\\[Wow6432Node\\]Microsoft\\.NETFramework\\<v4.0.30319|v2.0.50727>; Microsoft's .reg file
             sets both to 1 under all four keys.)
  [WINHTTP]  https://learn.microsoft.com/mem/configmgr/core/plan-design/security/enable-tls-1-2-client
             (DefaultSecureProtocols under ...\\Internet Settings\\WinHttp and its Wow6432Node twin, for Windows 7 /
             Server 2008 R2 SP1 / Server 2012 with KB3140245; 0x800 = TLS 1.2, 0x200 = TLS 1.1, 0x80 = TLS 1.0,
             0x20 = SSL 3.0, 0x8 = SSL 2.0.)
  [ENTRA]    https://learn.microsoft.com/entra/identity/hybrid/connect/reference-connect-tls-enforcement
             (the same SCHANNEL TLS 1.2 and .NET v4.0.30319 values, both views, then a restart.)
  [SUPPORT]  dotnet/docs tls.md "Support for TLS 1.2": Windows 8.1 / Server 2012 R2 and later support and enable
             TLS 1.2 by default; WinHTTP needs DefaultSecureProtocols only on 2012 and older [WINHTTP].
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import itertools
import os

import pytest
import yaml

from ansible.template import Templar

from templating import trusted as _trust

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
TABLE = os.path.join(REPO, "roles", "arc_tls", "vars", "windows_registry.yml")
TASKS = os.path.join(REPO, "roles", "arc_tls", "tasks", "windows.yml")
DOCS = os.path.join(REPO, "docs", "windows.md")

SCHANNEL = r"HKLM:\SYSTEM\CurrentControlSet\Control\SecurityProviders\SCHANNEL\Protocols"
DOTNET = (r"HKLM:\SOFTWARE\Microsoft\.NETFramework", r"HKLM:\SOFTWARE\WOW6432Node\Microsoft\.NETFramework")
WINHTTP = (r"HKLM:\SOFTWARE\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp",
           r"HKLM:\SOFTWARE\WOW6432Node\Microsoft\Windows\CurrentVersion\Internet Settings\WinHttp")
CONDITIONS = {"always", "disable_legacy", "keep_legacy", "os <= 2012"}

# WinHTTP DefaultSecureProtocols bits [WINHTTP]
SSL2, SSL3, TLS10, TLS11, TLS12 = 0x8, 0x20, 0x80, 0x200, 0x800


def rows():
    with open(TABLE) as stream:
        return yaml.safe_load(stream)["__arc_tls_windows_registry"]


def find(key, name, condition=None):
    found = [r for r in rows() if r["key"] == key and r["name"] == name
             and (condition is None or r["condition"] == condition)]
    assert found, "no row for %s\\%s" % (key, name)
    return found


# ------------------------------------------------------------------ the data against Microsoft's documentation

def test_every_row_is_well_formed():
    for row in rows():
        assert set(row) == {"key", "name", "data", "type", "view", "condition", "why"}, row
        assert row["key"].startswith("HKLM:\\"), row
        assert row["type"] == "dword" and isinstance(row["data"], int) and 0 <= row["data"] <= 0xFFFFFFFF, row
        # The 32-bit view is the WOW6432Node subtree; the tasks write it on 64-bit Windows only.
        assert row["view"] == ("32-bit" if "\\WOW6432Node\\" in row["key"] else "64-bit"), row
        assert row["condition"] and set(row["condition"]) <= CONDITIONS, row
        assert row["why"].strip()


@pytest.mark.parametrize("side", ["Client", "Server"])
def test_tls12_enabled_for_client_and_server(side):
    # [SCHANNEL] "Enabled": Enabled = 1 (non-zero) and DisabledByDefault = 0; [ENTRA] the same for Client and Server.
    key = "%s\\TLS 1.2\\%s" % (SCHANNEL, side)
    assert [r["data"] for r in find(key, "Enabled")] == [1]
    assert [r["data"] for r in find(key, "DisabledByDefault")] == [0]
    assert all(r["condition"] == ["always"] for r in find(key, "Enabled") + find(key, "DisabledByDefault"))


@pytest.mark.parametrize("root, version, name", list(itertools.product(
    DOTNET, ["v4.0.30319", "v2.0.50727"], ["SchUseStrongCrypto", "SystemDefaultTlsVersions"])))
def test_dotnet_strong_crypto_and_system_default_tls(root, version, name):
    # [DOTNET] both values 1 under v4.0.30319 (4.x) and v2.0.50727 (3.5), native and WOW6432Node views.
    found = find("%s\\%s" % (root, version), name)
    assert [(r["data"], r["condition"]) for r in found] == [(1, ["always"])]


@pytest.mark.parametrize("protocol, side", list(itertools.product(
    ["SSL 2.0", "SSL 3.0", "TLS 1.0", "TLS 1.1"], ["Client", "Server"])))
def test_legacy_protocols_disabled_only_on_request(protocol, side):
    # [SCHANNEL] "Disabled": Enabled = 0 (never negotiated), DisabledByDefault = 1; only with arc_tls_disable_legacy.
    key = "%s\\%s\\%s" % (SCHANNEL, protocol, side)
    assert [(r["data"], r["condition"]) for r in find(key, "Enabled")] == [(0, ["disable_legacy"])]
    assert [(r["data"], r["condition"]) for r in find(key, "DisabledByDefault")] == [(1, ["disable_legacy"])]


@pytest.mark.parametrize("key", WINHTTP)
def test_winhttp_default_secure_protocols_on_2012_and_older(key):
    # [WINHTTP] both keys; TLS 1.2 bit set, no SSL bit; [SUPPORT] only needed up to Server 2012.
    keep = find(key, "DefaultSecureProtocols", ["os <= 2012", "keep_legacy"])
    strict = find(key, "DefaultSecureProtocols", ["os <= 2012", "disable_legacy"])
    assert [r["data"] for r in keep] == [TLS10 | TLS11 | TLS12] == [0xA80]
    assert [r["data"] for r in strict] == [TLS12] == [0x800]
    for row in keep + strict:
        assert row["data"] & TLS12 and not row["data"] & (SSL2 | SSL3)
    assert len(find(key, "DefaultSecureProtocols")) == 2


def test_nothing_else_is_in_the_table():
    expected = 4 + 8 + 4 + 16  # TLS 1.2 client/server, .NET 2 versions x 2 views x 2 values, WinHTTP, legacy
    assert len(rows()) == expected
    assert not [r for r in rows() if "TLS 1.3" in r["key"] or "DTLS" in r["key"]]


def test_no_value_is_written_twice_with_different_data():
    """For every kind of host, the rows that apply name each (key, value) once."""
    for disable, old_os in itertools.product([True, False], repeat=2):
        holds = {"always": True, "disable_legacy": disable, "keep_legacy": not disable, "os <= 2012": old_os}
        applied = [r for r in rows() if all(holds[c] for c in r["condition"])]
        names = [(r["key"], r["name"]) for r in applied]
        assert len(names) == len(set(names)), (disable, old_os)


# ------------------------------------------------------------------ the tasks read the table

def _regedit_task():
    with open(TASKS) as stream:
        tasks = yaml.safe_load(stream)
    return next(t for t in tasks if "ansible.windows.win_regedit" in t)


def test_tasks_load_this_table_and_loop_over_it():
    with open(TASKS) as stream:
        tasks = yaml.safe_load(stream)
    loads = [t["ansible.builtin.include_vars"] for t in tasks if "ansible.builtin.include_vars" in t]
    assert loads == [{"file": "windows_registry.yml"}]
    task = _regedit_task()
    assert task["loop"] == "{{ __arc_tls_windows_registry }}"
    assert task["ansible.windows.win_regedit"] == {
        "path": "{{ item.key }}", "name": "{{ item.name }}", "data": "{{ item.data }}", "type": "{{ item.type }}",
        "state": "present"}
    # Every condition word the table uses is defined by the task.
    assert set(task["vars"]["__arc_tls_windows_conditions"]) == CONDITIONS


def selected(distribution_version, disable_legacy, architecture="64-bit"):
    """The rows the task's `when` selects, evaluated by Ansible's templar as the task would."""
    task = _regedit_task()
    chosen = []
    for row in rows():
        variables = {"item": row, "arc_tls_disable_legacy": disable_legacy,
                     "ansible_facts": {"distribution_version": distribution_version, "architecture": architecture}}
        templar = Templar(loader=None, variables=variables)
        task_vars = dict((k, templar.template(_trust(v))) for k, v in task["vars"].items())
        templar = Templar(loader=None, variables=dict(variables, **task_vars))
        if all(templar.evaluate_conditional(_trust(w)) for w in task["when"]):
            chosen.append(row)
    return chosen


@pytest.mark.parametrize("version, name", [("10.0.17763.0", "Server 2019"), ("10.0.20348.0", "Server 2022"),
                                           ("6.3.9600.0", "Server 2012 R2")])
def test_current_windows_gets_schannel_and_dotnet_only(version, name):
    chosen = selected(version, False)
    assert {r["condition"][0] for r in chosen} == {"always"}, name
    assert len(chosen) == 12


def test_server_2012_also_gets_winhttp():
    chosen = selected("6.2.9200.0", False)
    winhttp = [r for r in chosen if r["name"] == "DefaultSecureProtocols"]
    assert sorted(r["data"] for r in winhttp) == [0xA80, 0xA80] and len(chosen) == 14


def test_disable_legacy_adds_the_disabled_protocols():
    chosen = selected("10.0.17763.0", True)
    assert len(chosen) == 12 + 16
    assert all(r["data"] == 0x800 for r in selected("6.1.7601.0", True) if r["name"] == "DefaultSecureProtocols")


def test_32_bit_windows_skips_the_wow6432node_rows():
    chosen = selected("6.2.9200.0", False, architecture="32-bit")
    assert chosen and not [r for r in chosen if r["view"] == "32-bit"]


# ------------------------------------------------------------------ the documentation shows the table

def render_markdown():
    """The table as docs/windows.md shows it (regenerate with: python tests/unit/windows/test_registry_table.py)."""
    lines = ["| Key (under HKLM) | Value | Data | View | When | Why |", "|---|---|---|---|---|---|"]
    for row in rows():
        data = "0x%X" % row["data"] if row["data"] > 9 else str(row["data"])
        lines.append("| `%s` | `%s` | %s (%s) | %s | %s | %s |" % (
            row["key"][len("HKLM:\\"):], row["name"], data, row["type"], row["view"], " and ".join(row["condition"]),
            row["why"]))
    return "\n".join(lines)


def test_docs_show_the_table():
    with open(DOCS) as stream:
        text = stream.read()
    start = text.index("<!-- registry-table:start -->") + len("<!-- registry-table:start -->")
    end = text.index("<!-- registry-table:end -->")
    assert text[start:end].strip() == render_markdown()


if __name__ == "__main__":
    print(render_markdown())
