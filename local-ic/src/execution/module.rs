//! Turning submitted bytes into a module the local IC can run.
//!
//! Owns decompression (gzip), validation against the system API import table, discovery of the
//! canister's entry points, and instrumentation: exporting the heap, the function table and every
//! mutable global so execution can snapshot and restore them. Must not instantiate or run code.
//! Invariant: a `PreparedModule` only exists for a module whose every import is implemented with
//! the exact signature, so nothing a canister imports is ever silently stubbed.

use std::collections::BTreeSet;
use std::io::Read;

use wasm_encoder::reencode::{utils, Reencode};
use wasm_encoder::{ExportKind, ExportSection, SectionId};
use wasmparser::{Parser, Payload, TypeRef, ValType as PValType};

use super::imports::{self, Ty, MODULE};
use crate::limits::MAX_WASM_BYTES;

pub(crate) const MEMORY_EXPORT: &str = "__local_ic_memory";
pub(crate) const TABLE_EXPORT: &str = "__local_ic_table";
const GLOBAL_EXPORT_PREFIX: &str = "__local_ic_global_";

/// Why a Wasm module cannot be installed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WasmError {
    /// The bytes look gzipped but do not decompress.
    #[error("the gzipped Wasm module does not decompress: {reason}")]
    Decompress {
        /// The decoder's complaint.
        reason: String,
    },
    /// The (decompressed) module is larger than the IC accepts.
    #[error("the Wasm module is {size} bytes, more than the limit of {limit}")]
    TooLarge {
        /// Size of the module in bytes.
        size: usize,
        /// The limit in bytes.
        limit: usize,
    },
    /// The bytes are not a valid Wasm module.
    #[error("invalid Wasm module: {reason}")]
    Invalid {
        /// The validator's complaint.
        reason: String,
    },
    /// The module imports something the local IC does not implement.
    #[error("Wasm module imports `{module}.{name}`, which the local IC does not implement")]
    UnknownImport {
        /// The import's module name.
        module: String,
        /// The import's field name.
        name: String,
    },
    /// The module imports a known system API function with the wrong signature.
    #[error("Wasm module imports `ic0.{name}` with a wrong signature")]
    ImportSignature {
        /// The function's name.
        name: String,
    },
    /// The module uses a 64-bit memory (wasm64), which the local IC does not run.
    #[error("Wasm module declares a 64-bit memory, which the local IC does not support")]
    Memory64,
}

/// What a module exports, as the IC reads it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct EntryPoints {
    pub updates: BTreeSet<String>,
    pub queries: BTreeSet<String>,
    pub composite_queries: BTreeSet<String>,
    pub init: bool,
    pub pre_upgrade: bool,
    pub post_upgrade: bool,
    pub inspect_message: bool,
    pub global_timer: bool,
}

/// An instrumented, validated module and what execution needs to know about it.
#[derive(Debug)]
pub(crate) struct Instrumented {
    pub wasm: Vec<u8>,
    pub entry_points: EntryPoints,
    /// Export names of the mutable globals, in index order.
    pub mutable_globals: Vec<String>,
}

/// Gunzips `bytes` if they carry the gzip magic, and checks the size limit.
pub(crate) fn decode(bytes: &[u8]) -> Result<Vec<u8>, WasmError> {
    let raw = if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(bytes)
            .take(MAX_WASM_BYTES as u64 + 1)
            .read_to_end(&mut out)
            .map_err(|e| WasmError::Decompress { reason: e.to_string() })?;
        out
    } else {
        bytes.to_vec()
    };
    if raw.len() > MAX_WASM_BYTES {
        return Err(WasmError::TooLarge { size: raw.len(), limit: MAX_WASM_BYTES });
    }
    Ok(raw)
}

/// Validates `wasm`, checks its imports and adds the exports execution relies on.
pub(crate) fn instrument(wasm: &[u8]) -> Result<Instrumented, WasmError> {
    let invalid = |e: wasmparser::BinaryReaderError| WasmError::Invalid { reason: e.to_string() };
    wasmparser::Validator::new().validate_all(wasm).map_err(invalid)?;
    let mut entry_points = EntryPoints::default();
    let mut extra: Vec<(String, ExportKind, u32)> = Vec::new();
    let mut types: Vec<wasmparser::FuncType> = Vec::new();
    let mut globals: u32 = 0;
    let mut mutable_globals = Vec::new();
    let (mut memories, mut tables) = (0u32, 0u32);
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(invalid)? {
            Payload::TypeSection(reader) => {
                for ty in reader.into_iter_err_on_gc_types() {
                    types.push(ty.map_err(invalid)?);
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    check_import(&import.map_err(invalid)?, &types)?;
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    if memory.map_err(invalid)?.memory64 {
                        return Err(WasmError::Memory64);
                    }
                    memories += 1;
                }
            }
            Payload::TableSection(reader) => tables += reader.count(),
            Payload::GlobalSection(reader) => {
                for global in reader {
                    if global.map_err(invalid)?.ty.mutable {
                        let name = format!("{GLOBAL_EXPORT_PREFIX}{globals}");
                        extra.push((name.clone(), ExportKind::Global, globals));
                        mutable_globals.push(name);
                    }
                    globals += 1;
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    record_entry_point(&mut entry_points, export.map_err(invalid)?.name);
                }
            }
            _ => {}
        }
    }
    if memories > 0 {
        extra.push((MEMORY_EXPORT.to_string(), ExportKind::Memory, 0));
    }
    if tables > 0 {
        extra.push((TABLE_EXPORT.to_string(), ExportKind::Table, 0));
    }
    let mut reencoder = AddExports { extra, done: false };
    let mut module = wasm_encoder::Module::new();
    reencoder
        .parse_core_module(&mut module, Parser::new(0), wasm)
        .map_err(|e| WasmError::Invalid { reason: e.to_string() })?;
    Ok(Instrumented { wasm: module.finish(), entry_points, mutable_globals })
}

fn check_import(import: &wasmparser::Import<'_>, types: &[wasmparser::FuncType]) -> Result<(), WasmError> {
    let unknown = || WasmError::UnknownImport { module: import.module.to_string(), name: import.name.to_string() };
    let (TypeRef::Func(index), MODULE) = (import.ty, import.module) else {
        return Err(unknown());
    };
    let known = imports::find(import.name).ok_or_else(unknown)?;
    let ty = types.get(index as usize).ok_or_else(|| WasmError::ImportSignature { name: import.name.to_string() })?;
    let same = |ours: &[Ty], theirs: &[PValType]| {
        ours.len() == theirs.len()
            && ours.iter().zip(theirs).all(|(a, b)| matches!((a, b), (Ty::I32, PValType::I32) | (Ty::I64, PValType::I64)))
    };
    if same(known.params, ty.params()) && same(known.results, ty.results()) {
        Ok(())
    } else {
        Err(WasmError::ImportSignature { name: import.name.to_string() })
    }
}

fn record_entry_point(entry_points: &mut EntryPoints, name: &str) {
    if let Some(method) = name.strip_prefix("canister_update ") {
        entry_points.updates.insert(method.to_string());
    } else if let Some(method) = name.strip_prefix("canister_query ") {
        entry_points.queries.insert(method.to_string());
    } else if let Some(method) = name.strip_prefix("canister_composite_query ") {
        entry_points.composite_queries.insert(method.to_string());
    } else {
        match name {
            "canister_init" => entry_points.init = true,
            "canister_pre_upgrade" => entry_points.pre_upgrade = true,
            "canister_post_upgrade" => entry_points.post_upgrade = true,
            "canister_inspect_message" => entry_points.inspect_message = true,
            "canister_global_timer" => entry_points.global_timer = true,
            _ => {}
        }
    }
}

/// Re-encodes a module unchanged except for extra exports.
struct AddExports {
    extra: Vec<(String, ExportKind, u32)>,
    done: bool,
}

impl AddExports {
    fn append(&mut self, exports: &mut ExportSection) {
        for (name, kind, index) in &self.extra {
            exports.export(name, *kind, *index);
        }
        self.done = true;
    }
}

impl Reencode for AddExports {
    type Error = std::convert::Infallible;

    fn parse_export_section(
        &mut self,
        exports: &mut ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        utils::parse_export_section(self, exports, section)?;
        self.append(exports);
        Ok(())
    }

    fn intersperse_section_hook(
        &mut self,
        module: &mut wasm_encoder::Module,
        _after: Option<SectionId>,
        before: Option<SectionId>,
    ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
        let past_exports = matches!(
            before,
            None | Some(SectionId::Start | SectionId::Element | SectionId::DataCount | SectionId::Code | SectionId::Data)
        );
        if !self.done && past_exports {
            let mut exports = ExportSection::new();
            self.append(&mut exports);
            module.section(&exports);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_import_is_named() {
        let wasm = wat::parse_str(r#"(module (import "ic0" "no_such_api" (func)))"#).unwrap();
        assert_eq!(
            instrument(&wasm).unwrap_err(),
            WasmError::UnknownImport { module: "ic0".into(), name: "no_such_api".into() }
        );
    }

    #[test]
    fn wrong_signature_is_refused() {
        let wasm = wat::parse_str(r#"(module (import "ic0" "msg_reply" (func (param i32))))"#).unwrap();
        assert_eq!(instrument(&wasm).unwrap_err(), WasmError::ImportSignature { name: "msg_reply".into() });
    }

    #[test]
    fn exports_are_added_even_without_an_export_section() {
        let wasm = wat::parse_str(r#"(module (memory 1) (global (mut i32) (i32.const 0)) (func))"#).unwrap();
        let out = instrument(&wasm).unwrap();
        wasmparser::Validator::new().validate_all(&out.wasm).unwrap();
        assert_eq!(out.mutable_globals, vec!["__local_ic_global_0".to_string()]);
        let names: Vec<String> = Parser::new(0)
            .parse_all(&out.wasm)
            .filter_map(|p| match p.unwrap() {
                Payload::ExportSection(r) => Some(r.into_iter().map(|e| e.unwrap().name.to_string()).collect::<Vec<_>>()),
                _ => None,
            })
            .flatten()
            .collect();
        assert_eq!(names, vec!["__local_ic_global_0".to_string(), MEMORY_EXPORT.to_string()]);
    }

    #[test]
    fn gzip_is_decoded() {
        use std::io::Write;
        let wasm = wat::parse_str("(module)").unwrap();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&wasm).unwrap();
        assert_eq!(decode(&gz.finish().unwrap()).unwrap(), wasm);
        assert!(matches!(decode(&[0x1f, 0x8b, 0, 1]), Err(WasmError::Decompress { .. })));
    }
}
