//! Dispatch of ingress calls to `aaaaa-aa`: Candid decoding, controller checks, and the effect
//! on the local IC, with the IC's reject codes and texts.
//!
//! Owns the method table and its checks; canister state itself lives in the local IC. Invariant:
//! a call that is refused (bad argument, unknown canister, caller not a controller, bad chunks,
//! bad module, deleting a running canister) changes nothing.

use std::collections::{BTreeMap, BTreeSet};

use candid::{CandidType, Decode, Encode, Nat, Principal};
use ic_management_canister_types::{
    CanisterIdRecord, CanisterInstallMode, CanisterSettings, CanisterStatusResult,
    CanisterStatusType, ChunkHash, CreateCanisterArgs, DefiniteCanisterSettings,
    InstallChunkedCodeArgs, InstallCodeArgs, MemoryMetrics, ProvisionalCreateCanisterWithCyclesArgs,
    QueryStats, UpdateSettingsArgs, UploadChunkArgs,
};
use serde::de::DeserializeOwned;

use super::chunk_store::ChunkStore;
use super::metadata::{decompress, sections, MetadataSection};
use crate::reject::{ErrorCode, Reject};
use crate::{InstallError, InstallMode, LocalIc};

/// The management canister's own state: chunk stores, installed modules' metadata, and which
/// canisters are stopped.
#[derive(Debug, Default)]
pub struct ManagementCanister {
    chunk_stores: BTreeMap<Principal, ChunkStore>,
    metadata: BTreeMap<Principal, Vec<MetadataSection>>,
    stopped: BTreeSet<Principal>,
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
                if let Some(specified) = args.specified_id {
                    return Err(Reject::new(
                        ErrorCode::CanisterContractViolation,
                        format!("This local IC allocates canister ids itself and cannot create canister {specified}; omit specified_id."),
                    ));
                }
                let controllers =
                    args.settings.and_then(|s: CanisterSettings| s.controllers).unwrap_or_else(|| vec![caller]);
                check_controller_count(&controllers)?;
                let id = ic.create_canister(controllers)?;
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
                self.install(ic, caller, args.canister_id, args.mode, &args.wasm_module, args.arg)?;
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
                self.install(ic, caller, args.target_canister, args.mode, &module, args.arg)?;
                encode(&())
            }
            "canister_status" => {
                let args: CanisterIdRecord = decode(method, arg)?;
                self.check_controller(ic, caller, args.canister_id)?;
                encode(&self.status(ic, args.canister_id))
            }
            "update_settings" => {
                let args: UpdateSettingsArgs = decode(method, arg)?;
                self.check_controller(ic, caller, args.canister_id)?;
                if let Some(controllers) = args.settings.controllers {
                    check_controller_count(&controllers)?;
                    ic.set_controllers(args.canister_id, caller, controllers)?;
                }
                encode(&())
            }
            "stop_canister" | "start_canister" => {
                let args: CanisterIdRecord = decode(method, arg)?;
                self.check_controller(ic, caller, args.canister_id)?;
                if method == "stop_canister" {
                    self.stopped.insert(args.canister_id);
                } else {
                    self.stopped.remove(&args.canister_id);
                }
                encode(&())
            }
            "delete_canister" => {
                let args: CanisterIdRecord = decode(method, arg)?;
                self.check_controller(ic, caller, args.canister_id)?;
                if !self.stopped.contains(&args.canister_id) {
                    return Err(Reject::delete_not_stopped(args.canister_id));
                }
                ic.delete_canister(args.canister_id, caller)?;
                self.forget(args.canister_id);
                encode(&())
            }
            _ => Err(Reject::new(
                ErrorCode::UnknownManagementMessage,
                format!("Management canister has no method '{method}'"),
            )),
        }
    }

    /// The canister a management call acts on, which must be the call's effective canister id;
    /// `None` for methods that name none (canister creation) or arguments that do not decode
    /// (those are rejected when the call runs).
    pub fn target_canister(method: &str, arg: &[u8]) -> Option<Principal> {
        #[derive(CandidType, serde::Deserialize)]
        struct Target {
            canister_id: Principal,
        }
        #[derive(CandidType, serde::Deserialize)]
        struct ChunkedTarget {
            target_canister: Principal,
        }
        match method {
            "provisional_create_canister_with_cycles" | "create_canister" => None,
            "install_chunked_code" => Decode!(arg, ChunkedTarget).ok().map(|t| t.target_canister),
            _ => Decode!(arg, Target).ok().map(|t| t.canister_id),
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

    /// The reject for a message to a stopped canister, or `None` if it runs.
    pub fn refuse_if_stopped(&self, canister: Principal) -> Option<Reject> {
        self.stopped.contains(&canister).then(|| {
            Reject::new(ErrorCode::CanisterStopped, format!("Canister {canister} is stopped and therefore does not have a CallContextManager"))
        })
    }

    /// Every canister's metadata sections.
    pub fn all_metadata(&self) -> impl Iterator<Item = (Principal, &[MetadataSection])> {
        self.metadata.iter().map(|(id, sections)| (*id, sections.as_slice()))
    }

    /// `canister_status` from what the local IC tracks: status, controllers, module hash.
    /// Cycles, memory and query statistics are not metered per canister here and read as zero.
    fn status(&self, ic: &LocalIc, canister: Principal) -> CanisterStatusResult {
        let status =
            if self.stopped.contains(&canister) { CanisterStatusType::Stopped } else { CanisterStatusType::Running };
        CanisterStatusResult {
            status,
            ready_for_migration: false,
            version: 0,
            settings: DefiniteCanisterSettings {
                controllers: ic.controllers(canister).map(<[_]>::to_vec).unwrap_or_default(),
                ..DefiniteCanisterSettings::default()
            },
            module_hash: ic.module_hash(canister).map(|hash| hash.to_vec()),
            memory_size: Default::default(),
            memory_metrics: MemoryMetrics {
                wasm_memory_size: zero(),
                stable_memory_size: zero(),
                global_memory_size: zero(),
                wasm_binary_size: zero(),
                custom_sections_size: zero(),
                canister_history_size: zero(),
                wasm_chunk_store_size: zero(),
                snapshots_size: zero(),
                log_memory_store_size: zero(),
            },
            cycles: Default::default(),
            reserved_cycles: Default::default(),
            idle_cycles_burned_per_day: Default::default(),
            query_stats: QueryStats {
                num_calls_total: zero(),
                num_instructions_total: zero(),
                request_payload_bytes_total: zero(),
                response_payload_bytes_total: zero(),
            },
        }
    }

    fn install(
        &mut self,
        ic: &mut LocalIc,
        caller: Principal,
        canister: Principal,
        mode: CanisterInstallMode,
        module: &[u8],
        arg: Vec<u8>,
    ) -> Result<(), Reject> {
        let invalid = |error: &dyn std::fmt::Display| {
            Reject::new(ErrorCode::CanisterInvalidWasm, format!("Error from Canister {canister}: {error}"))
        };
        let raw = decompress(module).map_err(|error| invalid(&error))?;
        let found = sections(&raw).map_err(|error| invalid(&error))?;
        let mode = match mode {
            CanisterInstallMode::Install => InstallMode::Install,
            CanisterInstallMode::Reinstall => InstallMode::Reinstall,
            CanisterInstallMode::Upgrade(_) => InstallMode::Upgrade,
        };
        // The module goes in as submitted (gzipped or not): the IC's module hash is of those bytes.
        ic.install_code(canister, caller, module, arg, mode).map_err(|error| match error {
            InstallError::Rejected { reject } => reject,
            InstallError::Wasm { error } => invalid(&error),
        })?;
        self.metadata.insert(canister, found);
        Ok(())
    }

    /// Drops what the management canister keeps about a deleted canister.
    fn forget(&mut self, canister: Principal) {
        self.chunk_stores.remove(&canister);
        self.metadata.remove(&canister);
        self.stopped.remove(&canister);
    }

    fn check_controller(&self, ic: &LocalIc, caller: Principal, canister: Principal) -> Result<(), Reject> {
        let Some(controllers) = ic.controllers(canister) else {
            return Err(Reject::canister_not_found(canister));
        };
        if controllers.contains(&caller) {
            return Ok(());
        }
        Err(Reject::not_controller(canister, controllers, caller))
    }
}

fn zero() -> Nat {
    Nat::from(0u8)
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

