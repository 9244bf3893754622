//! Ids on disk: a RocksDB column family per segment, each written as sorted files, with
//! bloom filters and the newest ids in memory.

mod segment;
mod writer;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rocksdb::{
    BlockBasedOptions, Cache, DB, DBCompressionType, DataBlockIndexType, IteratorMode, Options, ReadOptions,
};

use super::SeenIds;
use super::bloom::SegmentFilters;
use crate::error::{Error, Result};
use crate::window::{MAX_SEGMENTS, Window};
use segment::Segment;
use writer::{FileWriter, Written};

/// How many ids a segment keeps in memory at most before they are written, unless
/// told ([`RocksIds::max_ids_in_memory`]).
pub const MAX_IDS_IN_MEMORY: usize = 1 << 20;

/// Seen ids kept whole in RocksDB under a directory, for windows that hold more ids
/// than memory.
///
/// Each segment is a column family, dropped whole (files and all) when the segment is
/// forgotten. A segment's new ids are held in memory, then written at once as one
/// sorted file that RocksDB takes in as it is: when a newer segment starts, or when
/// the segment holds [`MAX_IDS_IN_MEMORY`]. Ids are never put one by one (no
/// memtable, no write-ahead log, no compaction of what a segment was written as),
/// so writing an id costs a sort and a sequential write.
///
/// Every segment has a bloom filter in memory that most new ids stop at, so they never
/// touch the disk; RocksDB's own bloom filters guard its files too. The segments'
/// filters are interleaved, so testing an id against all of them reads one run of
/// memory.
///
/// The directory is the store's alone and starts empty (whatever was there is
/// removed): the ids are a cache of what the changelog holds, rebuilt from it by the
/// pipeline.
///
/// Memory: the bloom filters, 24 bits an id (a new id reads RocksDB with probability
/// about 0.005 % a live segment; a filter holding twice the ids it was sized for is
/// rebuilt twice as large), the ids not written yet, and RocksDB's block cache (see
/// [`RocksIds::block_cache_bytes`]).
pub struct RocksIds {
    db: DB,
    path: PathBuf,
    /// The live segments.
    segments: BTreeMap<i64, Segment>,
    filters: SegmentFilters,
    /// The live segment whose filter is in each slot of the filters.
    by_slot: Vec<Option<i64>>,
    first_live: i64,
    held: usize,
    expected_per_segment: usize,
    max_in_memory: usize,
    /// Files written so far: names the next one.
    files: u64,
    /// The block cache of the segments' files, when one was asked for.
    block_cache: Option<Cache>,
    writer: FileWriter,
    /// How ids are looked up: made once, not for every lookup.
    read: ReadOptions,
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

pub(crate) fn failed(path: &Path, what: &str, e: impl std::fmt::Display) -> Error {
    Error::Store {
        path: path.to_path_buf(),
        reason: format!("{what}: {e}"),
    }
}

/// The size of the files' blocks: larger than RocksDB's 4 KiB, as a lookup finds its
/// id in a block by the block's hash index, and a smaller index is searched faster (a
/// duplicate is looked up about 1.4 times as fast as with 4 KiB blocks).
const BLOCK_BYTES: usize = 16 * 1024;

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
        let db = DB::open(&Self::options(None), &path).map_err(|e| failed(&path, "opening RocksDB", e))?;
        let writer = FileWriter::start(Self::options(None), &path)?;
        Ok(RocksIds {
            db,
            path,
            segments: BTreeMap::new(),
            filters: SegmentFilters::new(MAX_SEGMENTS as usize + 1, DEFAULT_EXPECTED),
            by_slot: vec![None; MAX_SEGMENTS as usize + 1],
            first_live: i64::MIN,
            held: 0,
            expected_per_segment: DEFAULT_EXPECTED,
            max_in_memory: MAX_IDS_IN_MEMORY,
            files: 0,
            block_cache: None,
            writer,
            read: ReadOptions::default(),
        })
    }

    /// Sizes each segment's bloom filter for `ids` (rebuilt larger when a segment holds
    /// twice that).
    pub fn expected_ids_per_segment(mut self, ids: usize) -> Self {
        self.expected_per_segment = ids.max(1);
        self.filters = SegmentFilters::new(self.filters.slots(), self.expected_per_segment);
        self
    }

    /// Writes a segment's ids once it holds `ids` in memory ([`MAX_IDS_IN_MEMORY`]
    /// unless told): fewer bounds the memory, more makes fewer files.
    pub fn max_ids_in_memory(mut self, ids: usize) -> Self {
        self.max_in_memory = ids.max(1);
        self
    }

    /// Keeps up to `bytes` of the segments' files in a block cache of their own
    /// (RocksDB's default cache is 32 MiB): a duplicate is then read from memory, not
    /// from the files. A window's files take about 35 bytes an id of 16 bytes.
    pub fn block_cache_bytes(mut self, bytes: usize) -> Self {
        // A clock cache: lookups take no lock, unlike an LRU cache's.
        self.block_cache = Some(Cache::new_hyper_clock_cache(bytes, BLOCK_BYTES));
        self
    }

    /// Ids are random bytes, not worth compressing; data blocks have a hash index, as
    /// ids are only ever looked up one by one, and are [`BLOCK_BYTES`] long.
    fn options(block_cache: Option<&Cache>) -> Options {
        let mut options = Options::default();
        options.create_if_missing(true);
        options.set_compression_type(DBCompressionType::None);
        // A segment's files are never merged: they go with the segment.
        options.set_disable_auto_compactions(true);
        let mut table = BlockBasedOptions::default();
        table.set_bloom_filter(10.0, false);
        table.set_data_block_index_type(DataBlockIndexType::BinaryAndHash);
        table.set_block_size(BLOCK_BYTES);
        // A restart point every 4 ids (RocksDB's default is 16) and a hash index of 4
        // buckets an id (1.33 by default): a lookup in a block rarely falls back to a
        // binary search, and reads at most 4 ids. Duplicates are looked up about 1.12
        // times as fast; the files take about 4 bytes an id more.
        table.set_block_restart_interval(4);
        table.set_data_block_hash_ratio(0.25);
        if let Some(cache) = block_cache {
            table.set_block_cache(cache);
        }
        options.set_block_based_table_factory(&table);
        options
    }

    /// Hands the ids `segment` holds in memory to the file writer, to be written as
    /// one sorted file; takes in the files it wrote since.
    fn write_out(&mut self, segment: i64) -> Result<()> {
        let Some(state) = self.segments.get_mut(&segment) else {
            return Ok(());
        };
        self.files += 1;
        let Some(ids) = state.hand_over(self.files) else {
            return Ok(());
        };
        let file = self.path.join(format!("ids-{}.sst", self.files));
        let written = self.writer.write(segment, self.files, file, ids)?;
        self.take_in(written)
    }

    /// Has RocksDB take in the files written, into the segments they are of; the file
    /// of a segment forgotten meanwhile is removed.
    fn take_in(&mut self, written: Vec<Written>) -> Result<()> {
        let options = Self::options(self.block_cache.as_ref());
        for done in written {
            done.result?;
            match self.segments.get_mut(&done.segment) {
                Some(state) => state.take_in(
                    &mut self.db,
                    &options,
                    done.segment,
                    done.batch,
                    &done.file,
                    &self.path,
                )?,
                None => std::fs::remove_file(&done.file)
                    .map_err(|e| failed(&done.file, "removing a forgotten segment's file", e))?,
            }
        }
        Ok(())
    }

    /// Waits for the files being written and takes them in: every id is then on disk
    /// but those of the segments' newest, not yet handed over.
    pub fn flush(&mut self) -> Result<()> {
        let written = self.writer.take_all()?;
        self.take_in(written)
    }

    /// Rebuilds the filters twice as large as the fullest segment, from the hashes
    /// stored with the ids.
    fn grow_filters(&mut self) -> Result<()> {
        self.expected_per_segment = self.filters.fullest() * 2;
        let mut filters = SegmentFilters::new(self.filters.slots(), self.expected_per_segment);
        for (&segment, state) in &self.segments {
            for hash in state.hashes_in_memory() {
                filters.insert(segment, &filters.probe(hash));
            }
            let Some(cf) = state.column_family(&self.db) else {
                continue;
            };
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
        self.by_slot = vec![None; self.filters.slots()];
    }

    fn check_and_insert(&mut self, id: &[u8], hash: u64, insert_into: Option<i64>) -> Result<Option<i64>> {
        let probe = self.filters.probe(hash);
        let mut candidates = self.filters.candidates(&probe);
        while candidates != 0 {
            let slot = candidates.trailing_zeros() as usize;
            candidates &= candidates - 1;
            let Some(segment) = self.by_slot[slot] else {
                continue;
            };
            if let Some(state) = self.segments.get(&segment)
                && state.contains(&self.db, &self.read, id, hash, &self.path)?
            {
                return Ok(Some(segment));
            }
        }
        let Some(segment) = insert_into else {
            return Ok(None);
        };
        if !self.segments.contains_key(&segment) {
            // A newer segment starts: the older ones are written out.
            let older: Vec<i64> = self.segments.range(..segment).map(|(s, _)| *s).collect();
            for older in older {
                self.write_out(older)?;
            }
            self.segments.insert(segment, Segment::default());
            self.filters.clear(segment);
            self.by_slot[self.filters.slot(segment)] = Some(segment);
        }
        let state = self
            .segments
            .get_mut(&segment)
            .expect("the segment was just made");
        state.insert(id, hash);
        let full = state.in_memory().len() >= self.max_in_memory;
        self.filters.insert(segment, &probe);
        self.held += 1;
        if full {
            self.write_out(segment)?;
        }
        if self.filters.overfull() {
            self.grow_filters()?;
        }
        Ok(None)
    }

    fn expire(&mut self, first_live: i64, ids: usize) -> Result<()> {
        self.first_live = self.first_live.max(first_live);
        let kept = self.segments.split_off(&self.first_live);
        for (segment, state) in std::mem::replace(&mut self.segments, kept) {
            state.drop_from(&mut self.db, &self.path)?;
            self.filters.clear(segment);
            let slot = self.filters.slot(segment);
            if self.by_slot[slot] == Some(segment) {
                self.by_slot[slot] = None;
            }
        }
        self.held -= ids.min(self.held);
        Ok(())
    }

    fn len(&self) -> usize {
        self.held
    }

    fn look_ahead(&self, hash: u64) {
        self.filters.prefetch(hash);
    }

    fn bytes(&self) -> usize {
        self.filters.bytes() + self.segments.values().map(Segment::bytes).sum::<usize>()
    }
}
