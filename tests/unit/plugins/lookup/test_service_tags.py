# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Unit tests of the arcready.network.service_tags lookup, loaded through Ansible's lookup loader.

URL tests use an HTTP(S) server on 127.0.0.1 started by the test; nothing off this machine is contacted.

    ANSIBLE_COLLECTIONS_PATH=.cache/collections .venv/bin/python -m pytest tests/unit/plugins/lookup/test_service_tags.py -q
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import datetime
import importlib.util
import json
import os
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from ansible.errors import AnsibleLookupError
from ansible.parsing.dataloader import DataLoader
from ansible.plugins.loader import lookup_loader

from ansible_collections.arcready.network.plugins.plugin_utils import _service_tags as st

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", ".."))
DATA = os.path.join(ROOT, "tests", "data", "service_tags")
PUBLIC = os.path.join(DATA, "ServiceTags_Public_20260105.json")
GOV = os.path.join(DATA, "ServiceTags_AzureGovernment_20260105.json")
P = "arcready.network.service_tags: "


spec = importlib.util.spec_from_file_location("make_service_tags", os.path.join(DATA, "make_service_tags.py"))
gen = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen)

TODAY = datetime.date.today()
DEFAULT_V4 = ["192.0.2.0/26", "192.0.2.64/28", "192.0.2.240/28", "198.51.100.0/25", "198.51.100.128/26", "198.51.100.192/27",
              "203.0.113.0/27", "203.0.113.40/29"]
NO_PUBLIC = (P + "only the %s file was given: Microsoft requires the public cloud's AzureArcInfrastructure ranges "
             "too for IP rules in %s (the AzureArcInfrastructure tag alone is no longer supported since 2025-10-28); set "
             "public_path= or "
             "public_url= to the public file (ServiceTags_Public_YYYYMMDD.json, from "
             "https://www.microsoft.com/download/details.aspx?id=56519), or put it in the same directory as the %s "
             "file")
DEFAULT_V6 = ["2001:db8:a::/48", "2001:db8:b::/64", "2001:db8:c::/47", "2001:db8:e::/48"]


@pytest.fixture
def lookup():
    plugin = lookup_loader.get("arcready.network.service_tags", loader=DataLoader(), templar=None)
    assert plugin is not None, "the lookup did not load: is the collection on ANSIBLE_COLLECTIONS_PATH?"
    return plugin


@pytest.fixture
def warnings(lookup, monkeypatch):
    seen = []
    module = sys.modules[type(lookup).__module__]
    monkeypatch.setattr(module.display, "warning", lambda msg, *a, **kw: seen.append(msg))
    return seen


@pytest.fixture(autouse=True)
def no_config_env(monkeypatch):
    for name in ("ARCREADY_SERVICE_TAGS_PATH", "ARCREADY_SERVICE_TAGS_URL", "ARCREADY_SERVICE_TAGS_MAX_AGE_DAYS",
                 "ARCREADY_SERVICE_TAGS_VALIDATE_CERTS", "ARCREADY_SERVICE_TAGS_CA_PATH"):
        monkeypatch.delenv(name, raising=False)


def fresh(directory, cloud="Public", days_old=0, additions=None):
    """Write the synthetic file for ``cloud`` dated ``days_old`` days ago into ``directory``; returns its path."""
    date = (TODAY - datetime.timedelta(days=days_old)).strftime("%Y%m%d")
    document = gen.add_prefixes(gen.synthetic(cloud), additions or {})
    return gen.write(document, str(directory) + os.sep, date)


def run(lookup, variables=None, **kwargs):
    return lookup.run([], variables=variables or {}, **kwargs)


def fails(lookup, variables=None, **kwargs):
    with pytest.raises(AnsibleLookupError) as info:
        run(lookup, variables, **kwargs)
    return str(info.value.message if hasattr(info.value, "message") else info.value)


# ------------------------------------------------------------------------------------------------ path

def test_file_path(lookup, warnings):
    result = run(lookup, path=PUBLIC, max_age_days=0)
    assert [e["prefix"] for e in result] == DEFAULT_V4 + DEFAULT_V6
    assert result[-1] == {"prefix": "2001:db8:e::/48", "version": 6, "tags": ["Storage"], "change_number": 400,
                          "cloud": "AzureCloud", "file_cloud": "Public", "source": PUBLIC, "file_date": "2026-01-05",
                          "public_source": None}
    assert warnings == []


def test_options(lookup, warnings):
    result = run(lookup, path=PUBLIC, max_age_days=0, ip_version=4, scenarios=["wac"], regions=["East US"],
                 include_global=False)
    assert [(e["prefix"], e["tags"]) for e in result] == [
        ("192.0.2.0/26", ["AzureActiveDirectory"]),
        ("192.0.2.64/28", ["AzureTrafficManager"]),
        ("192.0.2.96/28", ["WindowsAdminCenter"]),
        ("192.0.2.240/28", ["AzureFrontDoor.Frontend"]),
        ("198.51.100.0/26", ["AzureResourceManager.EastUS"]),
        ("198.51.100.128/26", ["Storage.EastUS"]),
        ("203.0.113.0/27", ["AzureArcInfrastructure", "AzureArcInfrastructure.EastUS"]),
        ("203.0.113.40/29", ["AzureArcInfrastructure"]),
    ]
    assert warnings == [P + "AzureArcInfrastructure is kept in full although include_global=false narrows the other "
                        "tags to East US: Microsoft requires the full range (the regional ranges miss the global "
                        "components)"]
    result = run(lookup, path=PUBLIC, max_age_days=0, tags=["AzureCloud"], ip_version="6", merge=False)
    assert [e["prefix"] for e in result] == ["2001:db8::/32"]
    result = run(lookup, path=GOV, cloud="AzureUSGovernment", max_age_days=0, tags=["Storage"], regions=["usgovarizona"],
                 include_global=False)
    assert [(e["prefix"], e["tags"]) for e in result] == [("198.51.100.64/27", ["Storage.USGovArizona"])]


def test_default_path_is_searched_in_the_play_files_directory(lookup, warnings, tmp_path):
    play = tmp_path / "play"
    older = fresh(play / "files" / "service_tags", days_old=8)
    newest = fresh(play / "files" / "service_tags", days_old=1)
    fresh(play / "files" / "service_tags", cloud="AzureGovernment")
    assert older != newest
    variables = {"ansible_search_path": [str(play)]}
    result = run(lookup, variables)
    assert {e["source"] for e in result} == {newest}
    assert [e["prefix"] for e in result] == DEFAULT_V4 + DEFAULT_V6
    gov = run(lookup, variables, cloud="AzureUSGovernment")
    assert {e["file_cloud"] for e in gov} == {"AzureGovernment"}
    assert warnings == []


def test_path_from_the_environment(lookup, warnings, tmp_path, monkeypatch):
    path = fresh(tmp_path)
    monkeypatch.setenv("ARCREADY_SERVICE_TAGS_PATH", str(tmp_path))
    assert {e["source"] for e in run(lookup)} == {path}


def test_missing_default_path(lookup, tmp_path):
    message = fails(lookup, {"ansible_search_path": [str(tmp_path)]})
    assert message == (
        P + "no Service Tags file or directory at 'service_tags' (searched the role's and play's files/ directories "
        "and the playbook directory); download ServiceTags_Public_YYYYMMDD.json from "
        "https://www.microsoft.com/download/details.aspx?id=56519 into files/service_tags/, or set path= (a file or a "
        "directory) or url=")


def test_missing_absolute_path(lookup, tmp_path):
    path = str(tmp_path / "ServiceTags_China_20260105.json")
    assert fails(lookup, path=path, cloud="AzureChinaCloud") == (
        P + "no Service Tags file or directory at '%s' (searched the role's and play's files/ directories and the "
        "playbook directory); download ServiceTags_China_YYYYMMDD.json from "
        "https://www.microsoft.com/download/details.aspx?id=57062 into files/service_tags/, or set path= (a file or a "
        "directory) or url=" % path)


def test_directory_without_a_file_for_the_cloud(lookup, tmp_path):
    fresh(tmp_path, cloud="AzureGovernment")
    assert fails(lookup, path=str(tmp_path)) == (
        P + "no ServiceTags_Public_YYYYMMDD.json in the directory %s (it holds 'ServiceTags_AzureGovernment_%s.json', "
        "for other clouds); put the current AzureCloud file from https://www.microsoft.com/download/details.aspx?id=56519"
        " there, or set path= to a file or url= to a mirror" % (tmp_path, TODAY.strftime("%Y%m%d")))


# ------------------------------------------------------------------------------------------------ errors

def test_terms_are_rejected(lookup):
    with pytest.raises(AnsibleLookupError) as info:
        lookup.run(["/tmp/x.json"], variables={})
    assert str(info.value) == (P + "takes no terms, only options (got ['/tmp/x.json']); use path=... or url=... and the "
                               "other options")


def test_malformed_json(lookup, tmp_path):
    path = tmp_path / "ServiceTags_Public_20260105.json"
    path.write_text('{"changeNumber": 400, "cloud": "Public", "values": [')
    assert fails(lookup, path=str(path)) == (
        P + "%s is not valid JSON (Expecting value at line 1 column 53); the file may be truncated or an HTML error "
        "page: download it again" % path)


def test_missing_keys(lookup, tmp_path):
    path = tmp_path / "ServiceTags_Public_20260105.json"
    path.write_text('{"changeNumber": 400, "values": []}')
    assert fails(lookup, path=str(path)) == (
        P + "%s is missing the top-level key 'cloud'; a Service Tags file has changeNumber, cloud and values: use the "
        "weekly download (ServiceTags_<Cloud>_YYYYMMDD.json) unchanged" % path)
    document = gen.synthetic("Public")
    del document["values"][4]["properties"]["addressPrefixes"]
    path.write_text(json.dumps(document))
    assert fails(lookup, path=str(path)) == (
        P + "%s: values[4] (AzureResourceManager.WestEurope) has no properties.addressPrefixes list" % path)


def test_file_for_another_cloud(lookup):
    assert fails(lookup, path=GOV, cloud="AzureCloud") == (
        P + "%s is the Service Tags file of cloud AzureUSGovernment (its cloud field is 'AzureGovernment'), but "
        "cloud=AzureCloud needs the 'Public' file (ServiceTags_Public_YYYYMMDD.json, from "
        "https://www.microsoft.com/download/details.aspx?id=56519); use that file, or set cloud=AzureUSGovernment" % GOV)


def test_absent_tag(lookup, warnings):
    assert fails(lookup, path=GOV, cloud="AzureUSGovernment", scenarios=["wac"], max_age_days=0) == (
        P + "tag 'WindowsAdminCenter' is not in %s (cloud 'AzureGovernment', changeNumber 90); remove it from tags, "
        "set on_missing=warn, or use a file that has it" % GOV)
    result = run(lookup, path=GOV, cloud="AzureUSGovernment", scenarios=["wac"], max_age_days=0, on_missing="warn")
    assert "203.0.113.64/28" in [e["prefix"] for e in result]
    assert warnings == [NO_PUBLIC % (("AzureUSGovernment",) * 3),
                        P + "tag 'WindowsAdminCenter' is not in %s (cloud 'AzureGovernment', changeNumber 90); the "
                        "other tags' prefixes are returned" % GOV]
    del warnings[:]
    assert run(lookup, path=GOV, cloud="AzureUSGovernment", tags=["Nope"], max_age_days=0, on_missing="ignore") == []
    assert warnings == []


def test_unknown_region(lookup):
    assert fails(lookup, path=PUBLIC, regions=["eastsu"], max_age_days=0) == (
        P + "region 'eastsu' is not in %s (closest in the file: eastus); use the ARM name (eastus) or the display "
        "name (East US)" % PUBLIC)


def test_invalid_choices_are_rejected_by_ansible(lookup):
    for kwargs in ({"cloud": "AzureGermanCloud"}, {"ip_version": "5"}, {"scenarios": ["bogus"]},
                   {"on_missing": "explode"}):
        with pytest.raises(Exception) as info:
            run(lookup, path=PUBLIC, **kwargs)
        assert "Invalid value" in str(info.value) and list(kwargs)[0] in str(info.value)


def test_negative_max_age(lookup):
    assert fails(lookup, path=PUBLIC, max_age_days=-1) == (
        P + "max_age_days must be 0 (no check) or a positive number of days, not -1")


def test_netaddr_missing(lookup, monkeypatch):
    from ansible_collections.arcready.network.plugins.plugin_utils import _service_tags
    monkeypatch.setattr(_service_tags, "HAS_NETADDR", False)
    assert fails(lookup, path=PUBLIC) == (
        P + "the Python library netaddr is required on the controller (the machine or execution environment that runs "
        "ansible-playbook); install it with: pip install netaddr")


# ------------------------------------------------------------------------------------------------ age

def test_old_file_warns(lookup, warnings, tmp_path):
    path = fresh(tmp_path, days_old=20)
    result = run(lookup, path=path)
    assert len(result) == len(DEFAULT_V4 + DEFAULT_V6)
    assert warnings == [
        P + "%s is 20 days old (dated %s by its file name), older than max_age_days=14; Microsoft publishes the file "
        "weekly and starts using new ranges a week after adding them, so rules built from it may miss current "
        "addresses: get the current file from https://www.microsoft.com/download/details.aspx?id=56519 (or raise "
        "max_age_days)" % (path, (TODAY - datetime.timedelta(days=20)).isoformat())]
    del warnings[:]
    run(lookup, path=path, max_age_days=30)
    run(lookup, path=path, max_age_days=0)
    assert warnings == []


def test_old_file_by_modification_time_and_env(lookup, warnings, tmp_path, monkeypatch):
    path = tmp_path / "arc-tags.json"
    path.write_text(json.dumps(gen.synthetic("Public")))
    when = datetime.datetime.combine(TODAY - datetime.timedelta(days=9), datetime.time(12, 0))
    os.utime(str(path), (when.timestamp(), when.timestamp()))
    monkeypatch.setenv("ARCREADY_SERVICE_TAGS_MAX_AGE_DAYS", "7")
    run(lookup, path=str(path))
    assert warnings == [
        P + "%s is 9 days old (dated %s by its modification time), older than max_age_days=7; Microsoft publishes the "
        "file weekly and starts using new ranges a week after adding them, so rules built from it may miss current "
        "addresses: get the current file from https://www.microsoft.com/download/details.aspx?id=56519 (or raise "
        "max_age_days)" % (path, (TODAY - datetime.timedelta(days=9)).isoformat())]


# ------------------------------------------------------------------------------------------------ url

class _Handler(BaseHTTPRequestHandler):
    routes = {}

    def do_GET(self):  # noqa: N802 - http.server API
        status, headers, body = self.routes.get(self.path, (404, {}, b"not here"))
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def _serve(context=None):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    if context is not None:
        server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server


@pytest.fixture
def http_server():
    today_name = "/mirror/ServiceTags_Public_%s.json" % TODAY.strftime("%Y%m%d")
    body = json.dumps(gen.synthetic("Public")).encode()
    old = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=30)).strftime(
        "%a, %d %b %Y %H:%M:%S GMT")
    _Handler.routes = {
        today_name: (200, {"Content-Type": "application/json"}, body),
        "/latest.json": (200, {"Last-Modified": old}, body),
        "/nodate.json": (200, {}, body),
        "/gov.json": (200, {}, json.dumps(gen.synthetic("AzureGovernment")).encode()),
        "/html": (200, {"Content-Type": "text/html"}, b"<html><body>Sign in</body></html>"),
    }
    server = _serve()
    yield "http://127.0.0.1:%d" % server.server_address[1], today_name
    server.shutdown()
    server.server_close()


def test_url_download(lookup, warnings, http_server):
    base, today_name = http_server
    result = run(lookup, url=base + today_name, use_proxy=False)
    assert [e["prefix"] for e in result] == DEFAULT_V4 + DEFAULT_V6
    assert result[0]["source"] == base + today_name
    assert result[0]["file_date"] == TODAY.isoformat()
    assert warnings == []


def test_url_from_the_environment_wins_over_the_default_path(lookup, warnings, http_server, monkeypatch):
    base, today_name = http_server
    monkeypatch.setenv("ARCREADY_SERVICE_TAGS_URL", base + today_name)
    assert run(lookup, use_proxy=False)[0]["source"] == base + today_name
    # a path given to the lookup itself wins over a configured url
    assert run(lookup, path=PUBLIC, max_age_days=0)[0]["source"] == PUBLIC


def test_url_and_path_together(lookup, http_server):
    base, today_name = http_server
    assert fails(lookup, url=base + today_name, path=PUBLIC) == (
        P + "give path or url, not both (path=%s, url=%s)" % (PUBLIC, base + today_name))


def test_url_dated_by_last_modified(lookup, warnings, http_server):
    base, _today_name = http_server
    run(lookup, url=base + "/latest.json", use_proxy=False)
    assert len(warnings) == 1
    assert warnings[0].startswith(P + "%s/latest.json is 30 days old (dated " % base)
    assert "by its Last-Modified header), older than max_age_days=14;" in warnings[0]
    del warnings[:]
    result = run(lookup, url=base + "/nodate.json", use_proxy=False)
    assert result[0]["file_date"] is None
    assert warnings == []


def test_url_errors(lookup, http_server):
    base, _today_name = http_server
    assert fails(lookup, url=base + "/missing.json", use_proxy=False) == (
        P + "could not download %s/missing.json: HTTP 404 Not Found; check url= (Microsoft's download link changes "
        "every week, so point url= at a mirror or use path=)" % base)
    secret = base.replace("http://", "http://mirror:s3cret@")
    message = fails(lookup, url=secret + "/missing.json", use_proxy=False)
    assert "s3cret" not in message
    assert message == (
        P + "could not download %s/missing.json: HTTP 404 Not Found; check url= (Microsoft's download link changes "
        "every week, so point url= at a mirror or use path=)" % base.replace("http://", "http://****:****@"))
    assert fails(lookup, url=base + "/html", use_proxy=False) == (
        P + "%s/html is not valid JSON (Expecting value at line 1 column 1); the file may be truncated or an HTML "
        "error page: download it again" % base)
    assert fails(lookup, url=base + "/gov.json", use_proxy=False) == (
        P + "%s/gov.json is the Service Tags file of cloud AzureUSGovernment (its cloud field is 'AzureGovernment'), "
        "but cloud=AzureCloud needs the 'Public' file (ServiceTags_Public_YYYYMMDD.json, from "
        "https://www.microsoft.com/download/details.aspx?id=56519); use that file, or set cloud=AzureUSGovernment"
        % base)


def test_url_connection_refused(lookup):
    import socket
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    message = fails(lookup, url="http://127.0.0.1:%d/ServiceTags_Public_20260105.json" % port, use_proxy=False,
                    timeout=5)
    assert message == (
        P + "could not download http://127.0.0.1:%d/ServiceTags_Public_20260105.json: [Errno 111] Connection refused; "
        "check url=, the controller's network and proxy settings (use_proxy), or use path=" % port)


def test_https_needs_the_mirror_ca(lookup, warnings, tmp_path):
    import trustme  # pinned in test-requirements.txt: missing is an error, not a skip
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    cert.configure_cert(context)
    name = "/ServiceTags_Public_%s.json" % TODAY.strftime("%Y%m%d")
    _Handler.routes = {name: (200, {}, json.dumps(gen.synthetic("Public")).encode())}
    server = _serve(context)
    try:
        url = "https://127.0.0.1:%d%s" % (server.server_address[1], name)
        message = fails(lookup, url=url, use_proxy=False)
        assert message == (P + "could not download %s: its TLS certificate was not trusted (unable to get local "
                           "issuer certificate); set ca_path= to the PEM bundle of the CA that issued it" % url)
        ca_file = tmp_path / "mirror-ca.pem"
        ca.cert_pem.write_to_path(str(ca_file))
        result = run(lookup, url=url, use_proxy=False, ca_path=str(ca_file))
        assert [e["prefix"] for e in result] == DEFAULT_V4 + DEFAULT_V6
        assert len(run(lookup, url=url, use_proxy=False, validate_certs=False)) == len(DEFAULT_V4 + DEFAULT_V6)
    finally:
        server.shutdown()
        server.server_close()


# ------------------------------------------------------------------------------------------------ bounded (issue 13)

class _Hostile(BaseHTTPRequestHandler):
    """/trickle: the status line and headers one byte every 0.2 s; /endless: a 200 whose body never ends."""

    def do_GET(self):  # noqa: N802 - http.server API
        try:
            if self.path == "/trickle":
                for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 1000:
                    self.wfile.write(bytes([byte]))
                    self.wfile.flush()
                    time.sleep(0.2)
            else:
                self.send_response(200)
                self.end_headers()
                chunk = b" " * 65536
                while True:
                    self.wfile.write(chunk)
        except OSError:
            pass  # the lookup hung up, as it should

    def log_message(self, *args):
        pass


@pytest.fixture
def hostile_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hostile)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield "http://127.0.0.1:%d" % server.server_address[1]
    server.shutdown()
    server.server_close()


def test_a_trickling_server_is_cut_off_at_the_timeout(lookup, hostile_server):
    started = time.monotonic()
    message = fails(lookup, url=hostile_server + "/trickle", use_proxy=False, timeout=1)
    elapsed = time.monotonic() - started
    assert message == (
        P + "could not download %s/trickle within timeout=1.0 seconds (the whole download, headers and body, must fit "
        "in it): the server answers too slowly or without end; raise timeout, use a nearer mirror, or download the "
        "file and set path=" % hostile_server)
    assert elapsed < 3, elapsed


def test_an_endless_body_is_refused_at_the_size_cap(lookup, hostile_server, monkeypatch):
    monkeypatch.setattr(st, "MAX_BYTES", 4 << 20)  # the cap is 64 MiB; 4 MiB keeps the test quick
    message = fails(lookup, url=hostile_server + "/endless", use_proxy=False, timeout=20)
    assert message == (P + "%s/endless is larger than 4 MiB, the most this collection reads (Microsoft's weekly file "
                       "is about 4 MiB); it is not a Service Tags file: check path= or url=" % hostile_server)


@pytest.mark.parametrize("timeout", [0, -1, 1e308, float("inf"), float("nan")])
def test_timeout_must_be_sane(lookup, timeout):
    assert fails(lookup, path=PUBLIC, timeout=timeout) == (
        P + "timeout must be a number of seconds above 0 and at most 3600, not %r" % (float(timeout),))


def test_devices_and_fifos_given_as_path_are_refused(lookup, tmp_path):
    assert fails(lookup, path="/dev/zero") == (
        P + "/dev/zero is a character device, not a file; set path= to a Service Tags JSON file (or a directory that "
        "holds them)")
    fifo = str(tmp_path / "tags.json")
    os.mkfifo(fifo)
    assert fails(lookup, path=fifo) == (
        P + "%s is a FIFO (named pipe), not a file; set path= to a Service Tags JSON file (or a directory that holds "
        "them)" % fifo)


def test_deep_json_names_the_file(lookup, tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 200000)
    assert fails(lookup, path=str(path), max_age_days=0) == (
        P + "%s is nested too deeply to be a Service Tags file (JSON arrays or objects inside each other beyond "
        "Python's limit); it is not the weekly download: download it again" % path)


# ------------------------------------------------------------------------------------------------ public Arc (issue 14)

def test_gov_takes_the_public_file_from_the_same_directory(lookup, warnings, tmp_path):
    fresh(tmp_path, cloud="AzureGovernment")
    public = fresh(tmp_path, cloud="Public")
    result = run(lookup, path=str(tmp_path), cloud="AzureUSGovernment")
    assert warnings == []
    arc = [e["prefix"] for e in result if "Public:AzureArcInfrastructure" in e["tags"]]
    assert arc == ["203.0.113.0/27", "203.0.113.40/29", "2001:db8:d::/48"]
    assert {e["public_source"] for e in result} == {public}


def test_gov_takes_public_path_or_public_url(lookup, warnings, http_server):
    by_path = run(lookup, path=GOV, public_path=PUBLIC, cloud="AzureUSGovernment", max_age_days=0)
    assert warnings == [] and {e["public_source"] for e in by_path} == {PUBLIC}
    base, today_name = http_server
    url = base + today_name
    by_url = run(lookup, path=GOV, public_url=url, cloud="AzureUSGovernment", max_age_days=0, use_proxy=False)
    assert [e["prefix"] for e in by_url] == [e["prefix"] for e in by_path]
    assert fails(lookup, path=GOV, public_path=PUBLIC, public_url=url, cloud="AzureUSGovernment") == (
        P + "give public_path or public_url, not both (public_path=%s, public_url=%s)" % (PUBLIC, url))


def test_china_with_one_file_warns(lookup, warnings):
    china = os.path.join(DATA, "ServiceTags_China_20260105.json")
    run(lookup, path=china, cloud="AzureChinaCloud", max_age_days=0)
    assert warnings == [NO_PUBLIC % (("AzureChinaCloud",) * 3)]


def test_regions_by_arm_name_on_a_file_with_its_own_codes(lookup, warnings):
    own = os.path.join(DATA, "own_codes", "ServiceTags_Public_20260105.json")
    result = run(lookup, path=own, max_age_days=0, tags=["Storage"], regions=["Germany West Central", "francecentral"],
                 include_global=False, merge=False)
    assert [(e["prefix"], e["tags"]) for e in result] == [
        ("198.51.100.0/28", ["Storage.GermanyWestCentral"]), ("198.51.100.16/28", ["Storage.FranceCentral"])]
