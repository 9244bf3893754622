//! Reading a table's current value of a key (Kafka Streams' `KTableValueGetter`): from
//! the table's store when it has one, else through the table it was derived from,
//! applying the derivation (a filter, a value mapper, a join) on read. A join with a
//! derived table thus needs no store of its own: it reads through to the stores
//! upstream.

use std::sync::Arc;

use super::{StoreSlot, TableJoiner, VersionedSlot};
use crate::error::Result;
use crate::processor::TaskCtx;
use crate::store::{NO_TIMESTAMP, ValueAndTimestamp};

/// A task's reader of a table's values.
pub(crate) trait ValueGetter<K, V> {
    /// Opens the stores it reads.
    fn init(&mut self, ctx: &TaskCtx) -> Result<()>;
    /// The table's current value of `key`, with the timestamp of the row it comes from.
    fn get(&self, key: &K) -> Result<Option<ValueAndTimestamp<V>>>;
    /// The table's value of `key` as of `as_of`: a versioned table's version valid
    /// then; any other table's current value.
    fn get_as_of(&self, key: &K, as_of: i64) -> Result<Option<ValueAndTimestamp<V>>> {
        let _ = as_of;
        self.get(key)
    }
}

/// Maps a row (`None`: no row) of a table to a row of the table derived from it.
pub(crate) type RowMapper<K, V, V2> = Arc<dyn Fn(&K, Option<V>) -> Option<V2> + Send + Sync>;

/// Makes a task's getter; the argument names the processor that reads (for errors).
type MakeGetter<K, V> = Arc<dyn Fn(&str) -> Box<dyn ValueGetter<K, V>> + Send + Sync>;

/// How to read a table: the stores its reads reach (a processor reading the table is
/// connected to them) and the maker of a task's getter.
pub(crate) struct Getter<K, V> {
    pub(crate) stores: Vec<String>,
    /// The store the table's rows are, when the getter reads one store as it is.
    pub(crate) direct: Option<String>,
    make: MakeGetter<K, V>,
}

impl<K, V> Clone for Getter<K, V> {
    fn clone(&self) -> Self {
        Self {
            stores: self.stores.clone(),
            direct: self.direct.clone(),
            make: self.make.clone(),
        }
    }
}

impl<K: 'static, V: 'static> Getter<K, V> {
    /// Reads store `store`.
    pub(crate) fn store(store: &str) -> Self {
        let name = store.to_owned();
        Self {
            stores: vec![name.clone()],
            direct: Some(name.clone()),
            make: Arc::new(move |processor| Box::new(StoreGetter(StoreSlot::new(&name, processor)))),
        }
    }

    /// Reads versioned store `store`: the latest version, or the one valid at a time.
    pub(crate) fn versioned(store: &str) -> Self {
        let name = store.to_owned();
        Self {
            stores: vec![name.clone()],
            direct: None,
            make: Arc::new(move |processor| Box::new(VersionedGetter(VersionedSlot::new(&name, processor)))),
        }
    }

    /// Reads a table kept in `store` through getters `make` makes.
    pub(crate) fn custom(
        store: &str,
        make: impl Fn(&str) -> Box<dyn ValueGetter<K, V>> + Send + Sync + 'static,
    ) -> Self {
        Self {
            stores: vec![store.to_owned()],
            direct: None,
            make: Arc::new(make),
        }
    }

    /// Reads a table with no rows (the result of an operation that failed to build:
    /// `build()` reports why, so no task ever reads it).
    pub(crate) fn empty() -> Self {
        Self {
            stores: Vec::new(),
            direct: None,
            make: Arc::new(|_| Box::new(EmptyGetter)),
        }
    }

    /// A getter for processor `processor`.
    pub(crate) fn make(&self, processor: &str) -> Box<dyn ValueGetter<K, V>> {
        (self.make)(processor)
    }

    /// Reads this table and applies `f` to the value (`None`: no row).
    pub(crate) fn map<V2: 'static>(&self, f: RowMapper<K, V, V2>) -> Getter<K, V2> {
        let parent = self.make.clone();
        Getter {
            stores: self.stores.clone(),
            direct: None,
            make: Arc::new(move |processor| {
                Box::new(MappedGetter {
                    parent: parent(processor),
                    f: f.clone(),
                })
            }),
        }
    }

    /// Reads this table and `other` and joins their values.
    pub(crate) fn join<V2: 'static, VR: 'static>(
        &self,
        other: &Getter<K, V2>,
        joiner: TableJoiner<V, V2, VR>,
    ) -> Getter<K, VR> {
        let (left, right) = (self.make.clone(), other.make.clone());
        let mut stores = self.stores.clone();
        stores.extend(other.stores.iter().cloned());
        Getter {
            stores,
            direct: None,
            make: Arc::new(move |processor| {
                Box::new(JoinGetter {
                    left: left(processor),
                    right: right(processor),
                    joiner: joiner.clone(),
                })
            }),
        }
    }
}

struct EmptyGetter;

impl<K, V> ValueGetter<K, V> for EmptyGetter {
    fn init(&mut self, _ctx: &TaskCtx) -> Result<()> {
        Ok(())
    }
    fn get(&self, _key: &K) -> Result<Option<ValueAndTimestamp<V>>> {
        Ok(None)
    }
}

struct VersionedGetter<K, V>(VersionedSlot<K, V>);

impl<K: 'static, V: 'static> ValueGetter<K, V> for VersionedGetter<K, V> {
    fn init(&mut self, ctx: &TaskCtx) -> Result<()> {
        self.0.open(ctx)
    }
    fn get(&self, key: &K) -> Result<Option<ValueAndTimestamp<V>>> {
        let latest = self.0.get()?.get(key)?;
        Ok(latest.map(|r| ValueAndTimestamp::new(r.value, r.timestamp)))
    }
    fn get_as_of(&self, key: &K, as_of: i64) -> Result<Option<ValueAndTimestamp<V>>> {
        let then = self.0.get()?.get_as_of(key, as_of)?;
        Ok(then.map(|r| ValueAndTimestamp::new(r.value, r.timestamp)))
    }
}

struct StoreGetter<K, V>(StoreSlot<K, V>);

impl<K: 'static, V: 'static> ValueGetter<K, V> for StoreGetter<K, V> {
    fn init(&mut self, ctx: &TaskCtx) -> Result<()> {
        self.0.open(ctx)
    }
    fn get(&self, key: &K) -> Result<Option<ValueAndTimestamp<V>>> {
        self.0.get()?.get(key)
    }
}

struct MappedGetter<K, V, V2> {
    parent: Box<dyn ValueGetter<K, V>>,
    f: RowMapper<K, V, V2>,
}

impl<K, V, V2> ValueGetter<K, V2> for MappedGetter<K, V, V2> {
    fn init(&mut self, ctx: &TaskCtx) -> Result<()> {
        self.parent.init(ctx)
    }
    fn get(&self, key: &K) -> Result<Option<ValueAndTimestamp<V2>>> {
        let row = self.parent.get(key)?;
        let timestamp = row.as_ref().map_or(NO_TIMESTAMP, |r| r.timestamp);
        let mapped = (self.f)(key, row.map(|r| r.value));
        Ok(mapped.map(|value| ValueAndTimestamp::new(value, timestamp)))
    }
}

struct JoinGetter<K, V, V2, VR> {
    left: Box<dyn ValueGetter<K, V>>,
    right: Box<dyn ValueGetter<K, V2>>,
    joiner: TableJoiner<V, V2, VR>,
}

impl<K, V, V2, VR> ValueGetter<K, VR> for JoinGetter<K, V, V2, VR> {
    fn init(&mut self, ctx: &TaskCtx) -> Result<()> {
        self.left.init(ctx)?;
        self.right.init(ctx)
    }
    fn get(&self, key: &K) -> Result<Option<ValueAndTimestamp<VR>>> {
        let (left, right) = (self.left.get(key)?, self.right.get(key)?);
        // As new as the newer of the two rows.
        let timestamp = match (&left, &right) {
            (Some(l), Some(r)) => l.timestamp.max(r.timestamp),
            (Some(l), None) => l.timestamp,
            (None, Some(r)) => r.timestamp,
            (None, None) => NO_TIMESTAMP,
        };
        let joined = (self.joiner)(left.as_ref().map(|r| &r.value), right.as_ref().map(|r| &r.value));
        Ok(joined.map(|value| ValueAndTimestamp::new(value, timestamp)))
    }
}
