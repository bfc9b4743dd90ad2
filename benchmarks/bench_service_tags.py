#!/usr/bin/env python
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmarks for issue 6 (service tags), run on the controller:

1. Select and merge the Arc service tags from a Service Tags file of real size (about 3,000 tags and 50,000
   prefixes, generated deterministically into a temporary directory): target under 2 s. Timed three ways: the
   shared logic (parse + validate + select + merge), the same for every tag of the file, and the
   arcready.network.service_tags lookup end to end through Ansible's lookup loader.

Applying 5,000 prefixes to nftables is timed by bench_nft_service_tags.py, with the arc_firewall role's own file.

    .venv/bin/python benchmarks/bench_service_tags.py [--runs 5] [--seed 1] [--keep DIR]

2. Regions by ARM name on that file, whose regions partly use the file's own codes (germanywc, centralfrance ...,
   as Microsoft's file does): the cost of narrowing the Arc tags to every region of the file, as a ratio of the
   default selection.

ARC_BENCH_QUICK=1: a smaller file (600 tags, 10,000 prefixes) and two runs, the same figures printed.

Exit status 1 when select + merge misses the 2 s target, else 0. Nothing off this machine is contacted.
"""

from __future__ import annotations

import argparse
import atexit
import importlib.util
import os
import shutil
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import _quick  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
GENERATOR = os.path.join(ROOT, "tests", "data", "service_tags", "make_service_tags.py")
TARGET_S = 2.0


def collection_loader():
    """Make ansible_collections.arcready.network importable from this checkout."""
    from ansible.utils.collection_loader import AnsibleCollectionConfig
    if AnsibleCollectionConfig.collection_finder is not None:
        return
    from ansible.plugins.loader import init_plugin_loader
    parts = ROOT.split(os.sep)
    if parts[-3:-2] == ["ansible_collections"]:
        prefix = os.sep.join(parts[:-3])
    else:
        prefix = tempfile.mkdtemp(prefix="arcready-ac-")
        atexit.register(shutil.rmtree, prefix, True)
        os.makedirs(os.path.join(prefix, "ansible_collections", "arcready"))
        os.symlink(ROOT, os.path.join(prefix, "ansible_collections", "arcready", "network"))
    init_plugin_loader([prefix])


def load_generator():
    spec = importlib.util.spec_from_file_location("make_service_tags", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def timed(func, runs):
    """(best, median, last result) of ``runs`` calls."""
    times = []
    result = None
    for dummy in range(runs):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


def verdict(seconds):
    return "%.1f%% of the %.0f s target: %s" % (100.0 * seconds / TARGET_S, TARGET_S,
                                                "PASS" if seconds < TARGET_S else "FAIL")


# ------------------------------------------------------------------------------------------------ main

def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", maxsplit=1)[0])
    parser.add_argument("--runs", type=int, default=_quick.pick(5, 2),
                        help="repetitions of each timing (best is reported; quick mode: 2)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the real-size file")
    parser.add_argument("--keep", help="write the generated file into this directory and keep it")
    args = parser.parse_args(argv)
    quick = _quick.quick()
    size = dict(tags=600, prefixes=10000) if quick else {}
    _quick.banner("bench_service_tags", "%d run(s) per timing" % args.runs)

    collection_loader()
    from ansible_collections.arcready.network.plugins.plugin_utils import _service_tags as st

    if not st.HAS_NETADDR:
        print("FAIL: " + st.NETADDR_HINT)
        return 1
    gen = load_generator()
    workdir = args.keep or tempfile.mkdtemp(prefix="arcready-bench-")
    os.makedirs(workdir, exist_ok=True)
    try:
        start = time.perf_counter()
        document = gen.real_size(seed=args.seed, **size)
        path = gen.write(document, workdir + os.sep, time.strftime("%Y%m%d"))
        gen_s = time.perf_counter() - start
        n_prefixes = sum(len(v["properties"]["addressPrefixes"]) for v in document["values"])
        print("real-size Service Tags file: %d tags, %d prefixes, %.1f MB (generated in %.2f s): %s"
              % (len(document["values"]), n_prefixes, os.path.getsize(path) / 1e6, gen_s, path))
        del document

        tags = st.default_tags("AzureCloud")

        def default_selection():
            stf = st.load_path(path)
            return st.prefixes(stf, "AzureCloud", tags=tags)[0], stf

        best, median, (elements, stf) = timed(default_selection, args.runs)
        selected = sum(len(e.prefixes) for e in st.select(stf, tags)[0])
        print("parse + select + merge, the Arc tags (%s): %d prefixes -> %d merged (%d IPv4, %d IPv6): %.3f s best, "
              "%.3f s median of %d; %s" % (", ".join(tags), selected, len(elements),
                                           sum(1 for e in elements if e["version"] == 4),
                                           sum(1 for e in elements if e["version"] == 6), best, median, args.runs,
                                           verdict(best)))
        failed = best >= TARGET_S

        parse_best, _median, _stf = timed(lambda: st.load_path(path), args.runs)
        merge_best, _median, _res = timed(lambda: st.prefixes(stf, "AzureCloud", tags=tags), args.runs)
        print("  of which parse + validate %.3f s, select + merge %.3f s" % (parse_best, merge_best))

        arm_names = sorted(set(short for short, _pascal in gen.REGIONS[:len(stf.regions)]))
        arm_best, _median, (narrowed, _missing) = timed(
            lambda: st.prefixes(stf, "AzureCloud", tags=tags, regions=arm_names, include_global=False), args.runs)
        own = sum(1 for name in arm_names if name not in stf.regions)
        print("regions by ARM name: %d regions (%d of them written by the file's own code) -> %d merged: %.3f s best; "
              "%.2fx the default selection" % (len(arm_names), own, len(narrowed), arm_best, arm_best / merge_best))

        every = [t.name for t in stf.tags if not t.region]

        def whole_file():
            return st.prefixes(st.load_path(path), "AzureCloud", tags=every)[0]

        best_all, median_all, all_elements = timed(whole_file, max(1, args.runs // 2))
        print("parse + select + merge, every global tag of the file (%d tags, %d prefixes) -> %d merged: %.3f s best, "
              "%.3f s median; %s" % (len(every), sum(len(stf.by_name[t].prefixes) for t in every), len(all_elements),
                                     best_all, median_all, verdict(best_all)))

        try:
            from ansible.parsing.dataloader import DataLoader
            from ansible.plugins.loader import lookup_loader
            lookup = lookup_loader.get("arcready.network.service_tags", loader=DataLoader(), templar=None)
            best_lk, median_lk, result = timed(lambda: lookup.run([], variables={}, path=workdir), args.runs)
            print("lookup arcready.network.service_tags end to end (path= the directory, newest file picked): "
                  "%d prefixes, %.3f s best, %.3f s median; %s" % (len(result), best_lk, median_lk, verdict(best_lk)))
            failed = failed or best_lk >= TARGET_S
        except Exception as exc:  # pylint: disable=broad-except
            print("lookup end to end not timed: %s" % exc)

    finally:
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
