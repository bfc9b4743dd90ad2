# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The arguments the controller sends to the probe module, whichever engine runs it.

PRIVATE to the collection. The catalogue is expanded here into an explicit endpoints list and the defaults both
engines need (expected issuers, the region's short name) are filled in, so the Python module (Linux) and the
PowerShell module (Windows) probe the same list with the same settings and neither carries its own copy. The
verdict (``fail_on``) stays on the controller and is not sent.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.validation import check_type_bool, check_type_list

from ansible_collections.arcready.network.plugins.module_utils._catalogue import CatalogueError, build, check_region
from ansible_collections.arcready.network.plugins.module_utils._his_probe import mark as mark_his
from ansible_collections.arcready.network.plugins.module_utils._probe import DEFAULT_EXPECTED_ISSUERS
from ansible_collections.arcready.network.plugins.plugin_utils import _secrets

# What the module's endpoints option accepts of each catalogue row.
ENDPOINT_KEYS = ("host", "port", "scheme", "path", "required", "purpose", "url", "pattern", "bypass",
                 "private_capable", "probeable", "reason", "discover")

# Options the controller keeps: the verdict is computed from the results, not by the engines.
CONTROLLER_OPTIONS = ("fail_on",)


def expand(args, warnings=None):
    """The module arguments with the catalogue turned into an explicit endpoints list; the catalogue's warnings
    (an unlisted region, wac outside its regions) are appended to ``warnings`` when a list is given."""
    if args.get("endpoints"):
        return dict(args)
    region = args.get("region")
    if not region:
        raise CatalogueError("one of the following is required: region, endpoints")
    cloud = args.get("cloud") or "AzureCloud"
    rows = build(
        cloud,
        region,
        scenarios=check_type_list(args.get("scenarios") or []),
        stage=args.get("stage") or "install",
        private_link=check_type_bool(args.get("private_link") or False),
        wildcard_hosts=args.get("wildcard_hosts") or {},
        edition=args.get("edition"),
        auto_upgrade=check_type_bool(args.get("auto_upgrade") or False),
        esu_only=check_type_bool(args.get("esu_only") or False),
        key_vault=args.get("key_vault"),
        warnings=warnings,
    )
    # The regional HIS row is marked so the module knows which row its discovery replaces.
    mark_his(rows, cloud, rows[0]["region"] if rows else region)
    out = dict(args)
    out["endpoints"] = [dict((key, row[key]) for key in ENDPOINT_KEYS) for row in rows]
    return out


def module_arguments(args, warnings=None):
    """What the action plugin sends: the expanded endpoints, the defaults the engines must not copy, no verdict."""
    out = dict((key, value) for key, value in expand(args, warnings).items() if key not in CONTROLLER_OPTIONS)
    if not out.get("expected_issuers"):
        out["expected_issuers"] = list(DEFAULT_EXPECTED_ISSUERS)
    if out.get("region"):
        try:
            out["region"] = check_region(out.get("cloud") or "AzureCloud", out["region"])
        except CatalogueError:
            pass  # explicit endpoints: the region only names the Service Bus allowlist; the module says what is wrong
    return out


def proxy_secrets(args):
    """Every form of the proxy password the task was given (in the URL or apart), to mask in anything shown."""
    return _secrets.proxy_secrets(args.get("proxy_url"), args.get("proxy_username"), args.get("proxy_password"))


def proxy_credentials(args):
    """Whether the task gives the proxy credentials (the module only shows them masked)."""
    return _secrets.has_credentials(args.get("proxy_url"), args.get("proxy_username"), args.get("proxy_password"))
