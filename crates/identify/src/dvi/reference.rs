//! The reference for the joint search: every assignment of victims to missing persons enumerated,
//! each likelihood computed whole, family by family, with no factor shared between assignments.
//!
//! Exponential; for tests on small cases only.

use kinship::Marker;

use super::{
    pairwise_lrs, sex_compatible, without_mutations, DisableMutations, DviCase, DviError, Evaluator, UndisputedPair,
};

/// One enumerated assignment: per victim `(family, missing index)` or nobody, and ln L of all the
/// data under it.
#[derive(Debug, Clone, PartialEq)]
pub struct Enumerated {
    pub pairs: Vec<Option<(usize, usize)>>,
    pub loglik: f64,
}

/// Every sex-compatible assignment (no missing person twice), with its likelihood.
pub fn enumerate_assignments(case: &DviCase, disable: DisableMutations) -> Result<Vec<Enumerated>, DviError> {
    let plain = without_mutations(case.markers());
    let mut eval = Evaluator::new(case);
    let mut markers: Vec<&[Marker]> = Vec::new();
    for f in 0..case.families().len() {
        let off = match disable {
            DisableMutations::Never => false,
            DisableMutations::Always => true,
            DisableMutations::WhenConsistent => eval.family(f, &[], &plain, None)? > f64::NEG_INFINITY,
        };
        markers.push(if off { &plain } else { case.markers() });
    }
    let options: Vec<Vec<(usize, usize)>> = case
        .victims()
        .iter()
        .map(|v| {
            case.missing_persons()
                .filter(|&(f, k)| sex_compatible(v.sex, case.missing_sex(f, k)))
                .collect()
        })
        .collect();
    let mut all = Vec::new();
    let mut current = Vec::new();
    collect(&options, &mut current, &mut all);
    let mut out = Vec::with_capacity(all.len());
    for pairs in all {
        let mut loglik = 0.0;
        for (v, p) in pairs.iter().enumerate() {
            if p.is_none() {
                loglik += eval.victim(v, case.markers())?;
            }
        }
        for (f, family_markers) in markers.iter().enumerate() {
            let placed: Vec<(usize, usize)> = pairs
                .iter()
                .enumerate()
                .filter_map(|(v, p)| p.filter(|&(pf, _)| pf == f).map(|(_, k)| (k, v)))
                .collect();
            loglik += eval.family(f, &placed, family_markers, None)?;
        }
        out.push(Enumerated { pairs, loglik });
    }
    Ok(out)
}

fn collect(
    options: &[Vec<(usize, usize)>],
    current: &mut Vec<Option<(usize, usize)>>,
    out: &mut Vec<Vec<Option<(usize, usize)>>>,
) {
    let v = current.len();
    if v == options.len() {
        out.push(current.clone());
        return;
    }
    current.push(None);
    collect(options, current, out);
    current.pop();
    for &p in &options[v] {
        if current.contains(&Some(p)) {
            continue;
        }
        current.push(Some(p));
        collect(options, current, out);
        current.pop();
    }
}

/// dvir's undisputed pairs the slow way: each time the case is rebuilt with the pairs found so
/// far folded into their families (the victim's typing on the missing member), and every
/// pairwise LR of what is left computed again by the engine. Mutation models as given.
pub fn undisputed_by_reduction(case: &DviCase, threshold: f64) -> Result<Vec<UndisputedPair>, DviError> {
    let mut work = case.clone();
    let mut victim_map: Vec<usize> = (0..case.victims().len()).collect();
    let mut missing_map: Vec<Vec<usize>> = case.families().iter().map(|f| (0..f.missing.len()).collect()).collect();
    let t = threshold.ln();
    let mut out = Vec::new();
    loop {
        let pw = pairwise_lrs(&work)?;
        let found = pw.iter().find(|p| {
            let Some(l) = p.ln_lr else { return false };
            l >= t
                && pw
                    .iter()
                    .filter(|q| {
                        !std::ptr::eq(*q, *p)
                            && (q.victim == p.victim || (q.family == p.family && q.missing == p.missing))
                    })
                    .filter_map(|q| q.ln_lr)
                    .all(|q| l >= q + t)
        });
        let Some(p) = found else { return Ok(out) };
        out.push(UndisputedPair {
            victim: victim_map[p.victim],
            family: p.family,
            missing: missing_map[p.family][p.missing],
            ln_lr: p.ln_lr.unwrap_or(f64::NEG_INFINITY),
        });
        let (v, f, k) = (p.victim, p.family, p.missing);
        let victim = work.victims[v].clone();
        let dropout = work.conditions.dropout_of(&victim.id);
        let fam = &mut work.families[f];
        let member = fam.missing[k];
        for (marker, typings) in fam.typings.iter_mut().enumerate() {
            typings[member] = victim.typings[marker];
        }
        if let Some(d) = dropout {
            let id = fam.pedigree.member(member).id.clone();
            fam.dropout.insert(id, d);
        }
        fam.missing.remove(k);
        missing_map[f].remove(k);
        work.victims.remove(v);
        victim_map.remove(v);
    }
}
