//! Which errors are retriable, variant by variant.

use std::error::Error as _;
use std::time::Duration;

use super::{Error, KafkaError, KafkaErrorCode};

/// A Kafka client library error with `retriable` as the library's verdict.
fn kafka_error(retriable: bool) -> KafkaError {
    let (number, name) = if retriable {
        (15, "CoordinatorNotAvailable")
    } else {
        (29, "TopicAuthorizationFailed")
    };
    KafkaError::new(
        Some(KafkaErrorCode::new(number, name)),
        format!("Broker: {name}"),
        retriable,
        Box::new(std::io::Error::other("the library's own error")),
    )
}

#[test]
fn outages_and_timeouts_are_retriable() {
    let errors = [
        Error::BrokerUnreachable {
            servers: "broker:9092".into(),
            timeout: Duration::from_secs(30),
            source: kafka_error(true),
        },
        Error::Timeout {
            operation: "flush".into(),
            timeout: Duration::from_secs(5),
        },
    ];
    for err in errors {
        assert!(err.is_retriable(), "{err}");
    }
}

#[test]
fn errors_wrapping_a_kafka_error_follow_it() {
    for retriable in [true, false] {
        let errors = [
            Error::Kafka {
                operation: "poll",
                source: kafka_error(retriable),
            },
            Error::Delivery {
                topic: "orders".into(),
                source: kafka_error(retriable),
            },
            Error::Transaction {
                reason: "commit failed".into(),
                source: Some(kafka_error(retriable)),
            },
            Error::CommitFailed {
                group: "billing".into(),
                reason: "rebalance in progress".into(),
                source: Some(kafka_error(retriable)),
            },
        ];
        for err in errors {
            assert_eq!(err.is_retriable(), retriable, "{err}");
            assert!(err.source().is_some(), "{err} keeps its source");
        }
    }
}

#[test]
fn bad_input_state_and_fencing_are_not_retriable() {
    let errors = [
        Error::UnknownTopic { topic: "t".into() },
        Error::TopicAlreadyExists { topic: "t".into() },
        Error::UnknownPartition {
            topic: "t".into(),
            partition: 3,
            partitions: 1,
        },
        Error::UnknownConfig {
            key: "gruop.id".into(),
        },
        Error::InvalidConfig {
            key: "acks".into(),
            value: "some".into(),
            reason: "expected all, 0 or 1".into(),
        },
        Error::RecordTooLarge {
            topic: "t".into(),
            size: 2,
            max: 1,
        },
        // Even when the library would try the refused record again.
        Error::InvalidRecord {
            topic: "t".into(),
            reason: "no key on a compacted topic".into(),
            source: Some(kafka_error(true)),
        },
        Error::ProducerFenced {
            transactional_id: "tx".into(),
        },
        Error::Transaction {
            reason: "call init_transactions first".into(),
            source: None,
        },
        Error::IllegalState {
            reason: "assign while subscribed".into(),
        },
        Error::NoOffset {
            topic: "t".into(),
            partition: 0,
        },
        Error::OffsetOutOfRange {
            topic: "t".into(),
            partition: 0,
            offset: 9,
            start: 0,
            end: 1,
        },
        Error::NotAssigned {
            topic: "t".into(),
            partition: 0,
        },
        Error::CommitFailed {
            group: "g".into(),
            reason: "not a member".into(),
            source: None,
        },
        Error::NoGroupId,
        Error::Closed { what: "consumer" },
        Error::BackendMismatch {
            what: "group metadata",
        },
    ];
    for err in errors {
        assert!(!err.is_retriable(), "{err}");
    }
}

#[test]
fn a_kafka_error_shows_its_message_and_code() {
    let err = kafka_error(true);
    assert_eq!(
        err.to_string(),
        "Broker: CoordinatorNotAvailable [CoordinatorNotAvailable (code 15)]"
    );
    assert_eq!(err.message(), "Broker: CoordinatorNotAvailable");
    assert_eq!(err.code().map(KafkaErrorCode::number), Some(15));
    assert_eq!(
        err.source().map(ToString::to_string).as_deref(),
        Some("the library's own error")
    );
}
