//! Where an event sits in its source's change stream: what duplicates are recognised by,
//! and what orders transactions that were emitted against those still to come.

use std::cmp::Ordering;

use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::event::{ChangeEvent, Position};

/// An event's position in its source's change stream, as the connector reports it.
///
/// Two events of one source with equal positions are one event sent twice (the
/// connector re-sends what it had sent after its last committed offset when it
/// restarts). The order of positions ([`stream_cmp`](Self::stream_cmp)) is the order in
/// which the connector emits changes, where the position tells it:
///
/// - PostgreSQL: the commit LSN of the transaction before (the first element of the
///   source's `sequence`) and the event's `lsn`. The LSN alone does not order events of
///   different transactions: transactions are streamed at commit, and a transaction
///   that started earlier can commit later. Events whose `sequence` has no commit LSN
///   (the first transaction after the connector starts) are equal by `lsn` but not
///   ordered against others.
/// - MySQL and MariaDB: the binlog file (by its numeric suffix), the event's position
///   in it (`pos`) and the row in the event (`row`).
/// - SQL Server: `commit_lsn`, `change_lsn`, `event_serial_no`.
/// - Qlik Replicate: `changeSequence` (a timestamp and a counter of fixed widths).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum SourcePosition {
    /// PostgreSQL.
    Postgres {
        /// `lsn`.
        lsn: i64,
        /// The commit LSN of the transaction before, from `sequence`.
        last_commit_lsn: Option<i64>,
    },
    /// MySQL and MariaDB.
    Binlog {
        /// `file`.
        file: String,
        /// `pos`.
        pos: i64,
        /// `row`.
        row: i64,
    },
    /// SQL Server.
    SqlServer {
        /// `commit_lsn`.
        commit_lsn: String,
        /// `change_lsn`.
        change_lsn: String,
        /// `event_serial_no`.
        event_serial_no: i64,
    },
    /// Qlik Replicate.
    Replicate {
        /// `changeSequence`.
        change_sequence: String,
    },
}

impl SourcePosition {
    /// The position of `event`, when its source block has one (`None` for snapshot
    /// reads of Replicate, whose change sequence is empty, and for connectors whose
    /// positions this crate does not read).
    pub fn of(event: &ChangeEvent) -> Option<SourcePosition> {
        let source = &event.source;
        if let Position::Postgres { lsn: Some(lsn), .. } = &source.position {
            let last_commit_lsn = source.extra.get("sequence").and_then(last_commit_of_sequence);
            return Some(SourcePosition::Postgres {
                lsn: *lsn,
                last_commit_lsn,
            });
        }
        if let Position::MySql { file, pos, row, .. } = &source.position {
            return (!file.is_empty()).then(|| SourcePosition::Binlog {
                file: file.clone(),
                pos: *pos,
                row: *row,
            });
        }
        if let Position::SqlServer {
            change_lsn: Some(change_lsn),
            commit_lsn: Some(commit_lsn),
            event_serial_no,
        } = &source.position
        {
            return Some(SourcePosition::SqlServer {
                commit_lsn: commit_lsn.clone(),
                change_lsn: change_lsn.clone(),
                event_serial_no: event_serial_no.unwrap_or(0),
            });
        }
        if let Position::Replicate { change_sequence, .. } = &source.position {
            return (!change_sequence.is_empty()).then(|| SourcePosition::Replicate {
                change_sequence: change_sequence.clone(),
            });
        }
        None
    }

    /// The order of two positions in the source's change stream; `None` when the
    /// positions do not tell (different sources, or a PostgreSQL position without the
    /// commit LSN before it).
    pub fn stream_cmp(&self, other: &SourcePosition) -> Option<Ordering> {
        use SourcePosition::*;
        match (self, other) {
            (
                Postgres {
                    lsn: a,
                    last_commit_lsn: Some(ca),
                },
                Postgres {
                    lsn: b,
                    last_commit_lsn: Some(cb),
                },
            ) => Some((ca, a).cmp(&(cb, b))),
            (
                Binlog {
                    file: fa,
                    pos: pa,
                    row: ra,
                },
                Binlog {
                    file: fb,
                    pos: pb,
                    row: rb,
                },
            ) => Some(binlog_file_cmp(fa, fb).then((pa, ra).cmp(&(pb, rb)))),
            (
                SqlServer {
                    commit_lsn: ca,
                    change_lsn: la,
                    event_serial_no: sa,
                },
                SqlServer {
                    commit_lsn: cb,
                    change_lsn: lb,
                    event_serial_no: sb,
                },
            ) => Some((ca, la, sa).cmp(&(cb, lb, sb))),
            (Replicate { change_sequence: a }, Replicate { change_sequence: b }) => {
                Some(a.len().cmp(&b.len()).then_with(|| a.cmp(b)))
            }
            _ => None,
        }
    }

    /// Whether the position orders against others of its source (all but PostgreSQL
    /// positions without the commit LSN before them).
    pub fn is_ordered(&self) -> bool {
        !matches!(
            self,
            SourcePosition::Postgres {
                last_commit_lsn: None,
                ..
            }
        )
    }

    /// The part of the position that identifies one event (PostgreSQL: the LSN alone,
    /// as a re-sent event can carry a different `sequence`).
    fn identity(&self) -> PositionKey {
        match self {
            SourcePosition::Postgres { lsn, .. } => PositionKey::Lsn(*lsn),
            SourcePosition::Binlog { file, pos, row } => PositionKey::Binlog(file.clone(), *pos, *row),
            SourcePosition::SqlServer {
                commit_lsn,
                change_lsn,
                event_serial_no,
            } => PositionKey::SqlServer(commit_lsn.clone(), change_lsn.clone(), *event_serial_no),
            SourcePosition::Replicate { change_sequence } => {
                PositionKey::ChangeSequence(change_sequence.clone())
            }
        }
    }
}

/// The commit LSN in a PostgreSQL `sequence`: a JSON array of two LSNs as strings (or
/// nulls), itself a string: `"[\"24023119\",\"24023128\"]"`.
fn last_commit_of_sequence(sequence: &Json) -> Option<i64> {
    let parsed: Json = serde_json::from_str(sequence.as_str()?).ok()?;
    parsed.get(0)?.as_str()?.parse().ok()
}

/// Binlog files by the number after their last `.` (`mysql-bin.000003`), which outgrows
/// its zero padding past 999999; by name when they have none.
fn binlog_file_cmp(a: &str, b: &str) -> Ordering {
    let number = |f: &str| f.rsplit_once('.').and_then(|(_, n)| n.parse::<u64>().ok());
    match (number(a), number(b)) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.cmp(b)),
        _ => a.cmp(b),
    }
}

/// What identifies one change event of a transaction: its position (or, for sources
/// whose positions this crate does not read, its place in the transaction) and its
/// table (PostgreSQL gives the truncation of several tables one LSN).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct EventKey {
    position: PositionKey,
    data_collection: Option<String>,
}

impl EventKey {
    /// The key of an event at `position` of table `data_collection`.
    pub(crate) fn at(position: &SourcePosition, data_collection: Option<&str>) -> EventKey {
        EventKey {
            position: position.identity(),
            data_collection: data_collection.map(str::to_owned),
        }
    }

    /// The table of the event.
    pub(crate) fn data_collection(&self) -> Option<&str> {
        self.data_collection.as_deref()
    }

    /// The key of an event without position, by its place in its transaction.
    pub(crate) fn by_order(order: i64, data_collection: Option<&str>) -> EventKey {
        EventKey {
            position: PositionKey::Order(order),
            data_collection: data_collection.map(str::to_owned),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum PositionKey {
    Lsn(i64),
    Binlog(String, i64, i64),
    SqlServer(String, String, i64),
    ChangeSequence(String),
    Order(i64),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pg(last_commit_lsn: Option<i64>, lsn: i64) -> SourcePosition {
        SourcePosition::Postgres { lsn, last_commit_lsn }
    }

    #[test]
    fn postgres_orders_by_the_commit_before_then_the_lsn() {
        // A transaction that began earlier but committed later has lower LSNs, and comes
        // later in the stream: the commit LSN before it orders it.
        assert_eq!(
            pg(Some(160), 100).stream_cmp(&pg(Some(100), 150)),
            Some(Ordering::Greater)
        );
        assert_eq!(
            pg(Some(100), 150).stream_cmp(&pg(Some(100), 151)),
            Some(Ordering::Less)
        );
        assert_eq!(pg(None, 150).stream_cmp(&pg(Some(100), 151)), None);
        assert_eq!(
            EventKey::at(&pg(None, 150), Some("s.t")),
            EventKey::at(&pg(Some(9), 150), Some("s.t"))
        );
    }

    #[test]
    fn binlog_files_order_by_their_number() {
        let at = |file: &str, pos| SourcePosition::Binlog {
            file: file.into(),
            pos,
            row: 0,
        };
        assert_eq!(
            at("mysql-bin.999999", 900).stream_cmp(&at("mysql-bin.1000000", 4)),
            Some(Ordering::Less)
        );
        assert_eq!(
            at("mysql-bin.000003", 900).stream_cmp(&at("mysql-bin.000003", 4)),
            Some(Ordering::Greater)
        );
    }

    #[test]
    fn sequence_gives_the_commit_lsn() {
        assert_eq!(
            last_commit_of_sequence(&Json::from(r#"["24023119","24023128"]"#)),
            Some(24023119)
        );
        assert_eq!(last_commit_of_sequence(&Json::from(r#"[null,"24023128"]"#)), None);
    }
}
