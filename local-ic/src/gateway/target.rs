//! Which canister a browser request is for: `<canister-id>.localhost` in the `Host` header, or the
//! `canisterId` query parameter as a fallback, as `dfx start`'s gateway resolves it.
//!
//! Owns only this resolution, as pure functions of the host and URI. Invariant: a request under
//! `/api/` is never taken for a canister, whatever its host, so the replica API stays reachable on
//! the shared port, also for a frontend that talks to its backend through its own origin (as boundary
//! nodes and `dfx start` route `/api/`).

use candid::Principal;

/// Where a request on the shared port goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The replica HTTP API (`/api/...`, on any host).
    ReplicaApi,
    /// The HTTP gateway, for this canister.
    Canister(Principal),
    /// Neither: no canister could be resolved.
    Unresolved,
}

/// Resolves the target of a request with `host` (the `Host` header, possibly with a port) and
/// the URI's `path` and `query`.
pub fn resolve(host: Option<&str>, path: &str, query: Option<&str>) -> Target {
    if path == "/api" || path.starts_with("/api/") {
        return Target::ReplicaApi;
    }
    if let Some(canister) = host.and_then(canister_from_host) {
        return Target::Canister(canister);
    }
    match query.and_then(canister_from_query) {
        Some(canister) => Target::Canister(canister),
        None => Target::Unresolved,
    }
}

fn canister_from_host(host: &str) -> Option<Principal> {
    let name = host.rsplit_once(':').map_or(host, |(name, port)| {
        if port.chars().all(|c| c.is_ascii_digit()) { name } else { host }
    });
    let first = name.strip_suffix(".localhost")?.split('.').next()?;
    Principal::from_text(first).ok()
}

fn canister_from_query(query: &str) -> Option<Principal> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == "canisterId")
        .and_then(|(_, value)| Principal::from_text(value).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "rrkah-fqaaa-aaaaa-aaaaq-cai";

    fn id() -> Principal {
        Principal::from_text(ID).unwrap()
    }

    #[test]
    fn host_subdomain_names_the_canister_except_under_api() {
        let host = format!("{ID}.localhost:4943");
        assert_eq!(resolve(Some(&host), "/api/v2/status", None), Target::ReplicaApi);
        assert_eq!(resolve(Some(&host), "/apiary", None), Target::Canister(id()));
        let host = format!("{ID}.localhost");
        assert_eq!(resolve(Some(&host), "/index.html", None), Target::Canister(id()));
    }

    #[test]
    fn api_paths_go_to_the_replica_on_a_plain_host() {
        assert_eq!(resolve(Some("127.0.0.1:4943"), "/api/v2/status", None), Target::ReplicaApi);
        let query = format!("canisterId={ID}");
        assert_eq!(resolve(Some("localhost"), "/api/v3/x", Some(&query)), Target::ReplicaApi);
    }

    #[test]
    fn query_parameter_is_the_fallback() {
        let query = format!("a=1&canisterId={ID}");
        assert_eq!(resolve(Some("127.0.0.1:8000"), "/", Some(&query)), Target::Canister(id()));
        assert_eq!(resolve(None, "/", Some("canisterId=not-a-principal")), Target::Unresolved);
        assert_eq!(resolve(Some("example.com"), "/", None), Target::Unresolved);
        assert_eq!(resolve(Some("nonsense.localhost"), "/", None), Target::Unresolved);
    }

    proptest::proptest! {
        #[test]
        fn any_canister_subdomain_resolves_to_that_canister(
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..=29),
            port in proptest::option::of(proptest::prelude::any::<u16>()),
            path in "/[b-z0-9/._-]{0,24}",
        ) {
            let canister = Principal::from_slice(&bytes);
            let host = match port {
                Some(port) => format!("{canister}.localhost:{port}"),
                None => format!("{canister}.localhost"),
            };
            proptest::prop_assert_eq!(resolve(Some(&host), &path, None), Target::Canister(canister));
        }

        #[test]
        fn api_paths_never_reach_a_canister(
            rest in "[a-z0-9/._-]{0,24}",
            bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..=29),
        ) {
            let canister = Principal::from_slice(&bytes);
            let query = format!("canisterId={canister}");
            let path = format!("/api/{rest}");
            proptest::prop_assert_eq!(resolve(Some("127.0.0.1:4943"), &path, Some(&query)), Target::ReplicaApi);
            let host = format!("{canister}.localhost:4943");
            proptest::prop_assert_eq!(resolve(Some(&host), &path, None), Target::ReplicaApi);
        }
    }
}
