//! Cycle cost queries (`cost_*`), priced for a 13-node application subnet.
//!
//! Part of the system API (see the parent module): must not decide what happens after the
//! message; every function charges its fee first and bounds-checks every heap range it touches.

use super::*;

pub(super) fn link_costs(l: &mut Linker<Host>) -> R<()> {
    api!(l, "cost_call", |c, method_size: i64, payload_size: i64, dst: i32| -> () {
        require(&c, "cost_call", anywhere)?;
        let bytes = (method_size as u64 as u128).saturating_add(payload_size as u64 as u128);
        write_u128(&mut c, dst, 260_000 + 1_000 * bytes)
    });
    api!(l, "cost_create_canister", |c, dst: i32| -> () {
        require(&c, "cost_create_canister", anywhere)?;
        write_u128(&mut c, dst, 500_000_000_000)
    });
    api!(l, "cost_http_request", |c, request_size: i64, max_response: i64, dst: i32| -> () {
        require(&c, "cost_http_request", anywhere)?;
        let n = NODE_COUNT as u128;
        let cost = (3_000_000 + 60_000 * n) * n
            + 400 * n * request_size as u64 as u128
            + 800 * n * max_response as u64 as u128;
        write_u128(&mut c, dst, cost)
    });
    // The local subnet holds no threshold keys: a known curve gets "no such key" (2).
    api!(l, "cost_sign_with_ecdsa", |c, src: i32, size: i32, curve: i32, _dst: i32| -> i32 {
        require(&c, "cost_sign_with_ecdsa", anywhere)?;
        read_text(&mut c, src, size)?;
        Ok(if curve == 0 { 2 } else { 1 })
    });
    api!(l, "cost_sign_with_schnorr", |c, src: i32, size: i32, algorithm: i32, _dst: i32| -> i32 {
        require(&c, "cost_sign_with_schnorr", anywhere)?;
        read_text(&mut c, src, size)?;
        Ok(if matches!(algorithm, 0 | 1) { 2 } else { 1 })
    });
    api!(l, "cost_vetkd_derive_key", |c, src: i32, size: i32, curve: i32, _dst: i32| -> i32 {
        require(&c, "cost_vetkd_derive_key", anywhere)?;
        read_text(&mut c, src, size)?;
        Ok(if curve == 0 { 2 } else { 1 })
    });
    Ok(())
}
