//! How the HTTP client reaches a registry: URLs, credentials, TLS, timeouts, retries.

use std::collections::HashMap;
use std::time::Duration;

use reqwest::Url;

use crate::error::{Error, Result};

/// Credentials sent with every request.
#[derive(Clone, Default, PartialEq, Eq)]
pub enum Auth {
    /// None.
    #[default]
    None,
    /// HTTP basic authentication.
    Basic {
        /// The user.
        username: String,
        /// The password.
        password: String,
    },
    /// A bearer token.
    Bearer(String),
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Auth::None => f.write_str("None"),
            Auth::Basic { username, .. } => write!(f, "Basic({username}, ***)"),
            Auth::Bearer(_) => f.write_str("Bearer(***)"),
        }
    }
}

/// TLS settings beyond the system's trusted roots (rustls).
#[derive(Clone, Default)]
pub struct TlsConfig {
    /// Extra trusted CA certificates, PEM.
    pub ca_pem: Option<Vec<u8>>,
    /// A client certificate and its private key, PEM, for mutual TLS.
    pub identity_pem: Option<Vec<u8>>,
    /// Accept any server certificate (tests only).
    pub accept_invalid_certificates: bool,
}

impl std::fmt::Debug for TlsConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TlsConfig")
            .field("ca_pem", &self.ca_pem.as_ref().map(|_| "..."))
            .field("identity_pem", &self.identity_pem.as_ref().map(|_| "***"))
            .field("accept_invalid_certificates", &self.accept_invalid_certificates)
            .finish()
    }
}

/// The HTTP client's settings.
#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// Base URLs, tried in turn (failover); the last one that answered is tried first.
    pub urls: Vec<Url>,
    /// Credentials.
    pub auth: Auth,
    /// TLS.
    pub tls: TlsConfig,
    /// The time a whole request may take.
    pub request_timeout: Duration,
    /// The time connecting may take.
    pub connect_timeout: Duration,
    /// Rounds over all URLs after the first, on connection errors and 5xx answers.
    pub max_retries: u32,
    /// The wait before the first retry round; doubled each round.
    pub retry_backoff: Duration,
    /// The longest wait between rounds.
    pub retry_max_backoff: Duration,
}

impl HttpConfig {
    /// Settings for a comma-separated list of URLs, with the defaults of Confluent's
    /// clients (30 s timeout, 3 retries, 1 s backoff up to 20 s). Credentials in a URL
    /// (`https://user:pass@host`) become basic authentication.
    pub fn from_urls(urls: &str) -> Result<Self> {
        let bad = |reason: String| Error::Config {
            key: "schema.registry.url".into(),
            reason,
        };
        let mut auth = Auth::None;
        let mut parsed = Vec::new();
        for text in urls.split(',').map(str::trim).filter(|t| !t.is_empty()) {
            let mut url =
                Url::parse(text).map_err(|e| bad(format!("`{}` is not a URL: {e}", shown_url(text))))?;
            if url.scheme() != "http" && url.scheme() != "https" {
                return Err(bad(format!(
                    "`{}`: only http and https URLs (or mock://scope)",
                    shown_url(text)
                )));
            }
            if !url.username().is_empty() {
                auth = Auth::Basic {
                    username: url.username().to_owned(),
                    password: url.password().unwrap_or_default().to_owned(),
                };
                let _ = url.set_username("");
                let _ = url.set_password(None);
            }
            parsed.push(url);
        }
        if parsed.is_empty() {
            return Err(bad("no URL given".into()));
        }
        Ok(HttpConfig {
            urls: parsed,
            auth,
            tls: TlsConfig::default(),
            request_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(10),
            max_retries: 3,
            retry_backoff: Duration::from_millis(1000),
            retry_max_backoff: Duration::from_millis(20_000),
        })
    }

    /// Settings from Confluent's client property names:
    ///
    /// | property | meaning |
    /// |---|---|
    /// | `schema.registry.url` | comma-separated URLs |
    /// | `basic.auth.credentials.source` | `USER_INFO` or `URL` |
    /// | `basic.auth.user.info` | `user:password` |
    /// | `bearer.auth.credentials.source` | `STATIC_TOKEN` |
    /// | `bearer.auth.token` | the token |
    /// | `schema.registry.ssl.truststore.location` or `schema.registry.ssl.ca.location` | a PEM file of CA certificates |
    /// | `schema.registry.ssl.keystore.location` | a PEM file with the client certificate and key |
    /// | `schema.registry.request.timeout.ms`, `schema.registry.connect.timeout.ms` | timeouts |
    /// | `max.retries`, `retries.wait.ms`, `retries.max.wait.ms` | retries |
    ///
    /// Keys with the prefixes `schema.registry.`, `basic.auth.` and `bearer.auth.` that
    /// are not listed are refused, naming the key; other keys are left to whoever else
    /// reads the same map (serializers, the Kafka client).
    pub fn from_properties(properties: &HashMap<String, String>) -> Result<Self> {
        let url = properties
            .get("schema.registry.url")
            .ok_or_else(|| Error::Config {
                key: "schema.registry.url".into(),
                reason: "missing".into(),
            })?;
        let mut config = HttpConfig::from_urls(url)?;
        let mut keys: Vec<&String> = properties.keys().collect();
        keys.sort();
        for key in keys {
            let value = properties[key].as_str();
            let bad = |reason: &str| Error::Config {
                key: key.clone(),
                reason: format!("{reason} (got `{value}`)"),
            };
            let millis = || {
                value
                    .parse::<u64>()
                    .map(Duration::from_millis)
                    .map_err(|_| bad("expected milliseconds"))
            };
            let file = || {
                std::fs::read(value).map_err(|e| Error::Config {
                    key: key.clone(),
                    reason: format!("cannot read `{value}`: {e}"),
                })
            };
            match key.as_str() {
                "schema.registry.url" => {}
                "basic.auth.credentials.source" => match value {
                    "USER_INFO" | "URL" => {}
                    _ => return Err(bad("expected USER_INFO or URL")),
                },
                "basic.auth.user.info" => {
                    let (username, password) = value.split_once(':').ok_or_else(|| Error::Config {
                        key: key.clone(),
                        reason: "expected `user:password`".into(),
                    })?;
                    config.auth = Auth::Basic {
                        username: username.into(),
                        password: password.into(),
                    };
                }
                "bearer.auth.credentials.source" if value != "STATIC_TOKEN" => {
                    return Err(bad("only STATIC_TOKEN is supported"));
                }
                "bearer.auth.credentials.source" => {}
                "bearer.auth.token" => config.auth = Auth::Bearer(value.into()),
                "schema.registry.ssl.truststore.location" | "schema.registry.ssl.ca.location" => {
                    config.tls.ca_pem = Some(file()?);
                }
                "schema.registry.ssl.keystore.location" => config.tls.identity_pem = Some(file()?),
                "schema.registry.request.timeout.ms" => config.request_timeout = millis()?,
                "schema.registry.connect.timeout.ms" => config.connect_timeout = millis()?,
                "max.retries" => config.max_retries = value.parse().map_err(|_| bad("expected a count"))?,
                "retries.wait.ms" => config.retry_backoff = millis()?,
                "retries.max.wait.ms" => config.retry_max_backoff = millis()?,
                other
                    if other.starts_with("schema.registry.")
                        || other.starts_with("basic.auth.")
                        || other.starts_with("bearer.auth.") =>
                {
                    return Err(Error::Config {
                        key: key.clone(),
                        reason: "unknown schema registry client property".into(),
                    });
                }
                _ => {}
            }
        }
        Ok(config)
    }
}

/// A URL's text as an error message may show it: a password in it hidden.
fn shown_url(text: &str) -> String {
    let (scheme, rest) = match text.split_once("://") {
        Some((scheme, rest)) => (format!("{scheme}://"), rest),
        None => (String::new(), text),
    };
    match rest.split_once('@') {
        Some((user_info, host)) if !user_info.contains('/') => {
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{scheme}{user}:[hidden]@{host}")
        }
        _ => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_bad_url_is_shown_without_its_password() {
        let err = HttpConfig::from_urls("ftp://fred:pw-1@host")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("ftp://fred:[hidden]@host") && !err.contains("pw-1"),
            "{err}"
        );
        let err = HttpConfig::from_urls("fred:pw-2@host:8081")
            .unwrap_err()
            .to_string();
        assert!(!err.contains("pw-2"), "{err}");
    }

    use super::*;

    fn props(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn urls_failover_list_and_credentials() {
        let config = HttpConfig::from_urls("http://a:8081, https://u:p@b:8081/").unwrap();
        assert_eq!(config.urls.len(), 2);
        assert_eq!(config.urls[1].as_str(), "https://b:8081/");
        assert_eq!(
            config.auth,
            Auth::Basic {
                username: "u".into(),
                password: "p".into()
            }
        );
        let err = HttpConfig::from_urls("ftp://x").unwrap_err();
        assert!(err.to_string().contains("schema.registry.url"), "{err}");
        assert!(HttpConfig::from_urls(" , ").is_err());
    }

    #[test]
    fn properties_are_read_and_unknown_keys_named() {
        let config = HttpConfig::from_properties(&props(&[
            ("schema.registry.url", "http://r:8081"),
            ("basic.auth.credentials.source", "USER_INFO"),
            ("basic.auth.user.info", "key:secret"),
            ("max.retries", "5"),
            ("retries.wait.ms", "10"),
            ("auto.register.schemas", "false"),
        ]))
        .unwrap();
        assert_eq!(config.max_retries, 5);
        assert_eq!(config.retry_backoff, Duration::from_millis(10));
        assert!(matches!(config.auth, Auth::Basic { .. }));
        let err = HttpConfig::from_properties(&props(&[
            ("schema.registry.url", "http://r:8081"),
            ("schema.registry.bogus", "1"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("schema.registry.bogus"), "{err}");
        let err = HttpConfig::from_properties(&props(&[
            ("schema.registry.url", "http://r:8081"),
            ("retries.wait.ms", "soon"),
        ]))
        .unwrap_err();
        assert!(err.to_string().contains("retries.wait.ms"), "{err}");
    }
}
