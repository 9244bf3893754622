//! The global thread: reads every partition of the global tables' topics into their
//! stores, first to the end before the stream threads start (bootstrap), then as new
//! records arrive.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use streamlog::{Consumer, TopicPartition};

use super::streams::Shared;
use crate::error::{Error, Result};
use crate::store::StateStore;

pub(crate) struct GlobalThread {
    shared: Arc<Shared>,
    consumer: Box<dyn Consumer>,
    /// Store by topic.
    stores: Vec<(String, Arc<StateStore>)>,
    partitions: Vec<TopicPartition>,
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
        let config = shared
            .config
            .client
            .clone()
            .set("enable.auto.commit", "false")
            .set("auto.offset.reset", "earliest");
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
            if let Some(key) = &r.key {
                store.restore(key, r.value.as_deref())?;
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
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let behind = self
                .partitions
                .iter()
                .zip(&ends)
                .any(|(p, end)| self.consumer.position(p).unwrap_or(0) < *end);
            if !behind {
                return Ok(());
            }
            if Instant::now() > deadline {
                return Err(Error::NotRunning(
                    "the global tables did not finish bootstrapping in 120 s".into(),
                ));
            }
            self.apply(Duration::from_millis(100))?;
        }
    }

    pub(crate) fn run(&mut self) -> Result<()> {
        while !self.shared.shutdown.load(Ordering::SeqCst) {
            self.apply(Duration::from_millis(100))?;
        }
        self.consumer.close()?;
        Ok(())
    }
}
