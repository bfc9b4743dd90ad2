#!/usr/bin/env bash
# Runs the test suites of arcready.network on a Debian machine, installing what they need first.
#
#   bash tests/run.sh                  # setup, unit, build, sanity, lint, molecule, bench
#   bash tests/run.sh unit lint        # only some suites (setup always runs first, and is quick when done)
#
# Needs root for apt and podman. Creates .venv/ in the repo with the pinned tools of test-requirements.txt.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
VENV=${ARC_VENV:-$ROOT/.venv}
PYTHON=${ARC_PYTHON:-python3.11}
CACHE=$ROOT/.cache
export ANSIBLE_COLLECTIONS_PATH=$CACHE/collections
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 PY_COLORS=0 ANSIBLE_DEPRECATION_WARNINGS=0
export PATH=$VENV/bin:$PATH

APT_PACKAGES=(podman runc debootstrap nftables iproute2 tinyproxy squid openssl ca-certificates rsync git uidmap
              slirp4netns fuse-overlayfs chromium chromium-driver fonts-dejavu-core mono-mcs mono-runtime shellcheck)

log() { printf '\n=== %s\n' "$*"; }

setup() {
    local missing=()
    for pkg in "${APT_PACKAGES[@]}"; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "apt: installing ${missing[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
            "${missing[@]}" || return 1
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
    if [ -x "$ROOT/tests/lab/setup.sh" ] || [ -f "$ROOT/tests/lab/setup.sh" ]; then
        log "lab setup"
        bash "$ROOT/tests/lab/setup.sh" || return 1
    fi
}

unit() {
    log "unit: pytest tests/unit"
    (cd "$ROOT" && python -m pytest tests/unit -q -p no:cacheprovider)
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
    echo "ansible-test $version: sanity passed"
}

build() {
    # The acceptance of a release: the tarball builds, installs, and ansible-doc renders from the install.
    local out=$CACHE/build
    log "build: ansible-galaxy collection build and install"
    rm -rf "$out" && mkdir -p "$out" || return 1
    ansible-galaxy collection build "$ROOT" --output-path "$out" || return 1
    ansible-galaxy collection install "$out"/arcready-network-*.tar.gz -p "$out/installed" --no-deps --force || return 1
    local kind name
    while read -r kind name; do
        ANSIBLE_COLLECTIONS_PATH="$out/installed" ansible-doc -t "$kind" "$name" >"$out/$name.txt" 2>&1 || return 1
        # ansible-doc exits 0 for a plugin it cannot find, so the rendered page is checked too.
        if ! grep -q "$name" "$out/$name.txt" || grep -q "was not found" "$out/$name.txt"; then
            cat "$out/$name.txt"; return 1
        fi
        echo "ansible-doc -t $kind $name: $(wc -l <"$out/$name.txt") lines"
    done <<'DOCS'
module arcready.network.probe
lookup arcready.network.endpoints
lookup arcready.network.service_tags
filter arcready.network.preflight_html
filter arcready.network.address_chunks
filter arcready.network.ufw_stale_rules
callback arcready.network.preflight_progress
role arcready.network.arc_preflight
role arcready.network.arc_proxy
role arcready.network.arc_tls
role arcready.network.arc_firewall
DOCS
}

lint() {
    log "lint: ansible-lint --profile production"
    (cd "$ROOT" && ansible-lint --offline --profile production roles/ playbooks/) || return 1
    log "lint: antsibull-changelog lint (changelog fragments)"
    (cd "$ROOT" && antsibull-changelog lint)
}

molecule_suite() {
    local failed=0 ran=0 scenario
    for dir in "$ROOT"/extensions/molecule/*/; do
        scenario=$(basename "$dir")
        case "$scenario" in _* | shared | default) continue ;; esac
        [ -f "$dir/molecule.yml" ] || continue
        log "molecule: $scenario"
        ran=$((ran + 1))
        local start=$SECONDS
        if (cd "$ROOT/extensions" && molecule test -s "$scenario"); then
            echo "molecule $scenario: passed in $((SECONDS - start)) s"
        else
            echo "molecule $scenario: FAILED after $((SECONDS - start)) s"
            failed=$((failed + 1))
        fi
    done
    echo "molecule: $ran scenarios, $failed failed"
    [ "$failed" -eq 0 ]
}

bench() {
    local failed=0 script
    for script in "$ROOT"/benchmarks/bench_*.py; do
        [ -f "$script" ] || continue
        log "benchmark: $(basename "$script")"
        (cd "$ROOT" && python "$script") || failed=$((failed + 1))
    done
    [ "$failed" -eq 0 ]
}

main() {
    local suites=("$@")
    [ ${#suites[@]} -gt 0 ] || suites=(unit build sanity lint molecule bench)
    local passed=0 failed=0 names_failed=() suite start
    setup || { echo "setup failed"; echo "0 passed, 1 failed"; exit 1; }
    for suite in "${suites[@]}"; do
        start=$SECONDS
        local ok=0
        case "$suite" in
            setup) continue ;;
            molecule) molecule_suite || ok=$? ;;
            unit | build | sanity | lint | bench) "$suite" || ok=$? ;;
            *) echo "unknown suite $suite (unit, build, sanity, lint, molecule, bench)"; ok=1 ;;
        esac
        if [ "$ok" -eq 0 ]; then
            passed=$((passed + 1)); echo "suite $suite passed in $((SECONDS - start)) s"
        else
            failed=$((failed + 1)); names_failed+=("$suite"); echo "suite $suite FAILED in $((SECONDS - start)) s"
        fi
    done
    echo
    [ $failed -eq 0 ] || echo "failed suites: ${names_failed[*]}"
    echo "suites: $passed passed, $failed failed"
    [ $failed -eq 0 ]
}

main "$@"
