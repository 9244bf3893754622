//! Debezium's placeholder for a value it does not have, in the Avro form of a column of
//! each type: the forms Debezium gives it in Kafka Connect (the marker text; its bytes in
//! binary columns; `[marker]` in text arrays; its bytes as numbers in integer and date
//! arrays; the UUID of its bytes in UUID arrays; one `marker => marker` map entry).

use apache_avro::types::Value as Avro;

use super::column::ColumnType;
use super::datum::unwrap_union;
use crate::value::{UNAVAILABLE_MARKER, UNAVAILABLE_UUID};

/// The one item of the placeholder in an array of `item`s, or its items' numbers.
fn items(item: &ColumnType) -> Option<Vec<Avro>> {
    let marker = UNAVAILABLE_MARKER;
    Some(match item {
        ColumnType::Uuid => vec![Avro::String(UNAVAILABLE_UUID.to_owned())],
        ColumnType::Bytes | ColumnType::Bits => vec![Avro::Bytes(marker.as_bytes().to_vec())],
        ColumnType::Long => marker.bytes().map(|b| Avro::Long(i64::from(b))).collect(),
        ColumnType::Date => marker.bytes().map(|b| Avro::Date(i32::from(b))).collect(),
        t if is_text(t) => vec![Avro::String(marker.to_owned())],
        _ => return None,
    })
}

/// Whether the column type is written as Avro text.
fn is_text(t: &ColumnType) -> bool {
    matches!(
        t,
        ColumnType::String
            | ColumnType::Json
            | ColumnType::TimestampTz
            | ColumnType::TimeTz
            | ColumnType::Interval
            | ColumnType::Uuid
    )
}

/// The placeholder in a column of type `t`, or `None` where Avro has no form for it (a
/// number column).
pub(super) fn placeholder(t: &ColumnType) -> Option<Avro> {
    let marker = || Avro::String(UNAVAILABLE_MARKER.to_owned());
    let some = |v: Avro| Avro::Union(1, Box::new(v));
    Some(match t {
        ColumnType::Bytes | ColumnType::Bits => Avro::Bytes(UNAVAILABLE_MARKER.as_bytes().to_vec()),
        ColumnType::Array(item) => Avro::Array(items(item)?.into_iter().map(some).collect()),
        ColumnType::Map(keys, values) if is_text(keys) && is_text(values) => {
            Avro::Array(vec![Avro::Record(vec![
                ("key".into(), marker()),
                ("value".into(), some(marker())),
            ])])
        }
        t if is_text(t) => marker(),
        _ => return None,
    })
}

/// Whether Avro `v` is the placeholder in a column of type `t`. The marker text is taken
/// as the placeholder in a column of any type.
pub(super) fn is_placeholder(v: &Avro, t: &ColumnType) -> bool {
    match (v, t) {
        (Avro::String(s), _) => s == UNAVAILABLE_MARKER,
        (Avro::Bytes(b), ColumnType::Bytes | ColumnType::Bits) => b == UNAVAILABLE_MARKER.as_bytes(),
        // Only a list as long as a placeholder's is worth building the placeholder for.
        (Avro::Array(values), ColumnType::Array(_) | ColumnType::Map(..))
            if values.len() == 1 || values.len() == UNAVAILABLE_MARKER.len() =>
        {
            placeholder(t).is_some_and(
                |p| matches!(&p, Avro::Array(form) if form.len() == values.len() && same(form, values)),
            )
        }
        _ => false,
    }
}

/// Whether two lists of Avro values are equal, unions unwrapped.
fn same(form: &[Avro], values: &[Avro]) -> bool {
    form.iter()
        .zip(values)
        .all(|(a, b)| match (unwrap_union(a), unwrap_union(b)) {
            (Avro::Record(a), Avro::Record(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .zip(b)
                        .all(|((n, x), (m, y))| n == m && unwrap_union(x) == unwrap_union(y))
            }
            (a, b) => a == b,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_recognised_and_numbers_have_none() {
        let types = [
            ColumnType::String,
            ColumnType::Json,
            ColumnType::Bytes,
            ColumnType::Array(Box::new(ColumnType::String)),
            ColumnType::Array(Box::new(ColumnType::Long)),
            ColumnType::Array(Box::new(ColumnType::Date)),
            ColumnType::Array(Box::new(ColumnType::Uuid)),
            ColumnType::Array(Box::new(ColumnType::Bytes)),
            ColumnType::Map(Box::new(ColumnType::String), Box::new(ColumnType::String)),
        ];
        for t in types {
            let form = placeholder(&t).unwrap();
            assert!(is_placeholder(&form, &t), "{t:?}");
        }
        assert_eq!(placeholder(&ColumnType::Long), None);
        assert_eq!(
            placeholder(&ColumnType::Array(Box::new(ColumnType::Double))),
            None
        );
        let longs = ColumnType::Array(Box::new(ColumnType::Long));
        assert!(!is_placeholder(&Avro::Array(vec![Avro::Long(95)]), &longs));
    }
}
