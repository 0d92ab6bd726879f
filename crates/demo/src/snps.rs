//! SNP profiles for the remains whose STRs tell least: remains of persons sought only through a
//! nephew or niece (20-odd STRs give such pairs LRs of 10 to 1,000), typed on the FORCE panel as a
//! laboratory would type eighty-year-old bone, with the references of their families; and, so that
//! the SNPs have something to tell apart, the references of other such families and some remains
//! nobody looks for. Genotypes are gene-dropped through each family's pedigree along the panel's
//! map (`simulate::drop_linked_snps`), from a random stream of their own: the STR scenario is the
//! same with or without them.

use formats::SnpPanel;
use kinship::MapFunction;
use simulate::Rng;

use crate::{FamilyShape, Scenario};

/// The FORCE autosomal panel with the deCODE 2019 map (sources and licences:
/// `crates/homeward/data/snp/README.md`).
pub const FORCE_PANEL: &str = include_str!("../../homeward/data/snp/force-autosomal.tsv");
/// The name the demo keeps it under in the registry.
pub const FORCE_PANEL_NAME: &str = "FORCE";

/// Remains typed for SNPs whose families are sought, other families' references, and remains of
/// persons no family seeks.
const SOUGHT: usize = 10;
const OTHER_FAMILIES: usize = 10;
const UNSOUGHT: usize = 5;
/// The share of SNPs with no call in a bone sample.
const BONE_DROPOUT: f64 = 0.03;

/// Whose SNP profile it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnpHolder {
    /// Index into [`Scenario::remains`].
    Remains(usize),
    /// A reference: the family's and the reference's index in it.
    Reference { family: usize, reference: usize },
}

/// One SNP profile: the ALT count per panel SNP (in the panel's order), `None` where no call.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoSnpProfile {
    pub holder: SnpHolder,
    pub calls: Vec<Option<u8>>,
}

/// The demo's SNP profiles on [`FORCE_PANEL`].
pub fn snp_profiles(scenario: &Scenario) -> Vec<DemoSnpProfile> {
    let panel = formats::read_snp_panel(FORCE_PANEL).expect("the bundled panel reads");
    let mut rng = Rng::stream(scenario.seed, 0x5350);
    let family_of_person: std::collections::HashMap<usize, usize> = scenario
        .families
        .iter()
        .enumerate()
        .map(|(f, fam)| (fam.person, f))
        .collect();
    let nephew_only = |f: usize| scenario.families[f].shape == FamilyShape::NephewOrNiece;
    let mut sought: Vec<(usize, usize)> = Vec::new();
    let mut unsought: Vec<usize> = Vec::new();
    for (r, remains) in scenario.remains.iter().enumerate() {
        match family_of_person.get(&remains.truth) {
            Some(&f) if nephew_only(f) && sought.len() < SOUGHT => sought.push((r, f)),
            None if unsought.len() < UNSOUGHT => unsought.push(r),
            _ => {}
        }
    }
    let others: Vec<usize> = (0..scenario.families.len())
        .filter(|&f| nephew_only(f) && !sought.iter().any(|&(_, g)| g == f))
        .take(OTHER_FAMILIES)
        .collect();
    let mut out = Vec::new();
    for (remains, family) in sought
        .iter()
        .map(|&(r, f)| (Some(r), f))
        .chain(others.iter().map(|&f| (None, f)))
    {
        let members = &scenario.families[family].members;
        let dropped = drop(&panel, &crate::profiles::pedigree(members), &mut rng);
        for (k, reference) in scenario.families[family].references.iter().enumerate() {
            out.push(DemoSnpProfile {
                holder: SnpHolder::Reference { family, reference: k },
                calls: dropped[reference.donor].iter().map(|&c| Some(c)).collect(),
            });
        }
        if let Some(r) = remains {
            let missing = scenario.families[family].missing_member();
            out.push(bone(&mut rng, SnpHolder::Remains(r), &dropped[missing]));
        }
    }
    for r in unsought {
        let alone = kinship::Pedigree::singletons([("U".to_owned(), kinship::Sex::Unknown)]).expect("one member");
        let dropped = drop(&panel, &alone, &mut rng);
        out.push(bone(&mut rng, SnpHolder::Remains(r), &dropped[0]));
    }
    out
}

/// ALT counts of every member at every panel SNP: `[member][SNP]`, in the panel's order.
fn drop(panel: &SnpPanel, ped: &kinship::Pedigree, rng: &mut Rng) -> Vec<Vec<u8>> {
    let chromosomes = panel
        .linked_chromosomes(None, true)
        .expect("the bundled panel is valid");
    let mut out = vec![vec![0u8; panel.snps.len()]; ped.len()];
    for c in &chromosomes {
        let dropped = simulate::drop_linked_snps(ped, &c.markers, MapFunction::Haldane, rng)
            .expect("the bundled panel's map and frequencies are valid");
        for (k, &snp) in c.snps.iter().enumerate() {
            for (member, calls) in out.iter_mut().enumerate() {
                calls[snp] = dropped[k][member];
            }
        }
    }
    out
}

/// A bone sample's calls: some SNPs fail.
fn bone(rng: &mut Rng, holder: SnpHolder, calls: &[u8]) -> DemoSnpProfile {
    DemoSnpProfile {
        holder,
        calls: calls
            .iter()
            .map(|&c| (!rng.bernoulli(BONE_DROPOUT)).then_some(c))
            .collect(),
    }
}
