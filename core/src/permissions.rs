//! Who may do what: the legacy asset-canister permission rules over a stable set.
//!
//! Owns the `(permission, principal)` set. Controllers are not stored (the shell says whether
//! the caller is one). Rules: controllers and ManagePermissions holders grant and revoke; anyone
//! may revoke their own permission; only controllers take ownership; Commit implies Prepare.
//! Invariant: the anonymous principal never holds a permission.

use crate::error::Error;
use crate::types::{Permission, SetPermissions};
use candid::Principal;
use ic_stable_structures::{Memory, StableBTreeMap};

fn tag(p: Permission) -> u8 {
    match p {
        Permission::Commit => 0,
        Permission::ManagePermissions => 1,
        Permission::Prepare => 2,
    }
}

/// The caller of an entry point, as the shell knows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Caller {
    /// The calling principal.
    pub principal: Principal,
    /// Whether it controls the canister.
    pub is_controller: bool,
}

/// Stored permissions.
pub struct Permissions<M: Memory> {
    set: StableBTreeMap<(u8, Principal), (), M>,
}

impl<M: Memory> Permissions<M> {
    /// Opens (or initialises) the set.
    pub fn init(memory: M) -> Self {
        Permissions {
            set: StableBTreeMap::init(memory),
        }
    }

    /// Whether `principal` holds `permission` (Commit also counts as Prepare).
    pub fn has(&self, principal: &Principal, permission: Permission) -> bool {
        self.set.contains_key(&(tag(permission), *principal))
            || (permission == Permission::Prepare
                && self.set.contains_key(&(tag(Permission::Commit), *principal)))
    }

    /// Ok if the caller is a controller or holds `permission`.
    pub fn require(&self, caller: &Caller, permission: Permission) -> Result<(), Error> {
        if caller.is_controller || self.has(&caller.principal, permission) {
            Ok(())
        } else {
            Err(Error::Unauthorized { needed: permission })
        }
    }

    /// Checks a grant without applying it.
    pub fn check_grant(&self, caller: &Caller, to: &Principal) -> Result<(), Error> {
        self.require(caller, Permission::ManagePermissions)?;
        if *to == Principal::anonymous() {
            return Err(Error::AnonymousPrincipal);
        }
        Ok(())
    }

    /// Grants `permission` to `to`.
    pub fn grant(&mut self, caller: &Caller, to: Principal, permission: Permission) -> Result<(), Error> {
        self.check_grant(caller, &to)?;
        self.set.insert((tag(permission), to), ());
        Ok(())
    }

    /// Checks a revoke without applying it: managers, controllers, or the holder itself.
    pub fn check_revoke(&self, caller: &Caller, of: &Principal) -> Result<(), Error> {
        if caller.principal == *of {
            return Ok(());
        }
        self.require(caller, Permission::ManagePermissions)
    }

    /// Revokes `permission` from `of`.
    pub fn revoke(&mut self, caller: &Caller, of: Principal, permission: Permission) -> Result<(), Error> {
        self.check_revoke(caller, &of)?;
        self.set.remove(&(tag(permission), of));
        Ok(())
    }

    /// Holders of exactly `permission` (Commit holders are not listed under Prepare).
    pub fn list(&self, permission: Permission) -> Vec<Principal> {
        let t = tag(permission);
        self.set
            .keys()
            .filter(|(p, _)| *p == t)
            .map(|(_, principal)| principal)
            .collect()
    }

    /// Controllers only.
    pub fn check_take_ownership(&self, caller: &Caller) -> Result<(), Error> {
        if caller.is_controller {
            Ok(())
        } else {
            Err(Error::NotController)
        }
    }

    /// Removes every permission and gives the calling controller Commit.
    pub fn take_ownership(&mut self, caller: &Caller) -> Result<(), Error> {
        self.check_take_ownership(caller)?;
        self.clear();
        if caller.principal != Principal::anonymous() {
            self.set.insert((tag(Permission::Commit), caller.principal), ());
        }
        Ok(())
    }

    /// Replaces all lists (install and upgrade argument). Rejects the anonymous principal.
    pub fn set_all(&mut self, lists: &SetPermissions) -> Result<(), Error> {
        let all = [
            (Permission::Prepare, &lists.prepare),
            (Permission::Commit, &lists.commit),
            (Permission::ManagePermissions, &lists.manage_permissions),
        ];
        if all.iter().any(|(_, l)| l.contains(&Principal::anonymous())) {
            return Err(Error::AnonymousPrincipal);
        }
        self.clear();
        for (permission, list) in all {
            for p in list {
                self.set.insert((tag(permission), *p), ());
            }
        }
        Ok(())
    }

    /// Grants without a caller check (the installer at init). Ignores the anonymous principal.
    pub fn grant_unchecked(&mut self, to: Principal, permission: Permission) {
        if to != Principal::anonymous() {
            self.set.insert((tag(permission), to), ());
        }
    }

    fn clear(&mut self) {
        let keys: Vec<(u8, Principal)> = self.set.keys().collect();
        for k in keys {
            self.set.remove(&k);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ic_stable_structures::VectorMemory;

    fn p(n: u8) -> Principal {
        Principal::from_slice(&[n; 10])
    }
    fn user(n: u8) -> Caller {
        Caller { principal: p(n), is_controller: false }
    }
    fn controller(n: u8) -> Caller {
        Caller { principal: p(n), is_controller: true }
    }

    #[test]
    fn commit_implies_prepare_but_not_manage() {
        let mut perms = Permissions::init(VectorMemory::default());
        perms.grant_unchecked(p(1), Permission::Commit);
        assert!(perms.has(&p(1), Permission::Prepare));
        assert!(!perms.has(&p(1), Permission::ManagePermissions));
        assert!(perms.list(Permission::Prepare).is_empty());
    }

    #[test]
    fn only_managers_and_controllers_grant() {
        let mut perms = Permissions::init(VectorMemory::default());
        assert_eq!(
            perms.grant(&user(1), p(2), Permission::Commit),
            Err(Error::Unauthorized { needed: Permission::ManagePermissions })
        );
        perms.grant(&controller(9), p(1), Permission::ManagePermissions).unwrap();
        perms.grant(&user(1), p(2), Permission::Prepare).unwrap();
        assert!(perms.has(&p(2), Permission::Prepare));
    }

    #[test]
    fn anonymous_never_gains() {
        let mut perms = Permissions::init(VectorMemory::default());
        let anon = Principal::anonymous();
        assert_eq!(perms.grant(&controller(9), anon, Permission::Commit), Err(Error::AnonymousPrincipal));
        perms.grant_unchecked(anon, Permission::Commit);
        assert!(!perms.has(&anon, Permission::Commit));
        let lists = SetPermissions { commit: vec![anon], ..Default::default() };
        assert_eq!(perms.set_all(&lists), Err(Error::AnonymousPrincipal));
        perms.take_ownership(&Caller { principal: anon, is_controller: true }).unwrap();
        assert!(perms.list(Permission::Commit).is_empty());
    }

    #[test]
    fn anyone_revokes_self_but_not_others() {
        let mut perms = Permissions::init(VectorMemory::default());
        perms.grant_unchecked(p(1), Permission::Commit);
        perms.grant_unchecked(p(2), Permission::Commit);
        assert_eq!(
            perms.revoke(&user(1), p(2), Permission::Commit),
            Err(Error::Unauthorized { needed: Permission::ManagePermissions })
        );
        perms.revoke(&user(1), p(1), Permission::Commit).unwrap();
        assert_eq!(perms.list(Permission::Commit), vec![p(2)]);
    }

    #[test]
    fn take_ownership_is_for_controllers_and_resets_everything() {
        let mut perms = Permissions::init(VectorMemory::default());
        perms.grant_unchecked(p(1), Permission::ManagePermissions);
        perms.grant_unchecked(p(2), Permission::Prepare);
        assert_eq!(perms.take_ownership(&user(1)), Err(Error::NotController));
        perms.take_ownership(&controller(7)).unwrap();
        assert_eq!(perms.list(Permission::Commit), vec![p(7)]);
        assert!(perms.list(Permission::Prepare).is_empty());
        assert!(perms.list(Permission::ManagePermissions).is_empty());
    }
}
