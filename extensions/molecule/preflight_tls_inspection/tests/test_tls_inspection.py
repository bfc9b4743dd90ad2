"""preflight_tls_inspection: behind mitmproxy re-signing with its own CA, every HTTPS endpoint is flagged."""

import arclab_verify as v

TRUSTED, UNTRUSTED = "arcpf-mitm-trusted", "arcpf-mitm-untrusted"


def test_report_shape(host):
    v.assert_report_shape(v.report(v.hostname(host)))


def test_every_https_endpoint_flagged_as_inspection(host):
    name = v.hostname(host)
    lab = v.lab()
    rep = v.report(name)
    https = [e for e in v.probed(rep) if e["scheme"] == "https"]
    assert https
    for ep in https:
        where = ep["url"]
        assert ep["ok"] is False, where
        assert ep["failed_stage"] == "tls_inspection", "%s: %s %s" % (where, ep["failed_stage"], ep["error"])
        assert ep["tls_inspection"] is True, where
        assert ep["proxy"] == lab["proxies"]["mitm"], where
        assert lab["mitm_ca"]["issuer_cn"] in ep["cert_issuer"], where
        assert lab["ca"]["issuer_cn"] not in ep["cert_issuer"], where
        assert ep["host"] in (ep["cert_subject"] or ""), where
        assert lab["mitm_ca"]["issuer_cn"] in ep["error"] and "inspect" in ep["error"], ep["error"]
        if name == TRUSTED:
            # The host trusts the inspection CA: the handshake succeeds, the issuer gives it away.
            assert ep["tls_version"] in ("TLSv1.2", "TLSv1.3"), where
        else:
            assert "does not trust" in ep["error"], ep["error"]
            assert ep["tls_version"] is None, where
    assert rep["summary"]["tls_inspection"] == len(https)
    assert "tls_inspection.detected" in [w["code"] for w in rep["warnings"]], rep["warnings"]
    assert rep["proxy"] == lab["proxies"]["mitm"]


def test_preflight_failed_the_host(host):
    v.assert_host_failed_for_required(v.hostname(host), ["management.azure.com"])


def test_inspection_ca_trust_on_the_host(host):
    trusted = host.run("test -e /usr/local/share/ca-certificates/arclab-mitm-ca.crt").rc == 0
    assert trusted is (v.hostname(host) == TRUSTED)
