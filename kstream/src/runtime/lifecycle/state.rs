//! [`StreamsState`]: where the application is in its life, and the transitions Kafka
//! Streams allows between states.

/// Where the application is in its life (Kafka Streams' `KafkaStreams.State`).
///
/// The transitions allowed (the others are ignored):
///
/// | from | to |
/// |---|---|
/// | `Created` | `Rebalancing` (started), `PendingShutdown` (closed), `PendingError` |
/// | `Rebalancing` | `Running`, `PendingShutdown`, `PendingError` |
/// | `Running` | `Rebalancing` (a thread's partitions change), `PendingShutdown`, `PendingError` |
/// | `PendingShutdown` | `NotRunning` (every thread stopped) |
/// | `PendingError` | `Error` (every thread stopped) |
///
/// A thread that fails goes to `PendingError` when the uncaught-exception handler
/// answers [`ShutdownClient`](super::StreamThreadExceptionResponse::ShutdownClient).
/// `NotRunning` and `Error` are final.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StreamsState {
    /// Built, not started.
    Created,
    /// A stream thread is joining the group, or creating and restoring the tasks of
    /// the partitions it was given.
    Rebalancing,
    /// Every stream thread is processing its tasks.
    Running,
    /// [`close`](super::super::KafkaStreams::close) was called: the threads commit
    /// and stop.
    PendingShutdown,
    /// Closed.
    NotRunning,
    /// A thread failed and the client is shutting down because of it.
    PendingError,
    /// The client shut down after a thread failed.
    Error,
}

impl StreamsState {
    /// Whether Kafka Streams allows going from `self` to `next`.
    pub fn can_transition_to(self, next: StreamsState) -> bool {
        use StreamsState::*;
        matches!(
            (self, next),
            (Created, Rebalancing | PendingShutdown | PendingError)
                | (Rebalancing, Running | PendingShutdown | PendingError)
                | (Running, Rebalancing | Running | PendingShutdown | PendingError)
                | (PendingShutdown, NotRunning)
                | (PendingError, Error)
        )
    }

    /// Whether the stream threads are (or are becoming) busy with their tasks:
    /// `Rebalancing` or `Running`.
    pub fn is_running_or_rebalancing(self) -> bool {
        matches!(self, StreamsState::Rebalancing | StreamsState::Running)
    }

    /// Whether the client has stopped for good: `NotRunning` or `Error`.
    pub fn has_completed_shutdown(self) -> bool {
        matches!(self, StreamsState::NotRunning | StreamsState::Error)
    }

    /// Kafka Streams' name of the state (`CREATED`, `REBALANCING` ...).
    pub fn name(self) -> &'static str {
        match self {
            StreamsState::Created => "CREATED",
            StreamsState::Rebalancing => "REBALANCING",
            StreamsState::Running => "RUNNING",
            StreamsState::PendingShutdown => "PENDING_SHUTDOWN",
            StreamsState::NotRunning => "NOT_RUNNING",
            StreamsState::PendingError => "PENDING_ERROR",
            StreamsState::Error => "ERROR",
        }
    }
}

impl std::fmt::Display for StreamsState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::StreamsState::{self, *};

    const ALL: [StreamsState; 7] = [
        Created,
        Rebalancing,
        Running,
        PendingShutdown,
        NotRunning,
        PendingError,
        Error,
    ];

    #[test]
    fn transitions_are_kafka_streams_ones() {
        // Kafka Streams: CREATED(1, 3, 5), REBALANCING(2, 3, 5), RUNNING(1, 2, 3, 5),
        // PENDING_SHUTDOWN(4), NOT_RUNNING, PENDING_ERROR(6), ERROR.
        let allowed: [&[usize]; 7] = [&[1, 3, 5], &[2, 3, 5], &[1, 2, 3, 5], &[4], &[], &[6], &[]];
        for (from, targets) in ALL.iter().zip(allowed) {
            for (i, to) in ALL.iter().enumerate() {
                assert_eq!(
                    from.can_transition_to(*to),
                    targets.contains(&i),
                    "{from} -> {to}"
                );
            }
        }
        assert!(
            ALL.iter()
                .all(|s| s.has_completed_shutdown() == matches!(s, NotRunning | Error))
        );
        assert_eq!(PendingShutdown.to_string(), "PENDING_SHUTDOWN");
    }
}
