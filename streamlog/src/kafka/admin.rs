//! Admin client of the Kafka backend.

use std::sync::Arc;
use std::time::Duration;

use futures::executor::block_on;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::consumer::BaseConsumer;
use rdkafka::error::RDKafkaErrorCode;
use rdkafka::producer::{BaseProducer, Producer as _};

use super::security::WatchContext;
use super::{api_timeout, committed_offsets, map_error, rd_config, retry_transient, unreachable, wrap};
use crate::client::{Admin, Watermarks};
use crate::config::{ClientConfig, TopicConfig};
use crate::error::{Error, Result};
use crate::record::TopicPartition;
use crate::time::Deadline;

pub(super) struct KafkaAdmin {
    client: AdminClient<WatchContext>,
    config: ClientConfig,
    timeout: Duration,
}

impl std::fmt::Debug for KafkaAdmin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KafkaAdmin")
            .field("config", &self.config)
            .finish()
    }
}

impl KafkaAdmin {
    pub(super) fn connect(config: &ClientConfig) -> Result<Self> {
        let timeout = api_timeout(config)?;
        let mut rd = rd_config(config);
        // Admin clients are producer-type in librdkafka, which would create topics on
        // metadata requests; asking about a topic must not create it.
        rd.set("allow.auto.create.topics", "false");
        // Connected first through a producer-type probe with the same configuration:
        // the admin client never serves librdkafka's error events (rdkafka polls only
        // its results), the probe serves its own, so a refused login or TLS handshake
        // ends the wait when it happens.
        let probe: BaseProducer<WatchContext> = rd
            .create_with_context(WatchContext::default())
            .map_err(|e| map_error("creating the admin client", None, e))?;
        let deadline = Deadline::after(timeout);
        loop {
            let wait = deadline.remaining().min(Duration::from_millis(250));
            let asked = std::time::Instant::now();
            let answer = probe.client().fetch_metadata(None, wait);
            probe.poll(Duration::ZERO);
            if let Some(failure) = probe.context().watch.failure() {
                return Err(failure);
            }
            match answer {
                Ok(_) => break,
                Err(e) if deadline.has_passed() => return Err(unreachable(config, timeout, e)),
                // An answer without waiting (no broker up yet) is asked again after
                // the rest of the wait, not in a busy loop.
                Err(_) => std::thread::sleep(wait.saturating_sub(asked.elapsed()).min(deadline.remaining())),
            }
        }
        drop(probe);
        let client: AdminClient<WatchContext> = rd
            .create_with_context(WatchContext::default())
            .map_err(|e| map_error("creating the admin client", None, e))?;
        Ok(Self {
            client,
            config: config.clone(),
            timeout,
        })
    }

    pub(super) fn config(&self) -> &ClientConfig {
        &self.config
    }

    fn options(&self) -> AdminOptions {
        AdminOptions::new().operation_timeout(Some(self.timeout))
    }
}

impl crate::sealed::Sealed for KafkaAdmin {}

impl crate::sealed::Sealed for Arc<KafkaAdmin> {}

impl Admin for Arc<KafkaAdmin> {
    fn create_topic(&self, name: &str, config: &TopicConfig) -> Result<()> {
        self.as_ref().create_topic(name, config)
    }
    fn delete_topic(&self, name: &str) -> Result<()> {
        self.as_ref().delete_topic(name)
    }
    fn list_topics(&self) -> Result<Vec<String>> {
        self.as_ref().list_topics()
    }
    fn partition_count(&self, topic: &str) -> Result<i32> {
        self.as_ref().partition_count(topic)
    }
    fn watermarks(&self, partition: &TopicPartition) -> Result<Watermarks> {
        self.as_ref().watermarks(partition)
    }
    fn group_offsets(&self, group: &str, partitions: &[TopicPartition]) -> Result<Vec<Option<i64>>> {
        self.as_ref().group_offsets(group, partitions)
    }
}

impl Admin for KafkaAdmin {
    fn create_topic(&self, name: &str, config: &TopicConfig) -> Result<()> {
        let mut topic = NewTopic::new(
            name,
            config.partitions,
            TopicReplication::Fixed(i32::from(config.replication_factor)),
        );
        for (k, v) in config.properties() {
            topic = topic.set(k, v);
        }
        let results = block_on(self.client.create_topics([&topic], &self.options()))
            .map_err(|e| map_error("create topic", Some(name), e))?;
        for result in results {
            if let Err((topic, code)) = result {
                return Err(match code {
                    RDKafkaErrorCode::TopicAlreadyExists => Error::TopicAlreadyExists { topic },
                    RDKafkaErrorCode::InvalidConfig
                    | RDKafkaErrorCode::InvalidPartitions
                    | RDKafkaErrorCode::InvalidReplicationFactor
                    | RDKafkaErrorCode::InvalidTopic => Error::InvalidConfig {
                        key: "topic".into(),
                        value: topic,
                        reason: code.to_string(),
                    },
                    other => Error::Kafka {
                        operation: "create topic",
                        source: wrap(rdkafka::error::KafkaError::AdminOp(other)),
                    },
                });
            }
        }
        Ok(())
    }

    fn delete_topic(&self, name: &str) -> Result<()> {
        let results = block_on(self.client.delete_topics(&[name], &self.options()))
            .map_err(|e| map_error("delete topic", Some(name), e))?;
        for result in results {
            if let Err((topic, code)) = result {
                return Err(match code {
                    RDKafkaErrorCode::UnknownTopicOrPartition | RDKafkaErrorCode::UnknownTopic => {
                        Error::UnknownTopic { topic }
                    }
                    other => Error::Kafka {
                        operation: "delete topic",
                        source: wrap(rdkafka::error::KafkaError::AdminOp(other)),
                    },
                });
            }
        }
        Ok(())
    }

    fn list_topics(&self) -> Result<Vec<String>> {
        let metadata = self
            .client
            .inner()
            .fetch_metadata(None, self.timeout)
            .map_err(|e| map_error("list topics", None, e))?;
        let mut names: Vec<String> = metadata
            .topics()
            .iter()
            .map(|t| t.name().to_owned())
            .filter(|n| !n.starts_with("__"))
            .collect();
        names.sort();
        Ok(names)
    }

    fn partition_count(&self, topic: &str) -> Result<i32> {
        let metadata = self
            .client
            .inner()
            .fetch_metadata(Some(topic), self.timeout)
            .map_err(|e| map_error("fetch metadata", Some(topic), e))?;
        let t = metadata
            .topics()
            .iter()
            .find(|t| t.name() == topic)
            .ok_or_else(|| Error::UnknownTopic { topic: topic.into() })?;
        if t.error().is_some() || t.partitions().is_empty() {
            return Err(Error::UnknownTopic { topic: topic.into() });
        }
        Ok(t.partitions().len() as i32)
    }

    fn watermarks(&self, tp: &TopicPartition) -> Result<Watermarks> {
        let partitions = self.partition_count(&tp.topic)?;
        if !(0..partitions).contains(&tp.partition) {
            return Err(Error::UnknownPartition {
                topic: tp.topic.clone(),
                partition: tp.partition,
                partitions,
            });
        }
        let (low, high) = retry_transient(self.timeout, || {
            self.client
                .inner()
                .fetch_watermarks(&tp.topic, tp.partition, self.timeout)
        })
        .map_err(|e| map_error("fetch watermarks", Some(&tp.topic), e))?;
        Ok(Watermarks { low, high })
    }

    fn group_offsets(&self, group: &str, partitions: &[TopicPartition]) -> Result<Vec<Option<i64>>> {
        let mut rd = rd_config(&self.config);
        rd.set("group.id", group);
        let consumer: BaseConsumer = rd
            .create()
            .map_err(|e| map_error("creating the offset reader", None, e))?;
        Ok(committed_offsets(&consumer, partitions, self.timeout)?
            .into_iter()
            .map(|c| c.map(|c| c.offset))
            .collect())
    }
}
