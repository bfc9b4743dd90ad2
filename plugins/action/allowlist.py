# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Action plugin of arcready.network.allowlist: writes every allow-list file on the controller in one step.

Nothing runs on a managed host; the documentation lives in plugins/modules/allowlist.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.plugins.action import ActionBase

from ansible_collections.arcready.network.plugins.plugin_utils import _allowlist


def _load_service_tags(path):
    if not path:
        return None
    from ansible_collections.arcready.network.plugins.plugin_utils import _service_tags
    try:
        return _service_tags.load_path(path)
    except _service_tags.ServiceTagsError as exc:
        raise _allowlist.AllowlistError("service_tags_file (arc_allowlist_service_tags_file): %s" % exc)


def generate(args, check_mode=False):
    """The task result for these arguments; raises AllowlistError for any bad input, before writing anything."""
    opts = _allowlist.check_options(args)
    foreign = _allowlist.foreign_files(opts["dest"])
    if foreign:
        raise _allowlist.AllowlistError(
            "dest (arc_allowlist_dir): %s holds files this playbook did not write (%s); the whole directory is "
            "replaced on each run, so choose a new or dedicated directory" % (opts["dest"], ", ".join(foreign[:5])))
    stf = _load_service_tags(opts["service_tags_file"])
    report = _allowlist.load_report(opts["report_file"]) if opts["report_file"] else None
    warnings = []
    rows = _allowlist.catalogue_rows(opts, warnings)
    files, summary = _allowlist.render(opts, rows, stf=stf, report=report, warnings=warnings)
    changed = not _allowlist.unchanged(opts["dest"], files)
    if changed and not check_mode:
        _allowlist.write_all(opts["dest"], files)
    cannot = dict((fmt, out["cannot_express"]) for fmt, out in summary["outputs"].items() if out["cannot_express"])
    return {
        "changed": changed,
        "dest": opts["dest"],
        "files": sorted(files),
        "parameters": summary["parameters"],
        "names": len(summary["entries"]),
        "left_out": summary["left_out"],
        "cannot_express": cannot,
        "proxy_bypass": summary["proxy_bypass"]["value"],
        "warnings_": summary["warnings"],
        "msg": "%s %d files in %s for %s %s (%d names)" % (
            "would write" if check_mode and changed else ("wrote" if changed else "unchanged:"), len(files),
            opts["dest"], opts["cloud"], opts["region"], len(summary["entries"])),
    }


class ActionModule(ActionBase):

    _supports_check_mode = True
    _supports_async = False
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        result = super(ActionModule, self).run(tmp, task_vars)
        try:
            out = generate(self._task.args, check_mode=bool(self._play_context.check_mode))
        except _allowlist.AllowlistError as exc:
            result.update(failed=True, changed=False, msg=str(exc))
            return result
        warnings = out.pop("warnings_")
        if warnings:
            result["warnings"] = warnings
        result.update(out)
        return result
