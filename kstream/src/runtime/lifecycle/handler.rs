//! What the application does when one of its threads fails (Kafka Streams'
//! `StreamsUncaughtExceptionHandler`).

use crate::error::Error;

/// The answer of an uncaught-exception handler (set with
/// [`KafkaStreams::set_uncaught_exception_handler`](crate::KafkaStreams::set_uncaught_exception_handler))
/// to a thread that failed.
///
/// Whatever the answer, the failed thread's tasks are closed without committing: what
/// they processed since their last commit is processed again by the tasks' next owner
/// (at-least-once).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamThreadExceptionResponse {
    /// Start a new stream thread in place of the failed one: it joins the group and
    /// takes over tasks as the group assigns them (the failed thread's, usually). The
    /// global thread is not replaced: for it this answer is `ShutdownClient`.
    ReplaceThread,
    /// Stop this client's other threads: the application goes to
    /// [`PendingError`](super::StreamsState::PendingError), then
    /// [`Error`](super::StreamsState::Error) once every thread has stopped. This is
    /// the answer when no handler is set, as in Kafka Streams.
    ShutdownClient,
    /// In Kafka Streams, asks every instance of the application (every client in the
    /// `application.id` group) to shut down, through the group protocol. This crate has
    /// no such broker-side request: the answer shuts down this client exactly like
    /// `ShutdownClient`, the other instances keep running (and take over this client's
    /// partitions), and a warning says so.
    ShutdownApplication,
}

/// An uncaught-exception handler: the failure of a thread to what the application does
/// about it.
pub(crate) type ExceptionHandler = dyn Fn(&Error) -> StreamThreadExceptionResponse + Send + Sync;

/// A state listener: called with the new state and the old one at each transition.
pub(crate) type StateListener = dyn Fn(super::StreamsState, super::StreamsState) + Send + Sync;
