//! `split`: records routed to branches by predicates, as Kafka Streams'
//! `BranchedKStream`.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

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
        BranchedKStream {
            stream: *self,
            name: self.name_of(named, "KSTREAM-BRANCH"),
            branches: Vec::new(),
        }
    }
}

/// A stream being split (Kafka Streams' `BranchedKStream`), made by
/// [`KStream::split`]. Finishing it returns the branches by name: `<split
/// name><branch name>`, where an unnamed branch is numbered from 1 in the order it was
/// added and the default branch is `0` (as in Kafka Streams).
#[must_use = "the branches are added when the split is finished with `default_branch` or `no_default_branch`"]
pub struct BranchedKStream<'b, K, V> {
    stream: KStream<'b, K, V>,
    name: String,
    branches: Vec<(String, BranchPredicate<K, V>)>,
}

impl<K, V> fmt::Debug for BranchedKStream<'_, K, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BranchedKStream")
            .field("name", &self.name)
            .field(
                "branches",
                &self.branches.iter().map(|(name, _)| name).collect::<Vec<_>>(),
            )
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
        let name = self.branch_name(branched, self.branches.len() + 1);
        self.branches.push((name, Box::new(predicate)));
        self
    }

    /// Finishes the split with a default branch for the records no predicate took
    /// (named `<split name>0`), and returns every branch by name.
    pub fn default_branch(self) -> BTreeMap<String, KStream<'b, K, V>> {
        self.default_branch_with(Branched::default())
    }

    /// [`default_branch`](Self::default_branch), naming the default branch.
    pub fn default_branch_with(self, branched: Branched) -> BTreeMap<String, KStream<'b, K, V>> {
        let name = self.branch_name(branched, 0);
        self.finish(Some(name))
    }

    /// Finishes the split without a default branch: records no predicate took are
    /// dropped. Returns every branch by name.
    pub fn no_default_branch(self) -> BTreeMap<String, KStream<'b, K, V>> {
        self.finish(None)
    }

    fn branch_name(&self, branched: Branched, index: usize) -> String {
        let suffix = branched.name.unwrap_or_else(|| index.to_string());
        format!("{}{suffix}", self.name)
    }

    fn finish(self, default: Option<String>) -> BTreeMap<String, KStream<'b, K, V>> {
        let Self {
            stream,
            name,
            branches,
        } = self;
        let dsl = stream.dsl;
        let (names, predicates): (Vec<String>, Vec<BranchPredicate<K, V>>) = branches.into_iter().unzip();
        let predicates: Arc<[BranchPredicate<K, V>]> = predicates.into();
        let split =
            dsl.operator::<K, V, K, V, _>(name, vec![stream.node], Vec::new(), move |out| SplitNode {
                predicates: predicates.clone(),
                branches: out.0,
            });
        let mut streams = BTreeMap::new();
        for branch in names.into_iter().chain(default) {
            // A branch name used twice is a processor name used twice: `build` says so.
            let node = dsl.pass_through::<K, V>(branch.clone(), vec![split]);
            streams.insert(branch, KStream::new(dsl, node, stream.repartition));
        }
        streams
    }
}
