//! A zeroed array of fixed-size buckets, on huge pages where the system gives them.

/// One cache line of 8-byte words.
pub(crate) type Bucket = [u64; 8];

/// Below this many bytes a table stays on the heap: huge pages are 2 MiB.
const MAP_FROM: usize = 4 << 20;

/// Buckets (of words: any [`bytemuck::Pod`] array of `u64`) in an anonymous mapping
/// advised to use huge pages (Linux), else on the heap.
///
/// A random read of a table of hundreds of megabytes misses the TLB on nearly every
/// access with 4 KiB pages; with 2 MiB pages the page walks mostly go.
#[derive(Debug)]
pub(crate) enum Buckets<B = Bucket> {
    /// Page-aligned, so a bucket of a cache line is one line.
    Mapped(memmap2::MmapMut),
    /// Where no mapping could be made.
    Heap(Vec<B>),
}

impl<B: bytemuck::Pod> Buckets<B> {
    /// `n` buckets of zeros.
    pub(crate) fn zeroed(n: usize) -> Self {
        let bytes = n * std::mem::size_of::<B>();
        if bytes >= MAP_FROM
            && let Ok(map) = memmap2::MmapMut::map_anon(bytes)
        {
            #[cfg(target_os = "linux")]
            {
                // A hint: without huge pages the table works the same, slower.
                let _ = map.advise(memmap2::Advice::HugePage);
            }
            return Buckets::Mapped(map);
        }
        Buckets::Heap(vec![B::zeroed(); n])
    }

    /// The buckets.
    pub(crate) fn get(&self) -> &[B] {
        match self {
            Buckets::Mapped(map) => bytemuck::cast_slice(&map[..]),
            Buckets::Heap(buckets) => buckets,
        }
    }

    /// The buckets, to change.
    pub(crate) fn get_mut(&mut self) -> &mut [B] {
        match self {
            Buckets::Mapped(map) => bytemuck::cast_slice_mut(&mut map[..]),
            Buckets::Heap(buckets) => buckets,
        }
    }

    /// How many buckets.
    pub(crate) fn len(&self) -> usize {
        match self {
            Buckets::Mapped(map) => map.len() / std::mem::size_of::<B>(),
            Buckets::Heap(buckets) => buckets.len(),
        }
    }
}
