//! Direct matching among victims: hand-computed examples.

use identify::direct::{group_same_source, kinship_pairs, same_source, Relationship};
use identify::dvi::Victim;
use kinship::{Chromosome, Conditions, Marker, Sex, Typing};

fn marker() -> Marker {
    let alleles = [("10", 0.2), ("11", 0.3), ("12", 0.5)]
        .iter()
        .map(|&(a, p)| (a.to_owned(), p))
        .collect();
    Marker::without_mutation("M", alleles, Chromosome::Autosomal).unwrap()
}

fn victim(id: &str, t: Typing) -> Victim {
    Victim {
        id: id.into(),
        sex: Sex::Male,
        typings: vec![t],
    }
}

fn close(a: f64, b: f64) -> bool {
    ((a - b) / b).abs() < 1e-12
}

#[test]
fn identical_full_profiles_give_one_over_the_genotype_frequency() {
    let vs = [
        victim("A", Typing::Pair(0, 1)),
        victim("B", Typing::Pair(0, 1)),
        victim("C", Typing::Pair(0, 2)),
    ];
    let pairs = same_source(&[marker()], &vs, &Conditions::default(), f64::NEG_INFINITY).unwrap();
    let ab = pairs.iter().find(|p| (p.a, p.b) == (0, 1)).unwrap();
    assert!(close(10f64.powf(ab.log10_lr), 1.0 / (2.0 * 0.2 * 0.3)));
    let ac = pairs.iter().find(|p| (p.a, p.b) == (0, 2)).unwrap();
    assert_eq!(ac.log10_lr, f64::NEG_INFINITY);
    assert_eq!(group_same_source(3, &pairs[..1]), vec![vec![0, 1]]);
}

#[test]
fn a_degraded_fragment_matches_with_dropout() {
    // A: 10/11 in full. B: only 10 seen, dropout 0.3, no drop-in.
    let d: f64 = 0.3;
    let vs = [victim("A", Typing::Pair(0, 1)), victim("B", Typing::Single(0))];
    let mut cond = Conditions::default();
    cond.dropout.insert("B".into(), d);
    let pairs = same_source(&[marker()], &vs, &cond, f64::NEG_INFINITY).unwrap();
    let (p10, p11, p12) = (0.2, 0.3, 0.5);
    let numerator = 2.0 * p10 * p11 * (1.0 - d) * d;
    let p_a = 2.0 * p10 * p11;
    let p_b = p10 * p10 * (1.0 - d * d) + 2.0 * p10 * (p11 + p12) * (1.0 - d) * d;
    assert!(
        close(10f64.powf(pairs[0].log10_lr), numerator / (p_a * p_b)),
        "{}",
        pairs[0].log10_lr
    );
}

#[test]
fn parent_child_lr_by_hand() {
    // Father 10/10, son 10/11: P(son | father) = p11; P(son) = 2 p10 p11; LR = 1 / (2 p10).
    let vs = [victim("F", Typing::Pair(0, 0)), victim("S", Typing::Pair(0, 1))];
    let pairs = kinship_pairs(
        &[marker()],
        &vs,
        &Conditions::default(),
        &Relationship::ALL,
        f64::NEG_INFINITY,
    )
    .unwrap();
    let pc = pairs
        .iter()
        .find(|p| p.relationship == Some(Relationship::ParentChild))
        .unwrap();
    assert!(close(10f64.powf(pc.log10_lr), 1.0 / (2.0 * 0.2)));
    // Full siblings: κ = (1/4, 1/2, 1/4); LR = 1/4 + 1/2 · (1/(4 p10)) · ... checked against the
    // IBD formula: P(S | F) for siblings of genotypes 10/10 and 10/11.
    let fs = pairs
        .iter()
        .find(|p| p.relationship == Some(Relationship::FullSiblings))
        .unwrap();
    let (p10, p11) = (0.2, 0.3);
    // κ0 term: 1; κ1 term: one shared allele (10) — P(10/11 | share one IBD allele from 10/10) / P(10/11)
    // = p11 / (2 p10 p11) = 1 / (2 p10); κ2 term: 0 (genotypes differ).
    let want = 0.25 + 0.5 * (p11 / (2.0 * p10 * p11));
    assert!(
        close(10f64.powf(fs.log10_lr), want),
        "{} vs {want}",
        10f64.powf(fs.log10_lr)
    );
}
