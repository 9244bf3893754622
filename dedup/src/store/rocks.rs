//! Ids on disk: a RocksDB column family per segment, each with a bloom filter in
//! memory.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rocksdb::{BlockBasedOptions, DB, Options, WriteBatch, WriteOptions};

use super::SeenIds;
use super::bloom::Bloom;
use crate::error::{Error, Result};

/// Seen ids kept whole in RocksDB under a directory, for windows that hold more ids
/// than memory: each segment is a column family (forgetting a segment drops it, files
/// and all), with a bloom filter in memory that most new ids stop at, so they never
/// touch the disk; RocksDB's own bloom filters guard its files too.
///
/// The directory is the store's alone and starts empty (whatever was there is
/// removed): the ids are a cache of what the changelog holds, rebuilt from it by the
/// pipeline, and are written without RocksDB's write-ahead log.
///
/// New ids are written in batches of [`WRITE_BATCH`] (held in memory until then, and
/// found there).
///
/// Memory: the bloom filters, 16 bits an id (a new id reads RocksDB with probability
/// about 0.2 % a live segment), and RocksDB's memtables and block cache.
pub struct RocksIds {
    db: DB,
    path: PathBuf,
    write: WriteOptions,
    segments: BTreeMap<i64, Segment>,
    first_live: i64,
    held: usize,
    expected_per_segment: usize,
    /// New ids not written yet, with their segments.
    pending: HashMap<Box<[u8]>, i64>,
    batch: WriteBatch,
}

/// How many new ids are written to RocksDB at once.
pub const WRITE_BATCH: usize = 4096;

struct Segment {
    name: String,
    bloom: Bloom,
}

impl std::fmt::Debug for RocksIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RocksIds")
            .field("path", &self.path)
            .field("segments", &self.segments.len())
            .field("held", &self.held)
            .finish()
    }
}

fn failed(path: &Path, what: &str, e: impl std::fmt::Display) -> Error {
    Error::Store {
        path: path.to_path_buf(),
        reason: format!("{what}: {e}"),
    }
}

impl RocksIds {
    /// A store in `path`, emptied first; its bloom filters are sized for a million ids
    /// a segment at first (see [`RocksIds::expected_ids_per_segment`]).
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let path = path.as_ref().to_path_buf();
        if path.exists() {
            std::fs::remove_dir_all(&path).map_err(|e| failed(&path, "emptying the directory", e))?;
        }
        let db = DB::open(&Self::options(), &path).map_err(|e| failed(&path, "opening RocksDB", e))?;
        let mut write = WriteOptions::default();
        write.disable_wal(true);
        Ok(RocksIds {
            db,
            path,
            write,
            segments: BTreeMap::new(),
            first_live: i64::MIN,
            held: 0,
            expected_per_segment: 1 << 20,
            pending: HashMap::new(),
            batch: WriteBatch::default(),
        })
    }

    /// Sizes each segment's bloom filter for `ids` at first (it grows past that, each
    /// growth adding a filter that new ids are also tested against).
    pub fn expected_ids_per_segment(mut self, ids: usize) -> Self {
        self.expected_per_segment = ids.max(1);
        self
    }

    fn options() -> Options {
        let mut options = Options::default();
        options.create_if_missing(true);
        let mut table = BlockBasedOptions::default();
        table.set_bloom_filter(10.0, false);
        options.set_block_based_table_factory(&table);
        options
    }

    /// Writes the pending ids.
    fn flush(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = std::mem::take(&mut self.batch);
        self.db
            .write_opt(batch, &self.write)
            .map_err(|e| failed(&self.path, "writing ids", e))?;
        self.pending.clear();
        Ok(())
    }

    fn column_family(&self, segment: &Segment) -> Result<&rocksdb::ColumnFamily> {
        self.db.cf_handle(&segment.name).ok_or_else(|| {
            failed(
                &self.path,
                "reading a segment",
                format!("column family `{}` is missing", segment.name),
            )
        })
    }
}

impl SeenIds for RocksIds {
    fn check_and_insert(&mut self, id: &[u8], hash: u64, insert_into: Option<i64>) -> Result<Option<i64>> {
        if let Some(&segment) = self.pending.get(id)
            && segment >= self.first_live
        {
            return Ok(Some(segment));
        }
        for (number, segment) in self.segments.range(self.first_live..) {
            if segment.bloom.may_contain(hash) {
                let cf = self.column_family(segment)?;
                let found = self
                    .db
                    .get_pinned_cf(cf, id)
                    .map_err(|e| failed(&self.path, "reading an id", e))?;
                if found.is_some() {
                    return Ok(Some(*number));
                }
            }
        }
        let Some(number) = insert_into else {
            return Ok(None);
        };
        if !self.segments.contains_key(&number) {
            let name = format!("segment-{number}");
            self.db
                .create_cf(&name, &Self::options())
                .map_err(|e| failed(&self.path, "making a segment", e))?;
            let bloom = Bloom::new(self.expected_per_segment);
            self.segments.insert(number, Segment { name, bloom });
        }
        let segment = &self.segments[&number];
        let cf = self.db.cf_handle(&segment.name).ok_or_else(|| {
            failed(
                &self.path,
                "writing an id",
                format!("column family `{}` is missing", segment.name),
            )
        })?;
        self.batch.put_cf(cf, id, []);
        self.pending.insert(id.into(), number);
        if let Some(segment) = self.segments.get_mut(&number) {
            segment.bloom.insert(hash);
        }
        self.held += 1;
        if self.pending.len() >= WRITE_BATCH {
            self.flush()?;
        }
        Ok(None)
    }

    fn expire(&mut self, first_live: i64, ids: usize) -> Result<()> {
        self.flush()?;
        self.first_live = self.first_live.max(first_live);
        let kept = self.segments.split_off(&self.first_live);
        for (_, segment) in std::mem::replace(&mut self.segments, kept) {
            self.db
                .drop_cf(&segment.name)
                .map_err(|e| failed(&self.path, "dropping a segment", e))?;
        }
        self.held -= ids.min(self.held);
        Ok(())
    }

    fn len(&self) -> usize {
        self.held
    }

    fn bytes(&self) -> usize {
        self.segments.values().map(|s| s.bloom.bytes()).sum()
    }
}
