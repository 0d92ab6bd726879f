//! The fast engine against plain enumeration, on random small pedigrees, markers and data.

use kinship::*;
use proptest::prelude::*;

mod common;

#[derive(Debug, Clone)]
struct Case {
    pedigree: Pedigree,
    marker: Marker,
    typings: Vec<Typing>,
    conditions: Conditions,
}

/// A random pedigree: members in birth order; each later member may have parents among the
/// earlier ones, so loops (children of relatives) and several components both occur.
fn pedigree_strategy(max_members: usize, allow_unknown_sex: bool) -> impl Strategy<Value = Pedigree> {
    prop::collection::vec((any::<u32>(), any::<u32>(), 0u8..5, any::<bool>()), 1..=max_members).prop_map(move |raw| {
        let sex = |roll: u8| match roll {
            0 | 1 => Sex::Male,
            2 | 3 => Sex::Female,
            _ if allow_unknown_sex => Sex::Unknown,
            _ => Sex::Female,
        };
        let raw: Vec<_> = raw
            .iter()
            .map(|&(fa, mo, roll, founder)| (fa, mo, sex(roll), founder))
            .collect();
        common::pedigree_from(&raw)
    })
}

fn model_strategy(numeric: bool) -> impl Strategy<Value = MutationModel> {
    let rate = 0.0..0.2f64;
    prop_oneof![
        Just(MutationModel::Trivial),
        rate.clone().prop_map(|rate| MutationModel::Equal { rate }),
        (0.0..0.05f64).prop_map(|rate| MutationModel::Proportional { rate }),
        (rate.clone(), 0.0..0.05f64, 0.1..0.9f64).prop_map(move |(rate, rate2, range)| if numeric {
            MutationModel::Stepwise { rate, rate2, range }
        } else {
            MutationModel::Equal { rate }
        }),
        rate.prop_map(move |rate| if numeric {
            MutationModel::OneStep { rate }
        } else {
            MutationModel::Trivial
        }),
    ]
}

fn case_strategy(max_members: usize, max_alleles: usize) -> impl Strategy<Value = Case> {
    (
        any::<bool>(), // X chromosome
        any::<bool>(), // silent allele
        prop::sample::select(vec![0.0, 0.0, 0.01, 0.05, 0.2]),
        2..=max_alleles,
        any::<bool>(), // microvariant in the ladder
    )
        .prop_flat_map(move |(x, silent, theta, n, micro)| {
            let numeric = !silent;
            (
                pedigree_strategy(max_members, !x),
                prop::collection::vec(0.05..1.0f64, n),
                model_strategy(numeric),
                model_strategy(numeric),
                prop::collection::vec((0u8..6, any::<u32>(), any::<u32>()), max_members),
                prop::collection::vec(prop::option::weighted(0.3, 0.0..0.6f64), max_members),
                prop::sample::select(vec![0.0, 0.0, 0.05]),
            )
                .prop_map(
                    move |(pedigree, weights, female, male, raw_typings, dropouts, dropin)| {
                        let total: f64 = weights.iter().sum();
                        let mut alleles: Vec<(String, f64)> = weights
                            .iter()
                            .enumerate()
                            .map(|(i, w)| {
                                let label = if micro && i == 1 {
                                    "10.3".to_owned()
                                } else {
                                    format!("{}", 9 + i)
                                };
                                (label, w / total)
                            })
                            .collect();
                        if silent {
                            let last = alleles.last_mut().unwrap();
                            last.0 = SILENT_ALLELE.to_owned();
                        }
                        let chromosome = if x { Chromosome::X } else { Chromosome::Autosomal };
                        // Proportional may exceed its maximum for skewed frequencies: fall back to trivial.
                        let marker = Marker::new("M", alleles.clone(), chromosome, female.clone(), male.clone())
                            .or_else(|_| Marker::without_mutation("M", alleles.clone(), chromosome))
                            .unwrap();
                        let visible: Vec<usize> = (0..marker.alleles().len())
                            .filter(|&a| Some(a) != marker.silent())
                            .collect();
                        let mut conditions = Conditions {
                            theta,
                            dropin,
                            ..Conditions::default()
                        };
                        let typings = pedigree
                            .members()
                            .iter()
                            .enumerate()
                            .map(|(i, m)| {
                                let (kind, a, b) = raw_typings[i];
                                let a = visible[a as usize % visible.len()];
                                let b = visible[b as usize % visible.len()];
                                let hemizygous = x && m.sex == Sex::Male;
                                let dropout = dropouts[i];
                                if let (Some(d), true) = (dropout, kind < 4) {
                                    conditions.dropout.insert(m.id.clone(), d);
                                }
                                match kind {
                                    0 | 1 => Typing::Untyped,
                                    _ if hemizygous => Typing::Single(a),
                                    2 | 3 => Typing::Pair(a, b),
                                    4 => Typing::OneAndMissing(a),
                                    _ => Typing::Pair(a, a),
                                }
                            })
                            .collect();
                        Case {
                            pedigree,
                            marker,
                            typings,
                            conditions,
                        }
                    },
                )
        })
}

fn agree(fast: f64, slow: f64) -> bool {
    (fast == 0.0 && slow == 0.0) || ((fast - slow) / slow).abs() <= 1e-12 || (fast < 1e-300 && slow < 1e-300)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1500, ..ProptestConfig::default() })]

    #[test]
    fn elimination_agrees_with_enumeration(case in case_strategy(6, 4)) {
        let slow = brute_force_likelihood(&case.pedigree, &case.marker, &case.typings, &case.conditions);
        let fast = likelihood(&case.pedigree, &case.marker, &case.typings, &case.conditions);
        match (fast, slow) {
            (Ok(f), Ok(s)) => prop_assert!(agree(f, s), "fast {f} vs reference {s}"),
            (Err(_), Err(LikelihoodError::TooComplex { .. })) => {}
            (Ok(_), Err(LikelihoodError::TooComplex { .. })) => {}
            (f, s) => prop_assert_eq!(f.map_err(|e| e.to_string()), s.map_err(|e| e.to_string())),
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]

    /// Summing the likelihood over every genotype of one member gives the likelihood without it.
    #[test]
    fn likelihoods_sum_over_a_members_genotypes(case in case_strategy(5, 3), who in any::<prop::sample::Index>()) {
        let i = who.index(case.pedigree.len());
        let m = case.pedigree.member(i);
        prop_assume!(case.marker.chromosome() == Chromosome::Autosomal && case.marker.silent().is_none());
        prop_assume!(case.conditions.dropout_of(&m.id).is_none());
        let mut without = case.typings.clone();
        without[i] = Typing::Untyped;
        let base = likelihood(&case.pedigree, &case.marker, &without, &case.conditions).unwrap();
        let n = case.marker.alleles().len();
        let mut total = 0.0;
        for a in 0..n {
            for b in a..n {
                let mut t = without.clone();
                t[i] = Typing::Pair(a, b);
                total += likelihood(&case.pedigree, &case.marker, &t, &case.conditions).unwrap();
            }
        }
        prop_assert!(agree(total, base) || (total - base).abs() < 1e-15, "sum {total} vs {base}");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, ..ProptestConfig::default() })]

    /// An engine reused across computations gives what a fresh one gives.
    #[test]
    fn a_reused_engine_remembers_nothing(cases in prop::collection::vec(case_strategy(6, 4), 1..8)) {
        let mut engine = Engine::new();
        for case in &cases {
            let fresh = ln_likelihood(&case.pedigree, &case.marker, &case.typings, &case.conditions);
            let reused = engine.ln_likelihood(&case.pedigree, &case.marker, &case.typings, &case.conditions);
            match (fresh, reused) {
                (Ok(a), Ok(b)) => prop_assert!(a == b || (a.is_nan() && b.is_nan()), "{a} vs {b}"),
                (a, b) => prop_assert_eq!(a.is_err(), b.is_err()),
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// The genotype table of a member equals the likelihoods with that member typed each way.
    #[test]
    fn genotype_tables_agree_with_typed_likelihoods(case in case_strategy(5, 4), who in any::<prop::sample::Index>()) {
        let mut case = case;
        case.conditions.theta = 0.0;
        let i = who.index(case.pedigree.len());
        let id = case.pedigree.member(i).id.clone();
        case.conditions.dropout.remove(&id);
        let silent = case.marker.silent();
        let mut typings = case.typings.clone();
        typings[i] = Typing::Untyped;
        let table = Engine::new().genotype_table(&case.pedigree, &case.marker, &typings, &case.conditions, i).unwrap();
        let n = case.marker.alleles().len();
        let hemizygous = table.is_hemizygous();
        let total = likelihood(&case.pedigree, &case.marker, &typings, &case.conditions).unwrap();
        prop_assert!(agree(table.ln_total().exp(), total), "sum {} vs {total}", table.ln_total().exp());
        for a in 0..n {
            for b in a..n {
                // A typed a/a means a/a or a/silent, and nobody is typed silent.
                if (hemizygous && b != a) || silent.is_some_and(|s| a == s || b == s || a == b) {
                    continue;
                }
                typings[i] = if hemizygous { Typing::Single(a) } else { Typing::Pair(a, b) };
                let direct = likelihood(&case.pedigree, &case.marker, &typings, &case.conditions).unwrap();
                let from_table = (table.ln_scale()).exp() * table.values()[table.index(a, b)];
                prop_assert!(agree(from_table, direct) || (from_table - direct).abs() < 1e-300, "{a}/{b}: {from_table} vs {direct}");
            }
        }
    }
}

/// An inbred member's two alleles can be copies of one ancestral allele, so merged alleles must
/// not be split as independent draws: the table must still match the typed likelihoods.
#[test]
fn genotype_table_of_an_inbred_child() {
    let spec = |id: &str, f: Option<&str>, m: Option<&str>, sex| MemberSpec::new(id, f, m, sex);
    let ped = Pedigree::new(vec![
        spec("GF", None, None, Sex::Male),
        spec("GM", None, None, Sex::Female),
        spec("S", Some("GF"), Some("GM"), Sex::Male),
        spec("D", Some("GF"), Some("GM"), Sex::Female),
        spec("K", Some("S"), Some("D"), Sex::Male),
    ])
    .unwrap();
    let alleles: Vec<(String, f64)> = [0.1, 0.2, 0.3, 0.25, 0.15]
        .iter()
        .enumerate()
        .map(|(i, &p)| (format!("{}", 10 + i), p))
        .collect();
    for model in [MutationModel::Trivial, MutationModel::Proportional { rate: 0.05 }] {
        let marker = Marker::new("M", alleles.clone(), Chromosome::Autosomal, model.clone(), model).unwrap();
        let mut typings = vec![Typing::Untyped; 5];
        typings[0] = Typing::Pair(0, 1);
        let table = Engine::new()
            .genotype_table(&ped, &marker, &typings, &Conditions::default(), 4)
            .unwrap();
        for a in 0..5 {
            for b in a..5 {
                typings[4] = Typing::Pair(a, b);
                let direct = likelihood(&ped, &marker, &typings, &Conditions::default()).unwrap();
                let got = table.ln_scale().exp() * table.values()[table.index(a, b)];
                assert!(agree(got, direct), "{a}/{b}: {got} vs {direct}");
            }
        }
    }
}
