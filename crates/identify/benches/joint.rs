//! Joint identification benchmarks.
//!
//! * A family grave: 8 victims against one family with 8 missing persons (grandparents' children
//!   and their spouses, a first-cousin marriage and its children), 23 STRs, no mutation.
//! * A mass grave ([`simulate::mass_grave`]): 296 victims, 120 reference families of which 40
//!   lost two to four members, 21 GlobalFiler STRs with the bundled East-Asian frequencies, equal
//!   or stepwise mutations at 0.001–0.005 in every family, 20% partial profiles, 30% of the
//!   victims from no listed family.
//!
//! Run: `cargo bench -p identify --bench joint [-- SECONDS [LIMIT]]` (the mass grave's time
//! budget, default 120, and dvir's `limit`: pairings with pairwise LR at most LIMIT outside the
//! hypotheses, default 0).

mod common;

use std::path::Path;
use std::time::Instant;

use common::{drop_genes, markers, Rng};
use identify::dvi::{joint, DviCase, Family, JointOptions, Victim};
use kinship::{Chromosome, Conditions, Marker, MemberSpec, MutationModel, Pedigree, Sex, Typing};

fn main() {
    family_grave();
    // cargo passes `--bench` first; the numbers after it are ours.
    let numbers: Vec<f64> = std::env::args().skip(1).filter_map(|a| a.parse().ok()).collect();
    let budget = numbers.first().copied().unwrap_or(120.0);
    let limit = numbers.get(1).copied();
    mass_grave(budget, limit);
}

fn family_grave() {
    let markers = markers();
    let spec = |id: &str, f: Option<&str>, m: Option<&str>, sex| MemberSpec::new(id, f, m, sex);
    // GF + GM have S1 and D1; S1 + W1 have F; D1 + H1 have M; F and M are first cousins and have
    // C1–C4. Typed references: GM, H1 and C4. Missing: S1, W1, D1, F, M, C1, C2, C3.
    let ped = Pedigree::new(vec![
        spec("GF", None, None, Sex::Male),
        spec("GM", None, None, Sex::Female),
        spec("S1", Some("GF"), Some("GM"), Sex::Male),
        spec("W1", None, None, Sex::Female),
        spec("D1", Some("GF"), Some("GM"), Sex::Female),
        spec("H1", None, None, Sex::Male),
        spec("F", Some("S1"), Some("W1"), Sex::Male),
        spec("M", Some("H1"), Some("D1"), Sex::Female),
        spec("C1", Some("F"), Some("M"), Sex::Male),
        spec("C2", Some("F"), Some("M"), Sex::Female),
        spec("C3", Some("F"), Some("M"), Sex::Male),
        spec("C4", Some("F"), Some("M"), Sex::Female),
    ])
    .unwrap();
    let refs = ["GM", "H1", "C4"].map(|r| ped.index_of(r).unwrap());
    let missing_ids = ["S1", "W1", "D1", "F", "M", "C1", "C2", "C3"];
    let missing: Vec<usize> = missing_ids.iter().map(|m| ped.index_of(m).unwrap()).collect();
    let mut rng = Rng::seed_from(7);
    let mut typings = Vec::new();
    let mut victims: Vec<Victim> = missing
        .iter()
        .enumerate()
        .map(|(k, &m)| Victim {
            id: format!("V{}", k + 1),
            sex: ped.member(m).sex,
            typings: Vec::new(),
        })
        .collect();
    for g in drop_genes(&mut rng, &ped, &markers) {
        typings.push(
            (0..ped.len())
                .map(|i| {
                    if refs.contains(&i) {
                        Typing::Pair(g[i].0, g[i].1)
                    } else {
                        Typing::Untyped
                    }
                })
                .collect(),
        );
        for (v, &m) in victims.iter_mut().zip(&missing) {
            v.typings.push(Typing::Pair(g[m].0, g[m].1));
        }
    }
    let family = Family {
        id: "GRAVE".into(),
        pedigree: ped,
        typings,
        missing,
        dropout: Default::default(),
    };
    let case = DviCase::new(markers, victims, vec![family], Conditions::default()).unwrap();
    let t = Instant::now();
    let result = joint(&case, &JointOptions::default()).unwrap();
    let elapsed = t.elapsed();
    println!(
        "family grave, 8 victims x 8 missing, 23 markers: {:.3} s; {} undisputed, {} assignments visited, bound {:.1e}; best posterior {:.4}; symmetric pairs {:?}",
        elapsed.as_secs_f64(),
        result.undisputed.len(),
        result.enumerated,
        result.bound,
        result.assignments.first().map_or(0.0, |a| a.posterior),
        result.symmetric_pairs(),
    );
}

/// The 21 GlobalFiler autosomal STRs with the bundled East-Asian frequencies; odd markers get the
/// equal model, even ones stepwise, at rates from 0.001 to 0.005.
fn globalfiler_with_mutations() -> Vec<Marker> {
    const GLOBALFILER: [&str; 21] = [
        "D3S1358", "vWA", "D16S539", "CSF1PO", "TPOX", "D8S1179", "D21S11", "D18S51", "D2S441", "D19S433", "TH01",
        "FGA", "D22S1045", "D5S818", "D13S317", "D7S820", "SE33", "D10S1248", "D1S1656", "D12S391", "D2S1338",
    ];
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo/data/east-asia.txt");
    let db = formats::read_frequencies(&std::fs::read_to_string(path).unwrap()).unwrap();
    GLOBALFILER
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let m = db.get(name).unwrap();
            let rate = 0.001 + 0.004 * (i as f64 / 20.0);
            let model = if i % 2 == 0 {
                MutationModel::Equal { rate }
            } else {
                MutationModel::Stepwise {
                    rate,
                    rate2: 1e-6,
                    range: 0.5,
                }
            };
            Marker::new(&m.name, m.alleles.clone(), Chromosome::Autosomal, model.clone(), model).unwrap()
        })
        .collect()
}

fn peak_memory_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|kb| kb.parse::<f64>().ok()))
        })
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

fn mass_grave(budget: f64, limit: Option<f64>) {
    let markers = globalfiler_with_mutations();
    let grave = simulate::mass_grave(&markers, &simulate::MassGraveSpec::benchmark(20261202)).unwrap();
    let conditions = grave.conditions(0.0);
    let victims: Vec<Victim> = grave
        .victims
        .iter()
        .map(|v| Victim {
            id: v.id.clone(),
            sex: v.sex,
            typings: v.typings.clone(),
        })
        .collect();
    let families: Vec<Family> = grave
        .families
        .iter()
        .map(|f| Family {
            id: f.id.clone(),
            pedigree: f.pedigree.clone(),
            typings: f.typings.clone(),
            missing: f.missing.clone(),
            dropout: Default::default(),
        })
        .collect();
    let case = DviCase::new(markers, victims, families, conditions).unwrap();
    let t = Instant::now();
    let options = JointOptions {
        max_seconds: Some(budget),
        limit: Some(limit.unwrap_or(0.0)),
        ..JointOptions::default()
    };
    let result = match joint(&case, &options) {
        Ok(r) => r,
        Err(e) => {
            println!("mass grave: {e} after {:.1} s", t.elapsed().as_secs_f64());
            return;
        }
    };
    let elapsed = t.elapsed().as_secs_f64();
    // Truth: the (family, missing index) each victim is.
    let truth: Vec<Option<(usize, usize)>> = grave
        .victims
        .iter()
        .map(|v| match v.source {
            simulate::VictimSource::Missing { family, member } => Some((
                family,
                grave.families[family]
                    .missing
                    .iter()
                    .position(|&m| m == member)
                    .unwrap(),
            )),
            simulate::VictimSource::Unrelated => None,
        })
        .collect();
    let t = result.timings;
    println!(
        "mass grave phases: pairwise and undisputed {:.2} s, placements {:.2} s, search {:.2} s; {} undisputed",
        t.pairwise,
        t.placements,
        t.search,
        result.undisputed.len()
    );
    let Some(best) = result.assignments.first() else {
        println!("mass grave: no assignment within the budget");
        return;
    };
    // Missing persons the references cannot tell apart (brothers of a typed mother) are the same
    // answer: a victim placed on one of them is right when its pairwise LR there equals the one at
    // the true missing person.
    let pair_ln = |v: usize, p: (usize, usize)| {
        result
            .pairwise
            .iter()
            .find(|q| q.victim == v && (q.family, q.missing) == p)
            .and_then(|q| q.ln_lr)
    };
    let is_right = |v: usize, p: (usize, usize)| match truth[v] {
        Some(t) if t == p => true,
        Some(t) if t.0 == p.0 => match (pair_ln(v, t), pair_ln(v, p)) {
            (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(1.0),
            _ => false,
        },
        _ => false,
    };
    let joint_right = (0..truth.len())
        .filter(|&v| best.pairs[v].is_some_and(|p| is_right(v, p)))
        .count();
    let joint_wrong = (0..truth.len())
        .filter(|&v| best.pairs[v].is_some_and(|p| !is_right(v, p)))
        .count();
    // Pairwise alone: each victim's best pairing with LR ≥ 10^4.
    let mut pairwise_right = 0;
    let mut pairwise_wrong = 0;
    let mut pairwise_right_and_joint_agrees = 0;
    for (v, t) in truth.iter().enumerate() {
        let top = result
            .pairwise
            .iter()
            .filter(|p| p.victim == v)
            .filter_map(|p| p.ln_lr.map(|l| (l, (p.family, p.missing))))
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let _ = t;
        if let Some((_, pair)) = top.filter(|(l, _)| *l >= 1e4f64.ln()) {
            if is_right(v, pair) {
                pairwise_right += 1;
                if best.pairs[v].is_some_and(|p| is_right(v, p)) {
                    pairwise_right_and_joint_agrees += 1;
                }
            } else {
                pairwise_wrong += 1;
            }
        }
    }
    println!(
        "mass grave, {} victims x {} missing in {} families, 21 markers with mutations, limit {:e}: {elapsed:.2} s, peak memory {:.0} MiB; complete {}, bound {:.2e}, top exact {}; {} assignments visited; best assignment: {joint_right} right, {joint_wrong} wrong identifications (posterior {:.4}); pairwise LR >= 1e4 alone: {pairwise_right} right, {pairwise_wrong} wrong, of which the joint best keeps {pairwise_right_and_joint_agrees}",
        case.victims().len(),
        case.missing_persons().count(),
        case.families().len(),
        options.limit.unwrap_or(0.0),
        peak_memory_mib(),
        result.complete,
        result.bound,
        result.top_exact,
        result.enumerated,
        best.posterior,
    );
}
