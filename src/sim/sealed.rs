//! Sealed generations: read-only maps from `u64` keys to `N` `u64` fields,
//! sorted and delta-compressed, for the generational stores that must
//! remember millions of keys (idempotency keys, the duplicate ledger).
//!
//! A generation that no longer takes inserts is sealed: its entries are
//! sorted by key and cut into blocks of [`BLOCK`]; each block keeps its first
//! key and where its bytes start, and each entry is written as LEB128
//! varints — the key's distance from the previous key, then each field's
//! zigzagged difference from the previous entry's (wrapping, so any value
//! round-trips exactly). Keys handed out in sequence (request ids) differ by
//! a few, and times of neighbouring keys by microseconds, so an entry takes a
//! few bytes instead of the 16–25 of a hash-map bucket plus its slack. A
//! lookup binary-searches the block starts and decodes at most one block.

/// Entries per block: one block start (16 bytes) per this many entries, and
/// at most this many entries decoded per lookup.
const BLOCK: usize = 32;

/// Where a block's entries start.
#[derive(Clone, Copy)]
struct Start {
    key: u64,
    offset: usize,
}

/// A read-only map from `u64` to `[u64; N]`, compressed.
pub struct Sealed<const N: usize> {
    starts: Box<[Start]>,
    bytes: Box<[u8]>,
    max: u64,
    len: usize,
}

impl<const N: usize> Sealed<N> {
    /// Seals distinct `keys` (any order; left sorted) with the fields
    /// `fields` gives each. Sizes are counted first, so each buffer is
    /// allocated once at its exact size.
    pub fn new(keys: &mut [u64], fields: impl Fn(u64) -> [u64; N]) -> Self {
        keys.sort_unstable();
        let size = encode(keys, &fields, |_, _| {}, |_| {});
        let mut starts = Vec::with_capacity(keys.len().div_ceil(BLOCK));
        let mut bytes = Vec::with_capacity(size);
        encode(
            keys,
            &fields,
            |key, offset| starts.push(Start { key, offset }),
            |v| put(&mut bytes, v),
        );
        debug_assert_eq!(bytes.len(), size, "sizes counted as written");
        Sealed {
            starts: starts.into_boxed_slice(),
            bytes: bytes.into_boxed_slice(),
            max: keys.last().copied().unwrap_or(0),
            len: keys.len(),
        }
    }

    /// The fields stored under `key`.
    pub fn get(&self, key: u64) -> Option<[u64; N]> {
        let first = self.starts.first()?;
        if key < first.key || key > self.max {
            return None;
        }
        let block = self.starts.partition_point(|s| s.key <= key) - 1;
        let end = self
            .starts
            .get(block + 1)
            .map_or(self.bytes.len(), |s| s.offset);
        let mut at = self.starts[block].offset;
        let (mut k, mut fields) = (self.starts[block].key, [0u64; N]);
        while at < end {
            k += take(&self.bytes, &mut at);
            for f in &mut fields {
                *f = f.wrapping_add(unzigzag(take(&self.bytes, &mut at)));
            }
            if k >= key {
                return (k == key).then_some(fields);
            }
        }
        None
    }

    /// Whether `key` is present.
    pub fn contains(&self, key: u64) -> bool {
        self.get(key).is_some()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether it holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes held on the heap.
    pub fn heap_bytes(&self) -> usize {
        self.starts.len() * size_of::<Start>() + self.bytes.len()
    }
}

/// Walks sorted `keys` block by block: `block` gets each block's first key
/// and byte offset before its entries, `emit` each number to write as a
/// varint. Returns the bytes written.
fn encode<const N: usize>(
    keys: &[u64],
    fields: &impl Fn(u64) -> [u64; N],
    mut block: impl FnMut(u64, usize),
    mut emit: impl FnMut(u64),
) -> usize {
    let mut written = 0;
    let mut write = |v, written: &mut usize| {
        *written += varint_len(v);
        emit(v);
    };
    for chunk in keys.chunks(BLOCK) {
        let (mut prev, mut prev_fields) = (chunk[0], [0u64; N]);
        block(prev, written);
        for &k in chunk {
            write(k - prev, &mut written);
            for (p, v) in prev_fields.iter_mut().zip(fields(k)) {
                write(zigzag(v.wrapping_sub(*p)), &mut written);
                *p = v;
            }
            prev = k;
        }
    }
    written
}

/// Signed difference (as wrapped `u64`) to a small unsigned number.
fn zigzag(d: u64) -> u64 {
    let d = d as i64;
    ((d << 1) ^ (d >> 63)) as u64
}

fn unzigzag(z: u64) -> u64 {
    (z >> 1) ^ (z & 1).wrapping_neg()
}

/// Appends `v` as a LEB128 varint.
fn put(bytes: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        bytes.push(v as u8 | 0x80);
        v >>= 7;
    }
    bytes.push(v as u8);
}

/// Bytes `v` takes as a varint.
fn varint_len(v: u64) -> usize {
    (64 - v.leading_zeros() as usize).max(1).div_ceil(7)
}

/// Reads the varint at `*at` and moves past it.
fn take(bytes: &[u8], at: &mut usize) -> u64 {
    let mut v = 0u64;
    let mut shift = 0;
    while let Some(&b) = bytes.get(*at) {
        *at += 1;
        v |= u64::from(b & 0x7f) << shift;
        if b < 0x80 {
            break;
        }
        shift += 7;
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    /// A small deterministic generator (SplitMix64).
    fn mix(state: &mut u64) -> u64 {
        *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = *state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    #[test]
    fn every_entry_round_trips_and_absent_keys_are_absent() {
        let mut s = 7;
        let mut truth = BTreeMap::new();
        // Dense sequential ids, sparse random ones, and the extremes.
        for i in 0..5_000u64 {
            truth.insert(1_000 + i * (1 + mix(&mut s) % 3), [mix(&mut s), i]);
        }
        for _ in 0..2_000 {
            truth.insert(mix(&mut s), [mix(&mut s) % 5, u64::MAX - mix(&mut s) % 9]);
        }
        truth.insert(0, [u64::MAX, 0]);
        truth.insert(u64::MAX, [0, u64::MAX]);
        let mut keys: Vec<u64> = truth.keys().rev().copied().collect();
        let sealed = Sealed::new(&mut keys, |k| truth[&k]);
        assert!(keys.is_sorted());
        assert_eq!(sealed.len(), truth.len());
        for (&k, &v) in &truth {
            assert_eq!(sealed.get(k), Some(v), "key {k}");
        }
        for _ in 0..20_000 {
            let k = match mix(&mut s) % 3 {
                0 => 1_000 + mix(&mut s) % 15_000,
                _ => mix(&mut s),
            };
            assert_eq!(sealed.get(k), truth.get(&k).copied(), "key {k}");
        }
    }

    #[test]
    fn sequential_keys_with_close_fields_take_a_few_bytes_each() {
        // Request ids in sequence answered about a millisecond apart: the
        // shape of an idempotency-key generation.
        let mut s = 3;
        let times: Vec<u64> = (0..100_000u64)
            .map(|i| 1_000_000_000_000 + i * 200_000 + mix(&mut s) % 400_000)
            .collect();
        let mut keys: Vec<u64> = (0..100_000).collect();
        let sealed = Sealed::new(&mut keys, |k| [times[k as usize], 16]);
        let per_entry = sealed.heap_bytes() as f64 / 100_000.0;
        // 1 byte of key, 3 of time difference (< 2^21 ns), 1 of answer,
        // and half a byte of block starts.
        assert!(
            (5.0..=5.7).contains(&per_entry),
            "{per_entry} bytes per entry"
        );
        let empty = Sealed::new(&mut [], |_| []);
        assert!(empty.is_empty() && !empty.contains(0) && empty.heap_bytes() == 0);
    }
}
