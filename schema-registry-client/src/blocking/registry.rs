//! [`Registry`]: every [`SchemaRegistry`] call as a blocking method.

use std::future::Future;
use std::sync::Arc;

use super::runtime::wait;
use crate::error::Result;
use crate::model::{
    CompatibilityLevel, CompatibilityReport, Mode, RegisteredSchema, Schema, SchemaType, SubjectFilter,
    SubjectVersion, Version,
};
use crate::options::{
    CompatibilityOptions, Deletion, LookupOptions, ReadOptions, RegisterOptions, SettingOptions,
};
use crate::registry::SchemaRegistry;

/// A [`SchemaRegistry`] for blocking callers: each method runs the async call on the
/// crate's shared background runtime and waits for its answer (see the
/// [module documentation](super)). Cheap to clone; clones share the registry.
///
/// ```
/// use schema_registry_client::blocking::Registry;
/// use schema_registry_client::{RegisterOptions, Schema};
///
/// let registry = Registry::from_url("mock://blocking-doc").unwrap();
/// let id = registry.register("orders-value", &Schema::avro(r#""string""#), RegisterOptions::default()).unwrap();
/// assert_eq!(registry.schema_by_id(id).unwrap().schema, r#""string""#);
/// ```
#[derive(Clone)]
pub struct Registry {
    inner: Arc<dyn SchemaRegistry>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Registry").finish_non_exhaustive()
    }
}

impl From<Arc<dyn SchemaRegistry>> for Registry {
    fn from(inner: Arc<dyn SchemaRegistry>) -> Self {
        Registry { inner }
    }
}

impl Registry {
    /// The blocking facade of `registry`.
    pub fn new(registry: Arc<dyn SchemaRegistry>) -> Self {
        Registry { inner: registry }
    }

    /// The registry for a `schema.registry.url`, as [`crate::registry_from_url`] picks it.
    pub fn from_url(url: &str) -> Result<Self> {
        Ok(Registry::new(crate::registry_from_url(url)?))
    }

    /// The async registry behind the facade.
    pub fn as_async(&self) -> &Arc<dyn SchemaRegistry> {
        &self.inner
    }

    /// Runs one call of the async registry and waits for its answer.
    fn call<T, F, Fut>(&self, call: F) -> Result<T>
    where
        F: FnOnce(Arc<dyn SchemaRegistry>) -> Fut,
        Fut: Future<Output = Result<T>> + Send + 'static,
        T: Send + 'static,
    {
        wait(call(self.inner.clone()))?
    }

    /// [`SchemaRegistry::subjects`].
    pub fn subjects(&self, filter: &SubjectFilter) -> Result<Vec<String>> {
        let filter = filter.clone();
        self.call(|r| async move { r.subjects(&filter).await })
    }

    /// [`SchemaRegistry::versions`].
    pub fn versions(&self, subject: &str, options: ReadOptions) -> Result<Vec<i32>> {
        let subject = subject.to_owned();
        self.call(|r| async move { r.versions(&subject, options).await })
    }

    /// [`SchemaRegistry::version`].
    pub fn version(&self, subject: &str, version: Version, options: ReadOptions) -> Result<RegisteredSchema> {
        let subject = subject.to_owned();
        self.call(|r| async move { r.version(&subject, version, options).await })
    }

    /// [`SchemaRegistry::register`].
    pub fn register(&self, subject: &str, schema: &Schema, options: RegisterOptions) -> Result<u32> {
        let (subject, schema) = (subject.to_owned(), schema.clone());
        self.call(|r| async move { r.register(&subject, &schema, options).await })
    }

    /// [`SchemaRegistry::lookup`].
    pub fn lookup(&self, subject: &str, schema: &Schema, options: LookupOptions) -> Result<RegisteredSchema> {
        let (subject, schema) = (subject.to_owned(), schema.clone());
        self.call(|r| async move { r.lookup(&subject, &schema, options).await })
    }

    /// [`SchemaRegistry::schema_by_id`].
    pub fn schema_by_id(&self, id: u32) -> Result<Schema> {
        self.call(|r| async move { r.schema_by_id(id).await })
    }

    /// [`SchemaRegistry::subjects_by_id`].
    pub fn subjects_by_id(&self, id: u32) -> Result<Vec<String>> {
        self.call(|r| async move { r.subjects_by_id(id).await })
    }

    /// [`SchemaRegistry::versions_by_id`].
    pub fn versions_by_id(&self, id: u32) -> Result<Vec<SubjectVersion>> {
        self.call(|r| async move { r.versions_by_id(id).await })
    }

    /// [`SchemaRegistry::referenced_by`].
    pub fn referenced_by(&self, subject: &str, version: Version) -> Result<Vec<u32>> {
        let subject = subject.to_owned();
        self.call(|r| async move { r.referenced_by(&subject, version).await })
    }

    /// [`SchemaRegistry::schema_types`].
    pub fn schema_types(&self) -> Result<Vec<SchemaType>> {
        self.call(|r| async move { r.schema_types().await })
    }

    /// [`SchemaRegistry::check_compatibility`].
    pub fn check_compatibility(
        &self,
        subject: &str,
        schema: &Schema,
        against: Option<Version>,
        options: CompatibilityOptions,
    ) -> Result<CompatibilityReport> {
        let (subject, schema) = (subject.to_owned(), schema.clone());
        self.call(|r| async move { r.check_compatibility(&subject, &schema, against, options).await })
    }

    /// [`SchemaRegistry::config`].
    pub fn config(&self, subject: Option<&str>, options: SettingOptions) -> Result<CompatibilityLevel> {
        let subject = subject.map(str::to_owned);
        self.call(|r| async move { r.config(subject.as_deref(), options).await })
    }

    /// [`SchemaRegistry::set_config`].
    pub fn set_config(&self, subject: Option<&str>, level: CompatibilityLevel) -> Result<CompatibilityLevel> {
        let subject = subject.map(str::to_owned);
        self.call(|r| async move { r.set_config(subject.as_deref(), level).await })
    }

    /// [`SchemaRegistry::delete_config`].
    pub fn delete_config(&self, subject: Option<&str>) -> Result<CompatibilityLevel> {
        let subject = subject.map(str::to_owned);
        self.call(|r| async move { r.delete_config(subject.as_deref()).await })
    }

    /// [`SchemaRegistry::mode`].
    pub fn mode(&self, subject: Option<&str>, options: SettingOptions) -> Result<Mode> {
        let subject = subject.map(str::to_owned);
        self.call(|r| async move { r.mode(subject.as_deref(), options).await })
    }

    /// [`SchemaRegistry::set_mode`].
    pub fn set_mode(&self, subject: Option<&str>, mode: Mode) -> Result<Mode> {
        let subject = subject.map(str::to_owned);
        self.call(|r| async move { r.set_mode(subject.as_deref(), mode).await })
    }

    /// [`SchemaRegistry::delete_subject`].
    pub fn delete_subject(&self, subject: &str, deletion: Deletion) -> Result<Vec<i32>> {
        let subject = subject.to_owned();
        self.call(|r| async move { r.delete_subject(&subject, deletion).await })
    }

    /// [`SchemaRegistry::delete_version`].
    pub fn delete_version(&self, subject: &str, version: Version, deletion: Deletion) -> Result<i32> {
        let subject = subject.to_owned();
        self.call(|r| async move { r.delete_version(&subject, version, deletion).await })
    }
}
