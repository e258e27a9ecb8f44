//! The hash every cache of a build keys on: fingerprints of pages
//! (src/pages/fingerprint.rs), and what serve keeps of a build's outputs
//! ([`Kept`]: incidents.json's elements, the search fragments). Not for
//! security: nothing here hashes keys chosen against it (an archive's
//! author could only slow their own serve).

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use rayon::prelude::*;

/// Values the last build made, by the digest of what each was made from
/// (serve). A value whose digest is one of the last build's is taken;
/// the others are made. Only this build's are kept for the next.
pub struct Kept<T>(HashMap<u64, T, BuildHasherDefault<FxHasher>>);

impl<T> Default for Kept<T> {
    fn default() -> Self {
        Kept(HashMap::default())
    }
}

impl<T: Clone + Send + Sync> Kept<T> {
    /// One value per item, in parallel: `key(n, item)` is the digest of
    /// what item `n`'s value is made from, `make` makes it.
    pub fn take_or_make<I: Sync>(
        &mut self,
        items: &[I],
        key: impl Fn(usize, &I) -> u64 + Sync,
        make: impl Fn(&I) -> T + Sync,
    ) -> Vec<T> {
        let last = &self.0;
        let made: Vec<(u64, T)> = items
            .par_iter()
            .enumerate()
            .map(|(n, item)| {
                let k = key(n, item);
                (k, last.get(&k).cloned().unwrap_or_else(|| make(item)))
            })
            .collect();
        let out = made.iter().map(|(_, v)| v.clone()).collect();
        self.0 = made.into_iter().collect();
        out
    }
}

/// The Firefox/rustc hash: a multiply and a rotate per 8 bytes.
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut b = [0u8; 8];
            b[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(b) ^ (rest.len() as u64) << 56);
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}
