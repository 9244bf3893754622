//! The Kafka backend over the test broker's secured listeners (`scripts/test` starts
//! them, see `scripts/lib/kafka.sh`): a subset of the conformance suite (produce and
//! consume, groups with a rebalance, transactions, admin) over `SSL` with a client
//! certificate, `SASL_SSL` with SCRAM-SHA-512 and with PLAIN; and each way a secured
//! connection fails, which must give a typed error naming the cause, fast. Skipped
//! without the variables, except under `CI=true`, where they fail.
#![cfg(feature = "kafka")]

mod conformance;

use std::time::{Duration, Instant};

use conformance::RealBroker;
use streamlog::test_util::{SecuredListener, ci_secured_broker, secured_config};
use streamlog::{ClientConfig, Cluster, Error, TopicConfig};

fn secured(listener: SecuredListener) -> Option<RealBroker> {
    ci_secured_broker(listener).map(|cluster| RealBroker { cluster })
}

/// The conformance scenarios run over each secured listener.
macro_rules! secured_conformance {
    ($listener:expr) => {
        use super::conformance;
        $crate::conformance_tests!(@each super::secured($listener);
            ordering::per_partition_ordering,
            ordering::headers_round_trip,
            ordering::watermarks_and_lag,
            groups::group_rebalance_loses_and_doubles_nothing,
            groups::commit_close_reopen_resume,
            transactions::read_committed_hides_aborted_and_open,
            transactions::offsets_commit_with_the_transaction,
            errors::unknown_topic_is_an_error,
        );
    };
}

mod ssl {
    secured_conformance!(streamlog::test_util::SecuredListener::Ssl);
}

mod sasl_scram {
    secured_conformance!(streamlog::test_util::SecuredListener::SaslScram);
}

mod sasl_plain {
    secured_conformance!(streamlog::test_util::SecuredListener::SaslPlain);
}

/// How long a failing connection may take: well under the 15 s API timeout the
/// secured configurations set, so a failure is reported when it happens, not when the
/// wait runs out.
const FAST: Duration = Duration::from_secs(8);

/// Connects with `config` and returns the error, checking it came fast.
fn connect_error(config: ClientConfig) -> Error {
    let started = Instant::now();
    let err = match Cluster::kafka(config) {
        Ok(_) => panic!("the connection should have been refused"),
        Err(e) => e,
    };
    assert!(
        started.elapsed() < FAST,
        "took {:?} to fail: {err}",
        started.elapsed()
    );
    eprintln!("failed in {:?}: {err}", started.elapsed());
    err
}

fn tls_file(name: &str) -> String {
    format!(
        "{}/{name}",
        std::env::var("KAFKA_TLS_DIR").expect("KAFKA_TLS_DIR is set")
    )
}

#[test]
fn a_wrong_password_is_an_authentication_error() {
    let Some(config) = secured_config(SecuredListener::SaslScram) else {
        return;
    };
    let err = connect_error(config.set("sasl.password", "not-the-password"));
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert!(!err.is_retriable());
    assert!(!err.to_string().contains("not-the-password"), "{err}");
}

#[test]
fn an_unknown_user_is_an_authentication_error() {
    let Some(config) = secured_config(SecuredListener::SaslPlain) else {
        return;
    };
    let err = connect_error(config.set("sasl.username", "nobody-here"));
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
}

#[test]
fn a_client_certificate_the_broker_does_not_trust_is_a_tls_error() {
    let Some(config) = secured_config(SecuredListener::Ssl) else {
        return;
    };
    let err = connect_error(
        config
            .set("ssl.certificate.location", tls_file("rogue-client.pem"))
            .set("ssl.key.location", tls_file("rogue-client.key")),
    );
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
}

#[test]
fn a_ca_that_did_not_sign_the_broker_is_a_tls_error() {
    let Some(config) = secured_config(SecuredListener::SaslScram) else {
        return;
    };
    let err = connect_error(config.set("ssl.ca.location", tls_file("rogue-ca.pem")));
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
    assert!(err.to_string().contains("certificate verify failed"), "{err}");
}

#[test]
fn a_host_the_certificate_was_not_issued_for_is_a_tls_error() {
    let Some(config) = secured_config(SecuredListener::SaslScram) else {
        return;
    };
    // The broker's certificate names 127.0.0.1 only.
    let servers = config
        .get("bootstrap.servers")
        .unwrap()
        .replace("127.0.0.1", "localhost");
    let err = connect_error(config.bootstrap_servers(servers));
    assert!(matches!(err, Error::Tls { .. }), "{err:?}");
}

#[test]
fn a_producer_and_a_consumer_with_a_wrong_password_fail_fast() {
    let Some(good) = secured_config(SecuredListener::SaslScram) else {
        return;
    };
    let Some(cluster) = ci_secured_broker(SecuredListener::SaslScram) else {
        return;
    };
    let topic = streamlog::test_util::unique_name("secured-wrong-password");
    cluster
        .admin()
        .unwrap()
        .create_topic(&topic, &TopicConfig::new(1))
        .unwrap();
    let bad = good.set("sasl.password", "not-the-password");
    // A cluster made with good credentials, clients given bad ones.
    let producer = cluster.producer(&bad).unwrap();
    producer
        .enqueue(streamlog::ProducerRecord::new(topic.as_str()).key("k").value("v"))
        .unwrap();
    let started = Instant::now();
    let err = producer.flush(Duration::from_secs(15)).unwrap_err();
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
    assert!(started.elapsed() < FAST, "{:?}", started.elapsed());

    let mut consumer = cluster
        .consumer(&bad.clone().group_id(streamlog::test_util::unique_name("g")))
        .unwrap();
    consumer.subscribe(&[topic.as_str()]).unwrap();
    let started = Instant::now();
    let err = loop {
        match consumer.poll(Duration::from_secs(1)) {
            Err(e) => break e,
            Ok(records) => assert!(records.is_empty()),
        }
        assert!(started.elapsed() < FAST, "no error after {:?}", started.elapsed());
    };
    assert!(matches!(err, Error::Authentication { .. }), "{err:?}");
}
