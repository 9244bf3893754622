//! The global thread: reads every partition of the global tables' topics into their
//! stores, first to the end before the stream threads start (bootstrap), then as new
//! records arrive.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use streamlog::{Consumer, TopicPartition};

use super::shared::Shared;
use super::thread::{ExitGuard, on_thread_failure};
use crate::error::{Error, Result};
use crate::processor::{Null, count_null_skip};
use crate::store::{NO_TIMESTAMP, StateStore};

/// How long the bootstrap may take.
const BOOTSTRAP_TIMEOUT_MS: i64 = 120_000;
/// How long one poll waits for records.
const POLL_TIMEOUT: Duration = Duration::from_millis(100);

/// The global thread's consumer and the global stores it fills.
pub(crate) struct GlobalThread {
    shared: Arc<Shared>,
    consumer: Box<dyn Consumer>,
    /// Store by topic.
    stores: Vec<(String, Arc<StateStore>)>,
    partitions: Vec<TopicPartition>,
}

impl std::fmt::Debug for GlobalThread {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GlobalThread")
            .field("partitions", &self.partitions)
            .finish_non_exhaustive()
    }
}

impl GlobalThread {
    pub(crate) fn new(shared: Arc<Shared>) -> Result<Self> {
        let admin = shared.cluster.admin()?;
        let mut partitions = Vec::new();
        let mut stores = Vec::new();
        for (topic, store) in &shared.topology.graph.globals {
            for p in 0..admin.partition_count(topic)? {
                partitions.push(TopicPartition::new(topic.as_str(), p));
            }
            stores.push((topic.clone(), shared.global_stores[store].clone()));
        }
        // No group, so no committed offsets: every partition starts at its beginning.
        let mut config = shared
            .config
            .client
            .clone()
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest");
        if shared.exactly_once() {
            config = config.set("isolation.level", "read_committed");
        }
        let mut consumer = shared.cluster.consumer(&config)?;
        consumer.assign(&partitions)?;
        Ok(Self {
            shared,
            consumer,
            stores,
            partitions,
        })
    }

    fn apply(&mut self, timeout: Duration) -> Result<()> {
        for r in self.consumer.poll(timeout)? {
            let Some((_, store)) = self.stores.iter().find(|(t, _)| **t == *r.topic) else {
                continue;
            };
            // A global table skips a record without a key, as a table source does.
            match &r.key {
                Some(key) => store.restore(
                    key,
                    r.value.as_deref(),
                    r.timestamp.millis().unwrap_or(NO_TIMESTAMP),
                )?,
                None => count_null_skip(Null::Key),
            }
        }
        Ok(())
    }

    /// Reads every partition up to its end offset at the time of the call.
    pub(crate) fn bootstrap(&mut self) -> Result<()> {
        let admin = self.shared.cluster.admin()?;
        let ends: Vec<i64> = self
            .partitions
            .iter()
            .map(|p| admin.watermarks(p).map(|w| w.high))
            .collect::<Result<_, _>>()?;
        let deadline = self.shared.now() + BOOTSTRAP_TIMEOUT_MS;
        loop {
            let behind = self
                .partitions
                .iter()
                .zip(&ends)
                .any(|(p, end)| self.consumer.position(p).unwrap_or(0) < *end);
            if !behind {
                return Ok(());
            }
            if self.shared.now() > deadline {
                return Err(Error::NotRunning(format!(
                    "the global tables did not finish bootstrapping in {} s",
                    BOOTSTRAP_TIMEOUT_MS / 1000
                )));
            }
            self.apply(POLL_TIMEOUT)?;
        }
    }

    /// Keeps the global stores up to date until the application shuts down.
    fn run(&mut self) -> Result<()> {
        while !self.shared.shutdown.load(Ordering::SeqCst) {
            self.apply(POLL_TIMEOUT)?;
        }
        self.consumer.close()?;
        Ok(())
    }

    /// Runs the (bootstrapped) global thread on a thread of its own. It is never
    /// replaced: when it fails, the client shuts down.
    pub(crate) fn spawn(mut self) -> Result<()> {
        let shared = self.shared.clone();
        let name = format!("{}-GlobalStreamThread", shared.config.application_id);
        shared.lifecycle.global_thread_started();
        let exit = ExitGuard {
            shared: shared.clone(),
            thread: name.clone(),
            stream_thread: false,
        };
        let spawned = std::thread::Builder::new().name(name.clone()).spawn(move || {
            if let Err(error) = self.run() {
                on_thread_failure(&exit.shared, &exit.thread, error, false);
            }
        });
        match spawned {
            Ok(handle) => {
                shared.threads.lock().push(handle);
                Ok(())
            }
            // The closure, with the guard, was dropped: the thread is counted out.
            Err(source) => Err(Error::ThreadSpawn { thread: name, source }),
        }
    }
}
