//! `split`: records routed to branches by predicates, as Kafka Streams'
//! `BranchedKStream`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use super::KStream;
use crate::dsl::ops::{BranchPredicate, SplitNode};
use crate::dsl::options::{Branched, Named};

impl<'b, K: Clone + 'static, V: Clone + 'static> KStream<'b, K, V> {
    /// Splits the stream into branches: add them with
    /// [`branch`](BranchedKStream::branch), then finish with
    /// [`default_branch`](BranchedKStream::default_branch) or
    /// [`no_default_branch`](BranchedKStream::no_default_branch). Each record goes to
    /// the first branch whose predicate holds.
    ///
    /// ```
    /// use kstream::prelude::*;
    /// let builder = StreamsBuilder::new();
    /// let branches = builder
    ///     .stream("events", Consumed::with(StringSerde, StringSerde))
    ///     .split_with(Named::as_("events-")?)
    ///     .branch_with(|_, v| v.starts_with("error"), Branched::as_("errors")?)
    ///     .branch(|_, v| v.starts_with("warn"))
    ///     .default_branch();
    /// branches["events-errors"].to("errors", Produced::with(StringSerde, StringSerde));
    /// branches["events-2"].to("warnings", Produced::with(StringSerde, StringSerde));
    /// branches["events-0"].to("rest", Produced::with(StringSerde, StringSerde));
    /// # builder.build()?;
    /// # Ok::<(), kstream::Error>(())
    /// ```
    pub fn split(&self) -> BranchedKStream<'b, K, V> {
        self.split_step(None)
    }

    /// [`split`](Self::split), naming the split: the branches are named
    /// `<name><branch name>`.
    pub fn split_with(&self, named: Named) -> BranchedKStream<'b, K, V> {
        self.split_step(Some(named))
    }

    fn split_step(&self, named: Option<Named>) -> BranchedKStream<'b, K, V> {
        // The split's processor is added now and each branch's as it is added, so the
        // counter of generated names moves as in Kafka Streams.
        let name = self.name_of(named, "KSTREAM-BRANCH");
        let predicates: SharedPredicates<K, V> = Arc::default();
        let shared = predicates.clone();
        let node =
            self.dsl
                .operator::<K, V, K, V, _>(name.clone(), vec![self.node], Vec::new(), move |out| SplitNode {
                    predicates: shared.lock().unwrap_or_else(PoisonError::into_inner).clone(),
                    branches: out.0,
                });
        BranchedKStream {
            stream: *self,
            node,
            name,
            predicates,
            branches: BTreeMap::new(),
        }
    }
}

/// The predicates of a split, added one by one as its branches are.
type SharedPredicates<K, V> = Arc<Mutex<Vec<BranchPredicate<K, V>>>>;

/// A stream being split (Kafka Streams' `BranchedKStream`), made by
/// [`KStream::split`]. Finishing it returns the branches by name: `<split
/// name><branch name>`, where an unnamed branch is numbered from 1 in the order it was
/// added and the default branch is `0` (as in Kafka Streams).
#[must_use = "the branches are returned when the split is finished with `default_branch` or `no_default_branch`"]
pub struct BranchedKStream<'b, K, V> {
    stream: KStream<'b, K, V>,
    /// The split's processor.
    node: usize,
    name: String,
    predicates: SharedPredicates<K, V>,
    branches: BTreeMap<String, KStream<'b, K, V>>,
}

impl<K, V> fmt::Debug for BranchedKStream<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BranchedKStream")
            .field("name", &self.name)
            .field("branches", &self.branches.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl<'b, K: Clone + 'static, V: Clone + 'static> BranchedKStream<'b, K, V> {
    /// Adds a branch for the records `predicate` holds for (and no earlier branch
    /// took).
    pub fn branch(self, predicate: impl Fn(&K, &V) -> bool + Send + Sync + 'static) -> Self {
        self.branch_with(predicate, Branched::default())
    }

    /// [`branch`](Self::branch), naming the branch.
    pub fn branch_with(
        mut self,
        predicate: impl Fn(&K, &V) -> bool + Send + Sync + 'static,
        branched: Branched,
    ) -> Self {
        let index = {
            let mut predicates = self.predicates.lock().unwrap_or_else(PoisonError::into_inner);
            predicates.push(Arc::new(predicate));
            predicates.len()
        };
        self.add_branch(branched, index);
        self
    }

    /// Finishes the split with a default branch for the records no predicate took
    /// (named `<split name>0`), and returns every branch by name.
    pub fn default_branch(self) -> BTreeMap<String, KStream<'b, K, V>> {
        self.default_branch_with(Branched::default())
    }

    /// [`default_branch`](Self::default_branch), naming the default branch.
    pub fn default_branch_with(mut self, branched: Branched) -> BTreeMap<String, KStream<'b, K, V>> {
        self.add_branch(branched, 0);
        self.branches
    }

    /// Finishes the split without a default branch: records no predicate took are
    /// dropped. Returns every branch by name.
    pub fn no_default_branch(self) -> BTreeMap<String, KStream<'b, K, V>> {
        self.branches
    }

    /// Adds the processor of branch `index` (0: the default branch), named
    /// `<split name><branch name or index>`.
    fn add_branch(&mut self, branched: Branched, index: usize) {
        let suffix = branched.name.unwrap_or_else(|| index.to_string());
        let name = format!("{}{suffix}", self.name);
        let dsl = self.stream.dsl;
        // Kafka Streams moves the counter for each branch too.
        dsl.fresh(&name);
        // A branch name used twice is a processor name used twice: `build` says so.
        let node = dsl.pass_through::<K, V>(name.clone(), vec![self.node]);
        self.branches
            .insert(name, KStream::new(dsl, node, self.stream.repartition));
    }
}
