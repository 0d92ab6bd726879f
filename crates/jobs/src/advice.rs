//! Whom to sample next, for a registry family: the family's pedigree and the references typed so
//! far become a `simulate::FamilyPlan`, and each living relative who has not given a sample is
//! ranked by the simulated chance that their sample would make a true identification conclusive.
//! The references' genotypes are read through the registry's audited profile reads; none of them
//! is returned.

use kinship::{Conditions, Marker};
use registry::{MatchFamily, Store};
use simulate::{advise, AdviceOptions, FamilyPlan, PowerEstimate};

use crate::{family, JobError};

/// A relative who could give a sample, with what their sample would bring.
#[derive(Debug, Clone, PartialEq)]
pub struct SampleAdvice {
    pub member_id: i64,
    pub name: String,
    pub power: PowerEstimate,
}

/// The advice for one family's missing person.
#[derive(Debug, Clone, PartialEq)]
pub struct FamilyAdvice {
    pub missing_member_id: i64,
    pub missing_name: String,
    /// The references already given.
    pub current: PowerEstimate,
    /// Best first.
    pub candidates: Vec<SampleAdvice>,
    pub options: AdviceOptions,
    pub markers: usize,
}

/// Advises `family_id` on its first missing member: candidates are the living members who are not
/// missing and have not given a reference whose consent stands. `None` if the family has no
/// missing member.
pub async fn family_advice(
    store: &Store,
    actor: &str,
    family_id: i64,
    markers: &[Marker],
    options: AdviceOptions,
) -> Result<Option<FamilyAdvice>, JobError> {
    let members = store.list_members(family_id).await?;
    let Some(missing) = members.iter().find(|m| m.data.is_missing) else {
        return Ok(None);
    };
    let (mut references, mut reference_ids) = (Vec::new(), Vec::new());
    for r in store.list_references(family_id).await? {
        if r.withdrawal.is_some() {
            continue;
        }
        if let Some(profile) = store.get_reference_profile(actor, r.id).await? {
            references.push((r.donor_member_id, profile.str_profile));
            reference_ids.push(r.id);
        }
    }
    let data = MatchFamily {
        family_id,
        pedigree: store.family_pedigree(family_id).await?,
        missing: vec![missing.id],
        references,
        reference_ids,
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
