//! Cycles the message carries and the canister holds.
//!
//! Part of the system API (see the parent module): must not decide what happens after the
//! message; every function charges its fee first and bounds-checks every heap range it touches.

use super::*;

fn accept_cycles(c: &mut C<'_>, max: u128) -> u128 {
    let env = &mut c.data_mut().env;
    let amount = env.cycles_available.min(max);
    env.cycles_available -= amount;
    env.cycles_accepted += amount;
    env.cycle_balance = env.cycle_balance.saturating_add(amount);
    amount
}

pub(super) fn link_cycles(l: &mut Linker<Host>) -> R<()> {
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
