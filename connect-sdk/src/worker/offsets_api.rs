//! The offsets of a stopped connector read, altered and reset (`GET`, `PATCH` and
//! `DELETE /connectors/{name}/offsets`): a source's in `offset.storage.topic`, a sink's
//! in its consumer group.

use serde_json::{Value as Json, json};
use streamlog::{AutoOffsetReset, TopicPartition};

use super::info::ConnectorOffset;
use super::offsets::{from_json, json_bytes, offset_key, parse_offset_key};
use super::plugins::ConnectorType;
use super::sink::group_of;
use super::status::TargetState;
use super::{Worker, not_found};
use crate::error::{Error, Result};

fn must_be_stopped(name: &str) -> Error {
    Error::BadRequest(format!(
        "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
    ))
}

impl Worker {
    fn kind_and_target(&self, name: &str) -> Result<(ConnectorType, TargetState)> {
        let connectors = self.shared.connectors.lock();
        let entry = connectors.get(name).ok_or_else(|| not_found(name))?;
        Ok((entry.kind(), entry.target))
    }

    /// The committed offsets of connector `name`.
    pub fn offsets(&self, name: &str) -> Result<Vec<ConnectorOffset>> {
        let (kind, _) = self.kind_and_target(name)?;
        match kind {
            ConnectorType::Source => self.source_offsets(name),
            ConnectorType::Sink => self.sink_offsets(name),
        }
    }

    fn source_offsets(&self, name: &str) -> Result<Vec<ConnectorOffset>> {
        let entries = self
            .shared
            .offsets
            .read_map(&self.config().client_config("consumer."))?;
        Ok(entries
            .iter()
            .filter_map(|(key, value)| {
                let (connector, partition) = parse_offset_key(key)?;
                (connector == name).then(|| ConnectorOffset {
                    partition,
                    offset: serde_json::from_slice(value).unwrap_or(Json::Null),
                })
            })
            .collect())
    }

    fn sink_offsets(&self, name: &str) -> Result<Vec<ConnectorOffset>> {
        let admin = self
            .cluster()
            .admin()
            .map_err(Error::log("reading a sink's offsets"))?;
        let topics = self.active_topics(name)?;
        let mut out = Vec::new();
        for topic in topics {
            let Ok(count) = admin.partition_count(&topic) else {
                continue;
            };
            let partitions: Vec<TopicPartition> = (0..count)
                .map(|p| TopicPartition::new(topic.as_str(), p))
                .collect();
            let committed = admin
                .group_offsets(&group_of(name), &partitions)
                .map_err(Error::log(format!(
                    "reading the offsets of group {}",
                    group_of(name)
                )))?;
            for (p, offset) in partitions.iter().zip(committed) {
                if let Some(offset) = offset {
                    out.push(ConnectorOffset {
                        partition: json!({"kafka_topic": p.topic, "kafka_partition": p.partition}),
                        offset: json!({"kafka_offset": offset}),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Sets (or with a `null` offset, removes) the offsets of stopped connector `name`.
    pub fn alter_offsets(&self, name: &str, offsets: &[ConnectorOffset]) -> Result<()> {
        let (kind, target) = self.kind_and_target(name)?;
        if target != TargetState::Stopped {
            return Err(must_be_stopped(name));
        }
        if offsets.is_empty() {
            return Err(Error::BadRequest(
                "Partitions / offsets need to be provided for an alter offsets request".into(),
            ));
        }
        match kind {
            ConnectorType::Source => {
                let mut checked = Vec::new();
                for o in offsets {
                    let offset = match &o.offset {
                        Json::Null => None,
                        offset => Some(from_json(offset)?),
                    };
                    checked.push((from_json(&o.partition)?, offset));
                }
                let (plugin, config) = {
                    let connectors = self.shared.connectors.lock();
                    let entry = connectors.get(name).ok_or_else(|| not_found(name))?;
                    (entry.plugin.clone(), entry.config.clone())
                };
                if let super::plugins::ConnectorInstance::Source(connector) = plugin.instance() {
                    let config = self.shared.launcher.providers.resolve(&config)?;
                    connector
                        .alter_offsets(&config, &checked)
                        .map_err(|e| Error::BadRequest(e.to_string()))?;
                }
                for o in offsets {
                    if !o.partition.is_object() {
                        return Err(Error::BadRequest(
                            "Source partitions must be specified as a JSON object".into(),
                        ));
                    }
                    let key = offset_key(name, &from_json(&o.partition)?)?;
                    let value = match &o.offset {
                        Json::Null => None,
                        offset => Some(json_bytes(&from_json(offset)?)?),
                    };
                    self.shared.offsets.write(&key, value.as_deref())?;
                }
            }
            ConnectorType::Sink => {
                let mut commits = Vec::new();
                for o in offsets {
                    let topic = o.partition["kafka_topic"].as_str().ok_or_else(|| {
                        Error::BadRequest("Failed to alter the offsets: kafka_topic must be a string".into())
                    })?;
                    let partition = o.partition["kafka_partition"].as_i64().ok_or_else(|| {
                        Error::BadRequest(
                            "Failed to alter the offsets: kafka_partition must be an integer".into(),
                        )
                    })?;
                    let offset = match &o.offset {
                        Json::Null => 0,
                        offset => offset["kafka_offset"].as_i64().ok_or_else(|| {
                            Error::BadRequest(
                                "Failed to alter the offsets: kafka_offset must be an integer".into(),
                            )
                        })?,
                    };
                    commits.push((TopicPartition::new(topic, partition as i32), offset));
                }
                self.commit_group(name, &commits)?;
            }
        }
        Ok(())
    }

    /// Commits `offsets` for sink `name`'s group through a consumer of that group.
    fn commit_group(&self, name: &str, offsets: &[(TopicPartition, i64)]) -> Result<()> {
        let config = self
            .config()
            .client_config("consumer.")
            .group_id(group_of(name))
            .enable_auto_commit(false)
            .auto_offset_reset(AutoOffsetReset::Earliest);
        let mut consumer = self
            .cluster()
            .consumer(&config)
            .map_err(Error::log("altering a sink's offsets"))?;
        let partitions: Vec<TopicPartition> = offsets.iter().map(|(p, _)| p.clone()).collect();
        consumer
            .assign(&partitions)
            .map_err(Error::log("altering a sink's offsets"))?;
        consumer.commit_offsets(offsets).map_err(Error::log(format!(
            "committing offsets of group {}",
            group_of(name)
        )))?;
        let _ = consumer.close();
        Ok(())
    }

    /// Resets the offsets of stopped connector `name`: a source's are deleted, a sink's
    /// set to the start of each partition.
    pub fn reset_offsets(&self, name: &str) -> Result<()> {
        let (kind, target) = self.kind_and_target(name)?;
        if target != TargetState::Stopped {
            return Err(must_be_stopped(name));
        }
        match kind {
            ConnectorType::Source => {
                for o in self.source_offsets(name)? {
                    let key = offset_key(name, &from_json(&o.partition)?)?;
                    self.shared.offsets.write(&key, None)?;
                }
            }
            ConnectorType::Sink => {
                let admin = self
                    .cluster()
                    .admin()
                    .map_err(Error::log("resetting a sink's offsets"))?;
                let mut commits = Vec::new();
                for o in self.sink_offsets(name)? {
                    let topic = o.partition["kafka_topic"].as_str().unwrap_or_default().to_owned();
                    let partition = o.partition["kafka_partition"].as_i64().unwrap_or(0) as i32;
                    let tp = TopicPartition::new(topic.as_str(), partition);
                    let start = admin
                        .watermarks(&tp)
                        .map_err(Error::log(format!("reading the start of {topic}")))?
                        .low;
                    commits.push((tp, start));
                }
                if !commits.is_empty() {
                    self.commit_group(name, &commits)?;
                }
            }
        }
        Ok(())
    }
}
