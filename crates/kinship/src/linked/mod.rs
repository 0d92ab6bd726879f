//! Likelihoods of biallelic SNP data in pedigrees with linkage: the Lander–Green hidden Markov
//! chain over inheritance vectors along a chromosome ([`LinkedChain`]), and its reference by
//! enumeration of every inheritance vector at every marker jointly ([`brute_force_linked`]).
//!
//! The model: founder alleles drawn independently with the marker's ALT frequency (no mutation,
//! no linkage disequilibrium); each meiosis transmits the grandpaternal or grandmaternal allele,
//! and between consecutive markers each meiosis switches with the recombination fraction of the
//! interval for the transmitting parent's sex (the map function of its genetic distance). The
//! evidence of each member at each marker is P(data | genotype) for the three genotypes
//! ([`GenotypeLikelihoods`]), or nothing. Markers on different chromosomes are independent: the
//! caller sums the log-likelihoods of the chromosomes.

mod chain;
mod reference;

pub use chain::{ln_likelihood_linked, LinkedChain, MAX_COMPONENT_ALLELES, MAX_STATE_BITS};
pub use reference::{brute_force_ibd, brute_force_linked, MAX_PATHS};

/// Why a linked likelihood cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LinkageError {
    #[error("{markers} markers but evidence for {rows}")]
    EvidenceCount { markers: usize, rows: usize },
    #[error("marker '{marker}': evidence for {got} members, the pedigree has {members}")]
    MemberCount { marker: String, got: usize, members: usize },
    #[error("marker '{marker}': ALT frequency {freq} must lie strictly between 0 and 1")]
    BadFrequency { marker: String, freq: f64 },
    #[error("marker '{marker}': genetic position {cm} cM is not a number at or after the previous marker's")]
    MapOrder { marker: String, cm: f64 },
    #[error("{what} {value} is outside its range")]
    BadProbability { what: &'static str, value: f64 },
    #[error("genotype likelihoods must be finite and not negative, got {values:?}")]
    BadLikelihood { values: [f64; 3] },
    #[error("marker '{marker}': member '{member}' has evidence but was not typed when the chain was built")]
    NotInChain { marker: String, member: String },
    #[error("marker '{marker}': the evidence is impossible under the pedigree")]
    Impossible { marker: String },
    #[error("the computation needs {what}, more than this implementation allows ({limit})")]
    TooComplex { what: String, limit: u64 },
}

/// P(data | genotype) of one member at one SNP, for 0, 1 and 2 copies of the ALT allele.
///
/// Only ratios between members' likelihoods matter for LRs; log-likelihoods include the values as
/// given.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GenotypeLikelihoods([f64; 3]);

impl GenotypeLikelihoods {
    /// Likelihoods as given: finite, not negative.
    pub fn new(values: [f64; 3]) -> Result<Self, LinkageError> {
        if values.iter().all(|v| v.is_finite() && *v >= 0.0) {
            Ok(GenotypeLikelihoods(values))
        } else {
            Err(LinkageError::BadLikelihood { values })
        }
    }

    /// A called genotype with `alt_count` ALT alleles under the genotyping-error model
    /// P(observed o | true g) = 1 − e if o = g, else e/2.
    pub fn from_call(alt_count: usize, error: f64) -> Result<Self, LinkageError> {
        if !(0.0..1.0).contains(&error) {
            return Err(LinkageError::BadProbability {
                what: "genotype error",
                value: error,
            });
        }
        if alt_count > 2 {
            return Err(LinkageError::BadProbability {
                what: "ALT allele count",
                value: alt_count as f64,
            });
        }
        let mut v = [error / 2.0; 3];
        v[alt_count] = 1.0 - error;
        Ok(GenotypeLikelihoods(v))
    }

    /// Phred-scaled likelihoods (VCF `PL`) as written: 10^(−PL/10), not renormalised.
    pub fn from_phred(pl: [f64; 3]) -> Result<Self, LinkageError> {
        GenotypeLikelihoods::new(pl.map(|x| 10f64.powf(-x / 10.0)))
    }

    /// log10 likelihoods (VCF `GL`) as written: 10^GL.
    pub fn from_log10(gl: [f64; 3]) -> Result<Self, LinkageError> {
        GenotypeLikelihoods::new(gl.map(|x| 10f64.powf(x)))
    }

    /// Read counts (VCF `AD`): each read shows its allele with probability 1 − ε and the other
    /// with ε, so P(reads | g) = ∏ (g/2·(1−ε) + (1−g/2)·ε) over ALT reads, and the complement over
    /// REF reads. The binomial coefficient is left out and the three values are divided by the
    /// largest (computed in logs, so deep sites do not underflow): constants of the sample, which
    /// cancel in every LR.
    pub fn from_read_counts(ref_reads: u32, alt_reads: u32, error: f64) -> Result<Self, LinkageError> {
        if !(error > 0.0 && error < 0.5) {
            return Err(LinkageError::BadProbability {
                what: "sequencing error",
                value: error,
            });
        }
        let (r, a) = (f64::from(ref_reads), f64::from(alt_reads));
        let half = 0.5f64.ln();
        let ln = [
            r * (1.0 - error).ln() + a * error.ln(),
            (r + a) * half,
            r * error.ln() + a * (1.0 - error).ln(),
        ];
        let max = ln.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        GenotypeLikelihoods::new(ln.map(|x| (x - max).exp()))
    }

    /// P(data | 0, 1, 2 ALT alleles).
    pub fn values(&self) -> [f64; 3] {
        self.0
    }
}

/// One SNP on a chromosome: its ALT frequency and its genetic position in each sex.
#[derive(Debug, Clone, PartialEq)]
pub struct LinkedMarker {
    pub name: String,
    pub freq_alt: f64,
    /// Position on the female map (cM): meioses of mothers.
    pub cm_female: f64,
    /// Position on the male map (cM): meioses of fathers.
    pub cm_male: f64,
}

/// How genetic distance becomes a recombination fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MapFunction {
    /// No interference: r = (1 − e^(−2d/100)) / 2.
    #[default]
    Haldane,
    /// r = tanh(2d/100) / 2, per interval. The chain is Markov along the chromosome (as in Merlin and
    /// Allegro), so Kosambi's interference is represented only between neighbouring markers.
    Kosambi,
}

impl MapFunction {
    /// The recombination fraction between markers `cm` centimorgans apart (0 cM: r = 0).
    pub fn recombination_fraction(self, cm: f64) -> f64 {
        let d = cm.abs() / 100.0;
        match self {
            MapFunction::Haldane => (1.0 - (-2.0 * d).exp()) / 2.0,
            MapFunction::Kosambi => (2.0 * d).tanh() / 2.0,
        }
    }
}

/// Recombination fractions between consecutive markers, female and male; checks frequencies and
/// map order. Shared by the chain and the reference so that both read the same model.
pub(crate) fn intervals(markers: &[LinkedMarker], map: MapFunction) -> Result<Vec<(f64, f64)>, LinkageError> {
    for m in markers {
        if !(m.freq_alt > 0.0 && m.freq_alt < 1.0) {
            return Err(LinkageError::BadFrequency {
                marker: m.name.clone(),
                freq: m.freq_alt,
            });
        }
    }
    let mut out = Vec::with_capacity(markers.len().saturating_sub(1));
    for w in markers.windows(2) {
        let (a, b) = (&w[0], &w[1]);
        for (x, y) in [(a.cm_female, b.cm_female), (a.cm_male, b.cm_male)] {
            if !(x.is_finite() && y.is_finite() && y >= x) {
                return Err(LinkageError::MapOrder {
                    marker: b.name.clone(),
                    cm: y,
                });
            }
        }
        out.push((
            map.recombination_fraction(b.cm_female - a.cm_female),
            map.recombination_fraction(b.cm_male - a.cm_male),
        ));
    }
    Ok(out)
}

/// Checks the shape of `evidence[marker][member]`.
pub(crate) fn check_evidence(
    members: usize,
    markers: &[LinkedMarker],
    evidence: &[Vec<Option<GenotypeLikelihoods>>],
) -> Result<(), LinkageError> {
    if evidence.len() != markers.len() {
        return Err(LinkageError::EvidenceCount {
            markers: markers.len(),
            rows: evidence.len(),
        });
    }
    for (m, row) in markers.iter().zip(evidence) {
        if row.len() != members {
            return Err(LinkageError::MemberCount {
                marker: m.name.clone(),
                got: row.len(),
                members,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_functions() {
        assert_eq!(MapFunction::Haldane.recombination_fraction(0.0), 0.0);
        assert_eq!(MapFunction::Kosambi.recombination_fraction(0.0), 0.0);
        assert_eq!(MapFunction::Haldane.recombination_fraction(1e5), 0.5);
        assert_eq!(MapFunction::Kosambi.recombination_fraction(1e5), 0.5);
        let r = MapFunction::Haldane.recombination_fraction(10.0);
        assert!((r - (1.0 - (-0.2f64).exp()) / 2.0).abs() < 1e-15);
        let k = MapFunction::Kosambi.recombination_fraction(10.0);
        assert!((k - 0.5 * (0.2f64).tanh()).abs() < 1e-15);
    }

    #[test]
    fn likelihood_constructors() {
        assert_eq!(
            GenotypeLikelihoods::from_call(1, 0.1).unwrap().values(),
            [0.05, 0.9, 0.05]
        );
        assert_eq!(
            GenotypeLikelihoods::from_phred([0.0, 10.0, 20.0]).unwrap().values(),
            [1.0, 0.1, 0.01]
        );
        assert!(GenotypeLikelihoods::new([1.0, -1.0, 0.0]).is_err());
        assert!(GenotypeLikelihoods::from_call(0, 1.0).is_err());
        let ad = GenotypeLikelihoods::from_read_counts(0, 2, 0.01).unwrap().values();
        assert_eq!(ad[2], 1.0);
        assert!((ad[1] - 0.25 / 0.99f64.powi(2)).abs() < 1e-12);
        let deep = GenotypeLikelihoods::from_read_counts(3000, 3000, 0.01)
            .unwrap()
            .values();
        assert_eq!(deep[1], 1.0);
    }
}
