//! Test certificates made with the `openssl` command: a CA and a certificate for 127.0.0.1
//! signed by it, which the tests trust through `SSL_CERT_FILE` (the Redis TLS test, the
//! HTTP/2 test).

use crate::stderr;
use std::path::Path;
use std::process::Command;

/// `openssl` with `args` in `dir`; panics (never skips) if it is missing or fails.
fn openssl(dir: &Path, args: &[&str]) {
    let o = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap_or_else(|e| panic!("openssl not found: apt-get install openssl ({e})"));
    assert!(o.status.success(), "openssl {args:?}: {}", stderr(&o));
}

/// A test CA, and a certificate for 127.0.0.1 signed by it: (ca.pem, server.pem,
/// server.key) in `dir`.
pub fn make_certificates(dir: &Path) {
    openssl(
        dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=silk test CA",
        ],
    );
    openssl(
        dir,
        &[
            "req",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "server.key",
            "-out",
            "server.csr",
            "-subj",
            "/CN=127.0.0.1",
        ],
    );
    std::fs::write(
        dir.join("ext.cnf"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\nbasicConstraints=CA:FALSE\n",
    )
    .unwrap();
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            "server.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "server.pem",
            "-days",
            "1",
            "-extfile",
            "ext.cnf",
        ],
    );
}
