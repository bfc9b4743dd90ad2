# -*- coding: utf-8 -*-
# Copyright (c) arcready.network contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
name: service_tags
author: arcready.network maintainers (@arcready)
version_added: 0.1.0
short_description: IP prefixes of the Azure service tags an Arc-enabled server must reach
description:
  - Reads Microsoft's weekly "Azure IP Ranges and Service Tags" file (C(ServiceTags_Public_YYYYMMDD.json),
    C(ServiceTags_AzureGovernment_YYYYMMDD.json) or C(ServiceTags_China_YYYYMMDD.json)) on the controller, picks the
    service tags the Azure Connected Machine agent needs, optionally their regional variants, splits IPv4 from IPv6,
    merges the prefixes with C(netaddr), and returns one dictionary per merged prefix with the tags it came from and
    the file's C(changeNumber).
  - By default the tags are the ones Microsoft's Arc network requirements name for the cloud, taken from the
    collection's endpoint catalogue (the same list as the C(service_tags) that the P(arcready.network.endpoints#lookup) lookup
    returns), that is C(AzureActiveDirectory), C(AzureTrafficManager), C(AzureResourceManager), C(AzureArcInfrastructure),
    C(Storage) and, in Azure Cloud, C(AzureFrontDoor.Frontend) (required since April 2026), plus C(WindowsAdminCenter)
    when O(scenarios) contains V(wac).
  - Azure Government and Azure operated by 21Vianet - Microsoft requires the B(public) cloud's C(AzureArcInfrastructure)
    ranges too (the Gov and China tags alone are no longer supported since 2025-10-28). Give the public file with
    O(public_path) or O(public_url); when O(path) is a directory that also holds a C(ServiceTags_Public_YYYYMMDD.json),
    the newest one is taken from there. With one file only, the lookup warns.
  - C(AzureArcInfrastructure) is always taken in full - Microsoft says its regional ranges miss the global components.
  - Bounded - a file or download larger than 64 MiB is refused (the real file is about 4 MiB), a download must finish
    within O(timeout) in all, and a path that is a device, a FIFO or a socket is refused without reading it.
  - The file is read from O(path) (a file, or a directory that a site mirrors the weekly download into) or downloaded
    by the controller from O(url). Nothing is sent to the managed hosts.
  - Checks the file's structure and its C(cloud) field against O(cloud), fails on a requested tag the file does not
    have (see O(on_missing)), and warns when the file is older than O(max_age_days).
  - Takes no terms.
requirements:
  - netaddr (Python library, on the controller or in the execution environment)
options:
  path:
    description:
      - A Service Tags file, or a directory holding such files. For a directory, the newest
        C(ServiceTags_<FileCloud>_YYYYMMDD.json) for O(cloud) is used (C(Public), C(AzureGovernment) or C(China)),
        so a mirror job can drop each week's file next to the old ones.
      - A relative path is searched the way the P(ansible.builtin.file#lookup) lookup searches, in the role's and the
        play's C(files/) directories, then the role and playbook directories. The default is therefore a
        C(files/service_tags/) directory next to the playbook.
      - Used unless O(url) is set and O(path) is not given to the lookup itself. Giving both to the lookup is an error.
    type: str
    default: service_tags
    env:
      - name: ARCREADY_SERVICE_TAGS_PATH
    ini:
      - section: arcready_service_tags
        key: path
  public_path:
    description:
      - With O(cloud=AzureUSGovernment) or O(cloud=AzureChinaCloud), the B(public) cloud's Service Tags file (or a
        directory holding it), whose C(AzureArcInfrastructure) prefixes are added (as C(Public:AzureArcInfrastructure)
        in RV(_list[].tags)). Searched like O(path). Ignored for O(cloud=AzureCloud).
    type: str
  public_url:
    description:
      - Like O(public_path), downloaded from this URL (with the same O(timeout), certificate and proxy options as O(url)).
        Set only one of O(public_path) and O(public_url).
    type: str
  url:
    description:
      - Download the file from this URL on the controller instead (an internal mirror, or Microsoft's current download
        link, which changes every week). Downloaded with C(ansible.module_utils.urls.open_url), so the usual proxy
        environment variables apply when O(use_proxy=true).
      - The file's date, for O(max_age_days), comes from the last part of the URL path when it is named like
        C(ServiceTags_Public_YYYYMMDD.json), else from the C(Last-Modified) response header.
    type: str
    env:
      - name: ARCREADY_SERVICE_TAGS_URL
    ini:
      - section: arcready_service_tags
        key: url
  cloud:
    description:
      - The Azure cloud, named as C(azcmagent check --cloud) and the M(arcready.network.probe) module name it.
      - The file's C(cloud) field must match it. V(AzureCloud) takes C(Public) (Microsoft's documentation names this
        value); V(AzureUSGovernment) takes C(AzureGovernment) and V(AzureChinaCloud) takes C(China), the values the
        US Government and 21Vianet files are known to carry from third-party parsers of those files (Microsoft's
        documentation does not list them). The spellings C(AzureCloud), C(AzureUSGovernment), C(AzureChinaCloud) and
        C(AzureChina) are accepted as well. Any other cloud in the file is an error that names both clouds.
    type: str
    default: AzureCloud
    choices: [AzureCloud, AzureUSGovernment, AzureChinaCloud]
  tags:
    description:
      - Service tag names to select, exactly as the file names them (a case-insensitive match is accepted), for
        example V(Storage) or V(Storage.EastUS).
      - When empty, the tags Microsoft's Arc network requirements name for O(cloud) and O(scenarios).
    type: list
    elements: str
    default: []
  scenarios:
    description:
      - Arc scenarios whose tags are added to the default O(tags), as in the M(arcready.network.probe) module.
        Only V(wac) adds a tag (C(WindowsAdminCenter)). Ignored when O(tags) is set.
    type: list
    elements: str
    default: []
    choices: [ssh, wac, sql, esu, telemetry]
  regions:
    description:
      - Also select the regional variants of the selected tags for these regions (C(Storage.EastUS) for V(eastus)),
        ARM names (V(germanywestcentral)), display names (V(Germany West Central)) or the file's own codes.
      - Real files name several regions by their own codes, for example C(properties.region) is C(germanywc) in
        C(Storage.GermanyWestCentral) and C(AzureCloud.germanywc). The lookup learns each region's names from the file itself - C(properties.region),
        the tag name suffix and C(properties.regionId) - so a region is found whatever the file calls it.
      - A region that no entry of the file has is an error.
      - On its own this only adds the regional variants to RV(_list[].tags), since each is part of its global tag;
        combine it with O(include_global=false) to narrow the rules to the regions.
    type: list
    elements: str
    default: []
  include_global:
    description:
      - Keep the global (region-less) entry of each selected tag.
      - With V(false) and O(regions) set, a tag that has a regional variant for one of the regions is represented by
        its variants only. A tag without such a variant (C(AzureActiveDirectory) and C(AzureTrafficManager) have none)
        keeps its global entry, so the agent never loses a required service.
      - C(AzureArcInfrastructure) keeps its global entry all the same, with a warning - Microsoft requires its full
        range; a regional C(AzureArcInfrastructure.<Region>) named in O(tags) is refused.
    type: bool
    default: true
  ip_version:
    description:
      - Which address family to return.
    type: str
    default: both
    choices: ['4', '6', both]
  merge:
    description:
      - Merge overlapping and adjacent prefixes into the smallest list of CIDR blocks (C(netaddr.cidr_merge)).
      - With V(false), each distinct prefix of the selected tags is returned as written (host bits cleared).
    type: bool
    default: true
  on_missing:
    description:
      - What to do when a requested tag is not in the file. V(error) fails with the tag's name and the closest names
        in the file, V(warn) warns and returns the other tags' prefixes, V(ignore) says nothing.
    type: str
    default: error
    choices: [error, warn, ignore]
  max_age_days:
    description:
      - Warn when the file is older than this many days; V(0) turns the check off.
      - The date is the one in the file name (C(ServiceTags_Public_20240325.json)), else the file's modification
        time, else the C(Last-Modified) header of the download. Microsoft publishes a new file weekly and starts
        using new ranges one week after adding them, so the default allows one missed update.
    type: int
    default: 14
    env:
      - name: ARCREADY_SERVICE_TAGS_MAX_AGE_DAYS
    ini:
      - section: arcready_service_tags
        key: max_age_days
  validate_certs:
    description:
      - Verify the TLS certificate of O(url). Prefer O(ca_path) to turning this off.
    type: bool
    default: true
    env:
      - name: ARCREADY_SERVICE_TAGS_VALIDATE_CERTS
    ini:
      - section: arcready_service_tags
        key: validate_certs
  ca_path:
    description:
      - PEM bundle of the CA certificates to trust for O(url), for example an internal mirror's CA.
    type: path
    env:
      - name: ARCREADY_SERVICE_TAGS_CA_PATH
    ini:
      - section: arcready_service_tags
        key: ca_path
  use_proxy:
    description:
      - Use the proxy environment variables (C(https_proxy), C(no_proxy)) of the controller for O(url).
    type: bool
    default: true
  timeout:
    description:
      - Seconds the whole download of O(url) (and O(public_url)) may take - connection, headers and body together,
        whatever the server does (a server that trickles its answer or sends without end is cut off at this time).
      - More than 0 and at most 3600.
    type: float
    default: 30
notes:
  - The lookup runs on the controller for every host that evaluates it. With many hosts, evaluate it once
    (C(run_once) with M(ansible.builtin.set_fact), or C(delegate_to=localhost)) and pass the list on.
  - Microsoft's page says to allow the C(AzureCloud) tag when rules must be IP based and a list per service is not
    wanted; name it in O(tags) to get that (much larger) list.
seealso:
  - plugin: arcready.network.endpoints
    plugin_type: lookup
  - name: Azure IP Ranges and Service Tags - Public Cloud
    description: The weekly download (US Government id=57063, 21Vianet id=57062).
    link: https://www.microsoft.com/download/details.aspx?id=56519
  - name: Virtual network service tags
    description: What the tags and regional tags are.
    link: https://learn.microsoft.com/azure/virtual-network/service-tags-overview
"""

EXAMPLES = r"""
- name: Prefixes of the Arc service tags, from the newest file in files/service_tags/
  ansible.builtin.debug:
    msg: "{{ query('arcready.network.service_tags') | map(attribute='prefix') | list }}"

- name: US Government, IPv4 only, from a file the site mirrors
  ansible.builtin.set_fact:
    arc_gov_v4: >-
      {{ query('arcready.network.service_tags', cloud='AzureUSGovernment', ip_version='4',
               path='/srv/mirror/azure/ServiceTags_AzureGovernment_20240325.json') }}

- name: Download from an internal mirror with its own CA, Storage narrowed to the server's region
  ansible.builtin.set_fact:
    arc_tag_prefixes: >-
      {{ query('arcready.network.service_tags', url='https://mirror.example.com/azure/ServiceTags_Public_20240325.json',
               ca_path='/etc/pki/mirror-ca.pem', regions=['westeurope'], include_global=false, scenarios=['wac']) }}
  run_once: true
  delegate_to: localhost

- name: Feed the firewall role (service-tag mode) with plain CIDR strings, computed once for all hosts
  ansible.builtin.set_fact:
    arc_firewall_destination_prefixes: >-
      {{ query('arcready.network.service_tags', cloud=arc_cloud | default('AzureCloud'))
         | map(attribute='prefix') | list }}
  run_once: true

- name: Show which tags each prefix came from, and the file's changeNumber
  ansible.builtin.debug:
    msg: "{{ item.prefix }} ({{ item.tags | join(', ') }}), changeNumber {{ item.change_number }}"
  loop: "{{ query('arcready.network.service_tags', tags=['AzureArcInfrastructure'], ip_version='6') }}"
"""

RETURN = r"""
_list:
  description:
    - One dictionary per (merged) prefix, IPv4 before IPv6, each family sorted by address.
    - The list is the same for the same file and options, so roles that turn it into firewall rules stay idempotent.
  type: list
  elements: dict
  contains:
    prefix:
      description: The prefix in CIDR notation, host bits cleared.
      type: str
      sample: 192.0.2.0/25
    version:
      description: IP version, V(4) or V(6).
      type: int
      sample: 4
    tags:
      description: The names of the file's entries (tags or regional variants) that have a prefix inside this one.
      type: list
      elements: str
      sample: [AzureArcInfrastructure, AzureArcInfrastructure.EastUS]
    change_number:
      description: The file's top-level C(changeNumber), which grows with every change to the file.
      type: int
      sample: 400
    cloud:
      description: The cloud, as O(cloud) names it.
      type: str
      sample: AzureCloud
    file_cloud:
      description: The file's own C(cloud) field.
      type: str
      sample: Public
    source:
      description: The file read (after searching O(path)) or the URL downloaded.
      type: str
      sample: /srv/ansible/files/service_tags/ServiceTags_Public_20240325.json
    file_date:
      description: The file's date as C(YYYY-MM-DD) (see O(max_age_days)), or V(null) when a download has neither.
      type: str
      sample: "2024-03-25"
    public_source:
      description: The public file (or URL) whose C(AzureArcInfrastructure) was added for Gov or China, else V(null).
      type: str
      sample: /srv/ansible/files/service_tags/ServiceTags_Public_20240325.json
"""

import datetime
import email.utils
import os
import ssl
from http.client import HTTPException
from urllib.error import HTTPError, URLError
from urllib.parse import unquote, urlparse

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.module_utils.urls import ConnectionError, SSLValidationError, open_url

try:
    from ansible.module_utils.urls import mask_url
except ImportError:  # pragma: no cover - older ansible-core
    def mask_url(url):
        parts = urlparse(url)
        if parts.password:
            return url.replace("%s:%s@" % (parts.username, parts.password), "****:****@", 1)
        return url
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.arcready.network.plugins.plugin_utils import _service_tags as st

display = Display()

PREFIX = "arcready.network.service_tags: "


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        if terms:
            raise AnsibleLookupError(PREFIX + "takes no terms, only options (got %r); use path=... or url=... and "
                                     "the other options" % (terms,))
        self.set_options(var_options=variables, direct=kwargs)
        if not st.HAS_NETADDR:
            raise AnsibleLookupError(PREFIX + st.NETADDR_HINT)
        max_age = self.get_option("max_age_days")
        if max_age is None or max_age < 0:
            raise AnsibleLookupError(PREFIX + "max_age_days must be 0 (no check) or a positive number of days, not %r"
                                     % (max_age,))
        timeout = self.get_option("timeout")
        if timeout is None or not 0 < timeout <= 3600:
            raise AnsibleLookupError(PREFIX + "timeout must be a number of seconds above 0 and at most 3600, not %r"
                                     % (timeout,))
        try:
            cloud = st.normalize_cloud(self.get_option("cloud"))
            stf, found_dir = self._load(cloud, variables or {}, kwargs)
            tags = self.get_option("tags") or st.default_tags(cloud, self.get_option("scenarios"))
            public = None
            if cloud in st.NEEDS_PUBLIC_ARC and st.wants_arc(tags):
                public = self._load_public(variables or {}, found_dir)
            for item in (stf, public):
                warning = item and st.age_warning(item, max_age, today=datetime.date.today(),
                                                  cloud="AzureCloud" if item is public else cloud)
                if warning:
                    display.warning(PREFIX + warning)
            on_missing = self.get_option("on_missing")
            elements, missing = st.prefixes(
                stf,
                cloud,
                tags=tags,
                regions=self.get_option("regions"),
                include_global=self.get_option("include_global"),
                ip_version=self.get_option("ip_version"),
                merge_prefixes=self.get_option("merge"),
                on_missing=on_missing,
                public=public,
            )
            for note in (st.public_arc_note(cloud, tags, public),
                         st.arc_full_note(tags, self.get_option("regions"), self.get_option("include_global"))):
                if note:
                    display.warning(PREFIX + note)
        except st.ServiceTagsError as exc:
            raise AnsibleLookupError(PREFIX + to_native(exc))
        if missing and on_missing == "warn":
            display.warning(PREFIX + st.missing_message(stf, missing) + "; the other tags' prefixes are returned")
        display.vvv(PREFIX + "%d prefixes from %s (cloud '%s', changeNumber %d)"
                    % (len(elements), stf.source, stf.cloud, stf.change_number))
        return elements

    # ----------------------------------------------------------------------------------------- sources

    def _load(self, cloud, variables, direct):
        """The file for ``cloud`` and, when path= named a directory, that directory (else None)."""
        url = self.get_option("url")
        path = self.get_option("path")
        if url and "path" in direct and "url" in direct:
            raise st.ServiceTagsError("give path or url, not both (path=%s, url=%s)" % (path, mask_url(url)))
        if url and "path" not in direct:
            return self._download(url), None
        if not path:
            raise st.ServiceTagsError("path is empty; set path= to a Service Tags file or directory, or url=")
        return self._load_path(path, cloud, variables, "path")

    def _load_path(self, path, cloud, variables, option):
        resolved = self._resolve(path, variables)
        if resolved is None:
            raise st.ServiceTagsError(
                "no Service Tags file or directory at '%s' (searched the role's and play's files/ directories and the "
                "playbook directory); download %s from %s into files/service_tags/, or set %s= (a file or a "
                "directory) or %s=" % (path, st.expected_file_name(cloud), st.DOWNLOAD_PAGE[cloud], option,
                                       option.replace("path", "url")))
        directory = None
        if os.path.isdir(resolved):
            directory = resolved
            resolved = st.newest_in_directory(resolved, cloud)
            display.vvv(PREFIX + "using %s, the newest %s in %s" % (resolved, st.expected_file_name(cloud), directory))
        return st.load_path(resolved), directory

    def _load_public(self, variables, found_dir):
        """The public file for Gov and China rules: public_path, public_url, or the newest one next to path."""
        public_path = self.get_option("public_path")
        public_url = self.get_option("public_url")
        if public_path and public_url:
            raise st.ServiceTagsError("give public_path or public_url, not both (public_path=%s, public_url=%s)"
                                      % (public_path, mask_url(public_url)))
        if public_url:
            return self._download(public_url)
        if public_path:
            return self._load_path(public_path, "AzureCloud", variables, "public_path")[0]
        if found_dir is not None:
            try:
                chosen = st.newest_in_directory(found_dir, "AzureCloud")
            except st.ServiceTagsError:
                return None
            display.vvv(PREFIX + "using %s, the newest public file in %s, for the public AzureArcInfrastructure"
                        % (chosen, found_dir))
            return st.load_path(chosen)
        return None

    def _resolve(self, path, variables):
        path = os.path.expanduser(path)
        if os.path.isabs(path):
            return path if os.path.lexists(path) else None
        if self._loader is not None:
            found = self.find_file_in_search_path(variables, "files", path, ignore_missing=True)
            if found:
                return to_text(found)
        return os.path.abspath(path) if os.path.lexists(path) else None

    def _download(self, url):
        shown = mask_url(url)  # never print a password embedded in the URL
        timeout = self.get_option("timeout")
        display.vvv(PREFIX + "downloading %s (at most %s seconds, %d MiB)" % (shown, timeout, st.MAX_BYTES >> 20))

        def opener():
            return open_url(
                url,
                validate_certs=self.get_option("validate_certs"),
                ca_path=self.get_option("ca_path"),
                use_proxy=self.get_option("use_proxy"),
                timeout=timeout,
                http_agent="arcready.network-service_tags",
            )

        try:
            data, headers = st.bounded_download(opener, shown, timeout)
            last_modified = headers.get("Last-Modified")
        except st.ServiceTagsError:
            raise  # already says what and how to fix it
        except HTTPError as exc:
            raise st.ServiceTagsError("could not download %s: HTTP %s %s; check url= (Microsoft's download link "
                                      "changes every week, so point url= at a mirror or use path=)"
                                      % (shown, exc.code, exc.reason))
        except (SSLValidationError, URLError, ConnectionError, OSError, ValueError, HTTPException) as exc:
            reason = getattr(exc, "reason", None) or exc
            if isinstance(exc, SSLValidationError) or isinstance(reason, ssl.SSLCertVerificationError):
                raise st.ServiceTagsError("could not download %s: its TLS certificate was not trusted (%s); set "
                                          "ca_path= to the PEM bundle of the CA that issued it"
                                          % (shown, to_native(getattr(reason, "verify_message", None) or reason)))
            raise st.ServiceTagsError("could not download %s: %s; check url=, the controller's network and proxy "
                                      "settings (use_proxy), or use path="
                                      % (shown, to_native(reason) or type(exc).__name__))
        name = unquote(urlparse(url).path.rsplit("/", 1)[-1])
        file_date = st.date_from_name(name)
        origin = "file name"
        if file_date is None and last_modified:
            try:
                file_date = email.utils.parsedate_to_datetime(last_modified).date()
                origin = "Last-Modified header"
            except (TypeError, ValueError, IndexError):
                file_date = None
        if file_date is None:
            origin = None
            display.vvv(PREFIX + "%s has no date in its name and no Last-Modified header; its age is not checked"
                        % shown)
        return st.parse(data, shown, file_date=file_date, date_origin=origin)
