//! Stable memory: size, grow, read and write, in the 32-bit and 64-bit variants.
//!
//! Part of the system API (see the parent module): must not decide what happens after the
//! message; every function charges its fee first and bounds-checks every heap range it touches.

use super::*;

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

pub(super) fn link_stable(l: &mut Linker<Host>) -> R<()> {
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
