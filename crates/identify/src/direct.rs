//! Direct matching among victims' samples, before they are matched to families: fragments of one
//! body (same source), and victims who are relatives of each other.
//!
//! * Same source: LR of "the two samples come from one person" against "from two unrelated
//!   persons", per marker Σ_g P(o₁|g) P(o₂|g) HW(g) / (P(o₁) P(o₂)), so that dropout and drop-in
//!   in degraded samples are allowed for (each sample with its own dropout probability).
//! * Kinship: LR of a relationship (parent–child, full or half siblings, first cousins) against
//!   "unrelated", computed exactly by the kinship engine on the two-person pedigree.

use kinship::{Conditions, Engine, Marker, MemberSpec, Pedigree, Sex, Typing};

use crate::dvi::{DviError, Victim};

/// A relationship two victims may have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relationship {
    ParentChild,
    FullSiblings,
    HalfSiblings,
    FirstCousins,
}

impl Relationship {
    pub const ALL: [Relationship; 4] = [
        Relationship::ParentChild,
        Relationship::FullSiblings,
        Relationship::HalfSiblings,
        Relationship::FirstCousins,
    ];

    pub fn label(&self) -> &'static str {
        match self {
            Relationship::ParentChild => "parent-child",
            Relationship::FullSiblings => "full siblings",
            Relationship::HalfSiblings => "half siblings",
            Relationship::FirstCousins => "first cousins",
        }
    }

    /// The pedigree joining victims `a` and `b` this way, and their positions in it. Unknown sexes
    /// are taken as male for a parent's role (sex only matters at X markers and for sex-specific
    /// mutation rates).
    fn pedigree(&self, a: &Victim, b: &Victim) -> (Pedigree, usize, usize) {
        let sexed = |s: Sex| if s == Sex::Unknown { Sex::Male } else { s };
        let (ia, ib) = (format!("{}\u{1}a", a.id), format!("{}\u{1}b", b.id));
        let spec = |id: &str, f: Option<&str>, m: Option<&str>, sex| MemberSpec::new(id, f, m, sex);
        let specs = match self {
            Relationship::ParentChild => {
                let pa = sexed(a.sex);
                let other = if pa == Sex::Male { Sex::Female } else { Sex::Male };
                let (f, m) = if pa == Sex::Male {
                    (ia.as_str(), "\u{1}o")
                } else {
                    ("\u{1}o", ia.as_str())
                };
                vec![
                    spec(&ia, None, None, pa),
                    spec("\u{1}o", None, None, other),
                    spec(&ib, Some(f), Some(m), b.sex),
                ]
            }
            Relationship::FullSiblings => vec![
                spec("\u{1}f", None, None, Sex::Male),
                spec("\u{1}m", None, None, Sex::Female),
                spec(&ia, Some("\u{1}f"), Some("\u{1}m"), a.sex),
                spec(&ib, Some("\u{1}f"), Some("\u{1}m"), b.sex),
            ],
            Relationship::HalfSiblings => vec![
                spec("\u{1}f", None, None, Sex::Male),
                spec("\u{1}m1", None, None, Sex::Female),
                spec("\u{1}m2", None, None, Sex::Female),
                spec(&ia, Some("\u{1}f"), Some("\u{1}m1"), a.sex),
                spec(&ib, Some("\u{1}f"), Some("\u{1}m2"), b.sex),
            ],
            Relationship::FirstCousins => vec![
                spec("\u{1}gf", None, None, Sex::Male),
                spec("\u{1}gm", None, None, Sex::Female),
                spec("\u{1}s", Some("\u{1}gf"), Some("\u{1}gm"), Sex::Male),
                spec("\u{1}d", Some("\u{1}gf"), Some("\u{1}gm"), Sex::Female),
                spec("\u{1}w", None, None, Sex::Female),
                spec("\u{1}h", None, None, Sex::Male),
                spec(&ia, Some("\u{1}s"), Some("\u{1}w"), a.sex),
                spec(&ib, Some("\u{1}h"), Some("\u{1}d"), b.sex),
            ],
        };
        let ped = Pedigree::new(specs).expect("a fixed two-person pedigree is valid");
        let (pa, pb) = (
            ped.index_of(&ia).expect("a is placed"),
            ped.index_of(&ib).expect("b is placed"),
        );
        (ped, pa, pb)
    }
}

/// The LR of one pair of victims under one hypothesis.
#[derive(Debug, Clone, PartialEq)]
pub struct PairLr {
    pub a: usize,
    pub b: usize,
    /// `None` for same source.
    pub relationship: Option<Relationship>,
    pub log10_lr: f64,
    /// Markers typed in both samples.
    pub shared_markers: usize,
}

/// P(observation, g) for every genotype g of one sample at one marker, and their sum P(observation).
type SampleTable = (Vec<f64>, f64);

/// Same-source LRs of every pair of victims with log10 LR at least `min_log10_lr`.
pub fn same_source(
    markers: &[Marker],
    victims: &[Victim],
    conditions: &Conditions,
    min_log10_lr: f64,
) -> Result<Vec<PairLr>, DviError> {
    if conditions.theta > 0.0 {
        return Err(DviError::Unsupported {
            what: "same-source matching under theta".into(),
        });
    }
    // Each victim's P(observation, g) = HW(g) P(o | g) per marker, from the engine's own model.
    let mut engine = Engine::new();
    let mut tables: Vec<Vec<Option<SampleTable>>> = Vec::with_capacity(victims.len());
    for v in victims {
        let ped = Pedigree::singletons([(v.id.clone(), v.sex)]).expect("one member");
        let mut per_marker = Vec::with_capacity(markers.len());
        for (m, marker) in markers.iter().enumerate() {
            if !v.typings[m].is_typed() {
                per_marker.push(None);
                continue;
            }
            let t = engine.genotype_table(&ped, marker, &[v.typings[m]], conditions, 0)?;
            let scale = t.ln_scale().exp();
            let values: Vec<f64> = t.values().iter().map(|x| x * scale).collect();
            let total = values.iter().sum();
            per_marker.push(Some((values, total)));
        }
        tables.push(per_marker);
    }
    // HW(g) per marker, in the tables' order.
    let hw: Vec<Vec<f64>> = markers
        .iter()
        .map(|marker| {
            let p = marker.freqs();
            let n = p.len();
            let mut out = Vec::with_capacity(n * (n + 1) / 2);
            for a in 0..n {
                for b in a..n {
                    out.push(if a == b { p[a] * p[a] } else { 2.0 * p[a] * p[b] });
                }
            }
            out
        })
        .collect();
    let mut out = Vec::new();
    for a in 0..victims.len() {
        for b in a + 1..victims.len() {
            let mut log10 = 0.0;
            let mut shared = 0;
            for m in 0..markers.len() {
                let (Some((ta, sa)), Some((tb, sb))) = (&tables[a][m], &tables[b][m]) else {
                    continue;
                };
                shared += 1;
                let joint: f64 = ta.iter().zip(tb).zip(&hw[m]).map(|((x, y), h)| x * y / h).sum();
                log10 += (joint / (sa * sb)).log10();
            }
            if log10 >= min_log10_lr - 1e-9 {
                out.push(PairLr {
                    a,
                    b,
                    relationship: None,
                    log10_lr: log10,
                    shared_markers: shared,
                });
            }
        }
    }
    Ok(out)
}

/// Kinship LRs (each relationship against unrelated) of every pair of victims, those with log10
/// LR at least `min_log10_lr`.
pub fn kinship_pairs(
    markers: &[Marker],
    victims: &[Victim],
    conditions: &Conditions,
    relationships: &[Relationship],
    min_log10_lr: f64,
) -> Result<Vec<PairLr>, DviError> {
    let mut engine = Engine::new();
    // ln L of each victim alone per marker: the denominator, unrelated (one subpopulation sample
    // when theta is set is handled by computing the pair as two singletons).
    let mut out = Vec::new();
    for a in 0..victims.len() {
        for b in a + 1..victims.len() {
            let (va, vb) = (&victims[a], &victims[b]);
            let unrelated = Pedigree::singletons([
                (format!("{}\u{1}a", va.id), va.sex),
                (format!("{}\u{1}b", vb.id), vb.sex),
            ])
            .expect("two distinct ids");
            let shared = (0..markers.len())
                .filter(|&m| va.typings[m].is_typed() && vb.typings[m].is_typed())
                .count();
            let cond = pair_conditions(conditions, va, vb);
            let mut ln_unrelated = 0.0;
            for (m, marker) in markers.iter().enumerate() {
                ln_unrelated += engine.ln_likelihood(&unrelated, marker, &[va.typings[m], vb.typings[m]], &cond)?;
            }
            for &rel in relationships {
                let (ped, pa, pb) = rel.pedigree(va, vb);
                let mut typings = vec![Typing::Untyped; ped.len()];
                let mut ln = 0.0;
                for (m, marker) in markers.iter().enumerate() {
                    typings[pa] = va.typings[m];
                    typings[pb] = vb.typings[m];
                    ln += engine.ln_likelihood(&ped, marker, &typings, &cond)?;
                }
                let log10 = (ln - ln_unrelated) / std::f64::consts::LN_10;
                if log10 >= min_log10_lr - 1e-9 {
                    out.push(PairLr {
                        a,
                        b,
                        relationship: Some(rel),
                        log10_lr: log10,
                        shared_markers: shared,
                    });
                }
            }
        }
    }
    Ok(out)
}

/// The victims' dropout probabilities under the ids they have in the two-person pedigrees.
fn pair_conditions(base: &Conditions, a: &Victim, b: &Victim) -> Conditions {
    let mut c = Conditions {
        theta: base.theta,
        dropin: base.dropin,
        dropout: Default::default(),
    };
    for (v, suffix) in [(a, "a"), (b, "b")] {
        if let Some(d) = base.dropout_of(&v.id) {
            c.dropout.insert(format!("{}\u{1}{suffix}", v.id), d);
        }
    }
    c
}

/// Groups victims joined by same-source pairs (connected components), largest first; singletons
/// are left out.
pub fn group_same_source(n: usize, pairs: &[PairLr]) -> Vec<Vec<usize>> {
    let mut parent: Vec<usize> = (0..n).collect();
    fn root(parent: &mut [usize], mut x: usize) -> usize {
        while parent[x] != x {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        x
    }
    for p in pairs.iter().filter(|p| p.relationship.is_none()) {
        let (ra, rb) = (root(&mut parent, p.a), root(&mut parent, p.b));
        if ra != rb {
            parent[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut groups: std::collections::BTreeMap<usize, Vec<usize>> = Default::default();
    for i in 0..n {
        let r = root(&mut parent, i);
        groups.entry(r).or_default().push(i);
    }
    let mut out: Vec<Vec<usize>> = groups.into_values().filter(|g| g.len() > 1).collect();
    out.sort_by_key(|g| std::cmp::Reverse(g.len()));
    out
}
