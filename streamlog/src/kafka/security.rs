//! Authentication and TLS failures. librdkafka reports them as events on its own
//! threads, not as the result of the call waiting on the broker, and keeps trying; a
//! [`SecurityWatch`] in each client's context keeps the first one, so that the waiting
//! call returns it as [`Error::Authentication`] or [`Error::Tls`] as soon as it is seen,
//! instead of waiting out its timeout and reporting an unreachable broker.

use std::sync::Arc;

use parking_lot::Mutex;
use rdkafka::ClientContext;
use rdkafka::config::RDKafkaLogLevel;
use rdkafka::error::{KafkaError as RdError, RDKafkaErrorCode as Code};
use rdkafka::producer::{DeliveryResult, ProducerContext};

use crate::error::Error;

/// The first authentication or TLS failure a client's librdkafka instance reported.
#[derive(Debug, Default, Clone)]
pub(crate) struct SecurityWatch(Arc<Mutex<Option<Failure>>>);

/// A security failure: which kind, and librdkafka's reason.
#[derive(Debug, Clone)]
enum Failure {
    Authentication(String),
    Tls(String),
}

impl Failure {
    fn to_error(&self) -> Error {
        match self {
            Failure::Authentication(reason) => Error::Authentication {
                reason: reason.clone(),
            },
            Failure::Tls(reason) => Error::Tls {
                reason: reason.clone(),
            },
        }
    }
}

impl SecurityWatch {
    /// Looks at an error librdkafka reported with `reason` (its error callback), and
    /// keeps it when it is the first security failure. Every error is also logged.
    pub(crate) fn observe(&self, error: &RdError, reason: &str) {
        let failure = classify(error.rdkafka_error_code(), reason);
        match &failure {
            Some(_) => tracing::error!(error = %error, reason, "librdkafka security failure"),
            None => tracing::warn!(error = %error, reason, "librdkafka error"),
        }
        if let Some(failure) = failure {
            self.0.lock().get_or_insert(failure);
        }
    }

    /// The failure seen, if any (it stays for the next caller too: the client cannot
    /// recover from it without a new configuration).
    pub(crate) fn failure(&self) -> Option<Error> {
        self.0.lock().as_ref().map(Failure::to_error)
    }
}

/// The context of a client that needs nothing but the watch (the admin client and its
/// connection probe).
#[derive(Debug, Default)]
pub(crate) struct WatchContext {
    pub(crate) watch: SecurityWatch,
}

impl ClientContext for WatchContext {
    fn log(&self, level: RDKafkaLogLevel, facility: &str, message: &str) {
        log_to_tracing(level, facility, message);
    }
    fn error(&self, error: RdError, reason: &str) {
        self.watch.observe(&error, reason);
    }
}

/// librdkafka's log lines (`debug=...` included) as `tracing` events of target
/// `librdkafka`, so that one subscriber sees everything the backend says.
pub(crate) fn log_to_tracing(level: RDKafkaLogLevel, facility: &str, message: &str) {
    match level {
        RDKafkaLogLevel::Emerg
        | RDKafkaLogLevel::Alert
        | RDKafkaLogLevel::Critical
        | RDKafkaLogLevel::Error => {
            tracing::error!(target: "librdkafka", facility, "{message}")
        }
        RDKafkaLogLevel::Warning => tracing::warn!(target: "librdkafka", facility, "{message}"),
        RDKafkaLogLevel::Notice | RDKafkaLogLevel::Info => {
            tracing::info!(target: "librdkafka", facility, "{message}")
        }
        RDKafkaLogLevel::Debug => tracing::debug!(target: "librdkafka", facility, "{message}"),
    }
}

/// For the admin client's connection probe, which sends nothing.
impl ProducerContext for WatchContext {
    type DeliveryOpaque = ();

    fn delivery(&self, _: &DeliveryResult<'_>, _: ()) {}
}

/// The security failure librdkafka's error `code` and `reason` tell of, if any.
fn classify(code: Option<Code>, reason: &str) -> Option<Failure> {
    let reason = reason.to_owned();
    match code {
        Some(Code::Authentication | Code::SaslAuthenticationFailed) => Some(Failure::Authentication(reason)),
        Some(Code::SSL) => Some(Failure::Tls(reason)),
        // A broker that refuses the client's certificate closes the connection after
        // the handshake (TLS 1.3): librdkafka reports a transport error whose reason
        // names the TLS alert.
        _ if reason.contains("SSL handshake failed") || reason.contains("SSL alert") => {
            Some(Failure::Tls(reason))
        }
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn security_failures_are_kept_and_others_are_not() {
        let watch = SecurityWatch::default();
        watch.observe(
            &RdError::Global(Code::BrokerTransportFailure),
            "Connection refused",
        );
        assert!(watch.failure().is_none());
        watch.observe(
            &RdError::Global(Code::Authentication),
            "sasl_ssl://127.0.0.1:9095/bootstrap: SASL authentication error: Authentication failed",
        );
        watch.observe(&RdError::Global(Code::SSL), "later: not kept");
        let Some(Error::Authentication { reason }) = watch.failure() else {
            panic!("the first failure is kept")
        };
        assert!(reason.contains("127.0.0.1:9095"), "{reason}");
        assert!(
            matches!(watch.failure(), Some(Error::Authentication { .. })),
            "kept for the next caller"
        );
    }

    #[test]
    fn a_refused_client_certificate_is_a_tls_failure() {
        let failure = classify(
            Some(Code::BrokerTransportFailure),
            "ssl://127.0.0.1:9094/bootstrap: SSL handshake failed: ssl/record/rec_layer_s3.c:1605: error:0A000418:SSL routines::tlsv1 alert unknown ca",
        );
        assert!(matches!(failure, Some(Failure::Tls(_))));
    }
}
