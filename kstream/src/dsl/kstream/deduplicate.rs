//! `deduplicate`: drop a record whose id was already seen inside a time window, the ids
//! kept in a changelogged [`SegmentedStore`].

use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use dedup::{Window, dead_letter_headers};

use super::KStream;
use crate::dsl::options::Produced;
use crate::processor::{FixedKeyProcessor, FixedKeyProcessorContext, FixedKeyRecord, ProcessorError};
use crate::serdes::{BytesSerde, I64Serde};
use crate::store::{Materialized, SegmentedStore, StoreHandle, StoreKind};

/// The id of a record, or `None` when it has none.
type IdOf<K, V> = Arc<dyn Fn(&K, &V) -> Option<Vec<u8>> + Send + Sync>;

/// How [`KStream::deduplicate`] finds and remembers ids: [`Deduplication::by`], then the
/// setters.
pub struct Deduplication<K, V> {
    ids: IdOf<K, V>,
    window: Window,
    processing_time: bool,
    store_name: Option<String>,
    kind: StoreKind,
    missing: Missing<K, V>,
}

impl<K, V> std::fmt::Debug for Deduplication<K, V> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let missing = match &self.missing {
            Missing::Fail => "fail",
            Missing::Pass => "pass",
            Missing::DeadLetter(..) => "dead letter",
        };
        f.debug_struct("Deduplication")
            .field("window", &self.window)
            .field("processing_time", &self.processing_time)
            .field("store_name", &self.store_name)
            .field("kind", &self.kind)
            .field("missing", &missing)
            .finish_non_exhaustive()
    }
}

enum Missing<K, V> {
    Fail,
    Pass,
    DeadLetter(String, Produced<K, V>),
}

impl<K, V> Deduplication<K, V> {
    /// Ids from `ids`, remembered over `window` by the records' timestamps, in memory;
    /// a record without an id stops the task.
    pub fn by(ids: impl Fn(&K, &V) -> Option<Vec<u8>> + Send + Sync + 'static, window: Window) -> Self {
        Deduplication {
            ids: Arc::new(ids),
            window,
            processing_time: false,
            store_name: None,
            kind: StoreKind::InMemory,
            missing: Missing::Fail,
        }
    }

    /// Places records by the wall clock when they are processed, not by their
    /// timestamps.
    pub fn processing_time(mut self) -> Self {
        self.processing_time = true;
        self
    }

    /// Names the store of the ids (and so its changelog topic).
    pub fn named(mut self, store: impl Into<String>) -> Self {
        self.store_name = Some(store.into());
        self
    }

    /// Where the ids are kept (in memory by default).
    pub fn kind(mut self, kind: StoreKind) -> Self {
        self.kind = kind;
        self
    }

    /// Passes a record without an id on, unchecked.
    pub fn pass_missing_ids(mut self) -> Self {
        self.missing = Missing::Pass;
        self
    }

    /// Sends a record without an id to `topic` (written with `produced`), with
    /// [`dead_letter_headers`] saying why and where it was read.
    pub fn dead_letter_missing_ids(mut self, topic: impl Into<String>, produced: Produced<K, V>) -> Self {
        self.missing = Missing::DeadLetter(topic.into(), produced);
        self
    }
}

/// What the deduplicating processor says of a record.
#[derive(Clone)]
enum Checked<V> {
    /// A new id, or a record without an id passed on.
    Pass(V),
    /// A record without an id, for the dead letter topic.
    Missing(V),
}

struct Deduplicate<K, V> {
    ids: IdOf<K, V>,
    window: Window,
    processing_time: bool,
    dead_letters: bool,
    pass_missing: bool,
    handle: StoreHandle<Bytes, i64>,
    store: Option<SegmentedStore<i64>>,
}

impl<K: Clone + 'static, V: Clone + 'static> FixedKeyProcessor<K, V, Checked<V>> for Deduplicate<K, V> {
    fn init(&mut self, ctx: &mut FixedKeyProcessorContext<'_, K, Checked<V>>) -> Result<(), ProcessorError> {
        let length = self
            .window
            .segment_ms()
            .saturating_mul(i64::from(self.window.segments()));
        self.store = Some(SegmentedStore::open(
            ctx.store(&self.handle)?,
            Duration::from_millis(length.max(1) as u64),
            self.window.segments(),
        )?);
        Ok(())
    }

    fn process(
        &mut self,
        ctx: &mut FixedKeyProcessorContext<'_, K, Checked<V>>,
        record: FixedKeyRecord<K, V>,
    ) -> Result<(), ProcessorError> {
        let Some(store) = self.store.as_mut() else {
            return Err("the deduplicator's store was never opened".into());
        };
        let Some(id) = (self.ids)(record.key(), record.value()) else {
            metrics::counter!("dedup_records_total", "verdict" => "missing_id").increment(1);
            if self.pass_missing {
                ctx.forward(record.map_value(Checked::Pass))?;
                return Ok(());
            }
            let (topic, partition, offset) = (ctx.topic().to_owned(), ctx.partition(), ctx.offset());
            if !self.dead_letters {
                return Err(format!("the record at {topic}/{partition}@{offset} has no id").into());
            }
            let headers = ctx.headers_mut();
            headers.push(
                dead_letter_headers::REASON,
                Some(Bytes::from_static(b"the id function found none")),
            );
            headers.push(dead_letter_headers::TOPIC, Some(Bytes::from(topic)));
            headers.push(
                dead_letter_headers::PARTITION,
                Some(Bytes::from(partition.to_string())),
            );
            headers.push(dead_letter_headers::OFFSET, Some(Bytes::from(offset.to_string())));
            ctx.forward(record.map_value(Checked::Missing))?;
            return Ok(());
        };
        let time = if self.processing_time {
            ctx.wall_clock_time()
        } else {
            ctx.timestamp()
        };
        store.advance(time)?;
        if store.get(&id)?.is_some() {
            metrics::counter!("dedup_records_total", "verdict" => "duplicate").increment(1);
            return Ok(());
        }
        store.put(time, &id, &time)?;
        metrics::counter!("dedup_records_total", "verdict" => "new").increment(1);
        ctx.forward(record.map_value(Checked::Pass))?;
        Ok(())
    }
}

impl<'b, K: Clone + 'static, V: Clone + 'static> KStream<'b, K, V> {
    /// Drops every record whose id was already seen inside the window: the windowed
    /// deduplication of Confluent's tutorial and of the `dedup` crate, as an operator.
    /// The ids are kept per partition in a [`SegmentedStore`] with a changelog topic,
    /// so they survive restarts and follow a partition to another instance; a window
    /// segment is forgotten whole once it is older than the window.
    ///
    /// Repeats are found within a partition: key the stream by the id (or by
    /// something the id follows from) before this step.
    ///
    /// ```
    /// use std::time::Duration;
    /// use kstream::prelude::*;
    /// use kstream::Deduplication;
    ///
    /// let builder = StreamsBuilder::new();
    /// let window = dedup::Window::new(Duration::from_secs(3600), 12)?;
    /// builder
    ///     .stream("payments", Consumed::with(StringSerde, StringSerde))
    ///     .deduplicate(Deduplication::by(|id: &String, _: &String| Some(id.clone().into_bytes()), window))
    ///     .to("payments-once", Produced::with(StringSerde, StringSerde));
    /// let driver = TopologyTestDriver::new(builder.build()?)?;
    /// let input = driver.input_topic("payments", StringSerde, StringSerde);
    /// for id in ["p1", "p2", "p1"] {
    ///     input.pipe_input(id.into(), "10 EUR".into())?;
    /// }
    /// let out = driver.output_topic("payments-once", StringSerde, StringSerde).read_key_values()?;
    /// let ids: Vec<&str> = out.iter().map(|(id, _)| id.as_str()).collect();
    /// assert_eq!(ids, ["p1", "p2"]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn deduplicate(&self, dedup: Deduplication<K, V>) -> KStream<'b, K, V> {
        let name = self.dsl.fresh("KSTREAM-DEDUPLICATE");
        let store_name = dedup
            .store_name
            .clone()
            .unwrap_or_else(|| format!("{name}-STORE"));
        let materialized = Materialized::with(BytesSerde, I64Serde)
            .named(store_name)
            .kind(dedup.kind)
            .with_caching_disabled();
        let handle = materialized.handle();
        self.dsl.user_store(&materialized, "KSTREAM-DEDUPLICATE-STORE");
        let (dead_letters, pass_missing) = match &dedup.missing {
            Missing::Fail => (false, false),
            Missing::Pass => (false, true),
            Missing::DeadLetter(..) => (true, false),
        };
        let (ids, window, processing_time) = (dedup.ids.clone(), dedup.window, dedup.processing_time);
        let checked = self.process_values_step(
            name,
            move || Deduplicate {
                ids: ids.clone(),
                window,
                processing_time,
                dead_letters,
                pass_missing,
                handle: handle.clone(),
                store: None,
            },
            &[&materialized.handle()],
        );
        if let Missing::DeadLetter(topic, produced) = dedup.missing {
            checked
                .flat_map_values(|c| match c {
                    Checked::Missing(v) => Some(v),
                    Checked::Pass(_) => None,
                })
                .to(&topic, produced);
        }
        checked.flat_map_values(|c| match c {
            Checked::Pass(v) => Some(v),
            Checked::Missing(_) => None,
        })
    }
}
