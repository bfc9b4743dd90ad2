# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Publish a run's report files as one set: a killed run leaves the previous complete set in place.

PRIVATE to the collection, controller side. Layout of ``report_dir`` (docs/reports.md)::

    .runs/<run_id>/preflight.json, preflight.html, preflight.junit.xml, hosts/<host>.json   one complete run each
    current -> .runs/<run_id>                                                                 the published run
    preflight.json -> current/preflight.json  (and preflight.html, preflight.junit.xml, hosts)

A run is written into ``.runs/<run_id>.partial``, flushed to disk (syncfs, or an fsync per file), renamed to ``.runs/<run_id>``,
then ``current`` is replaced by one rename(2) of a new symlink: readers see the old set or the new one, never a
mix, and ``hosts/`` belongs to the run it came with. Older runs beyond ``keep`` are removed afterwards.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import ctypes
import ctypes.util
import os
import shutil
import time

RUNS = ".runs"
CURRENT = "current"
PARTIAL = ".partial"
# A partial run directory this old is a killed run's, not a concurrent one's.
STALE_PARTIAL_SECONDS = 24 * 3600


def _fsync_dir(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _syncfs_function():
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        return libc.syncfs
    except (OSError, AttributeError):
        return None


_SYNCFS = _syncfs_function()


def _write(path, data):
    with open(path, "wb") as stream:
        stream.write(data if isinstance(data, bytes) else data.encode("utf-8"))
    os.chmod(path, 0o644)


def _flush(path, written):
    """Every file written under path on disk before the rename that publishes it: one syncfs(2) of the report
    file system (an fsync per file costs a journal commit each: 12 s for 5,000 host files here), else fsyncs."""
    fd = os.open(path, os.O_RDONLY)
    try:
        if _SYNCFS is not None and _SYNCFS(fd) == 0:
            return
    finally:
        os.close(fd)
    for name in written:
        fd = os.open(name, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _replace_with_link(path, target):
    """Make ``path`` a symlink to ``target`` in one rename; an old directory there (a report directory written
    before run sets existed) is moved under .runs first."""
    if os.path.islink(path) and os.readlink(path) == target:
        return
    if os.path.isdir(path) and not os.path.islink(path):
        legacy = os.path.join(os.path.dirname(path), RUNS, "legacy-%d" % int(time.time()))
        os.makedirs(legacy, exist_ok=True)
        os.rename(path, os.path.join(legacy, os.path.basename(path)))
    temporary = "%s.new-%d" % (path, os.getpid())
    if os.path.lexists(temporary):
        os.unlink(temporary)
    os.symlink(target, temporary)
    os.replace(temporary, path)


def publish(report_dir, files, run_id, keep=5):
    """Write ``files`` ([(relative path, text or bytes, or None for a directory)]) as run ``run_id`` and make it
    the current set.

    Returns the run's directory. The top-level names of ``files`` become links through ``current``."""
    runs = os.path.join(report_dir, RUNS)
    os.makedirs(runs, mode=0o755, exist_ok=True)
    final = os.path.join(runs, run_id)
    staging = final + PARTIAL
    if os.path.lexists(staging):
        shutil.rmtree(staging)
    os.makedirs(staging, mode=0o755)
    directories = set([staging])
    tops, written = [], []
    for relative, data in files:
        parts = relative.split("/")
        if parts[0] not in tops:
            tops.append(parts[0])
        path = os.path.join(staging, *parts)
        parent = path if data is None else os.path.dirname(path)
        if parent not in directories:
            os.makedirs(parent, mode=0o755, exist_ok=True)
            directories.add(parent)
        if data is not None:
            _write(path, data)
            written.append(path)
    _flush(staging, written)
    for directory in sorted(directories, key=len, reverse=True):
        _fsync_dir(directory)
    os.rename(staging, final)
    _fsync_dir(runs)
    _replace_with_link(os.path.join(report_dir, CURRENT), os.path.join(RUNS, run_id))
    for top in tops:
        _replace_with_link(os.path.join(report_dir, top), os.path.join(CURRENT, top))
    _fsync_dir(report_dir)
    prune(report_dir, keep, run_id)
    return final


def prune(report_dir, keep, current):
    """Remove all but the ``keep`` newest complete runs (never ``current``) and stale partial ones."""
    runs = os.path.join(report_dir, RUNS)
    complete = sorted(n for n in os.listdir(runs) if not n.endswith(PARTIAL) and not n.startswith("legacy-"))
    for name in complete[:max(0, len(complete) - max(1, keep))]:
        if name != current:
            shutil.rmtree(os.path.join(runs, name), ignore_errors=True)
    now = time.time()
    for name in os.listdir(runs):
        path = os.path.join(runs, name)
        # Killed runs' partial directories, and the files of a report directory from before run sets.
        if (name.endswith(PARTIAL) or name.startswith("legacy-")) \
                and now - os.lstat(path).st_mtime > STALE_PARTIAL_SECONDS:
            shutil.rmtree(path, ignore_errors=True)
