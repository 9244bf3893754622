//! `DatagenTask`: makes the records of its quickstart at its pace, from where its
//! stored offset says.

use std::time::{Instant, SystemTime, UNIX_EPOCH};

use super::pace::Schedule;
use super::quickstarts::key_of;
use super::rng::Rng;
use super::{ITERATION_FIELD, QUICKSTART_FIELD, SEED_FIELD, Settings, TASK_FIELD, TASK_ID_CONFIG};
use crate::config::Properties;
use crate::connector::{OffsetReader, SourceTask};
use crate::connectors::{IDLE_WAIT, integer, string_map};
use crate::data::{Schema, Value};
use crate::error::{Error, Result};
use crate::record::{ConnectRecord, Header, SourceRecord};

/// The most records one poll returns.
const MAX_BATCH: usize = 1000;
/// What keys the draw of the wait after a record (apart from its values' draws).
const GAP: u64 = 4;

/// A task of [`DatagenConnector`](super::DatagenConnector): record `n` of its sequence
/// is drawn from (seed, task number, `n`), keyed by its key field, with the headers
/// `task.id` and `current.iteration` (int64, as Confluent's datagen sets them) and no
/// timestamp (the worker stamps it).
///
/// At start it reads back the offset of its partition and goes on from the iteration
/// stored there, with the stored seed unless `random.seed` is set. Once it has made
/// `iterations` records it makes no more: its polls wait and return nothing (where
/// Confluent's task fails with "Stopping connector").
#[derive(Debug, Default)]
pub struct DatagenTask {
    run: Option<Run>,
}

/// A started task.
#[derive(Debug)]
struct Run {
    settings: Settings,
    task: u64,
    seed: u64,
    /// The iteration of the next record.
    next: u64,
    schema: Schema,
    partition: Value,
    schedule: Schedule,
}

impl DatagenTask {
    /// A task, not started.
    pub fn new() -> Self {
        Self::default()
    }
}

/// A seed of the clock's, for a task without `random.seed` or a stored one.
fn clock_seed(task: u64) -> u64 {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as u64);
    Rng::keyed(&[nanos, task]).next_u64()
}

/// The stored offset's field `name`, a count of 0 or more.
fn stored(offset: &Value, name: &str) -> Result<Option<u64>> {
    match offset.map_get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(value) => integer(value)
            .map(|v| Some(v as u64))
            .ok_or_else(|| Error::task(format!("Offset {name} is the incorrect type"))),
    }
}

impl Run {
    fn finished(&self) -> bool {
        self.settings.iterations.is_some_and(|max| self.next >= max)
    }

    /// The next record of the sequence.
    fn record(&mut self) -> Result<SourceRecord> {
        let n = self.next;
        let row = self
            .settings
            .quickstart
            .generate(&self.schema, self.seed, self.task, n)?;
        let (key_schema, key) = key_of(&row, &self.settings.key_field)?;
        self.next += 1;
        let offset = string_map(vec![
            (ITERATION_FIELD, Value::Int64(self.next as i64)),
            (SEED_FIELD, Value::Int64(self.seed as i64)),
        ]);
        let mut record = ConnectRecord::new(
            self.settings.topic.clone(),
            Some(self.schema.clone()),
            Value::Struct(row),
        )
        .with_key(Some(key_schema), key);
        record.headers = vec![
            Header {
                key: TASK_ID_CONFIG.to_owned(),
                schema: Some(Schema::int64()),
                value: Value::Int64(self.task as i64),
            },
            Header {
                key: "current.iteration".to_owned(),
                schema: Some(Schema::int64()),
                value: Value::Int64(n as i64),
            },
        ];
        Ok(SourceRecord {
            source_partition: self.partition.clone(),
            source_offset: offset,
            record,
        })
    }
}

impl SourceTask for DatagenTask {
    fn start(&mut self, config: &Properties, offsets: &dyn OffsetReader) -> Result<()> {
        let settings = Settings::read(config)?;
        let task = match config.get(TASK_ID_CONFIG) {
            None => 0,
            Some(text) => text
                .trim()
                .parse::<u64>()
                .map_err(|_| Error::config(TASK_ID_CONFIG, text, "Not a task number (0 or more)"))?,
        };
        let partition = string_map(vec![
            (TASK_FIELD, Value::Int64(task as i64)),
            (
                QUICKSTART_FIELD,
                Value::String(settings.quickstart.name().to_owned()),
            ),
        ]);
        let offset = offsets.offset(&partition)?;
        let (next, stored_seed) = match &offset {
            Some(offset) => (
                stored(offset, ITERATION_FIELD)?.unwrap_or(0),
                stored(offset, SEED_FIELD)?,
            ),
            None => (0, None),
        };
        let seed = settings.seed.or(stored_seed).unwrap_or_else(|| clock_seed(task));
        self.run = Some(Run {
            schema: settings.quickstart.value_schema()?,
            schedule: Schedule::new(settings.pace, Instant::now()),
            settings,
            task,
            seed,
            next,
            partition,
        });
        Ok(())
    }

    fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        let run = self
            .run
            .as_mut()
            .ok_or_else(|| Error::task("DatagenTask polled before it was started"))?;
        if run.finished() {
            std::thread::sleep(IDLE_WAIT);
            return Ok(Vec::new());
        }
        let mut now = Instant::now();
        let wait = run.schedule.wait(now);
        if !wait.is_zero() {
            std::thread::sleep(wait.min(IDLE_WAIT));
            now = Instant::now();
        }
        let mut batch = Vec::new();
        while batch.len() < MAX_BATCH && !run.finished() && run.schedule.is_due(now) {
            let n = run.next;
            batch.push(run.record()?);
            run.schedule
                .advance(Rng::keyed(&[run.seed, run.task, n, GAP]).unit());
        }
        run.schedule.forget_backlog(now);
        Ok(batch)
    }

    fn stop(&mut self) -> Result<()> {
        self.run = None;
        Ok(())
    }
}
