//! Whom to sample next, for a registry family: the family's pedigree and the references typed so
//! far become a `simulate::FamilyPlan`, and each living relative who has not given a sample is
//! ranked by the simulated chance that their sample would make a true identification conclusive.
//! The references' genotypes are read through the registry's audited profile reads; none of them
//! is returned.
//!
//! For the web page, [`AdviceService`] computes the advice in the background under the server's
//! own account ([`ADVICE_ACTOR`]), so that the family liaison who asks never reads a genotype (they
//! are named as the requester in the audit entries of the reads), and keeps the result in the
//! registry with a fingerprint of its inputs: a request whose fingerprint matches is answered from
//! the stored advice without any read of genetic data; otherwise one computation per family starts
//! (an in-flight guard) and the page says it is being computed.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use kinship::{Conditions, Marker};
use registry::{AdviceInputs, MatchFamily, Store};
use serde::{Deserialize, Serialize};
use simulate::{advise, AdviceOptions, FamilyPlan, PowerEstimate, SimulatedFraction};
use tracing::Instrument;

use crate::{family, Causes, JobError, MatchingSettings};

/// The account the server computes advice under: the audit entries of the profile reads name it.
pub const ADVICE_ACTOR: &str = "server:advice";

/// A relative who could give a sample, with what their sample would bring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SampleAdvice {
    pub member_id: i64,
    pub name: String,
    #[serde(with = "PowerDef")]
    pub power: PowerEstimate,
}

/// The advice for one family's missing person.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FamilyAdvice {
    pub missing_member_id: i64,
    pub missing_name: String,
    /// The references already given.
    #[serde(with = "PowerDef")]
    pub current: PowerEstimate,
    /// Best first.
    pub candidates: Vec<SampleAdvice>,
    #[serde(with = "OptionsDef")]
    pub options: AdviceOptions,
    pub markers: usize,
}

/// What the advice of a family came to, as stored: deterministic outcomes only, so that a family
/// the engine cannot use is not recomputed until its inputs change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdviceOutcome {
    Advice(FamilyAdvice),
    /// The family has no missing member to find.
    NoMissingMember,
    /// The engine cannot use the family's pedigree or profiles; why.
    Unusable(String),
}

// simulate has no serde (it depends on kinship and thiserror only), so its types are described
// here for the stored JSON.
#[derive(Serialize, Deserialize)]
#[serde(remote = "SimulatedFraction")]
struct FractionDef {
    runs: usize,
    hits: usize,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "PowerEstimate")]
struct PowerDef {
    #[serde(with = "FractionDef")]
    above_threshold: SimulatedFraction,
    #[serde(with = "non_finite")]
    median_log10_lr: f64,
    #[serde(with = "non_finite")]
    low_log10_lr: f64,
    exclusion_power: Option<f64>,
    exclusion_exact: bool,
}

#[derive(Serialize, Deserialize)]
#[serde(remote = "AdviceOptions")]
struct OptionsDef {
    log10_threshold: f64,
    runs: usize,
    seed: u64,
    configuration_limit: usize,
}

/// log10 LRs may be −∞ (an LR of 0), which JSON numbers cannot hold: those are written as text.
mod non_finite {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Serialize, Deserialize)]
    #[serde(untagged)]
    enum Number {
        Finite(f64),
        Text(String),
    }

    pub fn serialize<S: Serializer>(x: &f64, s: S) -> Result<S::Ok, S::Error> {
        if x.is_finite() {
            Number::Finite(*x).serialize(s)
        } else {
            Number::Text(x.to_string()).serialize(s)
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        match Number::deserialize(d)? {
            Number::Finite(x) => Ok(x),
            Number::Text(t) => t.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// Advises `family_id` on its first missing member: candidates are the living members who are not
/// missing and have not given a reference whose consent stands. `None` if the family has no
/// missing member. The profile reads are audited under `actor`.
pub async fn family_advice(
    store: &Store,
    actor: &str,
    family_id: i64,
    markers: &[Marker],
    options: AdviceOptions,
) -> Result<Option<FamilyAdvice>, JobError> {
    let members = store.list_members(family_id).await?;
    if !members.iter().any(|m| m.data.is_missing) {
        return Ok(None);
    }
    let inputs = store.advice_inputs(actor, family_id, None, "").await?;
    advise_inputs(family_id, inputs, markers, options).await
}

/// The computation itself, from inputs read already; the simulation runs off the async threads.
async fn advise_inputs(
    family_id: i64,
    inputs: AdviceInputs,
    markers: &[Marker],
    options: AdviceOptions,
) -> Result<Option<FamilyAdvice>, JobError> {
    let members = inputs.members;
    let Some(missing) = members.iter().find(|m| m.data.is_missing) else {
        return Ok(None);
    };
    let data = MatchFamily {
        family_id,
        pedigree: inputs.pedigree,
        missing: vec![missing.id],
        references: inputs.references,
        reference_ids: inputs.reference_ids,
        snp_references: Vec::new(),
    };
    let fam = family(&data, markers)?;
    let given: Vec<i64> = data.references.iter().map(|(donor, _)| *donor).collect();
    let candidates: Vec<(usize, i64, String)> = members
        .iter()
        .filter(|m| m.data.alive && !m.data.is_missing && !given.contains(&m.id))
        .filter_map(|m| {
            let i = fam.pedigree.index_of(&format!("m{}", m.id))?;
            Some((i, m.id, m.data.display_name.clone()))
        })
        .collect();
    let plan_error = |e: simulate::SimulateError| JobError::Family {
        family: family_id,
        message: e.to_string(),
    };
    let plan =
        FamilyPlan::new(fam.pedigree.clone(), fam.typings.clone(), fam.missing[0], vec![]).map_err(plan_error)?;
    let markers = markers.to_vec();
    let indices: Vec<usize> = candidates.iter().map(|c| c.0).collect();
    let advice = tokio::task::spawn_blocking(move || {
        advise(&plan, &markers, &Conditions::default(), &indices, &options).map(|a| (a, markers.len()))
    })
    .await
    .map_err(|e| JobError::Task(e.to_string()))?
    .map_err(plan_error)?;
    let (advice, marker_count) = advice;
    let ranked = advice
        .candidates
        .iter()
        .filter_map(|c| {
            let (_, id, name) = candidates.iter().find(|(i, _, _)| *i == c.member)?;
            Some(SampleAdvice {
                member_id: *id,
                name: name.clone(),
                power: c.power.clone(),
            })
        })
        .collect();
    Ok(Some(FamilyAdvice {
        missing_member_id: missing.id,
        missing_name: missing.data.display_name.clone(),
        current: advice.current,
        candidates: ranked,
        options: advice.options,
        markers: marker_count,
    }))
}

/// What a request for a family's advice finds.
#[derive(Debug, Clone, PartialEq)]
pub enum AdviceState {
    /// The stored advice, computed from the family's inputs as they are now.
    Ready {
        outcome: AdviceOutcome,
        computed_at: String,
    },
    /// A computation is under way (this request may have started it).
    Computing,
    /// The last computation failed unexpectedly (logged); the next request tries again.
    Failed(String),
}

/// Advice for the web pages: computed in the background under [`ADVICE_ACTOR`], stored per family
/// with its inputs' fingerprint, at most one computation per family at a time and one at a time
/// in all (each takes seconds of CPU; requests never wait for it).
#[derive(Debug, Clone)]
pub struct AdviceService {
    store: Store,
    markers: Arc<Vec<Marker>>,
    options: AdviceOptions,
    /// The options and the markers' model, part of every fingerprint: changing either recomputes.
    options_key: Arc<str>,
    in_flight: Arc<Mutex<HashSet<i64>>>,
    failures: Arc<Mutex<HashMap<i64, String>>>,
    cpu: Arc<tokio::sync::Semaphore>,
}

/// A lock that a panic elsewhere cannot make unusable: the sets stay consistent at every step.
fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Takes the family off the in-flight set when its computation ends, however it ends.
struct InFlight {
    set: Arc<Mutex<HashSet<i64>>>,
    family_id: i64,
}

impl Drop for InFlight {
    fn drop(&mut self) {
        locked(&self.set).remove(&self.family_id);
    }
}

impl AdviceService {
    pub fn new(store: Store, settings: &MatchingSettings, options: AdviceOptions) -> Self {
        let options_key = serde_json::json!({
            "options": [options.log10_threshold, options.runs, options.seed, options.configuration_limit],
            // The advice simulates STRs only: the SNP part of the model does not enter it.
            "model": crate::provenance::model_record(settings, None),
        })
        .to_string();
        AdviceService {
            store,
            markers: Arc::new(settings.markers.clone()),
            options,
            options_key: options_key.into(),
            in_flight: Arc::default(),
            failures: Arc::default(),
            cpu: Arc::new(tokio::sync::Semaphore::new(1)),
        }
    }

    /// The advice of `family_id` if it is stored for the inputs as they are now; else starts its
    /// computation (unless one runs) on behalf of `requested_by` and says so. Reads no genotype.
    pub async fn advice(&self, family_id: i64, requested_by: &str) -> Result<AdviceState, JobError> {
        if let Some(ready) = self.current(family_id).await? {
            return Ok(ready);
        }
        if let Some(message) = locked(&self.failures).remove(&family_id) {
            return Ok(AdviceState::Failed(message));
        }
        self.start(family_id, requested_by);
        Ok(AdviceState::Computing)
    }

    /// The stored advice, if its fingerprint is that of the inputs now.
    async fn current(&self, family_id: i64) -> Result<Option<AdviceState>, JobError> {
        let fingerprint = self.store.advice_fingerprint(family_id, &self.options_key).await?;
        let Some(stored) = self.store.stored_advice(family_id).await? else {
            return Ok(None);
        };
        if stored.fingerprint != fingerprint {
            return Ok(None);
        }
        match serde_json::from_str(&stored.advice) {
            Ok(outcome) => Ok(Some(AdviceState::Ready {
                outcome,
                computed_at: stored.computed_at,
            })),
            Err(e) => {
                // Written by an older version, say: computed again rather than shown wrong.
                tracing::warn!(family_id, error = %e, "stored advice unreadable; computing it again");
                Ok(None)
            }
        }
    }

    fn start(&self, family_id: i64, requested_by: &str) {
        if !locked(&self.in_flight).insert(family_id) {
            return;
        }
        let guard = InFlight {
            set: self.in_flight.clone(),
            family_id,
        };
        let (service, requested_by) = (self.clone(), requested_by.to_owned());
        let span = tracing::info_span!("advice", family_id, requested_by = %requested_by);
        tokio::spawn(
            async move {
                let _guard = guard;
                if let Err(e) = service.compute(family_id, &requested_by).await {
                    tracing::error!(error = %Causes(&e), "advice failed");
                    // Before the guard is dropped: the next request sees the failure, not a gap.
                    locked(&service.failures).insert(family_id, e.to_string());
                }
            }
            .instrument(span),
        );
    }

    /// Reads the inputs under [`ADVICE_ACTOR`], computes and stores the outcome.
    async fn compute(&self, family_id: i64, requested_by: &str) -> Result<(), JobError> {
        let _permit = self.cpu.acquire().await.map_err(|e| JobError::Task(e.to_string()))?;
        // A computation that finished between the request's look and this one's start did it.
        if self.current(family_id).await?.is_some() {
            return Ok(());
        }
        let started = std::time::Instant::now();
        // No missing member: nothing to advise, and no reason to read a profile.
        let members = self.store.list_members(family_id).await?;
        let (fingerprint, outcome) = if members.iter().any(|m| m.data.is_missing) {
            let inputs = self
                .store
                .advice_inputs(ADVICE_ACTOR, family_id, Some(requested_by), &self.options_key)
                .await?;
            let fingerprint = inputs.fingerprint.clone();
            let outcome = match advise_inputs(family_id, inputs, &self.markers, self.options).await {
                Ok(Some(advice)) => AdviceOutcome::Advice(advice),
                Ok(None) => AdviceOutcome::NoMissingMember,
                Err(JobError::Family { message, .. }) => AdviceOutcome::Unusable(message),
                Err(e) => return Err(e),
            };
            (fingerprint, outcome)
        } else {
            let fingerprint = self.store.advice_fingerprint(family_id, &self.options_key).await?;
            (fingerprint, AdviceOutcome::NoMissingMember)
        };
        let json = serde_json::to_string(&outcome).map_err(|e| JobError::Task(e.to_string()))?;
        self.store
            .store_advice(ADVICE_ACTOR, family_id, &fingerprint, &json)
            .await?;
        tracing::info!(seconds = started.elapsed().as_secs_f64(), "advice stored");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_survive_json_with_infinite_logs() {
        let power = PowerEstimate {
            above_threshold: SimulatedFraction { runs: 10, hits: 3 },
            median_log10_lr: f64::NEG_INFINITY,
            low_log10_lr: -2.5,
            exclusion_power: None,
            exclusion_exact: true,
        };
        let outcome = AdviceOutcome::Advice(FamilyAdvice {
            missing_member_id: 3,
            missing_name: "Taro".into(),
            current: power.clone(),
            candidates: vec![SampleAdvice {
                member_id: 4,
                name: "Jiro".into(),
                power,
            }],
            options: AdviceOptions::default(),
            markers: 3,
        });
        let text = serde_json::to_string(&outcome).expect("serialises");
        let back: AdviceOutcome = serde_json::from_str(&text).expect("reads back");
        assert_eq!(back, outcome);
    }
}
