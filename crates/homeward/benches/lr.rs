//! The four benchmark cases of `tests/data/bench`: likelihood ratio of H1 against "all typed
//! persons unrelated", every marker, inputs already parsed.
//!
//! Run: `cargo bench -p homeward --bench lr`. Figures go to `docs/benchmarks.md`.

use std::path::{Path, PathBuf};

use casework::case::{self, MutationPlan};
use kinship::{
    likelihood_ratio, unrelated_alternative, Conditions, Hypothesis, Marker, MutationModel, Pedigree, Typing,
};

struct Loaded {
    pedigree: Pedigree,
    typings: Vec<Vec<Typing>>,
    h2: (Pedigree, Vec<Vec<Typing>>),
    markers: Vec<Marker>,
    conditions: Conditions,
}

fn load(name: &str) -> Loaded {
    let dir: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/bench")
        .join(name);
    let h1 = dir.join("h1.ped");
    let freqs = dir.join("freqs.tsv");
    let file = case::read_ped(&h1).unwrap();
    let pedigree = case::pedigree(&h1, &file).unwrap();
    let db = case::read_frequencies(&freqs).unwrap();
    let args = std::fs::read_to_string(dir.join("args")).unwrap();
    let mut plan = MutationPlan::default();
    let mut theta = 0.0;
    if args.contains("stepwise") {
        // The bench cases' one mutation setting: see tests/data/bench/README.md.
        let model = |rate| MutationModel::Stepwise {
            rate,
            rate2: 1e-6,
            range: 0.5,
        };
        plan.female = Some(model(0.001));
        plan.male = Some(model(0.003));
    }
    if let Some(t) = args.split_whitespace().skip_while(|&a| a != "--theta").nth(1) {
        theta = t.parse().unwrap();
    }
    let markers = case::markers(&[(&h1, &file)], &freqs, &db, &plan, &[], None).unwrap();
    let typings = case::typings(&h1, &file, &markers).unwrap();
    let h2 = unrelated_alternative(Hypothesis {
        pedigree: &pedigree,
        typings: &typings,
    });
    Loaded {
        pedigree,
        typings,
        h2,
        markers,
        conditions: Conditions {
            theta,
            ..Conditions::default()
        },
    }
}

fn lr(case: &Loaded) -> f64 {
    let h1 = Hypothesis {
        pedigree: &case.pedigree,
        typings: &case.typings,
    };
    let h2 = Hypothesis {
        pedigree: &case.h2.0,
        typings: &case.h2.1,
    };
    likelihood_ratio(&case.markers, h1, h2, &case.conditions).unwrap().lr()
}

#[divan::bench(args = ["duo_nomut", "duo_stepwise", "cousin_loop_stepwise", "cousin_loop_theta"])]
fn bench_case(bencher: divan::Bencher, name: &str) {
    let case = load(name);
    bencher.bench(|| lr(divan::black_box(&case)));
}

fn main() {
    divan::main();
}
