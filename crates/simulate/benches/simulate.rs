//! Simulation speed with the bundled 23 markers (no mutation unless stated).
//!
//! Run: `cargo bench -p simulate --bench simulate`. Figures go to `docs/benchmarks.md`.

use kinship::{Chromosome, Conditions, Marker, MutationModel, Typing};
use simulate::{
    advise, lr_distribution, simulate_scenario, AdviceOptions, FamilyPlan, FamilyShape, GeneDropper, Rng, ScenarioSpec,
};

const FREQS: &str = include_str!("../../homeward/tests/data/bench/duo_nomut/freqs.tsv");

fn markers(mutation: bool) -> Vec<Marker> {
    let model = if mutation {
        MutationModel::Stepwise {
            rate: 0.001,
            rate2: 1e-6,
            range: 0.5,
        }
    } else {
        MutationModel::Trivial
    };
    formats::read_frequencies(FREQS)
        .unwrap()
        .markers
        .into_iter()
        .map(|m| Marker::new(&m.name, m.alleles, Chromosome::Autosomal, model.clone(), model.clone()).unwrap())
        .collect()
}

fn main() {
    divan::main();
}

/// One cousin family (9 members) gene-dropped at 23 markers: 9 profiles per iteration.
#[divan::bench(args = [false, true])]
fn gene_drop_cousin_family(bencher: divan::Bencher, mutation: bool) {
    let m = markers(mutation);
    let dropper = GeneDropper::new(&m, 0.0).unwrap();
    let template = FamilyShape::Cousin.template();
    let (ped, _, _) = template.resolve().unwrap();
    let mut rng = Rng::seed_from(1);
    bencher.bench_local(|| dropper.drop_pedigree(&ped, &mut rng).unwrap());
}

/// A DVI scenario of 100 families (10 of each shape) and 50 unrelated victims.
#[divan::bench(sample_count = 20)]
fn scenario_100_families(bencher: divan::Bencher) {
    let m = markers(false);
    let shapes: Vec<FamilyShape> = FamilyShape::ALL.iter().cycle().take(100).copied().collect();
    let spec = ScenarioSpec::from_shapes(&shapes, 50, 1);
    bencher.bench_local(|| simulate_scenario(&m, &spec).unwrap());
}

fn cousin_plan(m: &[Marker]) -> FamilyPlan {
    let (ped, missing, _) = FamilyShape::Cousin.template().resolve().unwrap();
    let typings = vec![vec![Typing::Untyped; ped.len()]; m.len()];
    FamilyPlan::new(ped, typings, missing[0], vec![]).unwrap()
}

/// 1000 runs of the LR distribution, the cousin CO to be sampled (planning, nothing typed).
#[divan::bench(sample_count = 10)]
fn lr_distribution_cousin_1000_runs(bencher: divan::Bencher) {
    let m = markers(false);
    let plan = cousin_plan(&m);
    let co = plan.pedigree().index_of("CO").unwrap();
    let plan = plan.with_sample(co).unwrap();
    bencher.bench_local(|| lr_distribution(&plan, &m, &Conditions::default(), 1000, 1).unwrap());
}

/// `advise` for the cousin family's 8 untyped relatives, 1000 runs each, the father typed (so
/// every draw is conditional on his profile).
#[divan::bench(sample_count = 5)]
fn advise_cousin_family_typed_father(bencher: divan::Bencher) {
    let m = markers(false);
    let base = cousin_plan(&m);
    let ped = base.pedigree().clone();
    let fa = ped.index_of("FA").unwrap();
    let mut typings = base.typings().to_vec();
    let mut rng = Rng::seed_from(2);
    let dropper = GeneDropper::new(&m, 0.0).unwrap();
    let g = dropper.drop_pedigree(&ped, &mut rng).unwrap();
    for (k, t) in typings.iter_mut().enumerate() {
        t[fa] = g[k][fa].typing(&m[k]);
    }
    let plan = FamilyPlan::new(ped, typings, base.missing(), vec![]).unwrap();
    let candidates = simulate::default_candidates(&plan);
    let options = AdviceOptions::default();
    bencher.bench_local(|| advise(&plan, &m, &Conditions::default(), &candidates, &options).unwrap());
}
