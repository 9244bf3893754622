//! What a pipeline reads, writes and keeps.

use std::time::Duration;

use streamlog::ClientConfig;

use crate::deduplicator::Storage;
use crate::id::IdSource;
use crate::policy::OnMissingId;
use crate::window::{TimeBasis, Window};

/// How a pipeline delivers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Guarantee {
    /// Produce the batch's new records, wait for them, then write their ids to the
    /// changelog and commit the input offsets: a crash may send a record twice, never
    /// loses one.
    #[default]
    AtLeastOnce,
    /// The batch's new records, their changelog entries and the input offsets in one
    /// transaction: each id is sent once, crash or not; readers of the output read
    /// `read_committed`.
    ExactlyOnce,
}

/// A pipeline's settings: [`PipelineConfig::new`] with what it cannot do without,
/// then the setters.
#[derive(Debug, Clone)]
pub struct PipelineConfig {
    pub(crate) group: String,
    pub(crate) input: String,
    pub(crate) output: String,
    pub(crate) changelog: Option<String>,
    pub(crate) ids: IdSource,
    pub(crate) window: Window,
    pub(crate) basis: TimeBasis,
    pub(crate) storage: Storage,
    pub(crate) max_ids: Option<usize>,
    pub(crate) guarantee: Guarantee,
    pub(crate) on_missing_id: OnMissingId,
    pub(crate) instance_id: String,
    pub(crate) client: ClientConfig,
    pub(crate) poll_timeout: Duration,
    pub(crate) restore_timeout: Duration,
    pub(crate) crash_before_commit: Option<u64>,
    #[cfg(feature = "rocksdb")]
    pub(crate) rocksdb_dir: Option<std::path::PathBuf>,
}

impl PipelineConfig {
    /// A pipeline of consumer group `group`, from `input` to `output`, ids found by
    /// `ids`, remembered over `window` in event time, at least once, failing on a
    /// record without an id.
    pub fn new(
        group: impl Into<String>,
        input: impl Into<String>,
        output: impl Into<String>,
        ids: IdSource,
        window: Window,
    ) -> Self {
        PipelineConfig {
            group: group.into(),
            input: input.into(),
            output: output.into(),
            changelog: None,
            ids,
            window,
            basis: TimeBasis::EventTime,
            storage: Storage::Compact,
            max_ids: None,
            guarantee: Guarantee::AtLeastOnce,
            on_missing_id: OnMissingId::Fail,
            instance_id: "0".into(),
            client: ClientConfig::new(),
            poll_timeout: Duration::from_millis(100),
            restore_timeout: Duration::from_secs(120),
            crash_before_commit: None,
            #[cfg(feature = "rocksdb")]
            rocksdb_dir: None,
        }
    }

    /// The delivery guarantee.
    pub fn guarantee(mut self, guarantee: Guarantee) -> Self {
        self.guarantee = guarantee;
        self
    }

    /// Event time (the default) or a clock's.
    pub fn time_basis(mut self, basis: TimeBasis) -> Self {
        self.basis = basis;
        self
    }

    /// How ids are stored (compact by default).
    pub fn storage(mut self, storage: Storage) -> Self {
        self.storage = storage;
        self
    }

    /// Keeps each partition's ids in RocksDB under `dir/partition-N` (a
    /// [`RocksIds`](crate::store::RocksIds); feature `rocksdb`) rather than in memory,
    /// for windows that hold more ids than memory. Each is rebuilt from the changelog
    /// when its partition comes, like the in-memory stores.
    #[cfg(feature = "rocksdb")]
    pub fn rocksdb_dir(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.rocksdb_dir = Some(dir.into());
        self
    }

    /// At most `max` ids per partition (see [`Deduplicator::max_ids`](crate::Deduplicator::max_ids)).
    pub fn max_ids(mut self, max: usize) -> Self {
        self.max_ids = Some(max);
        self
    }

    /// Where records without an id go.
    pub fn on_missing_id(mut self, policy: OnMissingId) -> Self {
        self.on_missing_id = policy;
        self
    }

    /// The changelog topic of the seen ids (default `GROUP-dedup-changelog`), made with
    /// the input's partition count when missing.
    pub fn changelog(mut self, topic: impl Into<String>) -> Self {
        self.changelog = Some(topic.into());
        self
    }

    /// This instance's name in the group, stable across its restarts: under
    /// exactly-once its producer's `transactional.id` is `GROUP-dedup-INSTANCE`, so a
    /// restarted instance fences and aborts what its crashed self left open. Each
    /// running instance needs its own.
    pub fn instance_id(mut self, id: impl Into<String>) -> Self {
        self.instance_id = id.into();
        self
    }

    /// Client properties for every client the pipeline makes (security, timeouts).
    pub fn client(mut self, client: ClientConfig) -> Self {
        self.client = client;
        self
    }

    /// How long one [`step`](super::DedupPipeline::step) waits for records.
    pub fn poll_timeout(mut self, timeout: Duration) -> Self {
        self.poll_timeout = timeout;
        self
    }

    /// How long rebuilding a partition's ids may go without progress before it fails.
    pub fn restore_timeout(mut self, timeout: Duration) -> Self {
        self.restore_timeout = timeout;
        self
    }

    /// For crash tests: the step that would commit batch `batch` (from 1) stops after
    /// producing, before committing, and fails with `Error::Abandoned`, leaving the
    /// log as a crash there would; the pipeline must then be dropped (or its process
    /// killed).
    #[doc(hidden)]
    pub fn crash_before_commit(mut self, batch: u64) -> Self {
        self.crash_before_commit = Some(batch);
        self
    }

    /// The changelog topic's name.
    pub fn changelog_topic(&self) -> String {
        self.changelog
            .clone()
            .unwrap_or_else(|| format!("{}-dedup-changelog", self.group))
    }

    /// The producer's `transactional.id` under exactly-once.
    pub fn transactional_id(&self) -> String {
        format!("{}-dedup-{}", self.group, self.instance_id)
    }
}
