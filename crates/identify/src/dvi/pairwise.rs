//! Pairwise LRs: each victim against each missing person on their own.

use kinship::Marker;

use super::{sex_compatible, without_mutations, DviCase, DviError, Evaluator};

/// The LR of "victim V is missing person M" against "V is unrelated to M's family", the other
/// missing persons of the family left unidentified.
#[derive(Debug, Clone, PartialEq)]
pub struct PairwiseLr {
    pub victim: usize,
    pub family: usize,
    /// Index into the family's missing list.
    pub missing: usize,
    /// ln LR; `None` when the sexes rule the pair out.
    pub ln_lr: Option<f64>,
    /// Markers at which the pair is impossible without mutations; `None` when ruled out by sex.
    pub exclusions: Option<usize>,
}

impl PairwiseLr {
    pub fn lr(&self) -> Option<f64> {
        self.ln_lr.map(f64::exp)
    }
}

/// Every victim against every missing person, victim-major, missing persons in family order,
/// under the case's markers and their mutation models.
pub fn pairwise_lrs(case: &DviCase) -> Result<Vec<PairwiseLr>, DviError> {
    let family_markers = vec![case.markers(); case.families().len()];
    pairwise_lrs_with(case, &family_markers)
}

/// As [`pairwise_lrs`], each family computed with its own marker set (the joint search's, when
/// mutations are switched off in some families on request).
pub(crate) fn pairwise_lrs_with(case: &DviCase, family_markers: &[&[Marker]]) -> Result<Vec<PairwiseLr>, DviError> {
    let plain = without_mutations(case.markers());
    let mut eval = Evaluator::new(case);
    let victims: Vec<f64> = (0..case.victims().len())
        .map(|v| eval.victim(v, case.markers()))
        .collect::<Result<_, _>>()?;
    let families: Vec<f64> = (0..case.families().len())
        .map(|f| eval.family(f, &[], family_markers[f], None))
        .collect::<Result<_, _>>()?;
    if let Some(f) = families.iter().position(|&l| l == f64::NEG_INFINITY) {
        return Err(DviError::FamilyImpossible {
            family: case.families()[f].id.clone(),
        });
    }
    let mut out = Vec::new();
    let mut per_marker = Vec::with_capacity(case.markers().len());
    for (v, victim) in case.victims().iter().enumerate() {
        for (f, k) in case.missing_persons() {
            if !sex_compatible(victim.sex, case.missing_sex(f, k)) {
                out.push(PairwiseLr {
                    victim: v,
                    family: f,
                    missing: k,
                    ln_lr: None,
                    exclusions: None,
                });
                continue;
            }
            let joint = eval.family(f, &[(k, v)], family_markers[f], None)?;
            per_marker.clear();
            eval.family(f, &[(k, v)], &plain, Some(&mut per_marker))?;
            let exclusions = per_marker.iter().filter(|&&l| l == f64::NEG_INFINITY).count();
            let ln_lr = if joint == f64::NEG_INFINITY {
                f64::NEG_INFINITY
            } else {
                joint - families[f] - victims[v]
            };
            out.push(PairwiseLr {
                victim: v,
                family: f,
                missing: k,
                ln_lr: Some(ln_lr),
                exclusions: Some(exclusions),
            });
        }
    }
    Ok(out)
}
