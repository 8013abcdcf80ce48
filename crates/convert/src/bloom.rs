//! A Parquet split-block bloom filter filled a batch at a time, in memory order.
//!
//! `parquet`'s `Sbbf::insert` hashes a value and sets its bits at once, so a column whose
//! values hardly repeat touches a random 32-byte block of a filter that is 1–2 MiB for a row
//! group's worth of distinct values: a cache miss for nearly every row (5 % of a storage
//! conversion's CPU time). [`BatchBloom`] keeps the hashes of a batch, groups them by their
//! top 12 bits (which orders them by block) and then sets the bits, so the filter is walked once
//! from front to back. Setting bits is commutative: the filter is the one `Sbbf::insert`
//! would have built, byte for byte, and [`BatchBloom::finish`] hands it to `parquet` as an
//! `Sbbf` to fold and serialize.

use parquet::bloom_filter::Sbbf;
use parquet::errors::Result;
use twox_hash::XxHash64;

/// The salts of the Parquet format's split-block bloom filter (one per 32-bit word).
const SALT: [u32; 8] = [
    0x47b6_137b,
    0x4497_4d91,
    0x8824_ad5b,
    0xa2b7_289d,
    0x7054_95c7,
    0x2df1_424b,
    0x9efc_4947,
    0x5c6b_fb31,
];

/// A split-block bloom filter and the hashes of the values not yet set in it.
pub(crate) struct BatchBloom {
    blocks: Vec<[u32; 8]>,
    /// The false-positive rate the filter is folded to when it is finished.
    fpp: f64,
    /// Hashes of values given since the last [`BatchBloom::flush`], and the buffer they are
    /// ordered into.
    hashes: Vec<u64>,
    ordered: Vec<u64>,
    /// Where each group of hashes starts in `ordered` (the counting sort's table).
    at: Vec<u32>,
}

/// The hashes of a batch are grouped by their top `GROUP_BITS` bits.
const GROUP_BITS: u32 = 12;
const GROUPS: usize = 1 << GROUP_BITS;

impl BatchBloom {
    /// An empty filter sized as `parquet` sizes one for `ndv` distinct values at
    /// false-positive rate `fpp`.
    pub(crate) fn new(ndv: u64, fpp: f64) -> Result<Self> {
        let blocks = Sbbf::new_with_ndv_fpp(ndv, fpp)?.num_blocks();
        Ok(Self {
            blocks: vec![[0; 8]; blocks],
            fpp,
            hashes: Vec::new(),
            ordered: Vec::new(),
            at: Vec::new(),
        })
    }

    /// Takes `value` (its bytes, hashed as `Sbbf::insert` hashes them); it is set in the
    /// filter at the next [`BatchBloom::flush`].
    #[inline]
    pub(crate) fn push(&mut self, value: &[u8]) {
        self.hashes.push(XxHash64::oneshot(0, value));
    }

    /// Sets the bits of every value pushed since the last flush, block by block.
    pub(crate) fn flush(&mut self) {
        let n = self.hashes.len();
        if n == 0 {
            return;
        }
        // Counts fit the table's `u32`s: a batch is far below 4 Gi values.
        debug_assert!(n < u32::MAX as usize);
        // A counting sort on the top 12 bits: the block index grows with the top 32 bits, so
        // each of the 4096 groups is one 4096th of the filter (512 bytes of a 2 MiB one), and
        // the groups are walked in the filter's order. With only 256 groups, the blocks within
        // a group (8 KiB) came in random order and still missed the cache.
        let at = &mut self.at;
        at.clear();
        at.resize(GROUPS + 1, 0);
        for &h in &self.hashes {
            at[(h >> (64 - GROUP_BITS)) as usize + 1] += 1;
        }
        for i in 1..at.len() {
            at[i] += at[i - 1];
        }
        self.ordered.clear();
        self.ordered.resize(n, 0);
        for &h in &self.hashes {
            let g = (h >> (64 - GROUP_BITS)) as usize;
            self.ordered[at[g] as usize] = h;
            at[g] += 1;
        }
        self.hashes.clear();
        let len = self.blocks.len() as u64;
        for &h in &self.ordered {
            let block = &mut self.blocks[(((h >> 32) * len) >> 32) as usize];
            let x = h as u32;
            for (word, salt) in block.iter_mut().zip(SALT) {
                *word |= 1 << (x.wrapping_mul(salt) >> 27);
            }
        }
    }

    /// Bytes the filter and its buffers hold.
    pub(crate) fn memory_size(&self) -> usize {
        32 * self.blocks.len() + 8 * (self.hashes.capacity() + self.ordered.capacity())
    }

    /// The filter with every value set, folded to its false-positive rate as `parquet` folds
    /// the filters it writes.
    pub(crate) fn finish(mut self) -> Sbbf {
        self.flush();
        let mut bytes = Vec::with_capacity(32 * self.blocks.len());
        for block in &self.blocks {
            for word in block {
                bytes.extend_from_slice(&word.to_le_bytes());
            }
        }
        let mut sbbf = Sbbf::new(&bytes);
        sbbf.fold_to_target_fpp(self.fpp);
        sbbf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The serialized bitset of a filter.
    fn bitset(f: &Sbbf) -> Vec<u8> {
        let mut out = Vec::new();
        f.write_bitset(&mut out).expect("write to a Vec");
        out
    }

    #[test]
    fn the_filter_is_the_one_sbbf_insert_builds() {
        for (ndv, fpp, n, flush_every) in [
            (1_000, 0.05, 700, 100),
            (100_000, 0.01, 60_000, 8_192),
            (20_000, 0.1, 50_000, 50_000),
            (64, 0.05, 3, 1),
        ] {
            let values: Vec<String> = (0..n)
                .map(|i| format!("10.{}.{}.{}", i % 7, i, i * 31))
                .collect();
            let mut ours = BatchBloom::new(ndv, fpp).expect("sizes");
            let mut theirs = Sbbf::new_with_ndv_fpp(ndv, fpp).expect("sizes");
            for (i, v) in values.iter().enumerate() {
                ours.push(v.as_bytes());
                theirs.insert(v.as_bytes());
                if (i + 1) % flush_every == 0 {
                    ours.flush();
                }
            }
            theirs.fold_to_target_fpp(fpp);
            let ours = ours.finish();
            assert_eq!(ours.num_blocks(), theirs.num_blocks(), "ndv {ndv}");
            assert_eq!(bitset(&ours), bitset(&theirs), "ndv {ndv} fpp {fpp}");
            assert!(values.iter().all(|v| ours.check(v.as_bytes())));
        }
    }

    #[test]
    fn values_not_yet_flushed_are_set_when_it_finishes() {
        let mut f = BatchBloom::new(1_000, 0.05).expect("sizes");
        f.push(b"only");
        let f = f.finish();
        assert!(f.check(b"only".as_slice()));
        assert!(bitset(&f).iter().any(|&b| b != 0));
    }
}
