//! The replica behind the HTTP API: decodes and authenticates envelopes, runs calls and queries
//! on the [`LocalIc`], keeps the ingress history, and answers with certificates and signed query
//! responses.
//!
//! Owns the HTTP layer's state (node key, ingress history, management canister) next to the
//! local IC it drives. It never builds HTTP responses (see `routes`). Invariant: IC time never
//! runs behind the wall clock while serving HTTP, so agents' expiry and freshness checks hold.

use std::time::{SystemTime, UNIX_EPOCH};

use candid::Principal;
use ic_transport_types::{
    Envelope, EnvelopeContent, QueryResponse, ReadStateResponse, RejectResponse, ReplyResponse,
    RequestId, TransportCallResponse,
};

use super::authentication::authenticate;
use super::error::HttpApiError;
use super::ingress_history::{CallOutcome, IngressHistory};
use super::node_key::NodeKey;
use super::read_state::{authorize, CanisterAccess};
use super::state_view::StateView;
use crate::management::ManagementCanister;
use crate::outcome::CallError;
use crate::reject::Reject;
use crate::state_dir::{JournalEntry, StateDir};
use crate::LocalIc;

/// What a URL's principal names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Effective {
    /// `/canister/<id>/...`: the effective canister id.
    Canister(Principal),
    /// `/subnet/<id>/...`: the effective subnet id.
    Subnet(Principal),
}

/// A local IC with the state the HTTP interface adds to it.
pub struct Replica {
    ic: LocalIc,
    node: NodeKey,
    history: IngressHistory,
    management: ManagementCanister,
    journal: Option<StateDir>,
}

impl Replica {
    /// Serves `ic` in memory, signing query responses with `node`.
    pub fn new(ic: LocalIc, node: NodeKey) -> Self {
        Self { ic, node, history: IngressHistory::default(), management: ManagementCanister::default(), journal: None }
    }

    /// Serves the local IC kept in `state`: rebuilt from its seed by replaying `replay` at the
    /// recorded times, then journaling every further ingress call before it runs.
    pub fn persistent(state: StateDir, replay: Vec<JournalEntry>) -> Self {
        let seed = state.seed();
        let mut replica = Self::new(LocalIc::from_seed(seed), NodeKey::from_subnet_seed(seed));
        for entry in replay {
            replica.ic.set_time(entry.time_ns);
            replica.ic.tick();
            // Outcomes are not kept: request statuses expire long before a restart matters.
            let _ = replica.execute(entry.sender, entry.canister_id, &entry.method, entry.arg);
        }
        replica.journal = Some(state);
        replica
    }

    /// The root key agents must trust.
    pub fn root_key(&self) -> Vec<u8> {
        self.ic.root_key()
    }

    /// The local IC, for direct use next to the HTTP API (not journaled).
    pub fn ic(&mut self) -> &mut LocalIc {
        &mut self.ic
    }

    /// The CBOR body of `/api/v2/status`.
    pub(crate) fn status(&self) -> Vec<u8> {
        use serde_cbor::Value;
        let entries = [
            ("ic_api_version", Value::Text("0.18.0".into())),
            ("impl_version", Value::Text(concat!("local-ic ", env!("CARGO_PKG_VERSION")).into())),
            ("replica_health_status", Value::Text("healthy".into())),
            ("root_key", Value::Bytes(self.ic.root_key())),
        ];
        let map = entries.into_iter().map(|(key, value)| (Value::Text(key.into()), value)).collect();
        self_describing(&Value::Map(map))
    }

    /// Authenticates and runs an update call; a replayed request is not run again.
    pub(crate) fn call(&mut self, effective: Principal, body: &[u8]) -> Result<RequestId, HttpApiError> {
        let now = self.advance_time();
        let authenticated = authenticate(decode(body)?, now)?;
        let EnvelopeContent::Call { sender, canister_id, method_name, arg, ingress_expiry, .. } =
            authenticated.content
        else {
            return Err(wrong_type("call", &authenticated.content));
        };
        let addressed = if canister_id == Principal::management_canister() {
            ManagementCanister::target_canister(&method_name, &arg)
        } else {
            Some(canister_id)
        };
        if let Some(addressed) = addressed.filter(|addressed| *addressed != effective) {
            return Err(HttpApiError::CanisterIdMismatch { canister_id: addressed, effective });
        }
        let request_id = authenticated.request_id;
        if !self.history.contains(&request_id) {
            if let Some(journal) = &mut self.journal {
                let entry = JournalEntry {
                    time_ns: now,
                    sender,
                    canister_id,
                    method: method_name.clone(),
                    arg: arg.clone(),
                };
                journal.append(&entry).map_err(|error| HttpApiError::Internal { reason: error.to_string() })?;
            }
            // Due timers run as the call arrives (at the same point on a journal replay), so a
            // served IC's timers fire without a background clock that replay could not repeat.
            self.ic.tick();
            let outcome = match self.execute(sender, canister_id, &method_name, arg)? {
                Ok(reply) => CallOutcome::Replied(reply),
                Err(reject) => CallOutcome::Rejected(reject_response(reject)),
            };
            self.history.record(request_id, sender, ingress_expiry, outcome);
        }
        Ok(request_id)
    }

    /// Runs one ingress update call (management or canister) and returns its reply or reject.
    fn execute(
        &mut self,
        sender: Principal,
        canister_id: Principal,
        method: &str,
        arg: Vec<u8>,
    ) -> Result<Result<Vec<u8>, Reject>, HttpApiError> {
        if canister_id == Principal::management_canister() {
            return Ok(self.management.call(&mut self.ic, sender, method, &arg));
        }
        if let Some(stopped) = self.management.refuse_if_stopped(canister_id) {
            return Ok(Err(stopped));
        }
        match self.ic.update_call(canister_id, sender, method, arg) {
            Ok(outcome) => Ok(Ok(outcome.reply)),
            Err(CallError::Rejected { reject }) => Ok(Err(reject)),
            Err(CallError::PayloadTooLarge { size, limit }) => Err(HttpApiError::PayloadTooLarge { size, limit }),
        }
    }

    /// The CBOR answer of the synchronous call endpoints: a certificate of the call's status.
    pub(crate) fn call_certificate(&mut self, request_id: RequestId) -> Vec<u8> {
        let path = vec![b"request_status".to_vec(), request_id.to_vec()];
        let certificate = self.certify(&[path]);
        serde_cbor::to_vec(&TransportCallResponse::Replied { certificate })
            .expect("encoding a call response cannot fail")
    }

    /// Authenticates and runs a query; the answer carries the node's signature.
    pub(crate) fn query(&mut self, effective: Principal, body: &[u8]) -> Result<Vec<u8>, HttpApiError> {
        let now = self.advance_time();
        let authenticated = authenticate(decode(body)?, now)?;
        let EnvelopeContent::Query { sender, canister_id, method_name, arg, .. } = authenticated.content else {
            return Err(wrong_type("query", &authenticated.content));
        };
        if canister_id != effective {
            return Err(HttpApiError::CanisterIdMismatch { canister_id, effective });
        }
        let result = match self.management.refuse_if_stopped(canister_id) {
            Some(stopped) => Err(stopped),
            None => match self.ic.query_call(canister_id, sender, &method_name, arg) {
                Ok(outcome) => Ok(outcome.reply),
                Err(CallError::Rejected { reject }) => Err(reject),
                Err(CallError::PayloadTooLarge { size, limit }) => {
                    return Err(HttpApiError::PayloadTooLarge { size, limit });
                }
            },
        };
        let mut response = match result {
            Ok(reply) => QueryResponse::Replied { reply: ReplyResponse { arg: reply }, signatures: vec![] },
            Err(reject) => QueryResponse::Rejected { reject: reject_response(reject), signatures: vec![] },
        };
        let signature = self.node.sign_query_response(&response, authenticated.request_id, now);
        match &mut response {
            QueryResponse::Replied { signatures, .. } | QueryResponse::Rejected { signatures, .. } => {
                signatures.push(signature)
            }
        }
        Ok(serde_cbor::to_vec(&response).expect("encoding a query response cannot fail"))
    }

    /// Authenticates a `read_state` request and answers with a certificate of the paths.
    pub(crate) fn read_state(&mut self, effective: Effective, body: &[u8]) -> Result<Vec<u8>, HttpApiError> {
        let now = self.advance_time();
        let authenticated = authenticate(decode(body)?, now)?;
        let EnvelopeContent::ReadState { sender, paths, .. } = &authenticated.content else {
            return Err(wrong_type("read_state", &authenticated.content));
        };
        let canister = match effective {
            Effective::Canister(id) => Some(id),
            Effective::Subnet(requested) => {
                let actual = self.ic.signer().subnet_id();
                if requested != actual {
                    return Err(HttpApiError::UnknownSubnet { requested, actual });
                }
                None
            }
        };
        let controllers = canister.and_then(|id| self.ic.controllers(id)).map(<[_]>::to_vec).unwrap_or_default();
        let private_metadata = canister.map(|id| self.management.private_metadata(id)).unwrap_or_default();
        let access = CanisterAccess { controllers: &controllers, private_metadata: &private_metadata };
        let paths: Vec<Vec<Vec<u8>>> =
            paths.iter().map(|path| path.iter().map(|label| label.as_bytes().to_vec()).collect()).collect();
        authorize(&paths, *sender, canister, &access, &self.history)?;
        let certificate = self.certify(&paths);
        Ok(serde_cbor::to_vec(&ReadStateResponse { certificate }).expect("encoding cannot fail"))
    }

    /// Signs the state tree cut to `paths` (and `time`).
    fn certify(&mut self, paths: &[Vec<Vec<u8>>]) -> Vec<u8> {
        self.history.prune(self.ic.time());
        let base = self.ic.state_tree().full();
        let subnet_id = self.ic.signer().subnet_id();
        let view = StateView::new(&base, subnet_id, &self.node, self.management.all_metadata(), &self.history);
        self.ic.signer().sign_tree(view.witness(paths))
    }

    /// Moves IC time up to the wall clock (never backwards) and returns it.
    fn advance_time(&mut self) -> u64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |elapsed| u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX));
        self.ic.set_time(wall);
        self.ic.time()
    }
}

/// The wire form of a reject; the IC's `SYS_UNKNOWN` (6) has no transport variant and is sent
/// as `SYS_FATAL`, the nearest code ic-agent can decode.
fn reject_response(reject: Reject) -> RejectResponse {
    let reject_code = ic_transport_types::RejectCode::try_from(reject.code as u64)
        .unwrap_or(ic_transport_types::RejectCode::SysFatal);
    RejectResponse {
        reject_code,
        reject_message: reject.message,
        error_code: Some(reject.error_code.to_string()),
    }
}

fn decode(body: &[u8]) -> Result<Envelope<'static>, HttpApiError> {
    serde_cbor::from_slice(body).map_err(|error| HttpApiError::MalformedBody { reason: error.to_string() })
}

fn wrong_type(expected: &'static str, content: &EnvelopeContent) -> HttpApiError {
    let got = match content {
        EnvelopeContent::Call { .. } => "call",
        EnvelopeContent::Query { .. } => "query",
        EnvelopeContent::ReadState { .. } => "read_state",
    };
    HttpApiError::WrongRequestType { expected, got }
}

fn self_describing<T: serde::Serialize>(value: &T) -> Vec<u8> {
    let mut serializer = serde_cbor::Serializer::new(Vec::new());
    serializer.self_describe().expect("writing to a Vec cannot fail");
    value.serialize(&mut serializer).expect("encoding a CBOR value cannot fail");
    serializer.into_inner()
}
