//! The [`SchemaRegistry`] trait: the Confluent REST API as Rust calls, and
//! [`registry_from_url`], which picks an implementation by URL.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use async_trait::async_trait;
use parking_lot::Mutex;

use crate::cache::CachedRegistry;
use crate::error::Result;
use crate::http::{HttpConfig, HttpRegistry};
use crate::memory::MemoryRegistry;
use crate::model::{
    CompatibilityLevel, CompatibilityReport, Mode, RegisteredSchema, Schema, SchemaType, SubjectFilter,
    SubjectVersion, Version,
};
use crate::options::{
    CompatibilityOptions, Deletion, LookupOptions, ReadOptions, RegisterOptions, SettingOptions,
};

/// A schema registry: the HTTP client, the in-memory registry and the cache all
/// implement it, so code written against it runs against any of them.
///
/// Every method is one call of the Confluent REST API; its documentation names it.
#[async_trait]
pub trait SchemaRegistry: Send + Sync {
    /// `GET /subjects`: the subjects, sorted.
    async fn subjects(&self, filter: &SubjectFilter) -> Result<Vec<String>>;

    /// `GET /subjects/{subject}/versions`: the subject's version numbers.
    async fn versions(&self, subject: &str, options: ReadOptions) -> Result<Vec<i32>>;

    /// `GET /subjects/{subject}/versions/{version}`.
    async fn version(
        &self,
        subject: &str,
        version: Version,
        options: ReadOptions,
    ) -> Result<RegisteredSchema>;

    /// `POST /subjects/{subject}/versions`: registers a schema (or finds it already
    /// registered) and returns its id. Fails with 409 when the subject's compatibility
    /// level rejects it.
    async fn register(&self, subject: &str, schema: &Schema, options: RegisterOptions) -> Result<u32>;

    /// `POST /subjects/{subject}`: the version under which a schema is registered.
    async fn lookup(
        &self,
        subject: &str,
        schema: &Schema,
        options: LookupOptions,
    ) -> Result<RegisteredSchema>;

    /// `GET /schemas/ids/{id}`.
    async fn schema_by_id(&self, id: u32) -> Result<Schema>;

    /// `GET /schemas/ids/{id}/subjects`.
    async fn subjects_by_id(&self, id: u32) -> Result<Vec<String>>;

    /// `GET /schemas/ids/{id}/versions`.
    async fn versions_by_id(&self, id: u32) -> Result<Vec<SubjectVersion>>;

    /// `GET /subjects/{subject}/versions/{version}/referencedby`: ids of the schemas
    /// that refer to this one.
    async fn referenced_by(&self, subject: &str, version: Version) -> Result<Vec<u32>>;

    /// `GET /schemas/types`.
    async fn schema_types(&self) -> Result<Vec<SchemaType>>;

    /// `POST /compatibility/subjects/{subject}/versions[/{version}]`: checks a schema
    /// against one version, or (with `None`) against the versions the subject's level
    /// names (the latest, or all for the transitive levels).
    async fn check_compatibility(
        &self,
        subject: &str,
        schema: &Schema,
        against: Option<Version>,
        options: CompatibilityOptions,
    ) -> Result<CompatibilityReport>;

    /// `GET /config` (subject `None`) or `GET /config/{subject}`. Without a level of
    /// its own, a subject answers 40408 unless the options say `default_to_global`.
    async fn config(&self, subject: Option<&str>, options: SettingOptions) -> Result<CompatibilityLevel>;

    /// `PUT /config[/{subject}]`.
    async fn set_config(
        &self,
        subject: Option<&str>,
        level: CompatibilityLevel,
    ) -> Result<CompatibilityLevel>;

    /// `DELETE /config[/{subject}]`: drops the subject's level (or resets the global
    /// one) and returns the level it had.
    async fn delete_config(&self, subject: Option<&str>) -> Result<CompatibilityLevel>;

    /// `GET /mode[/{subject}]`. Without a mode of its own, a subject answers 40409
    /// unless the options say `default_to_global`.
    async fn mode(&self, subject: Option<&str>, options: SettingOptions) -> Result<Mode>;

    /// `PUT /mode[/{subject}]`.
    async fn set_mode(&self, subject: Option<&str>, mode: Mode) -> Result<Mode>;

    /// `DELETE /subjects/{subject}`: soft delete, or ([`Deletion::Permanent`], after a
    /// soft delete) hard delete. Returns the versions deleted.
    async fn delete_subject(&self, subject: &str, deletion: Deletion) -> Result<Vec<i32>>;

    /// `DELETE /subjects/{subject}/versions/{version}`: soft or (after a soft delete)
    /// hard delete of one version. Returns the version deleted.
    async fn delete_version(&self, subject: &str, version: Version, deletion: Deletion) -> Result<i32>;
}

fn mock_scopes() -> &'static Mutex<HashMap<String, Arc<MemoryRegistry>>> {
    static SCOPES: OnceLock<Mutex<HashMap<String, Arc<MemoryRegistry>>>> = OnceLock::new();
    SCOPES.get_or_init(Default::default)
}

/// The in-memory registry of a `mock://` scope: every caller naming the same scope in
/// this process shares one registry, as with Confluent's serializers.
pub fn mock_registry(scope: &str) -> Arc<MemoryRegistry> {
    mock_scopes()
        .lock()
        .entry(scope.to_owned())
        .or_insert_with(|| Arc::new(MemoryRegistry::new()))
        .clone()
}

/// A registry for a `schema.registry.url`: `mock://scope` selects the process-wide
/// in-memory registry of that scope; `http://` and `https://` URLs (several, separated
/// by commas, for failover) select the HTTP client, wrapped in the cache.
///
/// ```
/// use schema_registry_client::{registry_from_url, RegisterOptions, Schema, SchemaRegistry};
/// # futures::executor::block_on(async {
/// let registry = registry_from_url("mock://docs").unwrap();
/// let id = registry.register("orders-value", &Schema::avro(r#""string""#), RegisterOptions::default()).await.unwrap();
/// assert_eq!(registry.schema_by_id(id).await.unwrap().schema, r#""string""#);
/// # });
/// ```
pub fn registry_from_url(url: &str) -> Result<Arc<dyn SchemaRegistry>> {
    registry_from_properties(&HashMap::from([(
        "schema.registry.url".to_owned(),
        url.to_owned(),
    )]))
}

/// A registry from Confluent client properties (`schema.registry.url`,
/// `basic.auth.user.info`, ...; see [`HttpConfig::from_properties`]).
pub fn registry_from_properties(properties: &HashMap<String, String>) -> Result<Arc<dyn SchemaRegistry>> {
    let url = properties
        .get("schema.registry.url")
        .ok_or_else(|| crate::Error::Config {
            key: "schema.registry.url".into(),
            reason: "missing".into(),
        })?;
    if let Some(scope) = url.strip_prefix("mock://") {
        return Ok(mock_registry(scope));
    }
    let config = HttpConfig::from_properties(properties)?;
    Ok(Arc::new(CachedRegistry::new(HttpRegistry::new(config)?)))
}
