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
use crate::meter::{log_cost, system_api_cost, transmission_cost, Budget};

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

/// Charges the transmission fee for `bytes` bytes leaving the canister (it replaces the
/// per-byte copy charge) and books it as transmission.
fn charge_transmission(c: &mut C<'_>, bytes: u64) -> R<()> {
    let fee = transmission_cost(bytes);
    charge(c, 0, fee)?;
    let env = &mut c.data_mut().env;
    env.transmission_instructions = env.transmission_instructions.saturating_add(fee);
    Ok(())
}

/// Charges a `bytes`-byte canister log message: the copy, the log's storage and transmission;
/// books the transmission part.
fn charge_log(c: &mut C<'_>, bytes: u64) -> R<()> {
    let transmitted = transmission_cost(bytes.min(crate::meter::LOG_BUFFER_BYTES));
    charge(c, 0, bytes.saturating_add(log_cost(bytes)))?;
    let env = &mut c.data_mut().env;
    env.transmission_instructions = env.transmission_instructions.saturating_add(transmitted);
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

mod calls;
mod canister;
mod certification;
mod costs;
mod cycles;
mod message;
mod misc;
mod stable;

/// Defines every system API function in `linker`.
pub(crate) fn link(linker: &mut Linker<Host>) -> R<()> {
    message::link_message(linker)?;
    cycles::link_cycles(linker)?;
    canister::link_canister(linker)?;
    calls::link_calls(linker)?;
    stable::link_stable(linker)?;
    certification::link_certification(linker)?;
    costs::link_costs(linker)?;
    misc::link_misc(linker)?;
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
