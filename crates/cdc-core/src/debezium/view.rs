//! The borrowed view of a plain Debezium payload (`schemas.enable=false`, the common
//! case): serde reads straight into rows whose text borrows from the input, with no
//! intermediate JSON tree. It is also the fast path of [`DebeziumJson::decode`]: the
//! owned event is the view's [`DebeziumRef::to_event`]. Anything the view does not
//! accept (the schema envelope, bad input) goes to the reference decoder in `json.rs`,
//! which names the field at fault; a property test keeps the two in step.
//!
//! [`DebeziumJson::decode`]: super::DebeziumJson::decode

use std::borrow::Cow;
use std::fmt;
use std::marker::PhantomData;

use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::value::RawValue;
use serde_json::{Map, Value as Json};

use crate::error::Result;
use crate::event::{ChangeEvent, Operation, Source, Transaction, check_rows};
use crate::json::Fields;
use crate::view::{RowRef, Text};

/// A Debezium event whose rows and strings borrow from the message bytes. Built by
/// [`DebeziumJson::decode_view`](super::DebeziumJson::decode_view); the rules on which
/// rows an operation carries hold, as for [`ChangeEvent`].
#[derive(Debug, Clone, PartialEq)]
pub struct DebeziumRef<'a> {
    /// What happened.
    pub op: Operation,
    /// The row before the change.
    pub before: Option<RowRef<'a>>,
    /// The row after the change.
    pub after: Option<RowRef<'a>>,
    /// The source block.
    pub source: SourceRef<'a>,
    /// The transaction block.
    pub transaction: Option<TransactionRef<'a>>,
    /// When the connector processed the event.
    pub ts_ms: Option<i64>,
}

impl DebeziumRef<'_> {
    /// The owned event. Fails only on a source position field of the wrong type
    /// (`source.lsn` that is not an integer ...), naming it.
    pub fn to_event(&self) -> Result<ChangeEvent> {
        Ok(ChangeEvent {
            op: self.op,
            before: self.before.as_ref().map(RowRef::to_row),
            after: self.after.as_ref().map(RowRef::to_row),
            source: self.source.to_source()?,
            transaction: self.transaction.as_ref().map(|t| Transaction {
                id: t.id.as_ref().to_owned(),
                total_order: t.total_order,
                data_collection_order: t.data_collection_order,
            }),
            key: None,
            ts_ms: self.ts_ms,
        })
    }
}

/// The source block of a [`DebeziumRef`]: the common fields typed, the
/// connector-specific ones (position, version ...) as raw JSON text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SourceRef<'a> {
    /// `connector`.
    pub connector: Option<Cow<'a, str>>,
    /// `name`, the logical server name.
    pub name: Option<Cow<'a, str>>,
    /// `db`.
    pub db: Option<Cow<'a, str>>,
    /// `schema`.
    pub schema: Option<Cow<'a, str>>,
    /// `table`.
    pub table: Option<Cow<'a, str>>,
    /// `ts_ms`.
    pub ts_ms: Option<i64>,
    /// `snapshot`, `None` when the event was not read by a snapshot.
    pub snapshot: Option<Cow<'a, str>>,
    fields: Vec<(Cow<'a, str>, &'a str)>,
}

impl<'a> SourceRef<'a> {
    /// Another field of the block (`lsn`, `file`, `pos`, `version` ...) as raw JSON text.
    pub fn field(&self, name: &str) -> Option<&'a str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
    }

    fn to_source(&self) -> Result<Source> {
        let mut fields: Map<String, Json> = Map::with_capacity(self.fields.len());
        for (k, raw) in &self.fields {
            // The raw text was checked by the parser, so it reads back.
            let value = serde_json::from_str(raw).unwrap_or(Json::Null);
            fields.insert(k.as_ref().to_owned(), value);
        }
        let f = Fields {
            format: super::json::FORMAT,
            prefix: "source",
        };
        let owned = |v: &Option<Cow<'_, str>>| v.as_ref().map(|s| s.as_ref().to_owned());
        let position = super::source::position(self.connector.as_deref(), &mut fields, &f)?;
        Ok(Source {
            connector: owned(&self.connector),
            name: owned(&self.name),
            db: owned(&self.db),
            schema: owned(&self.schema),
            table: owned(&self.table),
            ts_ms: self.ts_ms,
            snapshot: owned(&self.snapshot),
            position,
            extra: fields,
        })
    }
}

/// The transaction block of a [`DebeziumRef`].
#[derive(Debug, Clone, PartialEq)]
pub struct TransactionRef<'a> {
    /// `id`.
    pub id: Cow<'a, str>,
    /// `total_order`.
    pub total_order: Option<i64>,
    /// `data_collection_order`.
    pub data_collection_order: Option<i64>,
}

/// The payload's fields.
#[derive(Deserialize)]
struct Payload<'a> {
    #[serde(borrow)]
    before: Option<RowRef<'a>>,
    #[serde(borrow)]
    after: Option<RowRef<'a>>,
    #[serde(borrow)]
    source: Option<SourceRef<'a>>,
    #[serde(borrow)]
    op: Text<'a>,
    ts_ms: Option<i64>,
    #[serde(borrow)]
    transaction: Option<RawTransaction<'a>>,
    /// Present only in the schema envelope: its presence sends the message to the
    /// reference decoder.
    schema: Option<IgnoredAny>,
    payload: Option<IgnoredAny>,
}

#[derive(Deserialize)]
struct RawTransaction<'a> {
    #[serde(borrow)]
    id: Text<'a>,
    total_order: Option<i64>,
    data_collection_order: Option<i64>,
}

/// The view, or `None` when the view does not read this message.
pub(super) fn decode(bytes: &[u8]) -> Option<DebeziumRef<'_>> {
    // serde skips unknown fields without checking their UTF-8; the whole input must be
    // valid JSON, as the reference decoder requires.
    let text = std::str::from_utf8(bytes).ok()?;
    let p: Payload<'_> = serde_json::from_str(text).ok()?;
    if p.schema.is_some() || p.payload.is_some() {
        return None;
    }
    let op = Operation::from_debezium(&p.op.0)?;
    check_rows(op, p.before.is_some(), p.after.is_some()).ok()?;
    Some(DebeziumRef {
        op,
        before: p.before,
        after: p.after,
        source: p.source.unwrap_or_default(),
        transaction: p.transaction.map(|t| TransactionRef {
            id: t.id.0,
            total_order: t.total_order,
            data_collection_order: t.data_collection_order,
        }),
        ts_ms: p.ts_ms,
    })
}

/// The `snapshot` field, read as [`super::source::snapshot`] reads it.
struct Snapshot<'a>(Option<Cow<'a, str>>);

impl<'de: 'a, 'a> Deserialize<'de> for Snapshot<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SnapshotVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for SnapshotVisitor<'a> {
            type Value = Snapshot<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a string or boolean")
            }
            fn visit_unit<E>(self) -> Result<Snapshot<'a>, E> {
                Ok(Snapshot(None))
            }
            fn visit_bool<E>(self, v: bool) -> Result<Snapshot<'a>, E> {
                Ok(Snapshot(v.then_some(Cow::Borrowed("true"))))
            }
            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Snapshot<'a>, E> {
                Ok(Snapshot((v != "false").then_some(Cow::Borrowed(v))))
            }
            fn visit_str<E>(self, v: &str) -> Result<Snapshot<'a>, E> {
                Ok(Snapshot((v != "false").then(|| Cow::Owned(v.to_owned()))))
            }
        }
        d.deserialize_any(SnapshotVisitor(PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for SourceRef<'a> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct SourceVisitor<'a>(PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for SourceVisitor<'a> {
            type Value = SourceRef<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a source object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SourceRef<'a>, A::Error> {
                let mut s = SourceRef::default();
                let text = |v: Option<Text<'a>>| v.map(|t| t.0);
                while let Some(Text(key)) = map.next_key::<Text<'a>>()? {
                    match key.as_ref() {
                        "connector" => s.connector = text(map.next_value()?),
                        "name" => s.name = text(map.next_value()?),
                        "db" => s.db = text(map.next_value()?),
                        "schema" => s.schema = text(map.next_value()?),
                        "table" => s.table = text(map.next_value()?),
                        "ts_ms" => s.ts_ms = map.next_value()?,
                        "snapshot" => s.snapshot = map.next_value::<Snapshot<'a>>()?.0,
                        _ => {
                            let raw: &'a RawValue = map.next_value()?;
                            match s.fields.iter_mut().find(|(k, _)| *k == key) {
                                Some((_, v)) => *v = raw.get(),
                                None => s.fields.push((key, raw.get())),
                            }
                        }
                    }
                }
                Ok(s)
            }
        }
        d.deserialize_map(SourceVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn view_borrows_text_without_escapes_and_reads_the_source() {
        let bytes = br#"{"before":null,"after":{"id":1,"name":"Anne","note":"a\"b"},
            "source":{"connector":"postgresql","name":"db1","snapshot":"false","lsn":5,"version":"2.4"},
            "op":"c","ts_ms":9}"#;
        let view = decode(bytes).expect("a plain payload");
        let after = view.after.as_ref().unwrap();
        assert!(matches!(
            after.get("name"),
            Some(crate::view::ValueRef::Str(Cow::Borrowed("Anne")))
        ));
        assert_eq!(after.get("note").and_then(|v| v.as_str()), Some("a\"b"));
        assert_eq!(view.source.snapshot, None);
        assert_eq!(view.source.field("lsn"), Some("5"));
        let event = view.to_event().unwrap();
        assert_eq!(
            event.source.position,
            crate::Position::Postgres {
                lsn: Some(5),
                tx_id: None
            }
        );
        assert_eq!(event.source.extra.get("version"), Some(&Json::from("2.4")));
    }

    #[test]
    fn view_refuses_what_it_does_not_read() {
        // The schema envelope, an unknown op code, a create without `after`.
        assert!(decode(br#"{"schema":{},"payload":{"op":"c","after":{}}}"#).is_none());
        assert!(decode(br#"{"op":"x","after":{}}"#).is_none());
        assert!(decode(br#"{"op":"c","before":null}"#).is_none());
        assert!(decode(br#"{"op":"c","after":{},"source":{"snapshot":7}}"#).is_none());
    }

    #[test]
    fn a_position_field_of_the_wrong_type_is_named() {
        let view = decode(br#"{"op":"c","after":{},"source":{"connector":"postgresql","lsn":"x"}}"#).unwrap();
        let err = view.to_event().unwrap_err().to_string();
        assert!(err.contains("source.lsn"), "{err}");
    }
}
