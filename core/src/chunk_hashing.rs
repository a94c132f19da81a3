//! Resumable hashing of the chunks a commit uses: progress kept on the heap between the
//! messages of one commit, keyed by an operation's chunk ids.
//!
//! Owns only hashing progress. It is heap state, never persisted (an upgrade drops it and the
//! next commit message starts over), and it decides nothing: `operations` looks finished hashes
//! up and re-validates the whole commit in the message that applies it. Invariant: a job's
//! hasher has been fed exactly the first bytes of the extents recorded in the job, in order; a
//! job whose chunks now have other extents (ids reused after `clear`) starts over.

use crate::content_hash::ContentHasher;
use crate::store::blob::{BlobRegion, Extent};
use ic_stable_structures::Memory;
use std::collections::HashMap;

/// Bytes read from stable memory per piece: the heap never holds a whole asset.
const READ_PIECE: u64 = 256 * 1024;

/// One operation's chunks, to hash in order.
pub(crate) struct ChunkList<'a> {
    /// Chunk ids, the job's key.
    pub ids: &'a [u64],
    /// Their extents, same order.
    pub extents: &'a [Extent],
}

#[derive(Debug)]
struct Job {
    extents: Vec<Extent>,
    /// Index of the extent being hashed.
    next: usize,
    /// Bytes of `extents[next]` already fed.
    offset: u64,
    hasher: ContentHasher,
}

impl Job {
    fn new(extents: &[Extent]) -> Job {
        Job { extents: extents.to_vec(), next: 0, offset: 0, hasher: ContentHasher::default() }
    }

    fn done(&self) -> bool {
        self.next == self.extents.len()
    }

    /// Feeds at most `*budget` bytes, reducing it by what was fed.
    fn advance<M: Memory>(&mut self, blob: &BlobRegion<M>, buf: &mut Vec<u8>, budget: &mut u64) {
        while let Some(extent) = self.extents.get(self.next).copied() {
            let left = extent.len - self.offset;
            if left == 0 {
                self.next += 1;
                self.offset = 0;
                continue;
            }
            let take = left.min(READ_PIECE).min(*budget);
            if take == 0 {
                return;
            }
            buf.resize(take as usize, 0);
            let n = blob.read_into(extent, self.offset, buf);
            self.hasher.update(&buf[..n]);
            self.offset += n as u64;
            *budget -= n as u64;
        }
    }
}

/// Hashing progress of the operations of commits in flight.
#[derive(Debug, Default)]
pub(crate) struct ChunkHashing {
    jobs: HashMap<Vec<u64>, Job>,
}

impl ChunkHashing {
    /// Hashes the listed chunk sequences in order, feeding at most `budget` bytes in total.
    /// Returns whether every list is now completely hashed.
    pub(crate) fn advance<M: Memory>(&mut self, blob: &BlobRegion<M>, lists: &[ChunkList<'_>], budget: u64) -> bool {
        let mut budget = budget;
        let mut buf = Vec::new();
        let mut all_done = true;
        for list in lists {
            let job = self.jobs.entry(list.ids.to_vec()).or_insert_with(|| Job::new(list.extents));
            if job.extents != list.extents {
                *job = Job::new(list.extents);
            }
            job.advance(blob, &mut buf, &mut budget);
            all_done &= job.done();
        }
        all_done
    }

    /// The hasher after every chunk of `ids`, if they are completely hashed over `extents`.
    pub(crate) fn finished(&self, ids: &[u64], extents: &[Extent]) -> Option<&ContentHasher> {
        self.jobs.get(ids).filter(|j| j.done() && j.extents == extents).map(|j| &j.hasher)
    }

    /// Drops the job of `ids` (its commit was applied).
    pub(crate) fn remove(&mut self, ids: &[u64]) {
        self.jobs.remove(ids);
    }

    /// Drops jobs of abandoned commits: those with a chunk that no longer exists.
    pub(crate) fn retain_live(&mut self, exists: impl Fn(u64) -> bool) {
        self.jobs.retain(|ids, _| ids.iter().all(|id| exists(*id)));
    }

    /// Drops every job (chunk ids may be reused).
    pub(crate) fn clear(&mut self) {
        self.jobs.clear();
    }

    /// Number of jobs kept.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.jobs.len()
    }
}
