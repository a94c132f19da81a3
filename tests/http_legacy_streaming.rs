//! Legacy (v1) requests for an asset above one chunk get a streaming callback that names this
//! canister, after install and after an upgrade: the shell reads `canister_self` once in
//! `init`/`post_upgrade` instead of per request, so both paths must set it.

mod support;

use asset_canister_core::http_types::StreamingStrategy;
use support::{request, site, Canister};

fn callback_principal(c: &mut Canister) -> candid::Principal {
    let (r, _) = c.http(&request("GET", "/big.bin", &[]));
    assert_eq!(r.status_code, 200);
    match r.streaming_strategy.expect("a v1 response above one chunk streams") {
        StreamingStrategy::Callback { callback, .. } => {
            assert_eq!(callback.0.method, "http_request_streaming_callback");
            callback.0.principal
        }
    }
}

#[test]
fn streaming_callback_names_this_canister_after_install_and_upgrade() {
    let mut c = Canister::install();
    c.upload(&site(false, true));
    assert_eq!(callback_principal(&mut c), c.id);
    c.upgrade();
    assert_eq!(callback_principal(&mut c), c.id);
}
