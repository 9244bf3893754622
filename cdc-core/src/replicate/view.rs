//! The borrowed view of a bare Replicate data record (`data`, `beforeData`, `headers`).
//! The same reading, with owned rows, is the fast path of [`ReplicateJson`'s decoding].
//! Messages the view does not read (the `atMSG` envelope, bad input) go to the
//! reference decoder in `json.rs`, which names the field at fault.
//!
//! [`ReplicateJson`'s decoding]: crate::Decode::decode

use std::borrow::Cow;

use super::record::{KEPT_HEADERS, operation, replicate_event};
use crate::event::{ChangeEvent, Operation, Transaction, check_rows};
use crate::row::Row;
use crate::view::{OwnedRow, RowBuild, RowRef, Scan, raw_json, whole};

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
    pub headers: ReplicateHeadersRef<'a>,
}

impl ReplicateRef<'_> {
    /// The owned event, equal to the one [`ReplicateJson`](super::ReplicateJson) decodes
    /// through [`Decode`](crate::Decode).
    pub fn to_event(&self) -> ChangeEvent {
        event(
            self.op,
            self.before.as_ref().map(RowRef::to_row),
            self.after.as_ref().map(RowRef::to_row),
            &self.headers,
        )
    }
}

/// The owned event of a record's parts.
fn event(op: Operation, before: Option<Row>, after: Option<Row>, h: &ReplicateHeadersRef<'_>) -> ChangeEvent {
    let owned = |s: &Cow<'_, str>| s.as_ref().to_owned();
    replicate_event(
        op,
        (before, after),
        owned(&h.change_sequence),
        h.stream_position.as_ref().map(owned).unwrap_or_default(),
        h.kept.iter().map(|(k, raw)| (owned(k), raw_json(raw))).collect(),
        h.transaction_id.as_ref().map(|id| Transaction {
            id: owned(id),
            total_order: h.transaction_event_counter,
            data_collection_order: None,
        }),
    )
}

/// The headers of a [`ReplicateRef`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReplicateHeadersRef<'a> {
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

impl<'a> ReplicateHeadersRef<'a> {
    /// A header kept verbatim (`timestamp`, `transactionLastEvent` ...) as raw JSON text.
    pub fn field(&self, name: &str) -> Option<&'a str> {
        self.kept.iter().find(|(k, _)| k == name).map(|(_, v)| *v)
    }
}

/// The view, or `None` when the view does not read this message.
pub(super) fn decode(bytes: &[u8]) -> Option<ReplicateRef<'_>> {
    let (op, before, after, headers) = read::<RowRef<'_>>(bytes)?;
    Some(ReplicateRef {
        op,
        before,
        after,
        headers,
    })
}

/// The owned event by the fast path, its rows built as they are read; `None` when the
/// view does not read this message.
pub(super) fn decode_owned(bytes: &[u8]) -> Option<ChangeEvent> {
    let (op, before, after, headers) = read::<OwnedRow>(bytes)?;
    Some(event(
        op,
        before.map(OwnedRow::into_row),
        after.map(OwnedRow::into_row),
        &headers,
    ))
}

/// A record's operation, rows (a delete's row in `before`) and headers.
type Parts<'a, R> = (Operation, Option<R>, Option<R>, ReplicateHeadersRef<'a>);

/// Reads a bare record with rows of type `R`.
fn read<'a, R: RowBuild<'a>>(bytes: &'a [u8]) -> Option<Parts<'a, R>> {
    let text = std::str::from_utf8(bytes).ok()?;
    let mut scan = Scan::new(text);
    let (mut data, mut before_data, mut raw_headers) = (None, None, None);
    scan.object(|s, key| {
        match key.as_ref() {
            "data" if data.is_none() => data = Some(s.opt_row()?),
            "beforeData" if before_data.is_none() => before_data = Some(s.opt_row()?),
            "headers" if raw_headers.is_none() => raw_headers = Some(headers(s)?),
            // A repeated field is refused, as serde refuses it.
            "data" | "beforeData" | "headers" => return None,
            // Only in the envelope, which the reference decoder reads.
            "magic" => return s.null().then_some(()),
            _ => drop(s.raw()?),
        }
        Some(())
    })?;
    scan.finish()?;
    let RawHeaders {
        operation: code,
        mut headers,
        counter,
    } = raw_headers?;
    let op = operation(&code?)?;
    let (data, before_data) = (data.flatten(), before_data.flatten());
    let (before, after) = match op {
        Operation::Delete => (before_data.or(data), None),
        _ => (before_data, data),
    };
    let width = after.as_ref().or(before.as_ref()).map_or(0, R::width);
    for (field, mask) in [
        ("changeMask", &headers.change_mask),
        ("columnMask", &headers.column_mask),
    ] {
        if let Some(mask) = mask {
            super::mask::check(field, mask, width).ok()?;
        }
    }
    if headers.transaction_id.is_some() {
        headers.transaction_event_counter = match counter {
            None => None,
            Some(raw) => whole(raw, Scan::opt_i64)?,
        };
    }
    check_rows(op, before.is_some(), after.is_some()).ok()?;
    Some((op, before, after, headers))
}

/// The headers as read, before the checks that need the rows.
struct RawHeaders<'a> {
    operation: Option<Cow<'a, str>>,
    headers: ReplicateHeadersRef<'a>,
    /// `transactionEventCounter` as raw text: it is read only with a `transactionId`.
    counter: Option<&'a str>,
}

/// The headers object; `changeSequence` is required. A repeated header keeps its last
/// value.
fn headers<'a>(s: &mut Scan<'a>) -> Option<RawHeaders<'a>> {
    let mut operation = None;
    let mut change_sequence = None;
    let mut counter = None;
    let mut h = ReplicateHeadersRef::default();
    s.object(|s, key| {
        match key.as_ref() {
            "operation" => operation = s.opt_string()?,
            "changeSequence" => change_sequence = s.opt_string()?,
            "streamPosition" => h.stream_position = s.opt_string()?,
            "transactionId" => h.transaction_id = s.opt_string()?,
            "transactionEventCounter" => counter = Some(s.raw()?),
            k if KEPT_HEADERS.contains(&k) => {
                let raw = s.raw()?;
                match k {
                    "changeMask" => h.change_mask = whole(raw, Scan::opt_string)?,
                    "columnMask" => h.column_mask = whole(raw, Scan::opt_string)?,
                    _ => {}
                }
                match h.kept.iter_mut().find(|(kept, _)| *kept == key) {
                    Some((_, v)) => *v = raw,
                    None => h.kept.push((key, raw)),
                }
            }
            _ => drop(s.raw()?),
        }
        Some(())
    })?;
    h.change_sequence = change_sequence?;
    Some(RawHeaders {
        operation,
        headers: h,
        counter,
    })
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
