//! Joint identification: every admissible assignment of victims to missing persons at once.

use std::collections::HashMap;

use kinship::Marker;

use super::{pairwise_lrs, without_mutations, DviCase, DviError, Evaluator, Family, Victim};

/// When to switch mutation models off, family by family (dvir's `disableMutations`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DisableMutations {
    /// Keep the markers' models everywhere.
    Never,
    /// Switch them off everywhere.
    Always,
    /// Switch them off in every family whose references are consistent without mutations (dvir's default).
    #[default]
    WhenConsistent,
}

/// Options of the joint search; the defaults are dvir's.
#[derive(Debug, Clone, PartialEq)]
pub struct JointOptions {
    /// Pairings whose pairwise LR is at or below this are not considered (0: impossible pairings
    /// are dropped). `None` keeps every sex-compatible pairing.
    pub limit: Option<f64>,
    /// Fix undisputed pairs first: pairwise LR at least this and at least this many times every
    /// other LR of the same victim or missing person. `None` to skip.
    pub undisputed: Option<f64>,
    /// Refuse to enumerate more assignments than this.
    pub max_assignments: usize,
    pub disable_mutations: DisableMutations,
    /// Prior odds of each identification an assignment makes: an assignment with k pairs has
    /// prior weight `identification_odds^k`. 1 is dvir's flat prior over assignments; below 1
    /// favours fewer identifications (many victims may belong to no listed family).
    pub identification_odds: f64,
}

impl Default for JointOptions {
    fn default() -> Self {
        JointOptions {
            limit: Some(0.0),
            undisputed: Some(1e4),
            max_assignments: 100_000,
            disable_mutations: DisableMutations::WhenConsistent,
            identification_odds: 1.0,
        }
    }
}

/// A pair fixed before the search because no other explanation comes close.
#[derive(Debug, Clone, PartialEq)]
pub struct UndisputedPair {
    pub victim: usize,
    pub family: usize,
    pub missing: usize,
    pub ln_lr: f64,
}

/// One assignment of every victim to a missing person `(family, index in its missing list)` or to nobody.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// Per victim of the original case, undisputed pairs included.
    pub pairs: Vec<Option<(usize, usize)>>,
    /// ln L of the data left after fixing the undisputed pairs, under this assignment.
    pub loglik: f64,
    /// ln LR against "nobody identified", times the LRs of the undisputed pairs.
    pub ln_lr: f64,
    /// Posterior probability over the listed assignments (flat prior unless
    /// [`JointOptions::identification_odds`] says otherwise).
    pub posterior: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct JointResult {
    pub undisputed: Vec<UndisputedPair>,
    /// Best first (by likelihood; ties in enumeration order).
    pub assignments: Vec<Assignment>,
}

impl JointResult {
    /// P(victim `v` is missing person m), summed over the assignments; `None` = nobody.
    pub fn marginals(&self, v: usize) -> Vec<(Option<(usize, usize)>, f64)> {
        let mut out: Vec<(Option<(usize, usize)>, f64)> = Vec::new();
        for a in &self.assignments {
            match out.iter_mut().find(|(p, _)| *p == a.pairs[v]) {
                Some((_, prob)) => *prob += a.posterior,
                None => out.push((a.pairs[v], a.posterior)),
            }
        }
        out
    }

    /// The generalised LR of a missing person being identified: the best assignment that
    /// identifies them against the best that does not. `None` if one side has no assignment.
    pub fn glr_missing(&self, family: usize, missing: usize) -> Option<f64> {
        let with = |yes: bool| {
            self.assignments
                .iter()
                .filter(|a| a.pairs.contains(&Some((family, missing))) == yes)
                .map(|a| a.ln_lr)
                .fold(f64::NEG_INFINITY, f64::max)
        };
        let (a, b) = (with(true), with(false));
        (a > f64::NEG_INFINITY && b > f64::NEG_INFINITY).then(|| (a - b).exp())
    }

    /// The generalised LR of a victim being identified.
    pub fn glr_victim(&self, victim: usize) -> Option<f64> {
        let with = |yes: bool| {
            self.assignments
                .iter()
                .filter(|a| a.pairs[victim].is_some() == yes)
                .map(|a| a.ln_lr)
                .fold(f64::NEG_INFINITY, f64::max)
        };
        let (a, b) = (with(true), with(false));
        (a > f64::NEG_INFINITY && b > f64::NEG_INFINITY).then(|| (a - b).exp())
    }

    /// Missing persons who can be swapped in the best assignment without changing its
    /// likelihood (twins, or relatives the data cannot tell apart).
    pub fn symmetric_pairs(&self) -> Vec<((usize, usize), (usize, usize))> {
        let Some(best) = self.assignments.first() else {
            return vec![];
        };
        let mut out = Vec::new();
        let assigned: Vec<(usize, (usize, usize))> = best
            .pairs
            .iter()
            .enumerate()
            .filter_map(|(v, p)| p.map(|p| (v, p)))
            .collect();
        for (i, &(v1, m1)) in assigned.iter().enumerate() {
            for &(v2, m2) in &assigned[i + 1..] {
                if m1.0 != m2.0 {
                    continue;
                }
                let mut swapped = best.pairs.clone();
                swapped[v1] = Some(m2);
                swapped[v2] = Some(m1);
                if let Some(other) = self.assignments.iter().find(|a| a.pairs == swapped) {
                    if (other.loglik - best.loglik).abs() <= 1e-9 * best.loglik.abs().max(1.0) {
                        out.push((m1, m2));
                    }
                }
            }
        }
        out
    }
}

/// The undisputed pairs and the enumeration of every remaining admissible assignment.
pub fn joint(case: &DviCase, options: &JointOptions) -> Result<JointResult, DviError> {
    let mut work = Reduced::new(case, options.disable_mutations)?;
    let mut undisputed = Vec::new();
    if let Some(threshold) = options.undisputed {
        while let Some(pair) = work.find_undisputed(threshold)? {
            undisputed.push(pair.clone());
            work.fix(&pair);
        }
    }
    let pairwise = work.pairwise()?;
    // Admissible pairings per victim of the reduced case.
    let mut options_per_victim: Vec<Vec<(usize, usize)>> = vec![Vec::new(); work.case.victims().len()];
    for p in &pairwise {
        let Some(ln_lr) = p.ln_lr else { continue };
        let keep = match options.limit {
            Some(limit) => limit < 0.0 || ln_lr > limit.ln(),
            None => true,
        };
        if keep {
            options_per_victim[p.victim].push((p.family, p.missing));
        }
    }
    let combos = enumerate(&options_per_victim, options.max_assignments)?;
    let mut eval = Evaluator::new(&work.case);
    let markers = &work.markers;
    let victim_ll: Vec<f64> = (0..work.case.victims().len())
        .map(|v| eval.victim(v, &work.case.markers))
        .collect::<Result<_, _>>()?;
    let mut cache: HashMap<(usize, Vec<(usize, usize)>), f64> = HashMap::new();
    let mut scored = Vec::with_capacity(combos.len());
    for combo in &combos {
        let mut ll = 0.0;
        for (f, family_markers) in markers.iter().enumerate() {
            let mut placed: Vec<(usize, usize)> = combo
                .iter()
                .enumerate()
                .filter_map(|(v, p)| p.filter(|&(pf, _)| pf == f).map(|(_, k)| (k, v)))
                .collect();
            placed.sort_unstable();
            let key = (f, placed);
            let l = match cache.get(&key) {
                Some(&l) => l,
                None => {
                    let l = eval.family(f, &key.1, family_markers, None)?;
                    cache.insert(key, l);
                    l
                }
            };
            ll += l;
        }
        for (v, p) in combo.iter().enumerate() {
            if p.is_none() {
                ll += victim_ll[v];
            }
        }
        scored.push(ll);
    }
    let null = combos
        .iter()
        .position(|c| c.iter().all(Option::is_none))
        .map(|i| scored[i]);
    let null = match null {
        Some(n) => n,
        None => unreachable!("the empty assignment is always enumerated"),
    };
    let undisputed_ln: f64 = undisputed.iter().map(|u| u.ln_lr).sum();
    // Posterior ∝ likelihood × prior; the prior counts the pairs the search makes (the undisputed
    // pairs are in every assignment alike).
    let ln_odds = options.identification_odds.ln();
    let ln_post: Vec<f64> = combos
        .iter()
        .zip(&scored)
        .map(|(c, &l)| l + ln_odds * c.iter().filter(|p| p.is_some()).count() as f64)
        .collect();
    let best = ln_post.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let weights: Vec<f64> = ln_post
        .iter()
        .map(|&l| if best.is_finite() { (l - best).exp() } else { 0.0 })
        .collect();
    let total: f64 = weights.iter().sum();
    let mut assignments: Vec<Assignment> = combos
        .iter()
        .zip(&scored)
        .zip(&weights)
        .map(|((combo, &loglik), &w)| {
            let mut pairs = vec![None; case.victims().len()];
            for u in &undisputed {
                pairs[u.victim] = Some((u.family, u.missing));
            }
            for (v, p) in combo.iter().enumerate() {
                pairs[work.victim_map[v]] = p.map(|(f, k)| (f, work.missing_map[f][k]));
            }
            Assignment {
                pairs,
                loglik,
                ln_lr: loglik - null + undisputed_ln,
                posterior: w / total,
            }
        })
        .collect();
    assignments.sort_by(|a, b| b.loglik.total_cmp(&a.loglik));
    Ok(JointResult {
        undisputed,
        assignments,
    })
}

/// A victim's pairing: (family, index into its missing list), or nobody.
type Pairing = Option<(usize, usize)>;

/// Every assignment of victims to their admissible pairings (or none), no missing person twice.
fn enumerate(options: &[Vec<(usize, usize)>], max: usize) -> Result<Vec<Vec<Pairing>>, DviError> {
    let mut out = Vec::new();
    let mut current = Vec::with_capacity(options.len());
    fn go(
        options: &[Vec<(usize, usize)>],
        current: &mut Vec<Pairing>,
        out: &mut Vec<Vec<Pairing>>,
        max: usize,
    ) -> Result<(), DviError> {
        let v = current.len();
        if v == options.len() {
            if out.len() == max {
                return Err(DviError::TooManyAssignments {
                    count: max + 1,
                    limit: max,
                });
            }
            out.push(current.clone());
            return Ok(());
        }
        current.push(None);
        go(options, current, out, max)?;
        current.pop();
        for &p in &options[v] {
            if current.contains(&Some(p)) {
                continue;
            }
            current.push(Some(p));
            go(options, current, out, max)?;
            current.pop();
        }
        Ok(())
    }
    go(options, &mut current, &mut out, max)?;
    Ok(out)
}

/// The case as the search sees it: undisputed pairs folded into the families, and for each family
/// the markers it is computed with.
struct Reduced {
    case: DviCase,
    /// Marker set per family (mutations switched off where dvir would).
    markers: Vec<Vec<Marker>>,
    /// Reduced victim index -> original.
    victim_map: Vec<usize>,
    /// Per family: reduced missing index -> original.
    missing_map: Vec<Vec<usize>>,
}

impl Reduced {
    fn new(case: &DviCase, disable: DisableMutations) -> Result<Self, DviError> {
        let plain = without_mutations(case.markers());
        let mut eval = Evaluator::new(case);
        let mut markers = Vec::new();
        for f in 0..case.families().len() {
            let use_plain = match disable {
                DisableMutations::Never => false,
                DisableMutations::Always => true,
                DisableMutations::WhenConsistent => eval.family(f, &[], &plain, None)? > f64::NEG_INFINITY,
            };
            markers.push(if use_plain {
                plain.clone()
            } else {
                case.markers().to_vec()
            });
        }
        Ok(Reduced {
            case: case.clone(),
            markers,
            victim_map: (0..case.victims().len()).collect(),
            missing_map: case.families().iter().map(|f| (0..f.missing.len()).collect()).collect(),
        })
    }

    /// The first undisputed pair of the current case, in original indices.
    fn find_undisputed(&self, threshold: f64) -> Result<Option<UndisputedPair>, DviError> {
        let pw = self.pairwise()?;
        let t = threshold.ln();
        for p in &pw {
            let Some(l) = p.ln_lr else { continue };
            if l < t {
                continue;
            }
            let rivals = pw.iter().filter(|q| {
                !std::ptr::eq(*q, p) && (q.victim == p.victim || (q.family == p.family && q.missing == p.missing))
            });
            if rivals.filter_map(|q| q.ln_lr).all(|q| l >= q + t) {
                return Ok(Some(UndisputedPair {
                    victim: self.victim_map[p.victim],
                    family: p.family,
                    missing: self.missing_map[p.family][p.missing],
                    ln_lr: l,
                }));
            }
        }
        Ok(None)
    }

    /// Pairwise LRs of the current case with each family's own markers.
    fn pairwise(&self) -> Result<Vec<super::PairwiseLr>, DviError> {
        // Families may use different marker sets, so compute family by family.
        let mut out = Vec::new();
        for f in 0..self.case.families().len() {
            let single = DviCase {
                markers: self.markers[f].clone(),
                victims: self.case.victims().to_vec(),
                families: vec![self.case.families()[f].clone()],
                conditions: self.case.conditions().clone(),
            };
            out.extend(pairwise_lrs(&single)?.into_iter().map(|mut p| {
                p.family = f;
                p
            }));
        }
        out.sort_by_key(|p| (p.victim, p.family, p.missing));
        Ok(out)
    }

    /// Folds an undisputed pair (original indices) into the case.
    fn fix(&mut self, pair: &UndisputedPair) {
        let v = self
            .victim_map
            .iter()
            .position(|&o| o == pair.victim)
            .expect("victim still present");
        let f = pair.family;
        let k = self.missing_map[f]
            .iter()
            .position(|&o| o == pair.missing)
            .expect("missing person still present");
        let victim: Victim = self.case.victims[v].clone();
        let fam: &mut Family = &mut self.case.families[f];
        let member = fam.missing[k];
        for (marker, t) in fam.typings.iter_mut().enumerate() {
            t[member] = victim.typings[marker];
        }
        // The victim's dropout probability now belongs to the family member.
        if let Some(d) = self.case.conditions.dropout_of(&victim.id) {
            let id = fam.pedigree.member(member).id.clone();
            self.case.conditions.dropout.insert(id, d);
        }
        fam.missing.remove(k);
        self.missing_map[f].remove(k);
        self.case.victims.remove(v);
        self.victim_map.remove(v);
    }
}
