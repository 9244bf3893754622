//! A task's checkpoint file (Kafka Streams' `OffsetCheckpoint`): how far each of its
//! persistent stores has applied its changelog partition locally, so a restart replays
//! the changelog from there instead of from the beginning.
//!
//! The format is Kafka Streams' own, version `0`:
//!
//! ```text
//! 0
//! 2
//! app-counts-changelog 3 1042
//! app-totals-changelog 3 77
//! ```
//!
//! a version line, the number of entries, then one `topic partition offset` line per
//! changelog partition. A file without the version line (one `topic offset` line per
//! changelog, the partition being the task's) is read too.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::PathBuf;

use streamlog::TopicPartition;

use crate::error::{Error, Result};

/// The version this module writes.
const VERSION: i32 = 0;

/// The checkpoint file of one task.
#[derive(Debug, Clone)]
pub(crate) struct OffsetCheckpoint {
    path: PathBuf,
}

impl OffsetCheckpoint {
    /// The checkpoint at `path`.
    pub(crate) fn new(path: PathBuf) -> Self {
        Self { path }
    }

    /// The file's offsets; `None` when there is no file. `task_partition` is the
    /// partition of the entries of an unversioned file, which names topics only.
    pub(crate) fn read(&self, task_partition: i32) -> Result<Option<BTreeMap<TopicPartition, i64>>> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(Error::CheckpointIo {
                    path: self.path.clone(),
                    source,
                });
            }
        };
        let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l));
        let offsets = match lines.clone().next() {
            None => BTreeMap::new(),
            Some((_, first)) if !first.contains(' ') => self.parse_versioned(lines)?,
            Some(_) => lines
                .by_ref()
                .filter(|(_, l)| !l.is_empty())
                .map(|(n, line)| {
                    let (topic, offset) = line
                        .rsplit_once(' ')
                        .ok_or_else(|| self.corrupt(n, line, "expected `topic offset`"))?;
                    let offset = self.offset(n, line, offset)?;
                    Ok((TopicPartition::new(topic, task_partition), offset))
                })
                .collect::<Result<_>>()?,
        };
        Ok(Some(offsets))
    }

    fn parse_versioned<'a>(
        &self,
        mut lines: impl Iterator<Item = (usize, &'a str)>,
    ) -> Result<BTreeMap<TopicPartition, i64>> {
        let mut next = |what: &str| lines.next().ok_or_else(|| self.truncated(what));
        let (n, version) = next("the version line")?;
        if version.trim().parse::<i32>() != Ok(VERSION) {
            return Err(self.corrupt(n, version, "unknown checkpoint version"));
        }
        let (n, count) = next("the entry count")?;
        let count: usize = count
            .trim()
            .parse()
            .map_err(|_| self.corrupt(n, count, "expected the number of entries"))?;
        let mut offsets = BTreeMap::new();
        for _ in 0..count {
            let (n, line) = next("an entry")?;
            let mut fields = line.split(' ');
            let (Some(topic), Some(partition), Some(offset), None) =
                (fields.next(), fields.next(), fields.next(), fields.next())
            else {
                return Err(self.corrupt(n, line, "expected `topic partition offset`"));
            };
            let partition = partition
                .parse()
                .map_err(|_| self.corrupt(n, line, "the partition is not a number"))?;
            let offset = self.offset(n, line, offset)?;
            offsets.insert(TopicPartition::new(topic, partition), offset);
        }
        if let Some((n, line)) = lines.find(|(_, l)| !l.is_empty()) {
            return Err(self.corrupt(n, line, "more entries than the count says"));
        }
        Ok(offsets)
    }

    /// Replaces the file with `offsets` (written to a temporary file first, then
    /// renamed, so a crash leaves the old file or the new one).
    pub(crate) fn write(&self, offsets: &BTreeMap<TopicPartition, i64>) -> Result<()> {
        let mut text = format!("{VERSION}\n{}\n", offsets.len());
        for (tp, offset) in offsets {
            // Writing to a `String` cannot fail.
            let _ = writeln!(text, "{} {} {offset}", tp.topic, tp.partition);
        }
        let write = || -> std::io::Result<()> {
            if let Some(dir) = self.path.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let tmp = self.path.with_extension("tmp");
            std::fs::write(&tmp, text)?;
            std::fs::rename(&tmp, &self.path)
        };
        write().map_err(|source| Error::CheckpointIo {
            path: self.path.clone(),
            source,
        })
    }

    /// The file's path.
    #[cfg(test)]
    fn path(&self) -> &std::path::Path {
        &self.path
    }

    fn offset(&self, n: usize, line: &str, offset: &str) -> Result<i64> {
        offset
            .parse::<i64>()
            .ok()
            .filter(|o| *o >= 0)
            .ok_or_else(|| self.corrupt(n, line, "the offset is not a non-negative number"))
    }

    fn corrupt(&self, line: usize, content: &str, problem: &str) -> Error {
        Error::CorruptCheckpoint {
            path: self.path.clone(),
            line,
            problem: format!("{problem}: `{content}`"),
        }
    }

    fn truncated(&self, missing: &str) -> Error {
        Error::CorruptCheckpoint {
            path: self.path.clone(),
            line: 0,
            problem: format!("the file ends before {missing}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint(dir: &tempfile::TempDir) -> OffsetCheckpoint {
        OffsetCheckpoint::new(dir.path().join("0_3").join(".checkpoint"))
    }

    #[test]
    fn offsets_round_trip_and_a_missing_file_is_none() {
        let dir = tempfile::tempdir().unwrap();
        let file = checkpoint(&dir);
        assert_eq!(file.read(3).unwrap(), None);
        let offsets = BTreeMap::from([
            (TopicPartition::new("app-counts-changelog", 3), 1042),
            (TopicPartition::new("app-totals-changelog", 3), 0),
        ]);
        file.write(&offsets).unwrap();
        assert_eq!(file.read(3).unwrap(), Some(offsets));
        let text = std::fs::read_to_string(file.path()).unwrap();
        assert_eq!(
            text,
            "0\n2\napp-counts-changelog 3 1042\napp-totals-changelog 3 0\n"
        );
    }

    #[test]
    fn a_file_without_a_version_line_is_read_with_the_task_partition() {
        let dir = tempfile::tempdir().unwrap();
        let file = checkpoint(&dir);
        std::fs::create_dir_all(file.path().parent().unwrap()).unwrap();
        std::fs::write(file.path(), "app-counts-changelog 17\napp-totals-changelog 5\n").unwrap();
        assert_eq!(
            file.read(3).unwrap(),
            Some(BTreeMap::from([
                (TopicPartition::new("app-counts-changelog", 3), 17),
                (TopicPartition::new("app-totals-changelog", 3), 5),
            ]))
        );
    }

    #[test]
    fn a_corrupt_file_names_the_file_and_the_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = checkpoint(&dir);
        std::fs::create_dir_all(file.path().parent().unwrap()).unwrap();
        for (text, bad_line) in [
            (
                "0\n2\napp-counts-changelog 3 10\napp-totals-changelog three 5\n",
                4,
            ),
            ("0\ntwo\n", 2),
            ("7\n0\n", 1),
            ("0\n1\napp-counts-changelog 3 -4\n", 3),
            ("0\n1\na 1 1\nb 1 1\n", 4),
            ("app-counts-changelog 17\napp-totals-changelog x\n", 2),
        ] {
            std::fs::write(file.path(), text).unwrap();
            match file.read(3).unwrap_err() {
                Error::CorruptCheckpoint { path, line, .. } => {
                    assert_eq!((path.as_path(), line), (file.path(), bad_line), "{text:?}")
                }
                other => panic!("expected a corrupt checkpoint for {text:?}, got {other}"),
            }
        }
        std::fs::write(file.path(), "0\n3\na 1 1\n").unwrap();
        let err = file.read(3).unwrap_err();
        assert!(matches!(err, Error::CorruptCheckpoint { .. }), "{err}");
        let message = err.to_string();
        assert!(
            message.contains(&file.path().display().to_string()) && message.contains("ends before"),
            "{message}"
        );
    }
}
