//! Stable memory: sparse 4 KiB chunks plus a journal of what the current message overwrote.
//!
//! Owns the bytes and the size (in 64 KiB pages). Must not enforce the subnet's limit (the
//! system API does). Invariant: `rollback` restores the exact bytes and size of the last
//! `commit`; chunks never written read as zero, so a large `grow` costs no memory.

use std::collections::HashMap;

use crate::limits::WASM_PAGE_BYTES;

const CHUNK: usize = 4096;

type Chunk = Box<[u8; CHUNK]>;

/// An access beyond the current stable memory size.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("stable memory out of bounds")]
pub struct StableOutOfBounds;

/// A canister's stable memory.
#[derive(Debug, Default)]
pub struct StableMemory {
    chunks: HashMap<u64, Chunk>,
    size_pages: u64,
    journal: Journal,
}

#[derive(Debug, Default)]
struct Journal {
    /// The content each chunk had at the last commit (`None`: it did not exist).
    before: HashMap<u64, Option<Chunk>>,
    size_pages: Option<u64>,
}

impl StableMemory {
    /// Current size in 64 KiB pages.
    pub fn size_pages(&self) -> u64 {
        self.size_pages
    }

    /// Current size in bytes.
    pub fn size_bytes(&self) -> u64 {
        self.size_pages * WASM_PAGE_BYTES
    }

    /// Grows by `pages` and returns the previous size in pages.
    pub fn grow(&mut self, pages: u64) -> u64 {
        let old = self.size_pages;
        self.journal.size_pages.get_or_insert(old);
        self.size_pages = old.saturating_add(pages);
        old
    }

    /// Copies `buf.len()` bytes starting at `offset` into `buf`.
    pub fn read(&self, offset: u64, buf: &mut [u8]) -> Result<(), StableOutOfBounds> {
        self.check(offset, buf.len())?;
        let mut done = 0;
        while done < buf.len() {
            let at = offset + done as u64;
            let (index, within) = (at / CHUNK as u64, (at % CHUNK as u64) as usize);
            let n = (CHUNK - within).min(buf.len() - done);
            match self.chunks.get(&index) {
                Some(chunk) => buf[done..done + n].copy_from_slice(&chunk[within..within + n]),
                None => buf[done..done + n].fill(0),
            }
            done += n;
        }
        Ok(())
    }

    /// Writes `data` starting at `offset`, journaling each chunk's first change in this message.
    pub fn write(&mut self, offset: u64, data: &[u8]) -> Result<(), StableOutOfBounds> {
        self.check(offset, data.len())?;
        let mut done = 0;
        while done < data.len() {
            let at = offset + done as u64;
            let (index, within) = (at / CHUNK as u64, (at % CHUNK as u64) as usize);
            let n = (CHUNK - within).min(data.len() - done);
            if !self.journal.before.contains_key(&index) {
                let previous = self.chunks.get(&index).cloned();
                self.journal.before.insert(index, previous);
            }
            let chunk = self.chunks.entry(index).or_insert_with(|| Box::new([0; CHUNK]));
            chunk[within..within + n].copy_from_slice(&data[done..done + n]);
            done += n;
        }
        Ok(())
    }

    /// Makes every change since the last commit permanent.
    pub fn commit(&mut self) {
        self.journal.before.clear();
        self.journal.size_pages = None;
    }

    /// Undoes every change since the last commit.
    pub fn rollback(&mut self) {
        for (index, previous) in self.journal.before.drain() {
            match previous {
                Some(chunk) => self.chunks.insert(index, chunk),
                None => self.chunks.remove(&index),
            };
        }
        if let Some(size) = self.journal.size_pages.take() {
            self.size_pages = size;
        }
    }

    fn check(&self, offset: u64, len: usize) -> Result<(), StableOutOfBounds> {
        match offset.checked_add(len as u64) {
            Some(end) if end <= self.size_bytes() => Ok(()),
            _ => Err(StableOutOfBounds),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[derive(Clone, Debug)]
    enum Op {
        Grow(u64),
        Write(u64, Vec<u8>),
        Commit,
        Rollback,
    }

    fn op() -> impl Strategy<Value = Op> {
        prop_oneof![
            (0u64..2).prop_map(Op::Grow),
            (0u64..140_000, proptest::collection::vec(any::<u8>(), 0..9_000))
                .prop_map(|(o, d)| Op::Write(o, d)),
            Just(Op::Commit),
            Just(Op::Rollback),
        ]
    }

    proptest! {
        /// Against a naive model: a plain byte vector with a saved copy for rollback.
        #[test]
        fn behaves_like_a_vector_with_a_saved_copy(ops in proptest::collection::vec(op(), 1..40)) {
            let mut memory = StableMemory::default();
            let (mut model, mut saved) = (Vec::<u8>::new(), Vec::<u8>::new());
            for op in ops {
                match op {
                    Op::Grow(pages) => {
                        prop_assert_eq!(memory.grow(pages) * WASM_PAGE_BYTES, model.len() as u64);
                        model.resize(model.len() + (pages * WASM_PAGE_BYTES) as usize, 0);
                    }
                    Op::Write(offset, data) => {
                        let fits = offset as usize + data.len() <= model.len();
                        prop_assert_eq!(memory.write(offset, &data).is_ok(), fits);
                        if fits {
                            model[offset as usize..offset as usize + data.len()].copy_from_slice(&data);
                        }
                    }
                    Op::Commit => { memory.commit(); saved.clone_from(&model); }
                    Op::Rollback => { memory.rollback(); model.clone_from(&saved); }
                }
                let mut all = vec![0xAA; model.len()];
                memory.read(0, &mut all).unwrap();
                prop_assert_eq!(&all, &model);
                prop_assert_eq!(memory.read(model.len() as u64, &mut [0]), Err(StableOutOfBounds));
            }
        }
    }
}
