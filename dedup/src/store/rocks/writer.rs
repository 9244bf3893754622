//! Writing a segment's ids as a sorted file, on a thread of its own: the checks go on
//! while a file is sorted and written, its ids still found in memory meanwhile.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;

use rocksdb::{Options, SstFileWriter};

use super::failed;
use super::segment::InMemory;
use crate::error::{Error, Result};

/// Files being written at most before a new one waits for the oldest: bounds the
/// memory of ids handed over and not yet on disk.
const MAX_WRITING: usize = 2;

/// A file to write.
struct Job {
    segment: i64,
    batch: u64,
    file: PathBuf,
    ids: Arc<InMemory>,
}

/// A file written (or not: `result` says).
pub(super) struct Written {
    /// The segment the ids are of.
    pub(super) segment: i64,
    /// Which of the segment's handed-over batches it is.
    pub(super) batch: u64,
    /// The file, to take into RocksDB.
    pub(super) file: PathBuf,
    /// Whether it was written.
    pub(super) result: Result<()>,
}

/// The thread writing files, with the jobs handed to it.
pub(super) struct FileWriter {
    jobs: Option<mpsc::Sender<Job>>,
    written: mpsc::Receiver<Written>,
    thread: Option<JoinHandle<()>>,
    writing: usize,
    /// The store's directory, named in its errors.
    path: PathBuf,
}

impl FileWriter {
    /// Starts the thread, writing files with `options` (a table format as the
    /// column families have).
    pub(super) fn start(options: Options, path: &Path) -> Result<Self> {
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (outbox, written) = mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("dedup-rocksdb-writer".into())
            .spawn(move || {
                for job in inbox {
                    let result = write_file(&job.ids, &options, &job.file);
                    let done = Written {
                        segment: job.segment,
                        batch: job.batch,
                        file: job.file,
                        result,
                    };
                    if outbox.send(done).is_err() {
                        break;
                    }
                }
            })
            .map_err(|e| failed(path, "starting the file writer", e))?;
        Ok(FileWriter {
            jobs: Some(jobs),
            written,
            thread: Some(thread),
            writing: 0,
            path: path.to_path_buf(),
        })
    }

    /// Hands `ids` of `segment` over to be written into `file`; first waits for the
    /// oldest file (returned with the others written) while [`MAX_WRITING`] are
    /// being written.
    pub(super) fn write(
        &mut self,
        segment: i64,
        batch: u64,
        file: PathBuf,
        ids: Arc<InMemory>,
    ) -> Result<Vec<Written>> {
        let mut done = self.take(false)?;
        while self.writing >= MAX_WRITING {
            done.extend(self.take(true)?);
        }
        let job = Job {
            segment,
            batch,
            file,
            ids,
        };
        self.jobs
            .as_ref()
            .and_then(|jobs| jobs.send(job).ok())
            .ok_or_else(|| self.stopped())?;
        self.writing += 1;
        Ok(done)
    }

    /// The files written since last asked; with `wait`, at least one if any is being
    /// written.
    pub(super) fn take(&mut self, wait: bool) -> Result<Vec<Written>> {
        let mut done = Vec::new();
        if wait && self.writing > 0 {
            done.push(self.written.recv().map_err(|_| self.stopped())?);
        }
        done.extend(self.written.try_iter());
        self.writing -= done.len();
        Ok(done)
    }

    /// Waits for every file being written.
    pub(super) fn take_all(&mut self) -> Result<Vec<Written>> {
        let mut done = Vec::new();
        while self.writing > 0 {
            done.extend(self.take(true)?);
        }
        Ok(done)
    }

    fn stopped(&self) -> Error {
        Error::Store {
            path: self.path.clone(),
            reason: "the file writer thread stopped (it panicked)".into(),
        }
    }
}

impl Drop for FileWriter {
    fn drop(&mut self) {
        self.jobs = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Writes `ids` sorted into `file`, each with its hash as the value.
fn write_file(ids: &InMemory, options: &Options, file: &Path) -> Result<()> {
    let mut writer = SstFileWriter::create(options);
    let fail = |e: rocksdb::Error| failed(file, "writing ids", e);
    writer.open(file).map_err(fail)?;
    for (id, hash) in ids.sorted() {
        writer.put(id, hash.to_be_bytes()).map_err(fail)?;
    }
    writer.finish().map_err(fail)
}
