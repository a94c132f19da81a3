//! Assembling and performing inter-canister calls.
//!
//! Part of the system API (see the parent module): must not decide what happens after the
//! message; every function charges its fee first and bounds-checks every heap range it touches.

use super::*;

pub(super) fn link_calls(l: &mut Linker<Host>) -> R<()> {
    api!(l, "call_new", |c, callee_src: i32, callee_size: i32, name_src: i32, name_size: i32, reply_fun: i32, reply_env: i32, reject_fun: i32, reject_env: i32| -> () {
        require(&c, "call_new", Mode::can_call)?;
        let callee = principal_from_heap(&mut c, "call_new", callee_src, callee_size)?;
        let method = read_text(&mut c, name_src, name_size)?;
        c.data_mut().env.pending_call = Some(OutgoingCall {
            callee,
            method,
            payload: Vec::new(),
            cycles: 0,
            on_reply: Closure { fun: reply_fun as u32, env: reply_env as u32 },
            on_reject: Closure { fun: reject_fun as u32, env: reject_env as u32 },
            on_cleanup: None,
        });
        Ok(())
    });
    api!(l, "call_on_cleanup", |c, fun: i32, env: i32| -> () {
        require(&c, "call_on_cleanup", Mode::can_call)?;
        let call = pending(&mut c, "call_on_cleanup")?;
        if call.on_cleanup.is_some() {
            return Err(violation("ic0.call_on_cleanup: cleanup closure already set".to_string()));
        }
        call.on_cleanup = Some(Closure { fun: fun as u32, env: env as u32 });
        Ok(())
    });
    api!(l, "call_data_append", |c, src: i32, size: i32| -> () {
        require(&c, "call_data_append", Mode::can_call)?;
        charge_transmission(&mut c, size as u32 as u64)?;
        let bytes = read_heap(&mut c, src as u32, size as u32)?;
        let call = pending(&mut c, "call_data_append")?;
        if call.payload.len() + bytes.len() > MAX_INTER_CANISTER_PAYLOAD_BYTES {
            return Err(violation(format!(
                "ic0.call_data_append: the payload size exceeds the maximum of {MAX_INTER_CANISTER_PAYLOAD_BYTES} bytes"
            )));
        }
        call.payload.extend_from_slice(&bytes);
        Ok(())
    });
    api!(l, "call_with_best_effort_response", |c, _timeout: i32| -> () {
        require(&c, "call_with_best_effort_response", Mode::can_call)?;
        pending(&mut c, "call_with_best_effort_response").map(|_| ())
    });
    api!(l, "call_cycles_add", |c, amount: i64| -> () {
        require(&c, "call_cycles_add", Mode::can_call)?;
        add_cycles(&mut c, amount as u64 as u128)
    });
    api!(l, "call_cycles_add128", |c, high: i64, low: i64| -> () {
        require(&c, "call_cycles_add128", Mode::can_call)?;
        add_cycles(&mut c, ((high as u64 as u128) << 64) | low as u64 as u128)
    });
    api!(l, "call_perform", |c| -> i32 {
        require(&c, "call_perform", Mode::can_call)?;
        let call = c.data_mut().env.pending_call.take().ok_or_else(|| {
            violation("ic0.call_perform: no call is being assembled (call ic0.call_new first)".to_string())
        })?;
        c.data_mut().env.performed_calls.push(call);
        Ok(0)
    });
    Ok(())
}

fn pending<'a>(c: &'a mut C<'_>, api: &str) -> R<&'a mut OutgoingCall> {
    c.data_mut()
        .env
        .pending_call
        .as_mut()
        .ok_or_else(|| violation(format!("ic0.{api}: no call is being assembled (call ic0.call_new first)")))
}

fn add_cycles(c: &mut C<'_>, amount: u128) -> R<()> {
    pending(c, "call_cycles_add128")?;
    let env = &mut c.data_mut().env;
    if env.cycle_balance < amount {
        return Err(violation(format!(
            "ic0.call_cycles_add128: cannot transfer {amount} cycles, the balance is {}",
            env.cycle_balance
        )));
    }
    env.cycle_balance -= amount;
    if let Some(call) = env.pending_call.as_mut() {
        call.cycles += amount;
    }
    Ok(())
}
