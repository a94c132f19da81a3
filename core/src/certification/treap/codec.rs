//! The persisted form of a hashed [`Tree`]: every node with its cached hashes, so a tree read
//! back is ready to witness without hashing anything.
//!
//! Owns only the byte layout of a tree. Invariant: `decode(encode(t))` has the same shape,
//! labels, leaves and cached hashes as `t` (priorities are recomputed from the labels, which is
//! what they are a function of).
//!
//! Layout: `Leaf = 0 | len u32 | bytes`; `Map = 1 | link`; `Pruned = 2 | hash`; `link = 0` (none) or
//! `1 | label len u32 | label | data hash | subtree hash | value | left link | right link`.

use super::{priority, Link, Map, Node, Tree};
use crate::certification::record::Reader;
use std::sync::Arc;

impl Tree {
    /// Appends the persisted form of `self`; dirty nodes are hashed on the fly (uncached).
    pub fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Tree::Leaf(bytes) => {
                out.push(0);
                out.extend_from_slice(&(bytes.len() as u32).to_be_bytes());
                out.extend_from_slice(bytes);
            }
            Tree::Map(map) => {
                out.push(1);
                encode_link(&map.root, out);
            }
            Tree::Pruned(hash) => {
                out.push(2);
                out.extend_from_slice(hash);
            }
        }
    }

    /// Reads a tree written by [`Tree::encode`]; `None` on malformed bytes.
    pub fn decode(input: &mut Reader<'_>) -> Option<Tree> {
        match input.u8()? {
            0 => {
                let len = input.u32()? as usize;
                Some(Tree::Leaf(input.bytes(len)?.to_vec()))
            }
            1 => Some(Tree::Map(Arc::new(Map { root: decode_link(input)? }))),
            2 => Some(Tree::Pruned(input.hash()?)),
            _ => None,
        }
    }
}

fn encode_link(link: &Link, out: &mut Vec<u8>) {
    let Some(n) = link.as_deref() else {
        out.push(0);
        return;
    };
    out.push(1);
    out.extend_from_slice(&(n.label.len() as u32).to_be_bytes());
    out.extend_from_slice(&n.label);
    out.extend_from_slice(&n.data_hash());
    out.extend_from_slice(&n.subtree_hash());
    n.value.encode(out);
    encode_link(&n.left, out);
    encode_link(&n.right, out);
}

fn decode_link(input: &mut Reader<'_>) -> Option<Link> {
    if input.u8()? == 0 {
        return Some(None);
    }
    let len = input.u32()? as usize;
    let label: Box<[u8]> = input.bytes(len)?.into();
    let data = input.hash()?;
    let hash = input.hash()?;
    let value = Tree::decode(input)?;
    let left = decode_link(input)?;
    let right = decode_link(input)?;
    Some(Some(Box::new(Node { priority: priority(&label), label, value, left, right, data: Some(data), hash: Some(hash) })))
}
