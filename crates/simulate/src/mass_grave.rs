//! A mass grave: many victims, reference families of which a third lost several members
//! (brothers; a father and his sons; a couple and their child), partial profiles, and victims who
//! belong to no listed family. The scenario of the joint-identification benchmark.

use kinship::{MemberSpec, Sex};

use crate::genotype::ProfileQuality;
use crate::rng::Rng;
use crate::scenario::{simulate_scenario, FamilyShape, FamilyTemplate, Scenario, ScenarioSpec};
use crate::SimulateError;

/// What to put in the grave.
#[derive(Debug, Clone, PartialEq)]
pub struct MassGraveSpec {
    /// Families with one missing person (one to three typed references each).
    pub single_families: usize,
    /// Families with two to four missing persons.
    pub multi_families: usize,
    /// Victims unrelated to every listed family.
    pub unrelated_victims: usize,
    /// Share of the victims with partial, degraded profiles.
    pub partial_share: f64,
    /// How a partial profile is typed.
    pub partial_quality: ProfileQuality,
    pub seed: u64,
}

impl MassGraveSpec {
    /// 120 families (40 with two to four missing, 126 missing persons; 80 with one), their 206
    /// victims and 90 from no listed family (296 in all, 30% unrelated), 20% of them partial
    /// with dropout.
    pub fn benchmark(seed: u64) -> MassGraveSpec {
        MassGraveSpec {
            single_families: 80,
            multi_families: 40,
            unrelated_victims: 90,
            partial_share: 0.2,
            partial_quality: ProfileQuality {
                marker_missing: 0.3,
                dropout: 0.1,
            },
            seed,
        }
    }
}

/// Families with several missing persons, cycled through by [`mass_grave`]: 2, 3, 4, 3, 4, 3
/// missing (3.17 on average).
fn multi_template(kind: usize) -> FamilyTemplate {
    use Sex::{Female as F, Male as M};
    let s = |id: &str, f: Option<&str>, m: Option<&str>, sex| MemberSpec::new(id, f, m, sex);
    let owned = |ids: &[&str]| ids.iter().map(|i| (*i).to_owned()).collect::<Vec<_>>();
    match kind % 6 {
        // Two brothers; their mother and sister typed.
        0 => FamilyTemplate {
            name: "brothers-2".into(),
            members: vec![
                s("FA", None, None, M),
                s("MO", None, None, F),
                s("B1", Some("FA"), Some("MO"), M),
                s("B2", Some("FA"), Some("MO"), M),
                s("SI", Some("FA"), Some("MO"), F),
            ],
            missing: owned(&["B1", "B2"]),
            references: owned(&["MO", "SI"]),
        },
        // A father and his two sons; his wife and a daughter typed.
        1 => FamilyTemplate {
            name: "father-and-sons-3".into(),
            members: vec![
                s("FA", None, None, M),
                s("MO", None, None, F),
                s("S1", Some("FA"), Some("MO"), M),
                s("S2", Some("FA"), Some("MO"), M),
                s("DA", Some("FA"), Some("MO"), F),
            ],
            missing: owned(&["FA", "S1", "S2"]),
            references: owned(&["MO", "DA"]),
        },
        // Four brothers; their mother typed.
        2 => FamilyTemplate {
            name: "brothers-4".into(),
            members: vec![
                s("FA", None, None, M),
                s("MO", None, None, F),
                s("B1", Some("FA"), Some("MO"), M),
                s("B2", Some("FA"), Some("MO"), M),
                s("B3", Some("FA"), Some("MO"), M),
                s("B4", Some("FA"), Some("MO"), M),
            ],
            missing: owned(&["B1", "B2", "B3", "B4"]),
            references: owned(&["MO"]),
        },
        // A couple and their child; two other children typed.
        3 => FamilyTemplate {
            name: "couple-and-child".into(),
            members: vec![
                s("FA", None, None, M),
                s("MO", None, None, F),
                s("C1", Some("FA"), Some("MO"), F),
                s("C2", Some("FA"), Some("MO"), M),
                s("C3", Some("FA"), Some("MO"), F),
            ],
            missing: owned(&["FA", "MO", "C1"]),
            references: owned(&["C2", "C3"]),
        },
        // A father and his three sons; his wife typed.
        4 => FamilyTemplate {
            name: "father-and-sons-4".into(),
            members: vec![
                s("FA", None, None, M),
                s("MO", None, None, F),
                s("S1", Some("FA"), Some("MO"), M),
                s("S2", Some("FA"), Some("MO"), M),
                s("S3", Some("FA"), Some("MO"), M),
            ],
            missing: owned(&["FA", "S1", "S2", "S3"]),
            references: owned(&["MO"]),
        },
        // Three brothers; a sister and the father's brother typed.
        _ => FamilyTemplate {
            name: "brothers-3".into(),
            members: vec![
                s("GF", None, None, M),
                s("GM", None, None, F),
                s("FA", Some("GF"), Some("GM"), M),
                s("UN", Some("GF"), Some("GM"), M),
                s("MO", None, None, F),
                s("B1", Some("FA"), Some("MO"), M),
                s("B2", Some("FA"), Some("MO"), M),
                s("B3", Some("FA"), Some("MO"), M),
                s("SI", Some("FA"), Some("MO"), F),
            ],
            missing: owned(&["B1", "B2", "B3"]),
            references: owned(&["SI", "UN"]),
        },
    }
}

/// The single-missing shapes of the grave's families: close references, one to three of them.
const SINGLE_SHAPES: [FamilyShape; 8] = [
    FamilyShape::Parents,
    FamilyShape::ParentsAndSibling,
    FamilyShape::Sibling,
    FamilyShape::Siblings,
    FamilyShape::Child,
    FamilyShape::ChildAndSpouse,
    FamilyShape::HalfSibling,
    FamilyShape::Grandparents,
];

/// Simulates the grave: every missing person's remains are in it. The markers' mutation models
/// are those of the gene drop; victims are shuffled and named `V1`, `V2`, …
pub fn mass_grave(markers: &[kinship::Marker], spec: &MassGraveSpec) -> Result<Scenario, SimulateError> {
    crate::check_probability("partial_share", spec.partial_share)?;
    spec.partial_quality.check()?;
    let mut families: Vec<FamilyTemplate> = (0..spec.single_families)
        .map(|i| SINGLE_SHAPES[i % SINGLE_SHAPES.len()].template())
        .collect();
    families.extend((0..spec.multi_families).map(multi_template));
    let mut scenario = simulate_scenario(
        markers,
        &ScenarioSpec {
            families,
            unrelated_victims: spec.unrelated_victims,
            recovered: 1.0,
            victim_quality: ProfileQuality::COMPLETE,
            reference_quality: ProfileQuality::COMPLETE,
            theta: 0.0,
            seed: spec.seed,
        },
    )?;
    // The degraded share, typed again from their true genotypes.
    let mut rng = Rng::stream(spec.seed, 1);
    for victim in &mut scenario.victims {
        if rng.bernoulli(spec.partial_share) {
            victim.typings = spec.partial_quality.observe(markers, &victim.genotypes, &mut rng);
            victim.dropout = spec.partial_quality.dropout;
        }
    }
    Ok(scenario)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::VictimSource;
    use kinship::{Chromosome, Marker, MutationModel};

    #[test]
    fn the_benchmark_grave_has_its_shape() {
        let model = MutationModel::Equal { rate: 0.002 };
        let markers: Vec<Marker> = (0..3)
            .map(|i| {
                let alleles = (0..6).map(|a| (format!("{}", 10 + a), 1.0 / 6.0)).collect();
                Marker::new(
                    &format!("L{i}"),
                    alleles,
                    Chromosome::Autosomal,
                    model.clone(),
                    model.clone(),
                )
                .unwrap()
            })
            .collect();
        let grave = mass_grave(&markers, &MassGraveSpec::benchmark(7)).unwrap();
        assert_eq!(grave.families.len(), 120);
        let several = grave.families.iter().filter(|f| f.missing.len() > 1).count();
        assert_eq!(several, 40);
        assert!(grave
            .families
            .iter()
            .all(|f| (1..=3).contains(&f.references.len()) && (1..=4).contains(&f.missing.len())));
        let unrelated = grave
            .victims
            .iter()
            .filter(|v| v.source == VictimSource::Unrelated)
            .count();
        assert_eq!(unrelated, 90);
        assert_eq!(grave.victims.len(), 90 + 80 + 126);
        let partial = grave.victims.iter().filter(|v| v.dropout > 0.0).count();
        assert!((30..=90).contains(&partial), "{partial} partial");
        // Seeded: the same spec gives the same grave.
        assert_eq!(grave, mass_grave(&markers, &MassGraveSpec::benchmark(7)).unwrap());
    }
}
