//! Which instance of an application hosts which task, for interactive queries
//! (Kafka Streams' `queryMetadataForKey`): each stream thread announces the tasks the
//! group gave it, with its instance's `application.server`, on a compacted topic of the
//! application (`<application.id>-instance-metadata`); any instance reads the topic to
//! tell where a key's store lives. Kafka Streams carries the same in its group
//! protocol's assignment; a topic does it for the embedded log and for Kafka alike.
//!
//! Per thread the latest announcement counts (a clean stop withdraws it). A task
//! belongs to the thread whose announcement of it is the latest: when a task moves,
//! its new owner announces it after the rebalance that moved it, so a dead instance's
//! claims lose to its successors' without anyone withdrawing them.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use streamlog::{Consumer, Offset, ProducerRecord, TopicPartition};

use super::shared::Shared;
use super::task::TaskId;
use crate::error::{Error, Result};

/// Where an instance answers interactive queries: its `application.server`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct HostInfo {
    /// The host name or address.
    pub host: String,
    /// The port.
    pub port: u16,
}

impl HostInfo {
    /// Parses `host:port`, naming what is wrong.
    pub fn parse(value: &str) -> std::result::Result<Self, String> {
        let (host, port) = value
            .rsplit_once(':')
            .ok_or_else(|| "expected host:port".to_owned())?;
        if host.is_empty() {
            return Err("expected host:port, with a host".into());
        }
        let port = port
            .parse()
            .map_err(|_| format!("expected host:port, with a port from 0 to 65535, not `{port}`"))?;
        Ok(Self {
            host: host.to_owned(),
            port,
        })
    }
}

impl std::fmt::Display for HostInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.host, self.port)
    }
}

/// Where a key of a store lives (Kafka Streams' `KeyQueryMetadata`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyQueryMetadata {
    /// The instance running the task that holds the key.
    pub active_host: HostInfo,
    /// The partition of the key (its task's).
    pub partition: i32,
}

/// One instance of the application as its threads announced themselves (Kafka
/// Streams' `StreamsMetadata`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamsMetadata {
    /// Its `application.server`.
    pub host: HostInfo,
    /// The stores its tasks hold.
    pub state_store_names: BTreeSet<String>,
    /// The input partitions of its tasks.
    pub topic_partitions: BTreeSet<TopicPartition>,
}

/// What a thread says about itself.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
struct Announcement {
    /// Its instance's `application.server`.
    server: String,
    /// Its tasks, as (sub-topology, partition).
    tasks: Vec<(usize, i32)>,
}

/// The topic the instances announce themselves on.
pub(crate) fn metadata_topic(application_id: &str) -> String {
    format!("{application_id}-instance-metadata")
}

/// Announces the tasks of `thread` (when the application has an
/// `application.server`).
pub(crate) fn announce(shared: &Shared, thread: &str, tasks: &[TaskId]) -> Result<()> {
    let Some(server) = &shared.config.application_server else {
        return Ok(());
    };
    let announcement = Announcement {
        server: server.to_string(),
        tasks: tasks.iter().map(|t| (t.subtopology, t.partition)).collect(),
    };
    let value = serde_json::to_vec(&announcement).expect("an announcement always serializes");
    send(shared, thread, Some(value))
}

/// Withdraws the announcement of `thread`, which stops.
pub(crate) fn withdraw(shared: &Shared, thread: &str) -> Result<()> {
    if shared.config.application_server.is_none() {
        return Ok(());
    }
    send(shared, thread, None)
}

fn send(shared: &Shared, thread: &str, value: Option<Vec<u8>>) -> Result<()> {
    let mut announcer = shared.announcer.lock();
    if announcer.is_none() {
        *announcer = Some(shared.cluster.producer(&shared.config.client)?);
    }
    let producer = announcer.as_ref().expect("made above");
    let key = format!("{}/{thread}", shared.process_id()?);
    let mut record = ProducerRecord::new(metadata_topic(&shared.config.application_id)).key(key);
    if let Some(value) = value {
        record = record.value(value);
    }
    producer.send(record)?;
    producer.flush(Duration::from_secs(30))?;
    Ok(())
}

/// The announcements read so far, and the reader that goes on from there.
#[derive(Default)]
pub(crate) struct MetadataView {
    reader: Option<Box<dyn Consumer>>,
    /// Per thread, the offset and content of its latest announcement.
    threads: BTreeMap<String, (i64, Announcement)>,
}

impl std::fmt::Debug for MetadataView {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MetadataView")
            .field("threads", &self.threads.len())
            .finish_non_exhaustive()
    }
}

/// How long reading the announcements may take.
const READ_TIMEOUT: Duration = Duration::from_secs(30);

impl MetadataView {
    /// Reads the announcements made since the last read.
    pub(crate) fn refresh(&mut self, shared: &Shared) -> Result<()> {
        if shared.config.application_server.is_none() {
            return Err(Error::NoApplicationServer);
        }
        let tp = TopicPartition::new(metadata_topic(&shared.config.application_id), 0);
        if self.reader.is_none() {
            let mut reader = shared
                .cluster
                .consumer(&shared.config.client.clone().set("enable.auto.commit", "false"))?;
            reader.assign(std::slice::from_ref(&tp))?;
            reader.seek(&tp, Offset::Beginning)?;
            self.reader = Some(reader);
        }
        let reader = self.reader.as_mut().expect("made above");
        let end = shared.cluster.admin()?.watermarks(&tp)?.high;
        let started = Instant::now();
        while reader.position(&tp).unwrap_or(0) < end {
            if started.elapsed() > READ_TIMEOUT {
                return Err(Error::NotRunning(format!(
                    "the instance metadata of topic {} was not read to offset {end} within {READ_TIMEOUT:?}",
                    tp.topic
                )));
            }
            for record in reader.poll(Duration::from_millis(100))? {
                let Some(key) = record.key.as_deref().map(String::from_utf8_lossy) else {
                    continue;
                };
                match record
                    .value
                    .as_deref()
                    .map(serde_json::from_slice::<Announcement>)
                {
                    Some(Ok(announcement)) => {
                        self.threads
                            .insert(key.into_owned(), (record.offset, announcement));
                    }
                    None => {
                        self.threads.remove(key.as_ref());
                    }
                    Some(Err(e)) => tracing::warn!(
                        topic = %tp.topic,
                        offset = record.offset,
                        error = %e,
                        "skipping an instance announcement that is not one"
                    ),
                }
            }
        }
        Ok(())
    }

    /// Each task's owner: the server of its latest announcement.
    fn owners(&self) -> BTreeMap<TaskId, &str> {
        let mut latest: BTreeMap<TaskId, (i64, &str)> = BTreeMap::new();
        for (offset, announcement) in self.threads.values() {
            for &(subtopology, partition) in &announcement.tasks {
                let task = TaskId {
                    subtopology,
                    partition,
                };
                if latest.get(&task).is_none_or(|(seen, _)| seen < offset) {
                    latest.insert(task, (*offset, announcement.server.as_str()));
                }
            }
        }
        latest
            .into_iter()
            .map(|(task, (_, server))| (task, server))
            .collect()
    }

    /// The owner of `task`, if one announced it.
    pub(crate) fn owner(&self, task: TaskId) -> Option<HostInfo> {
        self.owners()
            .get(&task)
            .and_then(|server| HostInfo::parse(server).ok())
    }

    /// Every instance with the tasks it owns.
    pub(crate) fn instances(&self) -> BTreeMap<HostInfo, Vec<TaskId>> {
        let mut instances: BTreeMap<HostInfo, Vec<TaskId>> = BTreeMap::new();
        for (_, announcement) in self.threads.values() {
            if let Ok(host) = HostInfo::parse(&announcement.server) {
                instances.entry(host).or_default();
            }
        }
        for (task, server) in self.owners() {
            if let Ok(host) = HostInfo::parse(server) {
                instances.entry(host).or_default().push(task);
            }
        }
        instances
    }
}
