//! The `ic0` system API: host functions a canister's Wasm calls.
//!
//! Owns the behaviour of every function in `imports::TABLE`: which modes allow it, what it reads
//! from or writes to the message environment, the heap and the system state, and what it charges.
//! Must not decide what happens after a message (commit, rollback, routing of calls). Invariant:
//! every call charges its fee before doing anything, and every heap range is bounds-checked, so a
//! canister can neither run past its instruction limit nor touch memory outside its heap.

use candid::Principal;
use wasmtime::{Caller, Linker};

use super::host::{Closure, Host, HostTrap, Mode, OutgoingCall, Response};
use super::imports::{self, MODULE};
use crate::limits::{MAX_CERTIFIED_DATA_BYTES, MAX_INTER_CANISTER_PAYLOAD_BYTES, MAX_STABLE_PAGES};
use crate::meter::{system_api_cost, Budget};

type C<'a> = Caller<'a, Host>;
type R<T> = wasmtime::Result<T>;

/// Nodes in the simulated application subnet (fees below are for 13 nodes).
const NODE_COUNT: u32 = 13;
/// Pages addressable through the 32-bit stable memory API (4 GiB).
const MAX_STABLE32_PAGES: u64 = 65_536;

/// Charges `overhead` plus `bytes` instructions against the message's fuel.
pub(crate) fn charge(c: &mut C<'_>, overhead: u64, bytes: u64) -> R<()> {
    let budget = Budget::new(c.data().env.instruction_limit);
    let remaining = c.get_fuel()?;
    match budget.charge(remaining, system_api_cost(overhead, bytes)) {
        Ok(left) => c.set_fuel(left)?,
        Err(_) => {
            c.set_fuel(0)?;
            return Err(HostTrap::InstructionLimit.into());
        }
    }
    Ok(())
}

fn require(c: &C<'_>, api: &str, allowed: impl Fn(Mode) -> bool) -> R<()> {
    let mode = c.data().env.mode;
    if mode != Mode::Start && allowed(mode) {
        Ok(())
    } else {
        Err(HostTrap::not_allowed(api, mode).into())
    }
}

fn anywhere(_: Mode) -> bool {
    true
}

fn violation(message: String) -> wasmtime::Error {
    HostTrap::ContractViolation { message }.into()
}

fn read_heap(c: &mut C<'_>, src: u32, size: u32) -> R<Vec<u8>> {
    let memory = c.data().memory.ok_or(HostTrap::HeapOutOfBounds)?;
    let heap = memory.data(&*c);
    let (start, len) = (src as usize, size as usize);
    let end = start.checked_add(len).filter(|end| *end <= heap.len()).ok_or(HostTrap::HeapOutOfBounds)?;
    Ok(heap[start..end].to_vec())
}

fn write_heap(c: &mut C<'_>, dst: u64, data: &[u8]) -> R<()> {
    let memory = c.data().memory.ok_or(HostTrap::HeapOutOfBounds)?;
    let heap = memory.data_mut(&mut *c);
    let start = usize::try_from(dst).map_err(|_| HostTrap::HeapOutOfBounds)?;
    let end = start.checked_add(data.len()).filter(|end| *end <= heap.len()).ok_or(HostTrap::HeapOutOfBounds)?;
    heap[start..end].copy_from_slice(data);
    Ok(())
}

/// The `*_copy` pattern: copy `source[offset..offset + size]` to the heap at `dst`.
fn copy_out(c: &mut C<'_>, api: &str, dst: i32, offset: i32, size: i32, source: fn(&Host) -> &[u8]) -> R<()> {
    let (dst, offset, size) = (dst as u32 as usize, offset as u32 as usize, size as u32 as usize);
    charge(c, 0, size as u64)?;
    let memory = c.data().memory.ok_or(HostTrap::HeapOutOfBounds)?;
    let (heap, host) = memory.data_and_store_mut(&mut *c);
    let src = source(host);
    let src_end = offset.checked_add(size).filter(|end| *end <= src.len()).ok_or_else(|| {
        violation(format!("ic0_{api}: src={offset} + length={size} exceeds the slice size={}", src.len()))
    })?;
    let dst_end = dst.checked_add(size).filter(|end| *end <= heap.len()).ok_or(HostTrap::HeapOutOfBounds)?;
    heap[dst..dst_end].copy_from_slice(&src[offset..src_end]);
    Ok(())
}

fn write_u128(c: &mut C<'_>, dst: i32, value: u128) -> R<()> {
    write_heap(c, dst as u32 as u64, &value.to_le_bytes())
}

fn read_text(c: &mut C<'_>, src: i32, size: i32) -> R<String> {
    charge(c, 0, size as u32 as u64)?;
    let bytes = read_heap(c, src as u32, size as u32)?;
    String::from_utf8(bytes).map_err(|_| violation("invalid UTF-8 string".to_string()))
}

fn principal_from_heap(c: &mut C<'_>, api: &str, src: i32, size: i32) -> R<Principal> {
    charge(c, 0, size as u32 as u64)?;
    let bytes = read_heap(c, src as u32, size as u32)?;
    Principal::try_from_slice(&bytes).map_err(|_| violation(format!("ic0_{api}: invalid principal")))
}

macro_rules! api {
    ($linker:ident, $name:literal, |$c:ident $(, $a:ident : $t:ty)*| -> $r:ty $body:block) => {{
        let overhead = imports::find($name)
            .ok_or_else(|| wasmtime::format_err!("`{}` is not in the import table", $name))?
            .overhead;
        $linker.func_wrap(MODULE, $name, move |mut $c: C<'_>, $($a: $t),*| -> R<$r> {
            charge(&mut $c, overhead, 0)?;
            $body
        })?;
    }};
}

/// Defines every system API function in `linker`.
pub(crate) fn link(linker: &mut Linker<Host>) -> R<()> {
    link_message(linker)?;
    link_cycles(linker)?;
    link_canister(linker)?;
    link_calls(linker)?;
    link_stable(linker)?;
    link_certification(linker)?;
    link_costs(linker)?;
    link_misc(linker)?;
    Ok(())
}

fn args_allowed(mode: Mode) -> bool {
    matches!(
        mode,
        Mode::Init
            | Mode::PostUpgrade
            | Mode::Update
            | Mode::ReplicatedQuery
            | Mode::NonReplicatedQuery
            | Mode::InspectMessage
            | Mode::ReplyCallback
    )
}

fn link_message(l: &mut Linker<Host>) -> R<()> {
    api!(l, "msg_arg_data_size", |c| -> i32 {
        require(&c, "msg_arg_data_size", args_allowed)?;
        Ok(c.data().env.arg.len() as i32)
    });
    api!(l, "msg_arg_data_copy", |c, dst: i32, off: i32, size: i32| -> () {
        require(&c, "msg_arg_data_copy", args_allowed)?;
        copy_out(&mut c, "msg_arg_data_copy", dst, off, size, |h| &h.env.arg)
    });
    api!(l, "msg_caller_size", |c| -> i32 {
        require(&c, "msg_caller_size", anywhere)?;
        Ok(c.data().env.caller.as_slice().len() as i32)
    });
    api!(l, "msg_caller_copy", |c, dst: i32, off: i32, size: i32| -> () {
        require(&c, "msg_caller_copy", anywhere)?;
        copy_out(&mut c, "msg_caller_copy", dst, off, size, |h| h.env.caller.as_slice())
    });
    api!(l, "msg_caller_info_data_size", |c| -> i32 {
        require(&c, "msg_caller_info_data_size", anywhere)?;
        Ok(0)
    });
    api!(l, "msg_caller_info_data_copy", |c, dst: i32, off: i32, size: i32| -> () {
        require(&c, "msg_caller_info_data_copy", anywhere)?;
        copy_out(&mut c, "msg_caller_info_data_copy", dst, off, size, |_| &[])
    });
    api!(l, "msg_caller_info_signer_size", |c| -> i32 {
        require(&c, "msg_caller_info_signer_size", anywhere)?;
        Ok(0)
    });
    api!(l, "msg_caller_info_signer_copy", |c, dst: i32, off: i32, size: i32| -> () {
        require(&c, "msg_caller_info_signer_copy", anywhere)?;
        copy_out(&mut c, "msg_caller_info_signer_copy", dst, off, size, |_| &[])
    });
    api!(l, "msg_reject_code", |c| -> i32 {
        require(&c, "msg_reject_code", |m| matches!(m, Mode::ReplyCallback | Mode::RejectCallback))?;
        Ok(c.data().env.reject.as_ref().map_or(0, |(code, _)| *code as i32))
    });
    api!(l, "msg_reject_msg_size", |c| -> i32 {
        require(&c, "msg_reject_msg_size", |m| m == Mode::RejectCallback)?;
        Ok(c.data().env.reject.as_ref().map_or(0, |(_, text)| text.len() as i32))
    });
    api!(l, "msg_reject_msg_copy", |c, dst: i32, off: i32, size: i32| -> () {
        require(&c, "msg_reject_msg_copy", |m| m == Mode::RejectCallback)?;
        copy_out(&mut c, "msg_reject_msg_copy", dst, off, size, |h| {
            h.env.reject.as_ref().map_or(&[][..], |(_, text)| text.as_bytes())
        })
    });
    api!(l, "msg_deadline", |c| -> i64 {
        require(&c, "msg_deadline", Mode::can_respond)?;
        Ok(0)
    });
    api!(l, "msg_reply_data_append", |c, src: i32, size: i32| -> () {
        require(&c, "msg_reply_data_append", Mode::can_respond)?;
        not_yet_responded(&c, "msg_reply_data_append")?;
        charge(&mut c, 0, size as u32 as u64)?;
        let limit = c.data().env.reply_limit;
        let total = c.data().env.reply_buffer.len() + size as u32 as usize;
        if total > limit {
            return Err(violation(format!(
                "ic0.msg_reply_data_append: application payload size ({total}) cannot be larger than {limit}."
            )));
        }
        let bytes = read_heap(&mut c, src as u32, size as u32)?;
        c.data_mut().env.reply_buffer.extend_from_slice(&bytes);
        Ok(())
    });
    api!(l, "msg_reply", |c| -> () {
        require(&c, "msg_reply", Mode::can_respond)?;
        not_yet_responded(&c, "msg_reply")?;
        let env = &mut c.data_mut().env;
        env.response = Some(Response::Reply(std::mem::take(&mut env.reply_buffer)));
        Ok(())
    });
    api!(l, "msg_reject", |c, src: i32, size: i32| -> () {
        require(&c, "msg_reject", Mode::can_respond)?;
        not_yet_responded(&c, "msg_reject")?;
        charge(&mut c, 0, size as u32 as u64)?;
        let bytes = read_heap(&mut c, src as u32, size as u32)?;
        c.data_mut().env.response = Some(Response::Reject(String::from_utf8_lossy(&bytes).into_owned()));
        Ok(())
    });
    api!(l, "msg_method_name_size", |c| -> i32 {
        require(&c, "msg_method_name_size", |m| m == Mode::InspectMessage)?;
        Ok(c.data().env.method.len() as i32)
    });
    api!(l, "msg_method_name_copy", |c, dst: i32, off: i32, size: i32| -> () {
        require(&c, "msg_method_name_copy", |m| m == Mode::InspectMessage)?;
        copy_out(&mut c, "msg_method_name_copy", dst, off, size, |h| h.env.method.as_bytes())
    });
    api!(l, "accept_message", |c| -> () {
        require(&c, "accept_message", |m| m == Mode::InspectMessage)?;
        if c.data().env.accepted {
            return Err(violation("ic0.accept_message: the function was already called.".to_string()));
        }
        c.data_mut().env.accepted = true;
        Ok(())
    });
    Ok(())
}

fn not_yet_responded(c: &C<'_>, api: &str) -> R<()> {
    let env = &c.data().env;
    if env.response.is_some() || env.context_responded {
        return Err(violation(format!("ic0.{api}: the call is already replied")));
    }
    Ok(())
}

fn accept_cycles(c: &mut C<'_>, max: u128) -> u128 {
    let env = &mut c.data_mut().env;
    let amount = env.cycles_available.min(max);
    env.cycles_available -= amount;
    env.cycles_accepted += amount;
    env.cycle_balance = env.cycle_balance.saturating_add(amount);
    amount
}

fn link_cycles(l: &mut Linker<Host>) -> R<()> {
    api!(l, "msg_cycles_available", |c| -> i64 {
        require(&c, "msg_cycles_available", anywhere)?;
        Ok(c.data().env.cycles_available.min(u64::MAX as u128) as i64)
    });
    api!(l, "msg_cycles_available128", |c, dst: i32| -> () {
        require(&c, "msg_cycles_available128", anywhere)?;
        let amount = c.data().env.cycles_available;
        write_u128(&mut c, dst, amount)
    });
    api!(l, "msg_cycles_refunded", |c| -> i64 {
        require(&c, "msg_cycles_refunded", |m| matches!(m, Mode::ReplyCallback | Mode::RejectCallback))?;
        Ok(c.data().env.cycles_refunded.min(u64::MAX as u128) as i64)
    });
    api!(l, "msg_cycles_refunded128", |c, dst: i32| -> () {
        require(&c, "msg_cycles_refunded128", |m| matches!(m, Mode::ReplyCallback | Mode::RejectCallback))?;
        let amount = c.data().env.cycles_refunded;
        write_u128(&mut c, dst, amount)
    });
    api!(l, "msg_cycles_accept", |c, max: i64| -> i64 {
        require(&c, "msg_cycles_accept", Mode::can_respond)?;
        Ok(accept_cycles(&mut c, max as u64 as u128) as i64)
    });
    api!(l, "msg_cycles_accept128", |c, high: i64, low: i64, dst: i32| -> () {
        require(&c, "msg_cycles_accept128", Mode::can_respond)?;
        let amount = accept_cycles(&mut c, ((high as u64 as u128) << 64) | low as u64 as u128);
        write_u128(&mut c, dst, amount)
    });
    api!(l, "cycles_burn128", |c, high: i64, low: i64, dst: i32| -> () {
        require(&c, "cycles_burn128", Mode::persists)?;
        let wanted = ((high as u64 as u128) << 64) | low as u64 as u128;
        let env = &mut c.data_mut().env;
        let burned = env.cycle_balance.min(wanted);
        env.cycle_balance -= burned;
        write_u128(&mut c, dst, burned)
    });
    api!(l, "canister_cycle_balance", |c| -> i64 {
        require(&c, "canister_cycle_balance", anywhere)?;
        Ok(c.data().env.cycle_balance.min(u64::MAX as u128) as i64)
    });
    api!(l, "canister_cycle_balance128", |c, dst: i32| -> () {
        require(&c, "canister_cycle_balance128", anywhere)?;
        let balance = c.data().env.cycle_balance;
        write_u128(&mut c, dst, balance)
    });
    api!(l, "canister_liquid_cycle_balance128", |c, dst: i32| -> () {
        require(&c, "canister_liquid_cycle_balance128", anywhere)?;
        let balance = c.data().env.cycle_balance;
        write_u128(&mut c, dst, balance)
    });
    Ok(())
}

fn link_canister(l: &mut Linker<Host>) -> R<()> {
    api!(l, "canister_self_size", |c| -> i32 {
        require(&c, "canister_self_size", anywhere)?;
        Ok(c.data().env.canister.as_slice().len() as i32)
    });
    api!(l, "canister_self_copy", |c, dst: i32, off: i32, size: i32| -> () {
        require(&c, "canister_self_copy", anywhere)?;
        copy_out(&mut c, "canister_self_copy", dst, off, size, |h| h.env.canister.as_slice())
    });
    api!(l, "canister_status", |c| -> i32 {
        require(&c, "canister_status", anywhere)?;
        Ok(1)
    });
    api!(l, "canister_version", |c| -> i64 {
        require(&c, "canister_version", anywhere)?;
        Ok(c.data().env.canister_version as i64)
    });
    api!(l, "subnet_self_size", |c| -> i32 {
        require(&c, "subnet_self_size", anywhere)?;
        Ok(c.data().env.subnet.as_slice().len() as i32)
    });
    api!(l, "subnet_self_copy", |c, dst: i32, off: i32, size: i32| -> () {
        require(&c, "subnet_self_copy", anywhere)?;
        copy_out(&mut c, "subnet_self_copy", dst, off, size, |h| h.env.subnet.as_slice())
    });
    api!(l, "subnet_self_node_count", |c| -> i32 {
        require(&c, "subnet_self_node_count", anywhere)?;
        Ok(NODE_COUNT as i32)
    });
    api!(l, "is_controller", |c, src: i32, size: i32| -> i32 {
        require(&c, "is_controller", anywhere)?;
        let principal = principal_from_heap(&mut c, "is_controller", src, size)?;
        Ok(i32::from(c.data().env.controllers.contains(&principal)))
    });
    api!(l, "in_replicated_execution", |c| -> i32 {
        require(&c, "in_replicated_execution", anywhere)?;
        Ok(i32::from(!matches!(c.data().env.mode, Mode::NonReplicatedQuery | Mode::InspectMessage)))
    });
    Ok(())
}

fn link_calls(l: &mut Linker<Host>) -> R<()> {
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
        charge(&mut c, 0, size as u32 as u64)?;
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

fn stable_read(c: &mut C<'_>, dst: u64, offset: u64, size: u64) -> R<()> {
    charge(c, 0, size)?;
    let len = usize::try_from(size).map_err(|_| HostTrap::HeapOutOfBounds)?;
    let memory = c.data().memory.ok_or(HostTrap::HeapOutOfBounds)?;
    let (heap, host) = memory.data_and_store_mut(&mut *c);
    let start = usize::try_from(dst).map_err(|_| HostTrap::HeapOutOfBounds)?;
    let end = start.checked_add(len).filter(|end| *end <= heap.len()).ok_or(HostTrap::HeapOutOfBounds)?;
    host.system.stable.read(offset, &mut heap[start..end]).map_err(|_| HostTrap::StableOutOfBounds)?;
    Ok(())
}

fn stable_write(c: &mut C<'_>, offset: u64, src: u64, size: u64) -> R<()> {
    charge(c, 0, size)?;
    let len = usize::try_from(size).map_err(|_| HostTrap::HeapOutOfBounds)?;
    let memory = c.data().memory.ok_or(HostTrap::HeapOutOfBounds)?;
    let (heap, host) = memory.data_and_store_mut(&mut *c);
    let start = usize::try_from(src).map_err(|_| HostTrap::HeapOutOfBounds)?;
    let end = start.checked_add(len).filter(|end| *end <= heap.len()).ok_or(HostTrap::HeapOutOfBounds)?;
    host.system.stable.write(offset, &heap[start..end]).map_err(|_| HostTrap::StableOutOfBounds)?;
    Ok(())
}

fn stable_grow(c: &mut C<'_>, pages: u64, max_pages: u64) -> Option<u64> {
    let stable = &mut c.data_mut().system.stable;
    let new_size = stable.size_pages().checked_add(pages)?;
    (new_size <= max_pages).then(|| stable.grow(pages))
}

fn link_stable(l: &mut Linker<Host>) -> R<()> {
    api!(l, "stable_size", |c| -> i32 {
        require(&c, "stable_size", anywhere)?;
        let size = c.data().system.stable.size_pages();
        if size > MAX_STABLE32_PAGES {
            return Err(HostTrap::Stable32Overflow.into());
        }
        Ok(size as i32)
    });
    api!(l, "stable_grow", |c, pages: i32| -> i32 {
        require(&c, "stable_grow", anywhere)?;
        if c.data().system.stable.size_pages() > MAX_STABLE32_PAGES {
            return Err(HostTrap::Stable32Overflow.into());
        }
        Ok(stable_grow(&mut c, pages as u32 as u64, MAX_STABLE32_PAGES).map_or(-1, |old| old as i32))
    });
    api!(l, "stable_write", |c, offset: i32, src: i32, size: i32| -> () {
        require(&c, "stable_write", anywhere)?;
        stable_write(&mut c, offset as u32 as u64, src as u32 as u64, size as u32 as u64)
    });
    api!(l, "stable_read", |c, dst: i32, offset: i32, size: i32| -> () {
        require(&c, "stable_read", anywhere)?;
        stable_read(&mut c, dst as u32 as u64, offset as u32 as u64, size as u32 as u64)
    });
    api!(l, "stable64_size", |c| -> i64 {
        require(&c, "stable64_size", anywhere)?;
        Ok(c.data().system.stable.size_pages() as i64)
    });
    api!(l, "stable64_grow", |c, pages: i64| -> i64 {
        require(&c, "stable64_grow", anywhere)?;
        Ok(stable_grow(&mut c, pages as u64, MAX_STABLE_PAGES).map_or(-1, |old| old as i64))
    });
    api!(l, "stable64_write", |c, offset: i64, src: i64, size: i64| -> () {
        require(&c, "stable64_write", anywhere)?;
        stable_write(&mut c, offset as u64, src as u64, size as u64)
    });
    api!(l, "stable64_read", |c, dst: i64, offset: i64, size: i64| -> () {
        require(&c, "stable64_read", anywhere)?;
        stable_read(&mut c, dst as u64, offset as u64, size as u64)
    });
    Ok(())
}

fn link_certification(l: &mut Linker<Host>) -> R<()> {
    api!(l, "root_key_size", |c| -> i32 {
        require(&c, "root_key_size", anywhere)?;
        Ok(c.data().env.root_key.len() as i32)
    });
    api!(l, "root_key_copy", |c, dst: i32, off: i32, size: i32| -> () {
        require(&c, "root_key_copy", anywhere)?;
        copy_out(&mut c, "root_key_copy", dst, off, size, |h| &h.env.root_key)
    });
    api!(l, "certified_data_set", |c, src: i32, size: i32| -> () {
        require(&c, "certified_data_set", |m| m.persists() && m != Mode::Cleanup)?;
        if size as u32 as usize > MAX_CERTIFIED_DATA_BYTES {
            return Err(violation(format!(
                "ic0_certified_data_set failed because the passed data must be no larger than {MAX_CERTIFIED_DATA_BYTES} bytes. Found {} bytes.",
                size as u32
            )));
        }
        charge(&mut c, 0, size as u32 as u64)?;
        let data = read_heap(&mut c, src as u32, size as u32)?;
        c.data_mut().system.certified_data = data;
        Ok(())
    });
    api!(l, "data_certificate_present", |c| -> i32 {
        require(&c, "data_certificate_present", anywhere)?;
        Ok(i32::from(c.data().env.data_certificate.is_some()))
    });
    api!(l, "data_certificate_size", |c| -> i32 {
        require(&c, "data_certificate_size", |m| m == Mode::NonReplicatedQuery)?;
        Ok(c.data().env.data_certificate.as_ref().map_or(0, Vec::len) as i32)
    });
    api!(l, "data_certificate_copy", |c, dst: i32, off: i32, size: i32| -> () {
        require(&c, "data_certificate_copy", |m| m == Mode::NonReplicatedQuery)?;
        copy_out(&mut c, "data_certificate_copy", dst, off, size, |h| {
            h.env.data_certificate.as_deref().unwrap_or(&[])
        })
    });
    Ok(())
}

fn link_costs(l: &mut Linker<Host>) -> R<()> {
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

fn link_misc(l: &mut Linker<Host>) -> R<()> {
    api!(l, "time", |c| -> i64 {
        require(&c, "time", anywhere)?;
        Ok(c.data().env.time_ns as i64)
    });
    api!(l, "global_timer_set", |c, when: i64| -> i64 {
        require(&c, "global_timer_set", |m| m.persists() && m != Mode::Cleanup)?;
        let system = &mut c.data_mut().system;
        Ok(std::mem::replace(&mut system.global_timer, when as u64) as i64)
    });
    api!(l, "performance_counter", |c, kind: i32| -> i64 {
        require(&c, "performance_counter", anywhere)?;
        let used = Budget::new(c.data().env.instruction_limit).used(c.get_fuel()?);
        match kind {
            0 => Ok(used as i64),
            1 => Ok((c.data().env.context_instructions + used) as i64),
            _ => Err(violation(format!("ic0_performance_counter: unknown counter type {kind}"))),
        }
    });
    // No environment variables are configured on local canisters.
    api!(l, "env_var_count", |c| -> i32 {
        require(&c, "env_var_count", anywhere)?;
        Ok(0)
    });
    api!(l, "env_var_name_size", |c, index: i32| -> i32 {
        require(&c, "env_var_name_size", anywhere)?;
        Err(violation(format!("ic0_env_var_name_size: index {index} out of bounds (0 variables)")))
    });
    api!(l, "env_var_name_copy", |c, index: i32, _dst: i32, _off: i32, _size: i32| -> () {
        require(&c, "env_var_name_copy", anywhere)?;
        Err(violation(format!("ic0_env_var_name_copy: index {index} out of bounds (0 variables)")))
    });
    api!(l, "env_var_name_exists", |c, src: i32, size: i32| -> i32 {
        require(&c, "env_var_name_exists", anywhere)?;
        read_text(&mut c, src, size)?;
        Ok(0)
    });
    api!(l, "env_var_value_size", |c, src: i32, size: i32| -> i32 {
        require(&c, "env_var_value_size", anywhere)?;
        let name = read_text(&mut c, src, size)?;
        Err(violation(format!("ic0_env_var_value_size: environment variable `{name}` not found")))
    });
    api!(l, "env_var_value_copy", |c, src: i32, size: i32, _dst: i32, _off: i32, _len: i32| -> () {
        require(&c, "env_var_value_copy", anywhere)?;
        let name = read_text(&mut c, src, size)?;
        Err(violation(format!("ic0_env_var_value_copy: environment variable `{name}` not found")))
    });
    api!(l, "debug_print", |c, src: i32, size: i32| -> () {
        charge(&mut c, 0, size as u32 as u64)?;
        let bytes = read_heap(&mut c, src as u32, size as u32)?;
        eprintln!("[Canister {}] {}", c.data().env.canister, String::from_utf8_lossy(&bytes));
        Ok(())
    });
    api!(l, "trap", |c, src: i32, size: i32| -> () {
        charge(&mut c, 0, size as u32 as u64)?;
        let bytes = read_heap(&mut c, src as u32, size as u32)?;
        Err(HostTrap::Explicit { message: String::from_utf8_lossy(&bytes).into_owned() }.into())
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linker_defines_exactly_the_import_table() {
        let engine = wasmtime::Engine::default();
        let mut linker = Linker::<Host>::new(&engine);
        link(&mut linker).unwrap();
        let anonymous = Principal::anonymous();
        let env = super::super::host::Env::new(Mode::Update, anonymous, anonymous, Vec::new());
        let host = Host { memory: None, system: crate::state::SystemState::default(), env };
        let mut store = wasmtime::Store::new(&engine, host);
        let items: Vec<(String, wasmtime::Extern)> = linker
            .iter(&mut store)
            .map(|(module, name, item)| {
                assert_eq!(module, MODULE);
                (name.to_string(), item)
            })
            .collect();
        let defined: Vec<(String, wasmtime::FuncType)> = items
            .into_iter()
            .filter_map(|(name, item)| item.into_func().map(|f| (name, f.ty(&store))))
            .collect();
        assert_eq!(defined.len(), imports::TABLE.len());
        for import in imports::TABLE {
            let (_, ty) = defined.iter().find(|(name, _)| name == import.name).expect(import.name);
            let params: Vec<_> = ty.params().collect();
            let results: Vec<_> = ty.results().collect();
            assert_eq!(params.len(), import.params.len(), "{}", import.name);
            assert_eq!(results.len(), import.results.len(), "{}", import.name);
            let same = |ours: &[imports::Ty], theirs: &[wasmtime::ValType]| {
                ours.iter().zip(theirs).all(|(a, b)| match a {
                    imports::Ty::I32 => matches!(b, wasmtime::ValType::I32),
                    imports::Ty::I64 => matches!(b, wasmtime::ValType::I64),
                })
            };
            assert!(same(import.params, &params), "{}", import.name);
            assert!(same(import.results, &results), "{}", import.name);
        }
    }
}
