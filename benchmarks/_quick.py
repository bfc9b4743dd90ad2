# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Quick mode of the benchmarks: ARC_BENCH_QUICK=1 (tests/run.sh sets it when CI=true) picks smaller sizes and
fewer repetitions; every benchmark still prints the same figures and ratios, measured in that run.
ARCBENCH_QUICK=1 is the older name and still works."""

import os


def quick():
    value = os.environ.get("ARC_BENCH_QUICK", os.environ.get("ARCBENCH_QUICK", ""))
    return value.strip() not in ("", "0", "false", "no")


def pick(full, small):
    """``small`` in quick mode, else ``full``: for argparse defaults (an explicit option still wins)."""
    return small if quick() else full


def banner(name, sizes):
    """One line saying which sizes this run used, so a quick figure is never taken for a full one."""
    print("%s: %s mode (%s)" % (name, "quick (ARC_BENCH_QUICK=1)" if quick() else "full", sizes))
