//! Haplotype frequencies by counting in a reference database, the Clopper–Pearson upper bound, and the
//! likelihood ratio of a lineage match.
//!
//! A lineage haplotype is inherited as a block, so its frequency cannot be built from per-locus frequencies; it
//! is counted: `x` of the `N` database entries that can be compared match. From the counts:
//!
//! * `x/N` ([`FrequencyEstimate::Counting`]): zero for an unseen haplotype, so no LR then;
//! * `(x+1)/(N+1)` ([`FrequencyEstimate::AddOne`]): the database with the queried haplotype added;
//! * the upper bound of the two-sided 95% Clopper–Pearson interval ([`FrequencyEstimate::ClopperPearsonUpper`],
//!   the default and usual forensic choice): the `p` with P(X ≤ x | N, p) = 0.025, which is the 0.975 quantile
//!   of Beta(x+1, N−x); 1 when x = N. For x = 0 it is 1 − 0.025^(1/N).
//!
//! The LR of a match is 1 / the chosen frequency; see [`LineageReport`].

use std::fmt;

use super::mtdna::{compare_mt, MtComparison, MtOptions, MtProfile};
use super::ystr::{compare_y, LineageTolerance, YComparison, YHaplotype};
use super::LineageVerdict;

/// The lower tail of the two-sided 95% Clopper–Pearson interval: the upper bound `p` solves
/// P(X ≤ x | N, p) = this.
pub const CLOPPER_PEARSON_TAIL: f64 = 0.025;

/// The upper bound of the two-sided 95% Clopper–Pearson interval for `x` successes in `n` trials: the `p` with
/// P(X ≤ x | n, p) = 0.025 (the 0.975 quantile of Beta(x+1, n−x)), and 1 when `x == n` (also when `n == 0`).
/// `None` if `x > n`.
///
/// Found by bisection on the binomial CDF, computed in log space (terms summed through their ratios) to full `f64`
/// precision, well within 1e-10 absolute; the bisection keeps the side at or above the root, and starts from
/// `x/n`, so the result is never below `x/n`.
pub fn clopper_pearson_upper(x: u64, n: u64) -> Option<f64> {
    if x > n {
        return None;
    }
    if x == n {
        return Some(1.0);
    }
    let ln_c = ln_binomial_coefficient(n, x);
    let target = CLOPPER_PEARSON_TAIL.ln();
    // P(X ≤ x | n, x/n) ≥ 1/2 (x = np is a median), so the root is above x/n; P(X ≤ x | n, 1) = 0.
    let (mut lo, mut hi) = (x as f64 / n as f64, 1.0_f64);
    for _ in 0..2000 {
        let mid = 0.5 * (lo + hi);
        if mid <= lo || mid >= hi {
            break;
        }
        if ln_binomial_cdf(x, n, mid, ln_c) > target {
            lo = mid;
        } else {
            hi = mid;
        }
    }
    Some(hi)
}

/// ln C(n, k) for k ≤ n, as a compensated sum of ln((n−j)/(j+1)) over j < min(k, n−k).
fn ln_binomial_coefficient(n: u64, k: u64) -> f64 {
    let k = k.min(n - k);
    let (mut sum, mut carry) = (0.0_f64, 0.0_f64);
    for j in 0..k {
        let term = ((n - j) as f64 / (j + 1) as f64).ln() - carry;
        let next = sum + term;
        carry = (next - sum) - term;
        sum = next;
    }
    sum
}

/// ln P(X ≤ x) for X ~ Binomial(n, p), with 0 < p < 1, x < n and `ln_c` = ln C(n, x).
///
/// The terms t_k = C(n,k) p^k (1−p)^(n−k) are summed from k = x down, relative to t_x (whose log is formed
/// directly), by the ratio t_(k−1)/t_k = k/(n−k+1) · (1−p)/p. That ratio falls as k falls, so once it is below
/// 1 the rest is bounded by a geometric series and the sum stops when the rest is below 1e-17 of it. The running
/// sum is rescaled before it could overflow (terms grow at first when p < x/n).
fn ln_binomial_cdf(x: u64, n: u64, p: f64, ln_c: f64) -> f64 {
    let ln_top = ln_c + x as f64 * p.ln() + (n - x) as f64 * (-p).ln_1p();
    let inverse_odds = (1.0 - p) / p;
    let (mut sum, mut term, mut ln_scale) = (1.0_f64, 1.0_f64, 0.0_f64);
    let mut k = x;
    while k > 0 {
        let ratio = k as f64 / (n - k + 1) as f64 * inverse_odds;
        term *= ratio;
        sum += term;
        k -= 1;
        if ratio < 1.0 && term * ratio / (1.0 - ratio) < 1e-17 * sum {
            break;
        }
        if sum > 1e280 {
            ln_scale += sum.ln();
            term /= sum;
            sum = 1.0;
        }
    }
    ln_top + ln_scale + sum.ln()
}

/// The counts behind a frequency.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct HaplotypeCounts {
    /// x: entries considered that match the query.
    pub matching: u64,
    /// N: entries that can be compared with the query (see [`count_y`], [`count_mt`]).
    pub considered: u64,
    /// All entries given.
    pub database_size: u64,
}

/// Counts the Y haplotypes of `database` that match `query`.
///
/// The rule: an entry is considered (counts in N) only if it is typed at every locus of the query, and it
/// matches (counts in x) if it has the same allele at every locus of the query. Loci the entry has and the
/// query lacks are ignored. So a database typed with a smaller kit is not counted for a query typed with a
/// larger one: restrict the query to the loci that matter first ([`y_report`] restricts it to the loci compared
/// with the reference).
pub fn count_y<'a>(query: &YHaplotype, database: impl IntoIterator<Item = &'a YHaplotype>) -> HaplotypeCounts {
    let mut counts = HaplotypeCounts::default();
    for entry in database {
        counts.database_size += 1;
        if query.is_covered_by(entry) {
            counts.considered += 1;
            if query.is_matched_by(entry) {
                counts.matching += 1;
            }
        }
    }
    counts
}

/// Counts the mtDNA profiles of `database` that match `query`.
///
/// The rule: an entry is considered (counts in N) only if its coverage includes the query's whole coverage, and
/// it matches (counts in x) if [`compare_mt`] finds no difference over the query's coverage under `options`
/// (so heteroplasmies match either base and, by default, C-stretch insertions are ignored). Restrict the query to
/// the region that matters first ([`mt_report`] restricts it to the region compared with the reference).
pub fn count_mt<'a>(
    query: &MtProfile,
    database: impl IntoIterator<Item = &'a MtProfile>,
    options: MtOptions,
) -> HaplotypeCounts {
    let mut counts = HaplotypeCounts::default();
    for entry in database {
        counts.database_size += 1;
        if entry.coverage().covers(query.coverage()) {
            counts.considered += 1;
            if compare_mt(query, entry, options).differences.is_empty() {
                counts.matching += 1;
            }
        }
    }
    counts
}

/// Which frequency a match LR divides by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum FrequencyEstimate {
    /// The upper bound of the two-sided 95% Clopper–Pearson interval.
    #[default]
    ClopperPearsonUpper,
    /// (x+1)/(N+1).
    AddOne,
    /// x/N.
    Counting,
}

impl fmt::Display for FrequencyEstimate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FrequencyEstimate::ClopperPearsonUpper => "95% Clopper-Pearson upper bound",
            FrequencyEstimate::AddOne => "(x+1)/(N+1)",
            FrequencyEstimate::Counting => "x/N",
        })
    }
}

/// The counts and every estimate of the frequency from them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HaplotypeFrequency {
    pub counts: HaplotypeCounts,
    /// x/N; `None` when N = 0.
    pub counting: Option<f64>,
    /// (x+1)/(N+1).
    pub add_one: f64,
    /// See [`clopper_pearson_upper`].
    pub clopper_pearson_upper: f64,
}

impl HaplotypeFrequency {
    /// The estimates from `counts`; `None` if more match than were considered.
    pub fn from_counts(counts: HaplotypeCounts) -> Option<HaplotypeFrequency> {
        let (x, n) = (counts.matching, counts.considered);
        Some(HaplotypeFrequency {
            counts,
            counting: (n > 0).then(|| x as f64 / n as f64),
            add_one: (x as f64 + 1.0) / (n as f64 + 1.0),
            clopper_pearson_upper: clopper_pearson_upper(x, n)?,
        })
    }

    /// One estimate (`None`: x/N with N = 0).
    pub fn estimate(&self, which: FrequencyEstimate) -> Option<f64> {
        match which {
            FrequencyEstimate::ClopperPearsonUpper => Some(self.clopper_pearson_upper),
            FrequencyEstimate::AddOne => Some(self.add_one),
            FrequencyEstimate::Counting => self.counting,
        }
    }
}

/// The comparison behind a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineageComparison {
    Y(YComparison),
    Mt(MtComparison),
}

impl LineageComparison {
    pub fn verdict(&self) -> LineageVerdict {
        match self {
            LineageComparison::Y(c) => c.verdict,
            LineageComparison::Mt(c) => c.verdict,
        }
    }
}

/// A victim's lineage profile against a family reference: the comparison, the frequency of the victim's
/// haplotype over what was compared, and the LR.
///
/// The LR (`lr`): for a [`Match`](LineageVerdict::Match), 1 / the chosen estimate (`None` if that estimate is
/// 0 or undefined, as x/N is for an unseen haplotype or an empty database); for a
/// [`Mismatch`](LineageVerdict::Mismatch), 0 (an exclusion); for a
/// [`MatchWithinTolerance`](LineageVerdict::MatchWithinTolerance), `None`: possible mutations are for expert
/// review ([`LineageReport::needs_review`]), not a number; for [`Inconclusive`](LineageVerdict::Inconclusive),
/// `None`. `Display` writes it all as text.
#[derive(Debug, Clone, PartialEq)]
pub struct LineageReport {
    pub comparison: LineageComparison,
    pub frequency: HaplotypeFrequency,
    /// The estimate the LR uses.
    pub estimate: FrequencyEstimate,
    pub lr: Option<f64>,
}

impl LineageReport {
    fn new(comparison: LineageComparison, counts: HaplotypeCounts, estimate: FrequencyEstimate) -> Self {
        // The counts come from counting, so x ≤ N; the fallback is never used.
        let frequency = HaplotypeFrequency::from_counts(counts).unwrap_or(HaplotypeFrequency {
            counts,
            counting: None,
            add_one: 1.0,
            clopper_pearson_upper: 1.0,
        });
        let lr = match comparison.verdict() {
            LineageVerdict::Match => frequency.estimate(estimate).filter(|f| *f > 0.0).map(|f| 1.0 / f),
            LineageVerdict::Mismatch => Some(0.0),
            LineageVerdict::MatchWithinTolerance | LineageVerdict::Inconclusive => None,
        };
        LineageReport {
            comparison,
            frequency,
            estimate,
            lr,
        }
    }

    pub fn verdict(&self) -> LineageVerdict {
        self.comparison.verdict()
    }

    /// Whether an expert must look at it: a match within tolerance.
    pub fn needs_review(&self) -> bool {
        self.verdict() == LineageVerdict::MatchWithinTolerance
    }
}

/// Compares a victim's Y haplotype with a paternal relative's and counts the victim's haplotype, restricted to
/// the loci typed in both, in `database` (see [`count_y`]).
pub fn y_report<'a>(
    victim: &YHaplotype,
    reference: &YHaplotype,
    database: impl IntoIterator<Item = &'a YHaplotype>,
    tolerance: LineageTolerance,
    estimate: FrequencyEstimate,
) -> LineageReport {
    let comparison = compare_y(victim, reference, tolerance);
    let query = victim.restricted(comparison.loci.iter().map(|l| l.locus.as_str()));
    let counts = count_y(&query, database);
    LineageReport::new(LineageComparison::Y(comparison), counts, estimate)
}

/// Compares a victim's mtDNA profile with a maternal relative's and counts the victim's profile, restricted to
/// the region both cover, in `database` (see [`count_mt`]).
pub fn mt_report<'a>(
    victim: &MtProfile,
    reference: &MtProfile,
    database: impl IntoIterator<Item = &'a MtProfile>,
    options: MtOptions,
    estimate: FrequencyEstimate,
) -> LineageReport {
    let comparison = compare_mt(victim, reference, options);
    let query = victim.restricted(&comparison.shared);
    let counts = count_mt(&query, database, options);
    LineageReport::new(LineageComparison::Mt(comparison), counts, estimate)
}

/// Four significant digits; scientific notation when very small or large.
fn significant(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return format!("{v}");
    }
    let magnitude = v.abs().log10().floor();
    if (-4.0..6.0).contains(&magnitude) {
        let decimals = (3.0 - magnitude).max(0.0) as usize;
        format!("{v:.decimals$}")
    } else {
        format!("{v:.3e}")
    }
}

fn plural(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

impl fmt::Display for LineageReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = self.verdict();
        let kind = match &self.comparison {
            LineageComparison::Y(c) => {
                writeln!(
                    f,
                    "Y-STR: {verdict} over {} ({} matching, {} mismatching)",
                    plural(c.shared_loci as u64, "shared locus", "shared loci"),
                    c.matching_loci,
                    c.mismatching_loci
                )?;
                for mismatch in c.mismatches() {
                    writeln!(f, "  mismatch: {mismatch}")?;
                }
                "haplotypes typed at the compared loci"
            }
            LineageComparison::Mt(c) => {
                let region = if c.shared.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", c.shared)
                };
                write!(
                    f,
                    "mtDNA: {verdict} over {}{region}, {}",
                    plural(c.shared_length, "shared position", "shared positions"),
                    plural(c.differences.len() as u64, "difference", "differences")
                )?;
                if !c.ignored.is_empty() {
                    write!(
                        f,
                        " ({} ignored)",
                        plural(c.ignored.len() as u64, "C-stretch insertion", "C-stretch insertions")
                    )?;
                }
                writeln!(f)?;
                for difference in &c.differences {
                    writeln!(f, "  difference: {difference}")?;
                }
                "profiles covering the compared region"
            }
        };
        let freq = &self.frequency;
        let HaplotypeCounts {
            matching,
            considered,
            database_size,
        } = freq.counts;
        writeln!(
            f,
            "Database: {matching} of {considered} {kind} match ({} in the database)",
            plural(database_size, "entry", "entries")
        )?;
        let counting = freq.counting.map_or("undefined".to_owned(), significant);
        writeln!(
            f,
            "Frequency: x/N = {counting}, (x+1)/(N+1) = {}, 95% Clopper-Pearson upper bound = {}",
            significant(freq.add_one),
            significant(freq.clopper_pearson_upper)
        )?;
        match (verdict, self.lr) {
            (LineageVerdict::Match, Some(lr)) => write!(f, "LR = {} (1 / {})", significant(lr), self.estimate),
            (LineageVerdict::Match, None) => write!(
                f,
                "No LR: the {} estimate is {}; use another estimate",
                self.estimate,
                if considered == 0 { "undefined" } else { "0" }
            ),
            (LineageVerdict::Mismatch, _) => {
                let limits = match &self.comparison {
                    LineageComparison::Y(c) => format!(
                        "at most {} of at most {}",
                        plural(c.tolerance.max_mismatches as u64, "mismatch", "mismatches"),
                        plural(c.tolerance.max_step, "step", "steps")
                    ),
                    LineageComparison::Mt(c) => {
                        format!(
                            "at most {}",
                            plural(c.options.max_differences as u64, "difference", "differences")
                        )
                    }
                };
                write!(f, "LR = 0: exclusion (differences beyond the tolerance: {limits})")
            }
            (LineageVerdict::MatchWithinTolerance, _) => {
                write!(
                    f,
                    "No LR: a match within tolerance (possible mutation) is for expert review"
                )
            }
            (LineageVerdict::Inconclusive, _) => {
                let minimum = match &self.comparison {
                    LineageComparison::Y(c) => {
                        plural(c.tolerance.min_shared_loci.max(1) as u64, "shared locus", "shared loci")
                    }
                    LineageComparison::Mt(c) => plural(
                        c.options.min_shared_length.max(1),
                        "shared position",
                        "shared positions",
                    ),
                };
                write!(f, "No LR: inconclusive (at least {minimum} needed)")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lineage::mtdna::Coverage;

    /// Reference values of the 95% Clopper–Pearson upper bound, from scipy 1.x `beta.ppf(0.975, x+1, n-x)`
    /// and, independently, exact rational binomial sums bisected in Python `decimal` at 60 digits (both agree to
    /// 1e-15). The brief's 0.11252 (5/100) and 0.3369 (10/50) were typos: R's `binom.test` gives 0.1128 and
    /// 0.3372 too. x = 0 has the closed form 1 − 0.025^(1/n).
    const KNOWN: [(u64, u64, f64); 10] = [
        (0, 100, 0.036216692645176),
        (0, 1000, 0.003682083896866),
        (5, 100, 0.112834911105463),
        (10, 50, 0.337183108383488),
        (0, 1, 0.975),
        (1, 10, 0.445016117028195),
        (3, 20, 0.378926826545314),
        (50, 100, 0.601678870496699),
        (99, 100, 0.999746853967023),
        (2, 300_000, 0.000024082082523),
    ];

    #[test]
    fn clopper_pearson_known_values() {
        for (x, n, expected) in KNOWN {
            let got = clopper_pearson_upper(x, n).unwrap();
            assert!((got - expected).abs() < 1e-12, "x={x} n={n}: {got} vs {expected}");
        }
    }

    #[test]
    fn clopper_pearson_closed_form_for_zero() {
        for n in [1_u64, 2, 7, 100, 1000, 12_345, 1_000_000] {
            let exact = 1.0 - CLOPPER_PEARSON_TAIL.powf(1.0 / n as f64);
            let got = clopper_pearson_upper(0, n).unwrap();
            assert!((got - exact).abs() <= 1e-14 + 1e-12 * exact, "n={n}: {got} vs {exact}");
        }
    }

    #[test]
    fn clopper_pearson_edges() {
        assert_eq!(clopper_pearson_upper(5, 5), Some(1.0));
        assert_eq!(clopper_pearson_upper(0, 0), Some(1.0));
        assert_eq!(clopper_pearson_upper(6, 5), None);
        // Large counts stay finite and ordered.
        let big = clopper_pearson_upper(400_000, 1_000_000).unwrap();
        assert!(big > 0.4 && big < 0.402, "{big}");
    }

    /// The CDF against a plain sum of exactly computed terms, on both sides of the mean.
    #[test]
    fn binomial_cdf_against_direct_sum() {
        fn direct(x: u64, n: u64, p: f64) -> f64 {
            let mut c = 1.0_f64; // C(n, k)
            let mut total = 0.0;
            for k in 0..=x {
                if k > 0 {
                    c = c * (n - k + 1) as f64 / k as f64;
                }
                total += c * p.powi(k as i32) * (1.0 - p).powi((n - k) as i32);
            }
            total
        }
        for n in [1_u64, 5, 20, 60] {
            for x in 0..n {
                for p in [0.001, 0.05, 0.3, 0.5, 0.77, 0.999] {
                    let got = ln_binomial_cdf(x, n, p, ln_binomial_coefficient(n, x)).exp();
                    let want = direct(x, n, p);
                    assert!(
                        (got - want).abs() <= 1e-13 * want.max(1e-300),
                        "x={x} n={n} p={p}: {got} vs {want}"
                    );
                }
            }
        }
    }

    #[test]
    fn estimates_from_counts() {
        let counts = HaplotypeCounts {
            matching: 0,
            considered: 100,
            database_size: 120,
        };
        let f = HaplotypeFrequency::from_counts(counts).unwrap();
        assert_eq!(f.counting, Some(0.0));
        assert_eq!(f.add_one, 1.0 / 101.0);
        assert!((f.clopper_pearson_upper - 0.036216692645176).abs() < 1e-12);
        assert_eq!(f.estimate(FrequencyEstimate::AddOne), Some(1.0 / 101.0));
        let empty = HaplotypeFrequency::from_counts(HaplotypeCounts::default()).unwrap();
        assert_eq!(empty.counting, None);
        assert_eq!((empty.add_one, empty.clopper_pearson_upper), (1.0, 1.0));
        let bad = HaplotypeCounts {
            matching: 2,
            considered: 1,
            database_size: 1,
        };
        assert_eq!(HaplotypeFrequency::from_counts(bad), None);
    }

    fn hap(text: &str) -> YHaplotype {
        text.parse().unwrap()
    }

    #[test]
    fn y_counting_rule() {
        let db = [
            hap("A=14; B=11,14; C=24"),      // match
            hap("A=14; B=11,14; C=25; D=9"), // considered, no match (C)
            hap("A=14; B=11,14"),            // not typed at C: not considered
            hap("A=14; B=14,11; C=24; D=9"), // match: D is not in the query
            hap("A=15; B=11,14; C=24"),      // considered, no match
        ];
        let counts = count_y(&hap("A=14; B=11,14; C=24"), &db);
        assert_eq!(
            counts,
            HaplotypeCounts {
                matching: 2,
                considered: 4,
                database_size: 5
            }
        );
    }

    fn mt(variants: &str, coverage: &str) -> MtProfile {
        MtProfile::parse(variants, coverage).unwrap()
    }

    #[test]
    fn mt_counting_rule() {
        let db = [
            mt("16223T 73G", "16024-16365 73-340"),        // match
            mt("16223T 73G 315.1C 16519C", "16024-576"),   // match: C-stretch ignored, 16519 outside
            mt("16223T 73G", "16024-16300 73-340"),        // does not cover the query: not considered
            mt("16223T", "16024-16365 73-340"),            // considered, no match (73)
            mt("16223Y 73R", "16024-16365 73-340"),        // match: heteroplasmies
            mt("16223T 73G 16311C", "16024-16365 73-340"), // considered, no match (16311)
        ];
        let query = mt("16223T 73G", "16024-16365 73-340");
        let counts = count_mt(&query, &db, MtOptions::default());
        assert_eq!((counts.matching, counts.considered, counts.database_size), (3, 5, 6));
        let strict = MtOptions {
            ignore_c_stretch: false,
            ..MtOptions::default()
        };
        assert_eq!(count_mt(&query, &db, strict).matching, 2);
    }

    /// `y_report` at the default tolerance, as an analyst runs it.
    fn y_report_at_default_tolerance(
        victim: &YHaplotype,
        reference: &YHaplotype,
        db: &[YHaplotype],
        estimate: FrequencyEstimate,
    ) -> LineageReport {
        y_report(victim, reference, db, LineageTolerance::default(), estimate)
    }

    fn y_db(n: usize, matching: usize) -> Vec<YHaplotype> {
        (0..n)
            .map(|i| {
                if i < matching {
                    hap("A=14; B=11,14; C=24; D=10; E=13; F=12; G=30; H=22")
                } else {
                    hap(&format!("A=14; B=11,14; C=24; D=10; E=13; F=12; G=30; H={}", 23 + i))
                }
            })
            .collect()
    }

    #[test]
    fn y_report_match() {
        let victim = hap("A=14; B=11,14; C=24; D=10; E=13; F=12; G=30; H=22; I=9");
        let reference = hap("A=14; B=11,14; C=24; D=10; E=13; F=12; G=30; H=22; J=17");
        let db = y_db(100, 0);
        let report = y_report_at_default_tolerance(&victim, &reference, &db, FrequencyEstimate::default());
        assert_eq!(report.verdict(), LineageVerdict::Match);
        assert_eq!(
            report.frequency.counts.considered, 100,
            "the query is restricted to the 8 shared loci"
        );
        let lr = report.lr.unwrap();
        assert!((lr - 1.0 / 0.036216692645176).abs() < 1e-8, "{lr}");
        assert_eq!(
            report.to_string(),
            "\
Y-STR: match over 8 shared loci (8 matching, 0 mismatching)
Database: 0 of 100 haplotypes typed at the compared loci match (100 entries in the database)
Frequency: x/N = 0, (x+1)/(N+1) = 0.009901, 95% Clopper-Pearson upper bound = 0.03622
LR = 27.61 (1 / 95% Clopper-Pearson upper bound)"
        );
        let add_one = y_report_at_default_tolerance(&victim, &reference, &db, FrequencyEstimate::AddOne);
        assert_eq!(add_one.lr, Some(101.0));
        let counting = y_report_at_default_tolerance(&victim, &reference, &db, FrequencyEstimate::Counting);
        assert_eq!(counting.lr, None);
        assert!(counting
            .to_string()
            .ends_with("No LR: the x/N estimate is 0; use another estimate"));
        let seen = y_report_at_default_tolerance(&victim, &reference, &y_db(50, 10), FrequencyEstimate::default());
        assert!((seen.lr.unwrap() - 1.0 / 0.337183108383488).abs() < 1e-9);
    }

    #[test]
    fn y_report_tolerance_and_exclusion() {
        let victim = hap("A=14; B=11,14; C=24; D=10; E=13; F=12; G=30; H=22");
        let one_step = hap("A=15; B=11,14; C=24; D=10; E=13; F=12; G=30; H=22");
        let db = y_db(10, 0);
        let report = y_report_at_default_tolerance(&victim, &one_step, &db, FrequencyEstimate::default());
        assert_eq!(report.verdict(), LineageVerdict::MatchWithinTolerance);
        assert!(report.needs_review());
        assert_eq!(report.lr, None);
        let text = report.to_string();
        assert!(text.contains("  mismatch: A 14 / 15 (1 step)\n"), "{text}");
        assert!(text.ends_with("No LR: a match within tolerance (possible mutation) is for expert review"));

        let two = hap("A=15; B=11,15; C=24; D=10; E=13; F=12; G=30; H=22");
        let report = y_report_at_default_tolerance(&victim, &two, &db, FrequencyEstimate::default());
        assert_eq!(report.verdict(), LineageVerdict::Mismatch);
        assert_eq!(report.lr, Some(0.0));
        assert!(report
            .to_string()
            .ends_with("LR = 0: exclusion (differences beyond the tolerance: at most 1 mismatch of at most 1 step)"));

        let few = hap("A=14; B=11,14");
        let report = y_report_at_default_tolerance(&victim, &few, &db, FrequencyEstimate::default());
        assert_eq!(report.verdict(), LineageVerdict::Inconclusive);
        assert_eq!(report.lr, None);
        assert!(report
            .to_string()
            .ends_with("No LR: inconclusive (at least 8 shared loci needed)"));
    }

    #[test]
    fn mt_report_text() {
        let victim = mt("16223T 73G 263G 315.1C", "16024-16365 73-340");
        let reference = mt("16223T 73G 263G 309.1C 315.1C", "16024-16365 73-340");
        let db: Vec<MtProfile> = vec![
            mt("16223T 73G 263G 315.1C", "16024-576"),
            mt("73G 263G", "16024-16365 73-340"),
            mt("16223T", "16024-16365"),
        ];
        let report = mt_report(
            &victim,
            &reference,
            &db,
            MtOptions::default(),
            FrequencyEstimate::AddOne,
        );
        assert_eq!(report.verdict(), LineageVerdict::Match);
        assert_eq!(report.lr, Some(1.5));
        assert_eq!(
            report.to_string(),
            "\
mtDNA: match over 610 shared positions (73-340 16024-16365), 0 differences (1 C-stretch insertion ignored)
Database: 1 of 2 profiles covering the compared region match (3 entries in the database)
Frequency: x/N = 0.5000, (x+1)/(N+1) = 0.6667, 95% Clopper-Pearson upper bound = 0.9874
LR = 1.500 (1 / (x+1)/(N+1))"
        );
        let other = mt("16224C 73G 263G", "16024-16365 73-340");
        let report = mt_report(&victim, &other, &db, MtOptions::default(), FrequencyEstimate::default());
        assert_eq!(report.verdict(), LineageVerdict::Mismatch);
        assert_eq!(report.lr, Some(0.0));
        assert!(report
            .to_string()
            .contains("  difference: 16223T / rCRS\n  difference: rCRS / 16224C\n"));
        let far = mt("", "16400-16500");
        let report = mt_report(&victim, &far, &db, MtOptions::default(), FrequencyEstimate::default());
        assert_eq!(report.verdict(), LineageVerdict::Inconclusive);
        assert!(report
            .to_string()
            .starts_with("mtDNA: inconclusive over 0 shared positions, 0 differences\n"));
        assert!(report.comparison.verdict() == LineageVerdict::Inconclusive);
        assert_eq!(Coverage::parse("1-5").unwrap().len(), 5);
    }

    #[test]
    fn significant_digits() {
        assert_eq!(significant(271.58), "271.6");
        assert_eq!(significant(0.003682083896866), "0.003682");
        assert_eq!(significant(0.0000240820), "2.408e-5");
        assert_eq!(significant(1234567.0), "1.235e6");
        assert_eq!(significant(0.0), "0");
    }
}
