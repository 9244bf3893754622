//! The transaction assembler against a naive model. A generated source history
//! (snapshot reads, transactions over three tables, events outside transactions) is
//! written as a connector writes it: a topic per table and, for Debezium, the
//! transaction topic; part of it is sent twice (the connector restarting). A consumer
//! reads the topics in a random interleaving, feeds the assembler, and may crash and
//! start again from its last commit, keeping the held records in its inputs (committing
//! `ReplayOffsets`) or in a store, its commits falling between any two units it
//! writes. Whatever the interleaving, duplicates, crash and
//! memory bound, the output holds every transaction of the history once, whole or in
//! chunks that add up to it, in source order, and every event outside transactions
//! once.

use std::collections::BTreeMap;

use cdc_core::TransactionMetadata;
use cdc_core::transaction::{
    AssemblerConfig, Checkpoint, EventInfo, EventTransaction, Pushed, ReplayOffsets, SourcePosition,
    TransactionAssembler, TransactionSource, Unit,
};
use proptest::prelude::*;

const TABLES: [&str; 3] = ["shop.a", "shop.b", "shop.c"];
/// The transaction topic's index (after the table topics).
const TX_TOPIC: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Flavor {
    Postgres,
    MySql,
    Replicate,
}

/// What a record carries.
#[derive(Debug, Clone)]
enum Body {
    Event(EventInfo),
    Metadata(TransactionMetadata),
}

/// A record of the history: its index in the source's stream (kept by copies sent
/// again) and what it carries.
#[derive(Debug, Clone)]
struct Rec {
    id: usize,
    topic: usize,
    body: Body,
}

/// The history as topics, and what the model expects out of it.
struct History {
    topics: Vec<Vec<Rec>>,
    /// Transactions in source order: key, and the ids of their events in order.
    transactions: Vec<(String, Vec<usize>)>,
    /// Events outside transactions.
    singles: Vec<usize>,
}

/// What a test case draws.
#[derive(Debug, Clone)]
struct Plan {
    flavor: Flavor,
    snapshot_reads: usize,
    /// Per transaction, the table of each event, and whether an event outside any
    /// transaction follows it.
    transactions: Vec<(Vec<usize>, bool)>,
    /// The stream records `[from, to)` sent again after record `to`.
    resend: Option<(usize, usize)>,
    seed: u64,
    max_events: Option<usize>,
    /// Commit every n steps, crash at step m, keep held records in a store.
    crash: Option<(usize, usize, bool)>,
    /// A memory of a few emitted transactions only (PostgreSQL): duplicates are then
    /// recognised by the watermarks of events and of `END`s. Left out of such histories, as the assembler's
    /// limits say: events outside transactions (no watermark), a first PostgreSQL
    /// transaction without the commit LSN before it, transactions without events, and
    /// an `END` sent again without its events (the window starts at a `BEGIN`).
    forgetful: Option<usize>,
}

fn plan() -> impl Strategy<Value = Plan> {
    let flavor = prop_oneof![
        Just(Flavor::Postgres),
        Just(Flavor::MySql),
        Just(Flavor::Replicate)
    ];
    let transaction = (proptest::collection::vec(0..3usize, 0..6), any::<bool>());
    (
        flavor,
        0..3usize,
        proptest::collection::vec(transaction, 1..7),
        proptest::option::of((0..40usize, 0..40usize)),
        any::<u64>(),
        proptest::option::of(1..8usize),
        proptest::option::of((1..6usize, 1..60usize, any::<bool>())),
        proptest::option::of(0..3usize),
    )
        .prop_map(
            |(flavor, snapshot_reads, mut transactions, resend, seed, max_events, crash, forgetful)| {
                let forgetful = forgetful.filter(|_| flavor == Flavor::Postgres);
                if forgetful.is_some() {
                    transactions.retain(|(tables, _)| !tables.is_empty());
                    transactions.iter_mut().for_each(|(_, single)| *single = false);
                    if transactions.is_empty() {
                        transactions.push((vec![0], false));
                    }
                }
                Plan {
                    flavor,
                    snapshot_reads,
                    transactions,
                    resend: resend.map(|(a, b)| (a.min(b), a.max(b))),
                    seed,
                    max_events,
                    crash,
                    forgetful,
                }
            },
        )
}

fn position(flavor: Flavor, lsn: i64, last_commit_lsn: Option<i64>) -> SourcePosition {
    match flavor {
        Flavor::Postgres => SourcePosition::Postgres { lsn, last_commit_lsn },
        Flavor::MySql => SourcePosition::Binlog {
            file: "mysql-bin.000003".into(),
            pos: lsn,
            row: 0,
        },
        Flavor::Replicate => SourcePosition::Replicate {
            change_sequence: format!("2026013110000000{lsn:019}"),
        },
    }
}

/// The history a connector writes for `plan`, in stream order, then per topic.
fn history(plan: &Plan) -> History {
    let flavor = plan.flavor;
    let mut stream: Vec<(usize, Body)> = Vec::new();
    let (mut transactions, mut singles) = (Vec::new(), Vec::new());
    let event = |transaction, position, table: usize, snapshot| EventInfo {
        transaction,
        position: Some(position),
        data_collection: Some(TABLES[table].to_owned()),
        snapshot,
        bytes: 10,
    };
    for i in 0..plan.snapshot_reads {
        singles.push(stream.len());
        stream.push((
            i % 3,
            Body::Event(event(None, position(flavor, 50, None), i % 3, true)),
        ));
    }
    let (mut lsn, mut last_commit) = (100_i64, plan.forgetful.map(|_| 90));
    for (k, (tables, single_after)) in plan.transactions.iter().enumerate() {
        let txid = 500 + k;
        let id = |lsn: i64| match flavor {
            Flavor::Postgres => format!("{txid}:{lsn}"),
            Flavor::MySql => format!("0-1-{txid}"),
            Flavor::Replicate => format!("{txid:032X}"),
        };
        if flavor == Flavor::Replicate && tables.is_empty() {
            continue; // Replicate writes nothing for a transaction without changes.
        }
        if flavor != Flavor::Replicate {
            stream.push((TX_TOPIC, Body::Metadata(TransactionMetadata::begin(id(lsn)))));
        }
        let mut ids = Vec::new();
        let mut counts = BTreeMap::new();
        for (j, &table) in tables.iter().enumerate() {
            lsn += 8;
            let tx = EventTransaction {
                id: id(lsn),
                order: Some(j as i64 + 1),
                last: flavor == Flavor::Replicate && j + 1 == tables.len(),
            };
            *counts.entry(TABLES[table]).or_insert(0) += 1;
            ids.push(stream.len());
            stream.push((
                table,
                Body::Event(event(Some(tx), position(flavor, lsn, last_commit), table, false)),
            ));
        }
        let commit = lsn + 4;
        lsn += 8;
        if flavor != Flavor::Replicate {
            stream.push((
                TX_TOPIC,
                Body::Metadata(TransactionMetadata::end(id(commit), counts)),
            ));
        }
        let key = match flavor {
            Flavor::Postgres => txid.to_string(),
            _ => id(0),
        };
        transactions.push((key, ids));
        last_commit = Some(commit);
        if *single_after {
            lsn += 8;
            let table = k % 3;
            singles.push(stream.len());
            stream.push((
                table,
                Body::Event(event(None, position(flavor, lsn, last_commit), table, false)),
            ));
        }
    }
    let mut records: Vec<Rec> = stream
        .into_iter()
        .enumerate()
        .map(|(id, (topic, body))| Rec { id, topic, body })
        .collect();
    if let Some((from, to)) = plan.resend {
        // A restart sends the streamed records again, never the snapshot's.
        let (mut from, to) = (
            from.max(plan.snapshot_reads).min(records.len()),
            to.min(records.len()),
        );
        if plan.forgetful.is_some() {
            while from > 0
                && records
                    .get(from)
                    .is_none_or(|r| !matches!(&r.body, Body::Metadata(m) if !m.is_end()))
            {
                from -= 1;
            }
        }
        if from < to {
            let again: Vec<Rec> = records[from..to].to_vec();
            records.splice(to..to, again);
        }
    }
    let mut topics = vec![Vec::new(); TX_TOPIC + 1];
    for r in records {
        topics[r.topic].push(r);
    }
    History {
        topics,
        transactions,
        singles,
    }
}

/// A payload: where the record was read.
type At = (usize, usize);

/// The consumer's durable state at a commit.
#[derive(Clone)]
struct Commit {
    checkpoint: Vec<u8>,
    positions: Vec<usize>,
    store: BTreeMap<u64, At>,
    outputs: usize,
}

struct Consumer<'h> {
    history: &'h History,
    config: AssemblerConfig,
    assembler: TransactionAssembler<At>,
    positions: Vec<usize>,
    offsets: ReplayOffsets<usize>,
    store: BTreeMap<u64, At>,
    stored: BTreeMap<At, u64>,
    seq: u64,
    outputs: Vec<Unit<At>>,
    in_store: bool,
}

impl Consumer<'_> {
    /// Pushes the record at `at`; `replayed` when it comes back from the store.
    fn push(&mut self, at: At, replayed: bool) -> Pushed<At> {
        let rec = &self.history.topics[at.0][at.1];
        let pushed = match &rec.body {
            Body::Event(info) => self.assembler.push_event(info.clone(), at),
            Body::Metadata(m) => self.assembler.push_metadata(m, at),
        }
        .unwrap_or_else(|e| panic!("valid input refused: {e}"));
        let held = pushed == Pushed::Held;
        if replayed {
            assert!(held, "a stored record is taken again");
        } else {
            self.offsets.read(at.0, at.1 as i64, held);
            if held && self.in_store {
                self.seq += 1;
                self.store.insert(self.seq, at);
                self.stored.insert(at, self.seq);
            }
        }
        for at in self.assembler.take_released() {
            self.let_go(at);
        }
        if let Some(max) = self.config.held_events_bound() {
            assert!(self.assembler.held_events() <= max, "the bound holds");
        }
        pushed
    }

    /// Pops and writes one unit, if one is ready.
    fn pop(&mut self) -> bool {
        let Some(unit) = self.assembler.pop() else {
            return false;
        };
        unit.events
            .iter()
            .chain(&unit.end)
            .for_each(|&at| self.let_go(at));
        self.outputs.push(unit);
        true
    }

    fn let_go(&mut self, at: At) {
        self.offsets.release(&at.0, at.1 as i64);
        if let Some(seq) = self.stored.remove(&at) {
            self.store.remove(&seq);
        }
    }

    fn commit(&self) -> Commit {
        let positions = if self.in_store {
            self.positions.clone()
        } else {
            let mut positions = vec![0; self.positions.len()];
            for (topic, offset) in self.offsets.commit_offsets() {
                positions[topic] = offset as usize;
            }
            positions
        };
        Commit {
            checkpoint: self.assembler.checkpoint().to_json().unwrap(),
            positions,
            store: self.store.clone(),
            outputs: self.outputs.len(),
        }
    }

    /// Starts again from `commit`, as a new process would.
    fn restart(&mut self, commit: Commit) {
        let checkpoint = Checkpoint::from_json(&commit.checkpoint).unwrap();
        self.assembler = TransactionAssembler::restore(self.config.clone(), checkpoint);
        self.outputs.truncate(commit.outputs);
        self.positions = commit.positions;
        self.offsets = ReplayOffsets::new();
        self.store = commit.store;
        self.stored = self.store.iter().map(|(seq, at)| (*at, *seq)).collect();
        for at in self.store.values().copied().collect::<Vec<_>>() {
            let _ = self.push(at, true);
        }
        while self.pop() {}
    }
}

/// A small deterministic generator for the interleaving.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}

/// Runs the consumer over the history; the units it wrote (those after its last
/// commit lost at the crash).
fn run(plan: &Plan, history: &History) -> Vec<Unit<At>> {
    let source = match plan.flavor {
        Flavor::Postgres => TransactionSource::DebeziumPostgres,
        Flavor::MySql => TransactionSource::Debezium,
        Flavor::Replicate => TransactionSource::Replicate,
    };
    let mut config = AssemblerConfig::new(source).max_events(plan.max_events);
    if let Some(n) = plan.forgetful {
        config = config.remember(n);
    }
    let mut c = Consumer {
        history,
        assembler: TransactionAssembler::new(config.clone()),
        config,
        positions: vec![0; history.topics.len()],
        offsets: ReplayOffsets::new(),
        store: BTreeMap::new(),
        stored: BTreeMap::new(),
        seq: 0,
        outputs: Vec::new(),
        in_store: plan.crash.is_some_and(|(_, _, store)| store),
    };
    let mut rng = Rng(plan.seed | 1);
    let mut last_commit = c.commit();
    let mut crash = plan.crash;
    let mut step = 0;
    // After each push and each pop: a commit every so many steps, the crash at its step.
    let mut tick = |c: &mut Consumer<'_>| {
        step += 1;
        if let Some((every, at_step, _)) = crash {
            if step % every == 0 {
                last_commit = c.commit();
            }
            if step == at_step {
                crash = None;
                c.restart(last_commit.clone());
            }
        }
    };
    loop {
        let unread: Vec<usize> = (0..history.topics.len())
            .filter(|&t| c.positions[t] < history.topics[t].len())
            .collect();
        if unread.is_empty() {
            while c.pop() {}
            return c.outputs;
        }
        let topic = unread[rng.below(unread.len())];
        let at = (topic, c.positions[topic]);
        c.positions[topic] += 1;
        let _ = c.push(at, false);
        tick(&mut c);
        while c.pop() {
            tick(&mut c);
        }
    }
}

/// The ids of a unit's events.
fn ids(history: &History, unit: &Unit<At>) -> Vec<usize> {
    unit.events
        .iter()
        .map(|&(t, o)| history.topics[t][o].id)
        .collect()
}

fn check(plan: &Plan, history: &History, outputs: &[Unit<At>]) {
    let mut singles: Vec<usize> = outputs
        .iter()
        .filter(|u| u.is_single())
        .flat_map(|u| ids(history, u))
        .collect();
    singles.sort_unstable();
    assert_eq!(singles, history.singles, "every event outside transactions, once");

    let mut chunks: BTreeMap<String, Vec<&Unit<At>>> = BTreeMap::new();
    let mut order = Vec::new();
    for unit in outputs {
        let Some(tx) = &unit.transaction else { continue };
        chunks.entry(tx.key.clone()).or_default().push(unit);
        if unit.chunk.last && !tx.late {
            order.push(tx.key.clone());
        }
    }
    let expected: BTreeMap<&String, &Vec<usize>> = history.transactions.iter().map(|(k, v)| (k, v)).collect();
    assert_eq!(
        chunks.keys().collect::<Vec<_>>(),
        expected.keys().copied().collect::<Vec<_>>(),
        "every transaction"
    );
    for (key, units) in &chunks {
        let indexes: Vec<u32> = units.iter().map(|u| u.chunk.index).collect();
        assert_eq!(
            indexes,
            (0..units.len() as u32).collect::<Vec<_>>(),
            "{key}: chunks in order"
        );
        assert!(
            units.iter().rev().skip(1).all(|u| !u.chunk.last),
            "{key}: one last chunk"
        );
        assert!(units.last().is_some_and(|u| u.chunk.last), "{key}: complete");
        let events: Vec<usize> = units.iter().flat_map(|u| ids(history, u)).collect();
        if units.len() == 1 {
            assert_eq!(&events, expected[key], "{key}: whole, in transaction order");
        } else {
            assert!(plan.max_events.is_some(), "{key}: chunked without a bound");
            let mut sorted = events.clone();
            sorted.sort_unstable();
            assert_eq!(
                &sorted, expected[key],
                "{key}: the chunks add up to the transaction"
            );
        }
    }
    let in_source_order: Vec<&String> = history
        .transactions
        .iter()
        .map(|(k, _)| k)
        .filter(|k| order.contains(k))
        .collect();
    assert_eq!(order.iter().collect::<Vec<_>>(), in_source_order, "source order");
    if plan.flavor != Flavor::Replicate {
        assert_eq!(order.len(), history.transactions.len(), "Debezium: none late");
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn the_assembler_gives_every_transaction_once_in_source_order(plan in plan()) {
        let history = history(&plan);
        let outputs = run(&plan, &history);
        check(&plan, &history, &outputs);
    }
}

/// Read topic after topic (the transaction topic first), without a bound: whole
/// transactions, in order, nothing late.
#[test]
fn topics_read_one_after_the_other_give_whole_transactions() {
    for flavor in [Flavor::Postgres, Flavor::MySql, Flavor::Replicate] {
        let plan = Plan {
            flavor,
            snapshot_reads: 2,
            transactions: vec![
                (vec![0, 1, 0], true),
                (vec![2], false),
                (vec![], false),
                (vec![1, 2], true),
            ],
            resend: Some((3, 9)),
            seed: 1,
            max_events: None,
            crash: None,
            forgetful: None,
        };
        let history = history(&plan);
        let mut assembler = TransactionAssembler::new(AssemblerConfig::new(match flavor {
            Flavor::Postgres => TransactionSource::DebeziumPostgres,
            Flavor::MySql => TransactionSource::Debezium,
            Flavor::Replicate => TransactionSource::Replicate,
        }));
        let mut outputs = Vec::new();
        for topic in [TX_TOPIC, 2, 1, 0] {
            for (offset, rec) in history.topics[topic].iter().enumerate() {
                let _ = match &rec.body {
                    Body::Event(info) => assembler.push_event(info.clone(), (topic, offset)),
                    Body::Metadata(m) => assembler.push_metadata(m, (topic, offset)),
                }
                .unwrap();
                outputs.extend(std::iter::from_fn(|| assembler.pop()));
            }
        }
        check(&plan, &history, &outputs);
        let whole = outputs.iter().filter(|u| !u.is_single()).all(Unit::is_whole);
        assert!(whole, "{flavor:?}: no chunks without a bound");
    }
}
