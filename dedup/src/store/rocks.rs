//! Ids on disk: a RocksDB column family per segment, with bloom filters in memory.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};

use rocksdb::{BlockBasedOptions, DB, DBCompressionType, IteratorMode, Options, WriteBatch, WriteOptions};

use super::SeenIds;
use super::bloom::SegmentFilters;
use crate::error::{Error, Result};
use crate::window::{MAX_SEGMENTS, Window};

/// How many new ids are written to RocksDB at once.
pub const WRITE_BATCH: usize = 4096;

/// Seen ids kept whole in RocksDB under a directory, for windows that hold more ids
/// than memory: each segment is a column family (forgetting a segment drops it, files
/// and all), with a bloom filter in memory that most new ids stop at, so they never
/// touch the disk; RocksDB's own bloom filters guard its files too. The segments'
/// filters are interleaved, so testing an id against all of them reads one run of
/// memory.
///
/// The directory is the store's alone and starts empty (whatever was there is
/// removed): the ids are a cache of what the changelog holds, rebuilt from it by the
/// pipeline, and are written without RocksDB's write-ahead log, [`WRITE_BATCH`] at a
/// time (found in memory until then).
///
/// Memory: the bloom filters, 16 bits an id (a new id reads RocksDB with probability
/// about 0.2 % a live segment; a filter holding twice the ids it was sized for is
/// rebuilt twice as large), and RocksDB's memtables and block cache.
pub struct RocksIds {
    db: DB,
    path: PathBuf,
    write: WriteOptions,
    /// The live segments' column families, by segment.
    segments: BTreeMap<i64, String>,
    filters: SegmentFilters,
    first_live: i64,
    held: usize,
    expected_per_segment: usize,
    /// New ids not written yet, with their segments.
    pending: HashMap<Box<[u8]>, i64, foldhash::fast::RandomState>,
    batch: WriteBatch,
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

/// The column family of `segment`.
fn column_family<'d>(
    db: &'d DB,
    segments: &BTreeMap<i64, String>,
    path: &Path,
    segment: i64,
) -> Result<&'d rocksdb::ColumnFamily> {
    let name = segments.get(&segment).map_or("", String::as_str);
    db.cf_handle(name).ok_or_else(|| {
        failed(
            path,
            "reading a segment",
            format!("the column family of segment {segment} is missing"),
        )
    })
}

/// The ids a segment's filter is sized for unless told.
const DEFAULT_EXPECTED: usize = 64 * 1024;

impl RocksIds {
    /// A store in `path`, emptied first; its bloom filters are sized for 65,536 ids a
    /// segment at first (see [`RocksIds::expected_ids_per_segment`]).
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
            filters: SegmentFilters::new(MAX_SEGMENTS as usize + 1, DEFAULT_EXPECTED),
            first_live: i64::MIN,
            held: 0,
            expected_per_segment: DEFAULT_EXPECTED,
            pending: HashMap::default(),
            batch: WriteBatch::default(),
        })
    }

    /// Sizes each segment's bloom filter for `ids` (rebuilt larger when a segment holds
    /// twice that).
    pub fn expected_ids_per_segment(mut self, ids: usize) -> Self {
        self.expected_per_segment = ids.max(1);
        self.filters = SegmentFilters::new(self.filters.slots(), self.expected_per_segment);
        self
    }

    /// Ids are random bytes, not worth compressing.
    fn options() -> Options {
        let mut options = Options::default();
        options.create_if_missing(true);
        options.set_compression_type(DBCompressionType::None);
        let mut table = BlockBasedOptions::default();
        table.set_bloom_filter(10.0, false);
        options.set_block_based_table_factory(&table);
        options
    }

    fn column_family(&self, segment: i64) -> Result<&rocksdb::ColumnFamily> {
        column_family(&self.db, &self.segments, &self.path, segment)
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

    /// Rebuilds the filters twice as large as the fullest segment, from the hashes
    /// stored with the ids.
    fn grow_filters(&mut self) -> Result<()> {
        self.flush()?;
        self.expected_per_segment = self.filters.fullest() * 2;
        let mut filters = SegmentFilters::new(self.filters.slots(), self.expected_per_segment);
        for &segment in self.segments.keys() {
            let cf = self.column_family(segment)?;
            for entry in self.db.iterator_cf(cf, IteratorMode::Start) {
                let (_, value) = entry.map_err(|e| failed(&self.path, "reading ids", e))?;
                let hash: [u8; 8] = value
                    .as_ref()
                    .try_into()
                    .map_err(|_| failed(&self.path, "reading ids", "a stored hash is not 8 bytes"))?;
                filters.insert(segment, &filters.probe(u64::from_be_bytes(hash)));
            }
        }
        self.filters = filters;
        Ok(())
    }
}

impl SeenIds for RocksIds {
    fn prepare(&mut self, window: &Window) {
        // The live segments: those of the window and the current one.
        self.filters = SegmentFilters::new(window.segments() as usize + 1, self.expected_per_segment);
    }

    fn check_and_insert(&mut self, id: &[u8], hash: u64, insert_into: Option<i64>) -> Result<Option<i64>> {
        if let Some(&segment) = self.pending.get(id)
            && segment >= self.first_live
        {
            return Ok(Some(segment));
        }
        let probe = self.filters.probe(hash);
        for &segment in self.segments.range(self.first_live..).map(|(s, _)| s) {
            if self.filters.may_contain(segment, &probe) {
                let found = self
                    .db
                    .get_pinned_cf(self.column_family(segment)?, id)
                    .map_err(|e| failed(&self.path, "reading an id", e))?;
                if found.is_some() {
                    return Ok(Some(segment));
                }
            }
        }
        let Some(segment) = insert_into else {
            return Ok(None);
        };
        if !self.segments.contains_key(&segment) {
            let name = format!("segment-{segment}");
            self.db
                .create_cf(&name, &Self::options())
                .map_err(|e| failed(&self.path, "making a segment", e))?;
            self.segments.insert(segment, name);
            self.filters.clear(segment);
        }
        let cf = column_family(&self.db, &self.segments, &self.path, segment)?;
        self.batch.put_cf(cf, id, hash.to_be_bytes());
        self.pending.insert(id.into(), segment);
        self.filters.insert(segment, &probe);
        self.held += 1;
        if self.pending.len() >= WRITE_BATCH {
            self.flush()?;
        }
        if self.filters.overfull() {
            self.grow_filters()?;
        }
        Ok(None)
    }

    fn expire(&mut self, first_live: i64, ids: usize) -> Result<()> {
        self.flush()?;
        self.first_live = self.first_live.max(first_live);
        let kept = self.segments.split_off(&self.first_live);
        for (segment, name) in std::mem::replace(&mut self.segments, kept) {
            self.db
                .drop_cf(&name)
                .map_err(|e| failed(&self.path, "dropping a segment", e))?;
            self.filters.clear(segment);
        }
        self.held -= ids.min(self.held);
        Ok(())
    }

    fn len(&self) -> usize {
        self.held
    }

    fn bytes(&self) -> usize {
        self.filters.bytes()
    }
}
