//! Replicate's JSON messages.

use serde_json::{Map, Value as Json};

use super::view::ReplicateRef;
use crate::error::{Error, Result};
use crate::event::{ChangeEvent, Operation, Position, Source, Transaction};
use crate::json::{Fields, parse_object};
use crate::row::Row;
use crate::value::Value;

pub(super) const FORMAT: &str = "replicate-json";

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

/// A decoded Replicate message: the event, and the outer envelope's other fields when
/// the message had the envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicateRecord {
    /// The event.
    pub event: ChangeEvent,
    /// The `MessageEnvelope` fields other than `message` (`magic`, `type`, `headers`,
    /// `messageSchemaId`, `messageSchema`), if the message was enveloped.
    pub envelope: Option<Map<String, Json>>,
}

/// The Replicate JSON codec.
///
/// ```
/// use cdc_core::{ReplicateJson, Operation};
/// let message = br#"{"data": {"PATIENTID": 7, "OUTCOMESTERMDATE": "2026-01-31"},
///   "beforeData": {"PATIENTID": 7, "OUTCOMESTERMDATE": null},
///   "headers": {"operation": "UPDATE", "changeSequence": "20260131000000000000000000001",
///               "timestamp": "2026-01-31T10:00:00.000", "streamPosition": "00000025:00000ac0:0002",
///               "transactionId": "00000000000000000000000000000A1B", "changeMask": "02", "columnMask": "03"}}"#;
/// let record = ReplicateJson::decode(message).unwrap();
/// assert_eq!(record.event.op, Operation::Update);
/// assert_eq!(cdc_core::changed_columns(&record.event).unwrap(), vec!["OUTCOMESTERMDATE"]);
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ReplicateJson;

impl ReplicateJson {
    /// Decodes a message, enveloped (`magic: atMSG`) or a bare data record.
    pub fn decode(bytes: &[u8]) -> Result<ReplicateRecord> {
        if let Some(event) = super::view::decode_owned(bytes) {
            return Ok(ReplicateRecord {
                event,
                envelope: None,
            });
        }
        Self::decode_reference(bytes)
    }

    /// Decodes a bare data record into a view that borrows from `bytes`; see
    /// [`crate::view`]. A message in the `atMSG` envelope is refused (decode it with
    /// [`ReplicateJson::decode`]); bad input gets the same error as from `decode`.
    pub fn decode_view(bytes: &[u8]) -> Result<ReplicateRef<'_>> {
        if let Some(view) = super::view::decode(bytes) {
            return Ok(view);
        }
        Self::decode_reference(bytes)?;
        Err(Error::InvalidValue {
            format: FORMAT,
            field: "magic".into(),
            reason: "a view reads bare data records; decode enveloped messages with `ReplicateJson::decode`"
                .into(),
        })
    }

    /// The reference decoder: through a JSON tree, for the envelope and for errors that
    /// name the field. Public for tests that check the fast path against it.
    #[doc(hidden)]
    pub fn decode_reference(bytes: &[u8]) -> Result<ReplicateRecord> {
        let root = parse_object(FORMAT, bytes)?;
        let top = Fields {
            format: FORMAT,
            prefix: "",
        };
        if root.contains_key("magic") {
            let magic = top.str(&root, "magic")?;
            if magic != MAGIC {
                return Err(Error::InvalidValue {
                    format: FORMAT,
                    field: "magic".into(),
                    reason: format!("expected `{MAGIC}`, found `{magic}`"),
                });
            }
            let message = top.object(&root, "message")?;
            let envelope = root
                .iter()
                .filter(|(k, _)| k.as_str() != "message")
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect();
            let event = decode_record(message, "message")?;
            Ok(ReplicateRecord {
                event,
                envelope: Some(envelope),
            })
        } else {
            Ok(ReplicateRecord {
                event: decode_record(&root, "")?,
                envelope: None,
            })
        }
    }

    /// Encodes a record the way it was decoded (with or without the envelope).
    pub fn encode(record: &ReplicateRecord) -> Vec<u8> {
        let message = encode_record(&record.event);
        let json = match &record.envelope {
            Some(envelope) => {
                let mut root = envelope.clone();
                root.insert("message".into(), message);
                Json::Object(root)
            }
            None => message,
        };
        serde_json::to_vec(&json).unwrap_or_default()
    }

    /// Encodes an event as a bare data record.
    pub fn encode_event(event: &ChangeEvent) -> Vec<u8> {
        serde_json::to_vec(&encode_record(event)).unwrap_or_default()
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

fn row(obj: &Map<String, Json>) -> Row {
    obj.iter()
        .map(|(c, v)| (c.clone(), Value::from_json(v)))
        .collect()
}

fn decode_record(record: &Map<String, Json>, prefix: &str) -> Result<ChangeEvent> {
    let f = Fields {
        format: FORMAT,
        prefix,
    };
    let headers = f.object(record, "headers")?;
    let data = f.opt_object(record, "data")?.map(row);
    let before_data = f.opt_object(record, "beforeData")?.map(row);
    assemble(data, before_data, headers, &f.path("headers"))
}

/// The event of a record's rows and headers (shared by the JSON and Avro forms).
pub(crate) fn assemble(
    data: Option<Row>,
    before_data: Option<Row>,
    headers: &Map<String, Json>,
    headers_path: &str,
) -> Result<ChangeEvent> {
    let hf = Fields {
        format: FORMAT,
        prefix: headers_path,
    };
    let code = hf.str(headers, "operation")?;
    let op = operation(&code).ok_or_else(|| Error::UnknownOperation {
        format: FORMAT,
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
    }
}

/// The headers object of an event (shared by the JSON and Avro forms).
pub(crate) fn encode_headers(event: &ChangeEvent) -> Map<String, Json> {
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

/// Which rows go in `data` and `beforeData`.
pub(crate) fn data_rows(event: &ChangeEvent) -> (Option<&Row>, Option<&Row>) {
    match event.op {
        Operation::Delete => (event.before.as_ref(), None),
        _ => (event.after.as_ref(), event.before.as_ref()),
    }
}

fn encode_record(event: &ChangeEvent) -> Json {
    let (data, before_data) = data_rows(event);
    let mut record = Map::new();
    record.insert("data".into(), data.map_or(Json::Null, Row::to_json));
    record.insert("beforeData".into(), before_data.map_or(Json::Null, Row::to_json));
    record.insert("headers".into(), Json::Object(encode_headers(event)));
    Json::Object(record)
}
