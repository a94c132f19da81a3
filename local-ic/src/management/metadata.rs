//! Canister metadata: the `icp:public <name>` and `icp:private <name>` custom sections of an
//! installed module, which the state tree publishes under `canister/<id>/metadata/<name>`.
//!
//! Owns extraction from module bytes only. Invariant: only sections with those exact prefixes
//! become metadata, and a module whose custom sections do not parse yields a typed error instead
//! of partial metadata.

use std::io::Read as _;

/// First bytes of a gzip stream, which the IC accepts in place of a raw module.
const GZIP_MAGIC: [u8; 3] = [0x1f, 0x8b, 0x08];
/// Largest decompressed module accepted (the IC's limit on Wasm code size is far below this).
const MAX_DECOMPRESSED: u64 = 100 * 1024 * 1024;

/// Why a module could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ModuleError {
    /// The gzip stream does not decompress.
    #[error("Failed to decode wasm module: gzip decompression failed: {reason}")]
    Gzip {
        /// What the decoder said.
        reason: String,
    },
    /// The module is not valid Wasm.
    #[error("Failed to decode wasm module: {reason}")]
    Parse {
        /// What the parser said.
        reason: String,
    },
}

/// One metadata section.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataSection {
    /// The name after `icp:public ` or `icp:private `.
    pub name: String,
    /// Whether only controllers may read it.
    pub private: bool,
    /// The section's bytes.
    pub content: Vec<u8>,
}

/// The raw module: `module` itself, or its gunzipped content if it is gzipped.
pub fn decompress(module: &[u8]) -> Result<Vec<u8>, ModuleError> {
    if !module.starts_with(&GZIP_MAGIC) {
        return Ok(module.to_vec());
    }
    let mut raw = Vec::new();
    flate2::read::GzDecoder::new(module)
        .take(MAX_DECOMPRESSED)
        .read_to_end(&mut raw)
        .map_err(|error| ModuleError::Gzip { reason: error.to_string() })?;
    Ok(raw)
}

/// The metadata sections of a raw module, in module order.
pub fn sections(raw_module: &[u8]) -> Result<Vec<MetadataSection>, ModuleError> {
    let mut found = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(raw_module) {
        let payload = payload.map_err(|error| ModuleError::Parse { reason: error.to_string() })?;
        if let wasmparser::Payload::CustomSection(section) = payload {
            let (private, name) = if let Some(name) = section.name().strip_prefix("icp:public ") {
                (false, name)
            } else if let Some(name) = section.name().strip_prefix("icp:private ") {
                (true, name)
            } else {
                continue;
            };
            found.push(MetadataSection {
                name: name.to_string(),
                private,
                content: section.data().to_vec(),
            });
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write as _;

    fn module_with_sections() -> Vec<u8> {
        wat::parse_str(
            r#"(module
                (@custom "icp:public candid:service" "service : {}")
                (@custom "icp:private secret" "s3cret")
                (@custom "name" "ignored"))"#,
        )
        .unwrap()
    }

    #[test]
    fn finds_public_and_private_sections_also_through_gzip() {
        let raw = module_with_sections();
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(&raw).unwrap();
        let gzipped = gz.finish().unwrap();
        for module in [raw.clone(), gzipped] {
            let found = sections(&decompress(&module).unwrap()).unwrap();
            assert_eq!(
                found,
                vec![
                    MetadataSection { name: "candid:service".into(), private: false, content: b"service : {}".to_vec() },
                    MetadataSection { name: "secret".into(), private: true, content: b"s3cret".to_vec() },
                ]
            );
        }
    }

    #[test]
    fn garbage_is_a_typed_error() {
        assert!(matches!(sections(b"\0asm\x01\0\0\0\xff"), Err(ModuleError::Parse { .. })));
        assert!(matches!(decompress(&[0x1f, 0x8b, 0x08, 0, 1]), Err(ModuleError::Gzip { .. })));
    }
}
