use std::path::Path;
use kinship::{Chromosome, Marker, MutationModel};
use identify::dvi::*;
include!("/tmp/gf.rs");
fn main() {
    let markers = globalfiler_with_mutations();
    let grave = simulate::mass_grave(&markers, &simulate::MassGraveSpec::benchmark(20261202)).unwrap();
    let conditions = grave.conditions(0.0);
    let victims: Vec<Victim> = grave.victims.iter().map(|v| Victim { id: v.id.clone(), sex: v.sex, typings: v.typings.clone() }).collect();
    let families: Vec<Family> = grave.families.iter().map(|f| Family { id: f.id.clone(), pedigree: f.pedigree.clone(), typings: f.typings.clone(), missing: f.missing.clone(), dropout: Default::default() }).collect();
    let f10 = families.iter().position(|f| f.id == "F10").unwrap();
    println!("F10 = {} {:?}", grave.families[f10].shape, families[f10].pedigree.members().iter().map(|m| &m.id).collect::<Vec<_>>());
    let case = DviCase::new(markers, victims, families, conditions).unwrap();
    let one = DviCase::new(case.markers().to_vec(), case.victims()[..3].to_vec(), vec![case.families()[f10].clone()], case.conditions().clone()).unwrap();
    println!("{:?}", pairwise_lrs(&one).map(|p| p.len()));
    println!("{:?}", joint(&one, &JointOptions::default()).map(|r| r.bound));
}
