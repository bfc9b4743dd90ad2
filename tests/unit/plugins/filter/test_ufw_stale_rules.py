# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ufw_stale_rules filter against `ufw show added` lines as ufw 0.36 (Debian 12) writes them."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.arcready.network.plugins.filter.ufw_stale_rules import (
    line_key, rule_key, ufw_rules_to_add, ufw_stale_rules,
)

# Captured from `ufw show added` on the lab's Debian 12 image after the role's kinds of `ufw allow out` rules.
ADDED = [
    "Added user rules (see 'ufw status' for running firewall):",
    "ufw allow 22/tcp",
    "ufw allow out to 192.0.2.0/24 port 443 proto tcp comment 'arcready-egress: Azure Arc endpoints'",
    "ufw allow out from any port 22 proto tcp comment 'arcready-egress: SSH server replies (management connection)'",
    "ufw allow out 443/tcp comment 'arcready-egress: x'",
    "ufw allow out to 192.0.2.53 port 53 proto udp comment 'arcready-egress: DNS resolver'",
    "ufw allow out to 2001:db8::/32 port 443 proto tcp comment 'arcready-egress: Azure Arc endpoints'",
    "ufw allow out to 198.51.100.0/24 port 443 proto tcp comment 'someone-else: keep'",
]


def rule(proto, dest, port=None, sport=None):
    return {"proto": proto, "dest": dest, "port": port, "sport": sport, "family": "any", "why": "w"}


def test_the_shapes_ufw_writes_are_read():
    assert line_key(ADDED[2]) == ("tcp", "192.0.2.0/24", 443, None)
    assert line_key(ADDED[3]) == ("tcp", "any", None, 22)
    assert line_key(ADDED[4]) == ("tcp", "any", 443, None)
    # A single host: ufw drops the /32 the role writes.
    assert line_key(ADDED[5]) == ("udp", "192.0.2.53/32", 53, None)
    assert line_key(ADDED[6]) == ("tcp", "2001:db8::/32", 443, None)
    assert line_key(ADDED[0]) is None


def test_only_the_roles_unwanted_rules_are_stale():
    wanted = [rule("tcp", "2001:db8::/32", 443), rule("tcp", "any", sport=22), rule("udp", "192.0.2.53/32", 53),
              rule("tcp", "203.0.113.0/24", 443)]
    stale = ufw_stale_rules(ADDED, wanted, "arcready-egress")
    # The old prefix and the old any-destination rule go; other tools' rules and the wanted ones stay.
    assert stale == [ADDED[2], ADDED[4]]


def test_nothing_wanted_means_every_rule_of_the_role():
    assert ufw_stale_rules(ADDED, [], "arcready-egress") == ADDED[2:7]


def test_bad_input_is_refused():
    with pytest.raises(AnsibleFilterError):
        ufw_stale_rules("ufw allow out 443/tcp", [], "arcready-egress")
    with pytest.raises(AnsibleFilterError):
        ufw_stale_rules(ADDED, [], "")


# ------------------------------------------------------------------ ufw_rules_to_add

def test_only_the_missing_rules_are_added_with_the_arguments_ufw_takes():
    wanted = [rule("tcp", "192.0.2.0/24", 443),         # there
              rule("udp", "192.0.2.53/32", 53),         # there, written without /32
              rule("tcp", "198.51.100.0/24", 443),      # there, but with someone else's comment: the role adds its own
              rule("tcp", "203.0.113.0/24", 443),       # missing
              rule("tcp", "203.0.113.0/24", 443),       # wanted twice: added once
              rule("tcp", "any", None, 22),             # there
              rule("udp", "any", 123)]                  # missing
    to_add = ufw_rules_to_add(ADDED, wanted, "arcready-egress")
    assert to_add == [
        ["allow", "out", "proto", "tcp", "to", "198.51.100.0/24", "port", "443", "comment", "arcready-egress: w"],
        ["allow", "out", "proto", "tcp", "to", "203.0.113.0/24", "port", "443", "comment", "arcready-egress: w"],
        ["allow", "out", "proto", "udp", "to", "any", "port", "123", "comment", "arcready-egress: w"],
    ]
    assert ufw_rules_to_add(ADDED, [rule("tcp", "any", None, 22)], "arcready-egress") == []


def test_what_is_added_reads_back_as_the_same_rule():
    # ufw show added writes an added rule back with its comment: the next run then finds it and adds nothing.
    for wanted in (rule("tcp", "192.0.2.0/26", 443), rule("tcp", "any", None, 22), rule("udp", "2001:db8::/48", 53)):
        [args] = ufw_rules_to_add([], [wanted], "arcready-egress")
        assert args[:2] == ["allow", "out"] and args[-2] == "comment"
        written = "ufw %s '%s'" % (" ".join(args[:-1]), args[-1])
        assert line_key(written) == rule_key(wanted)
        assert ufw_rules_to_add([written], [wanted], "arcready-egress") == []


@pytest.mark.parametrize("lines, wanted, comment, said", [
    ("ufw allow out 443/tcp", [], "x", "expects a list of lines"),
    ([], [], "", "needs the comment"),
    ([], [rule("icmp", "any")], "x", "proto must be tcp or udp"),
])
def test_bad_input_to_ufw_rules_to_add(lines, wanted, comment, said):
    with pytest.raises(AnsibleFilterError, match=said):
        ufw_rules_to_add(lines, wanted, comment)
