#!/usr/bin/env bash
# Runs the test suites of arcready.network on a Debian machine, installing what the chosen suites need first.
#
#   bash tests/run.sh                  # every suite: unit integration build sanity lint molecule bench
#   bash tests/run.sh unit lint        # only some suites; setup installs only what those need
#
# What each suite needs (besides the pinned pip tools of test-requirements.txt, installed into .venv/):
#   unit                 nothing else: no root, no apt, no podman (tests/unit, minus tests marked integration)
#   build, lint          nothing else
#   sanity               apt: shellcheck, rsync, git
#   integration          root; apt: chromium, chromium-driver, mono, nftables, squid (tests/integration + marked)
#   molecule, bench      root; apt: podman, netavark, debootstrap, ...; the container lab (tests/lab/setup.sh)
# Env: ARC_VENV, ARC_PYTHON; CI=true sets ARC_BENCH_QUICK=1 (benchmarks at smaller sizes, same figures printed).
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${ARC_VENV:-$ROOT/.venv}
PYTHON=${ARC_PYTHON:-python3.11}
CACHE=$ROOT/.cache
ALL_SUITES=(unit integration build sanity lint molecule bench)
export ANSIBLE_COLLECTIONS_PATH=$CACHE/collections
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 ANSIBLE_DEPRECATION_WARNINGS=0
export PATH=$VENV/bin:$PATH
if [ "${CI:-}" = true ]; then export ARC_BENCH_QUICK=${ARC_BENCH_QUICK:-1}; fi

APT_SANITY=(shellcheck rsync git)
APT_INTEGRATION=(chromium chromium-driver fonts-dejavu-core mono-mcs mono-runtime nftables iproute2 openssl
                 ca-certificates util-linux squid)
# netavark 1.4 (Debian 12) sets up container networks with iptables, which podman only suggests: without it every
# podman build RUN step fails with "netavark: No such file or directory".
APT_LAB=(podman runc netavark aardvark-dns iptables debootstrap nftables iproute2 uidmap slirp4netns fuse-overlayfs
         ca-certificates openssl time)

log() { printf '\n=== %s\n' "$*"; }

needs_apt() {  # suite -> the apt packages it needs
    case "$1" in
        sanity) echo "${APT_SANITY[*]}" ;;
        integration) echo "${APT_INTEGRATION[*]}" ;;
        molecule | bench) echo "${APT_LAB[*]}" ;;
    esac
}

needs_root() { case "$1" in integration | molecule | bench) return 0 ;; esac; return 1; }
needs_lab() { case "$1" in molecule | bench) return 0 ;; esac; return 1; }

setup() {  # suites...
    local suite pkg missing=() wanted=() root_for=() lab=0
    for suite in "$@"; do
        read -r -a wanted <<<"$(needs_apt "$suite")"
        for pkg in "${wanted[@]}"; do
            # Installed, not merely known: a package removed but not purged still answers dpkg -s.
            dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' ||
                [[ " ${missing[*]} " == *" $pkg "* ]] || missing+=("$pkg")
        done
        if needs_root "$suite"; then root_for+=("$suite"); fi
        if needs_lab "$suite"; then lab=1; fi
    done
    if [ ${#root_for[@]} -gt 0 ] && [ "$EUID" -ne 0 ]; then
        echo "setup: suites ${root_for[*]} need root (run them as root, or pick others: bash tests/run.sh unit)"
        return 1
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        if [ "$EUID" -ne 0 ]; then echo "setup: apt packages missing and not root: ${missing[*]}"; return 1; fi
        log "apt: installing ${missing[*]}"
        # Packages such as squid start their daemon on install; the tests only run their binaries (squid -k
        # parse), so services stay stopped while installing (policy-rc.d exit 101: "action forbidden").
        local policy=/usr/sbin/policy-rc.d placed=0
        if [ ! -e "$policy" ]; then printf '#!/bin/sh\nexit 101\n' >"$policy" && chmod 755 "$policy" && placed=1; fi
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}"
        local rc=$?
        if [ "$placed" -eq 1 ]; then rm -f "$policy"; fi
        [ "$rc" -eq 0 ] || return 1
    fi
    command -v "$PYTHON" >/dev/null 2>&1 || PYTHON=python3
    if [ ! -x "$VENV/bin/python" ]; then
        log "venv: $VENV"
        "$PYTHON" -m venv "$VENV" || return 1
    fi
    local stamp="$VENV/.requirements.sha"
    local want
    want=$(cat "$ROOT/test-requirements.txt" "$ROOT/requirements.txt" | sha256sum | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
        log "pip: test-requirements.txt"
        "$VENV/bin/python" -m pip install -q --upgrade pip &&
            "$VENV/bin/python" -m pip install -q -r "$ROOT/test-requirements.txt" -r "$ROOT/requirements.txt" ||
            return 1
        echo "$want" >"$stamp"
    fi
    # The collection is found by its FQCN through a symlinked ansible_collections tree.
    mkdir -p "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/arcready"
    ln -sfn "$ROOT" "$ANSIBLE_COLLECTIONS_PATH/ansible_collections/arcready/network"
    if [ "$lab" -eq 1 ]; then lab_setup_start; fi
}

# The lab (packages, podman settings, images built with debootstrap, the service container) takes minutes on a
# fresh machine, mostly waiting on the mirror; it is set up in the background while the suites that do not need
# it run, and waited for before the first one that does.
LAB_PID=
LAB_RC=0
LAB_START=0
LAB_LOG=$CACHE/lab-setup.log
lab_setup_start() {
    mkdir -p "$CACHE"
    log "lab setup: started in the background (log: $LAB_LOG)"
    LAB_START=$SECONDS
    bash "$ROOT/tests/lab/setup.sh" >"$LAB_LOG" 2>&1 &
    LAB_PID=$!
}

lab_setup_wait() {  # sets LAB_RC; the setup's output is shown either way
    log "lab setup: waiting for it"
    wait "$LAB_PID"
    LAB_RC=$?
    LAB_PID=
    cat "$LAB_LOG"
    echo "lab setup: exit $LAB_RC after $((SECONDS - LAB_START)) s"
}

pytest_suite() {  # name, pytest arguments... ; prints one closing line with the counts from pytest's JUnit XML
    local name=$1 rc
    shift
    local xml=$CACHE/junit-$name.xml
    rm -f "$xml"
    (cd "$ROOT" && python -m pytest -q -rs -p no:cacheprovider --junitxml="$xml" "$@")
    rc=$?
    python - "$xml" "$name" "$rc" <<'PY'
import sys
import xml.etree.ElementTree as ET
path, name, rc = sys.argv[1], sys.argv[2], int(sys.argv[3])
try:
    suites = ET.parse(path).getroot()
except (OSError, ET.ParseError):
    print("%s: pytest exit %d, no JUnit report" % (name, rc))
    sys.exit(0)
counts = dict((k, 0) for k in ("tests", "failures", "errors", "skipped"))
for suite in ([suites] if suites.tag == "testsuite" else list(suites)):
    for k in counts:
        counts[k] += int(suite.get(k, 0))
passed = counts["tests"] - counts["failures"] - counts["errors"] - counts["skipped"]
print("%s: %d tests: %d passed, %d failed, %d errors, %d skipped (pytest exit %d)"
      % (name, counts["tests"], passed, counts["failures"], counts["errors"], counts["skipped"], rc))
PY
    # Exit 5 is "no tests collected": a suite that checked nothing has not passed.
    if [ "$rc" -eq 5 ]; then echo "$name: pytest collected no tests: FAILED"; return 1; fi
    return "$rc"
}

unit() {
    log "unit: pytest tests/unit -m 'not integration'"
    pytest_suite unit tests/unit -m "not integration"
}

integration() {
    # The integration suite installed everything its tests need, so a skip here is a failure (suite_setup.py).
    log "integration: pytest tests/integration and the tests/unit tests marked integration"
    ARC_TESTS_NO_SKIP=1 pytest_suite integration tests/integration tests/unit -m integration
}

sanity() {
    # ansible-test wants the collection at .../ansible_collections/NS/NAME as a real directory.
    # Outside the repo, or ansible-test would see the repo's git and skip the (ignored) copy.
    local base=${TMPDIR:-/tmp}/arcready-sanity
    local tree=$base/ansible_collections/arcready/network
    log "sanity: ansible-test in $tree"
    rm -rf "$base" && mkdir -p "$tree"
    (cd "$ROOT" && git ls-files -co --exclude-standard -z | rsync -a --from0 --files-from=- ./ "$tree/") || return 1
    # ansible-test bootstraps pip from a download this machine cannot reach; ensurepip stands in for it.
    local version
    version=$(ansible-test --version 2>/dev/null | head -1)
    mkdir -p "$HOME/.ansible/test/cache"
    for v in 24_2 24_3 25_0 25_1; do
        cp "$ROOT/tests/sanity/get_pip_standin.py" "$HOME/.ansible/test/cache/get_pip_$v.py"
    done
    local extra=()
    read -r -a extra <<<"${ARC_SANITY_ARGS:-}"
    (cd "$tree" && ansible-test sanity --venv --python 3.11 --color no \
        --skip-test shebang --skip-test pylint "${extra[@]}") || return 1
    echo "sanity: ansible-test $version: passed"
}

doc_targets() {  # installed collections path -> "type name" for every plugin and role, found in the tree
    # Modules by file name (probe.py and probe.ps1 are one module); lookups and callbacks by file name; filters
    # and tests by the names their FilterModule/TestModule returns (one .py may define several, each documented
    # in its own <name>.yml); roles by directory.
    python - "$1" <<'PY'
import glob
import importlib
import os
import sys

from ansible.utils.collection_loader._collection_finder import _AnsibleCollectionFinder

installed = sys.argv[1]
_AnsibleCollectionFinder(paths=[installed])._install()
root = os.path.join(installed, "ansible_collections", "arcready", "network")
fqcn = "arcready.network."


def names(kind, pattern):
    found = set()
    for path in glob.glob(os.path.join(root, "plugins", kind, pattern)):
        base = os.path.splitext(os.path.basename(path))[0]
        if not base.startswith("_"):
            found.add(base)
    return sorted(found)


for name in names("modules", "*.p[ys]*"):
    print("module " + fqcn + name)
for kind in ("lookup", "callback", "inventory", "connection", "become", "cache", "vars", "strategy"):
    for name in names(kind, "*.py"):
        print(kind + " " + fqcn + name)
for kind, cls, method in (("filter", "FilterModule", "filters"), ("test", "TestModule", "tests")):
    for base in names(kind, "*.py"):
        module = importlib.import_module("ansible_collections.arcready.network.plugins.%s.%s" % (kind, base))
        for name in sorted(getattr(getattr(module, cls)(), method)()):
            print(kind + " " + fqcn + name)
for path in sorted(glob.glob(os.path.join(root, "roles", "*", ""))):
    print("role " + fqcn + os.path.basename(os.path.dirname(path)))
PY
}

build() {
    # The acceptance of a release: the tarball builds, installs, and ansible-doc renders from the install.
    local out=$CACHE/build
    log "build: ansible-galaxy collection build and install"
    rm -rf "$out" && mkdir -p "$out" || return 1
    ansible-galaxy collection build "$ROOT" --output-path "$out" || return 1
    ansible-galaxy collection install "$out"/arcready-network-*.tar.gz -p "$out/installed" --no-deps --force || return 1
    local kind name count=0 targets
    targets=$(doc_targets "$out/installed") || return 1
    while read -r kind name; do
        ANSIBLE_COLLECTIONS_PATH="$out/installed" ansible-doc -t "$kind" "$name" >"$out/$name.txt" 2>&1 || {
            cat "$out/$name.txt"; return 1; }
        # ansible-doc exits 0 for a plugin it cannot find, so the rendered page is checked too.
        if ! grep -q "$name" "$out/$name.txt" || grep -q "was not found" "$out/$name.txt"; then
            cat "$out/$name.txt"; return 1
        fi
        echo "ansible-doc -t $kind $name: $(wc -l <"$out/$name.txt") lines"
        count=$((count + 1))
    done <<<"$targets"
    [ "$count" -gt 0 ] || { echo "build: no plugin or role found to render"; return 1; }
    echo "build: collection built and installed, $count plugin and role pages rendered"
}

lint() {
    log "lint: ansible-lint --profile production"
    (cd "$ROOT" && ansible-lint --offline --profile production roles/ playbooks/) || return 1
    log "lint: antsibull-changelog lint (changelog fragments)"
    (cd "$ROOT" && antsibull-changelog lint) || return 1
    echo "lint: ansible-lint and antsibull-changelog lint passed"
}

molecule_scenario() {  # scenario: one `molecule test`, its output in $CACHE/molecule/<scenario>.log
    local scenario=$1 start=$SECONDS
    if (cd "$ROOT/extensions" && molecule test -s "$scenario") >"$CACHE/molecule/$scenario.log" 2>&1; then
        echo "molecule $scenario: passed in $((SECONDS - start)) s" | tee "$CACHE/molecule/$scenario.result"
    else
        echo "molecule $scenario: FAILED after $((SECONDS - start)) s" | tee "$CACHE/molecule/$scenario.result"
    fi
}

molecule_suite() {
    # Scenarios run ARC_MOLECULE_JOBS at a time, default 2: on 2 cores two overlap well (much of a scenario waits
    # on podman exec, SSH, systemd and probe timeouts): 980 s for the twelve, against 1503 s one at a time. Each
    # has its own platforms, side containers and state; the lab service answers both. (Two at a time once made
    # arc_firewall_service_tags lose its rules: the rollback guard of its first converge fired during the second,
    # fixed in roles/arc_firewall/tasks/linux/guard.yml.)
    local jobs=${ARC_MOLECULE_JOBS:-2} scenarios=() scenario failed=0
    for dir in "$ROOT"/extensions/molecule/*/; do
        scenario=$(basename "$dir")
        case "$scenario" in _* | shared | default) continue ;; esac
        [ -f "$dir/molecule.yml" ] || continue
        # ARC_MOLECULE_SCENARIOS="a b" runs only those (while developing); CI runs every scenario.
        if [ -n "${ARC_MOLECULE_SCENARIOS:-}" ] && [[ " $ARC_MOLECULE_SCENARIOS " != *" $scenario "* ]]; then continue; fi
        scenarios+=("$scenario")
    done
    # Longest first, so that lanes finish together (seconds each, one at a time on a 2-core machine: service_tags
    # 367, arc_proxy 305, arc_firewall 233, arc_tls 179, preflight_dropped 105, preflight_report 83, others 38-79).
    local longest=(arc_firewall_service_tags arc_proxy arc_firewall arc_tls preflight_dropped preflight_report) ordered=()
    for scenario in "${longest[@]}"; do
        [[ " ${scenarios[*]} " == *" $scenario "* ]] && ordered+=("$scenario")
    done
    for scenario in "${scenarios[@]}"; do
        [[ " ${longest[*]} " == *" $scenario "* ]] || ordered+=("$scenario")
    done
    scenarios=("${ordered[@]}")
    rm -rf "$CACHE/molecule" && mkdir -p "$CACHE/molecule"
    log "molecule: ${#scenarios[@]} scenarios, $jobs at a time (logs: $CACHE/molecule/)"
    for scenario in "${scenarios[@]}"; do
        while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
        molecule_scenario "$scenario" &
    done
    wait
    for scenario in "${scenarios[@]}"; do
        log "molecule: $scenario"
        cat "$CACHE/molecule/$scenario.log"
        cat "$CACHE/molecule/$scenario.result" 2>/dev/null || echo "molecule $scenario: no result"
        grep -q ': passed in' "$CACHE/molecule/$scenario.result" 2>/dev/null || failed=$((failed + 1))
    done
    echo "molecule: ${#scenarios[@]} scenarios, $failed failed: $(cat "$CACHE"/molecule/*.result | sed 's/^molecule //' | tr '\n' ';')"
    [ "${#scenarios[@]}" -gt 0 ] && [ "$failed" -eq 0 ]
}

bench() {
    local failed=0 ran=0 script start
    for script in "$ROOT"/benchmarks/bench_*.py; do
        [ -f "$script" ] || continue
        log "benchmark: $(basename "$script")${ARC_BENCH_QUICK:+ (quick: ARC_BENCH_QUICK=$ARC_BENCH_QUICK)}"
        ran=$((ran + 1))
        start=$SECONDS
        if (cd "$ROOT" && python "$script"); then
            echo "benchmark $(basename "$script"): done in $((SECONDS - start)) s"
        else
            echo "benchmark $(basename "$script"): FAILED after $((SECONDS - start)) s"
            failed=$((failed + 1))
        fi
    done
    echo "bench: $ran benchmarks, $failed failed${ARC_BENCH_QUICK:+ (quick mode)}"
    [ "$ran" -gt 0 ] && [ "$failed" -eq 0 ]
}

main() {
    local suites=("$@")
    [ ${#suites[@]} -gt 0 ] || suites=("${ALL_SUITES[@]}")
    local passed=0 failed=0 names_failed=() suite start times=()
    for suite in "${suites[@]}"; do
        [[ " ${ALL_SUITES[*]} setup " == *" $suite "* ]] || {
            echo "unknown suite $suite (${ALL_SUITES[*]})"; exit 2; }
    done
    start=$SECONDS
    setup "${suites[@]}" || { echo "setup failed"; echo "suites: 0 passed, 1 failed (setup)"; exit 1; }
    echo "setup done in $((SECONDS - start)) s"
    times+=("setup $((SECONDS - start))s")
    for suite in "${suites[@]}"; do
        if needs_lab "$suite" && [ -n "$LAB_PID" ]; then
            start=$SECONDS
            lab_setup_wait
            times+=("lab-setup-wait $((SECONDS - start))s")
        fi
        start=$SECONDS
        local ok=0
        if needs_lab "$suite" && [ "${LAB_RC:-0}" -ne 0 ]; then
            ok=1; echo "$suite: the lab setup failed (exit $LAB_RC, its output above), so $suite did not run"
        else
            case "$suite" in
                setup) continue ;;
                molecule) molecule_suite || ok=$? ;;
                *) "$suite" || ok=$? ;;
            esac
        fi
        if [ "$ok" -eq 0 ]; then
            passed=$((passed + 1)); echo "suite $suite passed in $((SECONDS - start)) s"
        else
            failed=$((failed + 1)); names_failed+=("$suite"); echo "suite $suite FAILED in $((SECONDS - start)) s"
        fi
        times+=("$suite $((SECONDS - start))s")
    done
    echo
    echo "times: ${times[*]}"
    [ $failed -eq 0 ] || echo "failed suites: ${names_failed[*]}"
    echo "suites: $passed passed, $failed failed"
    [ $failed -eq 0 ]
}

main "$@"
