//! Standard input for the file source without `file`: one thread of the process reads
//! it and hands its bytes over, so that a poll can wait for input with a time limit (a
//! read of standard input cannot be interrupted) and a stopped task leaves nothing
//! blocked behind. Tasks reading standard input one after the other share that thread;
//! two at once would share its lines.

use std::io::{ErrorKind, Read};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

/// How many reads the thread may be ahead of the tasks (it then waits).
const CHUNKS_AHEAD: usize = 16;

static CHUNKS: OnceLock<Mutex<Receiver<Vec<u8>>>> = OnceLock::new();

fn chunks() -> &'static Mutex<Receiver<Vec<u8>>> {
    CHUNKS.get_or_init(|| {
        let (sender, receiver) = mpsc::sync_channel(CHUNKS_AHEAD);
        // Should the thread not start, its sender is dropped: input reads as ended.
        let _ = std::thread::Builder::new()
            .name("file-source-stdin".to_owned())
            .spawn(move || {
                let mut stdin = std::io::stdin();
                let mut buffer = vec![0; 64 * 1024];
                loop {
                    match stdin.read(&mut buffer) {
                        Ok(0) => break,
                        Ok(n) => {
                            if sender.send(buffer[..n].to_vec()).is_err() {
                                break;
                            }
                        }
                        Err(e) if e.kind() == ErrorKind::Interrupted => {}
                        Err(_) => break,
                    }
                }
            });
        Mutex::new(receiver)
    })
}

/// Appends what standard input gave to `buffer`, waiting up to `wait` when it has given
/// nothing yet. The count of bytes appended: 0 after the wait, or once input ended.
pub(super) fn read(buffer: &mut Vec<u8>, wait: Duration) -> usize {
    let receiver = chunks().lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let before = buffer.len();
    if !wait.is_zero() {
        match receiver.recv_timeout(wait) {
            Ok(chunk) => buffer.extend_from_slice(&chunk),
            Err(RecvTimeoutError::Timeout) => return 0,
            Err(RecvTimeoutError::Disconnected) => {
                // Input ended: wait as if idle, so that polls do not spin.
                std::thread::sleep(wait);
                return 0;
            }
        }
    }
    while let Ok(chunk) = receiver.try_recv() {
        buffer.extend_from_slice(&chunk);
    }
    buffer.len() - before
}
