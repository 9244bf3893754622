//! The application's life: its [`StreamsState`], the threads alive and where each is,
//! the state listener and the uncaught-exception handler.

mod handler;
mod state;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Condvar, Mutex, ReentrantMutex, RwLock};

pub use handler::StreamThreadExceptionResponse;
pub(crate) use handler::{ExceptionHandler, StateListener};
pub use state::StreamsState;

use crate::error::{Error, Result};
use crate::runtime::StateRestoreListener;

/// Where one stream thread is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ThreadState {
    /// Started, not yet given partitions by the group.
    Starting,
    /// Its partitions were revoked, or it is creating the tasks of new ones.
    Rebalancing,
    /// Processing its tasks.
    Running,
}

/// What changes together, under one lock.
#[derive(Debug)]
struct Inner {
    state: StreamsState,
    /// The stream threads alive, by name.
    stream_threads: BTreeMap<String, ThreadState>,
    /// The threads alive: the stream threads and the global thread.
    live: usize,
    /// The failure that sent the application to `PendingError`: the thread and its
    /// error.
    failure: Option<(String, Arc<Error>)>,
}

impl Inner {
    /// Moves to `to` if Kafka Streams allows it from the current state, noting the
    /// transition in `done`.
    fn go(&mut self, to: StreamsState, done: &mut Vec<(StreamsState, StreamsState)>) -> bool {
        if self.state == to || !self.state.can_transition_to(to) {
            return false;
        }
        done.push((self.state, to));
        self.state = to;
        true
    }

    /// The state the stream threads make: `Running` once all of them run their tasks,
    /// `Rebalancing` while one does not.
    fn follow_threads(&mut self, done: &mut Vec<(StreamsState, StreamsState)>) {
        if !self.state.is_running_or_rebalancing() {
            return;
        }
        let all_running = self.stream_threads.values().all(|s| *s == ThreadState::Running);
        let to = if all_running {
            StreamsState::Running
        } else {
            StreamsState::Rebalancing
        };
        self.go(to, done);
    }

    /// Once no thread is alive, a pending shutdown is complete.
    fn complete_shutdown(&mut self, done: &mut Vec<(StreamsState, StreamsState)>) {
        if self.live > 0 {
            return;
        }
        match self.state {
            StreamsState::PendingShutdown => self.go(StreamsState::NotRunning, done),
            StreamsState::PendingError => self.go(StreamsState::Error, done),
            _ => false,
        };
    }
}

/// The application's life, shared by the handle and its threads.
pub(crate) struct Lifecycle {
    inner: Mutex<Inner>,
    changed: Condvar,
    /// Held while a change is made and told to the listener, so the listener hears the
    /// transitions in the order they happened (reentrant: a listener may itself change
    /// the state, by closing the application).
    ordered: ReentrantMutex<()>,
    listener: RwLock<Option<Arc<StateListener>>>,
    handler: RwLock<Arc<ExceptionHandler>>,
    restore_listener: RwLock<Option<Arc<dyn StateRestoreListener>>>,
}

impl std::fmt::Debug for Lifecycle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Lifecycle")
            .field("inner", &*self.inner.lock())
            .field("listener", &self.listener.read().is_some())
            .finish_non_exhaustive()
    }
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self {
            inner: Mutex::new(Inner {
                state: StreamsState::Created,
                stream_threads: BTreeMap::new(),
                live: 0,
                failure: None,
            }),
            changed: Condvar::new(),
            ordered: ReentrantMutex::new(()),
            listener: RwLock::new(None),
            restore_listener: RwLock::new(None),
            handler: RwLock::new(Arc::new(|_: &Error| {
                StreamThreadExceptionResponse::ShutdownClient
            })),
        }
    }
}

impl Lifecycle {
    /// The application's state.
    pub(crate) fn state(&self) -> StreamsState {
        self.inner.lock().state
    }

    /// The failure that stopped the application, once it is in `PendingError` or
    /// `Error`.
    pub(crate) fn failure(&self) -> Option<Error> {
        let (thread, source) = self.inner.lock().failure.clone()?;
        Some(Error::ThreadFailed { thread, source })
    }

    /// Applies `change` and tells the listener about the transitions it made.
    fn change<T>(&self, change: impl FnOnce(&mut Inner, &mut Vec<(StreamsState, StreamsState)>) -> T) -> T {
        let _ordered = self.ordered.lock();
        let mut done = Vec::new();
        let result = {
            let mut inner = self.inner.lock();
            let result = change(&mut inner, &mut done);
            self.changed.notify_all();
            result
        };
        for (old, new) in done {
            tracing::info!(from = %old, to = %new, "streams state");
            let listener = self.listener.read().clone();
            if let Some(listener) = listener {
                listener(new, old);
            }
        }
        result
    }

    /// Fails unless the application is still `Created`.
    fn expect_created(&self, operation: &'static str) -> Result<()> {
        match self.state() {
            StreamsState::Created => Ok(()),
            state => Err(Error::InvalidState { operation, state }),
        }
    }

    pub(crate) fn set_listener(&self, listener: Arc<StateListener>) -> Result<()> {
        self.expect_created("set a state listener")?;
        *self.listener.write() = Some(listener);
        Ok(())
    }

    pub(crate) fn set_restore_listener(&self, listener: Arc<dyn StateRestoreListener>) -> Result<()> {
        self.expect_created("set a state restore listener")?;
        *self.restore_listener.write() = Some(listener);
        Ok(())
    }

    /// The state restore listener, if one was set.
    pub(crate) fn restore_listener(&self) -> Option<Arc<dyn StateRestoreListener>> {
        self.restore_listener.read().clone()
    }

    pub(crate) fn set_handler(&self, handler: Arc<ExceptionHandler>) -> Result<()> {
        self.expect_created("set an uncaught-exception handler")?;
        *self.handler.write() = handler;
        Ok(())
    }

    /// The uncaught-exception handler.
    pub(crate) fn handler(&self) -> Arc<ExceptionHandler> {
        self.handler.read().clone()
    }

    /// `Created` to `Rebalancing`; an error in any other state.
    pub(crate) fn start(&self) -> Result<()> {
        self.change(|inner, done| {
            if inner.state == StreamsState::Created && inner.go(StreamsState::Rebalancing, done) {
                Ok(())
            } else {
                Err(Error::InvalidState {
                    operation: "start",
                    state: inner.state,
                })
            }
        })
    }

    /// A stream thread about to start: until it is given partitions, the application
    /// is `Rebalancing`.
    pub(crate) fn stream_thread_started(&self, name: &str) {
        self.change(|inner, done| {
            inner
                .stream_threads
                .insert(name.to_owned(), ThreadState::Starting);
            inner.live += 1;
            inner.follow_threads(done);
        });
    }

    /// The global thread about to start.
    pub(crate) fn global_thread_started(&self) {
        self.change(|inner, _| inner.live += 1);
    }

    /// A stream thread moved on.
    pub(crate) fn stream_thread_is(&self, name: &str, state: ThreadState) {
        self.change(|inner, done| {
            if let Some(s) = inner.stream_threads.get_mut(name) {
                *s = state;
            }
            inner.follow_threads(done);
        });
    }

    /// A thread ended (`stream_thread`: its name, for a stream thread). The last one
    /// to end completes a pending shutdown.
    pub(crate) fn thread_stopped(&self, stream_thread: Option<&str>) {
        self.change(|inner, done| {
            if let Some(name) = stream_thread {
                inner.stream_threads.remove(name);
            }
            inner.live = inner.live.saturating_sub(1);
            inner.follow_threads(done);
            inner.complete_shutdown(done);
        });
    }

    /// A thread failed and the application shuts down because of it: `PendingError`
    /// (then `Error` when the last thread ends). A client already shutting down stays
    /// on its way to `NotRunning`.
    pub(crate) fn fail(&self, thread: &str, error: Arc<Error>) {
        self.change(|inner, done| {
            if inner.go(StreamsState::PendingError, done) {
                inner.failure.get_or_insert((thread.to_owned(), error));
                inner.complete_shutdown(done);
            }
        });
    }

    /// [`close`](crate::KafkaStreams::close) began: `PendingShutdown` (and
    /// `NotRunning` at once when no thread is alive).
    pub(crate) fn shut_down(&self) {
        self.change(|inner, done| {
            inner.go(StreamsState::PendingShutdown, done);
            inner.complete_shutdown(done);
        });
    }

    /// Waits until the application has stopped for good (`NotRunning` or `Error`);
    /// `false` when `timeout` (real time: it holds the calling thread) passes first.
    pub(crate) fn wait_until_stopped(&self, timeout: Duration) -> bool {
        let started = Instant::now();
        let mut inner = self.inner.lock();
        while !inner.state.has_completed_shutdown() {
            let Some(left) = timeout.checked_sub(started.elapsed()) else {
                return false;
            };
            // Woken by each change.
            self.changed
                .wait_for(&mut inner, left.min(Duration::from_secs(1)));
        }
        true
    }
}
