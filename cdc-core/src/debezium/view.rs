//! The borrowed view of a plain Debezium payload (`schemas.enable=false`, the common
//! case): the views' scanner reads straight into rows whose text borrows from the
//! input, with no intermediate JSON tree. The same reading, with owned rows, is the fast
//! path of [`DebeziumJson`'s decoding]. Anything the view does not accept (the schema
//! envelope, bad input) goes to the reference decoder in `json.rs`, which names the
//! field at fault; property tests and the fuzz target keep the paths in step.
//!
//! [`DebeziumJson`'s decoding]: crate::Decode::decode

use std::borrow::Cow;

use serde_json::{Map, Value as Json};

use super::json::content_of_text;
use crate::error::Result;
use crate::event::{
    ChangeEvent, LogicalMessage, MessageContent, Operation, Source, Transaction, check_message, check_rows,
};
use crate::row::Row;
use crate::view::{OwnedRow, RowBuild, RowRef, Scan, raw_json, whole};

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
    pub source: DebeziumSourceRef<'a>,
    /// The transaction block.
    pub transaction: Option<DebeziumTransactionRef<'a>>,
    /// When the connector processed the event, in milliseconds.
    pub ts_ms: Option<i64>,
    /// The same in microseconds (`ts_us`).
    pub ts_us: Option<i64>,
    /// The same in nanoseconds (`ts_ns`).
    pub ts_ns: Option<i64>,
    /// The message of a logical decoding message event.
    pub message: Option<DebeziumMessageRef<'a>>,
    fields: Vec<(Cow<'a, str>, &'a str)>,
}

impl<'a> DebeziumRef<'a> {
    /// Another top-level field (one [`ChangeEvent::extra`] keeps) as raw JSON text.
    pub fn field(&self, name: &str) -> Option<&'a str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
    }

    /// The owned event. Fails only on a source position field of the wrong type
    /// (`source.lsn` that is not an integer ...), naming it.
    pub fn to_event(&self) -> Result<ChangeEvent> {
        event(
            self.op,
            (
                self.before.as_ref().map(RowRef::to_row),
                self.after.as_ref().map(RowRef::to_row),
            ),
            &self.source,
            self.transaction.as_ref(),
            [self.ts_ms, self.ts_us, self.ts_ns],
            self.message.as_ref(),
            &self.fields,
        )
    }
}

/// The message of a logical decoding message event: the prefix borrowed, the content
/// as [`ChangeEvent`]'s (bytes when the text is base64).
#[derive(Debug, Clone, PartialEq)]
pub struct DebeziumMessageRef<'a> {
    /// `prefix`.
    pub prefix: Cow<'a, str>,
    /// `content`.
    pub content: MessageContent,
}

/// The owned event of a payload's parts.
fn event(
    op: Operation,
    (before, after): (Option<Row>, Option<Row>),
    source: &DebeziumSourceRef<'_>,
    transaction: Option<&DebeziumTransactionRef<'_>>,
    [ts_ms, ts_us, ts_ns]: [Option<i64>; 3],
    message: Option<&DebeziumMessageRef<'_>>,
    fields: &[(Cow<'_, str>, &str)],
) -> Result<ChangeEvent> {
    Ok(ChangeEvent {
        op,
        before,
        after,
        source: source.to_source()?,
        transaction: transaction.map(|t| Transaction {
            id: t.id.as_ref().to_owned(),
            total_order: t.total_order,
            data_collection_order: t.data_collection_order,
        }),
        key: None,
        ts_ms,
        ts_us,
        ts_ns,
        message: message.map(|m| LogicalMessage {
            prefix: m.prefix.as_ref().to_owned(),
            content: m.content.clone(),
        }),
        // Most events have no other field: an empty map costs nothing to make.
        extra: match fields {
            [] => Map::new(),
            _ => fields
                .iter()
                .map(|(k, raw)| (k.as_ref().to_owned(), raw_json(raw)))
                .collect(),
        },
    })
}

/// The source block of a [`DebeziumRef`]: the common fields typed, the
/// connector-specific ones (position, version ...) as raw JSON text.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct DebeziumSourceRef<'a> {
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

impl<'a> DebeziumSourceRef<'a> {
    /// Another field of the block (`lsn`, `file`, `pos`, `version` ...) as raw JSON text.
    pub fn field(&self, name: &str) -> Option<&'a str> {
        self.fields.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
    }

    fn to_source(&self) -> Result<Source> {
        // The position's fields go to a map of their own, so the rest is built once.
        let positional = super::source::positional_fields(self.connector.as_deref());
        let mut fields: Map<String, Json> = Map::with_capacity(self.fields.len());
        let mut position_fields: Map<String, Json> = Map::new();
        for (k, raw) in &self.fields {
            let map = match positional.contains(&k.as_ref()) {
                true => &mut position_fields,
                false => &mut fields,
            };
            map.insert(k.as_ref().to_owned(), raw_json(raw));
        }
        let f = crate::json::Fields {
            format: super::json::FORMAT,
            prefix: "source",
        };
        let owned = |v: &Option<Cow<'_, str>>| v.as_ref().map(|s| s.as_ref().to_owned());
        let position = super::source::position(self.connector.as_deref(), &mut position_fields, &f)?;
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
pub struct DebeziumTransactionRef<'a> {
    /// `id`.
    pub id: Cow<'a, str>,
    /// `total_order`.
    pub total_order: Option<i64>,
    /// `data_collection_order`.
    pub data_collection_order: Option<i64>,
}

/// The view, or `None` when the view does not read this message.
pub(super) fn decode(bytes: &[u8]) -> Option<DebeziumRef<'_>> {
    let (op, p) = read::<RowRef<'_>>(bytes)?;
    Some(DebeziumRef {
        op,
        before: p.before,
        after: p.after,
        source: p.source.unwrap_or_default(),
        transaction: p.transaction,
        ts_ms: p.ts_ms,
        ts_us: p.ts_us,
        ts_ns: p.ts_ns,
        message: p.message,
        fields: p.fields,
    })
}

/// The owned event by the fast path, its rows built as they are read: `None` when the
/// view does not read this message, else the event or the error of a source field.
pub(super) fn decode_owned(bytes: &[u8]) -> Option<Result<ChangeEvent>> {
    let (op, p) = read::<OwnedRow>(bytes)?;
    Some(event(
        op,
        (p.before.map(OwnedRow::into_row), p.after.map(OwnedRow::into_row)),
        &p.source.unwrap_or_default(),
        p.transaction.as_ref(),
        [p.ts_ms, p.ts_us, p.ts_ns],
        p.message.as_ref(),
        &p.fields,
    ))
}

/// Reads a plain payload with rows of type `R`.
fn read<'a, R: RowBuild<'a>>(bytes: &'a [u8]) -> Option<(Operation, Fields<'a, R>)> {
    // The scanner borrows from checked text; the whole input must be valid UTF-8, as
    // the reference decoder requires.
    let text = std::str::from_utf8(bytes).ok()?;
    let mut scan = Scan::new(text);
    let mut fields = Fields::default();
    scan.object(|s, key| {
        let field = match key.as_ref() {
            "before" => Field::Before,
            "after" => Field::After,
            "source" => Field::Source,
            "op" => Field::Op,
            "ts_ms" => Field::TsMs,
            "ts_us" => Field::TsUs,
            "ts_ns" => Field::TsNs,
            "transaction" => Field::Transaction,
            // Any other field is kept as raw text, the last of a repeated one; `message`
            // is read once the operation is known.
            _ => {
                let raw = s.raw()?;
                match fields.fields.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, v)) => *v = raw,
                    None => fields.fields.push((key, raw)),
                }
                return Some(());
            }
        };
        // A repeated field is refused: the reference decoder reads it.
        fields.first_time(field)?;
        match field {
            Field::Before => fields.before = s.opt_row()?,
            Field::After => fields.after = s.opt_row()?,
            Field::Source => fields.source = source(s)?,
            Field::Op => fields.op = Some(s.string()?),
            Field::TsMs => fields.ts_ms = s.opt_i64()?,
            Field::TsUs => fields.ts_us = s.opt_i64()?,
            Field::TsNs => fields.ts_ns = s.opt_i64()?,
            Field::Transaction => fields.transaction = transaction(s)?,
        }
        Some(())
    })?;
    scan.finish()?;
    // With both `schema` and `payload` it is the schema envelope: the reference decoder
    // reads it.
    let named = |name: &str| fields.fields.iter().any(|(k, _)| k == name);
    if named("schema") && named("payload") {
        return None;
    }
    let op = Operation::from_debezium(fields.op.as_deref()?)?;
    let message_at = fields.fields.iter().position(|(k, _)| k == "message");
    if let (Operation::Message, Some(at)) = (op, message_at) {
        fields.message = whole(fields.fields.remove(at).1, message)?;
    }
    check_rows(op, fields.before.is_some(), fields.after.is_some()).ok()?;
    check_message(op, fields.message.is_some()).ok()?;
    Some((op, fields))
}

/// The payload's fields the view reads itself.
#[derive(Clone, Copy)]
enum Field {
    Before,
    After,
    Source,
    Op,
    TsMs,
    TsUs,
    TsNs,
    Transaction,
}

/// The payload's fields as read, and which were seen.
struct Fields<'a, R> {
    seen: u16,
    before: Option<R>,
    after: Option<R>,
    source: Option<DebeziumSourceRef<'a>>,
    op: Option<Cow<'a, str>>,
    ts_ms: Option<i64>,
    ts_us: Option<i64>,
    ts_ns: Option<i64>,
    transaction: Option<DebeziumTransactionRef<'a>>,
    message: Option<DebeziumMessageRef<'a>>,
    /// Every other field, as raw text.
    fields: Vec<(Cow<'a, str>, &'a str)>,
}

impl<R> Default for Fields<'_, R> {
    fn default() -> Self {
        Fields {
            seen: 0,
            before: None,
            after: None,
            source: None,
            op: None,
            ts_ms: None,
            ts_us: None,
            ts_ns: None,
            transaction: None,
            message: None,
            fields: Vec::new(),
        }
    }
}

impl<R> Fields<'_, R> {
    fn first_time(&mut self, field: Field) -> Option<()> {
        let bit = 1 << field as u16;
        let first = self.seen & bit == 0;
        self.seen |= bit;
        first.then_some(())
    }
}

/// `null`, or the `message` block: `prefix` and `content`, nothing else.
fn message<'a>(s: &mut Scan<'a>) -> Option<Option<DebeziumMessageRef<'a>>> {
    if s.null() {
        return Some(None);
    }
    let (mut prefix, mut content) = (None, None);
    s.object(|s, key| {
        match key.as_ref() {
            "prefix" => prefix = Some(s.string()?),
            "content" => content = Some(s.string()?),
            _ => return None,
        }
        Some(())
    })?;
    Some(Some(DebeziumMessageRef {
        prefix: prefix?,
        content: content_of_text(content?.into_owned()),
    }))
}

/// `null`, or the transaction block: `id` required, repeated fields refused.
fn transaction<'a>(s: &mut Scan<'a>) -> Option<Option<DebeziumTransactionRef<'a>>> {
    if s.null() {
        return Some(None);
    }
    let (mut id, mut total_order, mut data_collection_order) = (None, None, None);
    s.object(|s, key| {
        match key.as_ref() {
            "id" if id.is_none() => id = Some(s.string()?),
            "total_order" if total_order.is_none() => total_order = Some(s.opt_i64()?),
            "data_collection_order" if data_collection_order.is_none() => {
                data_collection_order = Some(s.opt_i64()?)
            }
            "id" | "total_order" | "data_collection_order" => return None,
            _ => drop(s.raw()?),
        }
        Some(())
    })?;
    Some(Some(DebeziumTransactionRef {
        id: id?,
        total_order: total_order.flatten(),
        data_collection_order: data_collection_order.flatten(),
    }))
}

/// `null`, or the source block. A repeated field keeps its last value.
fn source<'a>(s: &mut Scan<'a>) -> Option<Option<DebeziumSourceRef<'a>>> {
    if s.null() {
        return Some(None);
    }
    let mut source = DebeziumSourceRef::default();
    s.object(|s, key| {
        match key.as_ref() {
            "connector" => source.connector = s.opt_string()?,
            "name" => source.name = s.opt_string()?,
            "db" => source.db = s.opt_string()?,
            "schema" => source.schema = s.opt_string()?,
            "table" => source.table = s.opt_string()?,
            "ts_ms" => source.ts_ms = s.opt_i64()?,
            // `"false"`, false or null: not read by a snapshot.
            "snapshot" => {
                source.snapshot = match s.opt_string() {
                    Some(text) => text.filter(|t| t != "false"),
                    None => s.bool()?.then_some(Cow::Borrowed("true")),
                }
            }
            _ => {
                let raw = s.raw()?;
                match source.fields.iter_mut().find(|(k, _)| *k == key) {
                    Some((_, v)) => *v = raw,
                    None => source.fields.push((key, raw)),
                }
            }
        }
        Some(())
    })?;
    Some(Some(source))
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
    fn a_repeated_column_keeps_its_first_place_and_last_value_on_both_paths() {
        let bytes = br#"{"op":"c","after":{"a":1,"b":"x","a":"three","c":null,"b":2}}"#;
        let reference = super::super::DebeziumJson::decode_reference(bytes)
            .unwrap()
            .unwrap()
            .event;
        let expected = Row::new()
            .with("a", crate::Value::String("three".into()))
            .with("b", crate::Value::Int(2))
            .with("c", crate::Value::Null);
        assert_eq!(reference.after.as_ref(), Some(&expected));
        assert_eq!(decode_owned(bytes).unwrap().unwrap(), reference);
        assert_eq!(decode(bytes).unwrap().to_event().unwrap(), reference);
    }

    #[test]
    fn a_position_field_of_the_wrong_type_is_named() {
        let view = decode(br#"{"op":"c","after":{},"source":{"connector":"postgresql","lsn":"x"}}"#).unwrap();
        let err = view.to_event().unwrap_err().to_string();
        assert!(err.contains("source.lsn"), "{err}");
    }
}
