//! Source transactions as a stream (feature `cdc`): the change-event topics of a
//! Debezium connector (and its transaction metadata topic) or of a Replicate task,
//! assembled by `cdc-core`'s
//! [`TransactionAssembler`](cdc_core::transaction::TransactionAssembler) into a
//! [`KStream`] of [`CdcTransaction`]s: each source transaction whole, in source order,
//! without duplicates (see [`cdc_core::transaction`] for what that means per connector,
//! and how transactions past the bound come in chunks).
//!
//! [`transactions`] reads every input topic, brings all records to one task through a
//! repartition topic of one partition (`<application.id>-<name>-input-repartition`: a
//! transaction spans topics and partitions, so one assembler must see them all), and
//! runs the assembler there. Its state survives restarts: the records it holds are in
//! the store `<name>-held` under their arrival number, its
//! [`Checkpoint`](cdc_core::transaction::Checkpoint) in `<name>-checkpoint`, both
//! changelogged; a restarted task restores the assembler from them. Records without a
//! value (the tombstones Debezium writes after deletes) carry no event and are left out:
//! a consumer that needs them writes one for each delete.
//!
//! ```
//! use kstream::cdc::{AssemblerConfig, CdcTransaction, CdcTransactions, TransactionSource, transactions};
//! use kstream::prelude::*;
//!
//! let builder = StreamsBuilder::new();
//! let spec = CdcTransactions::debezium("shop-tx", AssemblerConfig::new(TransactionSource::DebeziumPostgres))
//!     .change_topics(["shop.public.orders", "shop.public.lines"])
//!     .metadata_topic("shop.transaction");
//! transactions(&builder, spec)?
//!     .map_values(|tx: CdcTransaction| tx.events.len() as i64)
//!     .to("events-per-transaction", Produced::with(OptionSerde(StringSerde), I64Serde));
//! let driver = TopologyTestDriver::new(builder.build()?)?;
//! let orders = driver.input_topic("shop.public.orders", StringSerde, StringSerde);
//! let meta = driver.input_topic("shop.transaction", StringSerde, StringSerde);
//! orders.pipe_input(r#"{"id":1}"#.into(), r#"{"before":null,"after":{"id":1},"op":"c",
//!     "source":{"connector":"postgresql","name":"shop","db":"shop","schema":"public","table":"orders",
//!               "lsn":120,"txId":7,"sequence":"[\"100\",\"120\"]"},
//!     "transaction":{"id":"7:120","total_order":1,"data_collection_order":1}}"#.into())?;
//! let out = driver.output_topic("events-per-transaction", OptionSerde(StringSerde), I64Serde);
//! assert!(out.is_empty(), "the END has not arrived");
//! meta.pipe_input(r#"{"id":"7:130"}"#.into(), r#"{"status":"END","id":"7:130","event_count":1,
//!     "data_collections":[{"data_collection":"public.orders","event_count":1}],"ts_ms":1}"#.into())?;
//! assert_eq!(out.read_key_values()?, vec![(Some("7:130".to_string()), 1)]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod codec;
mod processor;

use std::sync::Arc;

use serde::{Deserialize, Serialize};

pub use cdc_core::transaction::{AssemblerConfig, TransactionSource};

use self::codec::CdcInputSerde;
use self::processor::{Assembling, Tagger};
use crate::dsl::{Consumed, KStream, Repartitioned, StreamsBuilder};
use crate::error::{Error, Result};
use crate::serdes::{BytesSerde, I32Serde, I64Serde, OptionSerde, StringSerde};
use crate::store::Materialized;

/// How change events are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeFormat {
    /// Debezium's JSON converter, with or without schemas.
    DebeziumJson,
    /// Qlik Replicate's JSON messages.
    ReplicateJson,
}

/// What [`transactions`] assembles: the input topics, their format, the assembler's
/// settings, and a name for the processor, stores and repartition topic.
#[derive(Debug, Clone)]
pub struct CdcTransactions {
    name: String,
    format: ChangeFormat,
    config: AssemblerConfig,
    change_topics: Vec<String>,
    metadata_topic: Option<String>,
    keep_empty: bool,
}

impl CdcTransactions {
    /// Debezium JSON change events, assembled with `config` (a Debezium source); give
    /// the topics with [`change_topics`](Self::change_topics) and
    /// [`metadata_topic`](Self::metadata_topic).
    pub fn debezium(name: impl Into<String>, config: AssemblerConfig) -> Self {
        Self::new(name, ChangeFormat::DebeziumJson, config)
    }

    /// Change events in `format`, assembled with `config`.
    pub fn new(name: impl Into<String>, format: ChangeFormat, config: AssemblerConfig) -> Self {
        Self {
            name: name.into(),
            format,
            config,
            change_topics: Vec::new(),
            metadata_topic: None,
            keep_empty: false,
        }
    }

    /// The topics of change events (one per table, or shared).
    pub fn change_topics<S: Into<String>>(mut self, topics: impl IntoIterator<Item = S>) -> Self {
        self.change_topics.extend(topics.into_iter().map(Into::into));
        self
    }

    /// Debezium's transaction metadata topic (`<topic.prefix>.transaction`), of one
    /// partition.
    pub fn metadata_topic(mut self, topic: impl Into<String>) -> Self {
        self.metadata_topic = Some(topic.into());
        self
    }

    /// Whether transactions without change events (Debezium's `END`s of transactions
    /// that changed no captured table) are forwarded too; by default they are not.
    pub fn keep_empty(mut self, keep: bool) -> Self {
        self.keep_empty = keep;
        self
    }
}

/// A record as it was read from an input topic.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CdcRecord {
    /// Its topic.
    pub topic: String,
    /// Its partition.
    pub partition: i32,
    /// Its offset.
    pub offset: i64,
    /// Its timestamp, epoch milliseconds.
    pub timestamp: i64,
    /// Its key.
    pub key: Option<Vec<u8>>,
    /// Its value.
    pub value: Option<Vec<u8>>,
}

/// A source transaction (or a chunk of one past the assembler's bound, or a change
/// event outside any transaction), as its records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CdcTransaction {
    /// The transaction's id; `None` for an event outside any transaction.
    pub id: Option<String>,
    /// The chunk's index, from 0 (0 for a whole transaction).
    pub chunk: u32,
    /// Whether this is the transaction's last chunk (true for a whole transaction).
    pub last_chunk: bool,
    /// A Replicate transaction that arrived after a later one was forwarded.
    pub late: bool,
    /// How many events the transaction has, when known.
    pub event_count: Option<u64>,
    /// The change-event records, in transaction order.
    pub events: Vec<CdcRecord>,
    /// The `END` record (Debezium), with the last chunk.
    pub end: Option<CdcRecord>,
}

/// The source transactions of `spec`'s topics, keyed by transaction id (`None` for an
/// event outside any transaction).
///
/// Errors when `spec` has no change topic (a topic named twice fails the topology's
/// build); records that do not decode and inconsistent input ([`cdc_core::Error`]) fail
/// the processor at run time.
pub fn transactions<'b>(
    builder: &'b StreamsBuilder,
    spec: CdcTransactions,
) -> Result<KStream<'b, Option<String>, CdcTransaction>> {
    if spec.change_topics.is_empty() {
        return Err(Error::InvalidOption {
            option: "CdcTransactions change topics",
            value: spec.name,
            reason: "at least one change-event topic is needed",
        });
    }
    let inputs = spec
        .change_topics
        .iter()
        .map(|t| (t.clone(), false))
        .chain(spec.metadata_topic.iter().map(|t| (t.clone(), true)));
    let mut merged: Option<KStream<'b, i32, codec::CdcInput>> = None;
    for (topic, metadata) in inputs {
        let tagged = builder
            .stream(
                &topic,
                Consumed::with(OptionSerde(BytesSerde), OptionSerde(BytesSerde)),
            )
            .process(move || Tagger { metadata }, &[]);
        merged = Some(match merged {
            None => tagged,
            Some(m) => m.merge(&tagged),
        });
    }
    let Some(merged) = merged else {
        return Err(Error::InvalidOption {
            option: "CdcTransactions change topics",
            value: spec.name,
            reason: "at least one change-event topic is needed",
        });
    };
    let held = builder
        .add_state_store(Materialized::with(I64Serde, CdcInputSerde).named(format!("{}-held", spec.name)));
    let checkpoint = builder.add_state_store(
        Materialized::with(StringSerde, BytesSerde).named(format!("{}-checkpoint", spec.name)),
    );
    let one_task = Repartitioned::with(I32Serde, CdcInputSerde)
        .named(format!("{}-input", spec.name))?
        .partitions(1)?;
    let spec = Arc::new(spec);
    let (held_store, checkpoint_store) = (held.clone(), checkpoint.clone());
    Ok(merged.repartition(one_task).process(
        move || Assembling::new(spec.clone(), held_store.clone(), checkpoint_store.clone()),
        &[&held, &checkpoint],
    ))
}
