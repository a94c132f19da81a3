//! The arena under the stable tree: fixed-size slots in one memory, the header in slot 0, a free
//! list, and overflow chains for payloads too long to sit inline.
//!
//! Owns the byte layout of every slot and slot allocation; knows nothing of treaps or hashing.
//! Invariant: every slot below the high-water mark is the header, a node, an overflow piece or
//! on the free list, and every read is checked against the high-water mark and the memory size,
//! so corrupt bytes give [`StableTreeError::Corrupt`], never an out-of-bounds read.

use super::StableTreeError;
use ic_certification::Hash;
use ic_stable_structures::Memory;
use std::borrow::Cow;
use std::cmp::Ordering;

/// Bytes per slot.
pub(super) const SLOT: u64 = 160;
/// Payload bytes (label, then leaf) a node holds inline.
const INLINE: usize = 48;
/// Payload bytes one overflow piece holds.
const PIECE: usize = SLOT as usize - 8;
const PAGE: u64 = 65_536;
const MAGIC: [u8; 4] = *b"CTRE";
/// Layout version; an arena of another version is not opened.
pub(super) const VERSION: u8 = 1;
/// Number of roots the header holds.
pub(super) const ROOTS: usize = 2;

const KIND_FREE: u8 = 0;
const KIND_LEAF: u8 = 1;
const KIND_MAP: u8 = 2;
const KIND_PIECE: u8 = 3;
const DATA_CLEAN: u8 = 1;
const HASH_CLEAN: u8 = 2;
const OVERFLOW: u8 = 4;
/// The leaf bytes are the hash of a pruned value, not a leaf's content.
const PRUNED: u8 = 8;

/// Offsets in a node slot; see [`Arena`]. The flags and the subtree hash come first, so a
/// pruned sibling costs a 36-byte read; dirty marking writes only the flags byte.
const FLAGS_AT: usize = 1;
const HASH_AT: usize = 4;
const DATA_AT: usize = 36;
const LEFT_AT: usize = 68;
const RIGHT_AT: usize = 72;
const CHILD_AT: usize = 76;
const OVERFLOW_AT: usize = 80;
const LABEL_LEN_AT: usize = 84;
const LEAF_LEN_AT: usize = 88;
const AUX_AT: usize = 92;
const PRIORITY_AT: usize = 100;
const INLINE_AT: usize = 112;

/// Slot 0: what the arena needs to reopen. Allocation changes it on the heap only; the
/// public changes of [`super::StableTree`] write it once when they end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Header {
    /// Slots in use or freed so far (slot 0 included): every index below it is valid.
    pub high_water: u32,
    /// First free slot, 0 when none.
    pub free: u32,
    /// Root node of each top-level map, 0 when empty.
    pub roots: [u32; ROOTS],
    /// Hash of each top-level map as of the last rehash; valid when `clean`.
    pub hashes: [Hash; ROOTS],
    /// No change since the last rehash.
    pub clean: bool,
    /// The owner's stamp of what the content was derived with (see [`super::StableTree::stamp`]).
    pub stamp: Hash,
}

/// A map entry as stored: one treap node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Node {
    pub label: Vec<u8>,
    pub priority: u64,
    /// The leaf's bytes, or `None` when the value is a map rooted at `child`.
    pub leaf: Option<Vec<u8>>,
    /// Whether `leaf` holds the hash of a pruned value rather than a leaf's bytes.
    pub pruned: bool,
    pub child: u32,
    pub left: u32,
    pub right: u32,
    pub aux: u64,
    pub data: Option<Hash>,
    pub hash: Option<Hash>,
    /// First overflow piece holding `label ++ leaf`, 0 when inline.
    pub overflow: u32,
}

/// Layout of a node slot (big-endian integers):
/// `kind u8 | flags u8 | - [2] | subtree hash [32] | data hash [32] | left u32 | right u32
/// | child u32 | overflow u32 | label len u32 | leaf len u32 | aux u64 | priority u64 | - [4]
/// | inline payload [48]`; an overflow piece is `3 u8 | - [3] | next u32 | payload [152]`, a
/// free slot `0 u8 | - [3] | next free u32`. Flags: 1 data hash clean, 2 subtree hash clean,
/// 4 payload in overflow pieces, 8 a leaf slot holding a pruned value's hash.
#[derive(Debug)]
pub(super) struct Arena<M: Memory> {
    memory: M,
    pub header: Header,
}

fn flags(node: &Node) -> u8 {
    (u8::from(node.data.is_some()) * DATA_CLEAN)
        | (u8::from(node.hash.is_some()) * HASH_CLEAN)
        | (u8::from(node.overflow != 0) * OVERFLOW)
        | (u8::from(node.pruned) * PRUNED)
}

/// A node slot as read, checked for kind and inline length; fields are decoded on access.
#[derive(Debug)]
pub(super) struct View {
    b: [u8; SLOT as usize],
    /// The slot read.
    pub index: u32,
}

impl View {
    /// A buffer for [`Arena::read_view`].
    pub fn blank() -> View {
        View { b: [0; SLOT as usize], index: 0 }
    }
    pub fn is_leaf(&self) -> bool {
        self.b[0] == KIND_LEAF
    }
    /// A leaf slot whose bytes are a pruned value's hash.
    pub fn is_pruned(&self) -> bool {
        self.is_leaf() && self.b[FLAGS_AT] & PRUNED != 0
    }
    fn overflows(&self) -> bool {
        self.b[FLAGS_AT] & OVERFLOW != 0
    }
    pub fn left(&self) -> u32 {
        u32_at(&self.b, LEFT_AT)
    }
    pub fn right(&self) -> u32 {
        u32_at(&self.b, RIGHT_AT)
    }
    /// Root of the value's map (0 when empty or a leaf).
    pub fn child(&self) -> u32 {
        u32_at(&self.b, CHILD_AT)
    }
    pub fn label_len(&self) -> usize {
        u32_at(&self.b, LABEL_LEN_AT) as usize
    }
    fn leaf_len(&self) -> usize {
        u32_at(&self.b, LEAF_LEN_AT) as usize
    }
    pub fn aux(&self) -> u64 {
        u64_at(&self.b, AUX_AT)
    }
    pub fn data_hash(&self) -> Option<Hash> {
        (self.b[FLAGS_AT] & DATA_CLEAN != 0).then(|| hash_at(&self.b, DATA_AT))
    }
    pub fn subtree_hash(&self) -> Option<Hash> {
        (self.b[FLAGS_AT] & HASH_CLEAN != 0).then(|| hash_at(&self.b, HASH_AT))
    }
    pub fn priority(&self) -> u64 {
        u64_at(&self.b, PRIORITY_AT)
    }
    /// Points the left (`Less`) or right (`Greater`) link at `to`, in the buffer only.
    pub fn set_link(&mut self, side: Ordering, to: u32) {
        let at = if side == Ordering::Less { LEFT_AT } else { RIGHT_AT };
        self.b[at..at + 4].copy_from_slice(&to.to_be_bytes());
    }
    /// Marks the subtree hash dirty, in the buffer only (see [`Arena::write_links`]).
    pub fn clear_hash(&mut self) {
        self.b[FLAGS_AT] &= !HASH_CLEAN;
    }
    /// This node's flags once both its hashes are cached.
    pub fn clean_flags(&self) -> CleanFlags {
        CleanFlags(self.b[FLAGS_AT] | DATA_CLEAN | HASH_CLEAN)
    }
}

/// The flags byte of a node as read, with both hashes marked clean: what
/// [`Arena::write_hashes`] stores once the node is rehashed.
#[derive(Debug, Clone, Copy)]
pub(super) struct CleanFlags(u8);

/// Room for a label read by [`Arena::label`].
pub(super) type LabelBuf = [u8; SLOT as usize];

/// Overflow slots a payload of `len` bytes takes (for [`Arena::reserve`]).
pub(super) fn pieces(len: usize) -> u64 {
    if len <= INLINE {
        0
    } else {
        len.div_ceil(PIECE) as u64
    }
}

fn u32_at(bytes: &[u8], at: usize) -> u32 {
    u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]])
}

fn u64_at(bytes: &[u8], at: usize) -> u64 {
    let mut b = [0; 8];
    b.copy_from_slice(&bytes[at..at + 8]);
    u64::from_be_bytes(b)
}

fn hash_at(bytes: &[u8], at: usize) -> Hash {
    let mut h = [0; 32];
    h.copy_from_slice(&bytes[at..at + 32]);
    h
}

impl<M: Memory> Arena<M> {
    /// A fresh, empty arena over `memory` (whatever it held is abandoned).
    pub fn create(memory: M, stamp: Hash) -> Result<Arena<M>, StableTreeError> {
        let empty = ic_certification::empty().digest();
        let header = Header { high_water: 1, free: 0, roots: [0; ROOTS], hashes: [empty; ROOTS], clean: true, stamp };
        let arena = Arena { memory, header };
        arena.reserve(0)?;
        arena.write_header();
        Ok(arena)
    }

    /// The arena stored in `memory`; `None` when there is none this code can reuse: no magic,
    /// another layout version (older or newer code wrote it) or a header out of range. The
    /// trees are derived from the store, so the caller rebuilds them rather than fail an
    /// upgrade on them.
    pub fn open(memory: M) -> Option<Arena<M>> {
        if memory.size() == 0 {
            return None;
        }
        let mut b = [0u8; SLOT as usize];
        memory.read(0, &mut b);
        if b[..4] != MAGIC || b[4] != VERSION {
            return None;
        }
        let header = Header {
            high_water: u32_at(&b, 8),
            free: u32_at(&b, 12),
            roots: [u32_at(&b, 16), u32_at(&b, 20)],
            hashes: [hash_at(&b, 24), hash_at(&b, 56)],
            clean: b[5] == 1,
            stamp: hash_at(&b, 88),
        };
        let capacity = memory.size().saturating_mul(PAGE) / SLOT;
        let slots = u64::from(header.high_water);
        let in_range = |i: u32| u64::from(i) < slots;
        let sound = header.high_water != 0 && slots <= capacity && in_range(header.free) && header.roots.iter().all(|&r| in_range(r));
        sound.then_some(Arena { memory, header })
    }

    /// Persists the header.
    pub fn write_header(&self) {
        let h = &self.header;
        let mut b = [0u8; 120];
        b[..4].copy_from_slice(&MAGIC);
        b[4] = VERSION;
        b[5] = u8::from(h.clean);
        b[8..12].copy_from_slice(&h.high_water.to_be_bytes());
        b[12..16].copy_from_slice(&h.free.to_be_bytes());
        b[16..20].copy_from_slice(&h.roots[0].to_be_bytes());
        b[20..24].copy_from_slice(&h.roots[1].to_be_bytes());
        b[24..56].copy_from_slice(&h.hashes[0]);
        b[56..88].copy_from_slice(&h.hashes[1]);
        b[88..120].copy_from_slice(&h.stamp);
        self.memory.write(0, &b);
    }

    /// Grows the memory so that `extra` slots beyond the high-water mark fit: called before a
    /// change, so running out of memory fails before anything is written.
    pub fn reserve(&self, extra: u64) -> Result<(), StableTreeError> {
        let bytes = (u64::from(self.header.high_water) + extra).saturating_mul(SLOT);
        let have = self.memory.size().saturating_mul(PAGE);
        if bytes > have {
            let pages = (bytes - have).div_ceil(PAGE);
            if self.memory.grow(pages) < 0 {
                return Err(StableTreeError::OutOfMemory { slots: extra });
            }
        }
        if u32::try_from(u64::from(self.header.high_water) + extra).is_err() {
            return Err(StableTreeError::OutOfMemory { slots: extra });
        }
        Ok(())
    }

    fn read_slot(&self, index: u32) -> Result<[u8; SLOT as usize], StableTreeError> {
        if index == 0 || index >= self.header.high_water {
            return Err(StableTreeError::Corrupt { slot: index });
        }
        let mut b = [0u8; SLOT as usize];
        self.memory.read(u64::from(index) * SLOT, &mut b);
        Ok(b)
    }

    fn alloc(&mut self) -> Result<u32, StableTreeError> {
        let index = if self.header.free != 0 {
            let index = self.header.free;
            let b = self.read_slot(index)?;
            if b[0] != KIND_FREE {
                return Err(StableTreeError::Corrupt { slot: index });
            }
            self.header.free = u32_at(&b, 4);
            index
        } else {
            self.reserve(1)?;
            self.header.high_water += 1;
            self.header.high_water - 1
        };
        Ok(index)
    }

    /// Puts slot `index` on the free list.
    pub fn free(&mut self, index: u32) {
        let mut b = [0u8; 8];
        b[4..].copy_from_slice(&self.header.free.to_be_bytes());
        self.memory.write(u64::from(index) * SLOT, &b);
        self.header.free = index;
    }

    /// Reads node `index` without copying its payload out of the slot.
    pub fn view(&self, index: u32) -> Result<View, StableTreeError> {
        let mut view = View::blank();
        self.read_view(index, &mut view)?;
        Ok(view)
    }

    /// [`Arena::view`] into a caller's buffer: the serving walk moves no slot bytes around.
    pub fn read_view(&self, index: u32, view: &mut View) -> Result<(), StableTreeError> {
        if index == 0 || index >= self.header.high_water {
            return Err(StableTreeError::Corrupt { slot: index });
        }
        view.index = index;
        self.memory.read(u64::from(index) * SLOT, &mut view.b);
        let total = (view.label_len() as u64) + (view.leaf_len() as u64);
        if (view.b[0] != KIND_LEAF && view.b[0] != KIND_MAP) || (!view.overflows() && total > INLINE as u64) {
            return Err(StableTreeError::Corrupt { slot: index });
        }
        Ok(())
    }

    /// The label and leaf bytes of `view` (borrowed from the slot when inline).
    pub fn payload<'v>(&self, view: &'v View) -> Result<Cow<'v, [u8]>, StableTreeError> {
        let total = view.label_len().checked_add(view.leaf_len()).ok_or(StableTreeError::Corrupt { slot: view.index })?;
        if view.overflows() {
            Ok(Cow::Owned(self.read_chain(u32_at(&view.b, OVERFLOW_AT), total)?))
        } else {
            Ok(Cow::Borrowed(&view.b[INLINE_AT..INLINE_AT + total]))
        }
    }

    /// The label of `view`: borrowed from the slot when inline, else read from its first
    /// overflow piece into `buf` (one short read, no allocation; a label longer than a piece is
    /// read whole). Searches compare labels only, so they never read a long leaf.
    pub fn label<'v>(&self, view: &'v View, buf: &'v mut LabelBuf) -> Result<Cow<'v, [u8]>, StableTreeError> {
        let len = view.label_len();
        if !view.overflows() {
            return Ok(Cow::Borrowed(&view.b[INLINE_AT..INLINE_AT + len]));
        }
        let first = u32_at(&view.b, OVERFLOW_AT);
        if len > PIECE {
            return Ok(Cow::Owned(self.read_chain(first, len)?));
        }
        if first == 0 || first >= self.header.high_water {
            return Err(StableTreeError::Corrupt { slot: first });
        }
        self.memory.read(u64::from(first) * SLOT, &mut buf[..8 + len]);
        if buf[0] != KIND_PIECE {
            return Err(StableTreeError::Corrupt { slot: first });
        }
        Ok(Cow::Borrowed(&buf[8..8 + len]))
    }

    /// Reads node `index`, its payload included.
    pub fn node(&self, index: u32) -> Result<Node, StableTreeError> {
        self.decode(&self.view(index)?)
    }

    /// The node `view` holds, its payload included.
    pub fn decode(&self, view: &View) -> Result<Node, StableTreeError> {
        let payload = self.payload(view)?;
        let (label, leaf) = payload.split_at(view.label_len());
        let b = &view.b;
        Ok(Node {
            label: label.to_vec(),
            priority: u64_at(b, PRIORITY_AT),
            leaf: view.is_leaf().then(|| leaf.to_vec()),
            pruned: view.is_pruned(),
            child: view.child(),
            left: view.left(),
            right: view.right(),
            aux: u64_at(b, AUX_AT),
            data: view.data_hash(),
            hash: view.subtree_hash(),
            overflow: if view.overflows() { u32_at(b, OVERFLOW_AT) } else { 0 },
        })
    }

    /// The cached subtree hash of node `index`, `None` when dirty; reads 36 bytes.
    pub fn cached_hash(&self, index: u32) -> Result<Option<Hash>, StableTreeError> {
        if index == 0 || index >= self.header.high_water {
            return Err(StableTreeError::Corrupt { slot: index });
        }
        let mut b = [0u8; HASH_AT + 32];
        self.memory.read(u64::from(index) * SLOT, &mut b);
        if b[0] != KIND_LEAF && b[0] != KIND_MAP {
            return Err(StableTreeError::Corrupt { slot: index });
        }
        Ok((b[FLAGS_AT] & HASH_CLEAN != 0).then(|| hash_at(&b, HASH_AT)))
    }

    /// Writes `node` to slot `index`; its payload must already be placed (see [`Arena::place`]).
    pub fn write(&self, index: u32, node: &Node) {
        let mut b = [0u8; SLOT as usize];
        b[0] = if node.leaf.is_some() { KIND_LEAF } else { KIND_MAP };
        b[FLAGS_AT] = flags(node);
        b[HASH_AT..HASH_AT + 32].copy_from_slice(&node.hash.unwrap_or_default());
        b[DATA_AT..DATA_AT + 32].copy_from_slice(&node.data.unwrap_or_default());
        b[LEFT_AT..LEFT_AT + 4].copy_from_slice(&node.left.to_be_bytes());
        b[RIGHT_AT..RIGHT_AT + 4].copy_from_slice(&node.right.to_be_bytes());
        b[CHILD_AT..CHILD_AT + 4].copy_from_slice(&node.child.to_be_bytes());
        b[OVERFLOW_AT..OVERFLOW_AT + 4].copy_from_slice(&node.overflow.to_be_bytes());
        let leaf = node.leaf.as_deref().unwrap_or_default();
        b[LABEL_LEN_AT..LABEL_LEN_AT + 4].copy_from_slice(&(node.label.len() as u32).to_be_bytes());
        b[LEAF_LEN_AT..LEAF_LEN_AT + 4].copy_from_slice(&(leaf.len() as u32).to_be_bytes());
        b[AUX_AT..AUX_AT + 8].copy_from_slice(&node.aux.to_be_bytes());
        b[PRIORITY_AT..PRIORITY_AT + 8].copy_from_slice(&node.priority.to_be_bytes());
        let mut len = INLINE_AT;
        if node.overflow == 0 {
            let end = INLINE_AT + node.label.len();
            b[INLINE_AT..end].copy_from_slice(&node.label);
            b[end..end + leaf.len()].copy_from_slice(leaf);
            len = end + leaf.len();
        }
        self.memory.write(u64::from(index) * SLOT, &b[..len]);
    }

    /// Caches both hashes of node `index` (read with `flags`): one write of its flags and
    /// hashes, the rest of the slot untouched.
    pub fn write_hashes(&self, index: u32, flags: CleanFlags, data: &Hash, hash: &Hash) {
        let mut b = [0u8; DATA_AT + 32 - FLAGS_AT];
        b[0] = flags.0;
        b[HASH_AT - FLAGS_AT..DATA_AT - FLAGS_AT].copy_from_slice(hash);
        b[DATA_AT - FLAGS_AT..].copy_from_slice(data);
        self.memory.write(u64::from(index) * SLOT + FLAGS_AT as u64, &b);
    }

    /// Sets the child map root of node `index` in place (4 bytes; the caller marks it dirty).
    pub fn write_child(&self, index: u32, child: u32) {
        self.memory.write(u64::from(index) * SLOT + CHILD_AT as u64, &child.to_be_bytes());
    }

    /// Sets the `aux` word of node `index` in place (8 bytes; `aux` is not hashed, so nothing
    /// becomes dirty).
    pub fn write_aux(&self, index: u32, aux: u64) {
        self.memory.write(u64::from(index) * SLOT + AUX_AT as u64, &aux.to_be_bytes());
    }

    /// Marks the subtree hash of `view`'s node dirty, and its data hash too when `data`,
    /// writing the flags byte only when it changes.
    pub fn mark_dirty(&self, view: &mut View, data: bool) {
        let before = view.b[FLAGS_AT];
        view.b[FLAGS_AT] &= !(HASH_CLEAN | if data { DATA_CLEAN } else { 0 });
        if view.b[FLAGS_AT] != before {
            self.memory.write(u64::from(view.index) * SLOT + FLAGS_AT as u64, &[view.b[FLAGS_AT]]);
        }
    }

    /// Writes `view`'s flags and links back to its slot (after [`View::set_link`] and
    /// [`Arena::mark_dirty`]): one write, the payload untouched.
    pub fn write_links(&self, view: &View) {
        self.memory.write(u64::from(view.index) * SLOT + FLAGS_AT as u64, &view.b[FLAGS_AT..CHILD_AT]);
    }

    /// Points the left (`Less`) or right (`Greater`) link of node `index` at `to` (4 bytes).
    pub fn write_link(&self, index: u32, side: Ordering, to: u32) {
        let at = if side == Ordering::Less { LEFT_AT } else { RIGHT_AT };
        self.memory.write(u64::from(index) * SLOT + at as u64, &to.to_be_bytes());
    }

    /// Allocates a slot for `node` (placing its payload) and writes it.
    pub fn insert(&mut self, node: &mut Node) -> Result<u32, StableTreeError> {
        self.place(node)?;
        let index = self.alloc()?;
        self.write(index, node);
        Ok(index)
    }

    /// Frees `node`'s old overflow chain, and writes its payload to a new one when it does
    /// not fit inline (call after changing the leaf).
    pub fn place(&mut self, node: &mut Node) -> Result<(), StableTreeError> {
        self.free_chain(node.overflow)?;
        node.overflow = 0;
        let leaf = node.leaf.as_deref().unwrap_or_default();
        if node.label.len() + leaf.len() <= INLINE {
            return Ok(());
        }
        let (label, total) = (&node.label[..], node.label.len() + leaf.len());
        let mut next = 0u32;
        let mut b = [0u8; SLOT as usize];
        b[0] = KIND_PIECE;
        // Pieces are written last to first, each pointing at the one after it.
        for start in (0..total).step_by(PIECE).rev() {
            let end = (start + PIECE).min(total);
            let index = self.alloc()?;
            b[4..8].copy_from_slice(&next.to_be_bytes());
            // This piece's part of `label ++ leaf`.
            let in_label = start.min(label.len())..end.min(label.len());
            let in_leaf = start.max(label.len()) - label.len()..end.max(label.len()) - label.len();
            let split = 8 + in_label.len();
            b[8..split].copy_from_slice(&label[in_label]);
            b[split..8 + end - start].copy_from_slice(&leaf[in_leaf]);
            self.memory.write(u64::from(index) * SLOT, &b[..8 + end - start]);
            next = index;
        }
        node.overflow = next;
        Ok(())
    }

    /// Frees node `index` and its overflow chain.
    pub fn release(&mut self, index: u32, node: &Node) -> Result<(), StableTreeError> {
        self.free_chain(node.overflow)?;
        self.free(index);
        Ok(())
    }

    fn read_chain(&self, mut index: u32, len: usize) -> Result<Vec<u8>, StableTreeError> {
        if len > PIECE * self.header.high_water as usize {
            return Err(StableTreeError::Corrupt { slot: index });
        }
        let mut out = Vec::with_capacity(len);
        while out.len() < len {
            let b = self.read_slot(index)?;
            if b[0] != KIND_PIECE {
                return Err(StableTreeError::Corrupt { slot: index });
            }
            let take = (len - out.len()).min(PIECE);
            out.extend_from_slice(&b[8..8 + take]);
            index = u32_at(&b, 4);
        }
        Ok(out)
    }

    fn free_chain(&mut self, mut index: u32) -> Result<(), StableTreeError> {
        let mut steps = 0u32;
        while index != 0 {
            let b = self.read_slot(index)?;
            steps += 1;
            if b[0] != KIND_PIECE || steps > self.header.high_water {
                return Err(StableTreeError::Corrupt { slot: index });
            }
            let next = u32_at(&b, 4);
            self.free(index);
            index = next;
        }
        Ok(())
    }
}
