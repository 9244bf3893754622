//! The change event: what happened to which row, where, and when.

use std::borrow::Cow;

use serde_json::{Map, Value as Json};

use crate::error::{Error, Result, Rule};
use crate::row::Row;

/// What happened to the row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Operation {
    /// A row was inserted (Debezium `c`, Replicate `INSERT`).
    Create,
    /// A row was updated (`u`, `UPDATE`).
    Update,
    /// A row was deleted (`d`, `DELETE`).
    Delete,
    /// A row read by a snapshot (`r`, Replicate's `REFRESH`).
    Read,
    /// The table was truncated (`t`).
    Truncate,
    /// A logical decoding message (`m`): a [`LogicalMessage`] written to the log, not a
    /// row change.
    Message,
}

impl Operation {
    /// Debezium's one-letter code.
    pub fn debezium_code(self) -> &'static str {
        match self {
            Operation::Create => "c",
            Operation::Update => "u",
            Operation::Delete => "d",
            Operation::Read => "r",
            Operation::Truncate => "t",
            Operation::Message => "m",
        }
    }

    /// The operation of Debezium's one-letter code.
    pub fn from_debezium(code: &str) -> Option<Self> {
        Some(match code {
            "c" => Operation::Create,
            "u" => Operation::Update,
            "d" => Operation::Delete,
            "r" => Operation::Read,
            "t" => Operation::Truncate,
            "m" => Operation::Message,
            _ => return None,
        })
    }
}

/// Where in the database's log the change was read.
#[derive(Debug, Clone, PartialEq, Default)]
#[non_exhaustive]
pub enum Position {
    /// No position known.
    #[default]
    None,
    /// PostgreSQL: the WAL position and transaction id.
    Postgres {
        /// `lsn`.
        lsn: Option<i64>,
        /// `txId`.
        tx_id: Option<i64>,
    },
    /// MySQL and MariaDB: the binlog coordinates.
    MySql {
        /// `file`.
        file: String,
        /// `pos`.
        pos: i64,
        /// `row`.
        row: i64,
        /// `gtid`.
        gtid: Option<String>,
        /// `server_id`.
        server_id: Option<i64>,
    },
    /// SQL Server: the change and commit LSNs.
    SqlServer {
        /// `change_lsn`.
        change_lsn: Option<String>,
        /// `commit_lsn`.
        commit_lsn: Option<String>,
        /// `event_serial_no`.
        event_serial_no: Option<i64>,
    },
    /// Qlik (Attunity) Replicate: the change sequence and stream position.
    Replicate {
        /// `changeSequence`.
        change_sequence: String,
        /// `streamPosition`.
        stream_position: String,
    },
}

/// Where the event came from.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Source {
    /// The connector type (`postgresql`, `mysql`, `sqlserver`, `replicate` ...).
    pub connector: Option<String>,
    /// The logical server name (the topic prefix).
    pub name: Option<String>,
    /// The database.
    pub db: Option<String>,
    /// The schema.
    pub schema: Option<String>,
    /// The table.
    pub table: Option<String>,
    /// When the change happened in the database, milliseconds since the epoch.
    pub ts_ms: Option<i64>,
    /// Whether the event was read by a snapshot (`true`, `last`, `incremental` ...), as
    /// the source wrote it; `None` when it was not.
    pub snapshot: Option<String>,
    /// The log position.
    pub position: Position,
    /// Source fields this crate does not model, kept so re-encoding loses nothing.
    pub extra: Map<String, Json>,
}

/// The transaction an event belongs to.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Transaction {
    /// The transaction id.
    pub id: String,
    /// The event's place among all events of the transaction.
    pub total_order: Option<i64>,
    /// Its place among the transaction's events of the same table.
    pub data_collection_order: Option<i64>,
}

/// A logical decoding message: what PostgreSQL's `pg_logical_emit_message` wrote to the
/// log, which Debezium sends as an [`Operation::Message`] event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogicalMessage {
    /// The prefix the message was written with (`prefix`).
    pub prefix: String,
    /// Its content (`content`).
    pub content: MessageContent,
}

/// The content of a [`LogicalMessage`], as the connector's `binary.handling.mode` sends
/// it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageContent {
    /// The bytes (`bytes`, the default mode; base64 in JSON).
    Bytes(Vec<u8>),
    /// The bytes as the text another mode makes of them (`base64`, `base64-url-safe` or
    /// `hex`), as sent.
    Text(String),
}

impl Default for MessageContent {
    fn default() -> Self {
        MessageContent::Bytes(Vec::new())
    }
}

impl MessageContent {
    /// The bytes, when the content came as bytes.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            MessageContent::Bytes(bytes) => Some(bytes),
            MessageContent::Text(_) => None,
        }
    }
}

/// A change to one row.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeEvent {
    /// What happened.
    pub op: Operation,
    /// The row before the change (updates and deletes, when the database sends it). A
    /// delete from a PostgreSQL table without `REPLICA IDENTITY FULL` has only the key
    /// columns here, or no row at all; [`before_or_key`](Self::before_or_key) completes
    /// it from the record key.
    pub before: Option<Row>,
    /// The row after the change (creates, updates, reads).
    pub after: Option<Row>,
    /// Where it came from.
    pub source: Source,
    /// Its transaction, when known.
    pub transaction: Option<Transaction>,
    /// The primary-key columns, when known.
    pub key: Option<Row>,
    /// When the connector processed it, milliseconds since the epoch.
    pub ts_ms: Option<i64>,
    /// The same instant in microseconds since the epoch (`ts_us`, sent since Debezium 2.6).
    pub ts_us: Option<i64>,
    /// The same instant in nanoseconds since the epoch (`ts_ns`, sent since Debezium 2.6).
    pub ts_ns: Option<i64>,
    /// The message of an [`Operation::Message`] event; `None` for every other operation.
    pub message: Option<LogicalMessage>,
    /// Top-level fields of the envelope this crate does not model (added by a transform,
    /// say), kept so re-encoding loses nothing.
    pub extra: Map<String, Json>,
}

impl ChangeEvent {
    /// An event, checked against the [`Rule`]s.
    pub fn new(op: Operation, before: Option<Row>, after: Option<Row>, source: Source) -> Result<Self> {
        let event = Self::unchecked(op, before, after, source);
        event.check()?;
        Ok(event)
    }

    /// A logical decoding message event ([`Operation::Message`]): no rows, the message.
    pub fn new_message(message: LogicalMessage, source: Source) -> Self {
        ChangeEvent {
            message: Some(message),
            ..Self::unchecked(Operation::Message, None, None, source)
        }
    }

    /// An event of these parts and nothing else, not checked.
    fn unchecked(op: Operation, before: Option<Row>, after: Option<Row>, source: Source) -> Self {
        ChangeEvent {
            op,
            before,
            after,
            source,
            transaction: None,
            key: None,
            ts_ms: None,
            ts_us: None,
            ts_ns: None,
            message: None,
            extra: Map::new(),
        }
    }

    /// Checks the rules: a create has `after` and no `before`; a delete has no `after`
    /// (its `before` is the old row, only its key columns, or absent); an update and a
    /// snapshot read have `after`; a logical decoding message, and only it, has a
    /// `message`.
    pub fn check(&self) -> Result<()> {
        check_rows(self.op, self.before.is_some(), self.after.is_some())?;
        check_message(self.op, self.message.is_some())
    }

    /// The row as it was before the change, as far as the event tells: `before`, with
    /// the record key's columns it lacks added from [`key`](Self::key); for an update or
    /// a delete without `before`, the record key alone. Debezium sends a key change as a
    /// delete and a create, so an update's key is the row's key before the change too.
    /// `None` for creates, reads, truncates and messages, and when neither is known.
    pub fn before_or_key(&self) -> Option<Cow<'_, Row>> {
        if !matches!(self.op, Operation::Update | Operation::Delete) {
            return None;
        }
        match (&self.before, &self.key) {
            (None, key) => key.as_ref().map(Cow::Borrowed),
            (Some(before), None) => Some(Cow::Borrowed(before)),
            (Some(before), Some(key)) => {
                let missing = key.iter().filter(|(column, _)| before.get(column).is_none());
                let mut missing = missing.peekable();
                if missing.peek().is_none() {
                    return Some(Cow::Borrowed(before));
                }
                let mut row = before.clone();
                for (column, value) in missing {
                    row.push(column, value.clone());
                }
                Some(Cow::Owned(row))
            }
        }
    }

    /// The value of `column` after the change (`None` without an `after` row or column).
    pub fn after_value(&self, column: &str) -> Option<&crate::value::Value> {
        self.after.as_ref()?.get(column)
    }

    /// The value of `column` before the change.
    pub fn before_value(&self, column: &str) -> Option<&crate::value::Value> {
        self.before.as_ref()?.get(column)
    }

    /// The row after the change as a serde type.
    pub fn after_as<T: serde::de::DeserializeOwned>(&self) -> Result<Option<T>> {
        self.after.as_ref().map(Row::to_typed).transpose()
    }

    /// The row before the change as a serde type.
    pub fn before_as<T: serde::de::DeserializeOwned>(&self) -> Result<Option<T>> {
        self.before.as_ref().map(Row::to_typed).transpose()
    }
}

impl AsRef<ChangeEvent> for ChangeEvent {
    fn as_ref(&self) -> &ChangeEvent {
        self
    }
}

/// The [`Rule`]s on which rows an operation carries (shared by events and their views).
pub(crate) fn check_rows(op: Operation, has_before: bool, has_after: bool) -> Result<()> {
    let broken = |rule| Err(Error::Rule { op, rule });
    match op {
        Operation::Create if !has_after => broken(Rule::CreateHasAfter),
        Operation::Create if has_before => broken(Rule::CreateHasNoBefore),
        Operation::Delete if has_after => broken(Rule::DeleteHasNoAfter),
        Operation::Update if !has_after => broken(Rule::UpdateHasAfter),
        Operation::Read if !has_after => broken(Rule::ReadHasAfter),
        _ => Ok(()),
    }
}

/// The [`Rule`]s on the `message` block: a logical decoding message has one, and only it.
pub(crate) fn check_message(op: Operation, has_message: bool) -> Result<()> {
    match (op, has_message) {
        (Operation::Message, false) => Err(Error::Rule {
            op,
            rule: Rule::MessageHasMessage,
        }),
        (op, true) if op != Operation::Message => Err(Error::Rule {
            op,
            rule: Rule::OnlyMessageHasMessage,
        }),
        _ => Ok(()),
    }
}
