//! What a simulation looks at: whether the application has settled, what its output
//! topics hold, what its stores hold, and how that compares with the reference run.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use bytes::Bytes;
use streamlog::{ClientConfig, Cluster, Offset, TopicPartition};

use super::Check;
use crate::error::Result;
use crate::runtime::KafkaStreams;

/// An output topic's committed records: each key's values in offset order.
pub(super) type Output = BTreeMap<Option<Bytes>, Vec<Option<Bytes>>>;
/// A store's entries across the instances, in key order.
pub(super) type StoreEntries = BTreeMap<Bytes, Bytes>;

/// Whether nothing is left to do: no transaction open on any topic, and every
/// committed record of every source partition before the group's committed offset.
pub(super) fn settled(cluster: &Cluster, app: &str, sources: &[String]) -> Result<bool> {
    let admin = cluster.admin()?;
    for topic in admin.list_topics()? {
        for p in 0..admin.partition_count(&topic)? {
            let tp = TopicPartition::new(topic.as_str(), p);
            if admin.last_stable_offset(&tp)? != admin.watermarks(&tp)?.high {
                return Ok(false);
            }
        }
    }
    let mut partitions = Vec::new();
    for topic in sources {
        partitions.extend((0..admin.partition_count(topic)?).map(|p| TopicPartition::new(topic.as_str(), p)));
    }
    let committed = admin.group_offsets(app, &partitions)?;
    let mut reader = cluster.consumer(&ClientConfig::new().set("isolation.level", "read_committed"))?;
    reader.assign(&partitions)?;
    for (tp, offset) in partitions.iter().zip(committed) {
        reader.seek(tp, offset.map_or(Offset::Beginning, Offset::At))?;
    }
    Ok(reader.poll(Duration::ZERO)?.is_empty())
}

/// Every committed record of `topic`, per key in offset order.
pub(super) fn read_output(cluster: &Cluster, topic: &str) -> Result<Output> {
    let admin = cluster.admin()?;
    let partitions: Vec<TopicPartition> = (0..admin.partition_count(topic)?)
        .map(|p| TopicPartition::new(topic, p))
        .collect();
    let mut reader = cluster.consumer(
        &ClientConfig::new()
            .set("isolation.level", "read_committed")
            .set("auto.offset.reset", "earliest"),
    )?;
    reader.assign(&partitions)?;
    let mut output = Output::new();
    loop {
        let records = reader.poll(Duration::ZERO)?;
        if records.is_empty() {
            return Ok(output);
        }
        for r in records {
            output.entry(r.key).or_default().push(r.value);
        }
    }
}

/// The entries of store `name` in every live instance.
pub(super) fn read_store<'a>(
    instances: impl Iterator<Item = &'a KafkaStreams>,
    name: &str,
) -> Result<StoreEntries> {
    let mut entries = StoreEntries::new();
    for streams in instances {
        entries.extend(streams.raw_store(name)?);
    }
    Ok(entries)
}

/// How `simulated` differs from `reference` under `check`, if it does.
pub(super) fn compare_output(check: Check, reference: &Output, simulated: &Output) -> Option<String> {
    match check {
        Check::Exact => {
            let keys: BTreeSet<&Option<Bytes>> = reference.keys().chain(simulated.keys()).collect();
            keys.into_iter()
                .find(|k| reference.get(*k) != simulated.get(*k))
                .map(|k| {
                    format!(
                        "key {}: the reference has {}, the simulation {}",
                        show(k.as_ref()),
                        show_values(reference.get(k)),
                        show_values(simulated.get(k)),
                    )
                })
        }
        Check::NothingLost => reference.iter().find_map(|(k, values)| {
            let seen: BTreeSet<&Option<Bytes>> = simulated.get(k).into_iter().flatten().collect();
            values.iter().find(|v| !seen.contains(v)).map(|lost| {
                format!(
                    "key {}: value {} of the reference is missing",
                    show(k.as_ref()),
                    show(lost.as_ref())
                )
            })
        }),
    }
}

/// How the store `simulated` differs from `reference` under `check`, if it does:
/// `NothingLost` asks for every key of the reference, whatever its value.
pub(super) fn compare_store(
    check: Check,
    reference: &StoreEntries,
    simulated: &StoreEntries,
) -> Option<String> {
    match check {
        Check::Exact => {
            let keys: BTreeSet<&Bytes> = reference.keys().chain(simulated.keys()).collect();
            keys.into_iter()
                .find(|k| reference.get(*k) != simulated.get(*k))
                .map(|k| {
                    format!(
                        "key {}: the reference holds {}, the simulation {}",
                        show(Some(k)),
                        show(reference.get(k)),
                        show(simulated.get(k))
                    )
                })
        }
        Check::NothingLost => reference
            .keys()
            .find(|k| !simulated.contains_key(*k))
            .map(|k| format!("key {} of the reference is missing", show(Some(k)))),
    }
}

/// A digest of an output, for the trace: its record count and an FNV-1a hash.
pub(super) fn digest(output: &Output) -> (usize, u64) {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut feed = |bytes: &[u8]| {
        for b in bytes {
            hash = (hash ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
        hash = (hash ^ 0xff).wrapping_mul(0x0000_0100_0000_01b3);
    };
    let mut count = 0;
    for (k, values) in output {
        feed(k.as_deref().unwrap_or(b"<null>"));
        for v in values {
            feed(v.as_deref().unwrap_or(b"<null>"));
            count += 1;
        }
    }
    (count, hash)
}

fn show(bytes: Option<&Bytes>) -> String {
    match bytes {
        None => "null".into(),
        Some(b) => match std::str::from_utf8(b) {
            Ok(s) if !s.chars().any(char::is_control) => format!("{s:?}"),
            _ => format!("0x{}", b.iter().map(|b| format!("{b:02x}")).collect::<String>()),
        },
    }
}

fn show_values(values: Option<&Vec<Option<Bytes>>>) -> String {
    let Some(values) = values else {
        return "nothing".into();
    };
    let shown: Vec<String> = values.iter().map(|v| show(v.as_ref())).collect();
    format!("[{}]", shown.join(", "))
}
