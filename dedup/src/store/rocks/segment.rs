//! One segment of a [`RocksIds`](super::RocksIds): its newest ids in memory, the rest in
//! its column family.

use std::path::Path;

use hashbrown::HashTable;

use rocksdb::{ColumnFamily, DB, IngestExternalFileOptions, Options, SstFileWriter};

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

    fn contains(&self, id: &[u8], hash: u64) -> bool {
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

    /// The ids with their hashes, sorted by id.
    fn sorted(&self) -> Vec<(&[u8], u64)> {
        let mut ids: Vec<(&[u8], u64)> = self.entries.iter().map(|e| (self.id(e), e.hash)).collect();
        ids.sort_unstable_by(|a, b| a.0.cmp(b.0));
        ids
    }

    fn bytes(&self) -> usize {
        self.bytes.capacity() + self.entries.capacity() * (std::mem::size_of::<Entry>() + 1)
    }
}

/// A segment's ids: those not written yet, and the name of its column family once
/// some were.
#[derive(Default)]
pub(super) struct Segment {
    in_memory: InMemory,
    column_family: Option<String>,
}

impl Segment {
    /// The ids not written yet.
    pub(super) fn in_memory(&self) -> &InMemory {
        &self.in_memory
    }

    /// Its column family, once ids were written.
    pub(super) fn column_family<'d>(&self, db: &'d DB) -> Option<&'d ColumnFamily> {
        db.cf_handle(self.column_family.as_deref()?)
    }

    /// Whether it holds `id`, in memory or on disk.
    pub(super) fn contains(&self, db: &DB, id: &[u8], hash: u64, path: &Path) -> Result<bool> {
        if self.in_memory.contains(id, hash) {
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
            .get_pinned_cf(cf, id)
            .map_err(|e| failed(path, "reading an id", e))?;
        Ok(found.is_some())
    }

    /// Holds `id` in memory.
    pub(super) fn insert(&mut self, id: &[u8], hash: u64) {
        self.in_memory.insert(id, hash);
    }

    /// Writes the ids in memory into `file`, sorted, and has RocksDB take the file into
    /// the segment's column family (made first when it has none).
    pub(super) fn write_out(
        &mut self,
        db: &mut DB,
        options: &Options,
        segment: i64,
        file: &Path,
        path: &Path,
    ) -> Result<()> {
        if self.in_memory.len() == 0 {
            return Ok(());
        }
        let ids = self.in_memory.sorted();
        let mut writer = SstFileWriter::create(options);
        writer.open(file).map_err(|e| failed(path, "writing ids", e))?;
        for (id, hash) in ids {
            writer
                .put(id, hash.to_be_bytes())
                .map_err(|e| failed(path, "writing ids", e))?;
        }
        writer.finish().map_err(|e| failed(path, "writing ids", e))?;
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
        self.in_memory = InMemory::default();
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
        self.in_memory.bytes()
    }
}
