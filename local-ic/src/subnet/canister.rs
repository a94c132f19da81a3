//! One canister's record in the subnet, and how canister ids are allocated.
//!
//! Owns the canister's controllers, cycles, version, system state and live instance together.
//! Must not run messages itself. Invariant: `system` and `code` always belong to the same
//! installation; they are replaced together on install, reinstall and upgrade.

use candid::Principal;

use crate::certification::CanisterCertifiedState;
use crate::execution::LiveInstance;
use crate::state::SystemState;

/// Cycles a new canister starts with (the local IC does not charge for execution or storage).
pub(crate) const INITIAL_CYCLES: u128 = 100_000_000_000_000;

/// First canister index of the local subnet's range (like the IC's first application subnets).
const RANGE_START: u64 = 0x0010_0000;
/// Last canister index of the local subnet's range.
const RANGE_END: u64 = 0x001F_FFFF;

/// The canister id for `index`: eight big-endian bytes and the opaque-id class bytes `0x01 0x01`.
pub(crate) fn canister_id(index: u64) -> Principal {
    let mut bytes = [0u8; 10];
    bytes[..8].copy_from_slice(&index.to_be_bytes());
    bytes[8] = 1;
    bytes[9] = 1;
    Principal::from_slice(&bytes)
}

/// The subnet's canister id range, inclusive.
pub(crate) fn canister_range() -> (Principal, Principal) {
    (canister_id(RANGE_START), canister_id(RANGE_END))
}

/// Index of the `n`-th canister created, if the range has room.
pub(crate) fn nth_index(n: u64) -> Option<u64> {
    RANGE_START.checked_add(n).filter(|index| *index <= RANGE_END)
}

/// A canister on the local subnet.
#[derive(Debug)]
pub(crate) struct Canister {
    pub controllers: Vec<Principal>,
    pub cycles: u128,
    pub version: u64,
    pub system: SystemState,
    pub code: Option<LiveInstance>,
}

impl Canister {
    pub(crate) fn new(controllers: Vec<Principal>) -> Self {
        Self { controllers, cycles: INITIAL_CYCLES, version: 0, system: SystemState::default(), code: None }
    }

    pub(crate) fn certified_state(&self) -> CanisterCertifiedState {
        CanisterCertifiedState {
            certified_data: self.system.certified_data.clone(),
            module_hash: self.code.as_ref().map(|code| code.module().hash),
            controllers: self.controllers.clone(),
        }
    }

    pub(crate) fn heap_bytes(&self) -> u64 {
        self.code.as_ref().map_or(0, LiveInstance::heap_bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_canister_id_is_in_range_and_textual_form_is_stable() {
        let (lo, hi) = canister_range();
        let first = canister_id(nth_index(0).unwrap());
        assert!(lo <= first && first <= hi);
        assert_eq!(first, lo);
        assert_eq!(nth_index(RANGE_END - RANGE_START + 1), None);
        assert_eq!(first.as_slice().len(), 10);
    }
}
