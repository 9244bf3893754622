//! `FileStreamSinkConnector` and its task: records appended to a file, one line each.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;

use super::{FILE_CONFIG, text};
use crate::config::Properties;
use crate::config_def::{ConfigDef, ConfigType, Importance};
use crate::connector::{Connector, SinkConnector, SinkTask, TopicPartition};
use crate::connectors::parsed::Parsed;
use crate::error::{Error, Result};
use crate::record::SinkRecord;

/// Kafka's `org.apache.kafka.connect.file.FileStreamSinkConnector`: the records of the
/// worker-level `topics` (or `topics.regex`) appended to a file, or standard output,
/// one line each.
///
/// One key: `file` (the file to append to, created if missing; unset or empty:
/// standard output). Every one of the `tasks.max` tasks appends to the same file. Its
/// version is this crate's, as Kafka's is the Kafka release's.
#[derive(Debug, Default, Clone)]
pub struct FileStreamSinkConnector {
    config: Properties,
}

impl FileStreamSinkConnector {
    /// Its Java class name, as a connector config's `connector.class` gives it.
    pub const CLASS: &'static str = "org.apache.kafka.connect.file.FileStreamSinkConnector";
    /// The other names a worker accepts for it: the simple class name, and that name
    /// without `Connector`.
    pub const ALIASES: &'static [&'static str] = &["FileStreamSinkConnector", "FileStreamSink"];

    /// A connector, not started.
    pub fn new() -> Self {
        Self::default()
    }

    /// Its keys, as Kafka declares them.
    pub fn config_def() -> ConfigDef {
        ConfigDef::new().define_optional(
            FILE_CONFIG,
            ConfigType::String,
            Importance::High,
            "The file records are appended to, one line each. Unset or empty: standard output.",
        )
    }
}

impl Connector for FileStreamSinkConnector {
    fn config_def(&self) -> ConfigDef {
        Self::config_def()
    }

    fn start(&mut self, config: &Properties) -> Result<()> {
        Parsed::new(&Self::config_def(), config)?;
        self.config = config.clone();
        Ok(())
    }

    /// `max_tasks` tasks, all writing to the same file (as Kafka's).
    fn task_configs(&self, max_tasks: usize) -> Result<Vec<Properties>> {
        Ok(vec![self.config.clone(); max_tasks])
    }

    fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl SinkConnector for FileStreamSinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(FileStreamSinkTask::new())
    }
}

/// Where the lines go.
#[derive(Debug)]
enum Output {
    /// Not started, or stopped.
    None,
    /// A file opened to append.
    File(PathBuf, File),
    /// Standard output.
    Stdout,
}

/// Kafka's `FileStreamSinkTask`: appends each record's value as a line, as Java's
/// `toString` prints what Kafka Connect gives for it.
///
/// A string is written as it is, null as `null`, numbers and booleans as Java prints
/// them (`1.0E7`), a struct as Kafka's `Struct{id=7,name=ann}` (its fields that are
/// set), an array as `[a, b]`, a map as `{k=v, k2=v2}` (in its order), a decimal as
/// `BigDecimal` prints it, and a Date, Time or Timestamp as `java.util.Date` prints it
/// in UTC (`Thu Jan 01 00:00:00 UTC 1970`). Where Java prints a byte array's identity
/// (`[B@1b6d3586`), a value of bytes is written as its bytes, and bytes inside a
/// struct, array or map in Base64. Lines end with `\n`.
///
/// Each `put` appends its lines with one write; `flush` (and so the worker's offset
/// commit) syncs the file to disk, where Kafka's only flushes Java's buffer.
#[derive(Debug)]
pub struct FileStreamSinkTask {
    output: Output,
    line: Vec<u8>,
}

impl Default for FileStreamSinkTask {
    fn default() -> Self {
        FileStreamSinkTask {
            output: Output::None,
            line: Vec::new(),
        }
    }
}

impl FileStreamSinkTask {
    /// A task, not started.
    pub fn new() -> Self {
        Self::default()
    }
}

impl SinkTask for FileStreamSinkTask {
    fn start(&mut self, config: &Properties) -> Result<()> {
        let parsed = Parsed::new(&FileStreamSinkConnector::config_def(), config)?;
        self.output = match parsed.string(FILE_CONFIG)? {
            None => Output::Stdout,
            Some(file) => {
                let path = PathBuf::from(file);
                let opened = OpenOptions::new().create(true).append(true).open(&path);
                match opened {
                    Ok(handle) => Output::File(path, handle),
                    Err(e) => {
                        return Err(Error::task(format!(
                            "Couldn't find or create file '{file}' for FileStreamSinkTask: {e}"
                        )));
                    }
                }
            }
        };
        Ok(())
    }

    fn put(&mut self, records: &[SinkRecord]) -> Result<()> {
        self.line.clear();
        for record in records {
            text::write_line(&mut self.line, &record.record.value);
            self.line.push(b'\n');
        }
        let written = match &mut self.output {
            Output::None => {
                return Err(Error::task(
                    "FileStreamSinkTask given records before it was started",
                ));
            }
            Output::File(path, file) => file
                .write_all(&self.line)
                .map_err(|e| Error::task(format!("Error writing to {}: {e}", path.display()))),
            Output::Stdout => std::io::stdout()
                .lock()
                .write_all(&self.line)
                .map_err(|e| Error::task(format!("Error writing to standard output: {e}"))),
        };
        self.line.clear();
        written
    }

    fn flush(&mut self, _offsets: &BTreeMap<TopicPartition, i64>) -> Result<()> {
        match &mut self.output {
            Output::None => Ok(()),
            Output::File(path, file) => file
                .sync_data()
                .map_err(|e| Error::task(format!("Error syncing {} to disk: {e}", path.display()))),
            Output::Stdout => std::io::stdout()
                .flush()
                .map_err(|e| Error::task(format!("Error flushing standard output: {e}"))),
        }
    }

    fn stop(&mut self) -> Result<()> {
        if let Output::Stdout = self.output {
            let _ = std::io::stdout().flush();
        }
        self.output = Output::None;
        Ok(())
    }
}
