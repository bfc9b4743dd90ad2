# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""probe.ps1 is PowerShell glue over the C# engine plugins/module_utils/ArcProbe.cs, and its option spec is
probe.py's: the same options, types, defaults, choices, required, elements, no_log and suboptions, as the
argument_spec the Python module really builds and as its DOCUMENTATION says.

The ``$spec`` hashtable is read by a small parser of PowerShell literals written for this test (no PowerShell is
available here; see docs/windows.md), so ``$spec`` must stay a plain literal. ansible-test validate-modules makes
the same comparison with pwsh where pwsh exists.

The last tests parse the whole script with the tree-sitter PowerShell grammar, when it is installed: a syntax
check without an interpreter. The grammar rejects a few valid constructs that probe.ps1 therefore avoids
(generic type names with a backtick, 1GB-style literals, labelled break).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import re

import pytest
import yaml

from ansible_collections.arcready.network.plugins.modules import probe as probe_module

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))
PS1 = os.path.join(REPO, "plugins", "modules", "probe.ps1")
CS = os.path.join(REPO, "plugins", "module_utils", "ArcProbe.cs")
CS_UTIL = "ansible_collections.arcready.network.plugins.module_utils.ArcProbe"


# ------------------------------------------------------------------ a parser for PowerShell literals

class PSLiteral:
    """Parses the literal after ``$name =``: @{...}, @(...), 'text', "text", numbers, $true/$false/$null, and the
    unary comma (``@(, @('a', 'b'))`` is a list holding one list)."""

    def __init__(self, text, pos):
        self.text = text
        self.pos = pos

    def skip(self, newlines=True):
        while self.pos < len(self.text):
            c = self.text[self.pos]
            if c == "#":
                end = self.text.find("\n", self.pos)
                self.pos = len(self.text) if end < 0 else end
            elif c in " \t\r" or (newlines and c == "\n"):
                self.pos += 1
            else:
                break

    def peek(self, token):
        return self.text.startswith(token, self.pos)

    def expect(self, token):
        self.skip()
        if not self.peek(token):
            raise ValueError("expected %r at %r" % (token, self.text[self.pos:self.pos + 40]))
        self.pos += len(token)

    def value(self):
        self.skip()
        if self.peek("@{"):
            return self.hashtable()
        if self.peek("@("):
            return self.array()
        if self.peek("'"):
            return self.single_quoted()
        if self.peek('"'):
            end = self.text.index('"', self.pos + 1)
            raw = self.text[self.pos + 1:end]
            if "$" in raw or "`" in raw:
                raise ValueError("expandable strings are not literals: %r" % raw)
            self.pos = end + 1
            return raw
        match = re.compile(r"\$(true|false|null)\b|-?\d+(\.\d+)?", re.I).match(self.text, self.pos)
        if not match:
            raise ValueError("not a literal at %r" % self.text[self.pos:self.pos + 40])
        self.pos = match.end()
        word = match.group(0).lower()
        if word.startswith("$"):
            return {"$true": True, "$false": False, "$null": None}[word]
        return float(word) if "." in word else int(word)

    def single_quoted(self):
        self.pos += 1
        out = []
        while True:
            end = self.text.index("'", self.pos)
            out.append(self.text[self.pos:end])
            if self.text.startswith("''", end):
                out.append("'")
                self.pos = end + 2
                continue
            self.pos = end + 1
            return "".join(out)

    def hashtable(self):
        self.expect("@{")
        out = {}
        while True:
            self.skip()
            if self.peek("}"):
                self.pos += 1
                return out
            match = re.compile(r"[A-Za-z_][A-Za-z0-9_]*|'[^']*'").match(self.text, self.pos)
            if not match:
                raise ValueError("expected a key at %r" % self.text[self.pos:self.pos + 40])
            key = match.group(0).strip("'")
            if key in out:
                raise ValueError("duplicate key %s" % key)
            self.pos = match.end()
            self.expect("=")
            out[key] = self.value()
            self.skip(newlines=False)
            if self.peek(";"):
                self.pos += 1

    def array(self):
        self.expect("@(")
        items = []
        self.skip()
        if self.peek(","):  # unary comma: a one-element array holding what follows
            self.pos += 1
            items.append(self.value())
            self.expect(")")
            return items
        while True:
            self.skip()
            if self.peek(")"):
                self.pos += 1
                return items
            items.append(self.value())
            self.skip()
            if self.peek(","):
                self.pos += 1


def ps_assignment(text, name):
    match = re.search(r"^\$%s\s*=\s*" % re.escape(name), text, re.M)
    assert match, "no $%s = ... in probe.ps1" % name
    return PSLiteral(text, match.end()).value()


def ps1_spec():
    return ps_assignment(open(PS1).read(), "spec")


# ------------------------------------------------------------------ what the Python module declares

class _Captured(Exception):
    pass


def python_argument_spec(monkeypatch):
    """The keyword arguments probe.py passes to AnsibleModule, captured at the call."""
    seen = {}

    def fake_module(**kwargs):
        seen.update(kwargs)
        raise _Captured()

    monkeypatch.setattr(probe_module, "AnsibleModule", fake_module)
    with pytest.raises(_Captured):
        probe_module.main()
    return seen


def documented_options():
    return yaml.safe_load(probe_module.DOCUMENTATION)["options"]


def normalise(spec):
    """An option spec with Ansible's defaults spelled out, so absent and default values compare equal."""
    out = {}
    for name, option in spec.items():
        option = dict(option)
        entry = {
            "type": option.pop("type", "str"),
            "default": option.pop("default", None),
            "choices": option.pop("choices", None),
            "required": bool(option.pop("required", False)),
            "elements": option.pop("elements", None),
            "no_log": option.pop("no_log", None),
        }
        if entry["type"] == "float" and entry["default"] is not None:
            entry["default"] = float(entry["default"])
        if entry["choices"] is not None:
            entry["choices"] = [str(c) for c in entry["choices"]]
        suboptions = option.pop("options", None) or option.pop("suboptions", None)
        if suboptions is not None:
            entry["options"] = normalise(suboptions)
        for doc_only in ("description", "aliases", "version_added"):
            option.pop(doc_only, None)
        assert not option, "%s: keys this test does not compare: %s" % (name, sorted(option))
        out[name] = entry
    return out


def without_no_log(spec):
    out = {}
    for name, entry in spec.items():
        entry = dict(entry)
        entry.pop("no_log")
        if "options" in entry:
            entry["options"] = without_no_log(entry["options"])
        out[name] = entry
    return out


# ------------------------------------------------------------------ the tests

def test_the_parser_reads_powershell_literals():
    text = "$x = @{\n  a = @{ type = 'str'; default = 'it''s' }  # comment\n  b = @(, @('c', 'd'))\n" \
           "  e = @(); f = @{}; g = $true; h = 5; i = \"x\"; j = @(, 'k')\n}\n"
    assert ps_assignment(text, "x") == {"a": {"type": "str", "default": "it's"}, "b": [["c", "d"]], "e": [],
                                        "f": {}, "g": True, "h": 5, "i": "x", "j": ["k"]}
    with pytest.raises(ValueError):
        ps_assignment("$x = @{ a = \"$(Get-Date)\" }", "x")


def test_ps1_spec_is_the_python_argument_spec(monkeypatch):
    py = python_argument_spec(monkeypatch)
    ps = ps1_spec()
    assert normalise(ps["options"]) == normalise(py["argument_spec"])
    assert [list(group) for group in py["required_one_of"]] == ps["required_one_of"]
    assert ps["supports_check_mode"] is py["supports_check_mode"] is True
    assert set(ps) == {"options", "required_one_of", "supports_check_mode"}


def test_ps1_spec_matches_the_documentation():
    documented = normalise(documented_options())
    ps = normalise(ps1_spec()["options"])
    # DOCUMENTATION has no no_log; compare everything else, suboptions included.
    assert without_no_log(ps) == without_no_log(documented)
    assert sorted(ps["endpoints"]["options"]) == sorted(documented_options()["endpoints"]["suboptions"])


def test_secrets_are_no_log_in_both():
    ps = ps1_spec()["options"]
    assert ps["proxy_password"]["no_log"] is True
    # "bypass" looks like a password to Ansible's heuristics; both specs say it is not one.
    assert ps["endpoints"]["options"]["bypass"]["no_log"] is False


def test_ps1_header_and_requires():
    text = open(PS1).read()
    assert text.startswith("#!powershell\n")
    assert "GNU General Public License v3.0+" in text.split("\n\n", 2)[1]
    assert re.search(r"(?im)^#AnsibleRequires -CSharpUtil Ansible\.Basic$", text)
    assert re.search(r"(?m)^#AnsibleRequires -CSharpUtil %s$" % re.escape(CS_UTIL), text)
    assert "[Ansible.Basic.AnsibleModule]::Create($args, $spec)" in text


def test_the_engine_is_a_module_util_in_its_own_namespace():
    """ArcProbe.cs follows ansible.windows' Process.cs: namespace = the util's FQCN, //TypeAccelerator lines for
    the short names probe.ps1 uses."""
    source = open(CS).read()
    assert re.search(r"(?m)^namespace %s$" % re.escape(CS_UTIL), source)
    used = set(re.findall(r"\[ArcProbe\.(\w+)\]|TypeName ArcProbe\.(\w+)", open(PS1).read()))
    used = set(a or b for a, b in used)
    declared = set(re.findall(r"(?m)^//TypeAccelerator -Name ArcProbe\.(\w+) -TypeName \1$", source))
    assert used and used <= declared, used - declared
    assert "@'" not in open(PS1).read(), "no C# here-string left in probe.ps1"


def test_ansible_packs_the_engine_with_the_module():
    """Ansible's own PowerShell dependency finder (what the controller runs to build the module payload) resolves
    the #AnsibleRequires lines of probe.ps1 to ArcProbe.cs in this collection."""
    from ansible.executor.powershell.module_manifest import PSModuleDepFinder
    finder = PSModuleDepFinder()
    found = finder.scan_module(open(PS1, "rb").read(), fqn="ansible_collections.arcready.network.plugins.modules.probe")
    assert CS_UTIL + ".cs" in found, found
    assert {"Ansible.Basic.cs", "Ansible.ModuleUtils.CommandUtil.psm1"} <= found, found
    import base64
    assert base64.b64decode(finder.scripts[CS_UTIL + ".cs"].script) == open(CS, "rb").read()


def test_every_engine_member_probe_ps1_calls_exists():
    """No PowerShell runs here, so a renamed C# member would only fail on Windows: every [ArcProbe.Type]::Member
    probe.ps1 calls is a public static member (or constant) of that type, every $settings./$proxy. member it uses
    is a public field or property of Settings/Proxy."""
    source = open(CS).read()
    text = open(PS1).read()

    def body(cls):
        start = re.search(r"public (?:static )?class %s\b" % cls, source).start()
        found = re.search(r"\n    (?:public |static |internal )*class ", source[start + 1:])
        return source[start:start + 1 + found.start()] if found else source[start:]

    calls = set(re.findall(r"\[ArcProbe\.(\w+)\]::(\w+)", text))
    assert len(calls) >= 6, calls
    for cls, member in calls:
        if member == "new":
            continue
        assert re.search(r"public (?:static|const) [\w<>,\[\] ]+ %s\b" % member, body(cls)), (cls, member)
    for variable, cls in (("settings", "Settings"), ("proxy", "Proxy")):
        used = set(re.findall(r"\$%s\.(\w+)" % variable, text))
        assert used, variable
        for member in used:
            assert re.search(r"public [\w<>,\[\] ]+ %s\b" % member, body(cls)), (cls, member)


def test_ps1_returns_endpoints_and_contract_and_leaves_meaning_to_the_controller():
    text = open(PS1).read()
    for key in ("changed", "contract", "endpoints", "proxy", "proxy_source", "proxy_bypass"):
        assert "$module.Result.%s = " % key in text, key
    # Summary, table and the fail_on verdict are computed on the controller, from either engine's endpoints.
    for key in ("summary", "table"):
        assert "$module.Result.%s" % key not in text, key
    assert "$p.fail_on" not in text and "fail_on" not in open(CS).read()
    # The defaults come from the controller: no issuer names and no bypass service names written here.
    for default in ("Microsoft Corporation", "DigiCert", "'AAD', 'ARM'"):
        body = text[text.index("$module = [Ansible.Basic.AnsibleModule]"):]
        assert default not in body and default not in open(CS).read(), default


def test_the_engine_sets_every_contract_field_in_order():
    from ansible_collections.arcready.network.plugins.module_utils._contract import RESULT_FIELDS
    source = open(CS).read()
    new_result = source[source.index("public static Dictionary<string, object> NewResult("):]
    assert re.findall(r'r\["(\w+)"\] = ', new_result)[:len(RESULT_FIELDS)] == list(RESULT_FIELDS)


def test_the_engine_emits_only_documented_reason_codes_in_their_stages():
    from ansible_collections.arcready.network.plugins.module_utils._contract import REASONS
    source = open(CS).read()
    pairs = re.findall(r'new ProbeException\("(\w+)", "([\w.]+)"', source)
    assert len(pairs) > 30, pairs
    for stage, reason in pairs:
        assert reason in REASONS and stage in REASONS[reason][0], (stage, reason)
    # Deadline.Exceeded() and StageTimedOut(), and engine.error set on the result when something unforeseen is met.
    set_directly = set(re.findall(r'result\["failed_reason"\] = "([\w.]+)"', source))
    assert set_directly == {"engine.error"}, set_directly
    emitted = set(reason for _stage, reason in pairs) | {"deadline.exceeded"} | set_directly
    assert emitted == set(REASONS), set(REASONS) ^ emitted


# The C# engine's caps, named as in _contract.py: the same numbers on Windows as on Linux.
CAPS = [("MaxWorkers", "MAX_WORKERS"), ("MaxAllowlistHosts", "MAX_ALLOWLIST_HOSTS"),
        ("MaxAllowlistBytes", "MAX_ALLOWLIST_BYTES"), ("MaxTimeout", "MAX_TIMEOUT"), ("MaxDeadline", "MAX_DEADLINE"),
        ("MaxEndpoints", "MAX_ENDPOINTS")]


@pytest.mark.parametrize("name, contract_name", CAPS, ids=[c[0] for c in CAPS])
def test_the_engine_caps_are_the_contract_caps(name, contract_name):
    from ansible_collections.arcready.network.plugins.module_utils import _contract
    found = re.findall(r"public const (?:int|double) %s = ([0-9 *]+);" % name, open(CS).read())
    assert len(found) == 1, found
    value = 1
    for factor in found[0].split("*"):
        value *= int(factor)
    assert value == getattr(_contract, contract_name)


def test_probe_ps1_checks_timeout_deadline_workers_and_endpoints_against_the_engine_caps():
    source = open(PS1).read()
    for member in ("MaxTimeout", "MaxDeadline", "MaxWorkers", "MaxEndpoints"):
        assert "[ArcProbe.Engine]::%s" % member in source, member
    assert "$settings.Budget = [double]$p.deadline" in source


# ------------------------------------------------------------------ syntax, with the tree-sitter grammar

def _parse_errors(source):
    # Pinned in test-requirements.txt: missing is an error, not a skip.
    import tree_sitter
    import tree_sitter_powershell as grammar
    parser = tree_sitter.Parser(tree_sitter.Language(grammar.language()))
    tree = parser.parse(source)
    found = []

    def walk(node):
        if node.type == "ERROR" or node.is_missing:
            found.append((node.start_point[0] + 1, source[node.start_byte:node.end_byte][:60]))
        for child in node.children:
            walk(child)

    walk(tree.root_node)
    return found


def test_probe_ps1_parses_as_powershell():
    assert _parse_errors(open(PS1, "rb").read()) == []


def test_the_syntax_check_catches_a_broken_script():
    source = open(PS1, "rb").read()
    broken = source.replace(b"Function Select-Proxy {", b"Function Select-Proxy {{", 1)
    assert broken != source
    assert _parse_errors(broken)
