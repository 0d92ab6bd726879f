//! A small seeded pseudo-random generator: xoshiro256** seeded through splitmix64.
//!
//! Our own rather than a dependency so that a seed gives the same profiles on every platform
//! and in every future version of the workspace (a simulated data set is part of a test or a
//! report, and must be reproducible from its seed alone).

/// xoshiro256** (Blackman and Vigna), seeded by splitmix64 from one `u64`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rng {
    state: [u64; 4],
}

fn splitmix64(x: &mut u64) -> u64 {
    *x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl Rng {
    /// The generator for `seed`; any seed (0 included) gives a valid, non-zero state.
    pub fn seed_from(seed: u64) -> Rng {
        let mut x = seed;
        let state = [
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
            splitmix64(&mut x),
        ];
        Rng { state }
    }

    /// An independent stream for run `index` of a computation seeded with `seed`, so that runs
    /// split over threads give the same results as one thread.
    pub fn stream(seed: u64, index: u64) -> Rng {
        let mut x = seed ^ index.wrapping_mul(0xD1B5_4A32_D192_ED03);
        Rng::seed_from(splitmix64(&mut x))
    }

    pub fn next_u64(&mut self) -> u64 {
        let s = &mut self.state;
        let result = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        result
    }

    /// Uniform in [0, 1), 53 random bits.
    pub fn uniform(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform in [`low`, `high`).
    pub fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.uniform()
    }

    /// True with probability `p`.
    pub fn bernoulli(&mut self, p: f64) -> bool {
        self.uniform() < p
    }

    /// One of `items` (not empty), each equally likely.
    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    /// Uniform in `0..n` (`n > 0`), by Lemire's multiply-shift with rejection (no modulo bias).
    pub fn below(&mut self, n: usize) -> usize {
        debug_assert!(n > 0);
        let n = n as u64;
        loop {
            let m = u128::from(self.next_u64()) * u128::from(n);
            let low = m as u64;
            if low >= n.wrapping_neg() % n {
                return (m >> 64) as usize;
            }
        }
    }

    /// Shuffles `items` in place (Fisher–Yates), every order equally likely.
    pub fn shuffle<T>(&mut self, items: &mut [T]) {
        for i in (1..items.len()).rev() {
            items.swap(i, self.below(i + 1));
        }
    }

    /// An index drawn with probability proportional to `weights` (non-negative, positive sum).
    pub fn weighted(&mut self, weights: &[f64]) -> usize {
        let total: f64 = weights.iter().sum();
        let mut u = self.uniform() * total;
        for (i, &w) in weights.iter().enumerate() {
            if u < w {
                return i;
            }
            u -= w;
        }
        // Rounding can leave u just above the last weight: the last positive one.
        weights.iter().rposition(|&w| w > 0.0).unwrap_or(0)
    }

    /// An index drawn from a cumulative table (`cumulative` increasing, last entry the total).
    pub fn from_cumulative(&mut self, cumulative: &[f64]) -> usize {
        let total = *cumulative.last().expect("a non-empty table");
        let u = self.uniform() * total;
        let i = cumulative.partition_point(|&c| c <= u);
        i.min(cumulative.len() - 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_stream_and_different_seeds_differ() {
        let a: Vec<u64> = {
            let mut r = Rng::seed_from(42);
            (0..8).map(|_| r.next_u64()).collect()
        };
        let b: Vec<u64> = {
            let mut r = Rng::seed_from(42);
            (0..8).map(|_| r.next_u64()).collect()
        };
        let c: Vec<u64> = {
            let mut r = Rng::seed_from(43);
            (0..8).map(|_| r.next_u64()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn below_and_weighted_are_roughly_uniform_and_proportional() {
        let mut r = Rng::seed_from(7);
        let n = 60_000;
        let mut counts = [0usize; 3];
        for _ in 0..n {
            counts[r.below(3)] += 1;
        }
        for c in counts {
            // sd of a count is sqrt(n p (1-p)) ≈ 115; allow 5 sd.
            assert!((c as f64 - 20_000.0).abs() < 600.0, "{counts:?}");
        }
        let w = [0.1, 0.0, 0.9];
        let cum = [0.1, 0.1, 1.0];
        let (mut hits, mut hits_cum) = ([0usize; 3], [0usize; 3]);
        for _ in 0..n {
            hits[r.weighted(&w)] += 1;
            hits_cum[r.from_cumulative(&cum)] += 1;
        }
        assert_eq!(hits[1], 0);
        assert_eq!(hits_cum[1], 0);
        for h in [hits, hits_cum] {
            assert!((h[0] as f64 - 6_000.0).abs() < 400.0, "{h:?}");
        }
    }
}
