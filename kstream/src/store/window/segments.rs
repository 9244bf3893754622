//! [`SegmentedBackend`]: a byte store cut into time segments, each a backend of its own.

use std::collections::BTreeMap;
use std::ops::Bound;

use bytes::Bytes;

use super::schema::Segmentation;
use crate::error::Result;
use crate::store::KeyValueBackend;
use crate::store::format::corrupt;

/// Opens and removes the segments of one store.
pub(crate) trait SegmentFactory: Send {
    /// The backend of segment `id` (created when missing).
    fn open(&mut self, id: i64) -> Result<Box<dyn KeyValueBackend>>;
    /// Deletes segment `id`'s data, closing its backend (`None`: not open).
    fn remove(&mut self, id: i64, backend: Option<Box<dyn KeyValueBackend>>) -> Result<()>;
    /// The segments already there when the store opens.
    fn existing(&self) -> Result<Vec<i64>>;
    /// Whether the segments outlive the process.
    fn persistent(&self) -> bool;
}

/// One write of a batch: a key and its value (`None` deletes).
type Write<'a> = (&'a [u8], Option<&'a [u8]>);

/// In-memory segments.
pub(crate) struct MemorySegments;

impl SegmentFactory for MemorySegments {
    fn open(&mut self, _: i64) -> Result<Box<dyn KeyValueBackend>> {
        Ok(Box::new(crate::store::InMemoryBackend::default()))
    }
    fn remove(&mut self, _: i64, _: Option<Box<dyn KeyValueBackend>>) -> Result<()> {
        Ok(())
    }
    fn existing(&self) -> Result<Vec<i64>> {
        Ok(Vec::new())
    }
    fn persistent(&self) -> bool {
        false
    }
}

/// A windowed store's bytes in time segments: a key goes to the segment of its time (a
/// window's start, a session's end); once the largest time written has passed a segment
/// by the retention, the segment is dropped whole, and writes to it are ignored, as
/// Kafka Streams' segmented stores do.
pub(crate) struct SegmentedBackend {
    name: String,
    spec: Segmentation,
    factory: Box<dyn SegmentFactory>,
    segments: BTreeMap<i64, Box<dyn KeyValueBackend>>,
    /// The largest time written (`i64::MIN` before any).
    observed: i64,
}

impl SegmentedBackend {
    /// The segmented store `name`, opening the segments `factory` already holds.
    pub(crate) fn open(name: &str, spec: Segmentation, mut factory: Box<dyn SegmentFactory>) -> Result<Self> {
        let mut segments = BTreeMap::new();
        for id in factory.existing()? {
            segments.insert(id, factory.open(id)?);
        }
        let observed = segments
            .keys()
            .next_back()
            .map_or(i64::MIN, |id| id.saturating_mul(spec.segment_ms));
        Ok(SegmentedBackend {
            name: name.to_owned(),
            spec,
            factory,
            segments,
            observed,
        })
    }

    fn segment_of(&self, time: i64) -> i64 {
        time.div_euclid(self.spec.segment_ms)
    }

    /// The oldest segment still live.
    fn min_live(&self) -> i64 {
        if self.observed == i64::MIN {
            return i64::MIN;
        }
        self.segment_of(self.observed.saturating_sub(self.spec.retention_ms))
    }

    fn time(&self, key: &[u8]) -> Result<i64> {
        self.spec
            .layout
            .segment_time(key)
            .ok_or_else(|| corrupt(&self.name, key))
    }

    /// Moves the time on to `time` and drops the segments it leaves behind.
    fn observe(&mut self, time: i64) -> Result<()> {
        if time <= self.observed {
            return Ok(());
        }
        self.observed = time;
        let min_live = self.min_live();
        let expired: Vec<i64> = self.segments.range(..min_live).map(|(id, _)| *id).collect();
        for id in expired {
            let backend = self.segments.remove(&id);
            self.factory.remove(id, backend)?;
        }
        Ok(())
    }

    /// The live segment of `key` for writing, created if needed; `None` when it expired.
    fn writable(&mut self, key: &[u8]) -> Result<Option<&mut Box<dyn KeyValueBackend>>> {
        let time = self.time(key)?;
        self.observe(time)?;
        let id = self.segment_of(time);
        if id < self.min_live() {
            return Ok(None);
        }
        if !self.segments.contains_key(&id) {
            let backend = self.factory.open(id)?;
            self.segments.insert(id, backend);
        }
        Ok(self.segments.get_mut(&id))
    }
}

impl KeyValueBackend for SegmentedBackend {
    fn get(&self, key: &[u8]) -> Result<Option<Bytes>> {
        let id = self.segment_of(self.time(key)?);
        match self.segments.get(&id) {
            Some(segment) if id >= self.min_live() => segment.get(key),
            _ => Ok(None),
        }
    }
    fn put(&mut self, key: &[u8], value: &[u8]) -> Result<()> {
        match self.writable(key)? {
            Some(segment) => segment.put(key, value),
            None => Ok(()),
        }
    }
    fn delete(&mut self, key: &[u8]) -> Result<()> {
        let id = self.segment_of(self.time(key)?);
        match self.segments.get_mut(&id) {
            Some(segment) => segment.delete(key),
            None => Ok(()),
        }
    }
    fn write_all(&mut self, writes: &[(&[u8], Option<&[u8]>)]) -> Result<()> {
        // Moving the time first, as separate writes in this order would.
        for (key, value) in writes {
            if value.is_some() {
                let time = self.time(key)?;
                self.observe(time)?;
            }
        }
        let min_live = self.min_live();
        let mut by_segment: BTreeMap<i64, Vec<Write<'_>>> = BTreeMap::new();
        for (key, value) in writes {
            let id = self.segment_of(self.time(key)?);
            if id >= min_live && (value.is_some() || self.segments.contains_key(&id)) {
                by_segment.entry(id).or_default().push((key, *value));
            }
        }
        for (id, batch) in by_segment {
            if !self.segments.contains_key(&id) {
                let backend = self.factory.open(id)?;
                self.segments.insert(id, backend);
            }
            self.segments
                .get_mut(&id)
                .expect("the segment was just opened")
                .write_all(&batch)?;
        }
        Ok(())
    }
    fn range(&self, from: Bound<&[u8]>, to: Bound<&[u8]>) -> Result<Vec<(Bytes, Bytes)>> {
        let min_live = self.min_live();
        let mut out = Vec::new();
        let mut parts = 0;
        for (_, segment) in self.segments.range(min_live..) {
            let part = segment.range(from, to)?;
            if !part.is_empty() {
                parts += 1;
            }
            out.extend(part);
        }
        if parts > 1 {
            out.sort_by(|a, b| a.0.cmp(&b.0));
        }
        Ok(out)
    }
    fn approximate_len(&self) -> u64 {
        self.segments.values().map(|s| s.approximate_len()).sum()
    }
    fn flush(&mut self) -> Result<()> {
        for segment in self.segments.values_mut() {
            segment.flush()?;
        }
        Ok(())
    }
    fn persistent(&self) -> bool {
        self.factory.persistent()
    }
    fn cache_reads(&self) -> bool {
        // A window is read back mostly by the records of its own commit interval
        // (dirty entries stay cached until the flush): keeping read misses and flushed
        // windows only churns the cache.
        false
    }
}

#[cfg(test)]
mod tests {
    use super::super::schema::{KeyLayout, window_key};
    use super::*;

    fn store() -> SegmentedBackend {
        let spec = Segmentation {
            layout: KeyLayout::Window,
            window_ms: 10,
            retention_ms: 100,
            segment_ms: 50,
            duplicates: false,
        };
        SegmentedBackend::open("w", spec, Box::new(MemorySegments)).unwrap()
    }

    #[test]
    fn segments_past_the_retention_go_whole_and_writes_to_them_are_ignored() {
        let mut s = store();
        s.put(&window_key(b"a", 0, 0), b"1").unwrap();
        s.put(&window_key(b"b", 60, 0), b"2").unwrap();
        assert_eq!(s.segments.len(), 2);
        assert_eq!(s.range(Bound::Unbounded, Bound::Unbounded).unwrap().len(), 2);
        // Time 150: live from segment (150 - 100) / 50 = 1.
        s.put(&window_key(b"c", 150, 0), b"3").unwrap();
        assert_eq!(s.get(&window_key(b"a", 0, 0)).unwrap(), None);
        assert_eq!(s.segments.keys().copied().collect::<Vec<_>>(), vec![1, 3]);
        s.put(&window_key(b"a", 10, 0), b"late").unwrap();
        assert_eq!(s.get(&window_key(b"a", 10, 0)).unwrap(), None);
        let keys: Vec<_> = s
            .range(Bound::Unbounded, Bound::Unbounded)
            .unwrap()
            .into_iter()
            .map(|(k, _)| k)
            .collect();
        assert_eq!(keys, vec![window_key(b"b", 60, 0), window_key(b"c", 150, 0)]);
        assert!(s.put(b"short", b"x").is_err());
    }
}
