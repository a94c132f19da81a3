//! Per-canister state that outlives a single message, and its rollback.
//!
//! Owns stable memory, certified data and the global timer of a canister (the heap and globals
//! live in the canister's Wasm instance; see `execution`). Must not run code. Invariant: after
//! [`SystemState::rollback`] the state is exactly what it was at the last
//! [`SystemState::checkpoint`], whatever happened in between.

mod stable_memory;

pub use stable_memory::StableMemory;

/// The state a message can change besides the heap and globals.
#[derive(Debug, Default)]
pub struct SystemState {
    /// Stable memory, with its per-message journal.
    pub stable: StableMemory,
    /// The bytes set with `ic0.certified_data_set`.
    pub certified_data: Vec<u8>,
    /// The global timer deadline in nanoseconds; 0 means not set.
    pub global_timer: u64,
    saved: Saved,
}

#[derive(Debug, Default)]
struct Saved {
    certified_data: Vec<u8>,
    global_timer: u64,
}

impl SystemState {
    /// Marks the current state as the one [`Self::rollback`] returns to.
    pub fn checkpoint(&mut self) {
        self.stable.commit();
        self.saved.certified_data.clone_from(&self.certified_data);
        self.saved.global_timer = self.global_timer;
    }

    /// Discards every change since the last checkpoint.
    pub fn rollback(&mut self) {
        self.stable.rollback();
        self.certified_data.clone_from(&self.saved.certified_data);
        self.global_timer = self.saved.global_timer;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rollback_restores_certified_data_timer_and_stable_memory() {
        let mut state = SystemState::default();
        state.stable.grow(1);
        state.stable.write(0, b"kept").unwrap();
        state.certified_data = b"old".to_vec();
        state.global_timer = 7;
        state.checkpoint();
        state.stable.write(0, b"lost").unwrap();
        state.stable.grow(3);
        state.certified_data = b"new".to_vec();
        state.global_timer = 9;
        state.rollback();
        let mut buf = [0u8; 4];
        state.stable.read(0, &mut buf).unwrap();
        assert_eq!(&buf, b"kept");
        assert_eq!(state.stable.size_pages(), 1);
        assert_eq!(state.certified_data, b"old");
        assert_eq!(state.global_timer, 7);
    }
}
