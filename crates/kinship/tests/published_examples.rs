//! Worked examples from the forensic literature and the pedsuite documentation.

use kinship::*;

fn marker(name: &str, alleles: &[(&str, f64)], model: MutationModel) -> Marker {
    let alleles = alleles.iter().map(|&(a, p)| (a.to_owned(), p)).collect();
    Marker::new(name, alleles, Chromosome::Autosomal, model.clone(), model).unwrap()
}

fn ped(members: &[(&str, Option<&str>, Option<&str>, Sex)]) -> Pedigree {
    Pedigree::new(
        members
            .iter()
            .map(|&(id, f, m, s)| MemberSpec::new(id, f, m, s))
            .collect(),
    )
    .unwrap()
}

fn duo() -> Pedigree {
    ped(&[
        ("AF", None, None, Sex::Male),
        ("MO", None, None, Sex::Female),
        ("CH", Some("AF"), Some("MO"), Sex::Male),
    ])
}

fn lr(markers: &[Marker], h1: &Pedigree, typings: &[Vec<Typing>], cond: &Conditions) -> LrReport {
    let h1 = Hypothesis { pedigree: h1, typings };
    let (p2, t2) = unrelated_alternative(h1);
    likelihood_ratio(
        markers,
        h1,
        Hypothesis {
            pedigree: &p2,
            typings: &t2,
        },
        cond,
    )
    .unwrap()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    ((a - b) / b).abs() < tol
}

#[test]
fn paternity_homozygous_father_and_child_gives_one_over_p() {
    let m1 = marker("M1", &[("A", 0.05), ("B", 0.95)], MutationModel::Trivial);
    let m2 = marker("M2", &[("A", 0.1), ("B", 0.9)], MutationModel::Trivial);
    let typings = vec![
        vec![Typing::Pair(0, 0), Typing::Untyped, Typing::Pair(0, 0)],
        vec![Typing::Pair(0, 0), Typing::Untyped, Typing::Pair(0, 0)],
    ];
    let one = lr(std::slice::from_ref(&m1), &duo(), &typings[..1], &Conditions::default());
    assert!(close(one.lr(), 20.0, 1e-12), "{}", one.lr());
    let both = lr(&[m1, m2], &duo(), &typings, &Conditions::default());
    assert!(close(both.lr(), 200.0, 1e-12), "{}", both.lr());
}

#[test]
fn mutation_explains_a_father_son_mismatch() {
    // Father 1/1, son 2/2, equal model rate 0.1: 0.25 * 0.1 * 0.5 = 0.0125.
    let m = marker("M", &[("1", 0.5), ("2", 0.5)], MutationModel::Equal { rate: 0.1 });
    let l = likelihood(
        &duo(),
        &m,
        &[Typing::Pair(0, 0), Typing::Untyped, Typing::Pair(1, 1)],
        &Conditions::default(),
    );
    assert!(close(l.unwrap(), 0.0125, 1e-12));
}

#[test]
fn theta_links_untyped_founders_of_a_grandchild() {
    // Grandchild A/A with every ancestor untyped: p (theta + (1 - theta) p) = 0.3 * 0.307.
    let p = ped(&[
        ("GF", None, None, Sex::Male),
        ("GM", None, None, Sex::Female),
        ("F", Some("GF"), Some("GM"), Sex::Male),
        ("M", None, None, Sex::Female),
        ("C", Some("F"), Some("M"), Sex::Female),
    ]);
    let m = marker("M", &[("A", 0.3), ("B", 0.7)], MutationModel::Trivial);
    let mut t = vec![Typing::Untyped; 5];
    t[4] = Typing::Pair(0, 0);
    let cond = Conditions {
        theta: 0.01,
        ..Conditions::default()
    };
    let l = likelihood(&p, &m, &t, &cond).unwrap();
    assert!(close(l, 0.0921, 1e-12), "{l}");
    assert!(close(brute_force_likelihood(&p, &m, &t, &cond).unwrap(), 0.0921, 1e-12));
}

#[test]
fn silent_allele_lowers_a_homozygous_paternity_lr() {
    let typings = vec![vec![Typing::Pair(0, 0), Typing::Untyped, Typing::Pair(0, 0)]];
    let with_silent = marker(
        "M",
        &[("q", 0.1), ("r", 0.89), ("Silent", 0.01)],
        MutationModel::Trivial,
    );
    let report = lr(&[with_silent], &duo(), &typings, &Conditions::default());
    assert!(close(report.lr(), 9.0972, 1e-4), "{}", report.lr());
    let without = marker("M", &[("q", 0.1), ("r", 0.9)], MutationModel::Trivial);
    assert!(close(
        lr(&[without], &duo(), &typings, &Conditions::default()).lr(),
        10.0,
        1e-12
    ));
}

#[test]
fn theta_lowers_a_paternity_lr() {
    let m = marker(
        "M",
        &[("17", 0.204), ("18", 0.3), ("19", 0.496)],
        MutationModel::Trivial,
    );
    let typings = vec![vec![Typing::Pair(0, 1), Typing::Untyped, Typing::Pair(0, 0)]];
    let plain = lr(std::slice::from_ref(&m), &duo(), &typings, &Conditions::default());
    assert!(close(plain.lr(), 2.45, 1e-3), "{}", plain.lr());
    let theta = lr(
        &[m],
        &duo(),
        &typings,
        &Conditions {
            theta: 0.01,
            ..Conditions::default()
        },
    );
    assert!(close(theta.lr(), 2.298, 1e-3), "{}", theta.lr());
}
