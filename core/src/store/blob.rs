//! The blob region: a raw virtual memory holding content bytes, managed as extents.
//!
//! Owns the data memory, the free list (two stable maps: by offset for coalescing, by size for
//! best fit) and the end mark. Knows nothing of assets or chunks: callers own the extents they
//! were given and must free each exactly once. Invariant: free extents never overlap, never
//! touch each other (they are coalesced) and never reach the end mark (a free tail lowers it).
//! Bytes are written once, straight into the memory, for close to one instruction per byte.

use super::WASM_PAGE;
use ic_stable_structures::storable::Bound;
use ic_stable_structures::{Memory, StableBTreeMap, StableCell, Storable};
use std::borrow::Cow;


/// A byte range of the blob region. Zero-length extents own no storage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Extent {
    /// Offset in the blob region.
    pub offset: u64,
    /// Length in bytes.
    pub len: u64,
}

impl Extent {
    /// Encoded size in stable records.
    pub const ENCODED_LEN: usize = 16;

    /// Appends the fixed 16-byte big-endian encoding.
    pub fn encode_into(&self, out: &mut Vec<u8>) {
        out.extend_from_slice(&self.offset.to_be_bytes());
        out.extend_from_slice(&self.len.to_be_bytes());
    }

    /// Decodes from exactly 16 bytes.
    pub fn decode(bytes: &[u8]) -> Self {
        Extent {
            offset: u64_at(bytes, 0),
            len: u64_at(bytes, 8),
        }
    }
}

/// Reads a big-endian u64 at `at` (stored records are written by this crate, so sizes hold).
pub(crate) fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0u8; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    u64::from_be_bytes(b)
}

/// Key of the size index: best fit is the first entry at or above `(len, 0)`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct BySize {
    len: u64,
    offset: u64,
}

impl Storable for BySize {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        Cow::Owned(self.into_bytes())
    }
    fn into_bytes(self) -> Vec<u8> {
        let mut v = Vec::with_capacity(16);
        v.extend_from_slice(&self.len.to_be_bytes());
        v.extend_from_slice(&self.offset.to_be_bytes());
        v
    }
    fn from_bytes(bytes: Cow<[u8]>) -> Self {
        BySize {
            len: u64_at(&bytes, 0),
            offset: u64_at(&bytes, 8),
        }
    }
    const BOUND: Bound = Bound::Bounded {
        max_size: 16,
        is_fixed_size: true,
    };
}

/// Extent allocator over a raw memory.
pub struct BlobRegion<M: Memory> {
    data: M,
    free_by_offset: StableBTreeMap<u64, u64, M>,
    free_by_size: StableBTreeMap<BySize, (), M>,
    end: StableCell<u64, M>,
}

impl<M: Memory> BlobRegion<M> {
    /// Opens (or initialises, if empty) the region over its four memories.
    pub fn init(data: M, free_by_offset: M, free_by_size: M, end: M) -> Self {
        BlobRegion {
            data,
            free_by_offset: StableBTreeMap::init(free_by_offset),
            free_by_size: StableBTreeMap::init(free_by_size),
            end: StableCell::init(end, 0),
        }
    }

    /// Allocates `len` bytes (best fit from the free list, else at the end) and writes `bytes`
    /// into them. Traps only if stable memory cannot grow, which rolls the message back.
    pub fn write_new(&mut self, bytes: &[u8]) -> Extent {
        let extent = self.allocate(bytes.len() as u64);
        if extent.len > 0 {
            self.data.write(extent.offset, bytes);
        }
        extent
    }

    fn allocate(&mut self, len: u64) -> Extent {
        if len == 0 {
            return Extent { offset: 0, len: 0 };
        }
        let fit = self
            .free_by_size
            .range(BySize { len, offset: 0 }..)
            .next()
            .map(|e| *e.key());
        if let Some(fit) = fit {
            self.free_by_size.remove(&fit);
            self.free_by_offset.remove(&fit.offset);
            if fit.len > len {
                self.insert_free(fit.offset + len, fit.len - len);
            }
            return Extent {
                offset: fit.offset,
                len,
            };
        }
        let offset = *self.end.get();
        let new_end = offset + len;
        let have = self.data.size() * WASM_PAGE;
        if new_end > have {
            let pages = (new_end - have).div_ceil(WASM_PAGE);
            if self.data.grow(pages) < 0 {
                panic!("stable memory exhausted: cannot grow the blob region by {pages} pages");
            }
        }
        self.end.set(new_end);
        Extent { offset, len }
    }

    /// Returns an extent to the free list, merging it with free neighbours.
    pub fn free(&mut self, extent: Extent) {
        if extent.len == 0 {
            return;
        }
        let mut offset = extent.offset;
        let mut len = extent.len;
        let before = self
            .free_by_offset
            .range(..offset)
            .next_back()
            .map(|e| (*e.key(), e.value()));
        if let Some((b_off, b_len)) = before {
            if b_off + b_len == offset {
                self.remove_free(b_off, b_len);
                offset = b_off;
                len += b_len;
            }
        }
        if let Some(a_len) = self.free_by_offset.get(&(offset + len)) {
            self.remove_free(offset + len, a_len);
            len += a_len;
        }
        if offset + len == *self.end.get() {
            self.end.set(offset);
        } else {
            self.insert_free(offset, len);
        }
    }

    fn insert_free(&mut self, offset: u64, len: u64) {
        self.free_by_offset.insert(offset, len);
        self.free_by_size.insert(BySize { len, offset }, ());
    }

    fn remove_free(&mut self, offset: u64, len: u64) {
        self.free_by_offset.remove(&offset);
        self.free_by_size.remove(&BySize { len, offset });
    }

    /// Reads `len` bytes starting `from` bytes into `extent` (clamped to the extent).
    pub fn read(&self, extent: Extent, from: u64, len: u64) -> Vec<u8> {
        let from = from.min(extent.len);
        let len = len.min(extent.len - from);
        let mut buf = vec![0u8; len as usize];
        if len > 0 {
            self.data.read(extent.offset + from, &mut buf);
        }
        buf
    }

    /// Appends `len` bytes starting `from` bytes into `extent` (clamped to the extent) to `out`,
    /// copied from stable memory straight into its spare capacity: no zeroing, no second copy,
    /// so serving a body costs one instruction per byte.
    pub fn append_to(&self, extent: Extent, from: u64, len: u64, out: &mut Vec<u8>) {
        let from = from.min(extent.len);
        let len = len.min(extent.len - from) as usize;
        if len == 0 {
            return;
        }
        out.reserve(len);
        let filled = out.len();
        // SAFETY: `reserve` left room for `len` bytes after `filled`; `Memory::read_unsafe`
        // initialises exactly `count` bytes at `dst` (or traps), so `set_len` exposes only
        // initialised bytes.
        unsafe {
            self.data.read_unsafe(extent.offset + from, out.as_mut_ptr().add(filled), len);
            out.set_len(filled + len);
        }
    }

    /// Fills `buf` with the bytes starting `from` bytes into `extent`; returns how many were
    /// copied (fewer than `buf.len()` at the extent's end).
    pub fn read_into(&self, extent: Extent, from: u64, buf: &mut [u8]) -> usize {
        let from = from.min(extent.len);
        let len = (buf.len() as u64).min(extent.len - from) as usize;
        if len > 0 {
            self.data.read(extent.offset + from, &mut buf[..len]);
        }
        len
    }

    /// Bytes between the region start and the end mark (allocated plus interior free space).
    pub fn end(&self) -> u64 {
        *self.end.get()
    }

    /// Free extents in offset order (for tests and diagnostics).
    pub fn free_extents(&self) -> Vec<Extent> {
        self.free_by_offset
            .iter()
            .map(|e| Extent {
                offset: *e.key(),
                len: e.value(),
            })
            .collect()
    }
}
