//! The borrowed view of a bare Replicate data record (`data`, `beforeData`, `headers`),
//! and the fast path of [`ReplicateJson::decode`]: the owned event is the view's
//! [`ReplicateRef::to_event`]. Messages the view does not read (the `atMSG` envelope,
//! bad input) go to the reference decoder in `json.rs`, which names the field at fault.
//!
//! [`ReplicateJson::decode`]: super::ReplicateJson::decode

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value as Json};

use super::json::{KEPT_HEADERS, operation};
use crate::event::{ChangeEvent, Operation, Position, Source, Transaction, check_rows};
use crate::view::{RowRef, Text};

/// A Replicate event whose rows and strings borrow from the message bytes. Built by
/// [`ReplicateJson::decode_view`](super::ReplicateJson::decode_view). As in the owned
/// model, a delete's row is in `before`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicateRef<'a> {
    /// What happened (`REFRESH` is a snapshot read).
    pub op: Operation,
    /// The row before the change.
    pub before: Option<RowRef<'a>>,
    /// The row after the change.
    pub after: Option<RowRef<'a>>,
    /// The headers.
    pub headers: HeadersRef<'a>,
}

impl ReplicateRef<'_> {
    /// The owned event, equal to the one [`ReplicateJson::decode`](super::ReplicateJson::decode)
    /// gives.
    pub fn to_event(&self) -> ChangeEvent {
        let h = &self.headers;
        let owned = |s: &Cow<'_, str>| s.as_ref().to_owned();
        let extra: Map<String, Json> = h
            .kept
            .iter()
            // The raw text was checked by the parser, so it reads back.
            .map(|(k, raw)| (owned(k), serde_json::from_str(raw).unwrap_or(Json::Null)))
            .collect();
        ChangeEvent {
            op: self.op,
            before: self.before.as_ref().map(RowRef::to_row),
            after: self.after.as_ref().map(RowRef::to_row),
            source: Source {
                connector: Some("replicate".into()),
                position: Position::Replicate {
                    change_sequence: owned(&h.change_sequence),
                    stream_position: h.stream_position.as_ref().map(owned).unwrap_or_default(),
                },
                snapshot: (self.op == Operation::Read).then(|| "true".to_owned()),
                extra,
                ..Source::default()
            },
            transaction: h.transaction_id.as_ref().map(|id| Transaction {
                id: owned(id),
                total_order: h.transaction_event_counter,
                data_collection_order: None,
            }),
            key: None,
            ts_ms: None,
        }
    }
}

/// The headers of a [`ReplicateRef`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HeadersRef<'a> {
    /// `changeSequence`.
    pub change_sequence: Cow<'a, str>,
    /// `streamPosition`.
    pub stream_position: Option<Cow<'a, str>>,
    /// `transactionId`.
    pub transaction_id: Option<Cow<'a, str>>,
    /// `transactionEventCounter`, read when the record has a `transactionId`.
    pub transaction_event_counter: Option<i64>,
    /// `changeMask`, as hex.
    pub change_mask: Option<Cow<'a, str>>,
    /// `columnMask`, as hex.
    pub column_mask: Option<Cow<'a, str>>,
    /// Headers kept verbatim in the owned event's `source.extra`.
    kept: Vec<(Cow<'a, str>, &'a str)>,
}

impl<'a> HeadersRef<'a> {
    /// A header kept verbatim (`timestamp`, `transactionLastEvent` ...) as raw JSON text.
    pub fn field(&self, name: &str) -> Option<&'a str> {
        self.kept.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Record<'a> {
    #[serde(borrow)]
    data: Option<RowRef<'a>>,
    #[serde(borrow)]
    before_data: Option<RowRef<'a>>,
    #[serde(borrow)]
    headers: RawHeaders<'a>,
    /// Present only in the envelope, which the reference decoder reads.
    magic: Option<IgnoredAny>,
}

/// The headers as read, before the checks that need the rows.
struct RawHeaders<'a> {
    operation: Option<Text<'a>>,
    headers: HeadersRef<'a>,
    counter: Option<&'a RawValue>,
}

/// The view, or `None` when the view does not read this message.
pub(super) fn decode(bytes: &[u8]) -> Option<ReplicateRef<'_>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let r: Record<'_> = serde_json::from_str(text).ok()?;
    if r.magic.is_some() {
        return None;
    }
    let RawHeaders {
        operation: code,
        mut headers,
        counter,
    } = r.headers;
    let op = operation(&code?.0)?;
    let (before, after) = match op {
        Operation::Delete => (r.before_data.or(r.data), None),
        _ => (r.before_data, r.data),
    };
    let width = after.as_ref().or(before.as_ref()).map_or(0, RowRef::len);
    for (field, mask) in [
        ("changeMask", &headers.change_mask),
        ("columnMask", &headers.column_mask),
    ] {
        if let Some(mask) = mask {
            super::mask::decode(field, mask, width).ok()?;
        }
    }
    if headers.transaction_id.is_some() {
        headers.transaction_event_counter = match counter {
            None => None,
            Some(raw) => serde_json::from_str::<Option<i64>>(raw.get()).ok()?,
        };
    }
    check_rows(op, before.is_some(), after.is_some()).ok()?;
    Some(ReplicateRef {
        op,
        before,
        after,
        headers,
    })
}

impl<'de: 'a, 'a> Deserialize<'de> for RawHeaders<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct HeadersVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for HeadersVisitor<'a> {
            type Value = RawHeaders<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a headers object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawHeaders<'a>, A::Error> {
                let mut operation = None;
                let mut change_sequence = None;
                let mut counter = None;
                let mut h = HeadersRef::default();
                let text = |v: Option<Text<'a>>| v.map(|t| t.0);
                while let Some(Text(key)) = map.next_key::<Text<'a>>()? {
                    match key.as_ref() {
                        "operation" => operation = map.next_value()?,
                        "changeSequence" => change_sequence = text(map.next_value()?),
                        "streamPosition" => h.stream_position = text(map.next_value()?),
                        "transactionId" => h.transaction_id = text(map.next_value()?),
                        "transactionEventCounter" => counter = Some(map.next_value()?),
                        k if KEPT_HEADERS.contains(&k) => {
                            let raw: &'a RawValue = map.next_value()?;
                            let as_text = || {
                                serde_json::from_str::<Option<Text<'a>>>(raw.get())
                                    .map(text)
                                    .map_err(serde::de::Error::custom)
                            };
                            match k {
                                "changeMask" => h.change_mask = as_text()?,
                                "columnMask" => h.column_mask = as_text()?,
                                _ => {}
                            }
                            match h.kept.iter_mut().find(|(kept, _)| *kept == key) {
                                Some((_, v)) => *v = raw.get(),
                                None => h.kept.push((key, raw.get())),
                            }
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                h.change_sequence =
                    change_sequence.ok_or_else(|| serde::de::Error::missing_field("changeSequence"))?;
                Ok(RawHeaders {
                    operation,
                    headers: h,
                    counter,
                })
            }
        }
        d.deserialize_map(HeadersVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_delete_row_is_before_and_masks_are_checked() {
        let bytes = br#"{"data":{"ID":1,"NAME":"x"},"beforeData":null,
            "headers":{"operation":"DELETE","changeSequence":"1","changeMask":"03","timestamp":"t"}}"#;
        let view = decode(bytes).expect("a bare record");
        assert_eq!(view.op, Operation::Delete);
        assert!(view.after.is_none());
        assert_eq!(view.before.as_ref().unwrap().len(), 2);
        assert_eq!(view.headers.change_mask.as_deref(), Some("03"));
        assert_eq!(view.headers.field("timestamp"), Some(r#""t""#));
        // A mask wider than the row, an unknown operation, the envelope: not read here.
        assert!(decode(br#"{"data":{"ID":1},"headers":{"operation":"INSERT","changeSequence":"1","changeMask":"FF01"}}"#).is_none());
        assert!(
            decode(br#"{"data":{"ID":1},"headers":{"operation":"MERGE","changeSequence":"1"}}"#).is_none()
        );
        assert!(decode(br#"{"magic":"atMSG","message":{}}"#).is_none());
    }
}
