//! One segment of a [`RocksIds`](super::RocksIds): its newest ids in memory, the rest in
//! its column family.

use std::path::Path;
use std::sync::Arc;

use hashbrown::HashTable;

use rocksdb::{ColumnFamily, DB, IngestExternalFileOptions, Options, ReadOptions};

use super::failed;
use crate::error::Result;

/// Ids in memory, back to back in one buffer, found by the hash the deduplicator
/// gave them (no allocation and no hashing per id).
#[derive(Default)]
pub(super) struct InMemory {
    bytes: Vec<u8>,
    entries: HashTable<Entry>,
}

/// Where an id lies in the buffer, and its hash.
#[derive(Clone, Copy)]
struct Entry {
    hash: u64,
    start: usize,
    len: usize,
}

impl InMemory {
    fn id(&self, entry: &Entry) -> &[u8] {
        &self.bytes[entry.start..entry.start + entry.len]
    }

    pub(super) fn contains(&self, id: &[u8], hash: u64) -> bool {
        self.entries
            .find(hash, |e| e.hash == hash && self.id(e) == id)
            .is_some()
    }

    /// Holds `id` (not held yet).
    fn insert(&mut self, id: &[u8], hash: u64) {
        let entry = Entry {
            hash,
            start: self.bytes.len(),
            len: id.len(),
        };
        self.bytes.extend_from_slice(id);
        self.entries.insert_unique(hash, entry, |e| e.hash);
    }

    /// How many ids it holds.
    pub(super) fn len(&self) -> usize {
        self.entries.len()
    }

    /// The hashes of the ids it holds.
    pub(super) fn hashes(&self) -> impl Iterator<Item = u64> + '_ {
        self.entries.iter().map(|e| e.hash)
    }

    /// The ids with their hashes, sorted by id: by their first 16 bytes as one
    /// number (zero-padded, which keeps the bytes' order), then by the rest.
    pub(super) fn sorted(&self) -> Vec<(&[u8], u64)> {
        let mut ids: Vec<(u128, &[u8], u64)> = self
            .entries
            .iter()
            .map(|e| {
                let id = self.id(e);
                let mut prefix = [0u8; 16];
                let len = id.len().min(16);
                prefix[..len].copy_from_slice(&id[..len]);
                (u128::from_be_bytes(prefix), id, e.hash)
            })
            .collect();
        ids.sort_unstable_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(b.1)));
        ids.into_iter().map(|(_, id, hash)| (id, hash)).collect()
    }

    fn bytes(&self) -> usize {
        self.bytes.capacity() + self.entries.capacity() * (std::mem::size_of::<Entry>() + 1)
    }
}

/// A segment's ids: those not written yet, those being written (handed to the file
/// writer, in batches), and the name of its column family once some were written.
#[derive(Default)]
pub(super) struct Segment {
    in_memory: InMemory,
    writing: Vec<(u64, Arc<InMemory>)>,
    column_family: Option<String>,
}

impl Segment {
    /// The ids not written yet.
    pub(super) fn in_memory(&self) -> &InMemory {
        &self.in_memory
    }

    /// The hashes of the ids not on disk yet.
    pub(super) fn hashes_in_memory(&self) -> impl Iterator<Item = u64> + '_ {
        let writing = self.writing.iter().flat_map(|(_, ids)| ids.hashes());
        self.in_memory.hashes().chain(writing)
    }

    /// Its column family, once ids were written.
    pub(super) fn column_family<'d>(&self, db: &'d DB) -> Option<&'d ColumnFamily> {
        db.cf_handle(self.column_family.as_deref()?)
    }

    /// Whether it holds `id`, in memory or on disk.
    pub(super) fn contains(
        &self,
        db: &DB,
        read: &ReadOptions,
        id: &[u8],
        hash: u64,
        path: &Path,
    ) -> Result<bool> {
        if self.in_memory.contains(id, hash) || self.writing.iter().any(|(_, ids)| ids.contains(id, hash)) {
            return Ok(true);
        }
        let Some(name) = &self.column_family else {
            return Ok(false);
        };
        let cf = db.cf_handle(name).ok_or_else(|| {
            failed(
                path,
                "reading a segment",
                format!("its column family {name} is missing"),
            )
        })?;
        let found = db
            .get_pinned_cf_opt(cf, id, read)
            .map_err(|e| failed(path, "reading an id", e))?;
        Ok(found.is_some())
    }

    /// Holds `id` in memory.
    pub(super) fn insert(&mut self, id: &[u8], hash: u64) {
        self.in_memory.insert(id, hash);
    }

    /// Hands the ids in memory over to be written as `batch`: they are still found
    /// until [`Segment::take_in`] takes their file in. `None` when it holds none.
    pub(super) fn hand_over(&mut self, batch: u64) -> Option<Arc<InMemory>> {
        if self.in_memory.len() == 0 {
            return None;
        }
        let ids = Arc::new(std::mem::take(&mut self.in_memory));
        self.writing.push((batch, ids.clone()));
        Some(ids)
    }

    /// Has RocksDB take `file`, the ids of `batch` written, into the segment's column
    /// family (made first when it has none).
    pub(super) fn take_in(
        &mut self,
        db: &mut DB,
        options: &Options,
        segment: i64,
        batch: u64,
        file: &Path,
        path: &Path,
    ) -> Result<()> {
        let name = self
            .column_family
            .get_or_insert_with(|| format!("segment-{segment}"));
        if db.cf_handle(name).is_none() {
            db.create_cf(name.as_str(), options)
                .map_err(|e| failed(path, "making a segment", e))?;
        }
        let cf = db.cf_handle(name).ok_or_else(|| {
            failed(
                path,
                "writing ids",
                format!("the column family {name} is missing"),
            )
        })?;
        let mut ingest = IngestExternalFileOptions::default();
        ingest.set_move_files(true);
        db.ingest_external_file_cf_opts(cf, &ingest, vec![file])
            .map_err(|e| failed(path, "taking in written ids", e))?;
        self.writing.retain(|(b, _)| *b != batch);
        Ok(())
    }

    /// Drops its column family, if it has one.
    pub(super) fn drop_from(self, db: &mut DB, path: &Path) -> Result<()> {
        if let Some(name) = self.column_family {
            db.drop_cf(&name)
                .map_err(|e| failed(path, "dropping a segment", e))?;
        }
        Ok(())
    }

    /// The memory its ids in memory take, about.
    pub(super) fn bytes(&self) -> usize {
        self.in_memory.bytes() + self.writing.iter().map(|(_, ids)| ids.bytes()).sum::<usize>()
    }
}
