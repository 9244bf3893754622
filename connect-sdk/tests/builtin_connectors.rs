//! The built-in connectors driven directly, as a worker drives them: the file source
//! and sink on real files (`file`), and the data generator's sequences, resumes and
//! pace (`datagen`).

#[path = "builtin_connectors/datagen.rs"]
mod datagen;
#[path = "builtin_connectors/file.rs"]
mod file;

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use connect_sdk::config::Properties;
use connect_sdk::connector::OffsetReader;
use connect_sdk::data::Value;
use connect_sdk::record::SourceRecord;
use connect_sdk::{Error, Result};

/// A directory of its own under the system's temp dir, removed at the end.
pub(crate) struct TempDir(PathBuf);

impl TempDir {
    pub(crate) fn new() -> TempDir {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let path = std::env::temp_dir().join(format!(
            "builtin-connectors-{}-{}",
            std::process::id(),
            COUNT.fetch_add(1, Ordering::Relaxed)
        ));
        fs::create_dir_all(&path).expect("a temp dir");
        TempDir(path)
    }

    pub(crate) fn file(&self, name: &str) -> PathBuf {
        self.0.join(name)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.0);
    }
}

pub(crate) fn append(path: &Path, text: &str) {
    let mut file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open to append");
    file.write_all(text.as_bytes()).expect("append");
}

pub(crate) fn props(pairs: &[(&str, &str)]) -> Properties {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub(crate) fn map(pairs: Vec<(&str, Value)>) -> Value {
    Value::Map(
        pairs
            .into_iter()
            .map(|(k, v)| (Value::String(k.to_owned()), v))
            .collect(),
    )
}

/// Offsets as a worker would have stored them: by partition.
#[derive(Default)]
pub(crate) struct Stored(Vec<(Value, Value)>);

impl Stored {
    pub(crate) fn with(partition: Value, offset: Value) -> Stored {
        Stored(vec![(partition, offset)])
    }

    /// The offset of the last record of each partition, as a worker commits them.
    pub(crate) fn committed(records: &[SourceRecord]) -> Stored {
        let mut stored = Stored::default();
        for r in records {
            stored.0.retain(|(p, _)| *p != r.source_partition);
            stored
                .0
                .push((r.source_partition.clone(), r.source_offset.clone()));
        }
        stored
    }
}

impl OffsetReader for Stored {
    fn offset(&self, partition: &Value) -> Result<Option<Value>> {
        Ok(self
            .0
            .iter()
            .find(|(p, _)| p == partition)
            .map(|(_, o)| o.clone()))
    }
}

/// Config keys and values.
pub(crate) type Pairs = &'static [(&'static str, &'static str)];

pub(crate) fn key_of(err: &Error) -> &str {
    match err {
        Error::Config { key, .. } | Error::MissingConfig { key } => key,
        other => panic!("not a config error: {other:?}"),
    }
}
