//! Root key, certified data and the data certificate.
//!
//! Part of the system API (see the parent module): must not decide what happens after the
//! message; every function charges its fee first and bounds-checks every heap range it touches.

use super::*;

pub(super) fn link_certification(l: &mut Linker<Host>) -> R<()> {
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
