//! One segment of a [`RocksIds`](super::RocksIds): its newest ids in memory, the rest in
//! its column family.

use std::collections::HashMap;
use std::path::Path;

use rocksdb::{ColumnFamily, DB, IngestExternalFileOptions, Options, SstFileWriter};

use super::failed;
use crate::error::Result;

/// Ids in memory, with their hashes.
pub(super) type InMemory = HashMap<Box<[u8]>, u64, foldhash::fast::RandomState>;

/// A segment's ids: those not written yet, and the name of its column family once
/// some were.
#[derive(Default)]
pub(super) struct Segment {
    in_memory: InMemory,
    /// The bytes of the ids in memory.
    id_bytes: usize,
    column_family: Option<String>,
}

/// What an id in memory costs besides its bytes: the map's slot, the box, the
/// allocator's rounding.
const ENTRY_OVERHEAD: usize = 48;

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
    pub(super) fn contains(&self, db: &DB, id: &[u8], path: &Path) -> Result<bool> {
        if self.in_memory.contains_key(id) {
            return Ok(true);
        }
        let Some(name) = &self.column_family else {
            return Ok(false);
        };
        let cf = db
            .cf_handle(name)
            .ok_or_else(|| failed(path, "reading a segment", format!("its column family {name} is missing")))?;
        let found = db
            .get_pinned_cf(cf, id)
            .map_err(|e| failed(path, "reading an id", e))?;
        Ok(found.is_some())
    }

    /// Holds `id` in memory.
    pub(super) fn insert(&mut self, id: &[u8], hash: u64) {
        self.id_bytes += id.len();
        self.in_memory.insert(id.into(), hash);
    }

    /// Writes the ids in memory into `file`, sorted, and has RocksDB take the file into
    /// the segment's column family (made first when it has none).
    pub(super) fn write_out(&mut self, db: &mut DB, options: &Options, segment: i64, file: &Path, path: &Path) -> Result<()> {
        if self.in_memory.is_empty() {
            return Ok(());
        }
        let mut ids: Vec<(&[u8], u64)> = self.in_memory.iter().map(|(id, hash)| (&**id, *hash)).collect();
        ids.sort_unstable_by(|a, b| a.0.cmp(b.0));
        let mut writer = SstFileWriter::create(options);
        writer.open(file).map_err(|e| failed(path, "writing ids", e))?;
        for (id, hash) in ids {
            writer
                .put(id, hash.to_be_bytes())
                .map_err(|e| failed(path, "writing ids", e))?;
        }
        writer.finish().map_err(|e| failed(path, "writing ids", e))?;
        let name = self.column_family.get_or_insert_with(|| format!("segment-{segment}"));
        if db.cf_handle(name).is_none() {
            db.create_cf(name.as_str(), options)
                .map_err(|e| failed(path, "making a segment", e))?;
        }
        let cf = db
            .cf_handle(name)
            .ok_or_else(|| failed(path, "writing ids", format!("the column family {name} is missing")))?;
        let mut ingest = IngestExternalFileOptions::default();
        ingest.set_move_files(true);
        db.ingest_external_file_cf_opts(cf, &ingest, vec![file])
            .map_err(|e| failed(path, "taking in written ids", e))?;
        self.in_memory = InMemory::default();
        self.id_bytes = 0;
        Ok(())
    }

    /// Drops its column family, if it has one.
    pub(super) fn drop_from(self, db: &mut DB, path: &Path) -> Result<()> {
        if let Some(name) = self.column_family {
            db.drop_cf(&name).map_err(|e| failed(path, "dropping a segment", e))?;
        }
        Ok(())
    }

    /// The memory its ids in memory take, about.
    pub(super) fn bytes(&self) -> usize {
        self.id_bytes + self.in_memory.capacity() * ENTRY_OVERHEAD
    }
}
