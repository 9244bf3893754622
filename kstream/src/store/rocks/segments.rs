//! The RocksDB segments of a window or session store: one database per segment, in
//! `<dir>/<store>.<segment start>`, as Kafka Streams names them.
//!
//! Opening a database and closing one are mostly file creation and syncs, a few
//! milliseconds each, and a store whose records move through time opens a segment and
//! drops another every segment interval. So the stream thread does neither: once it has
//! opened the newest segment, the next one is opened ahead on another thread, and an
//! expired segment is closed and deleted on another thread too. A segment opened ahead
//! carries a marker file until it is first used, so that one left by a crash is not
//! taken for data when the store opens again (its time would move the store's on).

use std::path::{Path, PathBuf};
use std::thread::JoinHandle;

use super::RocksDbBackend;
use crate::error::{Error, Result};
use crate::store::backend::KeyValueBackend;
use crate::store::error::StoreError;
use crate::store::window::SegmentFactory;

/// The file in a segment opened ahead that no write has used yet.
const UNUSED_MARKER: &str = "STREAMKIT-UNUSED-SEGMENT";

/// The RocksDB segments of one window or session store.
pub(crate) struct RocksSegments {
    name: String,
    dir: PathBuf,
    segment_ms: i64,
    /// The segment after the newest one, being opened on another thread.
    ahead: Option<(i64, JoinHandle<Result<RocksDbBackend>>)>,
    /// The newest segment opened (`i64::MIN` before any).
    newest: i64,
    /// Segments being closed and deleted on other threads.
    removing: Vec<JoinHandle<Result<()>>>,
}

impl RocksSegments {
    /// The segments of store `name` under `dir`, `segment_ms` apart.
    pub(crate) fn new(name: &str, dir: &Path, segment_ms: i64) -> Self {
        RocksSegments {
            name: name.to_owned(),
            dir: dir.to_owned(),
            segment_ms,
            ahead: None,
            newest: i64::MIN,
            removing: Vec::new(),
        }
    }

    fn path(&self, id: i64) -> PathBuf {
        self.dir
            .join(format!("{}.{}", self.name, id.saturating_mul(self.segment_ms)))
    }

    fn io_error(&self, operation: &'static str, path: PathBuf, source: std::io::Error) -> Error {
        Error::Store {
            store: self.name.clone(),
            source: StoreError::Io {
                operation,
                path,
                source,
            },
        }
    }

    /// Starts opening segment `id` on another thread, marked unused.
    fn open_ahead(&mut self, id: i64) {
        let (name, path) = (self.name.clone(), self.path(id));
        let marker = path.join(UNUSED_MARKER);
        let opening = std::thread::Builder::new()
            .name(format!("{name}-segment"))
            .spawn(move || {
                let backend = RocksDbBackend::open(&name, &path)?;
                std::fs::write(&marker, b"").map_err(|source| Error::Store {
                    store: name.clone(),
                    source: StoreError::Io {
                        operation: "mark a segment opened ahead",
                        path: marker,
                        source,
                    },
                })?;
                Ok(backend)
            });
        // A thread that cannot start leaves the segment to be opened when needed.
        if let Ok(handle) = opening {
            self.ahead = Some((id, handle));
        }
    }

    /// The segment opened ahead as `id`, now in use, if that is the one ahead.
    fn take_ahead(&mut self, id: i64) -> Result<Option<RocksDbBackend>> {
        if !matches!(&self.ahead, Some((ahead, _)) if *ahead == id) {
            return Ok(None);
        }
        let (_, handle) = self.ahead.take().expect("a segment ahead");
        let Ok(opened) = handle.join() else {
            // The opening thread panicked: open the segment here, where an error is
            // returned.
            return Ok(None);
        };
        let backend = opened?;
        let marker = self.path(id).join(UNUSED_MARKER);
        std::fs::remove_file(&marker).map_err(|e| self.io_error("mark a segment used", marker, e))?;
        Ok(Some(backend))
    }

    /// Closes `backend` (if open) and deletes segment `id` on another thread.
    fn remove_in_background(&mut self, id: i64, backend: Option<Box<dyn KeyValueBackend>>) -> Result<()> {
        self.collect_removed(false)?;
        let (name, path) = (self.name.clone(), self.path(id));
        let remove = move || {
            drop(backend);
            match std::fs::remove_dir_all(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::Store {
                    store: name,
                    source: StoreError::Io {
                        operation: "remove an expired segment",
                        path,
                        source: e,
                    },
                }),
                _ => Ok(()),
            }
        };
        let thread = std::thread::Builder::new().name(format!("{}-segment", self.name));
        // Where no thread can start, the segment goes here and now.
        let spawned = thread.spawn(remove);
        match spawned {
            Ok(handle) => self.removing.push(handle),
            Err(_) => {
                let path = self.path(id);
                if path.exists() {
                    std::fs::remove_dir_all(&path)
                        .map_err(|e| self.io_error("remove an expired segment", path, e))?;
                }
            }
        }
        Ok(())
    }

    /// Reaps the removals that ended (all of them, waiting, with `wait`); the first
    /// that failed is returned.
    fn collect_removed(&mut self, wait: bool) -> Result<()> {
        let mut first_error = None;
        let mut pending = Vec::new();
        for handle in std::mem::take(&mut self.removing) {
            if !wait && !handle.is_finished() {
                pending.push(handle);
                continue;
            }
            let outcome = handle.join().unwrap_or(Err(Error::ThreadPanicked));
            if let Err(e) = outcome {
                first_error.get_or_insert(e);
            }
        }
        self.removing = pending;
        first_error.map_or(Ok(()), Err)
    }
}

impl SegmentFactory for RocksSegments {
    fn open(&mut self, id: i64) -> Result<Box<dyn KeyValueBackend>> {
        let backend = match self.take_ahead(id)? {
            Some(backend) => backend,
            None => RocksDbBackend::open(&self.name, &self.path(id))?,
        };
        if id > self.newest {
            self.newest = id;
            if self.ahead.is_none() {
                self.open_ahead(id + 1);
            }
        }
        Ok(Box::new(backend))
    }

    fn remove(&mut self, id: i64, backend: Option<Box<dyn KeyValueBackend>>) -> Result<()> {
        let backend = match &self.ahead {
            Some((ahead, _)) if *ahead == id => {
                let (_, handle) = self.ahead.take().expect("a segment ahead");
                handle
                    .join()
                    .ok()
                    .and_then(|opened| opened.ok())
                    .map(|b| Box::new(b) as Box<dyn KeyValueBackend>)
            }
            _ => backend,
        };
        self.remove_in_background(id, backend)
    }

    fn existing(&self) -> Result<Vec<i64>> {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return Ok(Vec::new());
        };
        let prefix = format!("{}.", self.name);
        let mut ids = Vec::new();
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(start) = name.strip_prefix(&prefix).and_then(|s| s.parse::<i64>().ok()) else {
                continue;
            };
            let path = entry.path();
            if path.join(UNUSED_MARKER).exists() {
                // Opened ahead and never written: not part of the store.
                std::fs::remove_dir_all(&path)
                    .map_err(|e| self.io_error("remove a segment opened ahead", path, e))?;
                continue;
            }
            ids.push(start.div_euclid(self.segment_ms));
        }
        Ok(ids)
    }

    fn persistent(&self) -> bool {
        true
    }
}

impl Drop for RocksSegments {
    /// Waits for the segments being opened or removed, and deletes the one opened
    /// ahead and never used, so that the directory holds the store and nothing else.
    fn drop(&mut self) {
        if let Some((id, handle)) = self.ahead.take() {
            drop(handle.join());
            let path = self.path(id);
            if let Err(e) = std::fs::remove_dir_all(&path)
                && e.kind() != std::io::ErrorKind::NotFound
            {
                tracing::warn!(store = %self.name, path = %path.display(), error = %e, "could not remove a segment opened ahead");
            }
        }
        if let Err(e) = self.collect_removed(true) {
            tracing::warn!(store = %self.name, error = %e, "could not remove an expired segment");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn segment_dirs(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn the_next_segment_is_opened_ahead_and_used_when_its_time_comes() {
        let dir = tempfile::tempdir().unwrap();
        let mut segments = RocksSegments::new("s", dir.path(), 1000);
        let mut first = segments.open(0).unwrap();
        first.put(b"a", b"1").unwrap();
        assert_eq!(segments.ahead.as_ref().map(|(id, _)| *id), Some(1));
        let mut second = segments.open(1).unwrap();
        second.put(b"b", b"2").unwrap();
        assert!(!dir.path().join("s.1000").join(UNUSED_MARKER).exists());
        assert_eq!(segments.ahead.as_ref().map(|(id, _)| *id), Some(2));
        drop((first, second));
        drop(segments);
        // The segment opened ahead and never used is gone with the store.
        assert_eq!(segment_dirs(dir.path()), ["s.0", "s.1000"]);
        let reopened = RocksSegments::new("s", dir.path(), 1000);
        let mut ids = reopened.existing().unwrap();
        ids.sort();
        assert_eq!(ids, [0, 1]);
    }

    #[test]
    fn a_segment_opened_ahead_and_left_by_a_crash_is_not_taken_for_data() {
        let dir = tempfile::tempdir().unwrap();
        let mut segments = RocksSegments::new("s", dir.path(), 1000);
        let first = segments.open(0).unwrap();
        while !segments.ahead.as_ref().is_some_and(|(_, h)| h.is_finished()) {
            std::thread::sleep(std::time::Duration::from_millis(1));
        }
        // A crash: nothing is closed or cleaned up.
        std::mem::forget(first);
        std::mem::forget(segments);
        assert_eq!(segment_dirs(dir.path()), ["s.0", "s.1000"]);
        let reopened = RocksSegments::new("s", dir.path(), 1000);
        assert_eq!(reopened.existing().unwrap(), [0]);
        assert_eq!(segment_dirs(dir.path()), ["s.0"]);
    }

    #[test]
    fn expired_segments_are_removed_on_another_thread_before_the_store_closes() {
        let dir = tempfile::tempdir().unwrap();
        let mut segments = RocksSegments::new("s", dir.path(), 1000);
        let mut opened = Vec::new();
        for id in 0..3 {
            let mut segment = segments.open(id).unwrap();
            segment.put(b"k", b"v").unwrap();
            opened.push(Some(segment));
        }
        segments.remove(0, opened[0].take()).unwrap();
        // The segment ahead (3) is removed the same way when it expires unused.
        segments.remove(3, None).unwrap();
        assert!(segments.ahead.is_none());
        drop(segments);
        drop(opened);
        assert_eq!(segment_dirs(dir.path()), ["s.1000", "s.2000"]);
    }
}
