//! Old values: whether a table's processor sends the row's previous value along with
//! each change, decided while the topology is built, as Kafka Streams decides it
//! (`KTableImpl.enableSendingOldValues`).
//!
//! A table sends old values only where an operation downstream asks for them:
//! `group_by`, a left join (of its left side) and an outer join (of both sides) ask and
//! insist (a source without a store is then given one), and `filter` asks, when it is
//! made, whether they come without a store. A source with a store has them once asked;
//! stored results (`materialize`, aggregations) always have them; a row-by-row step
//! (`filter`, `map_values`) has them when its parent has; a join of two tables has them
//! once asked, and then asks both its sides, insisting. What this changes downstream: a
//! `filter` without old values cannot tell a rejected update of a row it passed before
//! from one of a row it never passed, so it forwards a deletion for every rejected
//! update, as Kafka's does, and a join passes that deletion on.
//!
//! Reading a table through its value getter (a join does) gives the table sources the
//! reads reach a store, if they have none, but asks nothing of old values: a filter
//! made before such a join keeps forwarding deletions of rows it never passed.
//!
//! Processors read their flag when a task makes them, after `build`: every question
//! asked while building has been answered by then.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::dsl::building::Dsl;
use crate::store::StoreSpec;

/// Where a table's processor stands on old values. Cloning shares it.
#[derive(Clone)]
pub(crate) struct OldValues(Rc<Node>);

struct Node {
    /// Whether the processor sends old values.
    send: Arc<AtomicBool>,
    kind: Kind,
}

enum Kind {
    /// A stored result (a materialized table, an aggregation): the old value is at
    /// hand, and always sent.
    Stored,
    /// A table source, stored now or once something needs its store.
    Source(Source),
    /// A row-by-row step: it has old values when its parent has.
    Step(OldValues),
    /// A join of two tables: it has old values once asked, and then asks both sides.
    Join(OldValues, OldValues),
}

struct Source {
    /// Whether the source keeps a store (read by its processors).
    stored: Arc<AtomicBool>,
    /// The store to declare and the source's node, for a source stored on demand.
    on_demand: RefCell<Option<(usize, StoreSpec)>>,
}

impl OldValues {
    fn of(send: bool, kind: Kind) -> Self {
        OldValues(Rc::new(Node {
            send: Arc::new(AtomicBool::new(send)),
            kind,
        }))
    }

    /// A stored result (a materialized table, an aggregation), which always sends old
    /// values.
    pub(crate) fn stored() -> Self {
        Self::of(true, Kind::Stored)
    }

    /// A table source whose store is kept from the start when `stored`, or else declared
    /// (as [`on_demand`](Self::on_demand) gives it) once something needs it.
    pub(crate) fn source(stored: bool) -> Self {
        Self::of(
            false,
            Kind::Source(Source {
                stored: Arc::new(AtomicBool::new(stored)),
                on_demand: RefCell::new(None),
            }),
        )
    }

    /// A row-by-row step under `parent`, which sends old values once asked to.
    pub(crate) fn step(parent: &OldValues) -> Self {
        Self::of(false, Kind::Step(parent.clone()))
    }

    /// A join of the tables `this` and `other`, which sends old values once asked to.
    pub(crate) fn join(this: &OldValues, other: &OldValues) -> Self {
        Self::of(false, Kind::Join(this.clone(), other.clone()))
    }

    /// For a source stored on demand: the declaration of its store, to connect to the
    /// source's node `node` when it is needed.
    pub(crate) fn on_demand(&self, node: usize, spec: StoreSpec) {
        if let Kind::Source(source) = &self.0.kind {
            *source.on_demand.borrow_mut() = Some((node, spec));
        }
    }

    /// Whether the processor sends old values, as it reads it when a task makes it.
    pub(crate) fn sends(&self) -> Arc<AtomicBool> {
        self.0.send.clone()
    }

    /// For a source: whether it keeps its store, as its processor reads it.
    pub(crate) fn keeps_store(&self) -> Arc<AtomicBool> {
        match &self.0.kind {
            Kind::Source(source) => source.stored.clone(),
            _ => Arc::new(AtomicBool::new(true)),
        }
    }

    /// Asks the table to send old values (Kafka's `enableSendingOldValues`): a source
    /// without a store gets one when `force`, and otherwise cannot. Returns whether the
    /// table now sends them.
    pub(crate) fn enable(&self, dsl: &Dsl, force: bool) -> bool {
        let send = match &self.0.kind {
            Kind::Stored => true,
            Kind::Source(source) => {
                if !source.stored.load(Ordering::Relaxed) && force {
                    source.store(dsl);
                }
                source.stored.load(Ordering::Relaxed)
            }
            Kind::Step(parent) => parent.enable(dsl, force),
            Kind::Join(this, other) => {
                // A join's old values need the old values of both sides.
                this.enable(dsl, true);
                other.enable(dsl, true);
                true
            }
        };
        if send {
            self.0.send.store(true, Ordering::Relaxed);
        }
        self.0.send.load(Ordering::Relaxed)
    }

    /// Makes the table readable through its value getter (Kafka's
    /// `valueGetterSupplier()`): a source without a store is given one, a row-by-row
    /// step reads its parent. A stored result reads its own store, and a join read its
    /// two sides' getters when it was made.
    pub(crate) fn readable(&self, dsl: &Dsl) {
        match &self.0.kind {
            Kind::Source(source) => source.store(dsl),
            Kind::Step(parent) => parent.readable(dsl),
            Kind::Stored | Kind::Join(..) => {}
        }
    }
}

impl Source {
    /// Declares the store of a source stored on demand and connects it to the source.
    fn store(&self, dsl: &Dsl) {
        if let Some((node, spec)) = self.on_demand.borrow_mut().take() {
            dsl.connect_store(node, spec);
        }
        self.stored.store(true, Ordering::Relaxed);
    }
}
