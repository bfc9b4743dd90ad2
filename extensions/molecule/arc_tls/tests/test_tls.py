"""arc_tls: the facts are right, enforcement really refuses TLS 1.0, TLS 1.2 to the Arc endpoint works."""

import re

import pytest
import rolelab as r

ARC_HOST_RE = re.compile(r"^gbl\.his\.arc\.azure\.(com|us|cn)$")
CNF = "/etc/ssl/openssl.cnf"
CPOL = "arctls-cpol-deb12"  # the host prepared with a crypto-policies stand-in
# Per host: does it accept TLS 1.0 after converge, and what the role reports as the minimum and its source.
EXPECT = {
    "arctls-legacy-deb11": (False, "TLSv1.2", CNF + " MinProtocol = TLSv1.2"),
    "arctls-stock-deb12": (False, "TLSv1.2", "security level: no MinProtocol in " + CNF),
    "arctls-cpol-deb12": (False, "TLSv1.2", "crypto-policies DEFAULT (OpenSSL back-end MinProtocol TLSv1.2)"),
    "arctls-weak-deb12": (True, "TLSv1", "OpenSSL library default: no MinProtocol in " + CNF),
    "arctls-stock-deb13": (False, "TLSv1.2", CNF + " MinProtocol = TLSv1.2"),
}


@pytest.fixture()
def state(host):
    name = r.facts(host)["arc_tls_handshake"]["host"]
    return r.gather(host, """
echo; echo '=== version'; openssl version
echo; echo '=== tls10'; timeout 20 openssl s_client -connect tls10.arclab.test:4430 -servername tls10.arclab.test </dev/null 2>&1
echo; echo '=== tls12'; timeout 20 openssl s_client -connect {0}:443 -servername {0} -no_tls1_3 -verify_return_error </dev/null 2>&1
echo; echo '=== cnf'; cat {1}
echo; echo '=== backups'; ls {1}.*~ 2>/dev/null
echo; echo '=== policy'; cat /etc/crypto-policies/config 2>/dev/null
echo; echo '=== policy calls'; cat /var/log/arclab-update-crypto-policies.log 2>/dev/null
""".format(name, CNF))


def test_openssl_version_fact(host, state):
    assert r.facts(host)["arc_tls_openssl_version"] == state["version"].split()[1]


def test_handshake_fact_is_a_tls12_handshake_with_the_catalogue_host(host):
    hs = r.facts(host)["arc_tls_handshake"]
    # The default endpoint is the catalogue's global HIS host; the lab maps it to its fake Azure service.
    assert ARC_HOST_RE.match(hs["host"]), hs
    assert hs["host"] in r.lab()["hosts"]
    assert hs["ok"] is True and hs["protocol"] == "TLSv1.2", hs
    assert hs["verify"].startswith("0 "), hs
    assert r.lab()["ca"]["issuer_cn"] in hs["issuer"], hs
    assert hs["tool"] == "openssl s_client" and hs["error"] is None


def test_tls10_only_endpoint(host, state):
    accepted, _min, _source = EXPECT[r.hostname(host)]
    protocol, _cipher = r.session(state["tls10"])
    if accepted:
        assert protocol == "TLSv1", state["tls10"]
    else:
        # Refused for the protocol, or (OpenSSL 3 at security level 2) for the SHA-1 signatures TLS 1.0 needs.
        assert protocol is None, state["tls10"]
        assert re.search(r"unsupported protocol|no protocols available|protocol version|legacy sigalg disallowed", state["tls10"]), state["tls10"]


def test_tls12_to_the_arc_endpoint_works(state):
    assert r.session(state["tls12"])[0] == "TLSv1.2", state["tls12"]
    assert "Verify return code: 0 (ok)" in state["tls12"]


def test_min_protocol_facts(host):
    _accepted, minimum, source = EXPECT[r.hostname(host)]
    f = r.facts(host)
    assert f["arc_tls_min_protocol"] == minimum, f
    assert f["arc_tls_min_protocol_source"].startswith(source), f


def test_openssl_cnf(host, state):
    cnf, name = state["cnf"], r.hostname(host)
    if name == "arctls-legacy-deb11":
        # The lab's chain was kept and fixed: MinProtocol raised, MaxProtocol = TLSv1.1 gone, a backup kept.
        section = cnf.split("[arclab_legacy]", 1)[1]
        assert re.search(r"^MinProtocol = TLSv1\.2$", section, re.M), section
        assert "MaxProtocol" not in section
        assert "arcready_" not in cnf
        assert state["backups"].strip()
    elif name == "arctls-stock-deb13":
        # No chain before: the role added one below Debian's own openssl_init section.
        assert re.search(r"^openssl_conf = openssl_init$", cnf, re.M)
        init = cnf.split("[openssl_init]", 1)[1].split("\n[", 1)[0]
        assert re.search(r"^ssl_conf = arcready_ssl_sect$", init, re.M), init
        assert re.search(r"^\[arcready_ssl_sect\]\nsystem_default = arcready_system_default$", cnf, re.M)
        assert re.search(r"^\[arcready_system_default\]\nMinProtocol = TLSv1\.2$", cnf, re.M)
        assert state["backups"].strip()
    else:
        # Report-only hosts and the crypto-policies host: openssl.cnf untouched.
        assert "arcready_" not in cnf and "MinProtocol" not in cnf
        assert not state["backups"].strip()


def test_the_crypto_policies_host_is_in_the_scenario():
    """test_crypto_policies checks the crypto-policies code path on the host prepared with it: that host
    must exist, or the test would check only the openssl.cnf hosts."""
    assert CPOL in r.platforms() and "arclab_crypto_policies" in r.host_vars_of(CPOL)


def test_crypto_policies(host, state):
    """The host prepared with crypto-policies (LEGACY) is switched to DEFAULT by one call; the others keep
    openssl.cnf and get no crypto-policies call."""
    f = r.facts(host)
    if "arclab_crypto_policies" in r.host_vars(host):
        assert f["arc_tls_system_policy"] == "crypto_policies" and f["arc_tls_crypto_policy"] == "DEFAULT"
        assert state["policy"].strip() == "DEFAULT"
        # prepare's --set LEGACY, then one switch by the role (the idempotence run switched nothing).
        assert state["policy calls"].splitlines() == ["--set LEGACY", "--set DEFAULT"]
    else:
        assert r.hostname(host) != CPOL
        assert f["arc_tls_system_policy"] == "openssl_cnf" and f["arc_tls_crypto_policy"] == ""
        assert state["policy"].strip() == "" and state["policy calls"].strip() == ""
