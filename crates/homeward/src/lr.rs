//! `homeward lr`: the likelihood ratio of two pedigree hypotheses, from STR genotypes in the ped
//! files, SNP genotypes in a VCF file (linked, along each chromosome), or both (independent marker
//! sets: their log-likelihoods add).

use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use kinship::{
    likelihood_ratio, unrelated_alternative, Conditions, Hypothesis, LikelihoodError, LrReport, Pedigree, Typing,
};
use serde::Serialize;

use crate::model::ModelArgs;
use crate::snp::{SnpArgs, SnpData};
use casework::case;
use casework::input_error;

#[derive(Debug, Args)]
pub struct LrArgs {
    /// Pedigree and genotypes under H1 (ped format).
    #[arg(long, value_name = "H1.ped", required_unless_present = "fam")]
    h1: Option<PathBuf>,
    /// Pedigree under H2 with the same typed members; default: all typed members unrelated.
    #[arg(long, value_name = "H2.ped")]
    h2: Option<PathBuf>,
    #[command(flatten)]
    model: ModelArgs,
    #[command(flatten)]
    snp: SnpArgs,
    /// A Familias kinship case: every pedigree in it against the reference pedigree, with the file's
    /// database, mutation models and theta.
    #[arg(long, value_name = "CASE.fam", conflicts_with_all = FAM_CONFLICTS)]
    fam: Option<PathBuf>,
    /// With --fam: the pedigree the others are compared with (default: the first).
    #[arg(long, value_name = "NAME", requires = "fam")]
    reference: Option<String>,
    /// Also write the case (H1, H2, frequencies, models, theta, dropout) as a Familias file.
    #[arg(long, value_name = "CASE.fam", conflicts_with = "fam")]
    write_fam: Option<PathBuf>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

/// Flags that a `.fam` file replaces (it carries the case, database, mutation models and theta);
/// `ModelArgs` is the group clap makes of the model flags.
const FAM_CONFLICTS: [&str; 4] = ["h1", "h2", "ModelArgs", "SnpArgs"];

#[derive(Debug, Serialize)]
struct LrJson<'a> {
    lr: f64,
    log10_lr: Option<f64>,
    loglik_h1: Option<f64>,
    loglik_h2: f64,
    markers: Vec<MarkerJson<'a>>,
}

#[derive(Debug, Serialize)]
struct MarkerJson<'a> {
    marker: &'a str,
    lr: f64,
}

pub fn run(args: &LrArgs) -> Result<()> {
    if let Some(fam) = &args.fam {
        return crate::fam::run_lr(fam, args.reference.as_deref(), args.json);
    }
    let Some(h1_path) = &args.h1 else {
        return Err(input_error!("--h1 H1.ped (or --fam CASE.fam) is required"));
    };
    if let Some(snps) = args.snp.load(args.model.population.as_deref(), false)? {
        return run_with_snps(args, h1_path, &snps);
    }
    let h1_file = case::read_ped(h1_path)?;
    let h1_ped = case::pedigree(h1_path, &h1_file)?;
    let h2_file = args.h2.as_ref().map(|p| case::read_ped(p)).transpose()?;
    let mut ped_files: Vec<(&Path, &formats::PedFile)> = vec![(h1_path, &h1_file)];
    if let (Some(path), Some(file)) = (&args.h2, &h2_file) {
        ped_files.push((path, file));
    }
    let markers = args.model.markers(&ped_files)?;
    let h1_typings = case::typings(h1_path, &h1_file, &markers)?;
    let conditions = args.model.conditions(|id| h1_ped.index_of(id).is_some())?;
    let h1 = Hypothesis {
        pedigree: &h1_ped,
        typings: &h1_typings,
    };
    let (h2_ped, h2_typings) = match (&args.h2, &h2_file) {
        (Some(path), Some(file)) => (case::pedigree(path, file)?, case::typings(path, file, &markers)?),
        _ => unrelated_alternative(h1),
    };
    let h2 = Hypothesis {
        pedigree: &h2_ped,
        typings: &h2_typings,
    };
    // What Familias cannot hold is refused before computing; the file is written after.
    let fam = match &args.write_fam {
        Some(path) => Some((
            path,
            casework::familias::case_to_fam(&[("H1", h1), ("H2", h2)], &markers, &conditions)?,
        )),
        None => None,
    };
    let report = compute(&markers, h1, h2, &conditions)?;
    if let Some((path, fam)) = fam {
        std::fs::write(path, formats::write_fam(&fam))
            .map_err(|e| anyhow::anyhow!("{}: cannot write: {e}", path.display()))?;
    }
    let names: Vec<&str> = markers.iter().map(|m| m.name()).collect();
    if args.json {
        println!("{}", serde_json::to_string(&to_json(&report, &names))?);
    } else {
        print_table(&report, &names);
    }
    Ok(())
}

fn compute(markers: &[kinship::Marker], h1: Hypothesis<'_>, h2: Hypothesis<'_>, c: &Conditions) -> Result<LrReport> {
    likelihood_ratio(markers, h1, h2, c).map_err(|e| match e {
        LikelihoodError::TooComplex { .. } => anyhow::Error::new(e),
        other => input_error!("{other}"),
    })
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn to_json<'a>(report: &LrReport, names: &[&'a str]) -> LrJson<'a> {
    LrJson {
        lr: report.lr(),
        log10_lr: finite(report.log10_lr()),
        loglik_h1: finite(report.ln_h1()),
        loglik_h2: report.ln_h2(),
        markers: report
            .markers
            .iter()
            .zip(names)
            .map(|(m, &marker)| MarkerJson { marker, lr: m.lr() })
            .collect(),
    }
}

fn print_table(report: &LrReport, names: &[&str]) {
    let width = names.iter().map(|n| n.len()).max().unwrap_or(6).max(6);
    println!("{:<width$}  {:>14}  {:>10}", "marker", "LR", "log10 LR");
    for (m, name) in report.markers.iter().zip(names) {
        println!("{:<width$}  {:>14}  {:>10.4}", name, format_lr(m.lr()), m.lr().log10());
    }
    println!(
        "{:<width$}  {:>14}  {:>10.4}",
        "total",
        format_lr(report.lr()),
        report.log10_lr()
    );
    println!();
    println!("ln L(H1) = {:.6}", report.ln_h1());
    println!("ln L(H2) = {:.6}", report.ln_h2());
}

pub(crate) fn format_lr(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if (1e-3..1e6).contains(&x) {
        format!("{x:.4}")
    } else {
        format!("{x:.4e}")
    }
}

/// The STR part of a case with SNPs: markers and the typings of both hypotheses.
struct StrPart {
    markers: Vec<kinship::Marker>,
    h1: Vec<Vec<Typing>>,
    h2: Vec<Vec<Typing>>,
    conditions: Conditions,
}

/// One chromosome's log-likelihoods under both hypotheses.
#[derive(Debug, Clone)]
struct ChromosomeLr<'a> {
    chrom: &'a str,
    markers: usize,
    ln_h1: f64,
    ln_h2: f64,
}

#[derive(Debug, Serialize)]
struct SnpLrJson<'a> {
    lr: f64,
    log10_lr: Option<f64>,
    loglik_h1: Option<f64>,
    loglik_h2: f64,
    chromosomes: Vec<ChromosomeJson<'a>>,
    /// The STR markers, when the case has them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    markers: Vec<MarkerJson<'a>>,
}

#[derive(Debug, Serialize)]
struct ChromosomeJson<'a> {
    chrom: &'a str,
    lr: f64,
    markers: usize,
    loglik_h1: Option<f64>,
    loglik_h2: f64,
}

fn ratio(ln_h1: f64, ln_h2: f64) -> f64 {
    if ln_h1 == f64::NEG_INFINITY {
        0.0
    } else {
        (ln_h1 - ln_h2).exp()
    }
}

/// `lr` with `--vcf`: SNPs linked along each chromosome, and the ped files' STRs when `--freqs`
/// is given. H2 by default: every VCF sample and every STR-typed person unrelated, sexes from H1.
fn run_with_snps(args: &LrArgs, h1_path: &Path, snps: &SnpData) -> Result<()> {
    if args.write_fam.is_some() {
        return Err(input_error!(
            "--write-fam: a Familias file cannot hold SNP data; leave out --vcf"
        ));
    }
    let h1_file = case::read_ped(h1_path)?;
    let h1_ped = case::pedigree(h1_path, &h1_file)?;
    let h2_file = args.h2.as_ref().map(|p| case::read_ped(p)).transpose()?;
    let strs = match &args.model.freqs {
        Some(_) => {
            let mut ped_files: Vec<(&Path, &formats::PedFile)> = vec![(h1_path, &h1_file)];
            if let (Some(path), Some(file)) = (&args.h2, &h2_file) {
                ped_files.push((path, file));
            }
            let markers = args.model.markers(&ped_files)?;
            let h1 = case::typings(h1_path, &h1_file, &markers)?;
            let h2 = match (&args.h2, &h2_file) {
                (Some(path), Some(file)) => case::typings(path, file, &markers)?,
                _ => Vec::new(),
            };
            let conditions = args.model.conditions(|id| h1_ped.index_of(id).is_some())?;
            Some(StrPart {
                markers,
                h1,
                h2,
                conditions,
            })
        }
        None => {
            if let Some(m) = h1_file.markers.first() {
                return Err(input_error!(
                    "{}: line 1, field '{m}': the ped file has STR genotypes; give --freqs FILE to use them with the SNPs, or remove the columns",
                    h1_path.display()
                ));
            }
            None
        }
    };
    let (h2_ped, h2_path) = match (&args.h2, &h2_file) {
        (Some(path), Some(file)) => (case::pedigree(path, file)?, path.as_path()),
        _ => (default_h2(&h1_ped, snps, strs.as_ref())?, h1_path),
    };
    let mut strs = strs;
    if let Some(part) = strs.as_mut() {
        if args.h2.is_none() {
            part.h2 = restrict(&h1_ped, &h2_ped, &part.h1);
        }
    }
    let h1_samples = snps.samples_of(h1_path, &h1_ped)?;
    let h2_samples = snps.samples_of(h2_path, &h2_ped)?;
    let ln1 = snps.ln_likelihoods(&h1_ped, &h1_samples)?;
    let ln2 = snps.ln_likelihoods(&h2_ped, &h2_samples)?;
    let chromosomes: Vec<ChromosomeLr<'_>> = snps
        .chromosomes
        .iter()
        .zip(ln1.iter().zip(&ln2))
        .map(|(c, (&ln_h1, &ln_h2))| ChromosomeLr {
            chrom: &c.name,
            markers: c.markers.len(),
            ln_h1,
            ln_h2,
        })
        .collect();
    if let Some(c) = chromosomes.iter().find(|c| c.ln_h2 == f64::NEG_INFINITY) {
        return Err(input_error!(
            "chromosome {}: the data are impossible under H2, so the likelihood ratio is undefined",
            c.chrom
        ));
    }
    let report = match &strs {
        Some(part) => Some(compute(
            &part.markers,
            Hypothesis {
                pedigree: &h1_ped,
                typings: &part.h1,
            },
            Hypothesis {
                pedigree: &h2_ped,
                typings: &part.h2,
            },
            &part.conditions,
        )?),
        None => None,
    };
    let mut ln_h1: f64 = chromosomes.iter().map(|c| c.ln_h1).sum();
    let mut ln_h2: f64 = chromosomes.iter().map(|c| c.ln_h2).sum();
    if let Some(r) = &report {
        ln_h1 += r.ln_h1();
        ln_h2 += r.ln_h2();
    }
    let names: Vec<&str> = strs
        .as_ref()
        .map(|p| p.markers.iter().map(|m| m.name()).collect())
        .unwrap_or_default();
    if args.json {
        let json = SnpLrJson {
            lr: ratio(ln_h1, ln_h2),
            log10_lr: finite((ln_h1 - ln_h2) / std::f64::consts::LN_10),
            loglik_h1: finite(ln_h1),
            loglik_h2: ln_h2,
            chromosomes: chromosomes
                .iter()
                .map(|c| ChromosomeJson {
                    chrom: c.chrom,
                    lr: ratio(c.ln_h1, c.ln_h2),
                    markers: c.markers,
                    loglik_h1: finite(c.ln_h1),
                    loglik_h2: c.ln_h2,
                })
                .collect(),
            markers: report
                .iter()
                .flat_map(|r| r.markers.iter().zip(&names))
                .map(|(m, &marker)| MarkerJson { marker, lr: m.lr() })
                .collect(),
        };
        println!("{}", serde_json::to_string(&json)?);
    } else {
        let width = names.iter().map(|n| n.len()).max().unwrap_or(0).max(10);
        println!(
            "{:<width$}  {:>7}  {:>14}  {:>10}",
            "chromosome", "SNPs", "LR", "log10 LR"
        );
        for c in &chromosomes {
            let lr = ratio(c.ln_h1, c.ln_h2);
            println!(
                "{:<width$}  {:>7}  {:>14}  {:>10.4}",
                c.chrom,
                c.markers,
                format_lr(lr),
                lr.log10()
            );
        }
        if let Some(r) = &report {
            println!();
            println!("{:<width$}  {:>7}  {:>14}  {:>10}", "STR marker", "", "LR", "log10 LR");
            for (m, name) in r.markers.iter().zip(&names) {
                println!(
                    "{:<width$}  {:>7}  {:>14}  {:>10.4}",
                    name,
                    "",
                    format_lr(m.lr()),
                    m.lr().log10()
                );
            }
        }
        let lr = ratio(ln_h1, ln_h2);
        println!(
            "{:<width$}  {:>7}  {:>14}  {:>10.4}",
            "total",
            "",
            format_lr(lr),
            lr.log10()
        );
        println!();
        println!("ln L(H1) = {ln_h1:.6}");
        println!("ln L(H2) = {ln_h2:.6}");
    }
    Ok(())
}

/// H2 by default: every VCF sample and every member STR-typed somewhere, unrelated, in H1's order
/// and with H1's sexes.
fn default_h2(h1: &Pedigree, snps: &SnpData, strs: Option<&StrPart>) -> Result<Pedigree> {
    let in_vcf = |id: &str| snps.samples.iter().any(|s| s == id);
    let str_typed = |i: usize| strs.is_some_and(|p| p.h1.iter().any(|row| row[i].is_typed()));
    let members = h1
        .members()
        .iter()
        .enumerate()
        .filter(|&(i, m)| in_vcf(&m.id) || str_typed(i))
        .map(|(_, m)| (m.id.clone(), m.sex));
    // Ids of a valid pedigree are unique, so this cannot fail.
    Pedigree::singletons(members).map_err(anyhow::Error::new)
}

/// The STR typings of H1's members that are in `h2`, in `h2`'s order.
fn restrict(h1: &Pedigree, h2: &Pedigree, typings: &[Vec<Typing>]) -> Vec<Vec<Typing>> {
    typings
        .iter()
        .map(|row| {
            h2.members()
                .iter()
                .map(|m| h1.index_of(&m.id).map_or(Typing::Untyped, |i| row[i]))
                .collect()
        })
        .collect()
}
