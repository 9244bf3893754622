//! What the assembler reads of a change event: its transaction, its position, its table.

use serde_json::Value as Json;

use super::position::SourcePosition;
use crate::event::ChangeEvent;

/// What the [`TransactionAssembler`](super::TransactionAssembler) needs to know of a
/// change event; the event itself travels beside it as an opaque payload (the decoded
/// event, the Kafka record it came in, ...). [`EventInfo::of`] reads it from an event.
#[derive(Debug, Clone, PartialEq)]
pub struct EventInfo {
    /// The transaction the event belongs to; `None` for events outside any (snapshot
    /// reads, and every event of a connector without transaction metadata).
    pub transaction: Option<EventTransaction>,
    /// Where the source's stream had the event.
    pub position: Option<SourcePosition>,
    /// The event's table as Debezium names it in `END` events: `schema.table` for
    /// PostgreSQL, else `database.schema.table` without the parts the source leaves out
    /// (`database.table` for MySQL and MariaDB).
    pub data_collection: Option<String>,
    /// Whether a snapshot read the event (snapshot reads share one position).
    pub snapshot: bool,
    /// The event's size, counted against the assembler's
    /// [`max_bytes`](super::AssemblerConfig::max_bytes): the size of its Kafka record,
    /// say. 0 unless set.
    pub bytes: usize,
}

/// The event's place in its transaction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventTransaction {
    /// The transaction id (Debezium's `transaction.id`, Replicate's `transactionId`).
    pub id: String,
    /// The event's place among all events of the transaction, from 1 (Debezium's
    /// `total_order`, Replicate's `transactionEventCounter`).
    pub order: Option<i64>,
    /// Whether the event is the transaction's last (Replicate's
    /// `transactionLastEvent`; Debezium marks the end with an `END` event instead).
    pub last: bool,
}

impl EventInfo {
    /// What `event` tells: its `transaction` block (and, for Replicate, the
    /// `transactionLastEvent` header kept in `source.extra`), its source position, its
    /// table, whether a snapshot read it.
    pub fn of(event: &ChangeEvent) -> EventInfo {
        let source = &event.source;
        let transaction = event.transaction.as_ref().map(|t| EventTransaction {
            id: t.id.clone(),
            order: t.total_order,
            last: source.extra.get("transactionLastEvent") == Some(&Json::Bool(true)),
        });
        let data_collection = source.table.as_ref().map(|table| {
            let parts: Vec<&str> = if source.connector.as_deref() == Some("postgresql") {
                source.schema.iter().map(String::as_str).collect()
            } else {
                source
                    .db
                    .iter()
                    .chain(&source.schema)
                    .map(String::as_str)
                    .collect()
            };
            parts
                .into_iter()
                .chain([table.as_str()])
                .collect::<Vec<_>>()
                .join(".")
        });
        EventInfo {
            transaction,
            position: SourcePosition::of(event),
            data_collection,
            snapshot: source.snapshot.is_some(),
            bytes: 0,
        }
    }

    /// Sets [`bytes`](Self::bytes), builder style.
    pub fn with_bytes(mut self, bytes: usize) -> Self {
        self.bytes = bytes;
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::{Operation, Position, Source, Transaction};
    use crate::row::Row;

    fn event(connector: &str, db: Option<&str>, schema: Option<&str>) -> ChangeEvent {
        let source = Source {
            connector: Some(connector.into()),
            db: db.map(Into::into),
            schema: schema.map(Into::into),
            table: Some("orders".into()),
            ..Source::default()
        };
        ChangeEvent::new(Operation::Create, None, Some(Row::new()), source).unwrap()
    }

    #[test]
    fn data_collections_are_named_as_debezium_names_them() {
        let name = |e: &ChangeEvent| EventInfo::of(e).data_collection;
        assert_eq!(
            name(&event("postgresql", Some("test"), Some("shop"))).as_deref(),
            Some("shop.orders")
        );
        assert_eq!(
            name(&event("mariadb", Some("test"), None)).as_deref(),
            Some("test.orders")
        );
        assert_eq!(
            name(&event("sqlserver", Some("testDB"), Some("dbo"))).as_deref(),
            Some("testDB.dbo.orders")
        );
    }

    #[test]
    fn reads_the_transaction_and_replicate_last_flag() {
        let mut e = event("replicate", None, None);
        e.transaction = Some(Transaction {
            id: "00A1".into(),
            total_order: Some(3),
            ..Transaction::default()
        });
        e.source
            .extra
            .insert("transactionLastEvent".into(), Json::Bool(true));
        e.source.position = Position::Replicate {
            change_sequence: "20260131101500000000000000000000005".into(),
            stream_position: String::new(),
        };
        let info = EventInfo::of(&e);
        assert_eq!(
            info.transaction,
            Some(EventTransaction {
                id: "00A1".into(),
                order: Some(3),
                last: true
            })
        );
        assert!(matches!(info.position, Some(SourcePosition::Replicate { .. })));
    }
}
