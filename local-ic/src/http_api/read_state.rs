//! Which state-tree paths a `read_state` request may ask for, and on whose behalf.
//!
//! Owns the access rules of the IC interface specification: `time`, `subnet/...`,
//! `canister_ranges/...`, `api_boundary_nodes/...`, `canister/<effective id>/{module_hash,
//! controllers, metadata/<name>}` and `request_status/<id>/...` (one request id, readable only by
//! that request's sender). It never builds or signs trees. Invariant: a path that passed
//! [`authorize`] reveals nothing the sender may not see.

use candid::Principal;

use super::ingress_history::IngressHistory;

/// Why a `read_state` request was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ReadStateError {
    /// A path is not one the specification lets clients read (HTTP 404).
    #[error("Invalid path requested: {path}")]
    InvalidPath {
        /// The path, labels joined with `/` (non-UTF-8 labels in hex).
        path: String,
    },
    /// A canister path names another canister than the URL's effective canister id (HTTP 400).
    #[error("Effective canister id in URL {effective} does not match requested canister id: {requested}.")]
    CanisterIdMismatch {
        /// From the URL.
        effective: Principal,
        /// From the path.
        requested: Principal,
    },
    /// `request_status` paths name more than one request id (HTTP 400).
    #[error("Can only request a single request ID in request_status paths.")]
    MultipleRequestIds,
    /// The request id belongs to another sender (HTTP 403).
    #[error("Request IDs must be for requests signed with the caller's key.")]
    NotTheSender,
    /// Private metadata read by a non-controller (HTTP 403).
    #[error("Caller is not a controller of canister {canister_id}: cannot read private metadata {name}")]
    PrivateMetadata {
        /// The canister.
        canister_id: Principal,
        /// The section name.
        name: String,
    },
}

/// What the access check needs to know about the effective canister.
pub(crate) struct CanisterAccess<'a> {
    /// The canister's controllers (empty if it does not exist).
    pub controllers: &'a [Principal],
    /// Names of its `icp:private` metadata sections.
    pub private_metadata: &'a [String],
}

/// Checks every path (labels as bytes).
pub(crate) fn authorize(
    paths: &[Vec<Vec<u8>>],
    sender: Principal,
    effective: Option<Principal>,
    canister: &CanisterAccess<'_>,
    history: &IngressHistory,
) -> Result<(), ReadStateError> {
    let mut request_id: Option<&[u8]> = None;
    for path in paths {
        let labels: Vec<&[u8]> = path.iter().map(Vec::as_slice).collect();
        let invalid = || ReadStateError::InvalidPath { path: display(&labels) };
        match labels.as_slice() {
            [b"time"] => {}
            [b"subnet", ..] | [b"canister_ranges", ..] | [b"api_boundary_nodes", ..] => {}
            [b"canister", id, rest @ ..] => {
                let requested = Principal::try_from_slice(id).map_err(|_| invalid())?;
                let effective = effective.ok_or_else(invalid)?;
                if requested != effective {
                    return Err(ReadStateError::CanisterIdMismatch { effective, requested });
                }
                match rest {
                    [b"module_hash"] | [b"controllers"] => {}
                    [b"metadata", name] => {
                        let name = std::str::from_utf8(name).map_err(|_| invalid())?;
                        if canister.private_metadata.iter().any(|private| private == name)
                            && !canister.controllers.contains(&sender)
                        {
                            return Err(ReadStateError::PrivateMetadata {
                                canister_id: requested,
                                name: name.to_string(),
                            });
                        }
                    }
                    _ => return Err(invalid()),
                }
            }
            [b"request_status", id, rest @ ..] => {
                if rest.len() > 1 {
                    return Err(invalid());
                }
                if request_id.is_some_and(|seen| seen != *id) {
                    return Err(ReadStateError::MultipleRequestIds);
                }
                request_id = Some(id);
                if history.sender_of(id).is_some_and(|owner| owner != sender) {
                    return Err(ReadStateError::NotTheSender);
                }
            }
            _ => return Err(invalid()),
        }
    }
    Ok(())
}

fn display(labels: &[&[u8]]) -> String {
    labels
        .iter()
        .map(|label| match std::str::from_utf8(label) {
            Ok(text) if text.chars().all(|c| c.is_ascii_graphic()) => text.to_string(),
            _ => hex::encode(label),
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http_api::ingress_history::CallOutcome;
    use ic_transport_types::RequestId;

    fn label_path(labels: &[&[u8]]) -> Vec<Vec<u8>> {
        labels.iter().map(|label| label.to_vec()).collect()
    }

    fn canister() -> Principal {
        Principal::from_slice(&[0, 0, 0, 0, 0, 0, 0, 1, 1, 1])
    }

    const ALICE: Principal = Principal::from_slice(&[1; 29]);
    const BOB: Principal = Principal::from_slice(&[2; 29]);

    fn check(paths: &[&[&[u8]]], sender: Principal, history: &IngressHistory) -> Result<(), ReadStateError> {
        let paths: Vec<Vec<Vec<u8>>> = paths.iter().map(|path| label_path(path)).collect();
        let controllers = [ALICE];
        let private = ["secret".to_string()];
        let access = CanisterAccess { controllers: &controllers, private_metadata: &private };
        authorize(&paths, sender, Some(canister()), &access, history)
    }

    #[test]
    fn canister_paths_only_for_the_effective_canister() {
        let history = IngressHistory::default();
        let id = canister();
        assert_eq!(check(&[&[b"canister", id.as_slice(), b"module_hash"]], BOB, &history), Ok(()));
        assert_eq!(check(&[&[b"canister", id.as_slice(), b"controllers"], &[b"time"]], BOB, &history), Ok(()));
        let other = Principal::from_slice(&[9; 10]);
        assert!(matches!(
            check(&[&[b"canister", other.as_slice(), b"module_hash"]], BOB, &history),
            Err(ReadStateError::CanisterIdMismatch { .. })
        ));
        assert!(matches!(
            check(&[&[b"canister", id.as_slice(), b"certified_data"]], BOB, &history),
            Err(ReadStateError::InvalidPath { .. })
        ));
        assert!(matches!(check(&[&[b"secrets"]], BOB, &history), Err(ReadStateError::InvalidPath { .. })));
    }

    #[test]
    fn private_metadata_only_for_controllers() {
        let history = IngressHistory::default();
        let id = canister();
        let secret: &[&[u8]] = &[b"canister", id.as_slice(), b"metadata", b"secret"];
        let public: &[&[u8]] = &[b"canister", id.as_slice(), b"metadata", b"candid:service"];
        assert_eq!(check(&[secret], ALICE, &history), Ok(()));
        assert!(matches!(check(&[secret], BOB, &history), Err(ReadStateError::PrivateMetadata { .. })));
        assert_eq!(check(&[public], BOB, &history), Ok(()));
    }

    #[test]
    fn request_status_only_for_its_sender_and_one_id_at_a_time() {
        let mut history = IngressHistory::default();
        let id = RequestId::new(&[5; 32]);
        history.record(id, ALICE, u64::MAX, CallOutcome::Replied(vec![]));
        let path: &[&[u8]] = &[b"request_status", id.as_slice()];
        assert_eq!(check(&[path], ALICE, &history), Ok(()));
        assert_eq!(check(&[path], BOB, &history), Err(ReadStateError::NotTheSender));
        let unknown: &[&[u8]] = &[b"request_status", &[6; 32]];
        assert_eq!(check(&[unknown], BOB, &history), Ok(()), "unknown ids are readable (absent)");
        assert_eq!(check(&[path, unknown], ALICE, &history), Err(ReadStateError::MultipleRequestIds));
    }
}
