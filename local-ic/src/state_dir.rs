//! `--state-dir`: a directory that makes a local IC survive restarts, by event sourcing.
//!
//! Holds the subnet's secret seed (so the root key and node key stay the same) and a write-ahead
//! journal of every ingress call the replica executed, with its time. On start the calls are
//! replayed in order at their recorded times; execution is deterministic given its inputs, so the
//! canisters come back exactly as they were. Owns only the files; it never executes anything.
//! Invariant: an entry is durable before its call executes, so nothing that ran is missing after
//! a crash, and a torn final entry (a crash mid-write) is dropped because its call never ran.
//!
//! Layout: `seed` (64 hex digits), `journal` (a sequence of records: 4-byte big-endian length,
//! then one CBOR-encoded [`JournalEntry`]).

use std::fs::{File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use candid::Principal;
use serde::{Deserialize, Serialize};

const SEED_FILE: &str = "seed";
const JOURNAL_FILE: &str = "journal";

/// Why a state directory could not be used.
#[derive(Debug, thiserror::Error)]
pub enum StateDirError {
    /// A file could not be read, written or created.
    #[error("{path}: {source}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The operating system's error.
        source: std::io::Error,
    },
    /// The seed file is not 64 hex digits.
    #[error("{path}: not a 32-byte hex seed")]
    BadSeed {
        /// The seed file.
        path: PathBuf,
    },
    /// A complete journal record does not decode.
    #[error("{path}: record {index} is corrupt: {reason}")]
    CorruptJournal {
        /// The journal file.
        path: PathBuf,
        /// Zero-based record number.
        index: usize,
        /// What the decoder said.
        reason: String,
    },
    /// No randomness for a new seed.
    #[error("cannot generate a seed: {reason}")]
    Randomness {
        /// What the random source said.
        reason: String,
    },
}

/// One executed ingress call.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// IC time when it ran, nanoseconds since the epoch.
    pub time_ns: u64,
    /// The authenticated sender.
    pub sender: Principal,
    /// The callee (`aaaaa-aa` for management calls).
    pub canister_id: Principal,
    /// The method.
    pub method: String,
    /// The argument.
    #[serde(with = "serde_bytes")]
    pub arg: Vec<u8>,
}

/// An open state directory.
#[derive(Debug)]
pub struct StateDir {
    journal_path: PathBuf,
    journal: File,
    seed: [u8; 32],
}

impl StateDir {
    /// Opens `dir` (creating it, a fresh seed and an empty journal if needed) and returns it with
    /// the entries to replay.
    pub fn open(dir: &Path) -> Result<(Self, Vec<JournalEntry>), StateDirError> {
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |source| StateDirError::Io { path, source }
        };
        std::fs::create_dir_all(dir).map_err(io(dir))?;
        let seed_path = dir.join(SEED_FILE);
        let seed = if seed_path.exists() {
            let text = std::fs::read_to_string(&seed_path).map_err(io(&seed_path))?;
            hex::decode(text.trim())
                .ok()
                .and_then(|bytes| <[u8; 32]>::try_from(bytes).ok())
                .ok_or_else(|| StateDirError::BadSeed { path: seed_path.clone() })?
        } else {
            let mut seed = [0u8; 32];
            getrandom::getrandom(&mut seed)
                .map_err(|error| StateDirError::Randomness { reason: error.to_string() })?;
            std::fs::write(&seed_path, hex::encode(seed)).map_err(io(&seed_path))?;
            seed
        };
        let journal_path = dir.join(JOURNAL_FILE);
        let mut bytes = Vec::new();
        if journal_path.exists() {
            File::open(&journal_path)
                .and_then(|mut file| file.read_to_end(&mut bytes))
                .map_err(io(&journal_path))?;
        }
        let (entries, complete) = decode_records(&bytes, &journal_path)?;
        let journal = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(false)
            .open(&journal_path)
            .map_err(io(&journal_path))?;
        journal.set_len(complete as u64).map_err(io(&journal_path))?;
        let mut state = Self { journal_path, journal, seed };
        state.seek_end()?;
        Ok((state, entries))
    }

    /// The subnet's secret seed.
    pub fn seed(&self) -> [u8; 32] {
        self.seed
    }

    /// Appends `entry` and syncs it to disk.
    pub fn append(&mut self, entry: &JournalEntry) -> Result<(), StateDirError> {
        let mut record = Vec::new();
        ciborium::into_writer(entry, &mut record).expect("writing CBOR into a Vec cannot fail");
        let length = u32::try_from(record.len()).expect("an ingress record is far below 4 GiB");
        let path = self.journal_path.clone();
        let io = move |source| StateDirError::Io { path, source };
        self.journal
            .write_all(&length.to_be_bytes())
            .and_then(|()| self.journal.write_all(&record))
            .and_then(|()| self.journal.sync_data())
            .map_err(io)
    }

    fn seek_end(&mut self) -> Result<(), StateDirError> {
        use std::io::Seek as _;
        let path = self.journal_path.clone();
        self.journal
            .seek(std::io::SeekFrom::End(0))
            .map(|_| ())
            .map_err(|source| StateDirError::Io { path, source })
    }
}

/// Decodes complete records; returns them and the byte length they cover (a torn tail is left out).
fn decode_records(bytes: &[u8], path: &Path) -> Result<(Vec<JournalEntry>, usize), StateDirError> {
    let mut entries = Vec::new();
    let mut at = 0;
    while let Some(header) = bytes.get(at..at + 4) {
        let length = u32::from_be_bytes(header.try_into().expect("four bytes")) as usize;
        let Some(record) = bytes.get(at + 4..at + 4 + length) else { break };
        let entry = ciborium::from_reader(record).map_err(|error| StateDirError::CorruptJournal {
            path: path.to_path_buf(),
            index: entries.len(),
            reason: error.to_string(),
        })?;
        entries.push(entry);
        at += 4 + length;
    }
    Ok((entries, at))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(n: u8) -> JournalEntry {
        JournalEntry {
            time_ns: u64::from(n),
            sender: Principal::anonymous(),
            canister_id: Principal::management_canister(),
            method: format!("m{n}"),
            arg: vec![n; usize::from(n)],
        }
    }

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("local-ic-state-dir-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn seed_and_entries_survive_reopening_and_a_torn_tail_is_dropped() {
        let dir = scratch("reopen");
        let (mut state, replay) = StateDir::open(&dir).unwrap();
        assert!(replay.is_empty());
        let seed = state.seed();
        state.append(&entry(1)).unwrap();
        state.append(&entry(2)).unwrap();
        drop(state);
        let mut torn = OpenOptions::new().append(true).open(dir.join(JOURNAL_FILE)).unwrap();
        torn.write_all(&[0, 0, 0, 50, 1, 2]).unwrap();
        drop(torn);

        let (mut state, replay) = StateDir::open(&dir).unwrap();
        assert_eq!(state.seed(), seed);
        assert_eq!(replay, vec![entry(1), entry(2)]);
        state.append(&entry(3)).unwrap();
        drop(state);
        let (_, replay) = StateDir::open(&dir).unwrap();
        assert_eq!(replay, vec![entry(1), entry(2), entry(3)]);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn corrupt_record_and_bad_seed_are_typed_errors() {
        let dir = scratch("corrupt");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(SEED_FILE), "zz").unwrap();
        assert!(matches!(StateDir::open(&dir), Err(StateDirError::BadSeed { .. })));
        std::fs::write(dir.join(SEED_FILE), hex::encode([1u8; 32])).unwrap();
        std::fs::write(dir.join(JOURNAL_FILE), [0, 0, 0, 2, 0xff, 0xff]).unwrap();
        assert!(matches!(StateDir::open(&dir), Err(StateDirError::CorruptJournal { index: 0, .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
