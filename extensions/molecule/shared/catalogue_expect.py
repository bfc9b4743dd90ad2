# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""What the preflight should have probed, computed from the collection's catalogue (not typed by hand)."""

import os
import sys

# The lab script already knows how to load the catalogue without an installed collection.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "tests", "lab")))
from arclab import load_catalogue as catalogue  # noqa: E402


def expected(lab, scenarios=(), stage="install", private_link=False):
    """{(host, port): catalogue row} for the lab's cloud and region."""
    rows = catalogue().build(lab["cloud"], lab["region"], scenarios=scenarios, stage=stage,
                             private_link=private_link)
    return dict(((r["host"], r["port"]), r) for r in rows)
