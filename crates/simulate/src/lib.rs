//! Simulation of DNA profiles in pedigrees, and what it is used for: DVI scenarios, the power of
//! a family's references, advice on whom to sample next, and calibration of likelihood ratios.
//!
//! Architecture invariant: no I/O, no global state, no randomness but the seeded [`Rng`]: the same
//! inputs and seed give the same output on every platform. Likelihoods come from `kinship`.

mod advise;
mod calibration;
mod drop;
mod genotype;
mod mass_grave;
mod parallel;
mod power;
mod rng;
mod scenario;
mod snp;

pub use advise::{advise, default_candidates, Advice, AdviceOptions, CandidateAdvice, PowerEstimate};
pub use calibration::{calibrate, Calibration, PairLrTable, PairRelationship, PairTruth};
pub use drop::GeneDropper;
pub use genotype::{typings_of, Genotype, ProfileQuality};
pub use mass_grave::{mass_grave, MassGraveSpec};
pub use power::{
    exact_lr_distribution, exclusion_power, lr_distribution, simulated_exclusion_power, without_mutation,
    ExactLrDistribution, ExclusionPower, FamilyPlan, LrDistribution, SimulatedFraction, DEFAULT_CONFIGURATION_LIMIT,
};
pub use rng::Rng;
pub use scenario::{
    simulate_scenario, FamilyShape, FamilyTemplate, Scenario, ScenarioSpec, SimulatedFamily, SimulatedVictim,
    VictimSource,
};
pub use snp::{draw_reads, drop_linked_snps, read_likelihoods};

/// Why a simulation cannot run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimulateError {
    #[error("theta {value} is outside [0, 1)")]
    Theta { value: f64 },
    #[error("{what} {value} is not a probability in [0, 1]")]
    Probability { what: &'static str, value: f64 },
    #[error(
        "marker '{marker}': member '{member}' has unknown sex, so their X-chromosomal genotype cannot be simulated"
    )]
    UnknownSexOnX { marker: String, member: String },
    #[error("family '{family}': {problem}")]
    Template { family: String, problem: String },
    #[error("planning: {problem}")]
    Plan { problem: String },
    #[error("{what} is not supported")]
    Unsupported { what: String },
    #[error("{what} is impossible under the model")]
    Impossible { what: String },
    #[error("more than {limit} genotype configurations to enumerate; use simulation instead")]
    TooManyConfigurations { limit: usize },
    #[error(transparent)]
    Likelihood(#[from] kinship::LikelihoodError),
}

pub(crate) fn check_probability(what: &'static str, value: f64) -> Result<(), SimulateError> {
    if (0.0..=1.0).contains(&value) {
        Ok(())
    } else {
        Err(SimulateError::Probability { what, value })
    }
}
