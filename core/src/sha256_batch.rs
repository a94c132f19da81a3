//! Digests of many independent messages at once: a commit hashes thousands of short messages
//! (labeled and fork nodes, response hashes) whose inputs do not depend on each other within a
//! tree level, and an upload the chunks of one call, so they are collected first and digested
//! together, four at a time in the lanes of
//! a Wasm SIMD vector (see [`lanes`]). One four-lane compression is about 7.8 K Wasm operators
//! (no SIMD rotate: each rotation is two shifts and an or), so about 2 K per message block on
//! the meter against 4.9 K for scalar `sha2`.
//!
//! Owns only the hashing; callers decide what is independent. Invariant: `digests()[i]` is the
//! sha256 of the concatenation of the parts given to the `i`-th push (for
//! [`Sha256Batch::push_resumed`], of the blocks its state absorbed followed by the parts).

mod compress;
mod lanes;
#[cfg(test)]
mod tests;

use compress::{compress, IV};
use ic_certification::Hash;
use lanes::{Lanes, NativeLanes};
use sha2::digest::generic_array::GenericArray;

/// Messages waiting to be digested, each stored already padded (FIPS 180-4, 5.1.1), so a lane
/// reads its blocks in place.
#[derive(Debug, Default, Clone)]
pub struct Sha256Batch {
    /// The padded messages back to back: a whole number of 64-byte blocks.
    bytes: Vec<u8>,
    /// Index of the first block of each message (its last is just before the next one's).
    starts: Vec<usize>,
    /// Messages that continue a saved state, by increasing message index.
    resumed: Vec<Resumed>,
}

/// A message continuing a saved state.
#[derive(Debug, Clone)]
struct Resumed {
    /// Its index in push order.
    message: usize,
    /// The state it starts from.
    state: [u32; 8],
}

impl Sha256Batch {
    /// Adds the message `parts` concatenated; returns its index in [`Sha256Batch::digests`].
    pub fn push(&mut self, parts: &[&[u8]]) -> usize {
        self.push_after(0, parts)
    }

    /// Adds a message that continues a sha256 whose state is `state` after absorbing `blocks`
    /// whole 64-byte blocks (as `sha2::compress256` leaves it), with `parts` concatenated: the
    /// digest is that of the earlier blocks followed by the parts, so a common prefix is
    /// absorbed once and each continuation costs only its own blocks.
    pub fn push_resumed(&mut self, state: &[u32; 8], blocks: u64, parts: &[&[u8]]) -> usize {
        let message = self.push_after(blocks.wrapping_mul(64), parts);
        self.resumed.push(Resumed { message, state: *state });
        message
    }

    /// Adds `parts` padded as the end of a message whose first `earlier` bytes were absorbed.
    fn push_after(&mut self, earlier: u64, parts: &[&[u8]]) -> usize {
        let start = self.bytes.len();
        for part in parts {
            self.bytes.extend_from_slice(part);
        }
        let length = self.bytes.len() - start;
        self.bytes.push(0x80);
        self.bytes.resize(start + (length + 9).div_ceil(64) * 64 - 8, 0);
        self.bytes.extend_from_slice(&(length as u64).wrapping_add(earlier).wrapping_mul(8).to_be_bytes());
        self.starts.push(start / 64);
        self.starts.len() - 1
    }

    /// The digest of every message, in push order.
    pub fn digests(&self) -> Vec<Hash> {
        let blocks = self.bytes.as_chunks::<64>().0;
        let end = |i: usize| self.starts.get(i + 1).copied().unwrap_or(blocks.len());
        let initial = |i: usize| match self.resumed.binary_search_by_key(&i, |r| r.message) {
            Ok(at) => self.resumed[at].state,
            Err(_) => IV,
        };
        digest_lanes(self.starts.len(), |i| (&blocks[self.starts[i]..end(i)], &[][..]), initial)
    }

    /// Forgets every message, keeping the buffers.
    pub fn clear(&mut self) {
        self.bytes.clear();
        self.starts.clear();
        self.resumed.clear();
    }
}

/// The sha256 of each of `messages`, read in place: only the padded last one or two blocks of
/// each are copied (chunks of an upload are hashed so, without copying their content).
pub fn digest_each(messages: &[&[u8]]) -> Vec<Hash> {
    let tails: Vec<([[u8; 64]; 2], usize)> = messages.iter().map(|message| padded_tail(message)).collect();
    digest_lanes(messages.len(), |i| (messages[i].as_chunks::<64>().0, &tails[i].0[..tails[i].1]), |_| IV)
}

/// The last whole-block-less bytes of `message` padded: one block, or two when the length does
/// not fit after them.
fn padded_tail(message: &[u8]) -> ([[u8; 64]; 2], usize) {
    let rest = message.as_chunks::<64>().1;
    let count = if rest.len() + 9 <= 64 { 1 } else { 2 };
    let mut tail = [[0u8; 64]; 2];
    let flat = tail.as_flattened_mut();
    flat[..rest.len()].copy_from_slice(rest);
    flat[rest.len()] = 0x80;
    flat[64 * count - 8..64 * count].copy_from_slice(&(message.len() as u64).wrapping_mul(8).to_be_bytes());
    (tail, count)
}

/// Digests `count` messages, message `i` being the blocks `source(i)` gives (whole blocks, then
/// the padded tail), four lanes at a time. Each lane takes the next message as soon as its own
/// ends, so messages of different lengths keep every lane busy until fewer than four remain; a
/// message left alone finishes with scalar compressions, which cost less than a four-lane pass
/// with three lanes idle. Message `i` starts from the state `initial(i)`.
fn digest_lanes<'a>(
    count: usize,
    source: impl Fn(usize) -> (&'a [[u8; 64]], &'a [[u8; 64]]),
    initial: impl Fn(usize) -> [u32; 8],
) -> Vec<Hash> {
    let lane = |index: usize| (index < count).then(|| Lane::new(index, source(index)));
    let mut digests = vec![[0u8; 32]; count];
    let starts = [0, 1, 2, 3].map(|i| if i < count { initial(i) } else { IV });
    let mut state: [NativeLanes; 8] = core::array::from_fn(|w| NativeLanes::from_array(starts.map(|start| start[w])));
    let mut lanes: [Option<Lane<'a>>; 4] = [0, 1, 2, 3].map(lane);
    let mut next = 4;
    while lanes.iter().any(Option::is_some) {
        if next >= count && lanes.iter().flatten().count() == 1 {
            let words = state.map(NativeLanes::to_array);
            for (i, slot) in lanes.iter().enumerate() {
                if let Some(lane) = slot {
                    digests[lane.index] = lane.finish_scalar(words.map(|word| word[i]));
                }
            }
            break;
        }
        compress(&mut state, lanes.each_ref().map(|lane| lane.as_ref().map_or(&ZERO_BLOCK, Lane::block)));
        let mut ended = false;
        for lane in lanes.iter_mut().flatten() {
            lane.next += 1;
            ended |= lane.done();
        }
        if !ended {
            continue;
        }
        // Lanes whose message ended hand out its digest and restart on the next message.
        let mut words = state.map(NativeLanes::to_array);
        for (i, slot) in lanes.iter_mut().enumerate() {
            let Some(index) = slot.as_ref().filter(|lane| lane.done()).map(|lane| lane.index) else { continue };
            for (out, word) in digests[index].as_chunks_mut::<4>().0.iter_mut().zip(&mut words) {
                *out = word[i].to_be_bytes();
            }
            let start = if next < count { initial(next) } else { IV };
            for (word, start) in words.iter_mut().zip(start) {
                word[i] = start;
            }
            *slot = lane(next);
            next += 1;
        }
        state = words.map(NativeLanes::from_array);
    }
    digests
}

/// Fed to lanes with no message left; their result is discarded.
const ZERO_BLOCK: [u8; 64] = [0; 64];

/// One message being absorbed by a lane.
#[derive(Debug)]
struct Lane<'a> {
    /// Position in push order.
    index: usize,
    /// Its whole blocks, read in place.
    whole: &'a [[u8; 64]],
    /// Its padded last blocks (empty when `whole` holds the padding too).
    tail: &'a [[u8; 64]],
    /// Next block to absorb.
    next: usize,
}

impl<'a> Lane<'a> {
    fn new(index: usize, (whole, tail): (&'a [[u8; 64]], &'a [[u8; 64]])) -> Lane<'a> {
        Lane { index, whole, tail, next: 0 }
    }

    fn done(&self) -> bool {
        self.next == self.whole.len() + self.tail.len()
    }

    fn block(&self) -> &'a [u8; 64] {
        match self.whole.get(self.next) {
            Some(block) => block,
            None => &self.tail[self.next - self.whole.len()],
        }
    }

    /// Absorbs the remaining blocks into `state` one at a time and returns the digest.
    fn finish_scalar(&self, mut state: [u32; 8]) -> Hash {
        let whole = self.whole.get(self.next..).unwrap_or_default();
        let tail = self.tail.get(self.next.saturating_sub(self.whole.len())..).unwrap_or_default();
        for block in whole.iter().chain(tail) {
            sha2::compress256(&mut state, std::slice::from_ref(GenericArray::from_slice(block)));
        }
        let mut digest = [0u8; 32];
        for (out, word) in digest.as_chunks_mut::<4>().0.iter_mut().zip(state) {
            *out = word.to_be_bytes();
        }
        digest
    }
}
