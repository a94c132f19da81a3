//! Chunks handed to encodings by a commit and chunks dropped with their batch, against a naive
//! model: whatever mix of batches, commits (with a batch or batch 0, taking chunks of any batch)
//! and deletions, every asset reads back its content, live chunks and their byte count match
//! the model, and the blob region is exactly partitioned into encoding extents, chunk extents
//! and free extents (nothing leaked, nothing freed twice).

use super::*;
use crate::store::blob::Extent;
use proptest::prelude::*;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
enum Action {
    /// Upload chunks of these lengths into batch slot `slot` (created when empty).
    Upload { slot: usize, lens: Vec<usize> },
    /// Commit asset `key` from the live chunks picked by index (mod their count), with slot
    /// `slot`'s batch, or with batch 0 when `slot` is `None`.
    Commit { slot: Option<usize>, key: usize, picks: Vec<usize> },
    /// `delete_batch` on a slot's batch.
    Delete { slot: usize },
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        (0..3usize, proptest::collection::vec(0..40usize, 1..4)).prop_map(|(slot, lens)| Action::Upload { slot, lens }),
        (proptest::option::of(0..3usize), 0..4usize, proptest::collection::vec(0..64usize, 0..3))
            .prop_map(|(slot, key, picks)| Action::Commit { slot, key, picks }),
        (0..3usize).prop_map(|slot| Action::Delete { slot }),
    ]
}

#[derive(Default)]
struct Model {
    /// Batch id of each slot, while it lives.
    slots: [Option<Nat>; 3],
    /// Live chunks: id to (slot, bytes).
    chunks: BTreeMap<u64, (usize, Vec<u8>)>,
    /// Chunks uploaded into each slot's live batch, taken or not (its batch-to-chunk entries).
    uploaded: [u64; 3],
    assets: BTreeMap<String, Vec<u8>>,
    next_byte: u8,
}

fn run(s: &mut State<VectorMemory>, m: &mut Model, action: Action) {
    match action {
        Action::Upload { slot, lens } => {
            let batch = match &m.slots[slot] {
                Some(b) => b.clone(),
                None => {
                    let b = s.create_batch(&controller(), T0).unwrap();
                    m.slots[slot] = Some(b.clone());
                    b
                }
            };
            let parts: Vec<Vec<u8>> = lens
                .iter()
                .map(|&n| {
                    m.next_byte = m.next_byte.wrapping_add(1);
                    vec![m.next_byte; n]
                })
                .collect();
            let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
            m.uploaded[slot] += lens.len() as u64;
            for (id, part) in chunks(s, &batch, &refs, T0).iter().zip(parts) {
                m.chunks.insert(id_u64(id).unwrap(), (slot, part));
            }
        }
        Action::Commit { slot, key, picks } => {
            let batch = match slot {
                None => Nat::from(0u64),
                Some(i) => match &m.slots[i] {
                    Some(b) => b.clone(),
                    None => return,
                },
            };
            let live: Vec<u64> = m.chunks.keys().copied().collect();
            let mut ids: Vec<u64> = Vec::new();
            for p in picks {
                if let Some(&id) = live.get(p % live.len().max(1)) {
                    if !ids.contains(&id) {
                        ids.push(id);
                    }
                }
            }
            let key = format!("/k{key}");
            let mut ops = Vec::new();
            if !m.assets.contains_key(&key) {
                ops.push(create(&key));
            }
            let nats: Vec<Nat> = ids.iter().map(|&id| Nat::from(id)).collect();
            ops.push(set(&key, &nats, None, None));
            commit(s, batch, ops).unwrap();
            let content = ids.iter().flat_map(|id| m.chunks.remove(id).unwrap().1).collect();
            m.assets.insert(key, content);
            if let Some(i) = slot {
                m.slots[i] = None;
                m.uploaded[i] = 0;
                m.chunks.retain(|_, (owner, _)| *owner != i);
            }
        }
        Action::Delete { slot } => {
            if let Some(b) = m.slots[slot].take() {
                m.uploaded[slot] = 0;
                s.delete_batch(&controller(), &DeleteBatchArguments { batch_id: b }).unwrap();
                m.chunks.retain(|_, (owner, _)| *owner != slot);
            }
        }
    }
}

fn check(s: &State<VectorMemory>, m: &Model) {
    let mut owned: Vec<Extent> = Vec::new();
    for (key, content) in &m.assets {
        assert_eq!(&s.read_encoding(key, "identity", 0, u64::MAX).unwrap(), content, "{key}");
        for (_, e) in s.store.encodings_of(key) {
            owned.extend(e.extents);
        }
    }
    assert_eq!(s.batches.chunk_count(), m.chunks.len() as u64);
    assert_eq!(s.batches.index_len(), m.uploaded.iter().sum::<u64>(), "index entries outlived their batch");
    assert_eq!(s.batches.live_bytes(), m.chunks.values().map(|(_, b)| b.len() as u64).sum::<u64>());
    for (id, (_, bytes)) in &m.chunks {
        let chunk = s.batches.chunk(*id).expect("live chunk has its record");
        assert_eq!(&s.store.blob().read(chunk.extent, 0, chunk.extent.len), bytes);
        owned.push(chunk.extent);
    }
    owned.extend(s.store.blob().free_extents());
    owned.retain(|e| e.len > 0);
    owned.sort();
    let mut at = 0;
    for e in owned {
        assert_eq!(e.offset, at, "blob region has a gap or an overlap at {at}");
        at += e.len;
    }
    assert_eq!(at, s.store.blob().end());
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn chunks_are_taken_or_freed_exactly_once(actions in proptest::collection::vec(action(), 1..24)) {
        let (_, mut s) = fresh();
        let mut m = Model::default();
        for a in actions {
            run(&mut s, &mut m, a);
            check(&s, &m);
        }
        s.clear(&controller(), T0).unwrap();
        prop_assert_eq!(s.store.blob().end(), 0);
    }
}

#[test]
fn a_commit_of_the_only_batch_frees_its_unused_chunks_and_keeps_the_used_ones() {
    let (_, mut s) = fresh();
    let b = s.create_batch(&controller(), T0).unwrap();
    let ids = chunks(&mut s, &b, &[b"used", b"unused"], T0);
    commit(&mut s, b, vec![create("/u"), set("/u", &ids[..1], None, None)]).unwrap();
    assert_eq!((s.batches.chunk_count(), s.batches.live_bytes()), (0, 0));
    // "unused" was the tail of the region: freeing it lowered the end mark to "used"'s end.
    assert_eq!((s.store.blob().end(), s.store.blob().free_extents()), (4, vec![]));
    assert_eq!(get(&s, "/u").unwrap().content.as_slice(), b"used");
}

#[test]
fn a_commit_leaves_the_chunks_of_other_batches() {
    let (_, mut s) = fresh();
    let other = s.create_batch(&controller(), T0).unwrap();
    let kept = chunks(&mut s, &other, &[b"other"], T0);
    let b = s.create_batch(&controller(), T0).unwrap();
    let ids = chunks(&mut s, &b, &[b"mine", b"spare"], T0);
    commit(&mut s, b, vec![create("/m"), set("/m", &ids[..1], None, None)]).unwrap();
    assert_eq!((s.batches.chunk_count(), s.batches.live_bytes()), (1, 5));
    commit(&mut s, other, vec![create("/o"), set("/o", &kept, None, None)]).unwrap();
    assert_eq!((s.batches.chunk_count(), s.batches.live_bytes()), (0, 0));
    assert_eq!(get(&s, "/m").unwrap().content.as_slice(), b"mine");
    assert_eq!(get(&s, "/o").unwrap().content.as_slice(), b"other");
}

#[test]
fn prefetched_chunk_records_are_the_ones_a_lookup_reads() {
    let (_, mut s) = fresh();
    let a = s.create_batch(&controller(), T0).unwrap();
    let b = s.create_batch(&controller(), T0).unwrap();
    chunks(&mut s, &a, &[b"a1", b"a2"], T0);
    chunks(&mut s, &b, &[b"b1"], T0);
    chunks(&mut s, &a, &[b"a3"], T0);
    s.delete_batch(&controller(), &DeleteBatchArguments { batch_id: b }).unwrap();
    // Ids 1, 2, 4 are batch a's; 3 was batch b's and is gone.
    let dense = s.batches.prefetch(&[1, 2, 4]);
    assert_eq!(dense.len(), 3);
    for id in 1..=4u64 {
        assert_eq!(dense.get(&id).copied(), s.batches.chunk(id), "chunk {id}");
    }
    assert!(s.batches.prefetch(&[1, 40]).is_empty(), "sparse ids are looked up one by one");
    assert!(s.batches.prefetch(&[2]).is_empty());
}
