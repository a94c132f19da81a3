//! Dispatch of ingress calls to `aaaaa-aa`: Candid decoding, controller checks, and the effect
//! on the local IC, with the IC's reject codes and texts.
//!
//! Owns the method table and its checks; canister state itself lives in the local IC. Invariant:
//! a call that is refused (bad argument, unknown canister, caller not a controller, bad chunks,
//! bad module) changes nothing.

use std::collections::BTreeMap;

use candid::{CandidType, Decode, Encode, Nat, Principal};
use ic_management_canister_types::{
    CanisterIdRecord, CanisterInstallMode, CanisterSettings, ChunkHash, CreateCanisterArgs,
    InstallChunkedCodeArgs, InstallCodeArgs, ProvisionalCreateCanisterWithCyclesArgs,
    UpdateSettingsArgs, UploadChunkArgs,
};
use serde::de::DeserializeOwned;

use super::chunk_store::ChunkStore;
use super::metadata::{decompress, sections, MetadataSection};
use crate::reject::{ErrorCode, Reject};
use crate::LocalIc;

/// Cycles a canister gets from `provisional_create_canister_with_cycles` without an amount.
pub const DEFAULT_PROVISIONAL_CYCLES: u128 = 100_000_000_000_000;

/// The management canister's own state: chunk stores and installed modules' metadata.
#[derive(Debug, Default)]
pub struct ManagementCanister {
    chunk_stores: BTreeMap<Principal, ChunkStore>,
    metadata: BTreeMap<Principal, Vec<MetadataSection>>,
}

fn decode<T: CandidType + DeserializeOwned>(method: &str, arg: &[u8]) -> Result<T, Reject> {
    Decode!(arg, T).map_err(|error| {
        Reject::new(
            ErrorCode::InvalidManagementPayload,
            format!("Error decoding candid for management canister method {method}: {error}"),
        )
    })
}

fn encode<T: CandidType>(value: &T) -> Result<Vec<u8>, Reject> {
    Encode!(value).map_err(|error| {
        Reject::new(ErrorCode::CanisterContractViolation, format!("Error encoding the management canister's reply: {error}"))
    })
}

impl ManagementCanister {
    /// Runs management method `method` for ingress from `caller`.
    pub fn call(
        &mut self,
        ic: &mut LocalIc,
        caller: Principal,
        method: &str,
        arg: &[u8],
    ) -> Result<Vec<u8>, Reject> {
        match method {
            "provisional_create_canister_with_cycles" => {
                let args: ProvisionalCreateCanisterWithCyclesArgs = decode(method, arg)?;
                let cycles = args.amount.map_or(DEFAULT_PROVISIONAL_CYCLES, nat_to_u128);
                let id = self.create(ic, caller, args.settings, cycles, args.specified_id)?;
                encode(&CanisterIdRecord { canister_id: id })
            }
            "create_canister" => {
                let _: CreateCanisterArgs = decode(method, arg)?;
                Err(Reject::new(
                    ErrorCode::CanisterContractViolation,
                    "create_canister can only be called by other canisters, not via ingress messages.",
                ))
            }
            "install_code" => {
                let args: InstallCodeArgs = decode(method, arg)?;
                self.check_controller(ic, caller, args.canister_id)?;
                self.install(ic, args.canister_id, args.mode, &args.wasm_module, &args.arg)?;
                encode(&())
            }
            "upload_chunk" => {
                let args: UploadChunkArgs = decode(method, arg)?;
                self.check_controller(ic, caller, args.canister_id)?;
                let hash = self
                    .chunk_stores
                    .entry(args.canister_id)
                    .or_default()
                    .upload(args.chunk)
                    .map_err(|error| Reject::new(ErrorCode::CanisterContractViolation, error.to_string()))?;
                encode(&ChunkHash { hash: hash.to_vec() })
            }
            "stored_chunks" => {
                let args: CanisterIdRecord = decode(method, arg)?;
                self.check_controller(ic, caller, args.canister_id)?;
                let hashes: Vec<ChunkHash> = self
                    .chunk_stores
                    .get(&args.canister_id)
                    .map(ChunkStore::hashes)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|hash| ChunkHash { hash: hash.to_vec() })
                    .collect();
                encode(&hashes)
            }
            "clear_chunk_store" => {
                let args: CanisterIdRecord = decode(method, arg)?;
                self.check_controller(ic, caller, args.canister_id)?;
                self.chunk_stores.remove(&args.canister_id);
                encode(&())
            }
            "install_chunked_code" => {
                let args: InstallChunkedCodeArgs = decode(method, arg)?;
                let store = args.store_canister.unwrap_or(args.target_canister);
                self.check_controller(ic, caller, args.target_canister)?;
                self.check_controller(ic, caller, store)?;
                let hashes: Vec<Vec<u8>> = args.chunk_hashes_list.into_iter().map(|c| c.hash).collect();
                let module = self
                    .chunk_stores
                    .get(&store)
                    .cloned()
                    .unwrap_or_default()
                    .assemble(&hashes, &args.wasm_module_hash)
                    .map_err(|error| Reject::new(ErrorCode::CanisterContractViolation, error.to_string()))?;
                self.install(ic, args.target_canister, args.mode, &module, &args.arg)?;
                encode(&())
            }
            "canister_status" => {
                let args: CanisterIdRecord = decode(method, arg)?;
                self.check_controller(ic, caller, args.canister_id)?;
                encode(&ic.canister_status(args.canister_id)?)
            }
            "update_settings" => {
                let args: UpdateSettingsArgs = decode(method, arg)?;
                self.check_controller(ic, caller, args.canister_id)?;
                if let Some(controllers) = args.settings.controllers {
                    check_controller_count(&controllers)?;
                    ic.set_controllers(args.canister_id, controllers)?;
                }
                encode(&())
            }
            "stop_canister" | "start_canister" | "delete_canister" => {
                let args: CanisterIdRecord = decode(method, arg)?;
                self.check_controller(ic, caller, args.canister_id)?;
                let id = args.canister_id;
                let result = match method {
                    "stop_canister" => ic.stop_canister(id),
                    "start_canister" => ic.start_canister(id),
                    _ => ic.delete_canister(id),
                };
                result?;
                if method == "delete_canister" {
                    self.chunk_stores.remove(&id);
                    self.metadata.remove(&id);
                }
                encode(&())
            }
            _ => Err(Reject::new(
                ErrorCode::UnknownManagementMessage,
                format!("Management canister has no method '{method}'"),
            )),
        }
    }

    /// The metadata sections of `canister`'s installed module.
    pub fn metadata(&self, canister: Principal) -> &[MetadataSection] {
        self.metadata.get(&canister).map_or(&[], Vec::as_slice)
    }

    /// Names of `canister`'s private metadata sections.
    pub fn private_metadata(&self, canister: Principal) -> Vec<String> {
        self.metadata(canister).iter().filter(|s| s.private).map(|s| s.name.clone()).collect()
    }

    fn create(
        &mut self,
        ic: &mut LocalIc,
        caller: Principal,
        settings: Option<CanisterSettings>,
        cycles: u128,
        specified_id: Option<Principal>,
    ) -> Result<Principal, Reject> {
        let controllers = settings.and_then(|s| s.controllers).unwrap_or_else(|| vec![caller]);
        check_controller_count(&controllers)?;
        ic.create_canister_with(controllers, cycles, specified_id)
    }

    fn install(
        &mut self,
        ic: &mut LocalIc,
        canister: Principal,
        mode: CanisterInstallMode,
        module: &[u8],
        arg: &[u8],
    ) -> Result<(), Reject> {
        let invalid = |error: super::metadata::ModuleError| {
            Reject::new(ErrorCode::CanisterInvalidWasm, format!("Error from Canister {canister}: {error}"))
        };
        let raw = decompress(module).map_err(invalid)?;
        let found = sections(&raw).map_err(invalid)?;
        ic.install_code(canister, mode, &raw, arg)?;
        self.metadata.insert(canister, found);
        Ok(())
    }

    fn check_controller(&self, ic: &LocalIc, caller: Principal, canister: Principal) -> Result<(), Reject> {
        let Some(controllers) = ic.controllers(canister) else {
            return Err(Reject::canister_not_found(canister));
        };
        if controllers.contains(&caller) {
            return Ok(());
        }
        Err(Reject::not_controller(canister, &controllers, caller))
    }
}

/// The IC allows at most ten controllers.
fn check_controller_count(controllers: &[Principal]) -> Result<(), Reject> {
    if controllers.len() > 10 {
        return Err(Reject::new(
            ErrorCode::InvalidManagementPayload,
            format!("Invalid settings: expected at most 10 controllers, got {}", controllers.len()),
        ));
    }
    Ok(())
}

fn nat_to_u128(amount: Nat) -> u128 {
    u128::try_from(amount.0).unwrap_or(u128::MAX)
}
