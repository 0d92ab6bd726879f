//! Joint identification in a family grave: 8 victims against one family with 8 missing persons
//! (grandparents' children and their spouses, a first-cousin marriage and its children), 23 STRs.
//!
//! Run: `cargo bench -p identify --bench joint`.

mod common;

use std::time::Instant;

use common::{drop_genes, markers, Rng};
use identify::dvi::{joint, DviCase, Family, JointOptions, Victim};
use kinship::{Conditions, MemberSpec, Pedigree, Sex, Typing};

fn main() {
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
    let mut rng = Rng(7);
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
    for marker in &markers {
        let g = drop_genes(&mut rng, &ped, marker);
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
    for (label, options) in [
        ("dvir's defaults (undisputed pairs first)", JointOptions::default()),
        (
            "no undisputed step (every admissible assignment)",
            JointOptions {
                undisputed: None,
                ..JointOptions::default()
            },
        ),
    ] {
        let t = Instant::now();
        let result = joint(&case, &options).unwrap();
        let elapsed = t.elapsed();
        let shown = result.assignments.iter().filter(|a| a.posterior >= 0.001).count();
        println!(
            "8 victims x 8 missing, 23 markers, {label}: {:.3} s; {} undisputed, {} assignments enumerated, {shown} with posterior >= 0.001; best posterior {:.4}; symmetric pairs {:?}",
            elapsed.as_secs_f64(),
            result.undisputed.len(),
            result.assignments.len(),
            result.assignments.first().map_or(0.0, |a| a.posterior),
            result.symmetric_pairs(),
        );
    }
}
