//! `FileStreamSourceTask`: reads lines from a file (or standard input), from the byte
//! position stored for it.

use std::fs::File;
use std::io::{ErrorKind, Read, Seek, SeekFrom};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

use super::{
    FILE_CONFIG, FILENAME_FIELD, FileStreamSourceConnector, POSITION_FIELD, TASK_BATCH_SIZE_CONFIG,
    TOPIC_CONFIG, stdin,
};
use crate::config::Properties;
use crate::connector::{OffsetReader, SourceTask};
use crate::connectors::parsed::Parsed;
use crate::connectors::{IDLE_WAIT, integer, string_map};
use crate::data::{Schema, Value};
use crate::error::{Error, Result};
use crate::record::{ConnectRecord, SourceRecord};

/// How much one read of the file asks for.
const READ_CHUNK: usize = 64 * 1024;

/// Where the lines come from.
#[derive(Debug)]
enum Input {
    /// Not started.
    None,
    /// A file not opened yet (it may not exist yet), to be read from `position`.
    Pending(PathBuf),
    /// The open file.
    File(PathBuf, File),
    /// Standard input, shared by the process (see `stdin`).
    Stdin,
}

/// Kafka's `FileStreamSourceTask`: each line of its file is a record of a `string`
/// value and no key, with the source partition `{"filename": <file>}` and the source
/// offset `{"position": <byte position after the line and its line end>}`.
///
/// At start it reads back the position stored for its file and goes on from there. A
/// poll opens the file if it is not open yet (waiting [`IDLE_WAIT`] and returning no
/// record while it does not exist), then returns the complete lines written since, at
/// most `batch.size` of them; it waits [`IDLE_WAIT`] when nothing new was written. A
/// line ends at `\n`, `\r\n` or `\r`; the last line of the file is held back until its
/// line end is written. Bytes that are not UTF-8 are read as U+FFFD.
///
/// Differences from Kafka's task: positions count bytes (Kafka's count the UTF-16 units
/// it decoded, which is not where it seeks to on a restart when a line is not ASCII);
/// it waits 100 ms rather than a second when idle; and lines left over when a poll
/// filled its batch are returned by the next poll even when nothing more is written.
/// Like Kafka's, it does not notice a file that is truncated or replaced.
#[derive(Debug)]
pub struct FileStreamSourceTask {
    input: Input,
    topic: String,
    batch_size: usize,
    /// Bytes read and not yet returned as lines.
    buffer: Vec<u8>,
    /// How far into `buffer` no line end was found (to not scan a long line again).
    scanned: usize,
    /// The byte position of the start of `buffer` in the file (none for stdin).
    position: Option<i64>,
    partition: Value,
    schema: Schema,
}

impl Default for FileStreamSourceTask {
    fn default() -> Self {
        FileStreamSourceTask {
            input: Input::None,
            topic: String::new(),
            batch_size: 1,
            buffer: Vec::new(),
            scanned: 0,
            position: None,
            partition: Value::Null,
            schema: Schema::string(),
        }
    }
}

impl FileStreamSourceTask {
    /// A task, not started.
    pub fn new() -> Self {
        Self::default()
    }

    /// The start position stored in `offset`: 0 when none is.
    fn stored_position(offset: Option<Value>) -> Result<i64> {
        let Some(offset) = offset else {
            return Ok(0);
        };
        match offset.map_get(POSITION_FIELD) {
            None | Some(Value::Null) => Ok(0),
            Some(value) => match integer(value) {
                Some(position) if position >= 0 => Ok(position),
                Some(_) => Err(Error::task(format!(
                    "The value for the '{POSITION_FIELD}' key in the offset should be a non-negative value"
                ))),
                None => Err(Error::task("Offset position is the incorrect type")),
            },
        }
    }

    /// Opens the pending file at its position; false while it does not exist.
    fn open(&mut self) -> Result<bool> {
        let Input::Pending(path) = &self.input else {
            return Ok(true);
        };
        let mut file = match File::open(path) {
            Ok(file) => file,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(false),
            Err(e) => {
                return Err(Error::task(format!(
                    "Error while trying to open file {}: {e}",
                    path.display()
                )));
            }
        };
        let position = self.position.unwrap_or(0);
        file.seek(SeekFrom::Start(position.unsigned_abs())).map_err(|e| {
            Error::task(format!(
                "Error while trying to seek to previous offset {position} in file {}: {e}",
                path.display()
            ))
        })?;
        self.input = Input::File(path.clone(), file);
        Ok(true)
    }

    /// Reads what is there into the buffer; with `wait`, waits up to [`IDLE_WAIT`] for
    /// something first. The count of bytes read.
    fn fill(&mut self, wait: bool) -> Result<usize> {
        match &mut self.input {
            Input::File(path, file) => {
                if wait {
                    std::thread::sleep(IDLE_WAIT);
                }
                let len = self.buffer.len();
                self.buffer.resize(len + READ_CHUNK, 0);
                let read = loop {
                    match file.read(&mut self.buffer[len..]) {
                        Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                        other => break other,
                    }
                };
                self.buffer.truncate(len + read.as_ref().map_or(0, |n| *n));
                read.map_err(|e| Error::retriable(format!("Error while reading {}: {e}", path.display())))
            }
            Input::Stdin => Ok(stdin::read(
                &mut self.buffer,
                if wait { IDLE_WAIT } else { Default::default() },
            )),
            Input::None | Input::Pending(_) => Ok(0),
        }
    }

    /// Takes the complete lines out of the buffer into `records`, up to the batch size.
    fn take_lines(&mut self, records: &mut Vec<SourceRecord>) {
        let mut start = 0;
        let now = now_millis();
        while records.len() < self.batch_size {
            let Some(end) = self.buffer[start + self.scanned..]
                .iter()
                .position(|b| *b == b'\n' || *b == b'\r')
                .map(|i| start + self.scanned + i)
            else {
                self.scanned = self.buffer.len() - start;
                break;
            };
            let next = match self.buffer[end] {
                b'\r' => match self.buffer.get(end + 1) {
                    // A `\r` last in the buffer may be the start of `\r\n`.
                    None => {
                        self.scanned = end - start;
                        break;
                    }
                    Some(b'\n') => end + 2,
                    Some(_) => end + 1,
                },
                _ => end + 1,
            };
            let line = String::from_utf8_lossy(&self.buffer[start..end]).into_owned();
            if let Some(position) = &mut self.position {
                *position += (next - start) as i64;
            }
            start = next;
            self.scanned = 0;
            let offset = string_map(vec![(
                POSITION_FIELD,
                self.position.map_or(Value::Null, Value::Int64),
            )]);
            records.push(SourceRecord {
                source_partition: self.partition.clone(),
                source_offset: offset,
                record: ConnectRecord::new(
                    self.topic.clone(),
                    Some(self.schema.clone()),
                    Value::String(line),
                )
                .with_timestamp(now),
            });
        }
        self.buffer.drain(..start);
    }
}

/// The time now, in milliseconds since the epoch.
fn now_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl SourceTask for FileStreamSourceTask {
    fn start(&mut self, config: &Properties, offsets: &dyn OffsetReader) -> Result<()> {
        let parsed = Parsed::new(&FileStreamSourceConnector::config_def(), config)?;
        self.topic = parsed.string(TOPIC_CONFIG)?.unwrap_or_default().to_owned();
        // Kafka returns a batch once it holds `batch.size` records: at least one.
        self.batch_size = usize::try_from(parsed.int(TASK_BATCH_SIZE_CONFIG)?.max(1)).unwrap_or(1);
        self.buffer.clear();
        self.scanned = 0;
        match parsed.string(FILE_CONFIG)? {
            Some(file) => {
                self.partition = string_map(vec![(FILENAME_FIELD, Value::String(file.to_owned()))]);
                self.position = Some(Self::stored_position(offsets.offset(&self.partition)?)?);
                self.input = Input::Pending(PathBuf::from(file));
            }
            None => {
                // Kafka tracks no offset for standard input.
                self.partition = string_map(vec![(FILENAME_FIELD, Value::Null)]);
                self.position = None;
                self.input = Input::Stdin;
            }
        }
        Ok(())
    }

    fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        if matches!(self.input, Input::None) {
            return Err(Error::task("FileStreamSourceTask polled before it was started"));
        }
        if !self.open()? {
            std::thread::sleep(IDLE_WAIT);
            return Ok(Vec::new());
        }
        let mut records = Vec::new();
        let mut read_any = false;
        loop {
            self.take_lines(&mut records);
            if records.len() >= self.batch_size || self.fill(false)? == 0 {
                break;
            }
            read_any = true;
        }
        if records.is_empty() && !read_any && self.fill(true)? > 0 {
            self.take_lines(&mut records);
        }
        Ok(records)
    }

    fn stop(&mut self) -> Result<()> {
        // Dropping the file closes it; standard input stays with the process.
        self.input = Input::None;
        Ok(())
    }
}
