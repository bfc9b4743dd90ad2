#!/usr/bin/env python3
"""Stand-in for the Azure Connected Machine agent's CLI, for the arc_proxy scenario.

Records every call (one JSON list of arguments per line) in /var/log/arclab-azcmagent-calls.txt, the calls that
change a setting also in /var/log/arclab-azcmagent.log (which the check-mode snapshot covers), and keeps the
local settings in /var/opt/azcmagent/localconfig.json, the file the real agent uses. Answers the subcommands
the role uses as the real CLI does: `version`, `config get|set|clear|list|info` (set: comma-separated values for
list properties, --add/--remove), with exit code 0, or 1 and an error line for an unknown property.

`check --location <region> [--cloud <cloud>] [--json]` answers with the endpoints a 2023 agent listed for the region
(the ENDPOINT | REACHABLE | PRIVATE | TLS | PROXY table, or JSON with --json), plus the URLs listed in
/var/opt/azcmagent/arclab-check-extra.json (a JSON list), so a scenario can give the agent an endpoint the
catalogue lacks. It tests nothing: every endpoint is reported reachable.
"""

import json
import os
import sys

LOG = "/var/log/arclab-azcmagent-calls.txt"
CHANGES = "/var/log/arclab-azcmagent.log"
CONFIG = "/var/opt/azcmagent/localconfig.json"
VERSION = os.environ.get("ARCLAB_AZCMAGENT_VERSION", "1.50.03037.2109")
PROPERTIES = {"proxy.url": str, "proxy.bypass": list, "extensions.enabled": bool, "guestconfiguration.enabled": bool,
              "incomingconnections.ports": list, "extensions.allowlist": list, "extensions.blocklist": list,
              "config.mode": str, "connection.type": str}
BYPASS = ["AAD", "ARM", "Arc", "ArcData", "AMA"]
CHECK_EXTRA = "/var/opt/azcmagent/arclab-check-extra.json"
CHECK_SHARDS = {"eastus": "eus", "westeurope": "weu", "uksouth": "uks", "ukwest": "uks"}


def load():
    try:
        with open(CONFIG) as stream:
            return json.load(stream)
    except (IOError, OSError, ValueError):
        return {}


def save(config):
    os.makedirs(os.path.dirname(CONFIG), exist_ok=True)
    with open(CONFIG, "w") as stream:
        json.dump(config, stream, indent=2, sort_keys=True)


def show(value):
    if isinstance(value, list):
        return "[" + " ".join(value) + "]"
    return "" if value is None else str(value)


def fail(message):
    print("ERROR %s" % message, file=sys.stderr)
    sys.exit(1)


def check(rest):
    """The endpoints the agent's own check lists (catalogue_2026.md section 4), plus the scenario's extras."""
    location = rest[rest.index("--location") + 1] if "--location" in rest[:-1] else "eastus"
    urls = ["https://gbl.his.arc.azure.com", "https://agentserviceapi.guestconfiguration.azure.com",
            "https://%s-gas.guestconfiguration.azure.com" % location, "https://login.microsoftonline.com",
            "https://pas.windows.net", "https://management.azure.com"]
    if location in CHECK_SHARDS:
        urls.insert(1, "https://%s.his.arc.azure.com" % CHECK_SHARDS[location])
    try:
        with open(CHECK_EXTRA) as stream:
            urls += [str(u) for u in json.load(stream)]
    except (IOError, OSError, ValueError):
        pass
    if "--json" in rest or "-j" in rest:
        print(json.dumps({"location": location, "endpoints": [
            {"endpoint": u, "reachable": True, "private": False, "tls": "TLS 1.3", "proxy": "not set"}
            for u in urls]}, indent=2))
        return
    print("ENDPOINT | REACHABLE | PRIVATE | TLS | PROXY")
    for url in urls:
        print("%s | true | false | TLS 1.3 | not set" % url)


def main(argv):
    with open(LOG, "a") as stream:
        stream.write(json.dumps(argv) + "\n")
    if argv[:1] == ["config"] and argv[1:2] in (["set"], ["clear"]):
        with open(CHANGES, "a") as stream:
            stream.write(json.dumps(argv) + "\n")
    if argv[:1] == ["version"] or argv[:1] == ["--version"]:
        print("azcmagent version %s" % VERSION)
        return
    if argv[:1] == ["check"]:
        check(argv[1:])
        return
    if argv[:1] != ["config"] or len(argv) < 2:
        fail("unsupported command for the stub: %s" % " ".join(argv))
    verb, rest = argv[1], argv[2:]
    config = load()
    if verb == "list":
        print("Local Configuration Settings")
        for name in sorted(PROPERTIES):
            print("  %-28s: %s" % (name, show(config.get(name, [] if PROPERTIES[name] is list else ""))))
        return
    if verb == "info":
        for name in sorted(PROPERTIES):
            print(name)
        return
    if not rest or rest[0] not in PROPERTIES:
        fail("Unknown config property: %s" % (rest[0] if rest else ""))
    name = rest[0]
    if verb == "get":
        print(show(config.get(name, [] if PROPERTIES[name] is list else "")))
    elif verb == "clear":
        config.pop(name, None)
        save(config)
        print("Config property %s cleared" % name)
    elif verb == "set":
        values = [a for a in rest[1:] if not a.startswith("--")]
        if len(values) != 1:
            fail("set needs one value")
        if PROPERTIES[name] is list:
            items = [v.strip() for v in values[0].split(",") if v.strip()]
            if name == "proxy.bypass":
                unknown = [v for v in items if v not in BYPASS]
                if unknown:
                    fail("Invalid proxy.bypass value(s): %s" % ",".join(unknown))
            current = config.get(name, [])
            if "--add" in rest:
                items = current + [v for v in items if v not in current]
            elif "--remove" in rest:
                items = [v for v in current if v not in items]
            config[name] = items
        else:
            value = values[0]
            if name == "proxy.url" and not value.startswith(("http://", "https://")):
                fail("proxy.url must be a URL")
            config[name] = value
        save(config)
        print("Config property %s updated" % name)
    else:
        fail("unknown config verb %s" % verb)


if __name__ == "__main__":
    main(sys.argv[1:])
