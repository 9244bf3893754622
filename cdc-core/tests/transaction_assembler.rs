//! The transaction assembler on events captured from Debezium 3.6.1
//! (tests/golden/debezium/transaction/) and on hand-made cases: whole transactions in
//! `END` order whatever the topics' interleaving, duplicates dropped, chunks past the
//! bound, Replicate's change-sequence order, and each inconsistency refused with its
//! typed error, leaving the assembler as it was.

use cdc_core::transaction::{
    AssemblerConfig, Checkpoint, Chunk, EventInfo, EventTransaction, Pushed, SourcePosition,
    TransactionAssembler, TransactionProblem, TransactionSource, Unit,
};
use cdc_core::{ChangeEvent, DebeziumJson, DebeziumTransactionJson, Decode, Error, TransactionMetadata};
use serde_json::Value as Json;

/// A captured record, decoded: a change event or a metadata event (tombstones left
/// out: they carry no event).
#[derive(Debug, Clone)]
enum Input {
    Change(Box<ChangeEvent>),
    Metadata(TransactionMetadata),
}

/// The records of a captured file, by topic, decoded from their `form` (`plain` or
/// `schema`).
fn captured(name: &str, form: &str) -> Vec<(String, Input)> {
    let path = format!(
        "{}/tests/golden/debezium/transaction/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    text.lines()
        .filter_map(|line| {
            let r: Json = serde_json::from_str(line).unwrap();
            let topic = r["topic"].as_str().unwrap().to_owned();
            let value = &r[format!("value_{form}")];
            let bytes = serde_json::to_vec(value).unwrap();
            if value.is_null() {
                return None;
            }
            let input = if topic.ends_with(".transaction") {
                let record = DebeziumTransactionJson.decode(None, Some(&bytes)).unwrap();
                Input::Metadata(record.into_change().unwrap().metadata)
            } else {
                let record = DebeziumJson.decode(None, Some(&bytes)).unwrap();
                Input::Change(Box::new(record.into_change().unwrap().event))
            };
            Some((topic, input))
        })
        .collect()
}

/// Feeds `inputs` (an [`Input`] as its own payload) and collects the units.
fn assemble(
    assembler: &mut TransactionAssembler<Input>,
    inputs: impl IntoIterator<Item = Input>,
) -> Vec<Unit<Input>> {
    let mut units = Vec::new();
    for input in inputs {
        let pushed = match &input {
            Input::Change(e) => assembler.push_event(EventInfo::of(e), input.clone()),
            Input::Metadata(m) => assembler.push_metadata(m, input.clone()),
        };
        let _ = pushed.unwrap();
        units.extend(std::iter::from_fn(|| assembler.pop()));
    }
    units
}

/// Each unit as its transaction id and its events' `table op`.
fn summary(units: &[Unit<Input>]) -> Vec<(String, Vec<String>)> {
    units
        .iter()
        .map(|u| {
            assert!(u.is_whole(), "whole transactions");
            let id = u.transaction.as_ref().map_or(String::new(), |t| t.id.clone());
            let events = u
                .events
                .iter()
                .map(|e| match e {
                    Input::Change(e) => {
                        format!("{} {}", e.source.table.as_deref().unwrap(), e.op.debezium_code())
                    }
                    Input::Metadata(_) => unreachable!("metadata is given back as `end`"),
                })
                .collect();
            (id, events)
        })
        .collect()
}

fn postgres_expected() -> Vec<(String, Vec<String>)> {
    let t = |id: &str, events: &[&str]| (id.to_owned(), events.iter().map(|e| e.to_string()).collect());
    vec![
        t("1027:31377408", &["orders c", "lines c", "lines c", "orders u"]),
        t("1028:31377584", &["lines c"]),
        t("1029:31377760", &["lines d", "orders d"]),
    ]
}

#[test]
fn captured_postgres_transactions_assemble_whatever_the_topic_order() {
    for form in ["plain", "schema"] {
        let records = captured("postgres.jsonl", form);
        let config = AssemblerConfig::new(TransactionSource::DebeziumPostgres);
        // As written (one topic after another, in stream order).
        let in_order = records.iter().map(|(_, i)| i.clone());
        let units = assemble(&mut TransactionAssembler::new(config.clone()), in_order);
        assert_eq!(summary(&units), postgres_expected(), "{form}");
        // The transaction topic first, then each table's topic, newest first.
        let mut topics: Vec<&String> = records.iter().map(|(t, _)| t).collect();
        topics.sort_by_key(|t| std::cmp::Reverse(t.ends_with(".transaction")));
        topics.dedup();
        let mut shuffled: Vec<Input> = Vec::new();
        for topic in topics {
            let of_topic: Vec<Input> = records
                .iter()
                .filter(|(t, _)| t == topic)
                .map(|(_, i)| i.clone())
                .collect();
            match topic.ends_with(".transaction") {
                true => shuffled.extend(of_topic),
                false => shuffled.extend(of_topic.into_iter().rev()),
            }
        }
        let mut assembler = TransactionAssembler::new(config);
        let units = assemble(&mut assembler, shuffled);
        assert_eq!(summary(&units), postgres_expected(), "{form}, shuffled");
        assert_eq!(assembler.held_events(), 0);
    }
}

#[test]
fn captured_postgres_transactions_sent_twice_come_out_once() {
    let records: Vec<Input> = captured("postgres.jsonl", "plain")
        .into_iter()
        .map(|(_, i)| i)
        .collect();
    let mut assembler = TransactionAssembler::new(AssemblerConfig::new(TransactionSource::DebeziumPostgres));
    let units = assemble(&mut assembler, records.clone());
    assert_eq!(summary(&units), postgres_expected());
    for input in records {
        let pushed = match &input {
            Input::Change(e) => assembler.push_event(EventInfo::of(e), input.clone()),
            Input::Metadata(m) => assembler.push_metadata(m, input.clone()),
        };
        assert!(
            matches!(pushed.unwrap(), Pushed::Duplicate(_) | Pushed::Ignored(_)),
            "dropped again"
        );
    }
    assert!(assembler.pop().is_none());
}

/// MariaDB: a `BEGIN` no `END` follows (ignored), transactions of other databases whose
/// `END`s count no events (units without events), and the three transactions.
#[test]
fn captured_mariadb_transactions_assemble_around_empty_and_unended_ones() {
    let records = captured("mariadb.jsonl", "plain");
    let (metadata, changes): (Vec<_>, Vec<_>) = records
        .into_iter()
        .partition(|(t, _)| t.ends_with(".transaction"));
    let changes_first = changes.into_iter().chain(metadata).map(|(_, i)| i);
    let units = assemble(
        &mut TransactionAssembler::new(AssemblerConfig::new(TransactionSource::Debezium)),
        changes_first,
    );
    let t = |id: &str, events: &[&str]| (id.to_owned(), events.iter().map(|e| e.to_string()).collect());
    assert_eq!(
        summary(&units),
        vec![
            t(
                "0-1-174",
                &["txn_orders c", "txn_lines c", "txn_lines c", "txn_orders u"]
            ),
            t("0-1-175", &["txn_lines c"]),
            t("0-1-176", &["txn_lines d", "txn_orders d"]),
            t("0-1-177", &[]),
            t("0-1-178", &[]),
        ]
    );
    assert!(units.iter().all(|u| u.end.is_some()), "each with its END");
}

// Hand-made events: PostgreSQL-like positions, a payload naming the event.

fn pg(id: &str, lsn: i64, order: i64, table: &str) -> EventInfo {
    EventInfo {
        transaction: Some(EventTransaction {
            id: format!("{id}:{lsn}"),
            order: Some(order),
            last: false,
        }),
        position: Some(SourcePosition::Postgres {
            lsn,
            last_commit_lsn: Some(10),
        }),
        data_collection: Some(table.to_owned()),
        snapshot: false,
        bytes: 100,
    }
}

/// A PostgreSQL `END`: its id carries the commit LSN, 1000 plus the transaction id.
fn end(id: &str, counts: &[(&str, u64)]) -> TransactionMetadata {
    let commit = 1000 + id.parse::<i64>().unwrap();
    TransactionMetadata::end(format!("{id}:{commit}"), counts.iter().copied())
}

fn postgres(max_events: Option<usize>) -> TransactionAssembler<&'static str> {
    TransactionAssembler::new(
        AssemblerConfig::new(TransactionSource::DebeziumPostgres).max_events(max_events),
    )
}

fn problem(result: cdc_core::Result<Pushed<&'static str>>) -> TransactionProblem {
    match result {
        Err(Error::Transaction { problem, .. }) => problem,
        other => panic!("expected a transaction error, got {other:?}"),
    }
}

fn held<T: std::fmt::Debug + PartialEq>(pushed: cdc_core::Result<Pushed<T>>) {
    assert_eq!(pushed.unwrap(), Pushed::Held);
}

fn drain<T>(assembler: &mut TransactionAssembler<T>) -> Vec<Unit<T>> {
    std::iter::from_fn(|| assembler.pop()).collect()
}

#[test]
fn inconsistent_input_is_refused_and_changes_nothing() {
    let mut a = postgres(None);
    assert_eq!(a.push_event(pg("7", 100, 1, "s.a"), "a1").unwrap(), Pushed::Held);
    assert_eq!(a.push_event(pg("7", 110, 2, "s.a"), "a2").unwrap(), Pushed::Held);
    assert_eq!(
        problem(a.push_metadata(&end("7", &[("s.a", 1)]), "end")),
        TransactionProblem::EndBelowSeen {
            event_count: 1,
            seen: 2
        }
    );
    assert_eq!(
        problem(a.push_metadata(&end("7", &[("s.b", 2)]), "end")),
        TransactionProblem::CollectionNotInEnd {
            data_collection: "s.a".into()
        }
    );
    let mut disagreeing = end("7", &[("s.a", 2)]);
    if let cdc_core::TransactionBoundary::End { event_count, .. } = &mut disagreeing.boundary {
        *event_count = 3;
    }
    assert_eq!(
        problem(a.push_metadata(&disagreeing, "end")),
        TransactionProblem::EndCountsDisagree {
            event_count: 3,
            sum: 2
        }
    );
    assert_eq!(
        problem(a.push_event(pg("7", 120, 2, "s.a"), "other")),
        TransactionProblem::ConflictingOrder { order: 2 }
    );
    assert_eq!(
        a.push_metadata(&end("7", &[("s.a", 2), ("s.b", 1)]), "end")
            .unwrap(),
        Pushed::Held
    );
    assert_eq!(
        problem(a.push_metadata(&end("7", &[("s.a", 3)]), "end2")),
        TransactionProblem::ConflictingEnd { first: 3, second: 3 }
    );
    assert!(matches!(
        a.push_metadata(&end("7", &[("s.a", 2), ("s.b", 1)]), "end2"),
        Ok(Pushed::Duplicate("end2"))
    ));
    assert_eq!(
        problem(a.push_event(pg("7", 130, 4, "s.b"), "b4")),
        TransactionProblem::OrderBeyondCount {
            order: 4,
            event_count: 3
        }
    );
    assert_eq!(
        problem(a.push_event(pg("7", 130, 3, "s.a"), "a3")),
        TransactionProblem::CollectionBeyondCount {
            data_collection: "s.a".into(),
            event_count: 2
        }
    );
    assert!(a.pop().is_none());
    // Nothing refused was taken: the right event completes the transaction.
    assert_eq!(a.push_event(pg("7", 130, 3, "s.b"), "b3").unwrap(), Pushed::Held);
    let unit = a.pop().unwrap();
    assert_eq!(unit.events, ["a1", "a2", "b3"]);
    assert_eq!(unit.end, Some("end"));
    // Transaction 8 complete behind transaction 10: a new event for it is refused.
    held(a.push_metadata(&end("10", &[("s.a", 1)]), "end10"));
    held(a.push_metadata(&end("8", &[("s.a", 1)]), "end8"));
    held(a.push_event(pg("8", 200, 1, "s.a"), "8a"));
    assert!(a.pop().is_none());
    let mut more = pg("8", 210, 2, "s.a");
    more.transaction.as_mut().unwrap().order = None;
    assert_eq!(
        problem(a.push_event(more.clone(), "8b")),
        TransactionProblem::EventAfterEnd { event_count: 1 }
    );
    let mut nowhere = pg("9", 0, 1, "s.a");
    (nowhere.position, nowhere.transaction.as_mut().unwrap().order) = (None, None);
    assert_eq!(
        problem(a.push_event(nowhere, "9")),
        TransactionProblem::NoPosition
    );
    held(a.push_event(pg("10", 300, 1, "s.a"), "10a"));
    let ids: Vec<_> = drain(&mut a)
        .into_iter()
        .map(|u| u.transaction.unwrap().id)
        .collect();
    assert_eq!(ids, ["10:1010", "8:1008"]);
    // Once emitted, more of it is a duplicate.
    assert!(matches!(a.push_event(more, "8b"), Ok(Pushed::Duplicate("8b"))));
}

fn replicate(id: &str, seq: u64, counter: i64, last: bool) -> EventInfo {
    EventInfo {
        transaction: Some(EventTransaction {
            id: id.to_owned(),
            order: Some(counter),
            last,
        }),
        position: Some(SourcePosition::Replicate {
            change_sequence: format!("2026013110000000{seq:019}"),
        }),
        data_collection: None,
        snapshot: false,
        bytes: 0,
    }
}

#[test]
fn replicate_transactions_complete_with_their_last_event_in_change_sequence_order() {
    let mut a = TransactionAssembler::new(AssemblerConfig::new(TransactionSource::Replicate));
    // B (sequences 4, 5) arrives first and whole, while A (1..3) is partly there.
    held(a.push_event(replicate("A", 1, 1, false), "a1"));
    held(a.push_event(replicate("B", 5, 2, true), "b2"));
    held(a.push_event(replicate("B", 4, 1, false), "b1"));
    assert!(a.pop().is_none(), "B waits for A, lower in change-sequence order");
    held(a.push_event(replicate("A", 3, 3, true), "a3"));
    assert!(a.pop().is_none());
    assert_eq!(
        problem(a.push_event(replicate("A", 6, 4, false), "a4")),
        TransactionProblem::EventAfterLast { last: Some(3) }
    );
    assert_eq!(
        problem(a.push_event(replicate("A", 2, 2, true), "a2")),
        TransactionProblem::ConflictingLast
    );
    held(a.push_event(replicate("A", 2, 2, false), "a2"));
    let units = drain(&mut a);
    let events: Vec<_> = units.iter().map(|u| u.events.clone()).collect();
    assert_eq!(events, [vec!["a1", "a2", "a3"], vec!["b1", "b2"]]);
    assert_eq!(units[0].transaction.as_ref().unwrap().event_count, Some(3));
    // C arrives after D, which is later, was emitted: C is late.
    held(a.push_event(replicate("D", 20, 1, true), "d1"));
    assert_eq!(drain(&mut a)[0].events, ["d1"]);
    held(a.push_event(replicate("C", 10, 1, true), "c1"));
    let late = drain(&mut a);
    assert!(late[0].transaction.as_ref().unwrap().late);
    // Sent again: dropped, by id and change sequence.
    assert!(matches!(
        a.push_event(replicate("A", 2, 2, false), "a2"),
        Ok(Pushed::Duplicate(_))
    ));
    assert_eq!(
        problem(a.push_metadata(&TransactionMetadata::begin("A"), "begin")),
        TransactionProblem::UnexpectedMetadata
    );
}

#[test]
fn a_transaction_past_the_bound_comes_in_chunks_and_its_last_chunk_in_order() {
    let mut a = postgres(Some(2));
    held(a.push_metadata(&end("1", &[("s.a", 1)]), "end1"));
    held(a.push_metadata(&end("2", &[("s.a", 5)]), "end2"));
    let mut units = Vec::new();
    for (i, lsn) in [200, 210, 220, 230, 240].into_iter().enumerate() {
        held(a.push_event(
            pg("2", lsn, i as i64 + 1, "s.a"),
            ["b1", "b2", "b3", "b4", "b5"][i],
        ));
        assert!(a.held_events() <= 2);
        units.extend(drain(&mut a));
    }
    let chunks: Vec<_> = units.iter().map(|u| (u.chunk, u.events.clone(), u.end)).collect();
    assert_eq!(
        chunks,
        [(
            Chunk {
                index: 0,
                last: false
            },
            vec!["b1", "b2", "b3"],
            None
        )],
        "the third event of transaction 2 went over the bound: a chunk, ahead of transaction 1"
    );
    held(a.push_event(pg("1", 100, 1, "s.a"), "a1"));
    let rest: Vec<_> = drain(&mut a)
        .into_iter()
        .map(|u| (u.chunk, u.events, u.end))
        .collect();
    assert_eq!(
        rest,
        [
            (Chunk::WHOLE, vec!["a1"], Some("end1")),
            (Chunk { index: 1, last: true }, vec!["b4", "b5"], Some("end2")),
        ],
        "then transaction 1 whole, and 2's last chunk in its place"
    );
    // A bound in bytes: 100 bytes an event.
    let mut a = TransactionAssembler::new(
        AssemblerConfig::new(TransactionSource::DebeziumPostgres)
            .max_events(None)
            .max_bytes(Some(250)),
    );
    for (i, lsn) in [300, 310, 320].into_iter().enumerate() {
        held(a.push_event(pg("3", lsn, i as i64 + 1, "s.a"), "c"));
    }
    assert_eq!(
        a.held_bytes(),
        0,
        "the third event's 100 bytes went over 250: chunked"
    );
    assert_eq!(drain(&mut a)[0].events.len(), 3);
}

#[test]
fn events_outside_transactions_pass_in_their_place() {
    let mut a = postgres(None);
    let snapshot = EventInfo {
        transaction: None,
        position: Some(SourcePosition::Postgres {
            lsn: 50,
            last_commit_lsn: None,
        }),
        data_collection: Some("s.a".into()),
        snapshot: true,
        bytes: 0,
    };
    held(a.push_event(snapshot.clone(), "r1"));
    held(a.push_event(snapshot.clone(), "r2"));
    assert_eq!(
        drain(&mut a).len(),
        2,
        "snapshot reads share a position, yet are not duplicates"
    );
    held(a.push_metadata(&end("1", &[("s.a", 1)]), "end1"));
    let mut message = pg("x", 150, 1, "s.a");
    (message.transaction, message.position) = (
        None,
        Some(SourcePosition::Postgres {
            lsn: 150,
            last_commit_lsn: Some(120),
        }),
    );
    held(a.push_event(message.clone(), "m"));
    assert!(a.pop().is_none(), "behind the transaction whose END came first");
    held(a.push_event(pg("1", 100, 1, "s.a"), "a1"));
    let units: Vec<_> = drain(&mut a).into_iter().map(|u| u.events).collect();
    assert_eq!(units, [vec!["a1"], vec!["m"]]);
    assert!(matches!(a.push_event(message, "m"), Ok(Pushed::Duplicate("m"))));
}

/// A MySQL `END` sent again for a transaction no longer remembered: its events, sent
/// again below the watermark, show it was emitted; its `END` is released.
#[test]
fn a_forgotten_end_sent_again_is_released_when_its_events_show_it_emitted() {
    let binlog = |id: &str, pos: i64| EventInfo {
        transaction: Some(EventTransaction {
            id: id.to_owned(),
            order: Some(1),
            last: false,
        }),
        position: Some(SourcePosition::Binlog {
            file: "mysql-bin.000003".into(),
            pos,
            row: 0,
        }),
        data_collection: Some("db.t".into()),
        snapshot: false,
        bytes: 0,
    };
    let end = |id: &str| TransactionMetadata::end(id, [("db.t", 1)]);
    let mut a = TransactionAssembler::new(AssemblerConfig::new(TransactionSource::Debezium).remember(0));
    for (id, pos) in [("0-1-1", 100), ("0-1-2", 200)] {
        held(a.push_event(binlog(id, pos), "event"));
        held(a.push_metadata(&end(id), "end"));
    }
    assert_eq!(drain(&mut a).len(), 2);
    assert_eq!(a.push_metadata(&end("0-1-1"), "end again").unwrap(), Pushed::Held);
    assert!(a.pop().is_none(), "it waits for its event");
    assert!(matches!(
        a.push_event(binlog("0-1-1", 100), "event again"),
        Ok(Pushed::Duplicate(_))
    ));
    assert_eq!(a.take_released(), ["end again"]);
    assert_eq!(a.open_transactions(), 0);
}

#[test]
fn a_checkpoint_survives_json_and_restores_what_was_emitted() {
    let mut a = postgres(Some(1));
    held(a.push_metadata(&end("1", &[("s.a", 1)]), "end1"));
    held(a.push_event(pg("1", 100, 1, "s.a"), "a1"));
    held(a.push_event(pg("2", 200, 1, "s.a"), "b1"));
    held(a.push_event(pg("2", 210, 2, "s.a"), "b2"));
    assert_eq!(drain(&mut a).len(), 2, "transaction 1, and a chunk of 2");
    let checkpoint = a.checkpoint();
    let json = checkpoint.to_json().unwrap();
    assert_eq!(Checkpoint::from_json(&json).unwrap(), checkpoint);
    assert_eq!(checkpoint.remembered_keys().collect::<Vec<_>>(), ["1"]);
    assert_eq!(checkpoint.chunked_transactions(), 1);
    let mut b = TransactionAssembler::restore(a.config().clone(), checkpoint);
    for (info, payload) in [(pg("1", 100, 1, "s.a"), "a1"), (pg("2", 200, 1, "s.a"), "b1")] {
        assert!(
            matches!(b.push_event(info, payload), Ok(Pushed::Duplicate(_))),
            "{payload}"
        );
    }
    held(b.push_metadata(&end("2", &[("s.a", 2)]), "end2"));
    let last = b.pop().unwrap();
    assert_eq!(
        (last.chunk, last.events, last.end),
        (Chunk { index: 1, last: true }, vec![], Some("end2"))
    );
    let error = Checkpoint::from_json(b"{\"watermark\": 7}").unwrap_err();
    assert!(error.to_string().contains("transaction-checkpoint"), "{error}");
}

/// The checkpoint of a fixed history, as this crate wrote it in version 1 of the format
/// (tests/golden/transaction/checkpoint_v1.json): it still reads, it is what the same
/// history gives now, and it restores an assembler that goes on from it. A version
/// this crate does not know is refused.
#[test]
fn a_version_1_checkpoint_reads_and_restores() {
    let mut a = postgres(Some(1));
    held(a.push_metadata(&end("1", &[("s.a", 1)]), "end1"));
    held(a.push_event(pg("1", 100, 1, "s.a"), "a1"));
    held(a.push_event(pg("2", 200, 1, "s.a"), "b1"));
    held(a.push_event(pg("2", 210, 2, "s.a"), "b2"));
    assert_eq!(drain(&mut a).len(), 2);
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/golden/transaction/checkpoint_v1.json"
    );
    let written = std::fs::read(path).unwrap();
    let checkpoint = Checkpoint::from_json(&written).unwrap();
    assert_eq!(
        checkpoint,
        a.checkpoint(),
        "the same history gives the same checkpoint"
    );
    let mut b = TransactionAssembler::restore(a.config().clone(), checkpoint);
    assert!(matches!(
        b.push_event(pg("2", 210, 2, "s.a"), "b2"),
        Ok(Pushed::Duplicate(_))
    ));
    held(b.push_event(pg("2", 220, 3, "s.a"), "b3"));
    held(b.push_metadata(&end("2", &[("s.a", 3)]), "end2"));
    let last = b.pop().unwrap();
    assert_eq!(
        (last.chunk, last.events),
        (Chunk { index: 1, last: true }, vec!["b3"])
    );

    let mut newer: Json = serde_json::from_slice(&written).unwrap();
    newer["version"] = Json::from(2);
    let error = Checkpoint::from_json(&serde_json::to_vec(&newer).unwrap()).unwrap_err();
    assert!(
        matches!(&error, Error::InvalidValue { field, .. } if field == "version"),
        "{error}"
    );
}
