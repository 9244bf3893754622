//! Helpers for tests of code built on `streamlog` (this workspace's crates and users'
//! own), behind the `test-util` feature:
//!
//! - [`required_service`]: the address of a service a test needs, read from an
//!   environment variable; `None` (the test skips, saying why) outside CI, a panic under
//!   `CI=true`, where a missing service must fail the run rather than pass it quietly;
//! - [`ci_broker`]: a [`Cluster`] on the broker at `KAFKA_BOOTSTRAP_SERVERS` (feature
//!   `kafka`), by the same rule; [`secured_config`] and [`ci_secured_broker`] reach the
//!   same broker over one of its [`SecuredListener`]s;
//! - [`unique_name`]: topic, group and application names no earlier run used (topics
//!   outlive a test on a real broker);
//! - [`MockCluster`]: librdkafka's in-process mock cluster (feature `kafka`), for Kafka
//!   backend tests inside a plain `cargo test`.
//!
//! ```
//! use streamlog::test_util::unique_name;
//!
//! let a = unique_name("orders");
//! let b = unique_name("orders");
//! assert!(a.starts_with("orders-"));
//! assert_ne!(a, b);
//! ```

#[cfg(feature = "kafka")]
mod mock;

use std::sync::atomic::{AtomicU64, Ordering};

#[cfg(feature = "kafka")]
pub use mock::MockCluster;

#[cfg(feature = "kafka")]
use crate::{ClientConfig, Cluster};

/// Whether this run is CI's (`CI=true`), where tests that need a service fail when it
/// is missing.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// The value of `var` (a service's address, such as `KAFKA_BOOTSTRAP_SERVERS`), or
/// `None` after printing that the test is skipped.
///
/// # Panics
///
/// Under `CI=true` when `var` is unset or empty: `what` names the service in the message.
pub fn required_service(var: &str, what: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(v) if !v.is_empty() => Some(v),
        _ if in_ci() => panic!("{var} is not set: CI=true needs {what} for this test"),
        _ => {
            eprintln!("skipped: {var} is not set (the address of {what})");
            None
        }
    }
}

/// A name no earlier run used: `prefix`, then the process id, the clock's nanoseconds
/// and a counter.
pub fn unique_name(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    // Tests may read the wall clock: this only makes names differ between runs.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{}-{nanos}-{n}", std::process::id())
}

/// Client properties suited to tests on a broker: short session timeouts so a group
/// rebalances in seconds, not the 45 s default.
#[cfg(feature = "kafka")]
pub fn test_client_base() -> ClientConfig {
    ClientConfig::new()
        .set("session.timeout.ms", "6000")
        .set("heartbeat.interval.ms", "500")
}

/// A cluster on the broker at `KAFKA_BOOTSTRAP_SERVERS`, with [`test_client_base`] under
/// every client, or `None` (skipped) outside CI when the variable is unset.
///
/// # Panics
///
/// Under `CI=true` when the variable is unset; anywhere when it is set and no broker
/// answers there.
#[cfg(feature = "kafka")]
pub fn ci_broker() -> Option<Cluster> {
    let servers = required_service("KAFKA_BOOTSTRAP_SERVERS", "a Kafka broker")?;
    let config = ClientConfig::new()
        .bootstrap_servers(servers.as_str())
        .default_api_timeout(std::time::Duration::from_secs(15));
    match Cluster::kafka(config) {
        Ok(cluster) => Some(cluster.with_base(test_client_base())),
        Err(e) => panic!("the broker at KAFKA_BOOTSTRAP_SERVERS={servers} does not answer: {e}"),
    }
}

/// A secured listener of the test broker `scripts/test` starts (see
/// `scripts/lib/kafka.sh`): its address, CA and users come from the environment.
#[cfg(feature = "kafka")]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecuredListener {
    /// `SSL` with a client certificate (`KAFKA_SSL_BOOTSTRAP_SERVERS`).
    Ssl,
    /// `SASL_SSL` with SCRAM-SHA-512 (`KAFKA_SASL_SSL_BOOTSTRAP_SERVERS`, user
    /// `KAFKA_SCRAM_USER`, password `KAFKA_SCRAM_PASSWORD`).
    SaslScram,
    /// `SASL_SSL` with PLAIN (`KAFKA_SASL_SSL_BOOTSTRAP_SERVERS`, user
    /// `KAFKA_PLAIN_USER`, password `KAFKA_PLAIN_PASSWORD`).
    SaslPlain,
}

/// The client properties that reach the test broker over `listener`: its address,
/// `security.protocol`, the CA in `KAFKA_TLS_DIR`, and the client certificate or the
/// SASL user; `None` (skipped) outside CI when the variables are unset.
///
/// # Panics
///
/// Under `CI=true` when a variable is unset.
#[cfg(feature = "kafka")]
pub fn secured_config(listener: SecuredListener) -> Option<ClientConfig> {
    let what = "the test broker's secured listeners (scripts/lib/kafka.sh)";
    let tls = required_service("KAFKA_TLS_DIR", what)?;
    let pem = |name: &str| format!("{tls}/{name}");
    let config = ClientConfig::new()
        .default_api_timeout(std::time::Duration::from_secs(15))
        .set("ssl.ca.location", pem("ca.pem"));
    Some(match listener {
        SecuredListener::Ssl => config
            .bootstrap_servers(required_service("KAFKA_SSL_BOOTSTRAP_SERVERS", what)?)
            .set("security.protocol", "SSL")
            .set("ssl.certificate.location", pem("client.pem"))
            .set("ssl.key.location", pem("client.key")),
        SecuredListener::SaslScram | SecuredListener::SaslPlain => {
            let (mechanism, user, password) = match listener {
                SecuredListener::SaslScram => ("SCRAM-SHA-512", "KAFKA_SCRAM_USER", "KAFKA_SCRAM_PASSWORD"),
                _ => ("PLAIN", "KAFKA_PLAIN_USER", "KAFKA_PLAIN_PASSWORD"),
            };
            config
                .bootstrap_servers(required_service("KAFKA_SASL_SSL_BOOTSTRAP_SERVERS", what)?)
                .set("security.protocol", "SASL_SSL")
                .set("sasl.mechanism", mechanism)
                .set("sasl.username", required_service(user, what)?)
                .set("sasl.password", required_service(password, what)?)
        }
    })
}

/// A cluster on the test broker over `listener` (see [`secured_config`]), with
/// [`test_client_base`] under every client.
///
/// # Panics
///
/// Under `CI=true` when a variable is unset; anywhere when they are set and the broker
/// does not answer there.
#[cfg(feature = "kafka")]
pub fn ci_secured_broker(listener: SecuredListener) -> Option<Cluster> {
    let config = secured_config(listener)?;
    match Cluster::kafka(config.clone()) {
        Ok(cluster) => Some(cluster.with_base(test_client_base())),
        Err(e) => panic!("the test broker's {listener:?} listener does not answer: {e}"),
    }
}
