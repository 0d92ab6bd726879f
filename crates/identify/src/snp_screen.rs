//! Screening at scale with SNPs: every recovered sample against every reference sample.
//!
//! Two stages:
//!
//! 1. A bit-packed first pass ([`first_pass`]). Each sample's calls are three bit-planes over the
//!    SNPs (heterozygous, homozygous ALT, homozygous REF; a SNP with none of the three bits is
//!    untyped), 64 SNPs per word, the SNPs sorted by ALT frequency ([`SnpLayout`]) so that each
//!    word is a frequency class. For a pair, `u64::count_ones` of the ANDed planes counts, word by
//!    word, the SNPs typed in both by their pair of calls ([`COMBOS`]). Two statistics follow:
//!    * the KING-robust kinship estimate (Manichaikul et al. 2010, within-family form),
//!      φ̂ = (N_het,het − 2·N_IBS0) / (N_het,A + N_het,B), from the counts summed;
//!    * the score of the unlinked IBD1 likelihood ratio against unrelated,
//!      S = Σ_snp (LR1 − 1) with LR1 = P(calls | IBD 1) / P(calls | IBD 0), each word's counts
//!      weighted by its class's weights (the class-weighted approximation reasoned at
//!      [`SnpLayout`]), and its standardised form z = S / sqrt(Var_unrelated(S)). For unrelated
//!      pairs E[S] = 0 and Var = 1/4 a SNP typed in both, whatever the frequency; for a
//!      relationship with IBD probabilities κ1, κ2 the mean is κ1/4 + κ2/2 a SNP
//!      (E[LR1 − 1 | IBD 1] = 1/4, E[LR1 − 1 | IBD 2] = 1/2), the kinship coefficient φ, so the
//!      expected z is 2φ·sqrt(n) on n SNPs typed in both. It is the locally most powerful test of
//!      a little IBD1 sharing (the derivative of the unlinked LR in κ1 at 0), and on the FORCE panel separates
//!      4th- and 5th-degree relatives from unrelated pairs 1.6–1.7 times as far, in standard
//!      deviations, as KING does (docs/benchmarks.md).
//!
//!    The samples are split over scoped threads; each thread walks the references in blocks that
//!    stay in cache. The pairs kept are those [`SnpScreenOptions::keep`] selects ([`Keep`]): by
//!    kinship, by score z, or the best scores up to a budget.
//! 2. The exact rescoring ([`rescore`]) of the kept pairs: for every relationship of
//!    [`kinship::STANDARD_RELATIONSHIPS`], ln L by the Lander–Green chain ([`kinship::LinkedChain`])
//!    on its two-person pedigree along every chromosome, and the LR against unrelated; the best
//!    fitting relationship is reported with its LR. The first pass's statistics only choose the
//!    pairs; no LR is reported from them.
//!
//! [`reference_pair_counts`] and [`reference_pair_score`] are the plain per-SNP loops the packed
//! counts and score are held to, exactly (integers; `tests/snp_screen.rs` and the unit tests).
//!
//! Calls are hard genotypes (ALT allele counts 0, 1, 2 or missing): the first pass needs calls,
//! and the rescoring reads them as calls with a genotyping error rate. The chromosomes' maps
//! should be sex-averaged, since the sexes of the people on the path between two samples are
//! unknown (the pedigrees put men there).

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::sync::Arc;

use kinship::{
    GenotypeLikelihoods, LinkageError, LinkedChain, LinkedMarker, MapFunction, Pedigree, Relationship, Sex,
    STANDARD_RELATIONSHIPS,
};

/// The default threshold of the KING estimate when it is the keep rule ([`Keep::Kinship`]):
/// 2^-6.5 − 2^-7 ≈ 0.0032.
///
/// KING's degrees are the powers of two of the expected kinship (1st 1/4, …, 5th 2^-6 ≈ 0.0156);
/// the boundary between the 5th and the 6th degree is halfway in log scale, 2^-6.5 ≈ 0.0110. On
/// the 3,930 FORCE SNPs the estimate's sampling error is as large as a 5th-degree kinship: its
/// standard deviation is about 0.014 for unrelated pairs (the numerator's per-SNP variance is
/// about 3/4 against a denominator of about one heterozygote per SNP), and about 0.015 for second
/// cousins, whose realised kinship varies besides. The margin taken off the boundary is 2^-7
/// (half a 5th-degree kinship): measured (docs/benchmarks.md), it keeps 79% of second cousins,
/// 96% of 4th-degree pairs and all closer ones, and 41% of unrelated pairs. A threshold keeping
/// 5th-degree pairs with 95% probability would be below zero and keep most unrelated pairs.
pub const DEFAULT_MIN_KINSHIP: f64 = 0.011_048_543_456_039_806 - 0.007_812_5;

/// The default keep rule ([`Keep::ScoreZ`]): the standardised IBD1 score at least 1.
///
/// For unrelated pairs z is close to standard normal on any panel of a few hundred SNPs or more
/// (its terms are bounded and independent), so z ≥ 1 keeps about 16% of unrelated pairs whatever
/// the panel (measured on the FORCE panel: 14.6%). A relationship of kinship φ has expected z
/// 2φ·sqrt(n) on n SNPs typed in both: on the 3,930 FORCE SNPs 1.9 for second cousins (5th
/// degree), of whom z ≥ 1 keeps 76%, against 79% kept and 41% of unrelated pairs for KING at
/// [`DEFAULT_MIN_KINSHIP`] (docs/benchmarks.md). Large screens should give the rescoring a
/// budget instead ([`Keep::TopScores`]). A default, never adjusted.
pub const DEFAULT_MIN_SCORE_Z: f64 = 1.0;

/// References scored together by one thread before it moves on: 64 references of 3,930 SNPs are
/// 96 KiB of planes, which stay in L2 while all of the thread's samples pass over them.
const REFERENCE_BLOCK: usize = 64;

/// Fixed-point scale of the score's weights and null variances (2^16): sums of integers, so the
/// packed pass, its SIMD variant and the per-SNP loop agree exactly.
const SCORE_SCALE: f64 = 65_536.0;

/// ALT frequencies are bounded to [10^-3, 1 − 10^-3] for the score's weights, so that a call of
/// an allele the panel says is absent scores finitely (|weight| ≤ 1000).
const FREQ_BOUND: f64 = 1e-3;

/// The six unordered pairs of calls (ALT allele counts), in the order of [`PairCounts::by_combo`]
/// and of the weights.
pub const COMBOS: [(u8, u8); 6] = [(0, 0), (0, 1), (0, 2), (1, 1), (1, 2), (2, 2)];

/// The index into [`COMBOS`] of the calls `x` and `y`, in either order.
fn combo(x: u8, y: u8) -> usize {
    match (x.min(y), x.max(y)) {
        (0, 0) => 0,
        (0, 1) => 1,
        (0, 2) => 2,
        (1, 1) => 3,
        (1, 2) => 4,
        _ => 5,
    }
}

/// P(calls | unrelated) and P(calls | IBD 1) of each of [`COMBOS`] (both orders summed) at ALT
/// frequency `p`.
fn combo_probabilities(p: f64) -> [(f64, f64); 6] {
    let q = 1.0 - p;
    [
        (q.powi(4), q.powi(3)),
        (4.0 * p * q.powi(3), 2.0 * p * q * q),
        (2.0 * p * p * q * q, 0.0),
        (4.0 * p * p * q * q, p * q),
        (4.0 * p.powi(3) * q, 2.0 * p * p * q),
        (p.powi(4), p.powi(3)),
    ]
}

/// Errors of the SNP screen.
#[derive(Debug, thiserror::Error)]
pub enum SnpScreenError {
    #[error("{set} sample {sample}: {found} calls where the panel has {expected} SNPs")]
    SnpCount {
        set: &'static str,
        sample: usize,
        expected: usize,
        found: usize,
    },
    #[error("{set} sample {sample}, SNP {snp}: ALT allele count {value} (expected 0, 1, 2 or missing)")]
    BadCall {
        set: &'static str,
        sample: usize,
        snp: usize,
        value: u8,
    },
    #[error("SNP {snp}: ALT frequency {freq} is not in [0, 1]")]
    BadFrequency { snp: usize, freq: f64 },
    #[error("samples and references are packed on different SNP layouts ({samples} and {references} SNPs)")]
    Mismatch { samples: usize, references: usize },
    #[error("the chromosomes hold {markers} SNPs and the genotypes {snps}")]
    Markers { markers: usize, snps: usize },
    #[error("keep threshold {0} is not a number")]
    BadThreshold(f64),
    #[error("pair ({sample}, {reference}): no such sample or reference")]
    NoSuchPair { sample: u32, reference: u32 },
    #[error("{0} samples: the screen numbers samples with 32 bits")]
    TooMany(usize),
    #[error("{0} SNPs: the screen numbers SNPs with 32 bits")]
    TooManySnps(usize),
    #[error("relationship '{0}': no two-person pedigree")]
    NoPedigree(&'static str),
    #[error("a rescoring thread panicked")]
    ThreadPanicked,
    #[error("linked chain: {0}")]
    Linkage(#[from] LinkageError),
}

/// Where each SNP's bit lies in the packed planes, and the weights of the IBD1 score.
///
/// The SNPs are sorted by ALT frequency and packed 64 to a word, so each word is a frequency
/// class: the 64 SNPs of nearest frequencies (the last word fewer). Per class and pair of calls
/// ([`COMBOS`]) the weight is the class's average of the exact per-SNP score LR1 − 1, each SNP
/// weighted by how often unrelated people show those calls there:
/// w(c, g) = Σ_{k∈c} (P1_k(g) − P0_k(g)) / Σ_{k∈c} P0_k(g). These weights minimise the summed
/// squared difference to the exact per-SNP score under unrelated, and keep its null mean exactly
/// 0: Σ_g P0_k(g) w(c, g) summed over the class is Σ_k (Σ_g P1_k(g) − 1) = 0 (with calls missing
/// at random, 0 in expectation). The null variance of S is taken as Σ_c n_c · V_c, n_c the SNPs
/// of class c typed in both and V_c the class's mean per-SNP variance of the weighted term (1/4
/// for the exact score, whatever the frequency: LR1 − 1 = (A_a − 2p)(A_b − 2p) / (4pq), A the ALT
/// count). The statistic is therefore an approximation of the exact score, used only to rank and
/// keep pairs; every LR reported comes from the exact rescoring. The weights use the frequencies
/// bounded to [10^-3, 1 − 10^-3].
#[derive(Debug, Clone, PartialEq)]
pub struct SnpLayout {
    /// The bit of SNP k (word `position / 64`).
    position: Vec<u32>,
    words: usize,
    /// Fixed-point weights, combo-major: `weights[g * words + w]` (|w| ≤ 2^26: 32-bit, so the
    /// vectorised loop multiplies them by the counts with one 32 × 32 → 64-bit product).
    weights: Vec<i32>,
    /// Per word, the mean over its SNPs of the null variance of one SNP's term, fixed point.
    variance: Vec<i32>,
}

impl SnpLayout {
    /// The layout of SNPs with these ALT frequencies (SNP k has `freq_alt[k]`).
    pub fn new(freq_alt: &[f64]) -> Result<SnpLayout, SnpScreenError> {
        if let Some((snp, &freq)) = freq_alt.iter().enumerate().find(|(_, f)| !(0.0..=1.0).contains(*f)) {
            return Err(SnpScreenError::BadFrequency { snp, freq });
        }
        if u32::try_from(freq_alt.len()).is_err() {
            return Err(SnpScreenError::TooManySnps(freq_alt.len()));
        }
        let mut order: Vec<usize> = (0..freq_alt.len()).collect();
        order.sort_by(|&a, &b| freq_alt[a].total_cmp(&freq_alt[b]).then(a.cmp(&b)));
        let mut position = vec![0u32; freq_alt.len()];
        for (rank, &k) in order.iter().enumerate() {
            // Fits: checked above.
            position[k] = rank as u32;
        }
        let words = freq_alt.len().div_ceil(64);
        let mut weights = vec![0i32; 6 * words];
        let mut variance = vec![0i32; words];
        for (w, class) in order.chunks(64).enumerate() {
            let probabilities: Vec<[(f64, f64); 6]> = class
                .iter()
                .map(|&k| combo_probabilities(freq_alt[k].clamp(FREQ_BOUND, 1.0 - FREQ_BOUND)))
                .collect();
            let mut weight = [0.0; 6];
            for (g, wg) in weight.iter_mut().enumerate() {
                let (p0, p1) = probabilities
                    .iter()
                    .fold((0.0, 0.0), |(s0, s1), pr| (s0 + pr[g].0, s1 + pr[g].1));
                *wg = (p1 - p0) / p0;
                weights[g * words + w] = (*wg * SCORE_SCALE).round() as i32;
            }
            let mean_variance = probabilities
                .iter()
                .map(|pr| {
                    let (m, m2) = pr
                        .iter()
                        .zip(weight)
                        .fold((0.0, 0.0), |(m, m2), (&(p0, _), w)| (m + p0 * w, m2 + p0 * w * w));
                    m2 - m * m
                })
                .sum::<f64>()
                / class.len() as f64;
            variance[w] = (mean_variance * SCORE_SCALE).round() as i32;
        }
        Ok(SnpLayout {
            position,
            words,
            weights,
            variance,
        })
    }

    /// The number of SNPs.
    pub fn snps(&self) -> usize {
        self.position.len()
    }

    /// The frequency class (packed word) of SNP `k`.
    pub fn class_of(&self, k: usize) -> usize {
        self.position[k] as usize / 64
    }

    /// The score weight of class `class` for the calls [`COMBOS`]`[combo]`, as used (fixed point).
    pub fn weight(&self, class: usize, combo: usize) -> f64 {
        f64::from(self.weights[combo * self.words + class]) / SCORE_SCALE
    }

    /// The null variance of one SNP's term in class `class`, as used (fixed point).
    pub fn null_variance(&self, class: usize) -> f64 {
        f64::from(self.variance[class]) / SCORE_SCALE
    }
}

/// Hard calls of many samples on the same SNPs, packed: per sample, the heterozygous,
/// homozygous-ALT and homozygous-REF planes one after the other (`words` `u64`s each), so that a
/// sample's data is one contiguous slice and each plane a run the compiler vectorises over; SNPs
/// in the bit order of the [`SnpLayout`]. Bits beyond the last SNP are zero (untyped).
#[derive(Debug, Clone)]
pub struct PackedGenotypes {
    layout: Arc<SnpLayout>,
    bits: Vec<u64>,
}

impl PackedGenotypes {
    /// Packs `calls[sample][snp]` (ALT allele counts, `None` untyped); every sample must have a
    /// call for each SNP of `layout`. `set` names the matrix in errors ("sample" or "reference").
    pub fn from_calls(
        set: &'static str,
        layout: &Arc<SnpLayout>,
        calls: &[Vec<Option<u8>>],
    ) -> Result<Self, SnpScreenError> {
        let mut packed = PackedGenotypes::with_capacity(layout, calls.len());
        for (s, row) in calls.iter().enumerate() {
            packed.push(set, s, row)?;
        }
        Ok(packed)
    }

    /// An empty matrix on the SNPs of `layout` with room for `samples` samples.
    pub fn with_capacity(layout: &Arc<SnpLayout>, samples: usize) -> PackedGenotypes {
        PackedGenotypes {
            layout: Arc::clone(layout),
            bits: Vec::with_capacity(samples * layout.words * 3),
        }
    }

    /// Appends one sample's calls (so large matrices need not be held unpacked).
    pub fn push(&mut self, set: &'static str, sample: usize, row: &[Option<u8>]) -> Result<(), SnpScreenError> {
        let words = self.layout.words;
        if row.len() != self.layout.snps() {
            return Err(SnpScreenError::SnpCount {
                set,
                sample,
                expected: self.layout.snps(),
                found: row.len(),
            });
        }
        let start = self.bits.len();
        self.bits.resize(start + words * 3, 0);
        let planes = &mut self.bits[start..];
        for (k, call) in row.iter().enumerate() {
            let Some(value) = *call else { continue };
            let plane = match value {
                1 => 0,
                2 => 1,
                0 => 2,
                _ => {
                    self.bits.truncate(start);
                    return Err(SnpScreenError::BadCall {
                        set,
                        sample,
                        snp: k,
                        value,
                    });
                }
            };
            let bit = self.layout.position[k] as usize;
            planes[plane * words + bit / 64] |= 1u64 << (bit % 64);
        }
        Ok(())
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        self.bits.len().checked_div(self.layout.words * 3).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of SNPs.
    pub fn snps(&self) -> usize {
        self.layout.snps()
    }

    /// The SNP layout the calls are packed in.
    pub fn layout(&self) -> &Arc<SnpLayout> {
        &self.layout
    }

    /// Bytes held by the planes.
    pub fn heap_bytes(&self) -> usize {
        self.bits.len() * 8
    }

    fn sample(&self, s: usize) -> &[u64] {
        let words = self.layout.words;
        &self.bits[s * words * 3..(s + 1) * words * 3]
    }

    /// The call of sample `s` at SNP `k`, unpacked (`None`: untyped).
    pub fn call(&self, s: usize, k: usize) -> Option<u8> {
        let words = self.layout.words;
        let planes = self.sample(s);
        let position = self.layout.position[k] as usize;
        let (w, bit) = (position / 64, 1u64 << (position % 64));
        if planes[w] & bit != 0 {
            Some(1)
        } else if planes[words + w] & bit != 0 {
            Some(2)
        } else if planes[2 * words + w] & bit != 0 {
            Some(0)
        } else {
            None
        }
    }
}

/// What the first pass counts for one pair: the SNPs typed in both, by their pair of calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PairCounts {
    /// Homozygous REF in both.
    pub ref_ref: u32,
    /// Homozygous REF in one, heterozygous in the other.
    pub ref_het: u32,
    /// Homozygous REF in one, homozygous ALT in the other (IBS0).
    pub ibs0: u32,
    /// Heterozygous in both.
    pub het_both: u32,
    /// Heterozygous in one, homozygous ALT in the other.
    pub het_alt: u32,
    /// Homozygous ALT in both.
    pub alt_alt: u32,
}

impl PairCounts {
    /// SNPs typed in both.
    pub fn both_typed(&self) -> u32 {
        self.by_combo().iter().sum()
    }

    /// The counts in the order of [`COMBOS`].
    pub fn by_combo(&self) -> [u32; 6] {
        [
            self.ref_ref,
            self.ref_het,
            self.ibs0,
            self.het_both,
            self.het_alt,
            self.alt_alt,
        ]
    }

    /// Heterozygous calls of either among the SNPs typed in both (a SNP heterozygous in both
    /// counts twice): the KING denominator N_het,A + N_het,B.
    pub fn heterozygotes(&self) -> u32 {
        2 * self.het_both + self.ref_het + self.het_alt
    }

    /// The KING-robust kinship estimate (within-family form); `None` when neither is
    /// heterozygous at any jointly typed SNP.
    pub fn kinship(&self) -> Option<f64> {
        let hets = self.heterozygotes();
        (hets > 0).then(|| (f64::from(self.het_both) - 2.0 * f64::from(self.ibs0)) / f64::from(hets))
    }
}

/// The IBD1 score of one pair in fixed point (units of 2^-16): S = Σ w(class, calls) over the
/// SNPs typed in both, and its null variance Σ V(class) over the same SNPs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PairScore {
    pub score: i64,
    pub variance: i64,
}

impl PairScore {
    /// S, the (class-weighted) score of the IBD1 LR against unrelated.
    pub fn score(&self) -> f64 {
        self.score as f64 / SCORE_SCALE
    }

    /// S's variance for unrelated pairs, over the SNPs typed in both.
    pub fn null_variance(&self) -> f64 {
        self.variance as f64 / SCORE_SCALE
    }

    /// S standardised by its null standard deviation; `None` when no SNP is typed in both.
    pub fn z(&self) -> Option<f64> {
        (self.variance > 0).then(|| self.score() / self.null_variance().sqrt())
    }
}

/// The planes of one sample: heterozygous, homozygous ALT, homozygous REF, `words` long each.
#[inline(always)]
fn planes(a: &[u64], words: usize) -> (&[u64], &[u64], &[u64]) {
    (&a[..words], &a[words..2 * words], &a[2 * words..3 * words])
}

/// The counts of one pair by the packed planes (each `3 × words` long).
#[inline(always)]
fn packed_counts(a: &[u64], b: &[u64], words: usize) -> PairCounts {
    // Slices of one length, so the loop below runs without bounds checks and vectorises.
    let (het_a, alt_a, ref_a) = planes(a, words);
    let (het_b, alt_b, ref_b) = planes(b, words);
    // 64-bit sums, as the vectorised popcounts come; each count fits 32 bits.
    let (mut rr, mut rh, mut ra, mut hh, mut ha, mut aa) = (0u64, 0u64, 0u64, 0u64, 0u64, 0u64);
    for i in 0..words {
        // Each pair of calls is one AND of planes; the ORs join disjoint sets (a sample has one
        // call a SNP).
        rr += u64::from((ref_a[i] & ref_b[i]).count_ones());
        rh += u64::from(((ref_a[i] & het_b[i]) | (het_a[i] & ref_b[i])).count_ones());
        ra += u64::from(((ref_a[i] & alt_b[i]) | (alt_a[i] & ref_b[i])).count_ones());
        hh += u64::from((het_a[i] & het_b[i]).count_ones());
        ha += u64::from(((het_a[i] & alt_b[i]) | (alt_a[i] & het_b[i])).count_ones());
        aa += u64::from((alt_a[i] & alt_b[i]).count_ones());
    }
    // At most 64 · words each, and `words` ≤ u32::MAX / 64 for any panel a u32 SNP index covers.
    PairCounts {
        ref_ref: rr as u32,
        ref_het: rh as u32,
        ibs0: ra as u32,
        het_both: hh as u32,
        het_alt: ha as u32,
        alt_alt: aa as u32,
    }
}

/// The IBD1 score of one pair by the packed planes: per word (frequency class), the same six
/// counts as [`packed_counts`], weighted by the class's weights.
#[inline(always)]
fn packed_score(a: &[u64], b: &[u64], layout: &SnpLayout) -> PairScore {
    let n = layout.words;
    let (het_a, alt_a, ref_a) = planes(a, n);
    let (het_b, alt_b, ref_b) = planes(b, n);
    let w = &layout.weights[..6 * n];
    let (w0, w1, w2, w3, w4, w5) = (
        &w[..n],
        &w[n..2 * n],
        &w[2 * n..3 * n],
        &w[3 * n..4 * n],
        &w[4 * n..5 * n],
        &w[5 * n..6 * n],
    );
    let v = &layout.variance[..n];
    let (mut score, mut variance) = (0i64, 0i64);
    for i in 0..n {
        let rr = i64::from((ref_a[i] & ref_b[i]).count_ones());
        let rh = i64::from(((ref_a[i] & het_b[i]) | (het_a[i] & ref_b[i])).count_ones());
        let ra = i64::from(((ref_a[i] & alt_b[i]) | (alt_a[i] & ref_b[i])).count_ones());
        let hh = i64::from((het_a[i] & het_b[i]).count_ones());
        let ha = i64::from(((het_a[i] & alt_b[i]) | (alt_a[i] & het_b[i])).count_ones());
        let aa = i64::from((alt_a[i] & alt_b[i]).count_ones());
        score += i64::from(w0[i]) * rr
            + i64::from(w1[i]) * rh
            + i64::from(w2[i]) * ra
            + i64::from(w3[i]) * hh
            + i64::from(w4[i]) * ha
            + i64::from(w5[i]) * aa;
        variance += i64::from(v[i]) * (rr + rh + ra + hh + ha + aa);
    }
    PairScore { score, variance }
}

/// Which pairs the first pass keeps. An explicit choice, never adjusted by the screen.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Keep {
    /// Pairs whose KING-robust kinship estimate is at least this.
    Kinship(f64),
    /// Pairs whose standardised IBD1 score ([`PairScore::z`]) is at least this.
    ScoreZ(f64),
    /// The pairs of highest standardised IBD1 score, at most this many (a budget for the exact
    /// rescoring); ties at the boundary go to the lower sample, then reference, index.
    TopScores(usize),
}

impl std::fmt::Display for Keep {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Keep::Kinship(min) => write!(f, "KING-robust kinship ≥ {min}"),
            Keep::ScoreZ(min) => write!(f, "IBD1 score z ≥ {min}"),
            Keep::TopScores(n) => write!(f, "the {n} highest IBD1 score z"),
        }
    }
}

/// A kept pair ordered by its score z (higher is greater), then by lower sample and reference.
#[derive(Debug, Clone, Copy)]
struct Ranked(KeptPair);

impl Ord for Ranked {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0
            .score_z
            .total_cmp(&other.0.score_z)
            .then_with(|| (other.0.sample, other.0.reference).cmp(&(self.0.sample, self.0.reference)))
    }
}

impl PartialOrd for Ranked {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Ranked {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other).is_eq()
    }
}

impl Eq for Ranked {}

/// One thread's kept pairs under the keep rule.
enum Kept {
    Kinship(f64, Vec<KeptPair>),
    ScoreZ(f64, Vec<KeptPair>),
    Top(usize, BinaryHeap<Reverse<Ranked>>),
}

impl Kept {
    fn new(keep: Keep) -> Kept {
        match keep {
            Keep::Kinship(min) => Kept::Kinship(min, Vec::new()),
            Keep::ScoreZ(min) => Kept::ScoreZ(min, Vec::new()),
            Keep::TopScores(n) => Kept::Top(n, BinaryHeap::with_capacity(n.min(1 << 20) + 1)),
        }
    }

    /// Scores sample planes `a` against reference planes `b` for the rule, keeping the pair if
    /// it qualifies: only the statistic the rule needs is computed for every pair, the other one
    /// for the kept pairs.
    #[inline(always)]
    fn offer(&mut self, layout: &SnpLayout, (sample, a): (u32, &[u64]), (reference, b): (u32, &[u64])) {
        let pair = |counts: PairCounts, score: PairScore| KeptPair {
            sample,
            reference,
            counts,
            score_z: score.z().map_or(f32::NAN, |z| z as f32),
        };
        match self {
            Kept::Kinship(min, pairs) => {
                let counts = packed_counts(a, b, layout.words);
                if counts.kinship().is_some_and(|k| k >= *min) {
                    pairs.push(pair(counts, packed_score(a, b, layout)));
                }
            }
            Kept::ScoreZ(min, pairs) => {
                let score = packed_score(a, b, layout);
                if score.z().is_some_and(|z| z >= *min) {
                    pairs.push(pair(packed_counts(a, b, layout.words), score));
                }
            }
            Kept::Top(n, heap) => {
                let score = packed_score(a, b, layout);
                if score.z().is_none() {
                    return;
                }
                if heap.len() < *n {
                    heap.push(Reverse(Ranked(pair(packed_counts(a, b, layout.words), score))));
                } else if let Some(mut worst) = heap.peek_mut() {
                    // The counts are not part of the order: compare first, count if kept.
                    let mut candidate = Ranked(pair(PairCounts::default(), score));
                    if candidate > worst.0 {
                        candidate.0.counts = packed_counts(a, b, layout.words);
                        *worst = Reverse(candidate);
                    }
                }
            }
        }
    }

    /// The kept pairs by sample then reference.
    fn into_sorted(self) -> Vec<KeptPair> {
        let mut pairs = match self {
            Kept::Kinship(_, pairs) | Kept::ScoreZ(_, pairs) => pairs,
            Kept::Top(_, heap) => heap.into_iter().map(|r| r.0 .0).collect(),
        };
        pairs.sort_unstable_by_key(|p| (p.sample, p.reference));
        pairs
    }
}

/// Samples `samples_range` against references `block`, each pair offered to `kept`: the loop the
/// instruction-set variants of [`popcount`] compile.
#[inline(always)]
fn score_block_portable(
    samples: &PackedGenotypes,
    samples_range: std::ops::Range<usize>,
    references: &PackedGenotypes,
    block: std::ops::Range<usize>,
    kept: &mut Kept,
) {
    let layout = &*samples.layout;
    for s in samples_range {
        let a = samples.sample(s);
        for r in block.clone() {
            // Both indices fit: `first_pass` refuses more than u32::MAX samples.
            kept.offer(layout, (s as u32, a), (r as u32, references.sample(r)));
        }
    }
}

/// The first pass's inner loop compiled for the processor it runs on.
///
/// The workspace targets baseline x86-64, which has no `popcnt` instruction, so `count_ones`
/// there is a dozen shifts and masks; with `popcnt` (and AVX2 for the compiler's vectorised
/// popcount) the same loop is several times faster. The code is the portable loop, compiled a
/// second time with those features enabled, and chosen at run time.
#[allow(unsafe_code)]
mod popcount {
    use super::{score_block_portable, Kept, PackedGenotypes};
    use std::ops::Range;

    pub(super) fn score_block(
        samples: &PackedGenotypes,
        samples_range: Range<usize>,
        references: &PackedGenotypes,
        block: Range<usize>,
        kept: &mut Kept,
        simd: bool,
    ) {
        #[cfg(target_arch = "x86_64")]
        if simd && std::arch::is_x86_feature_detected!("popcnt") && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the only requirement of a `target_feature` function is that the processor
            // has the features, which was just checked; the body is safe code.
            unsafe { score_block_avx2(samples, samples_range, references, block, kept) };
            return;
        }
        // Elsewhere there is no variant to choose.
        let _ = simd;
        score_block_portable(samples, samples_range, references, block, kept);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt,avx2")]
    unsafe fn score_block_avx2(
        samples: &PackedGenotypes,
        samples_range: Range<usize>,
        references: &PackedGenotypes,
        block: Range<usize>,
        kept: &mut Kept,
    ) {
        score_block_portable(samples, samples_range, references, block, kept);
    }
}

/// The counts of sample `s` against reference `r` by the packed planes.
pub fn pair_counts(samples: &PackedGenotypes, s: usize, references: &PackedGenotypes, r: usize) -> PairCounts {
    packed_counts(samples.sample(s), references.sample(r), samples.layout.words)
}

/// The IBD1 score of sample `s` against reference `r` by the packed planes.
pub fn pair_score(samples: &PackedGenotypes, s: usize, references: &PackedGenotypes, r: usize) -> PairScore {
    packed_score(samples.sample(s), references.sample(r), &samples.layout)
}

/// The same counts by a plain loop over the SNPs: the reference the packed pass is held to.
pub fn reference_pair_counts(a: &[Option<u8>], b: &[Option<u8>]) -> PairCounts {
    let mut c = [0u32; 6];
    for (x, y) in a.iter().zip(b) {
        if let (Some(x), Some(y)) = (*x, *y) {
            c[combo(x, y)] += 1;
        }
    }
    let [ref_ref, ref_het, ibs0, het_both, het_alt, alt_alt] = c;
    PairCounts {
        ref_ref,
        ref_het,
        ibs0,
        het_both,
        het_alt,
        alt_alt,
    }
}

/// The same score by a plain loop over the SNPs, each SNP's term the weight of its class in
/// `layout`: the reference the packed pass is held to.
pub fn reference_pair_score(layout: &SnpLayout, a: &[Option<u8>], b: &[Option<u8>]) -> PairScore {
    let mut out = PairScore::default();
    for (k, (x, y)) in a.iter().zip(b).enumerate() {
        if let (Some(x), Some(y)) = (*x, *y) {
            let class = layout.class_of(k);
            out.score += i64::from(layout.weights[combo(x, y) * layout.words + class]);
            out.variance += i64::from(layout.variance[class]);
        }
    }
    out
}

/// The exact (unquantised) score of one pair: Σ (LR1 − 1) over the SNPs typed in both at each
/// SNP's own frequency (bounded as for the weights), and its null variance (0.25 a SNP, whatever
/// the frequency). What the packed score approximates; for calibration and tests.
pub fn exact_pair_score(freq_alt: &[f64], a: &[Option<u8>], b: &[Option<u8>]) -> (f64, f64) {
    let (mut score, mut variance) = (0.0, 0.0);
    for ((x, y), &p) in a.iter().zip(b).zip(freq_alt) {
        if let (Some(x), Some(y)) = (*x, *y) {
            let (p0, p1) = combo_probabilities(p.clamp(FREQ_BOUND, 1.0 - FREQ_BOUND))[combo(x, y)];
            score += p1 / p0 - 1.0;
            variance += 0.25;
        }
    }
    (score, variance)
}

/// Options of the SNP screen.
#[derive(Debug, Clone)]
pub struct SnpScreenOptions {
    /// Which pairs the first pass keeps ([`Keep::ScoreZ`] at [`DEFAULT_MIN_SCORE_Z`] by
    /// default).
    pub keep: Keep,
    /// Threads for both passes.
    pub threads: usize,
}

impl Default for SnpScreenOptions {
    fn default() -> Self {
        SnpScreenOptions {
            keep: Keep::ScoreZ(DEFAULT_MIN_SCORE_Z),
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// A pair kept by the first pass. Small (36 bytes), since with a low threshold a large share of
/// all pairs is kept (at the default, about 16% of unrelated pairs; at the default KING
/// threshold, about 40%).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct KeptPair {
    pub sample: u32,
    pub reference: u32,
    pub counts: PairCounts,
    /// The standardised IBD1 score ([`PairScore::z`], NaN when no SNP is typed in both).
    pub score_z: f32,
}

impl KeptPair {
    /// The kinship estimate of the pair.
    pub fn kinship(&self) -> f64 {
        self.counts.kinship().unwrap_or(f64::NAN)
    }
}

/// The first pass's outcome.
#[derive(Debug, Clone)]
pub struct FirstPass {
    /// Pairs compared.
    pub pairs: u64,
    /// The rule the pairs were kept by.
    pub keep: Keep,
    /// Kept pairs, by sample then reference.
    pub kept: Vec<KeptPair>,
}

impl FirstPass {
    /// The lowest value of the keep statistic (kinship, or score z) among the kept pairs: for
    /// [`Keep::TopScores`], the threshold the budget came to.
    pub fn lowest_kept(&self) -> Option<f64> {
        let value = |p: &KeptPair| match self.keep {
            Keep::Kinship(_) => p.kinship(),
            Keep::ScoreZ(_) | Keep::TopScores(_) => f64::from(p.score_z),
        };
        self.kept.iter().map(value).min_by(f64::total_cmp)
    }
}

/// Every sample against every reference by the packed counts and score; the pairs `options.keep`
/// selects are kept.
pub fn first_pass(
    samples: &PackedGenotypes,
    references: &PackedGenotypes,
    options: &SnpScreenOptions,
) -> Result<FirstPass, SnpScreenError> {
    first_pass_on(samples, references, options, true)
}

/// [`first_pass`] with the `popcnt`/AVX2 variant allowed or not (`simd`), for tests holding both
/// variants to the per-SNP loop.
#[doc(hidden)]
pub fn first_pass_on(
    samples: &PackedGenotypes,
    references: &PackedGenotypes,
    options: &SnpScreenOptions,
    simd: bool,
) -> Result<FirstPass, SnpScreenError> {
    if !Arc::ptr_eq(&samples.layout, &references.layout) && samples.layout != references.layout {
        return Err(SnpScreenError::Mismatch {
            samples: samples.snps(),
            references: references.snps(),
        });
    }
    match options.keep {
        Keep::Kinship(t) | Keep::ScoreZ(t) if t.is_nan() => return Err(SnpScreenError::BadThreshold(t)),
        _ => {}
    }
    let (ns, nr) = (samples.len(), references.len());
    if u32::try_from(ns.max(nr)).is_err() {
        return Err(SnpScreenError::TooMany(ns.max(nr)));
    }
    let threads = options.threads.max(1);
    let chunk = ns.div_ceil(threads).max(1);
    let keep = options.keep;
    let per_thread: Vec<Vec<KeptPair>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..ns)
            .step_by(chunk)
            .map(|start| {
                let end = (start + chunk).min(ns);
                scope.spawn(move || {
                    let mut kept = Kept::new(keep);
                    for block in (0..nr).step_by(REFERENCE_BLOCK) {
                        let block = block..(block + REFERENCE_BLOCK).min(nr);
                        popcount::score_block(samples, start..end, references, block, &mut kept, simd);
                    }
                    // Blocks interleave the order; sorted, each share is by sample then
                    // reference, and the shares follow each other.
                    kept.into_sorted()
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| SnpScreenError::ThreadPanicked))
            .collect::<Result<Vec<_>, _>>()
    })?;
    let kept = match keep {
        // Each share holds its own best; the best of their union are the best overall.
        Keep::TopScores(n) => {
            let mut all: Vec<Ranked> = per_thread.into_iter().flatten().map(Ranked).collect();
            all.sort_unstable_by(|a, b| b.cmp(a));
            all.truncate(n);
            let mut kept: Vec<KeptPair> = all.into_iter().map(|r| r.0).collect();
            kept.sort_unstable_by_key(|p| (p.sample, p.reference));
            kept
        }
        // Concatenated share by share, each freed once copied, so the peak is the total plus one
        // share rather than twice the total.
        _ => {
            let mut kept = Vec::with_capacity(per_thread.iter().map(Vec::len).sum());
            for share in per_thread {
                kept.extend_from_slice(&share);
            }
            kept
        }
    };
    Ok(FirstPass {
        pairs: ns as u64 * nr as u64,
        keep,
        kept,
    })
}

/// The exact LRs of one kept pair.
#[derive(Debug, Clone, PartialEq)]
pub struct RescoredPair {
    pub sample: u32,
    pub reference: u32,
    pub kinship: f64,
    /// The standardised IBD1 score of the first pass ([`KeptPair::score_z`]).
    pub score_z: f32,
    /// ln LR against unrelated of every relationship of [`STANDARD_RELATIONSHIPS`] but
    /// unrelated, in that order.
    pub ln_lrs: Vec<f64>,
    /// The index (into [`STANDARD_RELATIONSHIPS`]) of the best-fitting relationship.
    pub best: usize,
    /// Its ln LR against unrelated.
    pub best_ln_lr: f64,
}

impl RescoredPair {
    /// The name of the best-fitting relationship.
    pub fn best_name(&self) -> &'static str {
        STANDARD_RELATIONSHIPS[self.best].0
    }
}

/// One relationship's chain and evidence rows, reused pair after pair by one thread.
struct Hypothesis {
    chain: LinkedChain,
    a: usize,
    b: usize,
    /// `[chromosome][marker][member]`; only A's and B's entries change between pairs.
    rows: Vec<Vec<Vec<Option<GenotypeLikelihoods>>>>,
}

impl Hypothesis {
    fn new(
        name: &'static str,
        rel: Option<Relationship>,
        chromosomes: &[Vec<LinkedMarker>],
    ) -> Result<Hypothesis, SnpScreenError> {
        let (ped, a, b) = match rel {
            Some(r) => r
                .pedigree(("A", Sex::Male), ("B", Sex::Male))
                .ok_or(SnpScreenError::NoPedigree(name))?,
            None => (
                Pedigree::singletons([("A".to_owned(), Sex::Male), ("B".to_owned(), Sex::Male)])
                    .map_err(|_| SnpScreenError::NoPedigree(name))?,
                0,
                1,
            ),
        };
        let mut typed = vec![false; ped.len()];
        typed[a] = true;
        typed[b] = true;
        let chain = LinkedChain::new(&ped, &typed)?;
        let rows = chromosomes
            .iter()
            .map(|c| vec![vec![None; ped.len()]; c.len()])
            .collect();
        Ok(Hypothesis { chain, a, b, rows })
    }

    fn ln_likelihood(
        &mut self,
        chromosomes: &[Vec<LinkedMarker>],
        map: MapFunction,
        evidence: &[(Option<GenotypeLikelihoods>, Option<GenotypeLikelihoods>)],
    ) -> Result<f64, SnpScreenError> {
        let mut k = 0;
        let mut ln = 0.0;
        for (markers, rows) in chromosomes.iter().zip(&mut self.rows) {
            for row in rows.iter_mut() {
                (row[self.a], row[self.b]) = evidence[k];
                k += 1;
            }
            ln += self.chain.ln_likelihood(markers, rows, map)?;
        }
        Ok(ln)
    }
}

/// The exact rescoring of `pairs`: for each, ln L of every standard relationship and of unrelated
/// by the linked chain over `chromosomes` (in map order; SNP k of the genotypes is the k-th
/// marker of the chromosomes in turn), the calls read with `genotype_error`. Split over
/// `threads`; the output is in the order of `pairs`.
pub fn rescore(
    chromosomes: &[Vec<LinkedMarker>],
    map: MapFunction,
    samples: &PackedGenotypes,
    references: &PackedGenotypes,
    genotype_error: f64,
    pairs: &[KeptPair],
    threads: usize,
) -> Result<Vec<RescoredPair>, SnpScreenError> {
    let markers: usize = chromosomes.iter().map(Vec::len).sum();
    if markers != samples.snps() || markers != references.snps() {
        return Err(SnpScreenError::Markers {
            markers,
            snps: if markers != samples.snps() {
                samples.snps()
            } else {
                references.snps()
            },
        });
    }
    if let Some(p) = pairs
        .iter()
        .find(|p| p.sample as usize >= samples.len() || p.reference as usize >= references.len())
    {
        return Err(SnpScreenError::NoSuchPair {
            sample: p.sample,
            reference: p.reference,
        });
    }
    // The three possible calls' likelihoods, checked once (a bad error rate fails here).
    let calls = [
        GenotypeLikelihoods::from_call(0, genotype_error)?,
        GenotypeLikelihoods::from_call(1, genotype_error)?,
        GenotypeLikelihoods::from_call(2, genotype_error)?,
    ];
    let threads = threads.max(1);
    let chunk = pairs.len().div_ceil(threads).max(1);
    let results: Vec<Result<Vec<RescoredPair>, SnpScreenError>> = std::thread::scope(|scope| {
        let handles: Vec<_> = pairs
            .chunks(chunk)
            .map(|share| {
                scope.spawn(move || -> Result<Vec<RescoredPair>, SnpScreenError> {
                    let mut hypotheses = STANDARD_RELATIONSHIPS
                        .iter()
                        .map(|(name, rel)| Hypothesis::new(name, *rel, chromosomes))
                        .collect::<Result<Vec<_>, _>>()?;
                    let mut evidence = vec![(None, None); markers];
                    let mut out = Vec::with_capacity(share.len());
                    for p in share {
                        for (k, e) in evidence.iter_mut().enumerate() {
                            let call =
                                |g: &PackedGenotypes, s: u32| g.call(s as usize, k).map(|c| calls[usize::from(c)]);
                            *e = (call(samples, p.sample), call(references, p.reference));
                        }
                        let lns = hypotheses
                            .iter_mut()
                            .map(|h| h.ln_likelihood(chromosomes, map, &evidence))
                            .collect::<Result<Vec<f64>, _>>()?;
                        out.push(rescored(p, &lns));
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or(Err(SnpScreenError::ThreadPanicked)))
            .collect()
    });
    let mut out = Vec::with_capacity(pairs.len());
    for r in results {
        out.extend(r?);
    }
    Ok(out)
}

/// The pair's LRs from the ln likelihoods in the order of [`STANDARD_RELATIONSHIPS`].
fn rescored(p: &KeptPair, lns: &[f64]) -> RescoredPair {
    let unrelated = STANDARD_RELATIONSHIPS
        .iter()
        .position(|(_, r)| r.is_none())
        .map_or(f64::NEG_INFINITY, |i| lns[i]);
    let mut ln_lrs = Vec::with_capacity(lns.len() - 1);
    let (mut best, mut best_ln_lr) = (0, f64::NEG_INFINITY);
    for (i, ((_, rel), ln)) in STANDARD_RELATIONSHIPS.iter().zip(lns).enumerate() {
        if rel.is_none() {
            continue;
        }
        let lr = ln - unrelated;
        if lr > best_ln_lr {
            (best, best_ln_lr) = (i, lr);
        }
        ln_lrs.push(lr);
    }
    RescoredPair {
        sample: p.sample,
        reference: p.reference,
        kinship: p.kinship(),
        score_z: p.score_z,
        ln_lrs,
        best,
        best_ln_lr,
    }
}
