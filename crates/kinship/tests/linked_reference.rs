//! The Lander–Green chain against plain enumeration of inheritance-vector paths, on random small
//! pedigrees (loops and several components included), linked markers on sex-specific maps, and
//! evidence from calls with genotyping error, phred-scaled and log10 likelihoods.

use kinship::*;
use proptest::prelude::*;

mod common;

#[derive(Debug, Clone)]
struct Case {
    pedigree: Pedigree,
    markers: Vec<LinkedMarker>,
    evidence: Vec<Vec<Option<GenotypeLikelihoods>>>,
    map: MapFunction,
}

/// Members in birth order: a founder couple, then members who are founders one time in four and
/// otherwise children of earlier members (so loops and several components both occur).
fn pedigree_strategy(max_members: usize) -> impl Strategy<Value = Pedigree> {
    prop::collection::vec((any::<u32>(), any::<u32>(), any::<bool>(), 0u8..4), 3..=max_members).prop_map(|raw| {
        let raw: Vec<_> = raw
            .iter()
            .enumerate()
            .map(|(i, &(fa, mo, male, roll))| {
                let male = if i < 2 { i == 0 } else { male };
                (fa, mo, if male { Sex::Male } else { Sex::Female }, i < 2 || roll == 0)
            })
            .collect();
        common::pedigree_from(&raw)
    })
}

fn likelihood_strategy() -> impl Strategy<Value = Option<GenotypeLikelihoods>> {
    prop_oneof![
        3 => Just(None),
        3 => (0usize..3, prop::sample::select(vec![0.0, 0.0, 0.01, 0.2]))
            .prop_map(|(g, e)| Some(GenotypeLikelihoods::from_call(g, e).unwrap())),
        2 => prop::array::uniform3(0u32..80)
            .prop_map(|pl| Some(GenotypeLikelihoods::from_phred(pl.map(f64::from)).unwrap())),
        1 => prop::array::uniform3(-6.0..0.0f64).prop_map(|gl| Some(GenotypeLikelihoods::from_log10(gl).unwrap())),
    ]
}

fn case_strategy() -> impl Strategy<Value = Case> {
    (pedigree_strategy(6), 1usize..=4, any::<bool>()).prop_flat_map(|(pedigree, n_markers, kosambi)| {
        let n = pedigree.len();
        let gap = prop::sample::select(vec![0.0, 0.001, 0.3, 2.0, 15.0, 60.0, 1e4]);
        let male_factor = prop::sample::select(vec![0.0, 0.5, 1.0, 2.5]);
        (
            Just(pedigree),
            prop::collection::vec((0.01..0.99f64, gap, male_factor), n_markers),
            prop::collection::vec(prop::collection::vec(likelihood_strategy(), n), n_markers),
            Just(if kosambi {
                MapFunction::Kosambi
            } else {
                MapFunction::Haldane
            }),
        )
            .prop_map(|(pedigree, raw, evidence, map)| {
                let (mut f, mut m) = (10.0, 7.0);
                let markers = raw
                    .iter()
                    .enumerate()
                    .map(|(k, &(freq_alt, gap, factor))| {
                        if k > 0 {
                            f += gap;
                            m += gap * factor;
                        }
                        LinkedMarker {
                            name: format!("m{k}"),
                            freq_alt,
                            cm_female: f,
                            cm_male: m,
                        }
                    })
                    .collect();
                Case {
                    pedigree,
                    markers,
                    evidence,
                    map,
                }
            })
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn chain_equals_enumeration(case in case_strategy()) {
        let slow = brute_force_linked(&case.pedigree, &case.markers, &case.evidence, case.map);
        prop_assume!(!matches!(slow, Err(LinkageError::TooComplex { .. })));
        let slow = slow.unwrap();
        let fast = ln_likelihood_linked(&case.pedigree, &case.markers, &case.evidence, case.map).unwrap();
        // The chain built for everyone (no pruning) must agree too.
        let all = vec![true; case.pedigree.len()];
        let unpruned = LinkedChain::new(&case.pedigree, &all)
            .unwrap()
            .ln_likelihood(&case.markers, &case.evidence, case.map)
            .unwrap();
        for got in [fast, unpruned] {
            if slow == 0.0 {
                prop_assert_eq!(got, f64::NEG_INFINITY);
            } else {
                let rel = (got.exp() - slow).abs() / slow;
                prop_assert!(rel <= 1e-9, "chain {} vs enumeration {} (relative {})", got.exp(), slow, rel);
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn ibd_posteriors_equal_enumeration(case in case_strategy()) {
        let ped = &case.pedigree;
        let typed: Vec<usize> = (0..ped.len()).filter(|&i| case.evidence.iter().any(|r| r[i].is_some())).collect();
        prop_assume!(typed.len() >= 2);
        let (a, b) = (typed[0], typed[typed.len() - 1]);
        let slow = brute_force_ibd(ped, &case.markers, &case.evidence, case.map, a, b);
        prop_assume!(slow.is_ok());
        let slow = slow.unwrap();
        let flags: Vec<bool> = (0..ped.len()).map(|i| typed.contains(&i)).collect();
        let fast = LinkedChain::new(ped, &flags)
            .unwrap()
            .ibd_posteriors(&case.markers, &case.evidence, case.map, a, b)
            .unwrap();
        for (f, s) in fast.iter().zip(&slow) {
            for j in 0..3 {
                prop_assert!((f[j] - s[j]).abs() <= 1e-9, "{:?} vs {:?}", f, s);
            }
        }
    }
}
