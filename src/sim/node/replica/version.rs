//! Versions of a value and how replicas merge them: last-write-wins
//! timestamps, or version vectors with siblings.

use std::cmp::Ordering;

use crate::sim::store_config::Resolve;

/// A version vector: `(replica index, counter)` sorted by replica, zero
/// counters left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VersionVector(pub Vec<(u32, u64)>);

impl VersionVector {
    /// The counter of `replica`.
    pub fn get(&self, replica: u32) -> u64 {
        self.0
            .binary_search_by_key(&replica, |&(r, _)| r)
            .map_or(0, |i| self.0[i].1)
    }

    /// Adds one to the counter of `replica`.
    pub fn increment(&mut self, replica: u32) {
        match self.0.binary_search_by_key(&replica, |&(r, _)| r) {
            Ok(i) => self.0[i].1 += 1,
            Err(i) => self.0.insert(i, (replica, 1)),
        }
    }

    /// The pointwise maximum of the two.
    pub fn merge(&mut self, other: &VersionVector) {
        for &(r, c) in &other.0 {
            match self.0.binary_search_by_key(&r, |&(x, _)| x) {
                Ok(i) => self.0[i].1 = self.0[i].1.max(c),
                Err(i) => self.0.insert(i, (r, c)),
            }
        }
    }

    /// How the two compare: `Less` if `self` happened before `other`,
    /// `Greater` after, `Equal` the same, `None` concurrent.
    pub fn compare(&self, other: &VersionVector) -> Option<Ordering> {
        let (mut le, mut ge) = (true, true);
        let mut replicas: Vec<u32> = self.0.iter().chain(&other.0).map(|&(r, _)| r).collect();
        replicas.sort_unstable();
        replicas.dedup();
        for r in replicas {
            let (a, b) = (self.get(r), other.get(r));
            le &= a <= b;
            ge &= a >= b;
        }
        match (le, ge) {
            (true, true) => Some(Ordering::Equal),
            (true, false) => Some(Ordering::Less),
            (false, true) => Some(Ordering::Greater),
            (false, false) => None,
        }
    }
}

/// What orders versions of one key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Version {
    /// A timestamp from the coordinator's local clock, ties broken by its index.
    Stamp {
        /// Local nanoseconds.
        ts: i64,
        /// The coordinator's node index.
        writer: u32,
    },
    /// A version vector.
    Vector(VersionVector),
}

/// One version of a key's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Versioned {
    /// The value written.
    pub value: u64,
    /// Its version.
    pub version: Version,
}

/// Merges `incoming` into `current` (the versions a replica holds for one
/// key); true when `current` changed. Last-write-wins keeps the one version
/// with the highest stamp; version vectors keep every version no other
/// dominates (siblings), in value order.
pub fn merge(current: &mut Vec<Versioned>, incoming: &[Versioned], resolve: Resolve) -> bool {
    let mut changed = false;
    for v in incoming {
        changed |= match resolve {
            Resolve::LastWriteWins => merge_lww(current, v),
            Resolve::VersionVectors => merge_vv(current, v),
        };
    }
    changed
}

fn stamp(v: &Versioned) -> (i64, u32, u64) {
    match v.version {
        Version::Stamp { ts, writer } => (ts, writer, v.value),
        Version::Vector(_) => (i64::MIN, 0, v.value),
    }
}

fn merge_lww(current: &mut Vec<Versioned>, v: &Versioned) -> bool {
    match current.first() {
        Some(c) if stamp(c) >= stamp(v) => false,
        _ => {
            current.clear();
            current.push(v.clone());
            true
        }
    }
}

fn vector(v: &Versioned) -> VersionVector {
    match &v.version {
        Version::Vector(vv) => vv.clone(),
        Version::Stamp { .. } => VersionVector::default(),
    }
}

fn merge_vv(current: &mut Vec<Versioned>, v: &Versioned) -> bool {
    let vv = vector(v);
    let mut dominated = false;
    current.retain(|c| match vector(c).compare(&vv) {
        Some(Ordering::Less) => false,
        Some(_) => {
            dominated = true;
            true
        }
        None => true,
    });
    if dominated {
        return false;
    }
    let at = current.partition_point(|c| c.value < v.value);
    current.insert(at, v.clone());
    true
}

/// The context a new write descends from: the merge of every sibling's vector.
pub fn context(current: &[Versioned]) -> VersionVector {
    let mut vv = VersionVector::default();
    for c in current {
        vv.merge(&vector(c));
    }
    vv
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lww(value: u64, ts: i64, writer: u32) -> Versioned {
        Versioned {
            value,
            version: Version::Stamp { ts, writer },
        }
    }

    fn vv(value: u64, counters: &[(u32, u64)]) -> Versioned {
        Versioned {
            value,
            version: Version::Vector(VersionVector(counters.to_vec())),
        }
    }

    #[test]
    fn lww_keeps_the_highest_stamp_whatever_the_order() {
        let (a, b) = (lww(1, 10, 0), lww(2, 5, 1));
        let mut x = vec![];
        merge(&mut x, &[a.clone(), b.clone()], Resolve::LastWriteWins);
        let mut y = vec![];
        merge(&mut y, &[b, a.clone()], Resolve::LastWriteWins);
        assert_eq!(x, vec![a.clone()]);
        assert_eq!(y, vec![a]);
    }

    #[test]
    fn vectors_keep_concurrent_siblings_and_drop_dominated() {
        let mut x = vec![];
        merge(&mut x, &[vv(1, &[(0, 1)])], Resolve::VersionVectors);
        merge(&mut x, &[vv(2, &[(1, 1)])], Resolve::VersionVectors);
        assert_eq!(x.len(), 2, "concurrent: siblings");
        let mut ctx = context(&x);
        ctx.increment(0);
        assert_eq!(ctx, VersionVector(vec![(0, 2), (1, 1)]));
        merge(
            &mut x,
            &[Versioned {
                value: 3,
                version: Version::Vector(ctx),
            }],
            Resolve::VersionVectors,
        );
        assert_eq!(x.iter().map(|v| v.value).collect::<Vec<_>>(), vec![3]);
        // An old version arriving late changes nothing.
        assert!(!merge(&mut x, &[vv(1, &[(0, 1)])], Resolve::VersionVectors));
    }
}
