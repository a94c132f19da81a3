//! Time, timer, performance counter, environment variables, debug print and trap.
//!
//! Part of the system API (see the parent module): must not decide what happens after the
//! message; every function charges its fee first and bounds-checks every heap range it touches.

use super::*;

pub(super) fn link_misc(l: &mut Linker<Host>) -> R<()> {
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
        charge_log(&mut c, size as u32 as u64)?;
        let bytes = read_heap(&mut c, src as u32, size as u32)?;
        eprintln!("[Canister {}] {}", c.data().env.canister, String::from_utf8_lossy(&bytes));
        Ok(())
    });
    api!(l, "trap", |c, src: i32, size: i32| -> () {
        charge_log(&mut c, size as u32 as u64)?;
        let bytes = read_heap(&mut c, src as u32, size as u32)?;
        Err(HostTrap::Explicit { message: String::from_utf8_lossy(&bytes).into_owned() }.into())
    });
    Ok(())
}
