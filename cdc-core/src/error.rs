//! The one error type of `cdc-core`.

use crate::event::Operation;

/// A rule every change event obeys, checked when an event is decoded or built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Rule {
    /// A create (insert) carries the new row in `after`.
    CreateHasAfter,
    /// A create has no `before`.
    CreateHasNoBefore,
    /// A delete has no `after`. (Its `before` may be the old row, only its key columns,
    /// or absent, as PostgreSQL sends for tables without `REPLICA IDENTITY FULL`; the
    /// record key names the row then.)
    DeleteHasNoAfter,
    /// An update carries the new row in `after`.
    UpdateHasAfter,
    /// A snapshot read carries the row in `after`.
    ReadHasAfter,
    /// A logical decoding message event carries its `message`.
    MessageHasMessage,
    /// Only a logical decoding message event has a `message`.
    OnlyMessageHasMessage,
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Rule::CreateHasAfter => "a create has an `after` row",
            Rule::CreateHasNoBefore => "a create has no `before` row",
            Rule::DeleteHasNoAfter => "a delete has no `after` row",
            Rule::UpdateHasAfter => "an update has an `after` row",
            Rule::ReadHasAfter => "a snapshot read has an `after` row",
            Rule::MessageHasMessage => "a logical decoding message has a `message` block",
            Rule::OnlyMessageHasMessage => "only a logical decoding message has a `message` block",
        })
    }
}

/// What can go wrong decoding or encoding a change event. Each variant names the
/// format and the field.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Text that is not JSON: a record's key or value, or a JSON column.
    #[error("{format}: `{field}` is not valid JSON{}: {source}", at_byte(.offset))]
    Json {
        /// The format being decoded.
        format: &'static str,
        /// What was being read: `(value)` or `(key)` for a whole record part, else the
        /// field's path.
        field: String,
        /// Where in the text the parser stopped, in bytes from its start, when known.
        offset: Option<usize>,
        /// The parser's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// A part that could not be written as JSON text.
    #[error("{format}: could not write `{field}` as JSON: {source}")]
    WriteJson {
        /// The format being encoded.
        format: &'static str,
        /// What was being written.
        field: String,
        /// The serializer's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// Avro that does not read or write: binary that does not decode with its schema,
    /// a value that does not encode with it, or a schema that does not parse.
    #[error("{format}: `{field}`{}: {source}", at_byte(.offset))]
    Avro {
        /// The format.
        format: &'static str,
        /// What was being read or written: `(value)`, `(key)`, `(datum)`, `(schema)`, or
        /// the field's path.
        field: String,
        /// How far into the binary the reader got before it failed, in bytes, when known.
        offset: Option<usize>,
        /// The Avro library's complaint.
        #[source]
        source: apache_avro::Error,
    },
    /// A required field is absent.
    #[error("{format}: missing field `{field}`")]
    MissingField {
        /// The format.
        format: &'static str,
        /// The field's path.
        field: String,
    },
    /// A field of the wrong JSON type.
    #[error("{format}: field `{field}` should be {expected}, found {found}")]
    WrongType {
        /// The format.
        format: &'static str,
        /// The field's path.
        field: String,
        /// What was expected.
        expected: &'static str,
        /// What was there.
        found: String,
    },
    /// An operation code nobody knows.
    #[error("{format}: unknown operation `{value}` in field `{field}`")]
    UnknownOperation {
        /// The format.
        format: &'static str,
        /// The field's path.
        field: String,
        /// The code as given.
        value: String,
    },
    /// An event that breaks a [`Rule`].
    #[error("{op:?} event breaks the rule: {rule}")]
    Rule {
        /// The event's operation.
        op: Operation,
        /// The rule.
        rule: Rule,
    },
    /// A change or column mask that marks a column the row does not have.
    #[error("{format}: `{field}` marks column {ordinal}, but the row has {columns} columns")]
    MaskOutOfRange {
        /// The format.
        format: &'static str,
        /// The mask field.
        field: &'static str,
        /// The first ordinal past the row.
        ordinal: usize,
        /// How many columns the row has.
        columns: usize,
    },
    /// A field whose value does not fit its declared type.
    #[error("{format}: field `{field}`: {reason}")]
    InvalidValue {
        /// The format.
        format: &'static str,
        /// The field's path.
        field: String,
        /// What is wrong.
        reason: String,
    },
    /// A row that does not fit the type asked for with `after_as` / `before_as`.
    #[error("row does not fit the requested type: {source}")]
    Typed {
        /// serde's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// Input the [`TransactionAssembler`](crate::TransactionAssembler) cannot reconcile
    /// with what it took before.
    #[error("transaction `{id}`: {problem}")]
    Transaction {
        /// The transaction's id.
        id: String,
        /// What is inconsistent.
        problem: crate::transaction::TransactionProblem,
    },
}

/// ` at byte N` when the offset is known, for error messages.
fn at_byte(offset: &Option<usize>) -> String {
    offset.map_or_else(String::new, |at| format!(" at byte {at}"))
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// The error of `text` that is not JSON, with the byte offset of the parser's line and
/// column.
pub(crate) fn not_json(
    format: &'static str,
    field: impl Into<String>,
    text: &[u8],
    source: serde_json::Error,
) -> Error {
    Error::Json {
        format,
        field: field.into(),
        offset: byte_offset(text, source.line(), source.column()),
        source,
    }
}

/// The byte offset of a 1-based line and column (serde_json counts columns in bytes);
/// `None` when the position is not in `text`.
fn byte_offset(text: &[u8], line: usize, column: usize) -> Option<usize> {
    let line_start = match line {
        0 => return None,
        1 => 0,
        _ => {
            text.iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .nth(line - 2)?
                .0
                + 1
        }
    };
    let offset = line_start + column.saturating_sub(1);
    (offset <= text.len()).then_some(offset)
}

/// The JSON type name of a value, for error messages.
pub(crate) fn json_type(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
    .to_owned()
}
