# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ufw_stale_rules and ufw_rules_to_add filters: which of the role's ufw rules (``ufw show added`` lines) are
no longer wanted, and which wanted rules are not there yet, as the arguments of ``ufw`` that add them.

Their documentation is in the sidecar files ufw_stale_rules.yml and ufw_rules_to_add.yml.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ipaddress
import re

from ansible.errors import AnsibleFilterError

# `ufw show added` writes a rule in one of these shapes (ufw 0.36):
#   ufw allow out to 192.0.2.0/24 port 443 proto tcp comment '...'
#   ufw allow out 443/tcp comment '...'
#   ufw allow out from any port 22 proto tcp comment '...'
_SHORT = re.compile(r"^ufw allow out (\d+)/(tcp|udp)\b")
_TO = re.compile(r"\bto (\S+)")
_TO_PORT = re.compile(r"\bto \S+ port (\d+)")
_FROM_PORT = re.compile(r"\bfrom \S+ port (\d+)")
_PROTO = re.compile(r"\bproto (\S+)")


def _address(text):
    """ufw writes a single host without its /32 or /128; compare prefixes in one normal form."""
    if text in (None, "any"):
        return "any"
    try:
        return str(ipaddress.ip_network(text, strict=False))
    except ValueError:
        return text


def _number(value):
    return None if value in (None, "") else int(value)


def rule_key(rule):
    """(proto, destination, port, source port) of a rule dict of the role (proto, dest, port, sport)."""
    return (rule.get("proto"), _address(rule.get("dest")), _number(rule.get("port")), _number(rule.get("sport")))


def line_key(line):
    """The same key for a `ufw show added` line, or None when the line is not an outbound allow rule."""
    head = line.split(" comment ", 1)[0]
    if not head.startswith("ufw allow out "):
        return None
    short = _SHORT.match(head)
    if short:
        return (short.group(2), "any", int(short.group(1)), None)
    proto = _PROTO.search(head)
    to = _TO.search(head)
    to_port = _TO_PORT.search(head)
    from_port = _FROM_PORT.search(head)
    return (proto.group(1) if proto else None, _address(to.group(1) if to else None),
            _number(to_port.group(1) if to_port else None), _number(from_port.group(1) if from_port else None))


def _check(name, lines, wanted, comment):
    if isinstance(lines, str) or not isinstance(wanted, (list, tuple)):
        raise AnsibleFilterError("arcready.network.%s expects a list of lines and a list of rules" % name)
    if not comment:
        raise AnsibleFilterError("arcready.network.%s needs the comment that marks the role's rules" % name)
    return " comment '%s:" % comment


def ufw_stale_rules(lines, wanted, comment):
    """The lines of ``ufw show added`` with the role's ``comment`` whose rule is not among ``wanted``."""
    marker = _check("ufw_stale_rules", lines, wanted, comment)
    keys = set(rule_key(rule) for rule in wanted)
    return [line for line in lines if marker in line and line_key(line) not in keys]


def rule_arguments(rule, comment):
    """The arguments of ``ufw`` that add one outbound allow rule of the role, with its comment."""
    if rule.get("proto") not in ("tcp", "udp"):
        raise AnsibleFilterError("arcready.network.ufw_rules_to_add: proto must be tcp or udp, not %r"
                                 % (rule.get("proto"),))
    args = ["allow", "out", "proto", rule["proto"]]
    if _number(rule.get("sport")) is not None:
        args += ["from", "any", "port", str(_number(rule["sport"]))]
    args += ["to", str(rule.get("dest") or "any")]
    if _number(rule.get("port")) is not None:
        args += ["port", str(_number(rule["port"]))]
    return args + ["comment", "%s: %s" % (comment, rule.get("why") or "")]


def ufw_rules_to_add(lines, wanted, comment):
    """For each wanted rule that ``ufw show added`` does not list with the role's comment, the arguments of
    ``ufw`` that add it (one module-less command each: on a run with nothing to add, none)."""
    marker = _check("ufw_rules_to_add", lines, wanted, comment)
    present = set(line_key(line) for line in lines if marker in line)
    to_add, seen = [], set()
    for rule in wanted:
        key = rule_key(rule)
        if key not in present and key not in seen:
            seen.add(key)
            to_add.append(rule_arguments(rule, comment))
    return to_add


class FilterModule(object):
    def filters(self):
        return {"ufw_stale_rules": ufw_stale_rules, "ufw_rules_to_add": ufw_rules_to_add}
