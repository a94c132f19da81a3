//! Digests of many independent messages at once: a commit hashes thousands of short messages
//! (labeled and fork nodes, response hashes) whose inputs do not depend on each other within a
//! tree level, so they are collected first and digested together, four at a time in the lanes of
//! a Wasm SIMD vector (see [`lanes`]). One four-lane compression costs about as much on the
//! meter as ... scalar ones (measured in BENCHMARKING.md).
//!
//! Owns only the hashing; callers decide what is independent. Invariant: `digests()[i]` is the
//! sha256 of the concatenation of the parts given to the `i`-th [`Sha256Batch::push`].

mod compress;
mod lanes;
#[cfg(test)]
mod tests;

use compress::{compress, IV};
use ic_certification::Hash;
use lanes::{Lanes, NativeLanes};

/// Messages waiting to be digested, stored back to back.
#[derive(Debug, Default, Clone)]
pub struct Sha256Batch {
    bytes: Vec<u8>,
    /// End offset of each message in `bytes`.
    ends: Vec<usize>,
}

impl Sha256Batch {
    /// An empty batch with room for `messages` messages of about `bytes_each` bytes.
    pub fn with_capacity(messages: usize, bytes_each: usize) -> Sha256Batch {
        Sha256Batch { bytes: Vec::with_capacity(messages * bytes_each), ends: Vec::with_capacity(messages) }
    }

    /// Adds the message `parts` concatenated; returns its index in [`Sha256Batch::digests`].
    pub fn push(&mut self, parts: &[&[u8]]) -> usize {
        for part in parts {
            self.bytes.extend_from_slice(part);
        }
        self.ends.push(self.bytes.len());
        self.ends.len() - 1
    }

    /// Number of messages pushed.
    pub fn len(&self) -> usize {
        self.ends.len()
    }

    /// Whether nothing was pushed.
    pub fn is_empty(&self) -> bool {
        self.ends.is_empty()
    }

    /// The digest of every message, in push order. Each of the four lanes takes the next
    /// message as soon as its own ends, so messages of different lengths keep every lane busy
    /// until fewer than four remain.
    pub fn digests(&self) -> Vec<Hash> {
        let mut digests = vec![[0u8; 32]; self.ends.len()];
        let mut state = IV.map(NativeLanes::splat);
        let mut lanes: [Option<Lane>; 4] = [0, 1, 2, 3].map(|i| self.message(i));
        let mut next = 4;
        while lanes.iter().any(Option::is_some) {
            let blocks = [0, 1, 2, 3].map(|i| lanes[i].as_ref().map_or(&ZERO_BLOCK, |lane| lane.block(&self.bytes)));
            compress(&mut state, blocks);
            for lane in lanes.iter_mut().flatten() {
                lane.next += 1;
            }
            if !lanes.iter().flatten().any(Lane::done) {
                continue;
            }
            // Lanes whose message ended hand out its digest and restart on the next message.
            let mut words = state.map(NativeLanes::to_array);
            for (i, slot) in lanes.iter_mut().enumerate() {
                if let Some(lane) = slot.as_ref().filter(|lane| lane.done()) {
                    for (out, word) in digests[lane.index].as_chunks_mut::<4>().0.iter_mut().zip(&mut words) {
                        *out = word[i].to_be_bytes();
                    }
                    for (word, iv) in words.iter_mut().zip(IV) {
                        word[i] = iv;
                    }
                    *slot = self.message(next);
                    next += 1;
                }
            }
            state = words.map(NativeLanes::from_array);
        }
        digests
    }

    /// Forgets every message, keeping the buffers.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.ends.clear();
    }

    /// Message `index` ready to feed a lane, `None` past the last.
    fn message(&self, index: usize) -> Option<Lane> {
        let end = *self.ends.get(index)?;
        let start = index.checked_sub(1).map_or(0, |i| self.ends[i]);
        Some(Lane::new(index, start, end, &self.bytes))
    }
}

/// Fed to lanes with no message left; their result is discarded.
const ZERO_BLOCK: [u8; 64] = [0; 64];

/// One message being absorbed by a lane.
#[derive(Debug)]
struct Lane {
    /// Position in push order.
    index: usize,
    /// Offset of the message in the batch's bytes.
    start: usize,
    /// Whole 64-byte blocks read in place.
    whole: usize,
    /// Blocks in all, with the padding.
    blocks: usize,
    /// Next block to absorb.
    next: usize,
    /// The last one or two blocks: the message's tail, `0x80`, zeros and its bit length.
    tail: [u8; 128],
}

impl Lane {
    fn new(index: usize, start: usize, end: usize, bytes: &[u8]) -> Lane {
        let length = end - start;
        let whole = length / 64;
        let rest = &bytes[start + 64 * whole..end];
        let tail_blocks = if rest.len() + 9 <= 64 { 1 } else { 2 };
        let mut tail = [0u8; 128];
        tail[..rest.len()].copy_from_slice(rest);
        tail[rest.len()] = 0x80;
        let bits = (length as u64).wrapping_mul(8).to_be_bytes();
        tail[64 * tail_blocks - 8..64 * tail_blocks].copy_from_slice(&bits);
        Lane { index, start, whole, blocks: whole + tail_blocks, next: 0, tail }
    }

    /// Whether every block was absorbed.
    fn done(&self) -> bool {
        self.next == self.blocks
    }

    /// The next block to absorb.
    fn block<'a>(&'a self, bytes: &'a [u8]) -> &'a [u8; 64] {
        let (source, at) = if self.next < self.whole {
            (bytes, self.start + 64 * self.next)
        } else {
            (&self.tail[..], 64 * (self.next - self.whole))
        };
        source[at..at + 64].as_chunks::<64>().0.first().unwrap_or(&ZERO_BLOCK)
    }
}
