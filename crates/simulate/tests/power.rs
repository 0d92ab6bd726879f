//! Exclusion power and LR distributions: exact values against closed forms derived by hand, and
//! simulation against the exact values within binomial error.

use kinship::{Chromosome, Conditions, Marker, MemberSpec, MutationModel, Pedigree, Sex, Typing};
use simulate::{
    exact_lr_distribution, exclusion_power, lr_distribution, simulated_exclusion_power, FamilyPlan,
    DEFAULT_CONFIGURATION_LIMIT as LIMIT,
};

const FREQS: [f64; 5] = [0.1, 0.15, 0.2, 0.25, 0.3];

fn marker(name: &str, chromosome: Chromosome) -> Marker {
    let alleles = FREQS
        .iter()
        .enumerate()
        .map(|(a, &p)| (format!("{}", 10 + a), p))
        .collect();
    Marker::without_mutation(name, alleles, chromosome).unwrap()
}

fn mutating_marker(name: &str) -> Marker {
    let alleles = FREQS
        .iter()
        .enumerate()
        .map(|(a, &p)| (format!("{}", 10 + a), p))
        .collect();
    let model = MutationModel::Stepwise {
        rate: 0.02,
        rate2: 0.0,
        range: 0.5,
    };
    Marker::new(name, alleles, Chromosome::Autosomal, model.clone(), model).unwrap()
}

/// Father FA, mother MO, missing son MP, and daughter S1.
fn nuclear() -> Pedigree {
    Pedigree::new(vec![
        MemberSpec::new("FA", None, None, Sex::Male),
        MemberSpec::new("MO", None, None, Sex::Female),
        MemberSpec::new("MP", Some("FA"), Some("MO"), Sex::Male),
        MemberSpec::new("S1", Some("FA"), Some("MO"), Sex::Female),
    ])
    .unwrap()
}

fn untyped(ped: &Pedigree, markers: usize) -> Vec<Vec<Typing>> {
    vec![vec![Typing::Untyped; ped.len()]; markers]
}

fn within(simulated: f64, se: f64, exact: f64, what: &str) {
    // 4.5 standard errors (and a floor for fractions near 0 or 1).
    let tolerance = 4.5 * se.max(1e-3);
    assert!(
        (simulated - exact).abs() < tolerance,
        "{what}: simulated {simulated} ± {se}, exact {exact}"
    );
}

#[test]
fn a_typed_parent_excludes_whoever_lacks_both_of_its_alleles() {
    let ped = nuclear();
    let m = [marker("A", Chromosome::Autosomal)];
    for (a, b) in [(0, 3), (2, 2)] {
        let mut t = untyped(&ped, 1);
        t[0][0] = Typing::Pair(a, b);
        let plan = FamilyPlan::new(ped.clone(), t, 2, vec![]).unwrap();
        let e = exclusion_power(&plan, &m, &Conditions::default(), LIMIT).unwrap();
        let not_sharing = if a == b {
            1.0 - FREQS[a]
        } else {
            1.0 - FREQS[a] - FREQS[b]
        };
        assert!((e.total - not_sharing.powi(2)).abs() < 1e-12, "{a}/{b}: {}", e.total);
    }
}

#[test]
fn a_father_typed_at_an_x_marker_excludes_daughters_without_his_allele() {
    let ped = nuclear();
    let m = [marker("X", Chromosome::X)];
    let mut t = untyped(&ped, 1);
    t[0][0] = Typing::Single(1);
    // The missing person is the daughter S1 here.
    let plan = FamilyPlan::new(ped, t, 3, vec![]).unwrap();
    let e = exclusion_power(&plan, &m, &Conditions::default(), LIMIT).unwrap();
    assert!((e.total - (1.0 - FREQS[1]).powi(2)).abs() < 1e-12, "{}", e.total);
}

#[test]
fn planning_a_parent_sample_gives_the_duo_exclusion_power_of_the_literature() {
    // A random parent and an unrelated random person share no allele with probability
    // 1 − 4 S2 + 2 S2² + 4 S3 − 3 S4 (S_k = Σ p^k): the expansion of
    // Σ p_a² (1 − p_a)² + Σ_{a<b} 2 p_a p_b (1 − p_a − p_b)², derived in docs/validation.md.
    let ped = nuclear();
    let m = [marker("A", Chromosome::Autosomal)];
    let plan = FamilyPlan::new(ped.clone(), untyped(&ped, 1), 2, vec![0]).unwrap();
    let e = exclusion_power(&plan, &m, &Conditions::default(), LIMIT).unwrap();
    let s = |k: i32| FREQS.iter().map(|p| p.powi(k)).sum::<f64>();
    let closed = 1.0 - 4.0 * s(2) + 2.0 * s(2) * s(2) + 4.0 * s(3) - 3.0 * s(4);
    assert!((e.total - closed).abs() < 1e-12, "{} vs {closed}", e.total);
    // And by simulation, an independent path (likelihoods, no genotype tables).
    let sim = simulated_exclusion_power(&plan, &m, &Conditions::default(), 20_000, 1).unwrap();
    within(sim.fraction(), sim.standard_error(), closed, "duo exclusion");
}

#[test]
fn simulated_exclusion_matches_exact_over_several_markers_with_typed_and_planned_samples() {
    let ped = nuclear();
    let m: Vec<Marker> = ["A", "B", "C"]
        .iter()
        .map(|n| marker(n, Chromosome::Autosomal))
        .collect();
    let mut t = untyped(&ped, 3);
    t[0][1] = Typing::Pair(0, 4);
    t[1][1] = Typing::Pair(2, 2);
    t[2][1] = Typing::Pair(1, 3);
    // The mother typed; the father and the sister to be sampled.
    let plan = FamilyPlan::new(ped, t, 2, vec![0, 3]).unwrap();
    let exact = exclusion_power(&plan, &m, &Conditions::default(), LIMIT).unwrap();
    let sim = simulated_exclusion_power(&plan, &m, &Conditions::default(), 20_000, 2).unwrap();
    within(sim.fraction(), sim.standard_error(), exact.total, "three markers");
    assert!(exact.total > 0.5 && exact.total < 1.0, "{}", exact.total);
}

#[test]
fn the_mean_inverse_lr_under_h1_is_one_minus_the_exclusion_power() {
    // Σ over outcomes possible under H1 of P_H1 / LR = Σ P_H2 over those outcomes, that is
    // 1 − P_H2(excluded): ties the exact LR distribution to the exact exclusion power.
    let ped = nuclear();
    let m = [marker("A", Chromosome::Autosomal)];
    let mut t = untyped(&ped, 1);
    t[0][3] = Typing::Pair(1, 2);
    let plan = FamilyPlan::new(ped, t, 2, vec![0]).unwrap();
    let cond = Conditions::default();
    let exact = exact_lr_distribution(&plan, &m, &cond, LIMIT).unwrap();
    let mean_inverse: f64 = exact.per_marker[0].iter().map(|&(l, p)| p * 10f64.powf(-l)).sum();
    let total: f64 = exact.per_marker[0].iter().map(|&(_, p)| p).sum();
    assert!((total - 1.0).abs() < 1e-12, "{total}");
    let e = exclusion_power(&plan, &m, &cond, LIMIT).unwrap();
    assert!(
        (mean_inverse - (1.0 - e.total)).abs() < 1e-12,
        "{mean_inverse} vs {}",
        1.0 - e.total
    );
}

#[test]
fn parent_child_lrs_are_the_textbook_values() {
    // Father typed a/b: a son a/c (c not a, b) has probability p_c / 2 and LR 1 / (4 p_a); a son
    // a/b has probability (p_a + p_b) / 2 and LR (p_a + p_b) / (4 p_a p_b).
    let ped = nuclear();
    let m = [marker("A", Chromosome::Autosomal)];
    let mut t = untyped(&ped, 1);
    t[0][0] = Typing::Pair(0, 1);
    let plan = FamilyPlan::new(ped, t, 2, vec![]).unwrap();
    let exact = exact_lr_distribution(&plan, &m, &Conditions::default(), LIMIT).unwrap();
    let (pa, pb, pc) = (FREQS[0], FREQS[1], FREQS[4]);
    let has = |lr: f64, prob: f64| {
        exact.per_marker[0]
            .iter()
            .any(|&(l, p)| (l - lr.log10()).abs() < 1e-12 && (p - prob).abs() < 1e-12)
    };
    assert!(has(1.0 / (4.0 * pa), pc / 2.0));
    assert!(has((pa + pb) / (4.0 * pa * pb), (pa + pb) / 2.0));
}

#[test]
fn simulated_lr_distribution_matches_the_exact_one() {
    let ped = nuclear();
    let m = [marker("A", Chromosome::Autosomal), mutating_marker("B")];
    let mut t = untyped(&ped, 2);
    t[0][1] = Typing::Pair(0, 3);
    t[1][1] = Typing::Pair(2, 4);
    // Mother typed, sister to be sampled: the sister and the missing son drawn jointly.
    let plan = FamilyPlan::new(ped, t, 2, vec![3]).unwrap();
    let cond = Conditions::default();
    let exact = exact_lr_distribution(&plan, &m, &cond, LIMIT).unwrap();
    let runs = 20_000;
    let sim = lr_distribution(&plan, &m, &cond, runs, 3).unwrap();
    for t in [0.0, 0.5, 1.0, 1.5] {
        let p = exact.probability_above(t, LIMIT).unwrap();
        let s = sim.above(t);
        within(s.fraction(), s.standard_error(), p, &format!("P(log10 LR > {t})"));
    }
    // A wrong answer is detectable: the same runs disagree with the planning distribution of a
    // family whose mother is untyped.
    let ped = nuclear();
    let other = FamilyPlan::new(ped.clone(), untyped(&ped, 2), 2, vec![3]).unwrap();
    let other_exact = exact_lr_distribution(&other, &m, &cond, LIMIT).unwrap();
    let p = other_exact.probability_above(1.0, LIMIT).unwrap();
    let s = sim.above(1.0);
    assert!(
        (s.fraction() - p).abs() > 4.5 * s.standard_error(),
        "{} vs {p}",
        s.fraction()
    );
}

#[test]
fn the_same_seed_gives_the_same_distribution() {
    let ped = nuclear();
    let m: Vec<Marker> = ["A", "B"].iter().map(|n| marker(n, Chromosome::Autosomal)).collect();
    let plan = FamilyPlan::new(ped.clone(), untyped(&ped, 2), 2, vec![0, 1]).unwrap();
    let cond = Conditions::default();
    let a = lr_distribution(&plan, &m, &cond, 500, 9).unwrap();
    let b = lr_distribution(&plan, &m, &cond, 500, 9).unwrap();
    let c = lr_distribution(&plan, &m, &cond, 500, 10).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(a.quantile(0.0) <= a.quantile(0.5) && a.quantile(0.5) <= a.quantile(1.0));
}

#[test]
fn bad_plans_are_refused() {
    let ped = nuclear();
    let mut t = untyped(&ped, 1);
    t[0][2] = Typing::Pair(0, 1);
    assert!(
        FamilyPlan::new(ped.clone(), t, 2, vec![]).is_err(),
        "typed missing person"
    );
    let mut t = untyped(&ped, 1);
    t[0][0] = Typing::Pair(0, 1);
    assert!(
        FamilyPlan::new(ped.clone(), t, 2, vec![0]).is_err(),
        "typed member to sample"
    );
    assert!(
        FamilyPlan::new(ped.clone(), untyped(&ped, 1), 2, vec![2]).is_err(),
        "missing sampled"
    );
    let plan = FamilyPlan::new(ped.clone(), untyped(&ped, 1), 2, vec![0]).unwrap();
    let two = [marker("A", Chromosome::Autosomal), marker("B", Chromosome::Autosomal)];
    assert!(
        exclusion_power(&plan, &two, &Conditions::default(), LIMIT).is_err(),
        "shape"
    );
    let theta = Conditions {
        theta: 0.05,
        ..Conditions::default()
    };
    let mut t = untyped(&ped, 1);
    t[0][0] = Typing::Pair(0, 1);
    let typed = FamilyPlan::new(ped, t, 2, vec![]).unwrap();
    assert!(
        lr_distribution(&typed, &two[..1], &theta, 10, 1).is_err(),
        "conditional under theta"
    );
}

#[test]
fn planning_under_theta_matches_the_exact_distribution() {
    // Nothing typed: the family is gene-dropped with θ (the Pólya urn) and the LRs computed with
    // θ; the exact distribution enumerates the typings with likelihoods under θ.
    let ped = nuclear();
    let m = [marker("A", Chromosome::Autosomal)];
    let plan = FamilyPlan::new(ped.clone(), untyped(&ped, 1), 2, vec![3]).unwrap();
    let cond = Conditions {
        theta: 0.1,
        ..Conditions::default()
    };
    let exact = exact_lr_distribution(&plan, &m, &cond, LIMIT).unwrap();
    let total: f64 = exact.per_marker[0].iter().map(|&(_, p)| p).sum();
    assert!((total - 1.0).abs() < 1e-9, "{total}");
    let sim = lr_distribution(&plan, &m, &cond, 20_000, 4).unwrap();
    for t in [0.0, 0.3, 0.6] {
        let p = exact.probability_above(t, LIMIT).unwrap();
        let s = sim.above(t);
        within(s.fraction(), s.standard_error(), p, &format!("θ: P(log10 LR > {t})"));
    }
    // Without θ the exact distribution differs detectably from these runs.
    let plain = exact_lr_distribution(&plan, &m, &Conditions::default(), LIMIT).unwrap();
    let differs = [0.0, 0.3, 0.6].iter().any(|&t| {
        let s = sim.above(t);
        (s.fraction() - plain.probability_above(t, LIMIT).unwrap()).abs() > 4.5 * s.standard_error()
    });
    assert!(differs, "θ makes no detectable difference");
}
