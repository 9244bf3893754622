//! What users do with events: which columns changed, the upsert view a table wants,
//! and topic names.

use crate::error::Result;
use crate::event::{ChangeEvent, Operation};
use crate::replicate::mask;
use crate::row::Row;

/// The columns an update changed: from Replicate's `changeMask` when the event has one,
/// else by comparing `after` with the row before the change as far as the event knows it
/// ([`ChangeEvent::before_or_key`]: without `before`, the key columns are known to be
/// unchanged and every other column counts as changed). A create changes every column;
/// a delete none.
pub fn changed_columns(event: &ChangeEvent) -> Result<Vec<String>> {
    let Some(after) = &event.after else {
        return Ok(Vec::new());
    };
    if let Some(hex) = event.source.extra.get("changeMask").and_then(|m| m.as_str()) {
        let ordinals = mask::decode("changeMask", hex, after.len())?;
        return Ok(after
            .columns()
            .enumerate()
            .filter(|(i, _)| ordinals.contains(i))
            .map(|(_, c)| c.to_owned())
            .collect());
    }
    let before = event.before_or_key();
    Ok(after
        .iter()
        .filter(|(c, v)| before.as_ref().and_then(|b| b.get(c)) != Some(v))
        .map(|(c, _)| c.to_owned())
        .collect())
}

/// Whether `column` changed in this event: it is in `after` and differs from its value
/// before the change, or that value is not known (see [`changed_columns`]).
pub fn column_changed(event: &ChangeEvent, column: &str) -> bool {
    let after = event.after.as_ref().and_then(|r| r.get(column));
    let before = event.before_or_key();
    after.is_some() && before.as_ref().and_then(|b| b.get(column)) != after
}

/// The event as a table sees it: `(key, Some(row))` for creates, updates and reads,
/// `(key, None)` (a tombstone) for a delete. The key is `key_columns` of the row; a
/// delete's row is `before` completed from the record key ([`ChangeEvent::before_or_key`]),
/// so a delete without `before` still names its key. `None` when there is no row.
pub fn upsert(event: &ChangeEvent, key_columns: &[&str]) -> Option<(Row, Option<Row>)> {
    match event.op {
        Operation::Create | Operation::Update | Operation::Read => {
            let after = event.after.as_ref()?;
            Some((after.project(key_columns), Some(after.clone())))
        }
        Operation::Delete => Some((event.before_or_key()?.project(key_columns), None)),
        Operation::Truncate | Operation::Message => None,
    }
}

/// Debezium's topic name for the event (its default topic naming, `topic.delimiter` `.`):
/// for a row or truncate event the table's topic, whose parts depend on the connector:
///
/// | `source.connector` | topic |
/// | --- | --- |
/// | `postgresql`, `oracle`, `db2`, `informix` | `<prefix>.<schema>.<table>` |
/// | `mysql`, `mariadb` | `<prefix>.<db>.<table>` |
/// | `sqlserver` | `<prefix>.<db>.<schema>.<table>` |
/// | others | `<prefix>.<schema>.<table>`, or `<prefix>.<db>.<table>` without a schema |
///
/// and `<prefix>.message` for a logical decoding message. The prefix is `source.name`.
/// Empty parts are left out and characters Kafka does not take in topic names become
/// `_`, as Debezium does. `None` without a prefix or table.
///
/// ```
/// use cdc_core::{ChangeEvent, Operation, Row, Source, Value, topic_name};
/// let source = Source {
///     connector: Some("sqlserver".into()),
///     name: Some("fulfillment".into()),
///     db: Some("testDB".into()),
///     schema: Some("dbo".into()),
///     table: Some("customers".into()),
///     ..Source::default()
/// };
/// let row = Row::new().with("id", Value::Int(1));
/// let event = ChangeEvent::new(Operation::Create, None, Some(row), source)?;
/// assert_eq!(topic_name(&event).as_deref(), Some("fulfillment.testDB.dbo.customers"));
/// # Ok::<(), cdc_core::Error>(())
/// ```
pub fn topic_name(event: &ChangeEvent) -> Option<String> {
    let s = &event.source;
    let prefix = s.name.as_deref()?;
    let name = if event.op == Operation::Message {
        format!("{prefix}.message")
    } else {
        let (db, schema) = (s.db.as_deref(), s.schema.as_deref());
        let middle: [Option<&str>; 2] = match s.connector.as_deref() {
            Some("postgresql" | "oracle" | "db2" | "informix") => [schema, None],
            Some("mysql" | "mariadb") => [db, None],
            Some("sqlserver") => [db, schema],
            _ => [schema.or(db), None],
        };
        let table = s.table.as_deref().filter(|t| !t.trim().is_empty())?;
        std::iter::once(prefix)
            .chain(middle.into_iter().flatten())
            .chain([table])
            .filter(|part| !part.trim().is_empty())
            .collect::<Vec<_>>()
            .join(".")
    };
    Some(sanitized_topic(&name))
}

/// The longest topic name Kafka takes.
const MAX_TOPIC: usize = 249;

/// `name` as Debezium makes it a valid Kafka topic name: every character other than
/// ASCII letters, digits, `.`, `_` and `-` becomes `_` (one for each UTF-16 unit, as in
/// Java), the name is cut at 249 characters, and `.` and `..` become `_` and `__`.
fn sanitized_topic(name: &str) -> String {
    let mut topic = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
            topic.push(c);
        } else {
            topic.extend(std::iter::repeat_n('_', c.len_utf16()));
        }
    }
    topic.truncate(MAX_TOPIC);
    match topic.as_str() {
        "." => "_".to_owned(),
        ".." => "__".to_owned(),
        _ => topic,
    }
}
