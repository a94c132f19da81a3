//! Which state-tree paths a `read_state` request may ask for, and on whose behalf.
//!
//! Owns the access rules of the IC interface specification: `time`, `subnet/...`,
//! `canister_ranges/...`, `api_boundary_nodes/...`, `canister/<effective id>/{module_hash,
//! controllers, metadata/<name>}` and `request_status/<id>/...` (one request id, readable only by
//! that request's sender). It never builds or signs trees. Invariant: a path that passed
//! [`authorize`] reveals nothing the sender may not see.

use candid::Principal;
use ic_certification::Label;

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

/// Checks every path and returns them as plain byte labels.
pub(crate) fn authorize(
    paths: &[Vec<Label>],
    sender: Principal,
    effective: Option<Principal>,
    canister: &CanisterAccess<'_>,
    history: &IngressHistory,
) -> Result<Vec<Vec<Vec<u8>>>, ReadStateError> {
    let mut request_id: Option<&[u8]> = None;
    for path in paths {
        let labels: Vec<&[u8]> = path.iter().map(|label| label.as_bytes()).collect();
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
    Ok(paths
        .iter()
        .map(|path| path.iter().map(|label| label.as_bytes().to_vec()).collect())
        .collect())
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
