//! Calibration of pairwise kinship LRs: on pairs simulated unrelated, the fraction with LR > t
//! must not exceed 1/t (Turing's bound: E[LR | H2] = 1, so P(LR ≥ t | H2) ≤ 1/t by Markov's
//! inequality); on pairs simulated related, the same fractions are the rate of identification.

use std::collections::HashMap;

use kinship::{Conditions, Engine, Marker, MemberSpec, Pedigree, Sex, Typing};

use crate::drop::GeneDropper;
use crate::parallel::map_runs;
use crate::power::{genotype_list, observable_typings};
use crate::SimulateError;

/// The relationship a pair is tested for (H1), against unrelated (H2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PairRelationship {
    ParentChild,
    FullSiblings,
    HalfSiblings,
    FirstCousins,
}

impl PairRelationship {
    pub const ALL: [PairRelationship; 4] = [
        PairRelationship::ParentChild,
        PairRelationship::FullSiblings,
        PairRelationship::HalfSiblings,
        PairRelationship::FirstCousins,
    ];

    pub fn name(&self) -> &'static str {
        match self {
            PairRelationship::ParentChild => "parent-child",
            PairRelationship::FullSiblings => "full-siblings",
            PairRelationship::HalfSiblings => "half-siblings",
            PairRelationship::FirstCousins => "first-cousins",
        }
    }

    pub fn parse(name: &str) -> Option<PairRelationship> {
        PairRelationship::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The relationship as a pedigree with the pair `A` and `B` (both male) and their indices.
    pub fn pedigree(&self) -> (Pedigree, usize, usize) {
        use Sex::{Female as F, Male as M};
        let s = |id: &str, f: Option<&str>, m: Option<&str>, sex| MemberSpec::new(id, f, m, sex);
        let specs = match self {
            PairRelationship::ParentChild => vec![
                s("A", None, None, M),
                s("W", None, None, F),
                s("B", Some("A"), Some("W"), M),
            ],
            PairRelationship::FullSiblings => vec![
                s("FA", None, None, M),
                s("MO", None, None, F),
                s("A", Some("FA"), Some("MO"), M),
                s("B", Some("FA"), Some("MO"), M),
            ],
            PairRelationship::HalfSiblings => vec![
                s("FA", None, None, M),
                s("M1", None, None, F),
                s("M2", None, None, F),
                s("A", Some("FA"), Some("M1"), M),
                s("B", Some("FA"), Some("M2"), M),
            ],
            PairRelationship::FirstCousins => vec![
                s("GF", None, None, M),
                s("GM", None, None, F),
                s("P1", Some("GF"), Some("GM"), M),
                s("P2", Some("GF"), Some("GM"), M),
                s("W1", None, None, F),
                s("W2", None, None, F),
                s("A", Some("P1"), Some("W1"), M),
                s("B", Some("P2"), Some("W2"), M),
            ],
        };
        let ped = Pedigree::new(specs).expect("a fixed, valid pedigree");
        let (a, b) = (ped.index_of("A").expect("A"), ped.index_of("B").expect("B"));
        (ped, a, b)
    }
}

/// log10 LR of the relationship against unrelated for every pair of typings at every marker,
/// from the engine's genotype tables: the fast path of pair simulations. [`PairLrTable::log10_lr`]
/// is checked against `kinship::likelihood_ratio` in the tests.
#[derive(Debug, Clone)]
pub struct PairLrTable {
    relationship: PairRelationship,
    markers: Vec<MarkerTable>,
}

#[derive(Debug, Clone)]
struct MarkerTable {
    /// The typings a male can show, and their index.
    typings: Vec<Typing>,
    index: HashMap<Typing, usize>,
    /// `log10_lr[a * typings + b]`.
    log10_lr: Vec<f64>,
}

impl PairLrTable {
    /// Tables for `markers` (θ = 0, no dropout: complete, clean profiles).
    pub fn new(markers: &[Marker], relationship: PairRelationship) -> Result<PairLrTable, SimulateError> {
        let (ped, a, b) = relationship.pedigree();
        let cond = Conditions::default();
        let mut engine = Engine::new();
        let mut tables = Vec::with_capacity(markers.len());
        for marker in markers {
            let hemizygous = marker.chromosome() == kinship::Chromosome::X;
            let options = observable_typings(marker, hemizygous);
            let index: HashMap<Typing, usize> = options.iter().enumerate().map(|(i, (t, _))| (*t, i)).collect();
            let genotypes = genotype_list(marker, hemizygous);
            let n = options.len();
            let mut log10_lr = vec![f64::NEG_INFINITY; n * n];
            let mut typings = vec![Typing::Untyped; ped.len()];
            for (i, &(ta, pa)) in options.iter().enumerate() {
                typings[a] = ta;
                let table = engine.genotype_table(&ped, marker, &typings, &cond, b)?;
                let scale = table.ln_scale();
                // Sum B's genotypes by the typing they show.
                let mut joint = vec![0.0; n];
                for (g, &v) in genotypes.iter().zip(table.values()) {
                    joint[index[&g.typing(marker)]] += v;
                }
                for (j, &(tb, pb)) in options.iter().enumerate() {
                    if !ta.is_typed() || !tb.is_typed() {
                        // A blank profile (silent alleles only) is no data to the engine: LR 1.
                        log10_lr[i * n + j] = 0.0;
                    } else if joint[j] > 0.0 {
                        log10_lr[i * n + j] = (scale + joint[j].ln() - pa.ln() - pb.ln()) / std::f64::consts::LN_10;
                    }
                }
            }
            tables.push(MarkerTable {
                typings: options.into_iter().map(|(t, _)| t).collect(),
                index,
                log10_lr,
            });
        }
        Ok(PairLrTable {
            relationship,
            markers: tables,
        })
    }

    pub fn relationship(&self) -> PairRelationship {
        self.relationship
    }

    /// log10 LR of the pair's complete profiles (`a[marker]`, `b[marker]`); `None` if a typing is
    /// not one a male can show at that marker.
    pub fn log10_lr(&self, a: &[Typing], b: &[Typing]) -> Option<f64> {
        let mut total = 0.0;
        for (k, t) in self.markers.iter().enumerate() {
            let (i, j) = (t.index.get(&a[k])?, t.index.get(&b[k])?);
            total += t.log10_lr[i * t.typings.len() + j];
        }
        Some(total)
    }
}

/// Which pairs to simulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairTruth {
    /// Two people drawn independently from the population (H2 true).
    Unrelated,
    /// The pair related as tested (H1 true).
    Related,
}

/// The counts of simulated pairs above each threshold.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    pub relationship: PairRelationship,
    pub truth: PairTruth,
    pub pairs: usize,
    pub seed: u64,
    /// log10 thresholds, with the number of pairs whose log10 LR exceeded each.
    pub above: Vec<(f64, usize)>,
    /// The mean LR over the pairs (1 in expectation for unrelated pairs).
    pub mean_lr: f64,
    pub max_log10_lr: f64,
}

/// Simulates `pairs` pairs (`truth`) and counts LRs above each of `log10_thresholds`; the same
/// seed gives the same counts on any number of threads.
pub fn calibrate(
    markers: &[Marker],
    table: &PairLrTable,
    truth: PairTruth,
    pairs: usize,
    seed: u64,
    log10_thresholds: &[f64],
) -> Result<Calibration, SimulateError> {
    let dropper = GeneDropper::new(markers, 0.0)?;
    let (related, a, b) = table.relationship.pedigree();
    let unrelated =
        Pedigree::singletons([("A".to_owned(), Sex::Male), ("B".to_owned(), Sex::Male)]).expect("two distinct ids");
    let (ped, ia, ib) = match truth {
        PairTruth::Related => (&related, a, b),
        PairTruth::Unrelated => (&unrelated, 0, 1),
    };
    let lrs = map_runs(pairs, seed, |_, rng, _| {
        let g = dropper.drop_pedigree(ped, rng)?;
        let ta: Vec<Typing> = markers.iter().zip(&g).map(|(m, g)| g[ia].typing(m)).collect();
        let tb: Vec<Typing> = markers.iter().zip(&g).map(|(m, g)| g[ib].typing(m)).collect();
        table.log10_lr(&ta, &tb).ok_or_else(|| SimulateError::Plan {
            problem: "a simulated typing is missing from the LR table".to_owned(),
        })
    })?;
    let above = log10_thresholds
        .iter()
        .map(|&t| (t, lrs.iter().filter(|&&l| l > t).count()))
        .collect();
    let mean_lr = lrs.iter().map(|&l| 10f64.powf(l)).sum::<f64>() / pairs as f64;
    let max_log10_lr = lrs.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    Ok(Calibration {
        relationship: table.relationship,
        truth,
        pairs,
        seed,
        above,
        mean_lr,
        max_log10_lr,
    })
}
