//! What users do with events: which columns changed, the upsert view a table wants,
//! and topic names.

use crate::error::Result;
use crate::event::{ChangeEvent, Operation};
use crate::replicate::mask;
use crate::row::Row;

/// The columns an update changed: from Replicate's `changeMask` when the event has one,
/// else by comparing `before` and `after`. A create changes every column; a delete none.
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
    Ok(match &event.before {
        None => after.columns().map(str::to_owned).collect(),
        Some(before) => after
            .iter()
            .filter(|(c, v)| before.get(c) != Some(v))
            .map(|(c, _)| c.to_owned())
            .collect(),
    })
}

/// Whether `column` changed in this event: it is in `after` and differs from `before`
/// (or there is no `before`).
pub fn column_changed(event: &ChangeEvent, column: &str) -> bool {
    let after = event.after.as_ref().and_then(|r| r.get(column));
    let before = event.before.as_ref().and_then(|r| r.get(column));
    after.is_some() && (event.before.is_none() || before != after)
}

/// The event as a table sees it: `(key, Some(row))` for creates, updates and reads,
/// `(key, None)` (a tombstone) for a delete. The key is `key_columns` of the row.
pub fn upsert(event: &ChangeEvent, key_columns: &[&str]) -> Option<(Row, Option<Row>)> {
    match event.op {
        Operation::Create | Operation::Update | Operation::Read => {
            let after = event.after.as_ref()?;
            Some((after.project(key_columns), Some(after.clone())))
        }
        Operation::Delete => Some((event.before.as_ref()?.project(key_columns), None)),
        Operation::Truncate | Operation::Message => None,
    }
}

/// Debezium's topic name for the event's table: `<server>.<schema>.<table>` (or
/// `<server>.<db>.<table>` when there is no schema, as for MySQL).
pub fn topic_name(event: &ChangeEvent) -> Option<String> {
    let s = &event.source;
    let middle = s.schema.as_ref().or(s.db.as_ref())?;
    Some(format!("{}.{middle}.{}", s.name.as_ref()?, s.table.as_ref()?))
}
