//! What Replicate's JSON and Avro forms share: the operation codes, the headers, and
//! the event a record's rows and headers make.

use std::borrow::Cow;

use serde_json::{Map, Value as Json};

use crate::error::{Error, Result};
use crate::event::{ChangeEvent, Operation, Position, Source, Transaction};
use crate::json::Fields;
use crate::row::Row;

/// The magic of Replicate's message envelope.
pub const MAGIC: &str = "atMSG";

/// Header fields kept verbatim in [`Source::extra`] (the model has no typed place for
/// them), so re-encoding loses nothing.
pub(super) const KEPT_HEADERS: &[&str] = &[
    "timestamp",
    "changeMask",
    "columnMask",
    "transactionLastEvent",
    "externalSchemaId",
];

/// Checks an envelope's `type`: `DT` (a data message) or absent. A metadata message
/// (`MD`) describes a table, not a change, and is refused with an error naming `type`.
pub(super) fn check_data_message(format: &'static str, kind: Option<&str>) -> Result<()> {
    match kind {
        None | Some("DT") => Ok(()),
        Some(other) => Err(Error::InvalidValue {
            format,
            field: "type".into(),
            reason: format!(
                "`{other}` is not a data message (`DT`){}",
                if other == "MD" {
                    ": a metadata message describes a table, not a change"
                } else {
                    ""
                }
            ),
        }),
    }
}

pub(super) fn operation(code: &str) -> Option<Operation> {
    Some(match code {
        "INSERT" => Operation::Create,
        "UPDATE" => Operation::Update,
        "DELETE" => Operation::Delete,
        "REFRESH" => Operation::Read,
        _ => return None,
    })
}

fn operation_code(op: Operation) -> &'static str {
    match op {
        Operation::Create => "INSERT",
        Operation::Update => "UPDATE",
        Operation::Delete => "DELETE",
        Operation::Read | Operation::Truncate | Operation::Message => "REFRESH",
    }
}

/// The event of a record's rows and headers (shared by the JSON and Avro forms).
pub(super) fn assemble(
    format: &'static str,
    data: Option<Row>,
    before_data: Option<Row>,
    headers: &Map<String, Json>,
    headers_path: &str,
) -> Result<ChangeEvent> {
    let hf = Fields {
        format,
        prefix: headers_path,
    };
    let code = hf.str(headers, "operation")?;
    let op = operation(&code).ok_or_else(|| Error::UnknownOperation {
        format,
        field: hf.path("operation"),
        value: code.clone(),
    })?;
    // A delete carries the deleted row in `data`.
    let (before, after) = match op {
        Operation::Delete => (before_data.or(data), None),
        _ => (before_data, data),
    };
    let width = after.as_ref().or(before.as_ref()).map_or(0, Row::len);
    for field in ["changeMask", "columnMask"] {
        if let Some(mask) = hf.opt_str(headers, field)? {
            super::mask::check(field, &mask, width)?;
        }
    }
    let transaction = hf.opt_str(headers, "transactionId")?.map(|id| -> Result<_> {
        Ok(Transaction {
            id,
            total_order: hf.opt_i64(headers, "transactionEventCounter")?,
            data_collection_order: None,
        })
    });
    let extra = headers
        .iter()
        .filter(|(k, _)| KEPT_HEADERS.contains(&k.as_str()))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let event = replicate_event(
        op,
        (before, after),
        hf.str(headers, "changeSequence")?,
        hf.opt_str(headers, "streamPosition")?.unwrap_or_default(),
        extra,
        transaction.transpose()?,
    );
    event.check()?;
    Ok(event)
}

/// An event as Replicate's records carry it: the position from the headers, the kept
/// headers in `source.extra`, a `REFRESH` marked as a snapshot read.
pub(super) fn replicate_event(
    op: Operation,
    (before, after): (Option<Row>, Option<Row>),
    change_sequence: String,
    stream_position: String,
    extra: Map<String, Json>,
    transaction: Option<Transaction>,
) -> ChangeEvent {
    ChangeEvent {
        op,
        before,
        after,
        source: Source {
            connector: Some("replicate".into()),
            position: Position::Replicate {
                change_sequence,
                stream_position,
            },
            snapshot: (op == Operation::Read).then(|| "true".to_owned()),
            extra,
            ..Source::default()
        },
        transaction,
        key: None,
        ts_ms: None,
        ts_us: None,
        ts_ns: None,
        message: None,
        extra: Map::new(),
    }
}

/// The headers object of an event (shared by the JSON and Avro forms).
pub(super) fn encode_headers(event: &ChangeEvent) -> Map<String, Json> {
    let mut headers = Map::new();
    headers.insert("operation".into(), Json::String(operation_code(event.op).into()));
    let (change_sequence, stream_position) = match &event.source.position {
        Position::Replicate {
            change_sequence,
            stream_position,
        } => (change_sequence.clone(), stream_position.clone()),
        _ => (String::new(), String::new()),
    };
    headers.insert("changeSequence".into(), Json::String(change_sequence));
    headers.insert("streamPosition".into(), Json::String(stream_position));
    if let Some(t) = &event.transaction {
        headers.insert("transactionId".into(), Json::String(t.id.clone()));
        if let Some(counter) = t.total_order {
            headers.insert("transactionEventCounter".into(), Json::from(counter));
        }
    }
    for (k, v) in &event.source.extra {
        if KEPT_HEADERS.contains(&k.as_str()) {
            headers.insert(k.clone(), v.clone());
        }
    }
    headers
}

/// Which rows go in `data` and `beforeData`: a delete's `data` is the deleted row, or as
/// much of it as the event knows ([`ChangeEvent::before_or_key`]).
pub(super) fn data_rows(event: &ChangeEvent) -> (Option<Cow<'_, Row>>, Option<&Row>) {
    match event.op {
        Operation::Delete => (event.before_or_key(), None),
        _ => (event.after.as_ref().map(Cow::Borrowed), event.before.as_ref()),
    }
}
