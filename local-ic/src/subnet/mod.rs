//! The local subnet: canisters, time, certification, and the public API over them.
//!
//! Owns the canister table, the clock, the signer and the certificate cache, and turns API calls
//! into executions. Must not reach into Wasm (that is `execution`) or into tree layout (that is
//! `certification`). Invariant: the certificate cache is cleared on every change to certified
//! state, so a query never sees a certificate for an older state than the current one.

mod canister;
mod install;
mod messaging;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use candid::Principal;

use crate::certification::{StateTree, SubnetSigner, SubnetTopology};
use crate::execution::{Entry, Env, Executor, Mode, OnSuccess, Response};
use crate::limits::{MAX_INGRESS_ARG_BYTES, MAX_QUERY_REPLY_BYTES, QUERY_INSTRUCTIONS};
use crate::outcome::{CallError, CallOutcome};
use crate::reject::{ErrorCode, Reject};
use canister::Canister;

pub use install::{InstallError, InstallMode, InstallOutcome};

/// An in-process IC application subnet.
pub struct LocalIc {
    executor: Executor,
    signer: SubnetSigner,
    root_key: Arc<[u8]>,
    canisters: BTreeMap<Principal, Canister>,
    created: u64,
    time_ns: u64,
    certificates: HashMap<Principal, Vec<u8>>,
    messaging: messaging::Messaging,
}

impl std::fmt::Debug for LocalIc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalIc")
            .field("subnet", &self.signer.subnet_id().to_text())
            .field("canisters", &self.canisters.len())
            .field("time_ns", &self.time_ns)
            .finish_non_exhaustive()
    }
}

impl Default for LocalIc {
    fn default() -> Self {
        Self::new()
    }
}

impl LocalIc {
    /// A subnet with a fresh root key, its clock set to the current wall-clock time.
    pub fn new() -> Self {
        use std::hash::{BuildHasher, Hasher};
        // The standard library's per-process random hasher keys are enough for a test subnet key.
        let mut seed = [0u8; 32];
        for (i, chunk) in seed.chunks_mut(8).enumerate() {
            let mut hasher = std::collections::hash_map::RandomState::new().build_hasher();
            hasher.write_usize(i);
            chunk.copy_from_slice(&hasher.finish().to_le_bytes());
        }
        Self::from_seed(seed)
    }

    /// A subnet whose root key is derived from `seed` (the same seed, the same key), its clock set
    /// to the current wall-clock time.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        let signer = SubnetSigner::from_seed(seed);
        let root_key = Arc::from(signer.root_key_der());
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default().as_nanos();
        Self {
            executor: Executor::new(),
            signer,
            root_key,
            canisters: BTreeMap::new(),
            created: 0,
            time_ns: u64::try_from(now).unwrap_or(u64::MAX),
            certificates: HashMap::new(),
            messaging: messaging::Messaging::default(),
        }
    }

    /// The root public key (DER, 133 bytes) that agents must trust.
    pub fn root_key(&self) -> Vec<u8> {
        self.root_key.to_vec()
    }

    /// The signer, to certify trees other than a canister's data certificate.
    pub fn signer(&self) -> &SubnetSigner {
        &self.signer
    }

    /// The subnet's current time in nanoseconds since the epoch.
    pub fn time(&self) -> u64 {
        self.time_ns
    }

    /// Sets the clock. Time on the IC never goes backwards, so an earlier time is ignored.
    pub fn set_time(&mut self, time_ns: u64) {
        if time_ns > self.time_ns {
            self.time_ns = time_ns;
            self.certificates.clear();
        }
    }

    /// Moves the clock forward.
    pub fn advance_time(&mut self, by: Duration) {
        let by = u64::try_from(by.as_nanos()).unwrap_or(u64::MAX);
        self.set_time(self.time_ns.saturating_add(by));
    }

    /// Creates an empty canister with the given controllers; its id comes from the subnet's range.
    pub fn create_canister(&mut self, controllers: Vec<Principal>) -> Result<Principal, Reject> {
        let index = canister::nth_index(self.created).ok_or_else(|| {
            Reject::new(ErrorCode::MaxNumberOfCanistersReached, "The subnet's canister id range is exhausted")
        })?;
        let id = canister::canister_id(index);
        self.created += 1;
        self.canisters.insert(id, Canister::new(controllers));
        self.certificates.clear();
        Ok(id)
    }

    /// Replaces a canister's controllers; only a controller may do this.
    pub fn set_controllers(&mut self, canister: Principal, sender: Principal, controllers: Vec<Principal>) -> Result<(), Reject> {
        let record = self.canisters.get_mut(&canister).ok_or_else(|| Reject::canister_not_found(canister))?;
        if !record.controllers.contains(&sender) {
            return Err(Reject::not_controller(canister, &record.controllers, sender));
        }
        record.controllers = controllers;
        self.certificates.clear();
        Ok(())
    }

    /// Deletes a canister with everything it holds; only a controller may do this. Its id stays
    /// used (ids come from a counter), so a later canister never inherits its principal. Whether
    /// the canister is stopped is the management canister's concern, which checks it first.
    pub fn delete_canister(&mut self, canister: Principal, sender: Principal) -> Result<(), Reject> {
        let record = self.canisters.get(&canister).ok_or_else(|| Reject::canister_not_found(canister))?;
        if !record.controllers.contains(&sender) {
            return Err(Reject::not_controller(canister, &record.controllers, sender));
        }
        self.canisters.remove(&canister);
        self.certificates.clear();
        Ok(())
    }

    /// A canister's controllers.
    pub fn controllers(&self, canister: Principal) -> Option<&[Principal]> {
        self.canisters.get(&canister).map(|c| c.controllers.as_slice())
    }

    /// SHA-256 of a canister's installed module, as submitted; `None` if empty or unknown.
    pub fn module_hash(&self, canister: Principal) -> Option<[u8; 32]> {
        self.canisters.get(&canister)?.code.as_ref().map(|code| code.module().hash)
    }

    /// The subnet's whole certified state tree at the current time.
    pub fn state_tree(&self) -> StateTree {
        let topology = SubnetTopology {
            subnet_id: self.signer.subnet_id(),
            public_key_der: self.root_key.to_vec(),
            canister_ranges: vec![canister::canister_range()],
        };
        let states: Vec<_> = self.canisters.iter().map(|(id, c)| (*id, c.certified_state())).collect();
        StateTree::new(self.time_ns, &topology, states.iter().map(|(id, state)| (*id, state)))
    }

    /// The certificate a query of `canister` receives from `ic0.data_certificate_copy` right now.
    pub fn data_certificate(&mut self, canister: Principal) -> Vec<u8> {
        if let Some(bytes) = self.certificates.get(&canister) {
            return bytes.clone();
        }
        let bytes = self.signer.sign_tree(self.state_tree().data_certificate_witness(canister));
        self.certificates.insert(canister, bytes.clone());
        bytes
    }

    /// Runs a query (non-replicated, as a boundary node sends it): nothing it does persists.
    pub fn query_call(&mut self, canister: Principal, sender: Principal, method: &str, arg: Vec<u8>) -> Result<CallOutcome, CallError> {
        if arg.len() > MAX_INGRESS_ARG_BYTES {
            return Err(CallError::PayloadTooLarge { size: arg.len(), limit: MAX_INGRESS_ARG_BYTES });
        }
        let record = self.canisters.get(&canister).ok_or_else(|| Reject::canister_not_found(canister))?;
        let code = record.code.as_ref().ok_or_else(|| Reject::no_wasm_module(canister))?;
        let points = &code.module().entry_points;
        let export = if points.queries.contains(method) {
            format!("canister_query {method}")
        } else if points.composite_queries.contains(method) {
            format!("canister_composite_query {method}")
        } else {
            return Err(Reject::method_not_found(canister, "query", method).into());
        };
        let certificate = self.data_certificate(canister);
        let mut env = self.env(canister, Mode::NonReplicatedQuery, sender, arg);
        env.data_certificate = Some(certificate);
        env.reply_limit = MAX_QUERY_REPLY_BYTES;
        env.instruction_limit = QUERY_INSTRUCTIONS;
        let record = self.canisters.get_mut(&canister).ok_or_else(|| Reject::canister_not_found(canister))?;
        let code = record.code.as_mut().ok_or_else(|| Reject::no_wasm_module(canister))?;
        let executed = code.run(&mut record.system, env, &Entry::Export(export), OnSuccess::Discard);
        if let Some(trap) = executed.trap {
            return Err(trap.to_reject(canister).into());
        }
        let outcome = |reply: Vec<u8>| CallOutcome {
            reply_bytes: reply.len(),
            reply,
            instructions: executed.instructions,
            transmission_instructions: executed.transmission_instructions,
            heap_bytes: record.heap_bytes(),
            stable_bytes: record.system.stable.size_bytes(),
        };
        match executed.env.response {
            Some(Response::Reply(reply)) => Ok(outcome(reply)),
            Some(Response::Reject(message)) => Err(Reject::by_canister(message).into()),
            None => Err(Reject::did_not_reply(canister).into()),
        }
    }

    /// The environment of a message to `canister`, filled with the subnet's view of it.
    fn env(&self, canister: Principal, mode: Mode, caller: Principal, arg: Vec<u8>) -> Env {
        let mut env = Env::new(mode, canister, caller, arg);
        env.time_ns = self.time_ns;
        env.root_key = Arc::clone(&self.root_key);
        env.subnet = self.signer.subnet_id();
        if let Some(record) = self.canisters.get(&canister) {
            env.controllers.clone_from(&record.controllers);
            env.cycle_balance = record.cycles;
            env.canister_version = record.version;
        }
        env
    }
}
