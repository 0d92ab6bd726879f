//! Screening at scale with SNPs: every recovered sample against every reference sample.
//!
//! Two stages:
//!
//! 1. A bit-packed first pass ([`first_pass`]). Each sample's calls are three bit-planes over the
//!    SNPs (heterozygous, homozygous ALT, homozygous REF; a SNP with none of the three bits is
//!    untyped), 64 SNPs per word. For a pair, `u64::count_ones` over the words gives the SNPs typed
//!    in both, the IBS0 count (opposite homozygotes), the SNPs heterozygous in both and each one's
//!    heterozygotes among the jointly typed SNPs, hence the KING-robust kinship estimate
//!    (Manichaikul et al. 2010, within-family form):
//!    φ̂ = (N_het,het − 2·N_IBS0) / (N_het,A + N_het,B). The samples are split over scoped
//!    threads; each thread walks the references in blocks that stay in cache. A pair is kept when
//!    φ̂ ≥ [`SnpScreenOptions::min_kinship`] ([`DEFAULT_MIN_KINSHIP`], reasoned there).
//! 2. The exact rescoring ([`rescore`]) of the kept pairs: for every relationship of
//!    [`kinship::STANDARD_RELATIONSHIPS`], ln L by the Lander–Green chain ([`kinship::LinkedChain`])
//!    on its two-person pedigree along every chromosome, and the LR against unrelated; the best
//!    fitting relationship is reported with its LR.
//!
//! [`reference_pair_counts`] is the plain per-SNP loop the packed counts are held to
//! (`tests/snp_screen.rs`).
//!
//! Calls are hard genotypes (ALT allele counts 0, 1, 2 or missing): the first pass needs calls,
//! and the rescoring reads them as calls with a genotyping error rate. The chromosomes' maps
//! should be sex-averaged, since the sexes of the people on the path between two samples are
//! unknown (the pedigrees put men there).

use kinship::{
    GenotypeLikelihoods, LinkageError, LinkedChain, LinkedMarker, MapFunction, Pedigree, Relationship, Sex,
    STANDARD_RELATIONSHIPS,
};

/// The default keep threshold of the first pass: 2^-6.5 − 2^-7 ≈ 0.0032.
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
/// It is a default, never adjusted: pass another value in [`SnpScreenOptions::min_kinship`].
pub const DEFAULT_MIN_KINSHIP: f64 = 0.011_048_543_456_039_806 - 0.007_812_5;

/// References scored together by one thread before it moves on: 64 references of 3,930 SNPs are
/// 96 KiB of planes, which stay in L2 while all of the thread's samples pass over them.
const REFERENCE_BLOCK: usize = 64;

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
    #[error("samples are typed on {samples} SNPs and references on {references}")]
    Mismatch { samples: usize, references: usize },
    #[error("the chromosomes hold {markers} SNPs and the genotypes {snps}")]
    Markers { markers: usize, snps: usize },
    #[error("minimum kinship {0} is not a number")]
    BadThreshold(f64),
    #[error("pair ({sample}, {reference}): no such sample or reference")]
    NoSuchPair { sample: u32, reference: u32 },
    #[error("{0} samples: the screen numbers samples with 32 bits")]
    TooMany(usize),
    #[error("relationship '{0}': no two-person pedigree")]
    NoPedigree(&'static str),
    #[error("a rescoring thread panicked")]
    ThreadPanicked,
    #[error("linked chain: {0}")]
    Linkage(#[from] LinkageError),
}

/// Hard calls of many samples on the same SNPs, packed: per sample, the heterozygous,
/// homozygous-ALT and homozygous-REF planes one after the other (`words` `u64`s each), so that a
/// sample's data is one contiguous slice and each plane a run the compiler vectorises over. Bits
/// beyond the last SNP are zero (untyped).
#[derive(Debug, Clone)]
pub struct PackedGenotypes {
    snps: usize,
    words: usize,
    bits: Vec<u64>,
}

impl PackedGenotypes {
    /// Packs `calls[sample][snp]` (ALT allele counts, `None` untyped); every sample must have
    /// `snps` calls. `set` names the matrix in errors ("sample" or "reference").
    pub fn from_calls(set: &'static str, snps: usize, calls: &[Vec<Option<u8>>]) -> Result<Self, SnpScreenError> {
        let mut packed = PackedGenotypes::with_capacity(snps, calls.len());
        for (s, row) in calls.iter().enumerate() {
            packed.push(set, s, row)?;
        }
        Ok(packed)
    }

    /// An empty matrix on `snps` SNPs with room for `samples` samples.
    pub fn with_capacity(snps: usize, samples: usize) -> PackedGenotypes {
        let words = snps.div_ceil(64);
        PackedGenotypes {
            snps,
            words,
            bits: Vec::with_capacity(samples * words * 3),
        }
    }

    /// Appends one sample's calls (so large matrices need not be held unpacked).
    pub fn push(&mut self, set: &'static str, sample: usize, row: &[Option<u8>]) -> Result<(), SnpScreenError> {
        if row.len() != self.snps {
            return Err(SnpScreenError::SnpCount {
                set,
                sample,
                expected: self.snps,
                found: row.len(),
            });
        }
        let start = self.bits.len();
        self.bits.resize(start + self.words * 3, 0);
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
            planes[plane * self.words + k / 64] |= 1u64 << (k % 64);
        }
        Ok(())
    }

    /// The number of samples.
    pub fn len(&self) -> usize {
        self.bits.len().checked_div(self.words * 3).unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The number of SNPs.
    pub fn snps(&self) -> usize {
        self.snps
    }

    /// Bytes held by the planes.
    pub fn heap_bytes(&self) -> usize {
        self.bits.len() * 8
    }

    fn sample(&self, s: usize) -> &[u64] {
        &self.bits[s * self.words * 3..(s + 1) * self.words * 3]
    }

    /// The call of sample `s` at SNP `k`, unpacked (`None`: untyped).
    pub fn call(&self, s: usize, k: usize) -> Option<u8> {
        let planes = self.sample(s);
        let bit = 1u64 << (k % 64);
        let w = k / 64;
        if planes[w] & bit != 0 {
            Some(1)
        } else if planes[self.words + w] & bit != 0 {
            Some(2)
        } else if planes[2 * self.words + w] & bit != 0 {
            Some(0)
        } else {
            None
        }
    }
}

/// What the first pass counts for one pair, over the SNPs typed in both.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PairCounts {
    /// SNPs typed in both.
    pub both_typed: u32,
    /// SNPs where one is homozygous REF and the other homozygous ALT.
    pub ibs0: u32,
    /// SNPs heterozygous in both.
    pub het_both: u32,
    /// SNPs heterozygous in the sample (among those typed in both).
    pub het_sample: u32,
    /// SNPs heterozygous in the reference (among those typed in both).
    pub het_reference: u32,
}

impl PairCounts {
    /// The KING-robust kinship estimate (within-family form); `None` when neither is
    /// heterozygous at any jointly typed SNP.
    pub fn kinship(&self) -> Option<f64> {
        let hets = self.het_sample + self.het_reference;
        (hets > 0).then(|| (f64::from(self.het_both) - 2.0 * f64::from(self.ibs0)) / f64::from(hets))
    }
}

/// The counts of one pair by the packed planes (each `3 × words` long).
#[inline(always)]
fn packed_counts(a: &[u64], b: &[u64]) -> PairCounts {
    let n = a.len().min(b.len()) / 3;
    // Slices of one length, so the loop below runs without bounds checks and vectorises.
    let (het_a, alt_a, ref_a) = (&a[..n], &a[n..2 * n], &a[2 * n..3 * n]);
    let (het_b, alt_b, ref_b) = (&b[..n], &b[n..2 * n], &b[2 * n..3 * n]);
    let (mut both, mut ibs0, mut hh, mut ha, mut hb) = (0u32, 0u32, 0u32, 0u32, 0u32);
    for w in 0..n {
        let typed_a = het_a[w] | alt_a[w] | ref_a[w];
        let typed_b = het_b[w] | alt_b[w] | ref_b[w];
        both += (typed_a & typed_b).count_ones();
        ibs0 += ((alt_a[w] & ref_b[w]) | (ref_a[w] & alt_b[w])).count_ones();
        hh += (het_a[w] & het_b[w]).count_ones();
        ha += (het_a[w] & typed_b).count_ones();
        hb += (het_b[w] & typed_a).count_ones();
    }
    PairCounts {
        both_typed: both,
        ibs0,
        het_both: hh,
        het_sample: ha,
        het_reference: hb,
    }
}

/// Samples `samples_range` against references `block`, the kept pairs appended to `kept`: the
/// loop the instruction-set variants of [`popcount`] compile.
#[inline(always)]
fn score_block_portable(
    samples: &PackedGenotypes,
    samples_range: std::ops::Range<usize>,
    references: &PackedGenotypes,
    block: std::ops::Range<usize>,
    min: f64,
    kept: &mut Vec<KeptPair>,
) {
    for s in samples_range {
        let a = samples.sample(s);
        for r in block.clone() {
            let counts = packed_counts(a, references.sample(r));
            if counts.kinship().is_some_and(|k| k >= min) {
                // Both indices fit: `first_pass` refuses more than u32::MAX samples.
                kept.push(KeptPair {
                    sample: s as u32,
                    reference: r as u32,
                    counts,
                });
            }
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
    use super::{score_block_portable, KeptPair, PackedGenotypes};
    use std::ops::Range;

    pub(super) fn score_block(
        samples: &PackedGenotypes,
        samples_range: Range<usize>,
        references: &PackedGenotypes,
        block: Range<usize>,
        min: f64,
        kept: &mut Vec<KeptPair>,
    ) {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("popcnt") && std::arch::is_x86_feature_detected!("avx2") {
            // SAFETY: the only requirement of a `target_feature` function is that the processor
            // has the features, which was just checked; the body is safe code.
            unsafe { score_block_avx2(samples, samples_range, references, block, min, kept) };
            return;
        }
        score_block_portable(samples, samples_range, references, block, min, kept);
    }

    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "popcnt,avx2")]
    unsafe fn score_block_avx2(
        samples: &PackedGenotypes,
        samples_range: Range<usize>,
        references: &PackedGenotypes,
        block: Range<usize>,
        min: f64,
        kept: &mut Vec<KeptPair>,
    ) {
        score_block_portable(samples, samples_range, references, block, min, kept);
    }
}

/// The counts of sample `s` against reference `r` by the packed planes.
pub fn pair_counts(samples: &PackedGenotypes, s: usize, references: &PackedGenotypes, r: usize) -> PairCounts {
    packed_counts(samples.sample(s), references.sample(r))
}

/// The same counts by a plain loop over the SNPs: the reference the packed pass is held to.
pub fn reference_pair_counts(a: &[Option<u8>], b: &[Option<u8>]) -> PairCounts {
    let mut c = PairCounts::default();
    for (x, y) in a.iter().zip(b) {
        let (Some(x), Some(y)) = (*x, *y) else { continue };
        c.both_typed += 1;
        if (x == 0 && y == 2) || (x == 2 && y == 0) {
            c.ibs0 += 1;
        }
        if x == 1 && y == 1 {
            c.het_both += 1;
        }
        if x == 1 {
            c.het_sample += 1;
        }
        if y == 1 {
            c.het_reference += 1;
        }
    }
    c
}

/// Options of the SNP screen.
#[derive(Debug, Clone)]
pub struct SnpScreenOptions {
    /// Pairs with a kinship estimate at least this are kept ([`DEFAULT_MIN_KINSHIP`]).
    pub min_kinship: f64,
    /// Threads for both passes.
    pub threads: usize,
}

impl Default for SnpScreenOptions {
    fn default() -> Self {
        SnpScreenOptions {
            min_kinship: DEFAULT_MIN_KINSHIP,
            threads: std::thread::available_parallelism().map_or(1, |n| n.get()),
        }
    }
}

/// A pair kept by the first pass. Small (28 bytes), since with a low threshold a large share of
/// all pairs is kept (at the default, about 40% of unrelated pairs on the FORCE panel).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KeptPair {
    pub sample: u32,
    pub reference: u32,
    pub counts: PairCounts,
}

impl KeptPair {
    /// The kinship estimate the pair was kept for.
    pub fn kinship(&self) -> f64 {
        self.counts.kinship().unwrap_or(f64::NAN)
    }
}

/// The first pass's outcome.
#[derive(Debug, Clone)]
pub struct FirstPass {
    /// Pairs compared.
    pub pairs: u64,
    /// Kept pairs, by sample then reference.
    pub kept: Vec<KeptPair>,
}

/// Every sample against every reference by the packed counts; the pairs whose kinship estimate
/// is at least `options.min_kinship` are kept.
pub fn first_pass(
    samples: &PackedGenotypes,
    references: &PackedGenotypes,
    options: &SnpScreenOptions,
) -> Result<FirstPass, SnpScreenError> {
    if samples.snps != references.snps {
        return Err(SnpScreenError::Mismatch {
            samples: samples.snps,
            references: references.snps,
        });
    }
    if options.min_kinship.is_nan() {
        return Err(SnpScreenError::BadThreshold(options.min_kinship));
    }
    let (ns, nr) = (samples.len(), references.len());
    if u32::try_from(ns.max(nr)).is_err() {
        return Err(SnpScreenError::TooMany(ns.max(nr)));
    }
    let threads = options.threads.max(1);
    let chunk = ns.div_ceil(threads).max(1);
    let min = options.min_kinship;
    let per_thread: Vec<Vec<KeptPair>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..ns)
            .step_by(chunk)
            .map(|start| {
                let end = (start + chunk).min(ns);
                scope.spawn(move || {
                    let mut kept = Vec::new();
                    for block in (0..nr).step_by(REFERENCE_BLOCK) {
                        let block = block..(block + REFERENCE_BLOCK).min(nr);
                        popcount::score_block(samples, start..end, references, block, min, &mut kept);
                    }
                    // Blocks interleave the order; sorted, each share is by sample then
                    // reference, and the shares follow each other.
                    kept.sort_unstable_by_key(|p| (p.sample, p.reference));
                    kept
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().map_err(|_| SnpScreenError::ThreadPanicked))
            .collect::<Result<Vec<_>, _>>()
    })?;
    // Concatenated share by share, each freed once copied, so the peak is the total plus one
    // share rather than twice the total.
    let mut kept = Vec::with_capacity(per_thread.iter().map(Vec::len).sum());
    for share in per_thread {
        kept.extend_from_slice(&share);
    }
    Ok(FirstPass {
        pairs: ns as u64 * nr as u64,
        kept,
    })
}

/// The exact LRs of one kept pair.
#[derive(Debug, Clone, PartialEq)]
pub struct RescoredPair {
    pub sample: u32,
    pub reference: u32,
    pub kinship: f64,
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
    if markers != samples.snps || markers != references.snps {
        return Err(SnpScreenError::Markers {
            markers,
            snps: if markers != samples.snps {
                samples.snps
            } else {
                references.snps
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
        ln_lrs,
        best,
        best_ln_lr,
    }
}
