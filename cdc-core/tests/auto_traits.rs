//! Which public types cross threads: every codec, event, view and error is `Send` and
//! `Sync`, so a codec can be shared by the threads of a pipeline and events and errors
//! sent between them. Checked when this file compiles.

use cdc_core::avro::{ColumnType, RowSchema};
use cdc_core::debezium::{ColumnDefinition, SchemaChange, TableChange, TableChangeType, TableDefinition};
use cdc_core::view::{
    DebeziumMessageRef, DebeziumRef, DebeziumSourceRef, DebeziumTransactionRef, ReplicateHeadersRef,
    ReplicateRef, RowRef, ValueRef,
};
use cdc_core::{
    ChangeEvent, DebeziumAvro, DebeziumJson, DebeziumRecord, DebeziumSchemaChangeJson, Decoded,
    DeleteHandling, Error, Flattened, LogicalMessage, MessageContent, MetadataField, Operation, Position,
    ReplicateAvro, ReplicateJson, ReplicateRecord, Row, Rule, SchemaChangeRecord, Source, Transaction,
    Unwrap, Unwrapped, Value,
};

const fn send_sync<T: Send + Sync>() {}

/// An error a caller can box into `Box<dyn Error + Send + Sync>` and keep past the input.
const fn thread_safe_error<E: std::error::Error + Send + Sync + 'static>() {}

// Codecs, and what they are built from.
const _: () = {
    send_sync::<DebeziumJson>();
    send_sync::<ReplicateJson>();
    send_sync::<DebeziumAvro>();
    send_sync::<ReplicateAvro>();
    send_sync::<DebeziumSchemaChangeJson>();
    send_sync::<RowSchema>();
    send_sync::<ColumnType>();
    send_sync::<Unwrap>();
    send_sync::<DeleteHandling>();
    send_sync::<MetadataField>();
};

// Events and what decoding gives.
const _: () = {
    send_sync::<ChangeEvent>();
    send_sync::<DebeziumRecord>();
    send_sync::<ReplicateRecord>();
    send_sync::<Decoded<DebeziumRecord>>();
    send_sync::<Decoded<ChangeEvent>>();
    send_sync::<Operation>();
    send_sync::<Position>();
    send_sync::<Source>();
    send_sync::<Transaction>();
    send_sync::<LogicalMessage>();
    send_sync::<MessageContent>();
    send_sync::<SchemaChangeRecord>();
    send_sync::<Decoded<SchemaChangeRecord>>();
    send_sync::<SchemaChange>();
    send_sync::<TableChange>();
    send_sync::<TableChangeType>();
    send_sync::<TableDefinition>();
    send_sync::<ColumnDefinition>();
    send_sync::<Row>();
    send_sync::<Value>();
    send_sync::<Unwrapped>();
    send_sync::<Flattened>();
};

// Views, borrowing from the message bytes.
const _: () = {
    send_sync::<DebeziumRef<'static>>();
    send_sync::<DebeziumSourceRef<'static>>();
    send_sync::<DebeziumTransactionRef<'static>>();
    send_sync::<DebeziumMessageRef<'static>>();
    send_sync::<ReplicateRef<'static>>();
    send_sync::<ReplicateHeadersRef<'static>>();
    send_sync::<RowRef<'static>>();
    send_sync::<ValueRef<'static>>();
};

// Errors.
const _: () = {
    thread_safe_error::<Error>();
    send_sync::<Rule>();
};
