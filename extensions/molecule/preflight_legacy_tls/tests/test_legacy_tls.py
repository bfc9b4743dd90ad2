"""preflight_legacy_tls: OpenSSL limited to TLS 1.0/1.1 against endpoints requiring TLS 1.2: flagged."""

import arclab_verify as v


def test_report_shape(host):
    v.assert_report_shape(v.report(v.hostname(host)))


def test_https_endpoints_flagged_at_the_tls_stage(host):
    rep = v.report(v.hostname(host))
    https = [e for e in v.probed(rep) if e["scheme"] == "https"]
    assert https
    for ep in https:
        where = ep["url"]
        assert ep["ok"] is False, where
        assert ep["failed_stage"] == "tls", "%s: %s" % (where, ep["error"])
        assert "TLS 1.2" in ep["error"], ep["error"]
        assert "openssl.cnf" in ep["error"] or "only offers" in ep["error"], ep["error"]
        assert ep["tls_version"] is None and ep["http_status"] is None, where
        assert ep["tls_inspection"] is False, where
        # TCP worked: it is the protocol version, not the network.
        assert "tcp" in ep["latency_ms"], where
        assert ep["addresses"] == [v.lab()["hosts"][ep["host"]]["public"]], where
    table = rep["table"]
    assert "false (tls." in table


def test_plain_http_still_works(host):
    ep = v.by_host(v.report(v.hostname(host)))[("www.microsoft.com", 80)]
    assert ep["ok"] is True and ep["http_status"] == 200 and ep["tls_version"] is None


def test_preflight_failed_the_host(host):
    v.assert_host_failed_for_required(v.hostname(host), ["management.azure.com", "login.microsoftonline.com"])


def test_host_openssl_really_is_legacy_and_the_service_requires_tls12(host):
    lab = v.lab()
    address = lab["hosts"]["management.azure.com"]["public"]
    # One command (each costs an ansible run): what the host's OpenSSL offers by default (TLS 1.0/1.1 only),
    # then a handshake with those defaults, which the endpoint refuses for the protocol version.
    out = host.run(
        "python3 -c 'import ssl; print(ssl.create_default_context().maximum_version.name)'; "
        "openssl s_client -connect %s:443 -servername management.azure.com </dev/null >/tmp/s_client.txt 2>&1; "
        "echo rc=$?; cat /tmp/s_client.txt" % address)
    lines = out.stdout.splitlines()
    assert lines[0] == "TLSv1_1", out.stdout + out.stderr
    assert lines[1] != "rc=0", out.stdout
    assert "protocol version" in out.stdout or "alert" in out.stdout, out.stdout[-800:]
