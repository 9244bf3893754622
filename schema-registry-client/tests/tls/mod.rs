#![allow(dead_code)]
//! Throwaway TLS material for the secured-server tests, made with rcgen: a CA, a server
//! certificate valid for 127.0.0.1 only, a client certificate the CA signed, and a
//! second CA nothing trusts. Written as PEM files into a temporary directory.

use std::path::PathBuf;

use rcgen::{BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, KeyPair};

/// The files, in a directory removed on drop.
pub struct Material {
    pub dir: tempfile::TempDir,
}

impl Material {
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }
    pub fn read(&self, name: &str) -> Vec<u8> {
        std::fs::read(self.path(name)).unwrap()
    }
}

struct Ca {
    cert: rcgen::Certificate,
    key: KeyPair,
}

fn new_ca(name: &str) -> Ca {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.distinguished_name.push(DnType::CommonName, name);
    Ca {
        cert: params.self_signed(&key).unwrap(),
        key,
    }
}

fn leaf(ca: &Ca, names: &[&str], usage: ExtendedKeyUsagePurpose) -> (String, String) {
    let key = KeyPair::generate().unwrap();
    let mut params = CertificateParams::new(names.iter().map(|n| n.to_string()).collect::<Vec<_>>()).unwrap();
    params
        .distinguished_name
        .push(DnType::CommonName, names.first().copied().unwrap_or("client"));
    params.extended_key_usages = vec![usage];
    let cert = params.signed_by(&key, &ca.cert, &ca.key).unwrap();
    (cert.pem(), key.serialize_pem())
}

/// `ca.pem`; `server.pem` and `server.key` (127.0.0.1 only); `client.pem` (certificate
/// and key, as the client's identity); `rogue-ca.pem` and `rogue-client.pem`.
pub fn make() -> Material {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| std::fs::write(dir.path().join(name), text).unwrap();
    let ca = new_ca("streamkit test CA");
    let (server_cert, server_key) = leaf(&ca, &["127.0.0.1"], ExtendedKeyUsagePurpose::ServerAuth);
    let (client_cert, client_key) = leaf(&ca, &["streamkit-client"], ExtendedKeyUsagePurpose::ClientAuth);
    let rogue = new_ca("rogue CA");
    let (rogue_cert, rogue_key) = leaf(&rogue, &["streamkit-client"], ExtendedKeyUsagePurpose::ClientAuth);
    write("ca.pem", &ca.cert.pem());
    write("server.pem", &server_cert);
    write("server.key", &server_key);
    write("client.pem", &format!("{client_cert}{client_key}"));
    write("rogue-ca.pem", &rogue.cert.pem());
    write("rogue-client.pem", &format!("{rogue_cert}{rogue_key}"));
    Material { dir }
}
