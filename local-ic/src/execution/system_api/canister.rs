//! What the canister knows about itself and its subnet: id, status, version, controllers.
//!
//! Part of the system API (see the parent module): must not decide what happens after the
//! message; every function charges its fee first and bounds-checks every heap range it touches.

use super::*;

pub(super) fn link_canister(l: &mut Linker<Host>) -> R<()> {
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
