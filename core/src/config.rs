//! Canister configuration: upload limits and the last-change clock, kept in one stable cell.
//!
//! Owns `max_batches`, `max_chunks`, `max_bytes` and the time of the last asset change. Does
//! not enforce the limits (the batch module does). Invariant: `configure` with an outer `None`
//! leaves a limit untouched; `Some(None)` removes it.

use crate::store::blob::u64_at;
use crate::types::{ConfigurationResponse, ConfigureArguments};
use ic_stable_structures::storable::Bound;
use ic_stable_structures::Storable;
use std::borrow::Cow;

/// Largest page `list` returns, whatever `length` asks for.
pub const MAX_LIST_PAGE: u64 = 1_000;

/// Upload limits; `None` means unlimited.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Limits {
    /// Maximum number of batches.
    pub max_batches: Option<u64>,
    /// Maximum number of chunks.
    pub max_chunks: Option<u64>,
    /// Maximum bytes held in chunks.
    pub max_bytes: Option<u64>,
}

impl Limits {
    /// Applies a `configure` call.
    pub fn apply(&mut self, args: &ConfigureArguments) {
        if let Some(v) = args.max_batches {
            self.max_batches = v;
        }
        if let Some(v) = args.max_chunks {
            self.max_chunks = v;
        }
        if let Some(v) = args.max_bytes {
            self.max_bytes = v;
        }
    }

    /// The `get_configuration` view.
    pub fn response(&self) -> ConfigurationResponse {
        ConfigurationResponse {
            max_batches: self.max_batches,
            max_chunks: self.max_chunks,
            max_bytes: self.max_bytes,
        }
    }
}

/// What the settings cell stores.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Settings {
    /// Upload limits.
    pub limits: Limits,
    /// Time of the last change to assets, ns since the epoch.
    pub last_update_ns: u64,
}

fn put_opt(v: &mut Vec<u8>, x: Option<u64>) {
    v.push(x.is_some() as u8);
    v.extend_from_slice(&x.unwrap_or(0).to_be_bytes());
}

fn get_opt(b: &[u8], at: usize) -> Option<u64> {
    (b[at] == 1).then(|| u64_at(b, at + 1))
}

impl Storable for Settings {
    fn to_bytes(&self) -> Cow<'_, [u8]> {
        let mut v = Vec::with_capacity(35);
        put_opt(&mut v, self.limits.max_batches);
        put_opt(&mut v, self.limits.max_chunks);
        put_opt(&mut v, self.limits.max_bytes);
        v.extend_from_slice(&self.last_update_ns.to_be_bytes());
        Cow::Owned(v)
    }
    fn into_bytes(self) -> Vec<u8> {
        self.to_bytes().into_owned()
    }
    fn from_bytes(bytes: Cow<[u8]>) -> Self {
        Settings {
            limits: Limits {
                max_batches: get_opt(&bytes, 0),
                max_chunks: get_opt(&bytes, 9),
                max_bytes: get_opt(&bytes, 18),
            },
            last_update_ns: u64_at(&bytes, 27),
        }
    }
    const BOUND: Bound = Bound::Bounded {
        max_size: 35,
        is_fixed_size: true,
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn configure_distinguishes_unchanged_from_removed() {
        let mut l = Limits {
            max_batches: Some(1),
            max_chunks: Some(2),
            max_bytes: Some(3),
        };
        l.apply(&ConfigureArguments {
            max_batches: None,
            max_chunks: Some(None),
            max_bytes: Some(Some(9)),
        });
        assert_eq!(l.max_batches, Some(1));
        assert_eq!(l.max_chunks, None);
        assert_eq!(l.max_bytes, Some(9));
    }

    #[test]
    fn settings_round_trip() {
        let s = Settings {
            limits: Limits {
                max_batches: Some(4),
                max_chunks: None,
                max_bytes: Some(u64::MAX),
            },
            last_update_ns: 77,
        };
        assert_eq!(Settings::from_bytes(s.to_bytes()), s);
    }
}
