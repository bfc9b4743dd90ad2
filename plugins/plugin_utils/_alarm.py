# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""A wall-clock limit for a step of an action plugin: PRIVATE to the collection, controller side.

The role's probe step is one task that runs the probe and then the agent's check, each with its own limit, where
the task keyword ``timeout`` could give only one for both. The limit is SIGALRM in the worker process, as Ansible
does for that keyword; it interrupts a wait on the connection (a hung SSH session, a module that never returns).
Where an alarm is already set (the task has ``timeout:``), that one governs and this one stands aside.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import signal
import threading


class Expired(BaseException):
    """The step ran past its limit. A BaseException, so that no ``except Exception`` on the way swallows it."""

    def __init__(self, seconds):
        super(Expired, self).__init__("ran past its limit of %s s" % seconds)
        self.seconds = seconds


def _free():
    if threading.current_thread() is not threading.main_thread():
        return False  # signals reach the main thread only
    return signal.getsignal(signal.SIGALRM) in (signal.SIG_DFL, signal.SIG_IGN, None)


@contextlib.contextmanager
def limit(seconds):
    """Raise Expired in the body after ``seconds`` (whole seconds, at least 1); no limit for 0 or when taken."""
    seconds = int(seconds or 0)
    if seconds <= 0 or not _free():
        yield
        return

    def _expire(_signum, _frame):
        raise Expired(seconds)

    previous = signal.signal(signal.SIGALRM, _expire)
    try:
        signal.alarm(seconds)
        try:
            yield
        finally:
            signal.alarm(0)
    finally:
        signal.signal(signal.SIGALRM, previous)
