//! The record region: a raw virtual memory holding variable-length records (one per asset, the
//! precomputed HTTP responses `certification::record` lays out), addressed by a `u64`.
//!
//! Owns the allocator: size classes, their free lists and the end mark, all kept in the region's
//! own first bytes, so nothing but the memory itself survives an upgrade. Knows nothing of what a
//! record means or which key owns it. Invariant: every block between the header and the end mark
//! is either live (handed out by [`RecordRegion::write`], not yet freed) or on exactly one free
//! list, and a read or free of anything but a live block's address is an error, never a panic or
//! a read of another record's bytes.
//!
//! Layout (integers big-endian):
//! ```text
//!  0      magic "RREC" | version u8 | 3 reserved | end u64 | CLASSES x free-list head u64
//!  HEADER blocks: tag u8 (LIVE, FREE) | class u8 | 2 reserved | len u32 | payload ...
//!         a free block keeps the next free block of its class (0 = none) in its first 8
//!         payload bytes; a block of class c spans class_size(c) bytes, header included
//! ```
//! A write costs one pass over the bytes (plus a few fixed-size header writes): no B-tree node
//! holds record bytes.

use super::WASM_PAGE;
use ic_stable_structures::Memory;
use thiserror::Error;

const MAGIC: &[u8; 4] = b"RREC";
const LAYOUT_VERSION: u8 = 1;
/// Size classes: four per doubling, from 32 bytes to beyond any record a `u32` length allows.
const CLASSES: usize = 112;
const END_AT: u64 = 8;
const HEADS_AT: u64 = 16;
/// Bytes before the first block.
const HEADER: u64 = HEADS_AT + 8 * CLASSES as u64;
/// Bytes of a block header.
const BLOCK_HEADER: u64 = 8;
const LIVE: u8 = 0xA5;
const FREE: u8 = 0x5A;

/// Why a record could not be written, read or freed; the region is left as it was.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RecordRegionError {
    /// The address does not designate a live record (never written, freed, or corrupt bytes).
    #[error("no live record at address {address}")]
    NotLive {
        /// The address given.
        address: u64,
    },
    /// The bytes asked for lie beyond the record.
    #[error("bytes {offset}..{end} are outside the {len}-byte record at {address}")]
    OutOfRange {
        /// The record's address.
        address: u64,
        /// First byte asked for.
        offset: u64,
        /// One past the last byte asked for.
        end: u64,
        /// The record's length.
        len: u32,
    },
    /// The record is longer than a block can hold.
    #[error("a record of {len} bytes is too large")]
    TooLarge {
        /// Length of the record.
        len: usize,
    },
    /// The record handle is not in use (never allocated, or released with its asset): the
    /// asset record naming it is corrupt.
    #[error("record handle {handle} is not in use")]
    UnknownHandle {
        /// The handle given.
        handle: u64,
    },
    /// There is no asset whose record this would be.
    #[error("no asset {key} to hold a record")]
    NoAsset {
        /// The key given.
        key: String,
    },
    /// Stable memory could not grow.
    #[error("stable memory exhausted: cannot grow the record region by {pages} pages")]
    OutOfMemory {
        /// Pages asked for.
        pages: u64,
    },
}

/// Size in bytes (block header included) of a block of class `class`.
fn class_size(class: usize) -> u64 {
    (4 + (class % 4) as u64) << (class / 4 + 3)
}

/// The smallest class whose blocks hold `len` payload bytes.
fn class_for(len: usize) -> Option<usize> {
    let need = len as u64 + BLOCK_HEADER;
    (0..CLASSES).find(|&c| class_size(c) >= need)
}

/// The allocator over one raw memory.
pub struct RecordRegion<M: Memory> {
    memory: M,
    /// The end mark, mirrored from the header (only this instance writes it), clamped to the
    /// memory's size so a corrupt mark never sends a read past it.
    end: u64,
}

/// A live block as its header describes it.
#[derive(Debug, Clone, Copy)]
struct Block {
    class: usize,
    len: u32,
}

impl<M: Memory> RecordRegion<M> {
    /// Opens the region over `memory`, writing an empty header if the memory is new. Returns the
    /// region and whether it was new (callers reset indexes that pointed into an older layout).
    pub fn init(memory: M) -> (Self, bool) {
        let mut region = RecordRegion { memory, end: 0 };
        let mut magic = [0u8; 5];
        if region.memory.size() > 0 {
            region.memory.read(0, &mut magic);
        }
        let fresh = magic[..4] != MAGIC[..] || magic[4] != LAYOUT_VERSION;
        if fresh {
            region.reset();
        }
        region.end = region.u64_at(END_AT).min(region.memory.size() * WASM_PAGE);
        (region, fresh)
    }

    /// Frees every record at once (the memory keeps its size for reuse).
    pub fn reset(&mut self) {
        if self.memory.size() == 0 && self.memory.grow(1) < 0 {
            panic!("stable memory exhausted: cannot create the record region");
        }
        let mut header = vec![0u8; HEADER as usize];
        header[..4].copy_from_slice(MAGIC);
        header[4] = LAYOUT_VERSION;
        header[8..16].copy_from_slice(&HEADER.to_be_bytes());
        self.memory.write(0, &header);
        self.end = HEADER;
    }

    /// Stores `bytes` as a new record and returns its address.
    pub fn write(&mut self, bytes: &[u8]) -> Result<u64, RecordRegionError> {
        let too_large = RecordRegionError::TooLarge { len: bytes.len() };
        let len = u32::try_from(bytes.len()).map_err(|_| too_large.clone())?;
        let class = class_for(bytes.len()).ok_or(too_large)?;
        let address = if let Some(head) = self.free_head(class) {
            let next = self.u64_at(head + BLOCK_HEADER);
            self.set_u64(HEADS_AT + 8 * class as u64, next);
            head
        } else {
            let end = self.end();
            let new_end = end + class_size(class);
            let have = self.memory.size() * WASM_PAGE;
            if new_end > have {
                let pages = (new_end - have).div_ceil(WASM_PAGE);
                if self.memory.grow(pages) < 0 {
                    return Err(RecordRegionError::OutOfMemory { pages });
                }
            }
            self.set_u64(END_AT, new_end);
            self.end = new_end;
            end
        };
        self.write_block_header(address, LIVE, class, len);
        self.memory.write(address + BLOCK_HEADER, bytes);
        Ok(address)
    }

    /// Frees the record at `address` for reuse by a record of the same size class.
    pub fn free(&mut self, address: u64) -> Result<(), RecordRegionError> {
        let block = self.block(address)?;
        let head_at = HEADS_AT + 8 * block.class as u64;
        let head = self.u64_at(head_at);
        self.write_block_header(address, FREE, block.class, 0);
        self.set_u64(address + BLOCK_HEADER, head);
        self.set_u64(head_at, address);
        Ok(())
    }

    /// The length of the record at `address`.
    pub fn len(&self, address: u64) -> Result<u32, RecordRegionError> {
        self.block(address).map(|b| b.len)
    }

    /// Fills `buf` with the record's bytes from `offset`; the whole range must lie in the record.
    pub fn read(&self, address: u64, offset: u64, buf: &mut [u8]) -> Result<(), RecordRegionError> {
        let block = self.block(address)?;
        self.read_in(address, block, offset, buf)
    }

    /// Reads the record's first `max` bytes (fewer if the record is shorter) together with its
    /// block header, in one read: what a reader needs first. Returns them and the record's length.
    pub fn read_prefix(&self, address: u64, max: usize) -> Result<(Vec<u8>, u32), RecordRegionError> {
        let not_live = RecordRegionError::NotLive { address };
        let available = self.end.checked_sub(address).filter(|&a| address >= HEADER && a >= BLOCK_HEADER).ok_or(not_live.clone())?;
        let want = (BLOCK_HEADER + max as u64).min(available) as usize;
        let mut buf = vec![0u8; want];
        self.memory.read(address, &mut buf);
        let header: [u8; BLOCK_HEADER as usize] = buf[..BLOCK_HEADER as usize].try_into().map_err(|_| not_live.clone())?;
        let block = self.check(address, header)?;
        buf.truncate((BLOCK_HEADER + u64::from(block.len)).min(want as u64) as usize);
        buf.drain(..BLOCK_HEADER as usize);
        Ok((buf, block.len))
    }

    /// Bytes from the region start to the end mark (live blocks, free blocks and the header).
    pub fn end(&self) -> u64 {
        self.end
    }

    /// The first free block of `class`, if its header says it is one; a list whose head is
    /// corrupt is abandoned (its blocks leak) rather than followed.
    fn free_head(&self, class: usize) -> Option<u64> {
        let head = self.u64_at(HEADS_AT + 8 * class as u64);
        let end = self.end();
        if head < HEADER || head.checked_add(class_size(class)).is_none_or(|e| e > end) {
            return None;
        }
        let mut header = [0u8; BLOCK_HEADER as usize];
        self.memory.read(head, &mut header);
        (header[0] == FREE && usize::from(header[1]) == class).then_some(head)
    }

    fn read_in(&self, address: u64, block: Block, offset: u64, buf: &mut [u8]) -> Result<(), RecordRegionError> {
        let end = offset.checked_add(buf.len() as u64).filter(|&e| e <= u64::from(block.len));
        let Some(_) = end else {
            return Err(RecordRegionError::OutOfRange {
                address,
                offset,
                end: offset.saturating_add(buf.len() as u64),
                len: block.len,
            });
        };
        if !buf.is_empty() {
            self.memory.read(address + BLOCK_HEADER + offset, buf);
        }
        Ok(())
    }

    /// The live block at `address`, every field checked against the region's bounds.
    fn block(&self, address: u64) -> Result<Block, RecordRegionError> {
        let not_live = RecordRegionError::NotLive { address };
        let end = self.end();
        if address < HEADER || address.checked_add(BLOCK_HEADER).is_none_or(|e| e > end) {
            return Err(not_live);
        }
        let mut header = [0u8; BLOCK_HEADER as usize];
        self.memory.read(address, &mut header);
        self.check(address, header)
    }

    /// The block a header read at `address` describes, if it is live and fits the region.
    fn check(&self, address: u64, header: [u8; BLOCK_HEADER as usize]) -> Result<Block, RecordRegionError> {
        let not_live = RecordRegionError::NotLive { address };
        let end = self.end;
        let class = usize::from(header[1]);
        let len = u32::from_be_bytes([header[4], header[5], header[6], header[7]]);
        let fits = class < CLASSES
            && u64::from(len) + BLOCK_HEADER <= class_size(class)
            && address.checked_add(class_size(class)).is_some_and(|e| e <= end);
        if header[0] != LIVE || !fits {
            return Err(not_live);
        }
        Ok(Block { class, len })
    }

    fn write_block_header(&mut self, address: u64, tag: u8, class: usize, len: u32) {
        let mut header = [0u8; BLOCK_HEADER as usize];
        header[0] = tag;
        header[1] = class as u8;
        header[4..].copy_from_slice(&len.to_be_bytes());
        self.memory.write(address, &header);
    }

    fn u64_at(&self, at: u64) -> u64 {
        let mut b = [0u8; 8];
        self.memory.read(at, &mut b);
        u64::from_be_bytes(b)
    }

    fn set_u64(&mut self, at: u64, value: u64) {
        self.memory.write(at, &value.to_be_bytes());
    }
}

#[cfg(test)]
mod tests;
