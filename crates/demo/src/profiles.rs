//! Simulated STR profiles: the GlobalFiler autosomal loci with the bundled East-Asian frequencies,
//! gene-dropped through each family's pedigree, and the degradation of DNA from bones buried for
//! eighty years (failed loci, heterozygotes showing one allele).

use std::collections::BTreeMap;

use kinship::{Chromosome, Marker, MemberSpec, Pedigree};
use simulate::{GeneDropper, Genotype, Rng};

use crate::{DemoMember, Sex};

/// East-Asian allele frequencies in Familias list form, from the norSTR data package (Department of
/// Forensic Sciences, Oslo University Hospital; MIT licence, `data/LICENSE-norSTR.md`).
pub const EAST_ASIA_FREQUENCIES: &str = include_str!("../data/east-asia.txt");

/// The typing kit named on every demo profile.
pub const DEMO_KIT: &str = "GlobalFiler";

/// The 21 autosomal STR loci of GlobalFiler (amelogenin, DYS391 and Yindel left out).
const GLOBALFILER: [&str; 21] = [
    "D3S1358", "vWA", "D16S539", "CSF1PO", "TPOX", "D8S1179", "D21S11", "D18S51", "D2S441", "D19S433", "TH01", "FGA",
    "D22S1045", "D5S818", "D13S317", "D7S820", "SE33", "D10S1248", "D1S1656", "D12S391", "D2S1338",
];

/// Genotypes by marker name, as the registry stores them (`14/15`, `14/-` for one allele seen).
pub type Genotypes = BTreeMap<String, String>;

/// The demo's markers (no mutation: the demo's matching jobs use the same model).
pub fn demo_markers() -> Vec<Marker> {
    let db = formats::read_frequencies(EAST_ASIA_FREQUENCIES).expect("the bundled frequency file parses (tested)");
    GLOBALFILER
        .iter()
        .map(|name| {
            let m = db
                .get(name)
                .expect("every GlobalFiler locus is in the bundled file (tested)");
            Marker::without_mutation(&m.name, m.alleles.clone(), Chromosome::Autosomal)
                .expect("the bundled frequencies are valid (tested)")
        })
        .collect()
}

/// The family's pedigree for gene dropping: member `i` is pedigree member `i`.
pub(crate) fn pedigree(members: &[DemoMember]) -> Pedigree {
    let specs = members
        .iter()
        .map(|m| {
            let name = |parent: Option<usize>| parent.map(|p| members[p].name.as_str());
            let sex = match m.sex {
                Sex::Male => kinship::Sex::Male,
                Sex::Female => kinship::Sex::Female,
            };
            MemberSpec::new(&m.name, name(m.father), name(m.mother), sex)
        })
        .collect();
    // Families are built parents first with both parents or none and names unique (tested).
    Pedigree::new(specs).expect("a demo family is a valid pedigree")
}

fn genotype_text(marker: &Marker, genotype: Genotype) -> String {
    let names = marker.alleles();
    let (a, b) = genotype.unordered();
    format!("{}/{}", names[a], names[b])
}

/// Every member's full profile, gene-dropped through the family's pedigree by `simulate` (founders
/// from the population frequencies, Mendelian transmission; the demo's markers have no mutation, as
/// in the matching model).
pub fn drop_through_family(rng: &mut Rng, dropper: &GeneDropper<'_>, members: &[DemoMember]) -> Vec<Genotypes> {
    let ped = pedigree(members);
    let dropped = dropper
        .drop_pedigree(&ped, rng)
        .expect("autosomal markers only: every sex can be simulated");
    (0..members.len())
        .map(|i| {
            dropper
                .markers()
                .iter()
                .zip(&dropped)
                .map(|(m, by_member)| (m.name().to_string(), genotype_text(m, by_member[i])))
                .collect()
        })
        .collect()
}

/// A person unrelated to every family.
pub fn unrelated(rng: &mut Rng, dropper: &GeneDropper<'_>) -> Genotypes {
    let alone = Pedigree::singletons([("U".to_owned(), kinship::Sex::Unknown)]).expect("one member");
    let dropped = dropper
        .drop_pedigree(&alone, rng)
        .expect("autosomal markers only: every sex can be simulated");
    dropper
        .markers()
        .iter()
        .zip(&dropped)
        .map(|(m, by_member)| (m.name().to_string(), genotype_text(m, by_member[0])))
        .collect()
}

/// What a laboratory gets from old bone: with `quality` 0 (good) to 1 (poor), up to 60% of loci
/// fail and up to 25% of heterozygous loci show only one allele, recorded as `a/-`. At least six
/// loci always remain (samples with fewer are not reported as profiles).
pub fn degrade(rng: &mut Rng, full: &Genotypes, quality: f64) -> Genotypes {
    let fail = 0.6 * quality * quality;
    let one_allele = 0.25 * quality;
    let mut kept: Genotypes = Genotypes::new();
    let mut failed = Vec::new();
    for (marker, genotype) in full {
        if rng.bernoulli(fail) {
            failed.push((marker, genotype));
            continue;
        }
        kept.insert(marker.clone(), partial(rng, genotype, one_allele));
    }
    while kept.len() < 6 {
        if let Some((marker, genotype)) = failed.pop() {
            kept.insert(marker.clone(), genotype.clone());
        } else {
            break;
        }
    }
    kept
}

fn partial(rng: &mut Rng, genotype: &str, one_allele: f64) -> String {
    match genotype.split_once('/') {
        Some((a, b)) if a != b && rng.bernoulli(one_allele) => {
            let seen = if rng.bernoulli(0.5) { a } else { b };
            format!("{seen}/-")
        }
        _ => genotype.to_string(),
    }
}
