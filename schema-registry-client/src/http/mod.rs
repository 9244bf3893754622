//! The HTTP client for registries that speak the Confluent REST API (Confluent Schema
//! Registry, Karapace, Redpanda, Apicurio's compatible API, and this crate's server).

mod config;

pub use config::{Auth, HttpConfig, TlsConfig};

use std::sync::atomic::{AtomicUsize, Ordering};

use async_trait::async_trait;
use reqwest::{Method, Url};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value as Json, json};

use crate::error::{Error, ErrorCode, Result};
use crate::model::{
    CompatibilityLevel, CompatibilityReport, Mode, RegisteredSchema, Schema, SchemaType, SubjectFilter,
    SubjectVersion, Version,
};
use crate::options::{
    CompatibilityOptions, Deletion, LookupOptions, ReadOptions, RegisterOptions, SettingOptions,
};
use crate::registry::SchemaRegistry;

/// The content type of the registry's API.
pub const CONTENT_TYPE: &str = "application/vnd.schemaregistry.v1+json";

/// A registry reached over HTTP.
#[derive(Debug)]
pub struct HttpRegistry {
    client: reqwest::Client,
    config: HttpConfig,
    /// The index of the URL that answered last.
    preferred: AtomicUsize,
}

/// One request: method, path segments (each percent-encoded), query, body.
struct Call<'a> {
    method: Method,
    path: Vec<&'a str>,
    query: Vec<(&'static str, String)>,
    body: Option<Json>,
}

impl<'a> Call<'a> {
    fn new(method: Method, path: &[&'a str]) -> Self {
        Call {
            method,
            path: path.to_vec(),
            query: Vec::new(),
            body: None,
        }
    }

    fn flag(mut self, name: &'static str, on: bool) -> Self {
        if on {
            self.query.push((name, "true".into()));
        }
        self
    }

    fn body(mut self, body: Json) -> Self {
        self.body = Some(body);
        self
    }
}

#[derive(Deserialize)]
struct ErrorBody {
    error_code: i32,
    message: String,
}

impl HttpRegistry {
    /// A client with these settings.
    pub fn new(config: HttpConfig) -> Result<Self> {
        let bad_tls = |e: reqwest::Error| Error::Config {
            key: "schema.registry.ssl".into(),
            reason: e.to_string(),
        };
        let mut builder = reqwest::Client::builder()
            .timeout(config.request_timeout)
            .connect_timeout(config.connect_timeout)
            .use_rustls_tls()
            .danger_accept_invalid_certs(config.tls.accept_invalid_certificates);
        if let Some(pem) = &config.tls.ca_pem {
            for cert in reqwest::Certificate::from_pem_bundle(pem).map_err(bad_tls)? {
                builder = builder.add_root_certificate(cert);
            }
        }
        if let Some(pem) = &config.tls.identity_pem {
            builder = builder.identity(reqwest::Identity::from_pem(pem).map_err(bad_tls)?);
        }
        let client = builder.build().map_err(|e| Error::Config {
            key: "schema.registry.url".into(),
            reason: e.to_string(),
        })?;
        Ok(HttpRegistry {
            client,
            config,
            preferred: AtomicUsize::new(0),
        })
    }

    /// A client for a comma-separated list of URLs with default settings.
    pub fn from_urls(urls: &str) -> Result<Self> {
        Self::new(HttpConfig::from_urls(urls)?)
    }

    fn url(&self, base: &Url, call: &Call<'_>) -> Url {
        let mut url = base.clone();
        if let Ok(mut segments) = url.path_segments_mut() {
            segments.pop_if_empty().extend(&call.path);
        }
        if !call.query.is_empty() {
            url.query_pairs_mut()
                .extend_pairs(call.query.iter().map(|(k, v)| (*k, v.as_str())));
        }
        url
    }

    async fn send_once<T: DeserializeOwned>(&self, url: Url, call: &Call<'_>) -> Result<T> {
        let mut request = self.client.request(call.method.clone(), url.clone()).header(
            reqwest::header::ACCEPT,
            format!("{CONTENT_TYPE}, application/json"),
        );
        request = match &self.config.auth {
            crate::http::Auth::None => request,
            crate::http::Auth::Basic { username, password } => request.basic_auth(username, Some(password)),
            crate::http::Auth::Bearer(token) => request.bearer_auth(token),
        };
        if let Some(body) = &call.body {
            request = request
                .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
                .body(body.to_string());
        }
        let unreachable = |e: reqwest::Error| transport_error(&url, &e);
        // The exchange runs on the crate's background runtime, whichever runtime the
        // caller is on: pooled connections then always live on a running runtime.
        let exchange = async move {
            let response = request.send().await?;
            let status = response.status();
            Ok::<_, reqwest::Error>((status, response.bytes().await?))
        };
        let (status, bytes) = crate::blocking::on_shared_runtime(exchange)
            .await?
            .map_err(unreachable)?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| Error::InvalidResponse {
                url: url.to_string(),
                status: status.as_u16(),
                reason: e.to_string(),
            });
        }
        if status == reqwest::StatusCode::UNAUTHORIZED || status == reqwest::StatusCode::FORBIDDEN {
            let message = match serde_json::from_slice::<ErrorBody>(&bytes) {
                Ok(body) => body.message,
                Err(_) => String::from_utf8_lossy(&bytes).chars().take(500).collect(),
            };
            return Err(Error::Unauthorized {
                url: url.to_string(),
                status: status.as_u16(),
                message,
            });
        }
        Err(match serde_json::from_slice::<ErrorBody>(&bytes) {
            Ok(body) => Error::registry(ErrorCode::from_i32(body.error_code), body.message),
            Err(_) => {
                let text = String::from_utf8_lossy(&bytes);
                let text: String = text.chars().take(500).collect();
                Error::registry(ErrorCode::from_i32(i32::from(status.as_u16())), text)
            }
        })
    }

    /// Sends a call, failing over across URLs and retrying rounds with backoff on
    /// connection errors and 5xx answers; other errors return at once.
    async fn send<T: DeserializeOwned>(&self, call: Call<'_>) -> Result<T> {
        let urls = &self.config.urls;
        let mut backoff = self.config.retry_backoff;
        let mut round = 0;
        loop {
            let start = self.preferred.load(Ordering::Relaxed);
            let mut last = None;
            for step in 0..urls.len() {
                let index = (start + step) % urls.len();
                match self.send_once(self.url(&urls[index], &call), &call).await {
                    Ok(answer) => {
                        self.preferred.store(index, Ordering::Relaxed);
                        return Ok(answer);
                    }
                    Err(e) if e.is_retriable() => {
                        tracing::debug!(url = %urls[index], error = %e, "schema registry request failed; trying the next URL");
                        last = Some(e);
                    }
                    Err(e) => return Err(e),
                }
            }
            round += 1;
            if round > self.config.max_retries {
                return Err(last.unwrap_or_else(|| Error::Unreachable {
                    url: String::new(),
                    reason: "no URL".into(),
                }));
            }
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(self.config.retry_max_backoff);
        }
    }
}

/// The error of a request that got no answer: [`Error::Tls`] when the TLS handshake
/// failed, else [`Error::Unreachable`]. reqwest says which only in its error's sources.
fn transport_error(url: &Url, e: &reqwest::Error) -> Error {
    let mut reason = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(inner) = source {
        reason.push_str(": ");
        reason.push_str(&inner.to_string());
        source = inner.source();
    }
    let tls = [
        "invalid peer certificate",
        "certificate",
        "tls handshake",
        "received fatal alert",
        "peer sent no certificates",
    ]
    .iter()
    .any(|mark| reason.to_ascii_lowercase().contains(mark));
    let url = url.to_string();
    match tls {
        true => Error::Tls { url, reason },
        false => Error::Unreachable { url, reason },
    }
}

fn subject_path<'a>(subject: &'a str, rest: &[&'a str]) -> Vec<&'a str> {
    let mut path = vec!["subjects", subject];
    path.extend_from_slice(rest);
    path
}

#[derive(Deserialize)]
struct IdAnswer {
    id: u32,
}

#[derive(Deserialize)]
struct ConfigAnswer {
    #[serde(rename = "compatibilityLevel", alias = "compatibility")]
    level: CompatibilityLevel,
}

#[derive(Deserialize)]
struct ModeAnswer {
    mode: Mode,
}

#[async_trait]
impl SchemaRegistry for HttpRegistry {
    async fn subjects(&self, filter: &SubjectFilter) -> Result<Vec<String>> {
        let mut call = Call::new(Method::GET, &["subjects"]).flag("deleted", filter.deleted);
        if let Some(prefix) = &filter.prefix {
            call.query.push(("subjectPrefix", prefix.clone()));
        }
        self.send(call).await
    }

    async fn versions(&self, subject: &str, options: ReadOptions) -> Result<Vec<i32>> {
        self.send(
            Call::new(Method::GET, &subject_path(subject, &["versions"]))
                .flag("deleted", options.include_deleted),
        )
        .await
    }

    async fn version(
        &self,
        subject: &str,
        version: Version,
        options: ReadOptions,
    ) -> Result<RegisteredSchema> {
        let version = version.to_string();
        self.send(
            Call::new(Method::GET, &subject_path(subject, &["versions", &version]))
                .flag("deleted", options.include_deleted),
        )
        .await
    }

    async fn register(&self, subject: &str, schema: &Schema, options: RegisterOptions) -> Result<u32> {
        let call = Call::new(Method::POST, &subject_path(subject, &["versions"]))
            .flag("normalize", options.normalize)
            .body(json!(schema));
        Ok(self.send::<IdAnswer>(call).await?.id)
    }

    async fn lookup(
        &self,
        subject: &str,
        schema: &Schema,
        options: LookupOptions,
    ) -> Result<RegisteredSchema> {
        let call = Call::new(Method::POST, &["subjects", subject])
            .flag("normalize", options.normalize)
            .flag("deleted", options.include_deleted)
            .body(json!(schema));
        self.send(call).await
    }

    async fn schema_by_id(&self, id: u32) -> Result<Schema> {
        let id = id.to_string();
        self.send(Call::new(Method::GET, &["schemas", "ids", &id])).await
    }

    async fn subjects_by_id(&self, id: u32) -> Result<Vec<String>> {
        let id = id.to_string();
        self.send(Call::new(Method::GET, &["schemas", "ids", &id, "subjects"]))
            .await
    }

    async fn versions_by_id(&self, id: u32) -> Result<Vec<SubjectVersion>> {
        let id = id.to_string();
        self.send(Call::new(Method::GET, &["schemas", "ids", &id, "versions"]))
            .await
    }

    async fn referenced_by(&self, subject: &str, version: Version) -> Result<Vec<u32>> {
        let version = version.to_string();
        self.send(Call::new(
            Method::GET,
            &subject_path(subject, &["versions", &version, "referencedby"]),
        ))
        .await
    }

    async fn schema_types(&self) -> Result<Vec<SchemaType>> {
        self.send(Call::new(Method::GET, &["schemas", "types"])).await
    }

    async fn check_compatibility(
        &self,
        subject: &str,
        schema: &Schema,
        against: Option<Version>,
        options: CompatibilityOptions,
    ) -> Result<CompatibilityReport> {
        let version = against.map(|v| v.to_string());
        let mut path = vec!["compatibility", "subjects", subject, "versions"];
        if let Some(version) = &version {
            path.push(version);
        }
        let call = Call::new(Method::POST, &path)
            .flag("verbose", options.verbose)
            .body(json!(schema));
        self.send(call).await
    }

    async fn config(&self, subject: Option<&str>, options: SettingOptions) -> Result<CompatibilityLevel> {
        let path: Vec<&str> = std::iter::once("config").chain(subject).collect();
        let call = Call::new(Method::GET, &path)
            .flag("defaultToGlobal", options.default_to_global && subject.is_some());
        Ok(self.send::<ConfigAnswer>(call).await?.level)
    }

    async fn set_config(
        &self,
        subject: Option<&str>,
        level: CompatibilityLevel,
    ) -> Result<CompatibilityLevel> {
        let path: Vec<&str> = std::iter::once("config").chain(subject).collect();
        let call = Call::new(Method::PUT, &path).body(json!({ "compatibility": level }));
        Ok(self.send::<ConfigAnswer>(call).await?.level)
    }

    async fn delete_config(&self, subject: Option<&str>) -> Result<CompatibilityLevel> {
        let path: Vec<&str> = std::iter::once("config").chain(subject).collect();
        Ok(self
            .send::<ConfigAnswer>(Call::new(Method::DELETE, &path))
            .await?
            .level)
    }

    async fn mode(&self, subject: Option<&str>, options: SettingOptions) -> Result<Mode> {
        let path: Vec<&str> = std::iter::once("mode").chain(subject).collect();
        let call = Call::new(Method::GET, &path)
            .flag("defaultToGlobal", options.default_to_global && subject.is_some());
        Ok(self.send::<ModeAnswer>(call).await?.mode)
    }

    async fn set_mode(&self, subject: Option<&str>, mode: Mode) -> Result<Mode> {
        let path: Vec<&str> = std::iter::once("mode").chain(subject).collect();
        let call = Call::new(Method::PUT, &path).body(json!({ "mode": mode }));
        Ok(self.send::<ModeAnswer>(call).await?.mode)
    }

    async fn delete_subject(&self, subject: &str, deletion: Deletion) -> Result<Vec<i32>> {
        self.send(
            Call::new(Method::DELETE, &["subjects", subject]).flag("permanent", deletion.is_permanent()),
        )
        .await
    }

    async fn delete_version(&self, subject: &str, version: Version, deletion: Deletion) -> Result<i32> {
        let version = version.to_string();
        self.send(
            Call::new(Method::DELETE, &subject_path(subject, &["versions", &version]))
                .flag("permanent", deletion.is_permanent()),
        )
        .await
    }
}
