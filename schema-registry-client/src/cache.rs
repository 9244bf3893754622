//! [`CachedRegistry`]: caches in front of any registry, as Confluent's clients keep
//! them: schemas by id forever, ids by subject and schema, the latest version of a
//! subject for a while. Concurrent callers asking for the same thing cause one request.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use parking_lot::Mutex;
use tokio::sync::OnceCell;

use crate::error::Result;
use crate::model::{
    CompatibilityLevel, CompatibilityReport, Mode, RegisteredSchema, Schema, SchemaType, SubjectFilter,
    SubjectVersion, Version,
};
use crate::options::{
    CompatibilityOptions, Deletion, LookupOptions, ReadOptions, RegisterOptions, SettingOptions,
};
use crate::registry::SchemaRegistry;

/// Where the cache reads the time (for the latest-version TTL): a function returning the
/// current [`Instant`]. (Not `streamlog`'s `Clock`: this crate does not depend on it.)
pub type InstantSource = Arc<dyn Fn() -> Instant + Send + Sync>;

type Cells<K, V> = Mutex<HashMap<K, Arc<OnceCell<V>>>>;

/// A registry with caches in front.
pub struct CachedRegistry<R> {
    inner: R,
    by_id: Cells<u32, Schema>,
    ids: Cells<(String, Schema, RegisterOptions), u32>,
    lookups: Cells<(String, Schema, LookupOptions), RegisteredSchema>,
    latest: Mutex<HashMap<String, (Instant, RegisteredSchema)>>,
    latest_ttl: Duration,
    clock: InstantSource,
}

impl<R> std::fmt::Debug for CachedRegistry<R> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CachedRegistry")
            .field("schemas_by_id", &self.by_id.lock().len())
            .field("latest_ttl", &self.latest_ttl)
            .finish_non_exhaustive()
    }
}

/// Runs `fetch` once per key: callers arriving while it runs wait for its answer; a
/// failed fetch is not kept, so the next caller tries again.
async fn once<K, V, F>(cells: &Cells<K, V>, key: K, fetch: F) -> Result<V>
where
    K: Eq + Hash + Clone,
    V: Clone,
    F: Future<Output = Result<V>>,
{
    let cell = cells.lock().entry(key.clone()).or_default().clone();
    match cell.get_or_try_init(|| fetch).await {
        Ok(value) => Ok(value.clone()),
        Err(e) => {
            let mut cells = cells.lock();
            if cells
                .get(&key)
                .is_some_and(|c| Arc::ptr_eq(c, &cell) && !c.initialized())
            {
                cells.remove(&key);
            }
            Err(e)
        }
    }
}

impl<R: SchemaRegistry> CachedRegistry<R> {
    /// Caches in front of `inner`; the latest version of a subject is kept 5 minutes.
    pub fn new(inner: R) -> Self {
        CachedRegistry {
            inner,
            by_id: Mutex::default(),
            ids: Mutex::default(),
            lookups: Mutex::default(),
            latest: Mutex::default(),
            latest_ttl: Duration::from_secs(300),
            clock: Arc::new(Instant::now),
        }
    }

    /// Keeps the latest version of a subject for `ttl` (Confluent's
    /// `latest.cache.ttl.sec`).
    pub fn with_latest_ttl(mut self, ttl: Duration) -> Self {
        self.latest_ttl = ttl;
        self
    }

    /// Reads the time from `clock` (tests move it by hand).
    pub fn with_clock(mut self, clock: InstantSource) -> Self {
        self.clock = clock;
        self
    }

    /// The registry behind the caches.
    pub fn inner(&self) -> &R {
        &self.inner
    }

    fn forget_subject(&self, subject: &str) {
        self.latest.lock().remove(subject);
        self.ids.lock().retain(|(s, _, _), _| s != subject);
        self.lookups.lock().retain(|(s, _, _), _| s != subject);
    }
}

#[async_trait]
impl<R: SchemaRegistry> SchemaRegistry for CachedRegistry<R> {
    async fn subjects(&self, filter: &SubjectFilter) -> Result<Vec<String>> {
        self.inner.subjects(filter).await
    }

    async fn versions(&self, subject: &str, options: ReadOptions) -> Result<Vec<i32>> {
        self.inner.versions(subject, options).await
    }

    async fn version(
        &self,
        subject: &str,
        version: Version,
        options: ReadOptions,
    ) -> Result<RegisteredSchema> {
        if version != Version::Latest || options.include_deleted {
            return self.inner.version(subject, version, options).await;
        }
        let now = (self.clock)();
        if let Some((at, latest)) = self.latest.lock().get(subject)
            && now.saturating_duration_since(*at) < self.latest_ttl
        {
            return Ok(latest.clone());
        }
        let latest = self
            .inner
            .version(subject, Version::Latest, ReadOptions::default())
            .await?;
        self.latest
            .lock()
            .insert(subject.to_owned(), (now, latest.clone()));
        Ok(latest)
    }

    async fn register(&self, subject: &str, schema: &Schema, options: RegisterOptions) -> Result<u32> {
        let key = (subject.to_owned(), schema.clone(), options);
        once(&self.ids, key, self.inner.register(subject, schema, options)).await
    }

    async fn lookup(
        &self,
        subject: &str,
        schema: &Schema,
        options: LookupOptions,
    ) -> Result<RegisteredSchema> {
        if options.include_deleted {
            return self.inner.lookup(subject, schema, options).await;
        }
        let key = (subject.to_owned(), schema.clone(), options);
        once(&self.lookups, key, self.inner.lookup(subject, schema, options)).await
    }

    async fn schema_by_id(&self, id: u32) -> Result<Schema> {
        once(&self.by_id, id, self.inner.schema_by_id(id)).await
    }

    async fn subjects_by_id(&self, id: u32) -> Result<Vec<String>> {
        self.inner.subjects_by_id(id).await
    }

    async fn versions_by_id(&self, id: u32) -> Result<Vec<SubjectVersion>> {
        self.inner.versions_by_id(id).await
    }

    async fn referenced_by(&self, subject: &str, version: Version) -> Result<Vec<u32>> {
        self.inner.referenced_by(subject, version).await
    }

    async fn schema_types(&self) -> Result<Vec<SchemaType>> {
        self.inner.schema_types().await
    }

    async fn check_compatibility(
        &self,
        subject: &str,
        schema: &Schema,
        against: Option<Version>,
        options: CompatibilityOptions,
    ) -> Result<CompatibilityReport> {
        self.inner
            .check_compatibility(subject, schema, against, options)
            .await
    }

    async fn config(&self, subject: Option<&str>, options: SettingOptions) -> Result<CompatibilityLevel> {
        self.inner.config(subject, options).await
    }

    async fn set_config(
        &self,
        subject: Option<&str>,
        level: CompatibilityLevel,
    ) -> Result<CompatibilityLevel> {
        self.inner.set_config(subject, level).await
    }

    async fn delete_config(&self, subject: Option<&str>) -> Result<CompatibilityLevel> {
        self.inner.delete_config(subject).await
    }

    async fn mode(&self, subject: Option<&str>, options: SettingOptions) -> Result<Mode> {
        self.inner.mode(subject, options).await
    }

    async fn set_mode(&self, subject: Option<&str>, mode: Mode) -> Result<Mode> {
        self.inner.set_mode(subject, mode).await
    }

    async fn delete_subject(&self, subject: &str, deletion: Deletion) -> Result<Vec<i32>> {
        let deleted = self.inner.delete_subject(subject, deletion).await;
        self.forget_subject(subject);
        deleted
    }

    async fn delete_version(&self, subject: &str, version: Version, deletion: Deletion) -> Result<i32> {
        let deleted = self.inner.delete_version(subject, version, deletion).await;
        self.forget_subject(subject);
        deleted
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::MemoryRegistry;
    use crate::error::{Error, ErrorCode};

    #[tokio::test]
    async fn concurrent_callers_for_one_key_cause_one_fetch() {
        let cells: Cells<u32, String> = Mutex::default();
        let fetches = AtomicUsize::new(0);
        let fetch = || async {
            fetches.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(20)).await;
            Ok::<_, Error>("schema".to_string())
        };
        let callers: Vec<_> = (0..16).map(|_| once(&cells, 7, fetch())).collect();
        for answer in futures::future::join_all(callers).await {
            assert_eq!(answer.unwrap(), "schema");
        }
        assert_eq!(fetches.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn a_failed_fetch_is_not_kept() {
        let cells: Cells<u32, String> = Mutex::default();
        let failed = once(&cells, 1, async {
            Err(Error::registry(ErrorCode::StoreError, "down"))
        })
        .await;
        assert!(failed.is_err());
        assert!(cells.lock().is_empty());
        assert_eq!(
            once(&cells, 1, async { Ok("up".to_string()) }).await.unwrap(),
            "up"
        );
    }

    #[tokio::test]
    async fn latest_version_is_kept_for_its_ttl() {
        let now = Arc::new(Mutex::new(Instant::now()));
        let clock_now = now.clone();
        let cached = CachedRegistry::new(MemoryRegistry::new())
            .with_latest_ttl(Duration::from_secs(60))
            .with_clock(Arc::new(move || *clock_now.lock()));
        let v1 = Schema::avro(r#"{"type":"record","name":"R","fields":[]}"#);
        let v2 =
            Schema::avro(r#"{"type":"record","name":"R","fields":[{"name":"a","type":"int","default":0}]}"#);
        cached
            .register("s", &v1, RegisterOptions::default())
            .await
            .unwrap();
        assert_eq!(
            cached
                .version("s", Version::Latest, ReadOptions::default())
                .await
                .unwrap()
                .version,
            1
        );
        // Registered behind the cache's back: the cache answers the old latest...
        cached
            .inner()
            .register("s", &v2, RegisterOptions::default())
            .await
            .unwrap();
        assert_eq!(
            cached
                .version("s", Version::Latest, ReadOptions::default())
                .await
                .unwrap()
                .version,
            1
        );
        // ...until its TTL has passed.
        *now.lock() += Duration::from_secs(61);
        assert_eq!(
            cached
                .version("s", Version::Latest, ReadOptions::default())
                .await
                .unwrap()
                .version,
            2
        );
    }
}
