//! Whom to sample next: each living untyped relative ranked by how likely their sample makes a
//! conclusive identification of the missing person.

use kinship::{Conditions, Marker};

use crate::power::{
    exclusion_power, lr_distribution, simulated_exclusion_power, without_mutation, FamilyPlan, SimulatedFraction,
    DEFAULT_CONFIGURATION_LIMIT,
};
use crate::SimulateError;

/// Settings of [`advise`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AdviceOptions {
    /// The LR a true identification should exceed, as log10 (4: LR 10 000).
    pub log10_threshold: f64,
    /// Simulations per candidate (and for the current references).
    pub runs: usize,
    /// Every candidate is simulated from this seed, so they are compared on common random numbers.
    pub seed: u64,
    /// Cap on the configurations exact exclusion power enumerates per marker; above it the
    /// exclusion power is simulated with `runs` runs.
    pub configuration_limit: usize,
}

impl Default for AdviceOptions {
    fn default() -> Self {
        AdviceOptions {
            log10_threshold: 4.0,
            runs: 1000,
            seed: 1,
            configuration_limit: DEFAULT_CONFIGURATION_LIMIT,
        }
    }
}

/// The power of a set of references: the current ones, or the current ones and a candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct PowerEstimate {
    /// Runs in which the LR of the missing person as the POI exceeded the threshold.
    pub above_threshold: SimulatedFraction,
    /// The median log10 LR when the POI is the missing person.
    pub median_log10_lr: f64,
    /// The 5% quantile: 95% of true identifications give at least this.
    pub low_log10_lr: f64,
    /// Exclusion power without mutation; `None` when the typed data are impossible without
    /// mutation (so nothing can be excluded outright).
    pub exclusion_power: Option<f64>,
    /// Whether the exclusion power was enumerated exactly (else simulated with the same runs).
    pub exclusion_exact: bool,
}

/// One candidate relative.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateAdvice {
    /// Pedigree index.
    pub member: usize,
    pub id: String,
    pub power: PowerEstimate,
}

/// The advice: the current references' power and the candidates, best first.
#[derive(Debug, Clone, PartialEq)]
pub struct Advice {
    pub current: PowerEstimate,
    pub candidates: Vec<CandidateAdvice>,
    pub options: AdviceOptions,
}

/// The default candidates: every member not typed, not missing and not already to be sampled.
/// The caller should remove the dead (a pedigree does not say who is alive).
pub fn default_candidates(plan: &FamilyPlan) -> Vec<usize> {
    (0..plan.pedigree().len())
        .filter(|&i| {
            i != plan.missing() && !plan.to_sample().contains(&i) && plan.typings().iter().all(|t| !t[i].is_typed())
        })
        .collect()
}

/// Ranks `candidates` by P(LR > threshold) when the POI is the missing person, after adding each
/// one (alone) to the references; ties by exclusion power, then by pedigree order.
pub fn advise(
    plan: &FamilyPlan,
    markers: &[Marker],
    cond: &Conditions,
    candidates: &[usize],
    options: &AdviceOptions,
) -> Result<Advice, SimulateError> {
    let current = estimate(plan, markers, cond, options)?;
    let mut out = Vec::with_capacity(candidates.len());
    for &c in candidates {
        let with = plan.with_sample(c)?;
        out.push(CandidateAdvice {
            member: c,
            id: plan.pedigree().member(c).id.clone(),
            power: estimate(&with, markers, cond, options)?,
        });
    }
    out.sort_by(|a, b| {
        b.power
            .above_threshold
            .hits
            .cmp(&a.power.above_threshold.hits)
            .then(
                b.power
                    .exclusion_power
                    .unwrap_or(0.0)
                    .total_cmp(&a.power.exclusion_power.unwrap_or(0.0)),
            )
            .then(a.member.cmp(&b.member))
    });
    Ok(Advice {
        current,
        candidates: out,
        options: *options,
    })
}

fn estimate(
    plan: &FamilyPlan,
    markers: &[Marker],
    cond: &Conditions,
    options: &AdviceOptions,
) -> Result<PowerEstimate, SimulateError> {
    let lrs = lr_distribution(plan, markers, cond, options.runs, options.seed)?;
    let plain = without_mutation(markers);
    let (exclusion_power, exclusion_exact) = match exclusion_power(plan, &plain, cond, options.configuration_limit) {
        Ok(e) => (Some(e.total), true),
        Err(SimulateError::TooManyConfigurations { .. } | SimulateError::Unsupported { .. }) => {
            match simulated_exclusion_power(plan, &plain, cond, options.runs, options.seed) {
                Ok(s) => (Some(s.fraction()), false),
                Err(SimulateError::Impossible { .. }) => (None, false),
                Err(e) => return Err(e),
            }
        }
        Err(SimulateError::Impossible { .. }) => (None, true),
        Err(e) => return Err(e),
    };
    Ok(PowerEstimate {
        above_threshold: lrs.above(options.log10_threshold),
        median_log10_lr: lrs.quantile(0.5),
        low_log10_lr: lrs.quantile(0.05),
        exclusion_power,
        exclusion_exact,
    })
}
