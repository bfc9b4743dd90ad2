# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Bad input stops arc_proxy, arc_tls and arc_firewall at role entry with a message naming the variable.

One ansible-playbook run against localhost (connection local) includes each role once per case, in check mode
(so a role that wrongly accepted its input would still change nothing here), and records the failure message.
Cases: a wrong type and a wrong choice for each role (its meta/argument_specs.yml), plus the checks the roles'
own validation tasks make (proxy URL, prefixes), which must not echo a proxy password.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import os
import subprocess
import sys

import pytest
import yaml

# id: (role, vars, strings the failure message must contain, strings it must not contain)
CASES = {
    "proxy_wrong_choice": ("arc_proxy", {"arc_proxy_state": "gone", "arc_proxy_url": "http://proxy:3128"},
                           ["arc_proxy_state", "present, absent", "gone"], []),
    "proxy_wrong_type": ("arc_proxy", {"arc_proxy_allow_unsupported": "perhaps", "arc_proxy_url": "http://proxy:3128"},
                         ["arc_proxy_allow_unsupported", "bool"], []),
    "proxy_wrong_bypass": ("arc_proxy", {"arc_proxy_bypass": ["AAD", "Storage"], "arc_proxy_url": "http://proxy:3128"},
                           ["arc_proxy_bypass", "AAD, ARM, Arc, ArcData", "Storage"], []),
    "proxy_wrong_scope_type": ("arc_proxy", {"arc_proxy_scope": {"agent": True}, "arc_proxy_url": "http://proxy:3128"},
                               ["arc_proxy_scope", "list"], []),
    "proxy_https": ("arc_proxy", {"arc_proxy_url": "https://proxy.example.com:3128"},
                    ["arc_proxy_url", "HTTPS (TLS) proxy", "arc_proxy_allow_unsupported"], []),
    "proxy_credentials": ("arc_proxy", {"arc_proxy_url": "http://user:s3cr3t-pw@proxy.example.com:3128"},
                          ["arc_proxy_url", "credentials", "http://********@proxy.example.com:3128"], ["s3cr3t-pw"]),
    "proxy_bad_port": ("arc_proxy", {"arc_proxy_url": "http://proxy.example.com:99999"},
                       ["arc_proxy_url", "99999", "1 to 65535"], []),
    "proxy_not_a_url": ("arc_proxy", {"arc_proxy_url": "proxy.example.com:3128"},
                        ["arc_proxy_url", "is not a proxy URL"], []),
    "proxy_missing_url": ("arc_proxy", {"arc_proxy_url": ""}, ["arc_proxy_url is empty", "arc_proxy_state"], []),
    "tls_wrong_type": ("arc_tls", {"arc_tls_enforce_min_protocol": "sometimes"},
                       ["arc_tls_enforce_min_protocol", "bool"], []),
    "tls_wrong_choice": ("arc_tls", {"arc_tls_system_policy": "schannel"},
                         ["arc_tls_system_policy", "auto, openssl_cnf, crypto_policies", "schannel"], []),
    "tls_wrong_int": ("arc_tls", {"arc_tls_handshake_port": "https"}, ["arc_tls_handshake_port", "int"], []),
    "tls_wrong_policy": ("arc_tls", {"arc_tls_crypto_policy": "LEGACY"},
                         ["arc_tls_crypto_policy", "DEFAULT, FUTURE, FIPS", "LEGACY"], []),
    "firewall_wrong_choice": ("arc_firewall", {"arc_firewall_backend": "pf"},
                              ["arc_firewall_backend", "auto, firewalld, ufw, nftables, iptables", "pf"], []),
    "firewall_wrong_type": ("arc_firewall", {"arc_firewall_default_deny_outbound": "mostly"},
                            ["arc_firewall_default_deny_outbound", "bool"], []),
    "firewall_wrong_int": ("arc_firewall", {"arc_firewall_confirm_timeout": "soon"},
                           ["arc_firewall_confirm_timeout", "int"], []),
    "firewall_wrong_scenario": ("arc_firewall", {"arc_firewall_scenarios": ["esu", "backup"]},
                                ["arc_firewall_scenarios", "ssh, wac, sql, esu, telemetry", "backup"], []),
    "firewall_bad_prefix": ("arc_firewall", {"arc_firewall_destinations": ["198.51.100.0/24", "azure.com"]},
                            ["arc_firewall_destinations", "azure.com"], ["198.51.100.0/24,"]),
    "firewall_bad_proxy": ("arc_firewall", {"arc_firewall_proxy_url": "socks5://proxy:1080"},
                           ["arc_firewall_proxy_url", "socks5://proxy:1080"], []),
    # service_tags mode: a missing file, both sources, a mix with prefixes, a tag the file lacks.
    "firewall_service_tags_missing_file": ("arc_firewall", {"arc_firewall_destinations": "service_tags",
                                                            "arc_firewall_service_tags_path": "/nonexistent/st.json"},
                                           ["arc_firewall_service_tags_path", "/nonexistent/st.json"], []),
    "firewall_service_tags_two_sources": ("arc_firewall", {"arc_firewall_destinations": ["service_tags"],
                                                           "arc_firewall_service_tags_path": "/srv/st",
                                                           "arc_firewall_service_tags_url": "https://mirror.invalid/st.json"},
                                          ["arc_firewall_service_tags_path", "arc_firewall_service_tags_url"], []),
    "firewall_service_tags_mixed": ("arc_firewall", {"arc_firewall_destinations": "service_tags,192.0.2.0/24"},
                                    ["arc_firewall_destinations", "service_tags"], []),
    "firewall_service_tags_unknown_tag": ("arc_firewall", {
        "arc_firewall_destinations": "service_tags", "arc_firewall_service_tags": ["NoSuchTag"],
        "arc_firewall_service_tags_path": os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.dirname(os.path.abspath(__file__))))), "tests", "data", "service_tags")},
        ["arc_firewall_service_tags", "NoSuchTag"], []),
}


def _playbook(out_file):
    tasks = []
    for case_id, (role, role_vars, _want, _unwanted) in sorted(CASES.items()):
        tasks.append({
            "name": case_id,
            "block": [
                {"name": "Run %s" % role, "ansible.builtin.include_role": {"name": "arcready.network.%s" % role},
                 "vars": role_vars},
                {"name": "Note that %s did not fail" % role,
                 "ansible.builtin.set_fact": {"results": "{{ results | combine({%r: 'DID NOT FAIL'}) }}" % case_id}},
            ],
            "rescue": [
                {"name": "Keep the failure message",
                 "ansible.builtin.set_fact": {
                     "results": "{{ results | combine({%r: ansible_failed_result.msg | default('') ~ ' '"
                                " ~ (ansible_failed_result.argument_errors | default([]) | join(' '))}) }}" % case_id}},
            ],
            # Whatever a role would do if it accepted the input, it only pretends.
            "check_mode": True,
        })
    tasks.append({"name": "Write the results", "ansible.builtin.copy": {
        "content": "{{ results | to_json }}", "dest": out_file, "mode": "0600"}})
    return [{"name": "Argument checks", "hosts": "localhost", "connection": "local", "gather_facts": False,
             "vars": {"results": {}}, "tasks": tasks}]


@pytest.fixture(scope="module")
def messages(tmp_path_factory):
    work = tmp_path_factory.mktemp("argspecs")
    playbook, out_file = work / "play.yml", work / "results.json"
    playbook.write_text(yaml.safe_dump(_playbook(str(out_file)), sort_keys=False))
    env = dict(os.environ, ANSIBLE_NOCOLOR="1", ANSIBLE_RETRY_FILES_ENABLED="0", ANSIBLE_LOCALHOST_WARNING="0",
               ANSIBLE_INVENTORY_UNPARSED_WARNING="0", ANSIBLE_PYTHON_INTERPRETER=sys.executable)
    ansible_playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    proc = subprocess.run([ansible_playbook, "-i", "localhost,", str(playbook)], env=env, cwd=str(work),
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    assert out_file.exists(), proc.stdout.decode("utf-8", "replace")[-5000:]
    return json.loads(out_file.read_text()), proc.stdout.decode("utf-8", "replace")


@pytest.mark.parametrize("case_id", sorted(CASES))
def test_bad_input_is_refused_with_a_message_naming_the_variable(messages, case_id):
    results, output = messages
    message = results[case_id]
    assert message != "DID NOT FAIL", "%s: the role accepted %s" % (case_id, CASES[case_id][1])
    for want in CASES[case_id][2]:
        assert want in message, (case_id, want, message)
    for unwanted in CASES[case_id][3]:
        assert unwanted not in message, (case_id, unwanted, message)
        assert unwanted not in output, (case_id, unwanted)
