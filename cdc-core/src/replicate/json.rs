//! Replicate's JSON messages.

use serde_json::{Map, Value as Json};

use super::record::{MAGIC, assemble, data_rows, encode_headers};
use super::view::ReplicateRef;
use crate::decode::{Decode, Decoded};
use crate::error::{Error, Result};
use crate::event::ChangeEvent;
use crate::json::{Fields, parse_object};
use crate::row::Row;
use crate::value::Value;

pub(super) const FORMAT: &str = "replicate-json";

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

impl AsRef<ChangeEvent> for ReplicateRecord {
    fn as_ref(&self) -> &ChangeEvent {
        &self.event
    }
}

impl From<ReplicateRecord> for ChangeEvent {
    fn from(record: ReplicateRecord) -> Self {
        record.event
    }
}

/// The Replicate JSON codec. It decodes through [`Decode`]: a record's value is a bare
/// data record or one in the `atMSG` message envelope. Replicate's message key is set
/// per task (primary-key values, a custom expression, or none) and does not name its
/// columns, so this codec does not read it: the rows carry the key columns, and a
/// tombstone's key is `None`.
///
/// ```
/// use cdc_core::{Decode, ReplicateJson, Operation};
/// let message = br#"{"data": {"PATIENTID": 7, "OUTCOMESTERMDATE": "2026-01-31"},
///   "beforeData": {"PATIENTID": 7, "OUTCOMESTERMDATE": null},
///   "headers": {"operation": "UPDATE", "changeSequence": "20260131000000000000000000001",
///               "timestamp": "2026-01-31T10:00:00.000", "streamPosition": "00000025:00000ac0:0002",
///               "transactionId": "00000000000000000000000000000A1B", "changeMask": "02", "columnMask": "03"}}"#;
/// let record = ReplicateJson.decode(None, Some(message))?.into_change().expect("not a tombstone");
/// assert_eq!(record.event.op, Operation::Update);
/// assert_eq!(cdc_core::changed_columns(&record.event)?, vec!["OUTCOMESTERMDATE"]);
/// # Ok::<(), cdc_core::Error>(())
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct ReplicateJson;

impl Decode for ReplicateJson {
    type Output = ReplicateRecord;

    /// Decodes a record's value, enveloped (`magic: atMSG`) or a bare data record; `None`
    /// is a tombstone. The key is not read (see [`ReplicateJson`]).
    fn decode(&self, _key: Option<&[u8]>, value: Option<&[u8]>) -> Result<Decoded<ReplicateRecord>> {
        Ok(match value {
            None => Decoded::Tombstone { key: None },
            Some(bytes) => Decoded::Change(Self::decode_value(bytes)?),
        })
    }
}

impl ReplicateJson {
    /// A record value by the fast path when the views read it, else by the reference
    /// decoder.
    fn decode_value(bytes: &[u8]) -> Result<ReplicateRecord> {
        if let Some(event) = super::view::decode_owned(bytes) {
            return Ok(ReplicateRecord {
                event,
                envelope: None,
            });
        }
        Self::decode_reference(bytes)
    }

    /// Decodes a bare data record into a view that borrows from `value`; see
    /// [`crate::view`]. `None` (a tombstone) decodes to `None`. A message in the `atMSG`
    /// envelope is refused (decode it with [`Decode::decode`]); bad input gets the same
    /// error as from `decode`.
    pub fn decode_view(value: Option<&[u8]>) -> Result<Option<ReplicateRef<'_>>> {
        let Some(bytes) = value else { return Ok(None) };
        if let Some(view) = super::view::decode(bytes) {
            return Ok(Some(view));
        }
        Self::decode_reference(bytes)?;
        Err(Error::InvalidValue {
            format: FORMAT,
            field: "magic".into(),
            reason: "a view reads bare data records; decode enveloped messages with `Decode::decode`".into(),
        })
    }

    /// The reference decoder: through a JSON tree, for the envelope and for errors that
    /// name the field. Public for tests that check the fast path against it.
    #[doc(hidden)]
    pub fn decode_reference(bytes: &[u8]) -> Result<ReplicateRecord> {
        let root = parse_object(FORMAT, "(value)", bytes)?;
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
            super::record::check_data_message(FORMAT, top.opt_str(&root, "type")?.as_deref())?;
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
    assemble(FORMAT, data, before_data, headers, &f.path("headers"))
}

fn encode_record(event: &ChangeEvent) -> Json {
    let (data, before_data) = data_rows(event);
    let mut record = Map::new();
    record.insert("data".into(), data.map_or(Json::Null, |row| row.to_json()));
    record.insert("beforeData".into(), before_data.map_or(Json::Null, Row::to_json));
    record.insert("headers".into(), Json::Object(encode_headers(event)));
    Json::Object(record)
}
