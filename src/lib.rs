//! The asset canister's shell: `ic_cdk` entry points over `asset-canister-core`.
//!
//! Owns only the system interface: decoding, reading the caller, time and controller status,
//! turning the core's typed errors into traps (the legacy canister rejects with a trap, and
//! uploaders such as `ic-asset` expect `()` replies, not `Result`s), and continuing a commit in
//! the next message when the core asks for it. No behaviour lives here. Invariant: every entry
//! point is one call into the core, repeated while the core answers `Pending`.

mod http;
mod memcmp;
#[cfg(test)]
mod ic_asset_compat;

use asset_canister_core::commit_wire;
use asset_canister_core::error::Error;
use asset_canister_core::permissions::Caller;
use asset_canister_core::state::{CommitProgress, State, API_VERSION, HASHED_BYTES_PER_MESSAGE};
use asset_canister_core::types::*;
use candid::Principal;
use ic_cdk::api::{canister_self, is_controller, msg_caller, time};
use ic_cdk::call::Call;
use ic_cdk::{init, post_upgrade, pre_upgrade, query, trap, update};
use ic_stable_structures::DefaultMemoryImpl;
use serde_bytes::ByteBuf;
use std::cell::RefCell;

type Memory = DefaultMemoryImpl;

thread_local! {
    static STATE: RefCell<Option<State<Memory>>> = const { RefCell::new(None) };
}

fn with<R>(f: impl FnOnce(&State<Memory>) -> R) -> R {
    STATE.with_borrow(|s| f(s.as_ref().unwrap_or_else(|| trap("state not initialised"))))
}

/// Runs an update against the state, then certifies whatever it changed.
fn with_mut<R>(f: impl FnOnce(&mut State<Memory>) -> R) -> R {
    STATE.with_borrow_mut(|s| {
        let state = s.as_mut().unwrap_or_else(|| trap("state not initialised"));
        let result = f(state);
        http::certify_changes(state);
        result
    })
}

fn caller() -> Caller {
    let principal = msg_caller();
    Caller { principal, is_controller: is_controller(&principal) }
}

fn ok<T>(r: Result<T, Error>) -> T {
    r.unwrap_or_else(|e| trap(e.to_string()))
}

/// The hidden method a commit calls on its own canister to continue in a new message.
const CONTINUE_COMMIT: &str = "continue_commit";

/// Runs a commit one message's share at a time ([`HASHED_BYTES_PER_MESSAGE`] of hashing each).
/// Between shares it awaits a call to this canister, so the next share runs in the callback, a
/// new message with its own instruction limit. An error traps in whichever message finds it;
/// only the share that answers `Done` changes stable memory.
async fn commit_in_messages(mut share: impl FnMut(&mut State<Memory>, &Caller, u64) -> Result<CommitProgress, Error>) {
    let principal = msg_caller();
    loop {
        let caller = Caller { principal, is_controller: is_controller(&principal) };
        if with_mut(|s| ok(share(s, &caller, time()))) == CommitProgress::Done {
            return;
        }
        next_message("the commit").await;
    }
}

/// Ends the current message: the caller continues in the callback of a call to this canister's
/// [`continue_commit`], a new message with its own instruction limit. Traps if the call fails.
async fn next_message(work: &str) {
    if let Err(e) = Call::unbounded_wait(canister_self(), CONTINUE_COMMIT).await {
        trap(format!("could not continue {work} in a new message: {e}"));
    }
}

/// Does nothing: awaiting it ends the current message of a long commit (see
/// [`next_message`]). Not in the Candid interface; only the canister itself may call it.
#[update(hidden = true)]
fn continue_commit() {
    if msg_caller() != canister_self() {
        trap("continue_commit is internal to the asset canister");
    }
}

#[init]
fn init(args: Option<AssetCanisterArgs>) {
    let mut state = ok(State::init(Memory::default(), msg_caller(), args));
    http::rebuild(&mut state);
    STATE.with_borrow_mut(|s| *s = Some(state));
}

/// Everything already lives in stable memory: nothing to save, constant work.
#[pre_upgrade]
fn pre_upgrade() {}

#[post_upgrade]
fn post_upgrade(args: Option<AssetCanisterArgs>) {
    let mut state = State::load(Memory::default());
    ok(state.post_upgrade(args));
    http::rebuild(&mut state);
    STATE.with_borrow_mut(|s| *s = Some(state));
}

#[query]
fn api_version() -> u16 {
    API_VERSION
}

// ---- uploads ---------------------------------------------------------------------------

#[update]
fn create_batch(_: CreateBatchArg) -> CreateBatchResponse {
    CreateBatchResponse { batch_id: with_mut(|s| ok(s.create_batch(&caller(), time()))) }
}

#[update]
fn create_chunk(arg: CreateChunkArg) -> CreateChunkResponse {
    CreateChunkResponse { chunk_id: with_mut(|s| ok(s.create_chunk(&caller(), &arg, time()))) }
}

#[update]
fn create_chunks(arg: CreateChunksArg) -> CreateChunksResponse {
    CreateChunksResponse { chunk_ids: with_mut(|s| ok(s.create_chunks(&caller(), &arg, time()))) }
}

/// The argument of `commit_batch` and `propose_commit_batch`, read by `commit_wire` (values read
/// directly for the table uploaders send, candid for any other); bytes that are not Candid of
/// `CommitBatchArguments` trap with candid's error and its causes (`{:#}`: the outer context
/// alone, "Fail to decode argument 0", would not say what is wrong).
fn decode_commit_batch(arg: Vec<u8>) -> CommitBatchArguments {
    commit_wire::decode_commit_batch(&arg).unwrap_or_else(|e| trap(format!("failed to decode call arguments: {e:#}")))
}

// `decode_with` would export a `blob` argument, so these entry points are hidden from ic-cdk's
// export and `candid_method` gives `export_candid!` their real signatures.
#[update(hidden = true, decode_with = "decode_commit_batch")]
#[candid::candid_method(update, rename = "commit_batch")]
async fn commit_batch(arg: CommitBatchArguments) {
    commit_in_messages(|s, caller, now| s.commit_batch(caller, &arg, now, HASHED_BYTES_PER_MESSAGE)).await
}

#[update(hidden = true, decode_with = "decode_commit_batch")]
#[candid::candid_method(update, rename = "propose_commit_batch")]
fn propose_commit_batch(arg: CommitBatchArguments) {
    with_mut(|s| ok(s.propose_commit_batch(&caller(), &arg)))
}

#[update]
fn compute_evidence(arg: ComputeEvidenceArguments) -> Option<ByteBuf> {
    with_mut(|s| ok(s.compute_evidence(&caller(), &arg)))
}

#[update]
async fn commit_proposed_batch(arg: CommitProposedBatchArguments) {
    commit_in_messages(|s, caller, now| s.commit_proposed_batch(caller, &arg, now, HASHED_BYTES_PER_MESSAGE)).await
}

#[update]
fn delete_batch(arg: DeleteBatchArguments) {
    with_mut(|s| ok(s.delete_batch(&caller(), &arg)))
}

/// Hashes the state as `ic_asset::compute_state_hash` hashes a local directory, continuing in
/// new messages until done, as dfx's asset canister does; always `Some` (the `opt` is dfx's).
#[update]
async fn compute_state_hash() -> Option<String> {
    loop {
        if let Some(hash) = with_mut(|s| s.compute_state_hash()) {
            return Some(hash);
        }
        next_message("compute_state_hash").await;
    }
}

#[query]
fn get_state_info() -> StateInfo {
    with(|s| s.get_state_info())
}

// ---- direct changes --------------------------------------------------------------------

#[update]
fn store(arg: StoreArg) {
    with_mut(|s| ok(s.store(&caller(), &arg, time())))
}

#[update]
fn create_asset(arg: CreateAssetArguments) {
    with_mut(|s| ok(s.create_asset(&caller(), arg, time())))
}

#[update]
async fn set_asset_content(arg: SetAssetContentArguments) {
    commit_in_messages(|s, caller, now| s.set_asset_content(caller, &arg, now, HASHED_BYTES_PER_MESSAGE)).await
}

#[update]
fn unset_asset_content(arg: UnsetAssetContentArguments) {
    with_mut(|s| ok(s.unset_asset_content(&caller(), arg, time())))
}

#[update]
fn delete_asset(arg: DeleteAssetArguments) {
    with_mut(|s| ok(s.delete_asset(&caller(), arg, time())))
}

#[update]
fn clear(_: ClearArguments) {
    with_mut(|s| ok(s.clear(&caller(), time())))
}

#[update]
fn set_asset_properties(arg: SetAssetPropertiesArguments) {
    with_mut(|s| ok(s.set_asset_properties(&caller(), arg, time())))
}

// ---- reads -----------------------------------------------------------------------------

#[query]
fn get(arg: GetArg) -> EncodedAsset {
    with(|s| ok(s.get(&arg)))
}

#[query]
fn get_chunk(arg: GetChunkArg) -> GetChunkResponse {
    with(|s| ok(s.get_chunk(&arg)))
}

#[query]
fn list(arg: ListRequest) -> Vec<AssetDetails> {
    with(|s| s.list(&arg))
}

#[query]
fn get_asset_properties(key: Key) -> AssetProperties {
    with(|s| ok(s.get_asset_properties(&key)))
}

#[query]
fn retrieve(key: Key) -> ByteBuf {
    with(|s| ok(s.retrieve(&key)))
}

// ---- permissions -----------------------------------------------------------------------

#[update]
fn authorize(other: Principal) {
    with_mut(|s| ok(s.authorize(&caller(), other)))
}

#[update]
fn deauthorize(other: Principal) {
    with_mut(|s| ok(s.deauthorize(&caller(), other)))
}

#[update]
fn list_authorized() -> Vec<Principal> {
    with(|s| s.list_permitted(Permission::Commit))
}

#[update]
fn grant_permission(arg: GrantPermission) {
    with_mut(|s| ok(s.grant_permission(&caller(), &arg)))
}

#[update]
fn revoke_permission(arg: RevokePermission) {
    with_mut(|s| ok(s.revoke_permission(&caller(), &arg)))
}

#[update]
fn list_permitted(arg: ListPermitted) -> Vec<Principal> {
    with(|s| s.list_permitted(arg.permission))
}

#[update]
fn take_ownership() {
    with_mut(|s| ok(s.take_ownership(&caller())))
}

#[update]
fn validate_grant_permission(arg: GrantPermission) -> ValidationResult {
    with(|s| s.validate_grant_permission(&arg))
}

#[update]
fn validate_revoke_permission(arg: RevokePermission) -> ValidationResult {
    with(|s| s.validate_revoke_permission(&arg))
}

#[update]
fn validate_take_ownership() -> ValidationResult {
    with(|s| s.validate_take_ownership())
}

#[update]
fn validate_commit_proposed_batch(arg: CommitProposedBatchArguments) -> ValidationResult {
    with(|s| s.validate_commit_proposed_batch(&arg))
}

// ---- configuration ---------------------------------------------------------------------

#[update]
fn get_configuration() -> ConfigurationResponse {
    with(|s| ok(s.get_configuration(&caller())))
}

#[update]
fn configure(arg: ConfigureArguments) {
    with_mut(|s| ok(s.configure(&caller(), &arg)))
}

#[update]
fn validate_configure(arg: ConfigureArguments) -> ValidationResult {
    with(|s| s.validate_configure(&arg))
}

ic_cdk::export_candid!();

#[cfg(test)]
mod tests {
    use candid_parser::utils::{service_equal, CandidSource};

    #[test]
    fn exported_interface_equals_canister_did() {
        let exported = super::__export_service();
        let did = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("canister.did");
        service_equal(CandidSource::Text(&exported), CandidSource::File(&did))
            .unwrap_or_else(|e| panic!("canister.did differs from the code: {e}\n--- exported ---\n{exported}"));
    }
}
