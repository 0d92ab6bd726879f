//! Linked-SNP likelihood ratios on the bundled FORCE panel (3,930 autosomal SNPs, 22 chromosomes,
//! deCODE 2019 sex-specific map): genotypes gene-dropped through H1 (seeded, no error), then the
//! LR of H1 against "typed persons unrelated", both chains built and run over every chromosome.
//!
//! Run: `cargo bench -p homeward --bench snp`. Figures go to `docs/benchmarks.md`.

use std::path::{Path, PathBuf};

use homeward::snp::{panel_chromosomes, ChromosomeData, SnpData};
use kinship::{GenotypeLikelihoods, MapFunction, MemberSpec, Pedigree, Sex};

struct Case {
    h1: Pedigree,
    h2: Pedigree,
    data: SnpData,
}

fn panel_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/snp/force-autosomal.tsv")
}

fn pedigree(rows: &[(&str, Option<&str>, Option<&str>, Sex)]) -> Pedigree {
    Pedigree::new(
        rows.iter()
            .map(|&(id, f, m, sex)| MemberSpec::new(id, f, m, sex))
            .collect(),
    )
    .unwrap()
}

fn case(h1: Pedigree, typed: &[&str], seed: u64) -> Case {
    let path = panel_path();
    let panel = formats::read_snp_panel(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let chromosomes = panel_chromosomes(&path, &panel, None, true).unwrap();
    let mut rng = simulate::Rng::seed_from(seed);
    let typed_index: Vec<usize> = typed.iter().map(|id| h1.index_of(id).unwrap()).collect();
    let chromosomes: Vec<ChromosomeData> = chromosomes
        .into_iter()
        .map(|c| {
            let genotypes = simulate::drop_linked_snps(&h1, &c.markers, MapFunction::Haldane, &mut rng).unwrap();
            let evidence = genotypes
                .iter()
                .map(|row| {
                    typed_index
                        .iter()
                        .map(|&i| Some(GenotypeLikelihoods::from_call(usize::from(row[i]), 0.0).unwrap()))
                        .collect()
                })
                .collect();
            ChromosomeData { evidence, ..c }
        })
        .collect();
    let h2 = Pedigree::singletons(typed_index.iter().map(|&i| {
        let m = h1.member(i);
        (m.id.clone(), m.sex)
    }))
    .unwrap();
    Case {
        h1,
        h2,
        data: SnpData {
            vcf: PathBuf::from("simulated.vcf"),
            header_line: 1,
            samples: typed.iter().map(|s| (*s).to_owned()).collect(),
            chromosomes,
            map: MapFunction::Haldane,
        },
    }
}

fn first_cousins() -> Case {
    use Sex::*;
    let h1 = pedigree(&[
        ("GF", None, None, Male),
        ("GM", None, None, Female),
        ("A", Some("GF"), Some("GM"), Male),
        ("B", Some("GF"), Some("GM"), Female),
        ("SA", None, None, Female),
        ("SB", None, None, Male),
        ("C1", Some("A"), Some("SA"), Male),
        ("C2", Some("SB"), Some("B"), Female),
    ]);
    case(h1, &["C1", "C2"], 1)
}

/// Six persons: grandparents, their sons U and F, F's wife M and son C; typed GF, U and C.
fn six_persons_three_typed() -> Case {
    use Sex::*;
    let h1 = pedigree(&[
        ("GF", None, None, Male),
        ("GM", None, None, Female),
        ("U", Some("GF"), Some("GM"), Male),
        ("F", Some("GF"), Some("GM"), Male),
        ("M", None, None, Female),
        ("C", Some("F"), Some("M"), Male),
    ]);
    case(h1, &["GF", "U", "C"], 2)
}

/// Nine persons: first cousins C1 and C2 married, their son D; typed C1, C2 and D.
fn cousin_marriage_trio() -> Case {
    use Sex::*;
    let h1 = pedigree(&[
        ("GF", None, None, Male),
        ("GM", None, None, Female),
        ("A", Some("GF"), Some("GM"), Male),
        ("B", Some("GF"), Some("GM"), Male),
        ("SA", None, None, Female),
        ("SB", None, None, Female),
        ("C1", Some("A"), Some("SA"), Male),
        ("C2", Some("B"), Some("SB"), Female),
        ("D", Some("C1"), Some("C2"), Male),
    ]);
    case(h1, &["C1", "C2", "D"], 3)
}

/// ln LR over every chromosome.
fn ln_lr(case: &Case) -> f64 {
    let p = Path::new("h.ped");
    let s1 = case.data.samples_of(p, &case.h1).unwrap();
    let s2 = case.data.samples_of(p, &case.h2).unwrap();
    let l1: f64 = case.data.ln_likelihoods(&case.h1, &s1).unwrap().iter().sum();
    let l2: f64 = case.data.ln_likelihoods(&case.h2, &s2).unwrap().iter().sum();
    l1 - l2
}

#[divan::bench(args = ["first_cousins", "six_persons_three_typed", "cousin_marriage_trio"])]
fn force_panel(bencher: divan::Bencher, name: &str) {
    let case = match name {
        "first_cousins" => first_cousins(),
        "six_persons_three_typed" => six_persons_three_typed(),
        _ => cousin_marriage_trio(),
    };
    eprintln!("{name}: log10 LR = {:.3}", ln_lr(&case) / std::f64::consts::LN_10);
    bencher.bench(|| ln_lr(divan::black_box(&case)));
}

fn main() {
    divan::main();
}
