//! Exact likelihoods of DNA profiles in pedigrees, and likelihood ratios.
//!
//! Architecture invariant: this crate does no I/O, holds no global state and has no async or
//! database dependency. Parsing lives in `formats`; this crate takes typed values.
//!
//! Entry points: [`ln_likelihood`] for one pedigree at one marker (variable elimination),
//! [`brute_force_likelihood`] for the same by enumeration (the reference), and
//! [`likelihood_ratio`] for two hypotheses over many markers. For linked biallelic SNPs:
//! [`LinkedChain`] (the Lander–Green chain along a chromosome) and [`brute_force_linked`], its
//! reference.

mod engine;
mod evidence;
mod linked;
mod lr;
mod marker;
mod mutation;
mod pedigree;
mod reference;
mod relationship;
mod typing;

pub use engine::{ln_likelihood, Engine, GenotypeTable};
pub use linked::{
    brute_force_ibd, brute_force_linked, ln_likelihood_linked, GenotypeLikelihoods, LinkageError, LinkedChain,
    LinkedMarker, MapFunction, MAX_COMPONENT_ALLELES, MAX_PATHS, MAX_STATE_BITS,
};
pub use lr::{likelihood_ratio, unrelated_alternative, Hypothesis, LrReport, MarkerLr};
pub use marker::{Chromosome, Marker, MarkerError, SILENT_ALLELE};
pub use mutation::{MutationError, MutationMatrix, MutationModel};
pub use pedigree::{Member, MemberSpec, Pedigree, PedigreeError, Sex};
pub use reference::{brute_force_likelihood, MAX_COMBINATIONS};
pub use relationship::{Relationship, STANDARD_RELATIONSHIPS};
pub use typing::{Conditions, Typing};

/// P(typings | pedigree) at one marker (not logged; may underflow for huge pedigrees).
pub fn likelihood(
    ped: &Pedigree,
    marker: &Marker,
    typings: &[Typing],
    cond: &Conditions,
) -> Result<f64, LikelihoodError> {
    ln_likelihood(ped, marker, typings, cond).map(f64::exp)
}

/// Why a likelihood cannot be computed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LikelihoodError {
    #[error("marker '{marker}': member '{member}' has unknown sex, which an X-chromosomal marker does not allow")]
    UnknownSexOnX { marker: String, member: String },
    #[error("marker '{marker}': member '{member}' is a male with two different alleles at an X-chromosomal marker")]
    HeterozygousMaleX { marker: String, member: String },
    #[error("marker '{marker}': member '{member}' has a single allele at an autosomal marker; write a/a, a/- (one allele unknown), or give a dropout probability")]
    SingleAlleleAutosomal { marker: String, member: String },
    #[error("marker '{marker}': member '{member}' is typed with the silent allele, which cannot be seen")]
    SilentTyped { marker: String, member: String },
    #[error("{what} {value} is outside its range ([0, 1], theta [0, 1))")]
    BadProbability { what: String, value: f64 },
    #[error("marker '{marker}': {typings} typings for a pedigree of {members} members")]
    TypingCount {
        marker: String,
        typings: usize,
        members: usize,
    },
    #[error("marker '{marker}': member '{member}' has allele index {index}, beyond the marker's alleles")]
    AlleleIndex {
        marker: String,
        member: String,
        index: usize,
    },
    #[error("marker '{marker}': the computation needs a table of {cells} cells, more than this engine allows")]
    TooComplex { marker: String, cells: usize },
    #[error("{what} are not supported")]
    Unsupported { what: String },
    #[error("marker '{marker}': the data are impossible under H2, so the likelihood ratio is undefined")]
    H2Impossible { marker: String },
}
