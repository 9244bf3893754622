//! librdkafka errors mapped onto [`Error`], and which of them are retriable.

use rdkafka::error::{KafkaError as RdError, RDKafkaErrorCode as Code};
use rdkafka_sys::types::RDKafkaConfRes;

use crate::config::ClientConfig;
use crate::error::{Error, KafkaError, KafkaErrorCode};

/// Maps a librdkafka error met during `operation` on `topic` (or, for transactional
/// calls, the `transactional.id`) onto the variant that describes it.
pub(crate) fn map_error(operation: &'static str, topic: Option<&str>, err: RdError) -> Error {
    let topic_name = || topic.unwrap_or("").to_owned();
    match &err {
        RdError::ClientConfig(res, description, key, value) => match res {
            RDKafkaConfRes::RD_KAFKA_CONF_UNKNOWN => Error::UnknownConfig { key: key.clone() },
            _ => Error::InvalidConfig {
                key: key.clone(),
                value: ClientConfig::shown(key, value).into_owned(),
                reason: description.clone(),
            },
        },
        RdError::Transaction(e) => match e.code() {
            Code::Fenced
            | Code::ProducerFenced
            | Code::InvalidProducerEpoch
            | Code::TransactionCoordinatorFenced => Error::ProducerFenced {
                transactional_id: topic_name(),
            },
            _ => Error::Transaction {
                reason: e.to_string(),
                source: Some(wrap(err)),
            },
        },
        _ => match code_of(&err) {
            Some(Code::UnknownTopicOrPartition | Code::UnknownTopic) if topic.is_some() => {
                Error::UnknownTopic { topic: topic_name() }
            }
            Some(Code::InvalidRecord) if topic.is_some() => Error::InvalidRecord {
                topic: topic_name(),
                reason: err.to_string(),
                source: Some(wrap(err)),
            },
            Some(Code::TopicAlreadyExists) => Error::TopicAlreadyExists { topic: topic_name() },
            Some(Code::Fenced | Code::ProducerFenced | Code::InvalidProducerEpoch) => Error::ProducerFenced {
                transactional_id: topic_name(),
            },
            _ => Error::Kafka {
                operation,
                source: wrap(err),
            },
        },
    }
}

/// `err` as a [`KafkaError`]: its code, message and retriability, with `err` kept as
/// the source.
pub(crate) fn wrap(err: RdError) -> KafkaError {
    let code = code_of(&err);
    let message = match (&err, code) {
        // A transaction error carries librdkafka's own account of what failed.
        (RdError::Transaction(e), _) => e.to_string(),
        (_, Some(code)) => code.to_string(),
        (_, None) => err.to_string(),
    };
    let retriable = match &err {
        RdError::Transaction(e) => !e.is_fatal() && (e.is_retriable() || code.is_some_and(is_retriable)),
        RdError::MessageConsumptionFatal(_) => false,
        _ => code.is_some_and(is_retriable),
    };
    KafkaError::new(
        code.map(|c| KafkaErrorCode::new(c as i32, format!("{c:?}"))),
        message,
        retriable,
        Box::new(err),
    )
}

/// The error code of `err`, including an admin operation's (which rdkafka's own
/// `rdkafka_error_code` leaves out).
fn code_of(err: &RdError) -> Option<Code> {
    match err {
        RdError::AdminOp(code) => Some(*code),
        other => other.rdkafka_error_code(),
    }
}

/// Answers a broker gives for a moment while a coordinator or partition leader is
/// elected or loaded, as right after a broker starts or a topic is created.
pub(super) fn is_not_ready(code: Code) -> bool {
    matches!(
        code,
        Code::NotCoordinator
            | Code::CoordinatorLoadInProgress
            | Code::CoordinatorNotAvailable
            | Code::NotLeaderForPartition
            | Code::LeaderNotAvailable
    )
}

/// Codes of an outage or a transient answer: the same request may succeed later.
///
/// The broker codes follow the Java client's `RetriableException`s (except an unknown
/// topic, which `streamlog` reports as bad input); the client library's own are the
/// transport failures, timeouts and waits of librdkafka.
pub(super) fn is_retriable(code: Code) -> bool {
    is_not_ready(code)
        || matches!(
            code,
            // A broker or the network.
            Code::BrokerTransportFailure
                | Code::AllBrokersDown
                | Code::Resolve
                | Code::NodeUpdate
                | Code::BrokerNotAvailable
                | Code::NetworkException
                | Code::ReplicaNotAvailable
                | Code::KafkaStorageError
                | Code::ListenerNotFound
                // Time ran out, or the client's queue is full.
                | Code::MessageTimedOut
                | Code::OperationTimedOut
                | Code::RequestTimedOut
                | Code::TimedOutQueue
                | Code::QueueFull
                // Waiting for the cluster to settle.
                | Code::WaitingForCoordinator
                | Code::WaitCache
                | Code::InProgress
                | Code::PreviousInProgress
                | Code::Retry
                | Code::RebalanceInProgress
                | Code::NotController
                | Code::NotEnoughReplicas
                | Code::NotEnoughReplicasAfterAppend
                | Code::ISRInsufficient
                | Code::ConcurrentTransactions
                | Code::FetchSessionIdNotFound
                | Code::InvalidFetchSessionEpoch
                | Code::FencedLeaderEpoch
                | Code::UnknownLeaderEpoch
                | Code::OffsetNotAvailable
                | Code::PreferredLeaderNotAvailable
                | Code::EligibleLeadersNotAvailable
                | Code::UnstableOffsetCommit
                | Code::ThrottlingQuotaExceeded
        )
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;

    use rdkafka::error::{KafkaError as RdError, RDKafkaErrorCode as Code};
    use rdkafka_sys::types::RDKafkaConfRes;

    use super::{map_error, wrap};
    use crate::error::Error;

    #[test]
    fn outages_and_transient_answers_are_retriable() {
        for code in [
            Code::BrokerTransportFailure,
            Code::AllBrokersDown,
            Code::NotCoordinator,
            Code::CoordinatorLoadInProgress,
            Code::CoordinatorNotAvailable,
            Code::LeaderNotAvailable,
            Code::NotLeaderForPartition,
            Code::RequestTimedOut,
            Code::OperationTimedOut,
            Code::MessageTimedOut,
            Code::RebalanceInProgress,
            Code::NotEnoughReplicas,
        ] {
            let err = map_error("poll", None, RdError::MessageConsumption(code));
            assert!(err.is_retriable(), "{code:?}: {err}");
        }
    }

    #[test]
    fn bad_input_authorization_and_fencing_are_not_retriable() {
        for code in [
            Code::TopicAuthorizationFailed,
            Code::GroupAuthorizationFailed,
            Code::SaslAuthenticationFailed,
            Code::Authentication,
            Code::InvalidRecord,
            Code::MessageSizeTooLarge,
            Code::InvalidTopic,
            Code::InvalidConfig,
            Code::ProducerFenced,
            Code::FencedInstanceId,
            Code::UnknownTopicOrPartition,
        ] {
            let err = map_error("send", Some("orders"), RdError::MessageProduction(code));
            assert!(!err.is_retriable(), "{code:?}: {err}");
        }
        let config = RdError::ClientConfig(
            RDKafkaConfRes::RD_KAFKA_CONF_INVALID,
            "invalid value".into(),
            "sasl.password".into(),
            "hunter2".into(),
        );
        let err = map_error("creating the producer", None, config);
        assert!(!err.is_retriable());
        assert!(
            matches!(err, Error::InvalidConfig { ref value, .. } if value == "[hidden]"),
            "{err:?}"
        );
    }

    #[test]
    fn a_wrapped_error_keeps_code_message_and_source() {
        let err = wrap(RdError::AdminOp(Code::NotController));
        let code = err.code().expect("an admin error has a code");
        assert_eq!((code.number(), code.name()), (41, "NotController"));
        assert!(err.is_retriable());
        assert!(err.to_string().contains("[NotController (code 41)]"), "{err}");
        let source = err.source().expect("librdkafka's error is the source");
        assert!(source.to_string().contains("NotController"), "{source}");

        let err = wrap(RdError::Subscription("bad pattern".into()));
        assert!(err.code().is_none());
        assert!(!err.is_retriable());
        assert!(err.message().contains("bad pattern"), "{err}");
    }

    #[test]
    fn an_error_without_a_variant_of_its_own_is_kafka_with_the_operation() {
        let err = map_error(
            "fetch metadata",
            None,
            RdError::MetadataFetch(Code::AllBrokersDown),
        );
        match &err {
            Error::Kafka { operation, source } => {
                assert_eq!(*operation, "fetch metadata");
                assert_eq!(source.code().map(|c| c.number()), Some(-187));
            }
            other => panic!("expected Error::Kafka, got {other:?}"),
        }
        assert!(err.is_retriable());
        assert!(
            err.source().is_some_and(|s| s.source().is_some()),
            "the chain reaches librdkafka's error"
        );
    }
}
