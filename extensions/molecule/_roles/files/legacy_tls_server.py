#!/usr/bin/env python3
"""A TLS 1.0-only endpoint for the arc_tls scenario: python3 legacy_tls_server.py PORT.

Security level 0 is needed for TLS 1.0 at all on OpenSSL 3; the certificate is self-signed (clients that refuse
the protocol never get as far as the certificate). Runs until the container is removed.
"""

import os
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import warnings


def main():
    port = int(sys.argv[1])
    work = tempfile.mkdtemp()
    cnf, key, cert = (os.path.join(work, n) for n in ("req.cnf", "key.pem", "cert.pem"))
    with open(cnf, "w") as stream:
        stream.write("[req]\ndistinguished_name = dn\n[dn]\n")
    subprocess.check_call(["openssl", "req", "-config", cnf, "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "30",
                           "-subj", "/CN=tls10.arclab.test", "-keyout", key, "-out", cert],
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ctx.minimum_version = ssl.TLSVersion.TLSv1
        ctx.maximum_version = ssl.TLSVersion.TLSv1
    ctx.set_ciphers("ALL:@SECLEVEL=0")
    ctx.load_cert_chain(cert, key)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("0.0.0.0", port))
    listener.listen(16)
    print("TLS 1.0-only endpoint on port %d" % port, flush=True)

    def serve(conn):
        conn.settimeout(10)
        try:
            tls = ctx.wrap_socket(conn, server_side=True)
            tls.sendall(b"HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n")
            while tls.recv(1024):
                pass
            tls.close()
        except (OSError, ssl.SSLError):
            conn.close()

    while True:
        conn, _addr = listener.accept()
        threading.Thread(target=serve, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
