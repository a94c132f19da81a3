//! Execution: compiling canister Wasm with wasmtime and running messages on it.
//!
//! Owns the wasmtime engine (fuel metering on), the linker holding the system API, and a cache of
//! compiled modules keyed by the SHA-256 of the submitted bytes. Must not know about call contexts,
//! routing or certification; it runs one entry point at a time. Invariant: a module reaches the
//! engine only after `module::instrument` accepted every import.

mod host;
mod imports;
mod instance;
mod module;
mod system_api;

use std::collections::HashMap;
use std::sync::Arc;

use sha2::{Digest, Sha256};
use wasmtime::{Config, Engine, InstancePre, Linker, Module};

pub(crate) use host::{Env, Mode, OutgoingCall, Response};
pub(crate) use instance::{Entry, Executed, LiveInstance, OnSuccess};
pub(crate) use module::EntryPoints;
pub use module::WasmError;

/// A compiled module, ready to instantiate.
pub(crate) struct Prepared {
    pub pre: InstancePre<host::Host>,
    pub entry_points: EntryPoints,
    pub mutable_globals: Vec<String>,
    /// SHA-256 of the module as submitted (gzipped or not), as `module_hash` reports it.
    pub hash: [u8; 32],
}

impl std::fmt::Debug for Prepared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Prepared").field("entry_points", &self.entry_points).finish_non_exhaustive()
    }
}

/// The engine, the linker and the compiled-module cache.
pub(crate) struct Executor {
    engine: Engine,
    linker: Linker<host::Host>,
    cache: HashMap<[u8; 32], Arc<Prepared>>,
}

impl Executor {
    pub(crate) fn new() -> Self {
        let mut config = Config::new();
        config.consume_fuel(true);
        let engine = Engine::new(&config).expect("the fuel-metering configuration is valid");
        let mut linker = Linker::new(&engine);
        system_api::link(&mut linker).expect("every system API function is in the import table");
        Self { engine, linker, cache: HashMap::new() }
    }

    /// Decodes, checks, instruments and compiles `bytes`, or returns the cached result.
    pub(crate) fn prepare(&mut self, bytes: &[u8]) -> Result<Arc<Prepared>, WasmError> {
        let hash: [u8; 32] = Sha256::digest(bytes).into();
        if let Some(prepared) = self.cache.get(&hash) {
            return Ok(Arc::clone(prepared));
        }
        let raw = module::decode(bytes)?;
        let instrumented = module::instrument(&raw)?;
        let invalid = |e: wasmtime::Error| WasmError::Invalid { reason: format!("{e:#}") };
        let compiled = Module::new(&self.engine, &instrumented.wasm).map_err(invalid)?;
        let pre = self.linker.instantiate_pre(&compiled).map_err(invalid)?;
        let prepared = Arc::new(Prepared {
            pre,
            entry_points: instrumented.entry_points,
            mutable_globals: instrumented.mutable_globals,
            hash,
        });
        self.cache.insert(hash, Arc::clone(&prepared));
        Ok(prepared)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_bytes_compile_once() {
        let mut executor = Executor::new();
        let wasm = wat::parse_str(r#"(module (func (export "canister_query q")))"#).unwrap();
        let first = executor.prepare(&wasm).unwrap();
        let second = executor.prepare(&wasm).unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        assert!(first.entry_points.queries.contains("q"));
        let other = wat::parse_str(r#"(module (func (export "canister_query r")))"#).unwrap();
        assert!(!Arc::ptr_eq(&first, &executor.prepare(&other).unwrap()));
    }
}
