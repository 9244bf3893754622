//! What the server asks of its clients: TLS (a certificate and key in PEM files, and
//! optionally client certificates signed by a given CA) and HTTP basic authentication
//! against a users file.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};

use crate::error::{Error, Result};

/// How the server is secured: [`ServerSecurity::default`] is plain HTTP, open to all.
#[derive(Clone, Default)]
pub struct ServerSecurity {
    pub(super) tls: Option<Arc<rustls::ServerConfig>>,
    pub(super) users: Option<Arc<Users>>,
}

impl std::fmt::Debug for ServerSecurity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerSecurity")
            .field("tls", &self.tls.is_some())
            .field("users", &self.users.as_ref().map(|u| u.passwords.len()))
            .finish()
    }
}

impl ServerSecurity {
    /// Serves HTTPS with the certificate chain in `cert` and the private key in `key`
    /// (PEM files); with `client_ca`, every client must present a certificate that CA
    /// signed (mutual TLS).
    pub fn with_tls(mut self, cert: &Path, key: &Path, client_ca: Option<&Path>) -> Result<Self> {
        let bad = |key: &str, reason: String| Error::Config {
            key: key.to_owned(),
            reason,
        };
        let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
            .and_then(|certs| certs.collect())
            .map_err(|e| bad("tls.cert", format!("{}: {e}", cert.display())))?;
        if chain.is_empty() {
            return Err(bad(
                "tls.cert",
                format!("{}: no certificate in it", cert.display()),
            ));
        }
        let private_key = PrivateKeyDer::from_pem_file(key)
            .map_err(|e| bad("tls.key", format!("{}: {e}", key.display())))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .map_err(|e| bad("tls", e.to_string()))?;
        let builder = match client_ca {
            None => builder.with_no_client_auth(),
            Some(ca) => {
                let mut roots = rustls::RootCertStore::empty();
                for cert in CertificateDer::pem_file_iter(ca)
                    .map_err(|e| bad("tls.client.ca", format!("{}: {e}", ca.display())))?
                {
                    let cert = cert.map_err(|e| bad("tls.client.ca", format!("{}: {e}", ca.display())))?;
                    roots
                        .add(cert)
                        .map_err(|e| bad("tls.client.ca", format!("{}: {e}", ca.display())))?;
                }
                let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                    .build()
                    .map_err(|e| bad("tls.client.ca", format!("{}: {e}", ca.display())))?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let mut config = builder.with_single_cert(chain, private_key).map_err(|e| {
            bad(
                "tls.key",
                format!("{} does not go with {}: {e}", key.display(), cert.display()),
            )
        })?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        self.tls = Some(Arc::new(config));
        Ok(self)
    }

    /// Requires HTTP basic authentication by one of `users`.
    pub fn with_users(mut self, users: Users) -> Self {
        self.users = Some(Arc::new(users));
        self
    }
}

/// The users basic authentication accepts, read from a file in the format of the Jetty
/// `PropertyFileLoginModule` that Confluent's registry uses: one `name: password` per
/// line, optionally followed by `,role...` (roles are read and ignored), `#` comments.
#[derive(Clone, Default)]
pub struct Users {
    passwords: HashMap<String, String>,
}

impl std::fmt::Debug for Users {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut names: Vec<&String> = self.passwords.keys().collect();
        names.sort();
        f.debug_struct("Users")
            .field("names", &names)
            .finish_non_exhaustive()
    }
}

impl Users {
    /// Reads a users file.
    pub fn from_file(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::Config {
            key: "users".into(),
            reason: format!("{}: {e}", path.display()),
        })?;
        Self::parse(&text).map_err(|reason| Error::Config {
            key: "users".into(),
            reason: format!("{}: {reason}", path.display()),
        })
    }

    /// Reads the text of a users file; the error names the line (never its password).
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let mut passwords = HashMap::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let Some((name, rest)) = line.split_once(':') else {
                return Err(format!("line {}: expected `name: password[,role...]`", n + 1));
            };
            let password = rest.split(',').next().unwrap_or_default().trim();
            let name = name.trim();
            if name.is_empty() || password.is_empty() {
                return Err(format!("line {}: a user needs a name and a password", n + 1));
            }
            passwords.insert(name.to_owned(), password.to_owned());
        }
        Ok(Users { passwords })
    }

    /// Whether an `Authorization` header value names a user with the right password.
    fn admits(&self, authorization: &str) -> bool {
        let Some(encoded) = authorization.strip_prefix("Basic ") else {
            return false;
        };
        let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded.trim()) else {
            return false;
        };
        let Ok(text) = String::from_utf8(decoded) else {
            return false;
        };
        let Some((name, password)) = text.split_once(':') else {
            return false;
        };
        self.passwords
            .get(name)
            .is_some_and(|expected| constant_time_eq(expected.as_bytes(), password.as_bytes()))
    }
}

/// Compares without stopping at the first difference, so timing tells nothing of where.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The middleware that refuses a request without valid credentials: 401 with
/// `WWW-Authenticate` and a Confluent error body.
pub(super) async fn require_user(State(users): State<Arc<Users>>, request: Request, next: Next) -> Response {
    let admitted = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| users.admits(v));
    if admitted {
        return next.run(request).await;
    }
    (
        StatusCode::UNAUTHORIZED,
        [(header::WWW_AUTHENTICATE, "Basic realm=\"SchemaRegistry\"")],
        axum::Json(serde_json::json!({"error_code": 401, "message": "Unauthorized"})),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn basic(user: &str, password: &str) -> String {
        format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        )
    }

    #[test]
    fn users_file_lines_are_read_with_their_roles_ignored() {
        let users = Users::parse("# registry users\nalice: s3cret,admin,developer\n\nbob:pw\n").unwrap();
        assert!(users.admits(&basic("alice", "s3cret")));
        assert!(users.admits(&basic("bob", "pw")));
        assert!(!users.admits(&basic("alice", "s3cre")));
        assert!(!users.admits(&basic("carol", "pw")));
        assert!(!users.admits("Bearer abc"));
        assert!(!users.admits("Basic not-base64!"));
    }

    #[test]
    fn a_bad_line_is_named_without_its_password() {
        let err = Users::parse("alice: a\nbob the-password\n").unwrap_err();
        assert!(err.contains("line 2"), "{err}");
        assert!(!err.contains("the-password"), "{err}");
    }
}
