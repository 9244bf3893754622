//! The one background runtime the crate runs its I/O and the blocking facade's calls
//! on: started on first use, one worker thread, for the life of the process.

use std::future::Future;
use std::sync::{Mutex, OnceLock};
use std::task::{Context, Poll, Waker};

use tokio::runtime::Runtime;

use crate::error::{Error, Result};

/// The name of the runtime's worker thread.
const THREAD_NAME: &str = "schema-registry-client";

static RUNTIME: OnceLock<Runtime> = OnceLock::new();

/// The shared runtime, started on first use.
fn shared_runtime() -> Result<&'static Runtime> {
    if let Some(runtime) = RUNTIME.get() {
        return Ok(runtime);
    }
    // One caller starts it; a failed start is not kept, so the next call tries again.
    static STARTING: Mutex<()> = Mutex::new(());
    let _starting = STARTING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if let Some(runtime) = RUNTIME.get() {
        return Ok(runtime);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .thread_name(THREAD_NAME)
        .enable_all()
        .build()
        .map_err(|e| Error::Runtime {
            what: "cannot start the background runtime",
            source: Some(Box::new(e)),
        })?;
    Ok(RUNTIME.get_or_init(|| runtime))
}

/// Runs `future` on the shared runtime and waits for its answer on a channel, from
/// any thread, in or out of an async runtime: it never calls `block_on` on the
/// caller's thread.
///
/// The future is polled once in place first (inside the shared runtime's context, so
/// it may use tokio's timers and sockets): an answer that is ready at once (a cached
/// schema or id, the in-memory registry) costs no thread hop and no wait.
pub(crate) fn wait<F>(future: F) -> Result<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    let runtime = shared_runtime()?;
    let mut future = Box::pin(future);
    {
        let _context = runtime.enter();
        if let Poll::Ready(answer) = future.as_mut().poll(&mut Context::from_waker(Waker::noop())) {
            return Ok(answer);
        }
    }
    let (answer, answered) = std::sync::mpsc::sync_channel(1);
    runtime.spawn(async move {
        // The caller waits on the other end; it only goes away when its thread does.
        let _ = answer.send(future.await);
    });
    answered.recv().map_err(|_| Error::Runtime {
        what: "a call on the background runtime ended without an answer",
        source: None,
    })
}

/// Runs `future` on the shared runtime and awaits its answer from any executor: the
/// HTTP client's exchanges run there, so its pooled connections live on a runtime
/// that is always running, whichever runtime (or plain thread) made the request.
pub(crate) async fn on_shared_runtime<F>(future: F) -> Result<F::Output>
where
    F: Future + Send + 'static,
    F::Output: Send + 'static,
{
    shared_runtime()?.spawn(future).await.map_err(|e| Error::Runtime {
        what: "a call on the background runtime ended without an answer",
        source: Some(Box::new(e)),
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn a_ready_answer_is_given_in_place() {
        let caller = std::thread::current().id();
        let ran_on = wait(async { std::thread::current().id() }).unwrap();
        assert_eq!(ran_on, caller);
    }

    #[test]
    fn a_pending_future_finishes_on_the_background_thread() {
        let name = wait(async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            std::thread::current().name().map(str::to_owned)
        })
        .unwrap();
        assert_eq!(name.as_deref(), Some(THREAD_NAME));
    }

    #[tokio::test(flavor = "current_thread")]
    async fn waiting_inside_a_current_thread_runtime_does_not_panic() {
        let answer = wait(async {
            tokio::time::sleep(Duration::from_millis(5)).await;
            7
        })
        .unwrap();
        assert_eq!(answer, 7);
        assert_eq!(on_shared_runtime(async { 8 }).await.unwrap(), 8);
    }
}
