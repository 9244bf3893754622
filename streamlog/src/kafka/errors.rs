//! librdkafka errors mapped onto [`Error`].

use rdkafka::error::{KafkaError, RDKafkaErrorCode as Code};
use rdkafka_sys::types::RDKafkaConfRes;

use crate::error::Error;

/// Maps a librdkafka error met during `operation` on `topic` (if one is involved).
pub(crate) fn map_error(operation: &'static str, topic: Option<&str>, err: KafkaError) -> Error {
    let topic_name = || topic.unwrap_or("").to_owned();
    match &err {
        KafkaError::ClientConfig(res, description, key, value) => match res {
            RDKafkaConfRes::RD_KAFKA_CONF_UNKNOWN => Error::UnknownConfig { key: key.clone() },
            _ => Error::InvalidConfig {
                key: key.clone(),
                value: value.clone(),
                reason: description.clone(),
            },
        },
        KafkaError::Transaction(e) => match e.code() {
            Code::Fenced
            | Code::ProducerFenced
            | Code::InvalidProducerEpoch
            | Code::TransactionCoordinatorFenced => Error::ProducerFenced {
                transactional_id: topic_name(),
            },
            _ => Error::Transaction {
                reason: e.to_string(),
            },
        },
        _ => match err.rdkafka_error_code() {
            Some(Code::UnknownTopicOrPartition | Code::UnknownTopic) if topic.is_some() => {
                Error::UnknownTopic { topic: topic_name() }
            }
            Some(Code::InvalidRecord) if topic.is_some() => Error::InvalidRecord {
                topic: topic_name(),
                reason: err.to_string(),
            },
            Some(Code::TopicAlreadyExists) => Error::TopicAlreadyExists { topic: topic_name() },
            Some(Code::Fenced | Code::ProducerFenced | Code::InvalidProducerEpoch) => Error::ProducerFenced {
                transactional_id: topic_name(),
            },
            _ => Error::Kafka {
                operation,
                source: err,
            },
        },
    }
}
