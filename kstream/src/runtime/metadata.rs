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
    /// Its instance's `application.server` (empty without one).
    server: String,
    /// Its tasks, as (sub-topology, partition).
    tasks: Vec<(usize, i32)>,
    /// When it said so (the application's clock); threads say it again every
    /// [`HEARTBEAT_MS`], so an instance silent for longer is taken for gone.
    #[serde(default)]
    at: i64,
}

/// How often a thread announces itself again while nothing changes.
pub(crate) const HEARTBEAT_MS: i64 = 5_000;
/// How long an instance stays in the standby placement after its last announcement.
const ALIVE_MS: i64 = 3 * HEARTBEAT_MS;

/// A thread of this instance and its tasks (Kafka Streams' `ThreadMetadata`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ThreadMetadata {
    /// The thread's name.
    pub thread_name: String,
    /// The tasks it runs (restored or restoring).
    pub active_tasks: Vec<TaskId>,
    /// The tasks whose stores it keeps warm for another instance.
    pub standby_tasks: Vec<TaskId>,
}

/// Whether the threads announce themselves: for query metadata (`application.server`)
/// or for standby placement (`num.standby.replicas`).
pub(crate) fn announcing(shared: &Shared) -> bool {
    shared.config.application_server.is_some() || shared.config.num_standby_replicas > 0
}

/// The tasks `process` keeps standbys of, with `replicas` per task: the instances
/// still announcing themselves, in process id order, form a ring, and a task's
/// standbys are the `replicas` instances after its owner's place. Every instance
/// reads the same announcements and so agrees on the placement; the group's assignor
/// knows nothing of it.
pub(crate) fn standby_placement(
    owners: &BTreeMap<TaskId, String>,
    live: &BTreeSet<String>,
    process: &str,
    replicas: usize,
) -> BTreeSet<TaskId> {
    let ring: Vec<&String> = live.iter().collect();
    let mut mine = BTreeSet::new();
    for (task, owner) in owners {
        let Some(at) = ring.iter().position(|p| *p == owner) else {
            continue;
        };
        let standbys = (1..ring.len())
            .map(|i| ring[(at + i) % ring.len()])
            .take(replicas);
        if standbys.into_iter().any(|p| p == process) {
            mine.insert(*task);
        }
    }
    mine
}

/// The topic the instances announce themselves on.
pub(crate) fn metadata_topic(application_id: &str) -> String {
    format!("{application_id}-instance-metadata")
}

/// Announces the tasks of `thread` (when the application has an
/// `application.server`).
pub(crate) fn announce(shared: &Shared, thread: &str, tasks: &[TaskId]) -> Result<()> {
    if !announcing(shared) {
        return Ok(());
    }
    let announcement = Announcement {
        server: shared
            .config
            .application_server
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        tasks: tasks.iter().map(|t| (t.subtopology, t.partition)).collect(),
        at: shared.now(),
    };
    let value = serde_json::to_vec(&announcement).expect("an announcement always serializes");
    send(shared, thread, Some(value))
}

/// Withdraws the announcement of `thread`, which stops.
pub(crate) fn withdraw(shared: &Shared, thread: &str) -> Result<()> {
    if !announcing(shared) {
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
        if !announcing(shared) {
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

    /// Each task's owner process (the latest claim), and the processes announced
    /// within the last [`ALIVE_MS`] before `now`.
    pub(crate) fn owners_and_live(&self, now: i64) -> (BTreeMap<TaskId, String>, BTreeSet<String>) {
        let process_of = |key: &str| key.split_once('/').map_or(key, |(p, _)| p).to_owned();
        let mut latest: BTreeMap<TaskId, (i64, String)> = BTreeMap::new();
        let mut live = BTreeSet::new();
        for (key, (offset, announcement)) in &self.threads {
            if announcement.at >= now - ALIVE_MS {
                live.insert(process_of(key));
            }
            for &(subtopology, partition) in &announcement.tasks {
                let task = TaskId {
                    subtopology,
                    partition,
                };
                if latest.get(&task).is_none_or(|(seen, _)| seen < offset) {
                    latest.insert(task, (*offset, process_of(key)));
                }
            }
        }
        let owners = latest.into_iter().map(|(task, (_, p))| (task, p)).collect();
        (owners, live)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn task(partition: i32) -> TaskId {
        TaskId {
            subtopology: 0,
            partition,
        }
    }

    #[test]
    fn standbys_go_to_the_next_live_instances_after_the_owner_and_never_to_it() {
        let owners: BTreeMap<TaskId, String> = [(0, "a"), (1, "b"), (2, "c"), (3, "a"), (4, "gone")]
            .into_iter()
            .map(|(p, o)| (task(p), o.to_owned()))
            .collect();
        let live: BTreeSet<String> = ["a", "b", "c"].into_iter().map(String::from).collect();
        let of = |p: &str, n| standby_placement(&owners, &live, p, n);
        assert_eq!(of("b", 1), BTreeSet::from([task(0), task(3)]));
        assert_eq!(of("c", 1), BTreeSet::from([task(1)]));
        assert_eq!(of("a", 1), BTreeSet::from([task(2)]));
        // Two replicas: every other live instance; more than there are: the same.
        assert_eq!(of("a", 2), BTreeSet::from([task(1), task(2)]));
        assert_eq!(of("a", 5), of("a", 2));
        assert!(of("a", 0).is_empty());
        // Alone, an instance keeps no standbys.
        let alone: BTreeSet<String> = ["a"].into_iter().map(String::from).collect();
        assert!(standby_placement(&owners, &alone, "a", 1).is_empty());
    }
}
