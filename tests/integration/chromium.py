# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Headless Chromium driven through ChromeDriver's W3C WebDriver HTTP API (Debian's chromium and chromium-driver
packages), with nothing but the standard library: no Selenium, no browser download.

ChromeDriver listens on a loopback port; Chromium starts with the flags that keep it off the network
(no background networking, component updates, sync or QUIC) and a fresh profile directory.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json
import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--force-device-scale-factor=1"]
ELEMENT = "element-6066-11e4-a52e-4f735466cecf"  # the W3C web element identifier


def binaries():
    """(chromium, chromedriver) paths, or None for each one missing."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    return chromium, driver


def _free_port():
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


class WebDriverError(RuntimeError):
    pass


class Chromium:
    def __init__(self, profile_dir, width=1400, height=1000, log_path=None):
        chromium, driver = binaries()
        if not chromium or not driver:
            raise WebDriverError("chromium and chromedriver are needed (apt-get install chromium chromium-driver)")
        self.port = _free_port()
        self._log = open(log_path or os.devnull, "w")
        self.proc = subprocess.Popen([driver, "--port=%d" % self.port, "--allowed-ips=127.0.0.1"],
                                     stdout=self._log, stderr=subprocess.STDOUT)
        self.base = "http://127.0.0.1:%d" % self.port
        self.session = None
        deadline = time.monotonic() + 30
        while True:
            try:
                if self._request("GET", "/status").get("ready"):
                    break
            except (OSError, WebDriverError):
                pass
            if time.monotonic() > deadline or self.proc.poll() is not None:
                self.quit()
                raise WebDriverError("chromedriver did not start")
            time.sleep(0.1)
        args = CHROMIUM_FLAGS + ["--user-data-dir=%s" % profile_dir, "--window-size=%d,%d" % (width, height)]
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": chromium, "args": args},
        }}}
        value = self._request("POST", "/session", caps)
        self.session = value["sessionId"]

    # -- protocol
    def _request(self, method, path, body=None, timeout=60):
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.base + path, data=data, method=method,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as answer:
                payload = json.loads(answer.read().decode() or "{}")
        except urllib.error.HTTPError as exc:
            payload = json.loads(exc.read().decode() or "{}")
            raise WebDriverError("%s %s: %s" % (method, path, payload.get("value", payload)))
        return payload.get("value", payload)

    def _s(self, method, path, body=None):
        return self._request(method, "/session/%s%s" % (self.session, path), body)

    # -- commands
    def get(self, url):
        self._s("POST", "/url", {"url": url})

    def execute(self, script, *args):
        return self._s("POST", "/execute/sync", {"script": script, "args": list(args)})

    def find(self, css):
        found = self._s("POST", "/element", {"using": "css selector", "value": css})
        return found[ELEMENT] if ELEMENT in found else list(found.values())[0]

    def send_keys(self, element, text):
        self._s("POST", "/element/%s/value" % element, {"text": text})

    def clear(self, element):
        self._s("POST", "/element/%s/clear" % element, {})

    def click(self, element):
        self._s("POST", "/element/%s/click" % element, {})

    def set_size(self, width, height):
        self._s("POST", "/window/rect", {"width": int(width), "height": int(height)})

    def screenshot(self, path, full_page=True):
        if full_page:
            width, height = self.execute(
                "return [Math.max(document.documentElement.scrollWidth, window.innerWidth),"
                " document.documentElement.scrollHeight];")
            self.set_size(max(width, 1000), min(height + 20, 12000))
        png = base64.b64decode(self._s("GET", "/screenshot"))
        with open(path, "wb") as stream:
            stream.write(png)
        return png

    def quit(self):
        try:
            if self.session:
                self._request("DELETE", "/session/%s" % self.session, timeout=20)
        except (OSError, WebDriverError):
            pass
        finally:
            self.session = None
            if self.proc.poll() is None:
                self.proc.terminate()
                try:
                    self.proc.wait(10)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait(5)
            self._log.close()
