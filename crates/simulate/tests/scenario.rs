//! DVI scenarios: reproducible from the seed, consistent with their truth, and usable by the
//! likelihood engine.

use kinship::{Chromosome, Conditions, Engine, Marker, Typing};
use simulate::{simulate_scenario, FamilyShape, ProfileQuality, ScenarioSpec, VictimSource};

fn markers() -> Vec<Marker> {
    (0..6)
        .map(|k| {
            let chromosome = if k == 5 { Chromosome::X } else { Chromosome::Autosomal };
            let alleles = (0..8).map(|a| (format!("{}", 10 + a), 1.0 / 8.0)).collect();
            Marker::without_mutation(&format!("M{k}"), alleles, chromosome).unwrap()
        })
        .collect()
}

fn spec(seed: u64) -> ScenarioSpec {
    let mut spec = ScenarioSpec::from_shapes(&FamilyShape::ALL, 5, seed);
    spec.victim_quality = ProfileQuality {
        marker_missing: 0.3,
        dropout: 0.2,
    };
    spec
}

#[test]
fn the_same_seed_gives_the_same_scenario_and_another_seed_another() {
    let m = markers();
    let a = simulate_scenario(&m, &spec(5)).unwrap();
    let b = simulate_scenario(&m, &spec(5)).unwrap();
    let c = simulate_scenario(&m, &spec(6)).unwrap();
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn victims_are_the_missing_persons_and_the_unrelated() {
    let m = markers();
    let s = simulate_scenario(&m, &spec(7)).unwrap();
    assert_eq!(s.families.len(), FamilyShape::ALL.len());
    assert_eq!(s.victims.len(), FamilyShape::ALL.len() + 5);
    let unrelated = s.victims.iter().filter(|v| v.source == VictimSource::Unrelated).count();
    assert_eq!(unrelated, 5);
    for v in &s.victims {
        if let VictimSource::Missing { family, member } = v.source {
            let f = &s.families[family];
            assert_eq!(f.pedigree.member(member).sex, v.sex);
            for (k, g) in v.genotypes.iter().enumerate() {
                assert_eq!(*g, f.genotypes[k][member]);
            }
        }
    }
    // Partial profiles: about 30% of the victims' markers (plus complete dropout) are blank.
    let blank = s
        .victims
        .iter()
        .flat_map(|v| &v.typings)
        .filter(|t| !t.is_typed())
        .count() as f64;
    let all = (s.victims.len() * m.len()) as f64;
    assert!((0.15..0.55).contains(&(blank / all)), "{blank} of {all}");
}

#[test]
fn every_family_and_every_true_pair_is_possible_under_the_engine() {
    let m = markers();
    let s = simulate_scenario(&m, &spec(8)).unwrap();
    let mut engine = Engine::new();
    let cond = s.conditions(0.0);
    for f in &s.families {
        for (k, marker) in m.iter().enumerate() {
            let ln = engine
                .ln_likelihood(&f.pedigree, marker, &f.typings[k], &Conditions::default())
                .unwrap();
            assert!(ln.is_finite(), "family {} at {}", f.id, marker.name());
        }
        for &r in &f.references {
            assert!(f.typings.iter().any(|t| t[r].is_typed()));
        }
        for &mp in &f.missing {
            assert!(f.typings.iter().all(|t| t[mp] == Typing::Untyped));
        }
    }
    // The victim placed as its missing person, read with its dropout: never impossible.
    for v in &s.victims {
        let VictimSource::Missing { family, member } = v.source else {
            continue;
        };
        let f = &s.families[family];
        let mut c = cond.clone();
        c.dropout.insert(f.pedigree.member(member).id.clone(), v.dropout);
        for (k, marker) in m.iter().enumerate() {
            let mut typings = f.typings[k].clone();
            typings[member] = v.typings[k];
            let ln = engine.ln_likelihood(&f.pedigree, marker, &typings, &c).unwrap();
            assert!(
                ln.is_finite(),
                "{} as {} at {}",
                v.id,
                f.pedigree.member(member).id,
                marker.name()
            );
        }
    }
}

#[test]
fn bad_settings_are_refused() {
    let m = markers();
    let mut s = spec(1);
    s.theta = 1.0;
    assert!(simulate_scenario(&m, &s).is_err());
    let mut s = spec(1);
    s.victim_quality.dropout = 1.5;
    assert!(simulate_scenario(&m, &s).is_err());
    let mut s = spec(1);
    s.families[0].references.push("MP".into());
    assert!(simulate_scenario(&m, &s).is_err());
}

#[test]
fn a_family_may_miss_several_members() {
    let m = markers();
    let mut template = FamilyShape::Siblings.template();
    template.name = "two-brothers".into();
    template.references = vec!["FA".into(), "MO".into()];
    template.missing = vec!["MP".into(), "S2".into()];
    let mut spec = ScenarioSpec::from_shapes(&[], 0, 4);
    spec.families = vec![template];
    let s = simulate_scenario(&m, &spec).unwrap();
    assert_eq!(s.families[0].missing.len(), 2);
    assert_eq!(s.victims.len(), 2);
    let members: Vec<&str> = s
        .victims
        .iter()
        .map(|v| match v.source {
            VictimSource::Missing { family, member } => s.families[family].pedigree.member(member).id.as_str(),
            VictimSource::Unrelated => "unrelated",
        })
        .collect();
    assert!(members.contains(&"F1-MP") && members.contains(&"F1-S2"), "{members:?}");
}
