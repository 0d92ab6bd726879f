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

/// A family of two parents `FA`, `MO` and their `children` (id, sex), with the `missing` and the
/// typed `references` among them.
fn nuclear_family(name: &str, children: &[(&str, Sex)], missing: &[&str], references: &[&str]) -> FamilyTemplate {
    let mut members = vec![
        MemberSpec::new("FA", None, None, Sex::Male),
        MemberSpec::new("MO", None, None, Sex::Female),
    ];
    members.extend(
        children
            .iter()
            .map(|&(id, sex)| MemberSpec::new(id, Some("FA"), Some("MO"), sex)),
    );
    FamilyTemplate {
        name: name.to_owned(),
        members,
        missing: owned(missing),
        references: owned(references),
    }
}

fn owned(ids: &[&str]) -> Vec<String> {
    ids.iter().map(|&id| id.to_owned()).collect()
}

/// Families with several missing persons, cycled through by [`mass_grave`]: 2, 3, 4, 3, 4, 3
/// missing (3.17 on average).
fn multi_template(kind: usize) -> FamilyTemplate {
    use Sex::{Female as F, Male as M};
    match kind % 6 {
        // Two brothers; their mother and sister typed.
        0 => nuclear_family(
            "brothers-2",
            &[("B1", M), ("B2", M), ("SI", F)],
            &["B1", "B2"],
            &["MO", "SI"],
        ),
        // A father and his two sons; his wife and a daughter typed.
        1 => nuclear_family(
            "father-and-sons-3",
            &[("S1", M), ("S2", M), ("DA", F)],
            &["FA", "S1", "S2"],
            &["MO", "DA"],
        ),
        // Four brothers; their mother typed.
        2 => nuclear_family(
            "brothers-4",
            &[("B1", M), ("B2", M), ("B3", M), ("B4", M)],
            &["B1", "B2", "B3", "B4"],
            &["MO"],
        ),
        // A couple and their child; two other children typed.
        3 => nuclear_family(
            "couple-and-child",
            &[("C1", F), ("C2", M), ("C3", F)],
            &["FA", "MO", "C1"],
            &["C2", "C3"],
        ),
        // A father and his three sons; his wife typed.
        4 => nuclear_family(
            "father-and-sons-4",
            &[("S1", M), ("S2", M), ("S3", M)],
            &["FA", "S1", "S2", "S3"],
            &["MO"],
        ),
        // Three brothers; a sister and the father's brother typed: the nuclear family below its
        // father's parents.
        _ => {
            let mut family = nuclear_family(
                "brothers-3",
                &[("B1", M), ("B2", M), ("B3", M), ("SI", F)],
                &["B1", "B2", "B3"],
                &["SI", "UN"],
            );
            // In the order GF, GM, FA, UN, MO, children: the gene drop draws in member order.
            family.members[0] = MemberSpec::new("FA", Some("GF"), Some("GM"), M);
            family
                .members
                .insert(1, MemberSpec::new("UN", Some("GF"), Some("GM"), M));
            family.members.splice(
                0..0,
                [
                    MemberSpec::new("GF", None, None, M),
                    MemberSpec::new("GM", None, None, F),
                ],
            );
            family
        }
    }
}

/// The single-missing shapes of the grave's families: close references, one to three of them
/// (every shape but the uncle and the cousin).
fn single_shapes() -> Vec<FamilyShape> {
    FamilyShape::ALL
        .into_iter()
        .filter(|shape| !matches!(shape, FamilyShape::Uncle | FamilyShape::Cousin))
        .collect()
}

/// Simulates the grave: every missing person's remains are in it. The markers' mutation models
/// are those of the gene drop; victims are shuffled and named `V1`, `V2`, …
pub fn mass_grave(markers: &[kinship::Marker], spec: &MassGraveSpec) -> Result<Scenario, SimulateError> {
    crate::check_probability("partial_share", spec.partial_share)?;
    spec.partial_quality.check()?;
    let single = single_shapes();
    let mut families: Vec<FamilyTemplate> = (0..spec.single_families)
        .map(|i| single[i % single.len()].template())
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
